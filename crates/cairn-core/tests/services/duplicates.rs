//! The duplicate check before a person is created.

use cairn_core::ServiceError;
use cairn_core::people::{self, PersonKind};
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::roles::Role;

use crate::support::*;

both_backends!(
    a_second_amelia_is_held_back_until_confirmed,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let new = new_person(PersonKind::Child, &amelia());

        // Nobody like her yet: created without confirmation, after an audited check.
        let first = people::create(&mut conn, &sw.actor, &new, false, LOCAL_ID_PREFIX).unwrap();
        assert_eq!(people_count(&mut conn), 1);
        assert_eq!(audit_rows_for(&mut conn, "person.duplicate_check").len(), 1);

        let again = people::create(&mut conn, &sw.actor, &new, false, LOCAL_ID_PREFIX);
        let Err(ServiceError::PossibleDuplicates(hits)) = again else {
            panic!("expected possible duplicates, got {again:?}");
        };
        assert_eq!(people_count(&mut conn), 1, "nothing was created");
        assert_eq!(hits.len(), 1);
        let hit = &hits[0];
        assert_eq!(hit.person.id, first);
        assert_eq!(hit.person.display_name, "Amelia Hughes");
        for reason in ["same name", "same date of birth", "same NHS number"] {
            assert!(
                hit.reasons.iter().any(|r| r == reason),
                "{reason} missing from {:?}",
                hit.reasons
            );
        }
        assert!(hit.score >= cairn_core::search::DUPLICATE_THRESHOLD);
        assert!(hit.reason_text().starts_with("Same NHS number"));

        let checks = audit_rows_for(&mut conn, "person.duplicate_check");
        assert_eq!(checks.len(), 2);
        let detail = checks[1].detail_json();
        assert_eq!(detail["results"], 1);
        assert_eq!(
            checks[1].actor_user_id.as_deref(),
            Some(sw.user_id.as_str())
        );

        // The user looked and says this really is someone new.
        let second = people::create(&mut conn, &sw.actor, &new, true, LOCAL_ID_PREFIX).unwrap();
        assert_ne!(second, first);
        assert_eq!(people_count(&mut conn), 2);
        assert_eq!(
            audit_rows_for(&mut conn, "person.duplicate_check").len(),
            2,
            "a confirmed create runs no further check"
        );
        assert_eq!(audit_rows_for(&mut conn, "person.create").len(), 2);
    }
);

both_backends!(
    a_misspelt_name_with_the_same_birthday_is_a_possible_duplicate,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let amelia_id = create_child(&mut conn, &sw.actor, &amelia());
        // No NHS number this time, and the family name spelt as heard.
        let misspelt = draft("Amelia", "Hewes", (5, 3, 2019));
        let result = people::create(
            &mut conn,
            &sw.actor,
            &new_person(PersonKind::Child, &misspelt),
            false,
            LOCAL_ID_PREFIX,
        );
        let Err(ServiceError::PossibleDuplicates(hits)) = result else {
            panic!("expected possible duplicates, got {result:?}");
        };
        assert_eq!(hits[0].person.id, amelia_id);
        assert!(
            hits[0].reasons.iter().any(|r| r.contains("similar")),
            "{:?}",
            hits[0].reasons
        );
        assert!(hits[0].reasons.iter().any(|r| r == "same date of birth"));
    }
);

both_backends!(
    someone_clearly_different_is_created_without_a_question,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        create_child(&mut conn, &sw.actor, &amelia());
        // Same family, different child: a sibling must not be held back as a duplicate.
        let oliver = draft("Oliver", "Hughes", (1, 2, 2016));
        people::create(
            &mut conn,
            &sw.actor,
            &new_person(PersonKind::Child, &oliver),
            false,
            LOCAL_ID_PREFIX,
        )
        .unwrap();
        assert_eq!(people_count(&mut conn), 2);
    }
);

both_backends!(a_swapped_birthday_is_a_possible_duplicate, |db: TestDb| {
    let mut conn = db.conn();
    let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
    let amelia_id = create_child(&mut conn, &sw.actor, &amelia());
    let swapped = draft("Amelia", "Hughes", (3, 5, 2019));
    let result = people::create(
        &mut conn,
        &sw.actor,
        &new_person(PersonKind::Child, &swapped),
        false,
        LOCAL_ID_PREFIX,
    );
    let Err(ServiceError::PossibleDuplicates(hits)) = result else {
        panic!("expected possible duplicates, got {result:?}");
    };
    assert_eq!(hits[0].person.id, amelia_id);
    assert!(
        hits[0]
            .reasons
            .iter()
            .any(|r| r == "date of birth with day and month swapped"),
        "{:?}",
        hits[0].reasons
    );
});

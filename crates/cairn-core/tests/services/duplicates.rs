//! The duplicate check before a person is created.

use cairn_core::ServiceError;
use cairn_core::people::{self, PersonKind};
use cairn_db::schema::id_sequences;
use cairn_db::testing::TestDb;
use cairn_db::{Backend, both_backends};
use cairn_domain::roles::Role;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

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

both_backends!(
    a_duplicate_recorded_after_the_check_still_stops_the_create,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let zachary = create_child(
            &mut conn,
            &sw.actor,
            &draft("Zachary", "Okonkwo", (2, 2, 2018)),
        );
        // Simulate someone else recording the same child between the duplicate check and the
        // create: when the check's audit row is written (after its search found nobody), a
        // trigger gives an existing record Amelia's NHS number, committed with the check.
        let sneak = format!("UPDATE people SET nhs_number = '9434765919' WHERE id = '{zachary}'");
        let sql = match db.backend {
            Backend::Sqlite => format!(
                "CREATE TRIGGER sneak AFTER INSERT ON audit_log \
                 WHEN NEW.action = 'person.duplicate_check' BEGIN {sneak}; END;"
            ),
            Backend::Postgres => format!(
                "CREATE FUNCTION sneak() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN {sneak}; RETURN NEW; END $$; \
                 CREATE TRIGGER sneak AFTER INSERT ON audit_log FOR EACH ROW \
                 WHEN (NEW.action = 'person.duplicate_check') EXECUTE FUNCTION sneak();"
            ),
        };
        conn.batch_execute(&sql).unwrap();
        let people_before = people_count(&mut conn);
        let seq_before: i64 = id_sequences::table
            .find("person_local_id")
            .select(id_sequences::next_value)
            .first(&mut conn)
            .unwrap();

        let result = people::create(
            &mut conn,
            &sw.actor,
            &new_person(PersonKind::Child, &amelia()),
            false,
            LOCAL_ID_PREFIX,
        );
        let Err(ServiceError::PossibleDuplicates(hits)) = result else {
            panic!("expected possible duplicates, got {result:?}");
        };
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].person.id, zachary);
        assert!(hits[0].reasons.iter().any(|r| r == "same NHS number"));
        assert_eq!(
            people_count(&mut conn),
            people_before,
            "nothing was created"
        );
        let seq_after: i64 = id_sequences::table
            .find("person_local_id")
            .select(id_sequences::next_value)
            .first(&mut conn)
            .unwrap();
        assert_eq!(seq_after, seq_before, "no local id was used up");
        assert_eq!(audit_rows_for(&mut conn, "person.create").len(), 1);

        // Both looks are audited: the check that found nobody, and the second look that found her.
        let checks = audit_rows_for(&mut conn, "person.duplicate_check");
        assert_eq!(checks.len(), 2);
        assert_eq!(checks[0].detail_json()["results"], 0);
        assert_eq!(checks[1].detail_json()["results"], 1);
        assert_eq!(checks[1].detail_json()["during_create"], true);
        assert_eq!(
            checks[1].actor_user_id.as_deref(),
            Some(sw.user_id.as_str())
        );
        assert_chain_intact(&mut conn);

        // Confirmed as new, it goes ahead without looking again.
        people::create(
            &mut conn,
            &sw.actor,
            &new_person(PersonKind::Child, &amelia()),
            true,
            LOCAL_ID_PREFIX,
        )
        .unwrap();
        assert_eq!(people_count(&mut conn), people_before + 1);
        assert_eq!(audit_rows_for(&mut conn, "person.duplicate_check").len(), 2);
    }
);

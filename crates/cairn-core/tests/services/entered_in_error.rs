//! Records marked as entered in error: hidden from ordinary use, kept for administrators.

use cairn_core::ServiceError;
use cairn_core::people::{self, PersonKind};
use cairn_core::relationships::{self, NewRelationship};
use cairn_core::search::SearchCriteria;
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::identifiers::NhsNumber;
use cairn_domain::relationships::RelationshipKind;
use cairn_domain::roles::Role;

use crate::support::*;

const REASON: &str = "Recorded twice by mistake; the real record is C00000002";

fn by_name() -> SearchCriteria {
    SearchCriteria {
        name: "Amelia Hughes".into(),
        ..SearchCriteria::default()
    }
}

fn by_nhs() -> SearchCriteria {
    SearchCriteria {
        nhs_number: Some(NhsNumber::parse("9434765919").unwrap()),
        ..SearchCriteria::default()
    }
}

both_backends!(a_mistaken_record_is_hidden_but_kept, |db: TestDb| {
    let mut conn = db.conn();
    let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
    let manager = staff(&mut conn, "team.manager", Role::TeamManager);
    let admin = staff(&mut conn, "system.admin", Role::Administrator);
    let id = create_child(&mut conn, &sw.actor, &amelia());

    people::mark_entered_in_error(&mut conn, &manager.actor, &id, 1, REASON).unwrap();

    // The social worker no longer sees it anywhere.
    let view = people::view(&mut conn, &sw.actor, &id, "visit");
    assert!(matches!(view, Err(ServiceError::NotFound(_))), "{view:?}");
    for criteria in [by_name(), by_nhs()] {
        let found = people::search(&mut conn, &sw.actor, &criteria).unwrap();
        assert!(found.hits.is_empty(), "{:?}", found.hits);
    }
    let history = people::versions(&mut conn, &sw.actor, &id);
    assert!(
        matches!(history, Err(ServiceError::NotFound(_))),
        "{history:?}"
    );

    // The administrator does, marked as such.
    for criteria in [by_name(), by_nhs()] {
        let found = people::search(&mut conn, &admin.actor, &criteria).unwrap();
        assert_eq!(found.hits.len(), 1, "{:?}", found.hits);
        assert_eq!(found.hits[0].person.id, id);
        assert!(found.hits[0].person.entered_in_error);
    }
    let record = people::view(&mut conn, &admin.actor, &id, "review").unwrap();
    let marked = record.person.entered_in_error.expect("marked");
    assert_eq!(marked.reason, REASON);
    assert_eq!(marked.by, manager.user_id);
    assert_eq!(record.person.version, 2);

    let row = cairn_db::people::find(&mut conn, &id).unwrap().unwrap();
    assert_eq!(row.entered_in_error_reason.as_deref(), Some(REASON));
    assert_eq!(
        row.entered_in_error_by.as_deref(),
        Some(manager.user_id.as_str())
    );
    assert!(row.entered_in_error_at.is_some());
    assert_eq!(people_count(&mut conn), 1, "nothing was deleted");

    let marks = audit_rows_for(&mut conn, "person.entered_in_error");
    assert_eq!(marks.len(), 1);
    assert_eq!(marks[0].person_id.as_deref(), Some(id.as_str()));
    assert_eq!(marks[0].detail_json()["reason"], REASON);
    assert_eq!(
        events_of_kind(&mut conn, "person.entered_in_error").len(),
        1
    );

    // A second mark from the version the manager started with conflicts; so does a change.
    let again = people::mark_entered_in_error(&mut conn, &manager.actor, &id, 1, "again");
    assert!(matches!(again, Err(ServiceError::Conflict(_))), "{again:?}");
    let again_latest = people::mark_entered_in_error(&mut conn, &manager.actor, &id, 2, "again");
    assert!(
        matches!(again_latest, Err(ServiceError::Conflict(_))),
        "{again_latest:?}"
    );
    let edit = people::update(
        &mut conn,
        &sw.actor,
        &id,
        2,
        PersonKind::Child,
        &details(&amelia()),
    );
    assert!(matches!(edit, Err(ServiceError::NotFound(_))), "{edit:?}");
    let row = cairn_db::people::find(&mut conn, &id).unwrap().unwrap();
    assert_eq!(
        row.entered_in_error_reason.as_deref(),
        Some(REASON),
        "unchanged"
    );
    assert_eq!(row.version, 2);
});

both_backends!(
    only_managers_and_administrators_may_mark_and_a_reason_is_needed,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let manager = staff(&mut conn, "team.manager", Role::TeamManager);
        let id = create_child(&mut conn, &sw.actor, &amelia());

        let refused = people::mark_entered_in_error(&mut conn, &sw.actor, &id, 1, REASON);
        assert!(
            matches!(refused, Err(ServiceError::Denied { .. })),
            "{refused:?}"
        );
        let denied = audit_rows_for(&mut conn, "access.denied");
        assert_eq!(denied.len(), 1);
        assert_eq!(denied[0].person_id.as_deref(), Some(id.as_str()));
        assert_eq!(
            denied[0].detail_json()["attempted"],
            "MarkPersonEnteredInError"
        );

        let blank = people::mark_entered_in_error(&mut conn, &manager.actor, &id, 1, "   ");
        match blank {
            Err(ServiceError::Invalid(errors)) => assert!(errors.for_field("reason").is_some()),
            other => panic!("expected a field error, got {other:?}"),
        }
        let essay = "x".repeat(2001);
        let too_long = people::mark_entered_in_error(&mut conn, &manager.actor, &id, 1, &essay);
        assert!(
            matches!(too_long, Err(ServiceError::Invalid(_))),
            "{too_long:?}"
        );

        let row = cairn_db::people::find(&mut conn, &id).unwrap().unwrap();
        assert!(row.entered_in_error_at.is_none());
        assert_eq!(row.version, 1);
        assert!(people::view(&mut conn, &sw.actor, &id, "still visible").is_ok());
    }
);

both_backends!(
    a_hidden_person_disappears_from_relationships_and_cannot_gain_new_ones,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let manager = staff(&mut conn, "team.manager", Role::TeamManager);
        let child = create_child(&mut conn, &sw.actor, &amelia());
        let mother = create_adult(
            &mut conn,
            &sw.actor,
            &draft("Sarah", "Hughes", (9, 9, 1990)),
        );
        let wrong = create_adult(&mut conn, &sw.actor, &draft("Sara", "Hughs", (9, 9, 1990)));
        for other in [&mother, &wrong] {
            relationships::add(
                &mut conn,
                &sw.actor,
                &NewRelationship {
                    person_id: child.clone(),
                    other_id: other.clone(),
                    kind: RelationshipKind::Mother,
                    lives_together: true,
                    started_on: None,
                },
            )
            .unwrap();
        }
        people::mark_entered_in_error(&mut conn, &manager.actor, &wrong, 1, "Duplicate of Sarah")
            .unwrap();

        let record = people::view(&mut conn, &sw.actor, &child, "visit").unwrap();
        let others: Vec<&str> = record
            .relationships
            .iter()
            .map(|r| r.other.id.as_str())
            .collect();
        assert_eq!(others, [mother.as_str()]);

        let result = relationships::add(
            &mut conn,
            &sw.actor,
            &NewRelationship {
                person_id: wrong.clone(),
                other_id: child.clone(),
                kind: RelationshipKind::Other,
                lives_together: false,
                started_on: None,
            },
        );
        assert!(
            matches!(result, Err(ServiceError::NotFound(_))),
            "{result:?}"
        );
        let address = cairn_core::addresses::add(
            &mut conn,
            &sw.actor,
            &wrong,
            &address("1 A Road", "SO23 8UJ"),
        );
        assert!(
            matches!(address, Err(ServiceError::NotFound(_))),
            "{address:?}"
        );
    }
);

both_backends!(
    marking_in_error_keeps_a_saved_version_for_every_version_number,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let manager = staff(&mut conn, "team.manager", Role::TeamManager);
        let admin = staff(&mut conn, "system.admin", Role::Administrator);
        let id = create_child(&mut conn, &sw.actor, &amelia());
        people::mark_entered_in_error(&mut conn, &manager.actor, &id, 1, REASON).unwrap();
        let (person, versions) = people::versions(&mut conn, &admin.actor, &id).unwrap();
        let mut numbers: Vec<i32> = versions.iter().map(|v| v.version).collect();
        numbers.sort();
        assert_eq!(numbers, (1..=person.version).collect::<Vec<_>>());
        let latest = versions
            .iter()
            .find(|v| v.version == person.version)
            .unwrap();
        assert_eq!(latest.changed_by, manager.user_id);
        assert_eq!(latest.change_reason.as_deref(), Some(REASON));
        // The details as they were, and the reason.
        let first: serde_json::Value =
            serde_json::from_str(&versions_of(&mut conn, &id)[0].snapshot).unwrap();
        let mut expected = first.clone();
        expected["entered_in_error_reason"] = serde_json::json!(REASON);
        let snap: serde_json::Value = serde_json::from_str(&latest.snapshot).unwrap();
        assert_eq!(snap, expected);
        let row = cairn_db::people::find(&mut conn, &id).unwrap().unwrap();
        assert_eq!(latest.changed_at, row.updated_at);

        // After an edit, the mark's version carries the edited details.
        let other = create_child(
            &mut conn,
            &sw.actor,
            &draft("Oliver", "Hughes", (1, 2, 2016)),
        );
        let mut edited = draft("Oliver", "Hughes-Smith", (1, 2, 2016));
        edited.sex = "M".into();
        people::update(
            &mut conn,
            &sw.actor,
            &other,
            1,
            PersonKind::Child,
            &details(&edited),
        )
        .unwrap();
        people::mark_entered_in_error(&mut conn, &manager.actor, &other, 2, REASON).unwrap();
        let saved = versions_of(&mut conn, &other);
        assert_eq!(
            saved.iter().map(|v| v.version).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        let snap: serde_json::Value = serde_json::from_str(&saved[2].snapshot).unwrap();
        assert_eq!(snap["family_name"], "Hughes-Smith");
        assert_eq!(snap["sex"], "M");
        assert_eq!(snap["entered_in_error_reason"], REASON);

        // A stale mark writes no version.
        let stale = people::mark_entered_in_error(&mut conn, &manager.actor, &other, 2, REASON);
        assert!(stale.is_err(), "{stale:?}");
        assert_eq!(versions_of(&mut conn, &other).len(), 3);
    }
);

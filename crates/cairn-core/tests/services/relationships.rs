//! Relationships are stored once and read from both ends.

use cairn_core::ServiceError;
use cairn_core::people;
use cairn_core::relationships::{self, NewRelationship};
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::relationships::RelationshipKind;
use cairn_domain::roles::Role;

use crate::support::*;

fn rel(person: &str, other: &str, kind: RelationshipKind) -> NewRelationship {
    NewRelationship {
        person_id: person.into(),
        other_id: other.into(),
        kind,
        lives_together: true,
        started_on: None,
    }
}

fn field_of(result: Result<String, ServiceError>) -> String {
    match result {
        Err(ServiceError::Invalid(errors)) => {
            assert_eq!(errors.len(), 1, "{errors:?}");
            errors.iter().next().unwrap().field.clone()
        }
        other => panic!("expected a field error, got {other:?}"),
    }
}

both_backends!(
    a_mother_is_seen_as_mother_from_the_child_and_child_from_the_mother,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let child = create_child(&mut conn, &sw.actor, &amelia());
        let mother = create_adult(
            &mut conn,
            &sw.actor,
            &draft("Sarah", "Hughes", (9, 9, 1990)),
        );

        // "Sarah is the mother of Amelia", added from Amelia's record.
        let rel_id = relationships::add(
            &mut conn,
            &sw.actor,
            &rel(&child, &mother, RelationshipKind::Mother),
        )
        .unwrap();

        let from_child = people::view(&mut conn, &sw.actor, &child, "visit").unwrap();
        assert_eq!(from_child.relationships.len(), 1);
        let r = &from_child.relationships[0];
        assert_eq!(r.id, rel_id);
        assert_eq!(r.label, "Mother");
        assert_eq!(r.other.id, mother);
        assert_eq!(r.other.display_name, "Sarah Hughes");
        assert!(r.lives_together);

        let from_mother = people::view(&mut conn, &sw.actor, &mother, "visit").unwrap();
        assert_eq!(from_mother.relationships.len(), 1);
        assert_eq!(from_mother.relationships[0].label, "Child");
        assert_eq!(from_mother.relationships[0].other.id, child);

        // Audited and evented on both people's records.
        let audits = audit_rows_for(&mut conn, "person.relationship_add");
        let mut people_audited: Vec<&str> = audits
            .iter()
            .filter_map(|a| a.person_id.as_deref())
            .collect();
        people_audited.sort();
        let mut expected = vec![child.as_str(), mother.as_str()];
        expected.sort();
        assert_eq!(people_audited, expected);
        assert!(
            audits
                .iter()
                .all(|a| a.entity_id.as_deref() == Some(rel_id.as_str()))
        );
        assert!(audits.iter().all(|a| a.detail_json()["kind"] == "mother"));
        let events = events_of_kind(&mut conn, "person.relationship_added");
        assert_eq!(events.len(), 2);
        assert!(
            events
                .iter()
                .any(|e| e.person_id.as_deref() == Some(child.as_str()))
        );
        assert!(
            events
                .iter()
                .any(|e| e.person_id.as_deref() == Some(mother.as_str()))
        );
    }
);

both_backends!(
    duplicate_and_self_relationships_are_refused,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let child = create_child(&mut conn, &sw.actor, &amelia());
        let mother = create_adult(
            &mut conn,
            &sw.actor,
            &draft("Sarah", "Hughes", (9, 9, 1990)),
        );
        let brother = create_child(
            &mut conn,
            &sw.actor,
            &draft("Oliver", "Hughes", (1, 2, 2016)),
        );
        relationships::add(
            &mut conn,
            &sw.actor,
            &rel(&child, &mother, RelationshipKind::Mother),
        )
        .unwrap();
        relationships::add(
            &mut conn,
            &sw.actor,
            &rel(&child, &brother, RelationshipKind::Sibling),
        )
        .unwrap();
        let audit_before = audit_count(&mut conn);

        assert_eq!(
            field_of(relationships::add(
                &mut conn,
                &sw.actor,
                &rel(&child, &mother, RelationshipKind::Mother)
            )),
            "kind"
        );
        // Siblings read the same both ways: adding it from the brother's side is the same fact.
        assert_eq!(
            field_of(relationships::add(
                &mut conn,
                &sw.actor,
                &rel(&brother, &child, RelationshipKind::Sibling)
            )),
            "kind"
        );
        assert_eq!(
            field_of(relationships::add(
                &mut conn,
                &sw.actor,
                &rel(&child, &child, RelationshipKind::Sibling)
            )),
            "other_id"
        );
        assert_eq!(
            field_of(relationships::add(
                &mut conn,
                &sw.actor,
                &rel(&child, "somebody", RelationshipKind::Carer)
            )),
            "other_id"
        );
        let stranger = cairn_domain::ids::PersonId::new().to_string();
        let missing = relationships::add(
            &mut conn,
            &sw.actor,
            &rel(&child, &stranger, RelationshipKind::Carer),
        );
        assert!(
            matches!(missing, Err(ServiceError::NotFound(_))),
            "{missing:?}"
        );

        assert_eq!(
            cairn_db::people::relationships_of(&mut conn, &child)
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            audit_count(&mut conn),
            audit_before,
            "refusals of bad input change nothing"
        );

        // A different relationship between the same two people is allowed.
        relationships::add(
            &mut conn,
            &sw.actor,
            &rel(&child, &mother, RelationshipKind::Carer),
        )
        .unwrap();
        assert_eq!(
            cairn_db::people::relationships_of(&mut conn, &child)
                .unwrap()
                .len(),
            3
        );
    }
);

both_backends!(
    a_relationship_entered_in_error_is_hidden_and_can_be_added_again,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let admin = staff(&mut conn, "system.admin", Role::Administrator);
        let child = create_child(&mut conn, &sw.actor, &amelia());
        let adult = create_adult(
            &mut conn,
            &sw.actor,
            &draft("Sarah", "Hughes", (9, 9, 1990)),
        );
        let id = relationships::add(
            &mut conn,
            &sw.actor,
            &rel(&child, &adult, RelationshipKind::Father),
        )
        .unwrap();

        let blank = relationships::mark_entered_in_error(&mut conn, &sw.actor, &child, &id, " ");
        assert!(matches!(blank, Err(ServiceError::Invalid(_))), "{blank:?}");
        let unrelated = create_child(
            &mut conn,
            &sw.actor,
            &draft("Oliver", "Hughes", (1, 2, 2016)),
        );
        let wrong_person =
            relationships::mark_entered_in_error(&mut conn, &sw.actor, &unrelated, &id, "Wrong");
        assert!(
            matches!(wrong_person, Err(ServiceError::NotFound(_))),
            "{wrong_person:?}"
        );

        relationships::mark_entered_in_error(
            &mut conn,
            &sw.actor,
            &child,
            &id,
            "She is the mother, not the father",
        )
        .unwrap();
        let seen = people::view(&mut conn, &sw.actor, &child, "visit").unwrap();
        assert!(seen.relationships.is_empty());
        let admin_view = people::view(&mut conn, &admin.actor, &child, "review").unwrap();
        assert_eq!(admin_view.relationships.len(), 1);
        assert!(admin_view.relationships[0].entered_in_error);
        assert_eq!(
            audit_rows_for(&mut conn, "person.relationship_entered_in_error").len(),
            2
        );

        relationships::add(
            &mut conn,
            &sw.actor,
            &rel(&child, &adult, RelationshipKind::Mother),
        )
        .unwrap();
        let seen = people::view(&mut conn, &sw.actor, &child, "visit").unwrap();
        assert_eq!(seen.relationships.len(), 1);
        assert_eq!(seen.relationships[0].label, "Mother");
    }
);

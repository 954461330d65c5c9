//! Two people editing the same record: the second is told, and nothing is lost or doubled.

use cairn_core::ServiceError;
use cairn_core::people::{self, PersonKind};
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::roles::Role;

use crate::support::*;

fn with_family(family: &str) -> cairn_domain::person::PersonDetails {
    let mut d = amelia();
    d.family_name = family.into();
    details(&d)
}

both_backends!(
    the_second_edit_from_the_same_version_conflicts,
    |db: TestDb| {
        let mut conn = db.conn();
        let first = staff(&mut conn, "first.worker", Role::SocialWorker);
        let second = staff(&mut conn, "second.worker", Role::SeniorPractitioner);
        let id = create_child(&mut conn, &first.actor, &amelia());
        // Both opened the edit form at version 1.
        let seen = people::view(&mut conn, &second.actor, &id, "edit").unwrap();
        assert_eq!(seen.person.version, 1);

        people::update(
            &mut conn,
            &first.actor,
            &id,
            1,
            PersonKind::Child,
            &with_family("Hughes-Smith"),
        )
        .unwrap();
        let late = people::update(
            &mut conn,
            &second.actor,
            &id,
            1,
            PersonKind::Child,
            &with_family("Huws"),
        );
        match late {
            Err(ServiceError::Conflict(message)) => {
                assert!(message.contains("Someone else changed"), "{message}");
            }
            other => panic!("expected a conflict, got {other:?}"),
        }

        let row = cairn_db::people::find(&mut conn, &id).unwrap().unwrap();
        assert_eq!(row.family_name, "Hughes-Smith");
        assert_eq!(row.family_norm, "hughessmith");
        assert_eq!(row.version, 2);
        assert_eq!(row.updated_by, first.user_id);
        let versions = versions_of(&mut conn, &id);
        assert_eq!(
            versions.iter().map(|v| v.version).collect::<Vec<_>>(),
            [1, 2]
        );
        let snap: serde_json::Value = serde_json::from_str(&versions[1].snapshot).unwrap();
        assert_eq!(snap["family_name"], "Hughes-Smith");

        let updates = audit_rows_for(&mut conn, "person.update");
        assert_eq!(updates.len(), 1);
        assert_eq!(changed_fields(&updates[0]), ["family_name"]);
        assert_eq!(
            updates[0].actor_user_id.as_deref(),
            Some(first.user_id.as_str())
        );
        let changed = events_of_kind(&mut conn, "person.details_changed");
        assert_eq!(changed.len(), 1);
        let data: serde_json::Value = serde_json::from_str(&changed[0].data).unwrap();
        assert_eq!(data["fields"], serde_json::json!(["family_name"]));

        // Starting again from the latest version works.
        people::update(
            &mut conn,
            &second.actor,
            &id,
            2,
            PersonKind::Child,
            &with_family("Huws"),
        )
        .unwrap();
        let row = cairn_db::people::find(&mut conn, &id).unwrap().unwrap();
        assert_eq!((row.family_name.as_str(), row.version), ("Huws", 3));
    }
);

both_backends!(
    racing_edits_from_one_version_let_exactly_one_win,
    |db: TestDb| {
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let id = create_child(&mut conn, &sw.actor, &amelia());
        drop(conn);

        const WRITERS: usize = 6;
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(WRITERS));
        let handles: Vec<_> = (0..WRITERS)
            .map(|i| {
                let pool = pool.clone();
                let actor = sw.actor.clone();
                let id = id.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    let mut conn = pool.get().unwrap();
                    let family = format!("Writer{i}");
                    barrier.wait();
                    let result = people::update(
                        &mut conn,
                        &actor,
                        &id,
                        1,
                        PersonKind::Child,
                        &with_family(&family),
                    );
                    (family, result)
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();

        let winners: Vec<&String> = results
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(f, _)| f)
            .collect();
        assert_eq!(winners.len(), 1, "{results:?}");
        for (_, r) in results.iter().filter(|(_, r)| r.is_err()) {
            assert!(matches!(r, Err(ServiceError::Conflict(_))), "{r:?}");
        }

        let mut conn = pool.get().unwrap();
        let row = cairn_db::people::find(&mut conn, &id).unwrap().unwrap();
        assert_eq!(&row.family_name, winners[0]);
        assert_eq!(row.version, 2);
        assert_eq!(versions_of(&mut conn, &id).len(), 2);
        assert_eq!(audit_rows_for(&mut conn, "person.update").len(), 1);
        assert_eq!(events_of_kind(&mut conn, "person.details_changed").len(), 1);
        assert_chain_intact(&mut conn);
    }
);

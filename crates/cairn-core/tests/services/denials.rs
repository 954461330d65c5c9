//! Least privilege: read-only roles change nothing, and every refusal is in the audit log.

use cairn_core::api_tokens::{self, TokenForm};
use cairn_core::people::{self, PersonKind};
use cairn_core::relationships::{self, NewRelationship};
use cairn_core::{ServiceError, accounts};
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::policy::Action;
use cairn_domain::relationships::RelationshipKind;
use cairn_domain::roles::Role;

use crate::support::*;

fn assert_denied<T: std::fmt::Debug>(result: Result<T, ServiceError>, expected: Action) {
    match result {
        Err(ServiceError::Denied { action, .. }) => assert_eq!(action, expected),
        other => panic!("expected {expected:?} to be denied, got {other:?}"),
    }
}

fn denied_actions(conn: &mut cairn_db::DbConn) -> Vec<String> {
    audit_rows_for(conn, "access.denied")
        .iter()
        .map(|r| {
            assert_eq!(r.outcome, "denied");
            r.detail_json()["attempted"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

both_backends!(
    read_only_roles_cannot_change_a_person_and_are_audited,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let inspector = staff(&mut conn, "ofsted.visitor", Role::Inspector);
        let auditor = staff(&mut conn, "case.auditor", Role::Auditor);
        let child = create_child(&mut conn, &sw.actor, &amelia());
        let mother = create_adult(
            &mut conn,
            &sw.actor,
            &draft("Sarah", "Hughes", (9, 9, 1990)),
        );
        let mut changed = amelia();
        changed.family_name = "Changed".into();

        assert_denied(
            people::update(
                &mut conn,
                &inspector.actor,
                &child,
                1,
                PersonKind::Child,
                &details(&changed),
            ),
            Action::EditPerson,
        );
        assert_denied(
            cairn_core::addresses::add(
                &mut conn,
                &auditor.actor,
                &child,
                &address("1 High Street", "SO23 8UJ"),
            ),
            Action::EditPerson,
        );
        assert_denied(
            relationships::add(
                &mut conn,
                &auditor.actor,
                &NewRelationship {
                    person_id: child.clone(),
                    other_id: mother.clone(),
                    kind: RelationshipKind::Mother,
                    lives_together: true,
                    started_on: None,
                },
            ),
            Action::ManageRelationships,
        );

        let row = cairn_db::people::find(&mut conn, &child).unwrap().unwrap();
        assert_eq!((row.family_name.as_str(), row.version), ("Hughes", 1));
        assert!(
            cairn_db::people::addresses_of(&mut conn, &child)
                .unwrap()
                .is_empty()
        );
        assert!(
            cairn_db::people::relationships_of(&mut conn, &child)
                .unwrap()
                .is_empty()
        );

        assert_eq!(
            denied_actions(&mut conn),
            ["EditPerson", "EditPerson", "ManageRelationships"]
        );
        let rows = audit_rows_for(&mut conn, "access.denied");
        assert!(
            rows.iter()
                .all(|r| r.person_id.as_deref() == Some(child.as_str()))
        );
        assert_eq!(
            rows[0].actor_user_id.as_deref(),
            Some(inspector.user_id.as_str())
        );
        assert_eq!(
            rows[1].actor_user_id.as_deref(),
            Some(auditor.user_id.as_str())
        );
    }
);

both_backends!(a_refused_create_is_audited, |db: TestDb| {
    let mut conn = db.conn();
    let inspector = staff(&mut conn, "ofsted.visitor", Role::Inspector);
    let result = people::create(
        &mut conn,
        &inspector.actor,
        &new_person(PersonKind::Child, &amelia()),
        true,
        LOCAL_ID_PREFIX,
    );
    assert_denied(result, Action::CreatePerson);
    assert_eq!(people_count(&mut conn), 0);
    assert_eq!(denied_actions(&mut conn), ["CreatePerson"]);
});

both_backends!(refused_administration_is_audited, |db: TestDb| {
    let mut conn = db.conn();
    let manager = staff(&mut conn, "team.manager", Role::TeamManager);
    assert_denied(
        accounts::create_account(
            &mut conn,
            &manager.actor,
            &account_form("new.admin", Role::Administrator),
            Some(PASSWORD),
        )
        .map(|c| c.user_id),
        Action::ManageUsers,
    );
    assert_denied(
        accounts::reset_password(&mut conn, &manager.actor, "team.manager", None),
        Action::ManageUsers,
    );
    assert_denied(
        accounts::create_office(&mut conn, &manager.actor, "Rogue office"),
        Action::ManageTeams,
    );
    assert_denied(
        api_tokens::create(
            &mut conn,
            &manager.actor,
            &TokenForm {
                name: "mine".into(),
                user_id: manager.user_id.clone(),
                scopes: vec!["people:write".into()],
                days: "365".into(),
            },
        )
        .map(|t| t.id),
        Action::ManageApiTokens,
    );
    assert_eq!(
        denied_actions(&mut conn),
        [
            "ManageUsers",
            "ManageUsers",
            "ManageTeams",
            "ManageApiTokens"
        ]
    );
});

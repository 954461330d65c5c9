//! After a working day's worth of everything, the audit chain still verifies.

use cairn_core::api_tokens::{self, TokenForm};
use cairn_core::people::{self, PersonKind};
use cairn_core::relationships::{self, NewRelationship};
use cairn_core::search::SearchCriteria;
use cairn_core::{Actor, Channel, accounts, audit_view, auth};
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::relationships::RelationshipKind;
use cairn_domain::roles::Role;

use crate::support::*;

both_backends!(
    the_chain_verifies_after_every_kind_of_service_call,
    |db: TestDb| {
        let mut conn = db.conn();
        let admin = staff(&mut conn, "system.admin", Role::Administrator);
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let manager = staff(&mut conn, "team.manager", Role::TeamManager);
        let auditor = staff(&mut conn, "case.auditor", Role::Auditor);
        make_team(&mut conn, "Front Door");

        // People: create, duplicate check, search, view, edit, conflict, address, relationship.
        let child = people::create(
            &mut conn,
            &sw.actor,
            &new_person(PersonKind::Child, &amelia()),
            false,
            LOCAL_ID_PREFIX,
        )
        .unwrap();
        let dup = people::create(
            &mut conn,
            &sw.actor,
            &new_person(PersonKind::Child, &amelia()),
            false,
            LOCAL_ID_PREFIX,
        );
        assert!(dup.is_err());
        let mother = create_adult(
            &mut conn,
            &sw.actor,
            &draft("Sarah", "Hughes", (9, 9, 1990)),
        );
        people::search(
            &mut conn,
            &sw.actor,
            &SearchCriteria {
                name: "Hughes".into(),
                ..SearchCriteria::default()
            },
        )
        .unwrap();
        people::view(&mut conn, &sw.actor, &child, "visit").unwrap();
        let mut changed = amelia();
        changed.given_names = "Amelia Rose".into();
        people::update(
            &mut conn,
            &sw.actor,
            &child,
            1,
            PersonKind::Child,
            &details(&changed),
        )
        .unwrap();
        assert!(
            people::update(
                &mut conn,
                &sw.actor,
                &child,
                1,
                PersonKind::Child,
                &details(&changed)
            )
            .is_err()
        );
        cairn_core::addresses::add(
            &mut conn,
            &sw.actor,
            &child,
            &address("1 High Street", "SO23 8UJ"),
        )
        .unwrap();
        relationships::add(
            &mut conn,
            &sw.actor,
            &NewRelationship {
                person_id: child.clone(),
                other_id: mother.clone(),
                kind: RelationshipKind::Mother,
                lives_together: true,
                started_on: None,
            },
        )
        .unwrap();
        people::mark_entered_in_error(&mut conn, &manager.actor, &mother, 1, "Wrong person")
            .unwrap();

        // Denials, written after their transaction rolled back.
        let no_scopes = Actor {
            channel: Channel::Api,
            scopes: vec![],
            ..sw.actor.clone()
        };
        assert!(people::view(&mut conn, &no_scopes, &child, "x").is_err());
        assert!(audit_view::list(&mut conn, &sw.actor, &Default::default()).is_err());

        // Sign-in failures, a lock-out, password changes, sessions.
        let strict = cairn_core::Settings {
            login_max_failures: 2,
            ..cairn_core::Settings::default()
        };
        for _ in 0..3 {
            auth::sign_in(&mut conn, &strict, "team.manager", "wrong password!", None)
                .unwrap()
                .unwrap_err();
        }
        auth::sign_in(&mut conn, &strict, "nobody", "wrong password!", None)
            .unwrap()
            .unwrap_err();
        auth::change_password(
            &mut conn,
            &sw.actor,
            PASSWORD,
            "a new phrase for me",
            "a new phrase for me",
        )
        .unwrap();
        auth::sign_out(&mut conn, &sw.actor).unwrap();

        // Accounts and tokens.
        let user = create_account(&mut conn, "partner.system", Role::SocialWorker);
        let account = accounts::get_account(&mut conn, &admin.actor, &user).unwrap();
        let mut form = account_form("partner.system", Role::SeniorPractitioner);
        form.display_name = "Partner".into();
        accounts::update_account(&mut conn, &admin.actor, &user, account.version, &form).unwrap();
        accounts::reset_password(&mut conn, &admin.actor, "partner.system", None).unwrap();
        let token = api_tokens::create(
            &mut conn,
            &admin.actor,
            &TokenForm {
                name: "Partner".into(),
                user_id: user.clone(),
                scopes: vec!["people:read".into()],
                days: "10".into(),
            },
        )
        .unwrap();
        let api = api_tokens::authenticate(&mut conn, &token.secret, None)
            .unwrap()
            .unwrap();
        people::view(&mut conn, &api, &child, "api").unwrap();
        api_tokens::revoke(&mut conn, &admin.actor, &token.id).unwrap();
        api_tokens::authenticate(&mut conn, &token.secret, None)
            .unwrap()
            .unwrap_err();
        api_tokens::authenticate(&mut conn, "cairn_unknown", None)
            .unwrap()
            .unwrap_err();
        audit_view::list(
            &mut conn,
            &auditor.actor,
            &cairn_db::audit::AuditFilter {
                person_id: Some(child.clone()),
                limit: 50,
                ..Default::default()
            },
        )
        .unwrap();

        let rows = audit_rows(&mut conn);
        for action in [
            "person.create",
            "person.duplicate_check",
            "person.search",
            "person.view",
            "person.update",
            "person.address_add",
            "person.relationship_add",
            "person.entered_in_error",
            "access.denied",
            "auth.sign_in",
            "auth.locked_out",
            "auth.sign_out",
            "user.create",
            "user.update",
            "user.password_changed",
            "user.password_reset",
            "api_token.create",
            "api_token.revoke",
            "api.authenticate",
            "audit.view",
            "office.create",
            "team.create",
        ] {
            assert!(rows.iter().any(|r| r.action == action), "no {action} row");
        }
        let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, (1..=rows.len() as i64).collect::<Vec<_>>(), "no gaps");
        for pair in rows.windows(2) {
            assert_eq!(pair[1].prev_hash, pair[0].hash);
        }
        let report = cairn_db::audit::verify(&mut conn, |_| {}).unwrap();
        assert_eq!(report.first_broken, None);
        assert_eq!(report.rows_checked, rows.len() as u64);
        assert_eq!(report.last_seq, rows.len() as i64);
        // The service's own verify agrees.
        let via_service = audit_view::verify(&mut conn, |_| {}).unwrap();
        assert_eq!(via_service, report);
    }
);

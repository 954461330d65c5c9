//! API tokens: shown once, stored hashed, scoped, revocable and expiring.

use cairn_core::api_tokens::{self, TokenForm, TokenRefusal};
use cairn_core::people::{self, PersonKind};
use cairn_core::{Actor, Channel, ServiceError, accounts, auth};
use cairn_db::schema::api_tokens as t;
use cairn_db::testing::TestDb;
use cairn_db::{DbConn, both_backends};
use cairn_domain::policy::Action;
use cairn_domain::roles::Role;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::support::*;

fn form(user_id: &str, scopes: &[&str]) -> TokenForm {
    TokenForm {
        name: "Partner system".into(),
        user_id: user_id.into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        days: "30".into(),
    }
}

fn authenticate(conn: &mut DbConn, secret: &str) -> Result<Actor, TokenRefusal> {
    api_tokens::authenticate(conn, secret, Some("api-req")).unwrap()
}

type StoredToken = (String, String, String, String, String, NaiveDateTime);

fn stored_tokens(conn: &mut DbConn) -> Vec<StoredToken> {
    t::table
        .select((
            t::id,
            t::name,
            t::token_prefix,
            t::token_hash,
            t::scopes,
            t::expires_at,
        ))
        .load(conn)
        .unwrap()
}

both_backends!(
    a_token_is_shown_once_and_stored_only_as_a_hash,
    |db: TestDb| {
        let mut conn = db.conn();
        let admin = staff(&mut conn, "system.admin", Role::Administrator);
        let user_id = create_account(&mut conn, "partner.worker", Role::SocialWorker);
        let created =
            api_tokens::create(&mut conn, &admin.actor, &form(&user_id, &["people:read"])).unwrap();
        assert!(created.secret.starts_with("cairn_"), "{}", created.secret);
        assert!(created.secret.len() >= 40);

        let rows = stored_tokens(&mut conn);
        assert_eq!(rows.len(), 1);
        let (id, name, prefix, hash, scopes, expires) = &rows[0];
        assert_eq!(id, &created.id);
        assert_eq!(name, "Partner system");
        assert_eq!(scopes, "people:read");
        assert_eq!(hash, &auth::hash_secret(&created.secret));
        assert!(created.secret.starts_with(prefix.as_str()));
        assert!(
            prefix.len() < 16,
            "only a short recognisable prefix is kept"
        );
        for column in [id, name, prefix, hash, scopes] {
            assert!(
                !column.contains(&created.secret),
                "the secret is stored in {column}"
            );
        }
        let days = (*expires - cairn_db::now()).num_days();
        assert!((29..=30).contains(&days), "{days}");

        let audit = audit_rows_for(&mut conn, "api_token.create");
        assert_eq!(audit.len(), 1);
        assert!(!audit[0].detail.contains(&created.secret));
        assert!(
            !audit_rows(&mut conn)
                .iter()
                .any(|r| r.detail.contains(&created.secret))
        );
    }
);

both_backends!(a_read_token_reads_but_cannot_write, |db: TestDb| {
    let mut conn = db.conn();
    let admin = staff(&mut conn, "system.admin", Role::Administrator);
    let sw = staff(&mut conn, "partner.worker", Role::SocialWorker);
    let child = create_child(&mut conn, &sw.actor, &amelia());
    let created = api_tokens::create(
        &mut conn,
        &admin.actor,
        &form(&sw.user_id, &["people:read"]),
    )
    .unwrap();

    let actor = authenticate(&mut conn, &created.secret).expect("a live token");
    assert_eq!(actor.channel, Channel::Api);
    assert_eq!(
        actor.user_id.map(|u| u.to_string()),
        Some(sw.user_id.clone())
    );
    assert_eq!(actor.role, Role::SocialWorker);
    assert_eq!(actor.scopes, ["people:read"]);
    assert_eq!(actor.session_id, Some(format!("token:{}", created.id)));
    assert!(actor.may(Action::ViewPerson));
    assert!(!actor.may(Action::EditPerson));
    let last_used: Option<NaiveDateTime> = t::table
        .find(&created.id)
        .select(t::last_used_at)
        .first(&mut conn)
        .unwrap();
    assert!(last_used.is_some());

    people::view(&mut conn, &actor, &child, "api read").unwrap();
    let views = audit_rows_for(&mut conn, "person.view");
    assert_eq!(views.last().unwrap().session_id, actor.session_id);

    let mut changed = amelia();
    changed.family_name = "Changed".into();
    let result = people::update(
        &mut conn,
        &actor,
        &child,
        1,
        PersonKind::Child,
        &details(&changed),
    );
    assert!(
        matches!(
            result,
            Err(ServiceError::Denied {
                action: Action::EditPerson,
                ..
            })
        ),
        "{result:?}"
    );
    let denied = audit_rows_for(&mut conn, "access.denied");
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].person_id.as_deref(), Some(child.as_str()));
    assert_eq!(denied[0].session_id, actor.session_id);
    assert_eq!(
        cairn_db::people::find(&mut conn, &child)
            .unwrap()
            .unwrap()
            .family_name,
        "Hughes"
    );
    // Token scopes never stretch to administration, whatever the user's role.
    assert!(!actor.may(Action::ManageUsers));

    // A write token may change the record.
    let writer = api_tokens::create(
        &mut conn,
        &admin.actor,
        &form(&sw.user_id, &["people:read", "people:write"]),
    )
    .unwrap();
    let actor = authenticate(&mut conn, &writer.secret).unwrap();
    people::update(
        &mut conn,
        &actor,
        &child,
        1,
        PersonKind::Child,
        &details(&changed),
    )
    .unwrap();
});

both_backends!(
    revoked_expired_and_unknown_tokens_are_refused_and_audited,
    |db: TestDb| {
        let mut conn = db.conn();
        let admin = staff(&mut conn, "system.admin", Role::Administrator);
        let user_id = create_account(&mut conn, "partner.worker", Role::SocialWorker);
        let revoked =
            api_tokens::create(&mut conn, &admin.actor, &form(&user_id, &["people:read"])).unwrap();
        let expired =
            api_tokens::create(&mut conn, &admin.actor, &form(&user_id, &["people:read"])).unwrap();

        assert!(authenticate(&mut conn, &revoked.secret).is_ok());
        api_tokens::revoke(&mut conn, &admin.actor, &revoked.id).unwrap();
        assert_eq!(
            authenticate(&mut conn, &revoked.secret).err(),
            Some(TokenRefusal::Revoked)
        );
        let again = api_tokens::revoke(&mut conn, &admin.actor, &revoked.id);
        assert!(matches!(again, Err(ServiceError::NotFound(_))), "{again:?}");
        assert_eq!(audit_rows_for(&mut conn, "api_token.revoke").len(), 1);

        diesel::update(t::table.find(&expired.id))
            .set(t::expires_at.eq(cairn_db::now() - Duration::minutes(1)))
            .execute(&mut conn)
            .unwrap();
        assert_eq!(
            authenticate(&mut conn, &expired.secret).err(),
            Some(TokenRefusal::Expired)
        );

        assert_eq!(
            authenticate(&mut conn, "cairn_this-token-was-never-issued").err(),
            Some(TokenRefusal::Unknown)
        );
        // A real token's hash typed as the token is still unknown.
        assert_eq!(
            authenticate(&mut conn, &auth::hash_secret(&expired.secret)).err(),
            Some(TokenRefusal::Unknown)
        );

        let failures = audit_rows_for(&mut conn, "api.authenticate");
        let reasons: Vec<String> = failures
            .iter()
            .map(|r| {
                assert_eq!(r.outcome, "failed");
                assert_eq!(r.request_id.as_deref(), Some("api-req"));
                r.detail_json()["reason"].as_str().unwrap().to_string()
            })
            .collect();
        assert_eq!(reasons, ["Revoked", "Expired", "Unknown", "Unknown"]);
        assert_eq!(failures[0].actor_user_id.as_deref(), Some(user_id.as_str()));
        assert_eq!(failures[2].actor_user_id, None);
        assert_eq!(failures[2].actor_label, "unknown API token");
        assert!(
            !failures[2].detail.contains("never-issued"),
            "the presented secret is not written to the log"
        );
    }
);

both_backends!(a_disabled_users_tokens_stop_working, |db: TestDb| {
    let mut conn = db.conn();
    let admin = staff(&mut conn, "system.admin", Role::Administrator);
    let user_id = create_account(&mut conn, "partner.worker", Role::SocialWorker);
    let token =
        api_tokens::create(&mut conn, &admin.actor, &form(&user_id, &["people:read"])).unwrap();
    accounts::set_active(&mut conn, &admin.actor, "partner.worker", false).unwrap();
    assert_eq!(
        authenticate(&mut conn, &token.secret).err(),
        Some(TokenRefusal::AccountClosed)
    );
    // And no new token can be made for a disabled account.
    let result = api_tokens::create(&mut conn, &admin.actor, &form(&user_id, &["people:read"]));
    match result {
        Err(ServiceError::Invalid(errors)) => assert!(errors.for_field("user_id").is_some()),
        other => panic!("expected a field error, got {:?}", other.map(|c| c.id)),
    }
});

both_backends!(token_forms_are_validated, |db: TestDb| {
    let mut conn = db.conn();
    let admin = staff(&mut conn, "system.admin", Role::Administrator);
    let user_id = create_account(&mut conn, "partner.worker", Role::SocialWorker);
    let cases: Vec<(TokenForm, &str)> = vec![
        (form(&user_id, &[]), "scopes"),
        (
            form(&user_id, &["people:read", "admin:everything"]),
            "scopes",
        ),
        (
            TokenForm {
                days: "0".into(),
                ..form(&user_id, &["people:read"])
            },
            "days",
        ),
        (
            TokenForm {
                days: "366".into(),
                ..form(&user_id, &["people:read"])
            },
            "days",
        ),
        (
            TokenForm {
                days: "soon".into(),
                ..form(&user_id, &["people:read"])
            },
            "days",
        ),
        (
            TokenForm {
                name: " ".into(),
                ..form(&user_id, &["people:read"])
            },
            "name",
        ),
        (form("not-a-user", &["people:read"]), "user_id"),
    ];
    for (f, field) in cases {
        match api_tokens::create(&mut conn, &admin.actor, &f) {
            Err(ServiceError::Invalid(errors)) => {
                assert!(errors.for_field(field).is_some(), "{field}: {errors:?}")
            }
            other => panic!(
                "expected an error on {field}, got {:?}",
                other.map(|c| c.id)
            ),
        }
    }
    assert!(stored_tokens(&mut conn).is_empty());
});

both_backends!(roles_without_api_access_cannot_use_a_token, |db: TestDb| {
    let mut conn = db.conn();
    let admin = staff(&mut conn, "system.admin", Role::Administrator);
    let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
    let child = create_child(&mut conn, &sw.actor, &amelia());
    let inspector = create_account(&mut conn, "ofsted.visitor", Role::Inspector);
    assert!(!cairn_domain::policy::permits(
        Role::Inspector,
        Action::UseApi
    ));
    // Refusing at any point is enough: making the token, presenting it, or using it.
    let Ok(token) =
        api_tokens::create(&mut conn, &admin.actor, &form(&inspector, &["people:read"]))
    else {
        return;
    };
    let Ok(actor) = authenticate(&mut conn, &token.secret) else {
        return;
    };
    let viewed = people::view(&mut conn, &actor, &child, "api read");
    assert!(
        matches!(viewed, Err(ServiceError::Denied { .. })),
        "an inspector read a child's record through the API"
    );
});

both_backends!(
    a_write_only_token_can_create_a_person_after_the_duplicate_check,
    |db: TestDb| {
        let mut conn = db.conn();
        let admin = staff(&mut conn, "system.admin", Role::Administrator);
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let token = api_tokens::create(
            &mut conn,
            &admin.actor,
            &form(&sw.user_id, &["people:write"]),
        )
        .unwrap();
        let writer = authenticate(&mut conn, &token.secret).unwrap();
        assert!(!writer.may(Action::SearchPeople));

        // Nobody like her yet: created after a duplicate check the create itself allows.
        let new = new_person(PersonKind::Child, &amelia());
        let id = people::create(&mut conn, &writer, &new, false, LOCAL_ID_PREFIX).unwrap();
        let checks = audit_rows_for(&mut conn, "person.duplicate_check");
        assert_eq!(checks.len(), 1);
        assert_eq!(checks[0].outcome, "ok");
        assert_eq!(
            checks[0].actor_user_id.as_deref(),
            Some(sw.user_id.as_str())
        );
        assert!(audit_rows_for(&mut conn, "access.denied").is_empty());

        // The same child again is held back as a possible duplicate, not refused.
        let again = people::create(&mut conn, &writer, &new, false, LOCAL_ID_PREFIX);
        let Err(ServiceError::PossibleDuplicates(hits)) = again else {
            panic!("expected possible duplicates, got {again:?}");
        };
        assert_eq!(hits[0].person.id, id);
        assert_eq!(audit_rows_for(&mut conn, "person.duplicate_check").len(), 2);
        assert_eq!(people_count(&mut conn), 1);

        // Searching as such still needs people:read.
        let search = people::possible_duplicates(&mut conn, &writer, &new.details);
        assert!(
            matches!(search, Err(ServiceError::Denied { .. })),
            "{search:?}"
        );
        assert_eq!(audit_rows_for(&mut conn, "access.denied").len(), 1);
        assert_eq!(audit_rows_for(&mut conn, "person.duplicate_check").len(), 2);
    }
);

both_backends_ignored!(
    "limitation: api_tokens.created_by refers to a user, so command-line tokens are attributed to their own account (the audit row names the command line)",
    a_token_made_at_the_command_line_is_attributed_to_it,
    |db: TestDb| {
        let mut conn = db.conn();
        let user_id = create_account(&mut conn, "partner.worker", Role::SocialWorker);
        let token = api_tokens::create(
            &mut conn,
            &Actor::command_line(),
            &form(&user_id, &["people:read"]),
        )
        .unwrap();
        let created_by: String = t::table
            .find(&token.id)
            .select(t::created_by)
            .first(&mut conn)
            .unwrap();
        assert_eq!(created_by, Actor::command_line().author());
    }
);

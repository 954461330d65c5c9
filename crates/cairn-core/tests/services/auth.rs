//! Signing in and out, lock-out, session expiry and password changes.

use cairn_core::ServiceError;
use cairn_core::accounts;
use cairn_core::auth::{self, SessionState, SignInRefusal};
use cairn_core::{Actor, Settings};
use cairn_db::schema::{sessions, users};
use cairn_db::testing::TestDb;
use cairn_db::{DbConn, both_backends};
use cairn_domain::roles::Role;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::support::*;

fn attempt(
    conn: &mut DbConn,
    settings: &Settings,
    username: &str,
    password: &str,
) -> Result<auth::SignedIn, SignInRefusal> {
    auth::sign_in(conn, settings, username, password, Some("req")).unwrap()
}

fn resolve(conn: &mut DbConn, token: &str) -> Result<auth::SessionContext, SessionState> {
    auth::resolve_session(conn, &settings(), token, None).unwrap()
}

fn session_end(conn: &mut DbConn, id: &str) -> (Option<NaiveDateTime>, Option<String>) {
    sessions::table
        .find(id)
        .select((sessions::ended_at, sessions::end_reason))
        .first(conn)
        .unwrap()
}

both_backends!(repeated_wrong_passwords_lock_the_account, |db: TestDb| {
    let mut conn = db.conn();
    let settings = Settings {
        login_max_failures: 3,
        login_lockout_minutes: 15,
        ..Settings::default()
    };
    let user_id = create_account(&mut conn, "social.worker", Role::SocialWorker);

    for _ in 1..settings.login_max_failures {
        assert_eq!(
            attempt(&mut conn, &settings, "social.worker", "not my password").err(),
            Some(SignInRefusal::BadCredentials)
        );
    }
    assert_eq!(
        attempt(&mut conn, &settings, "social.worker", "not my password").err(),
        Some(SignInRefusal::LockedOut { minutes: 15 })
    );

    let failed: Vec<_> = audit_rows_for(&mut conn, "auth.sign_in")
        .into_iter()
        .filter(|r| r.outcome == "failed")
        .collect();
    assert_eq!(failed.len(), 3);
    assert!(
        failed
            .iter()
            .all(|r| r.entity_id.as_deref() == Some(user_id.as_str()))
    );
    assert!(
        failed
            .iter()
            .all(|r| r.detail_json()["reason"] == "wrong password")
    );
    assert!(
        failed
            .iter()
            .all(|r| r.request_id.as_deref() == Some("req"))
    );
    let locked = audit_rows_for(&mut conn, "auth.locked_out");
    assert_eq!(locked.len(), 1);
    assert_eq!(locked[0].outcome, "failed");
    assert_eq!(locked[0].entity_id.as_deref(), Some(user_id.as_str()));
    assert_eq!(locked[0].detail_json()["failures"], 3);

    // The right password does not get in while the lock lasts, and says so.
    let refused = attempt(&mut conn, &settings, "social.worker", PASSWORD).err();
    assert!(
        matches!(refused, Some(SignInRefusal::LockedOut { minutes }) if (1..=15).contains(&minutes)),
        "{refused:?}"
    );
    let last = audit_rows_for(&mut conn, "auth.sign_in").pop().unwrap();
    assert_eq!(last.outcome, "failed");
    assert_eq!(last.detail_json()["reason"], "account locked");
    let open: i64 = sessions::table.count().get_result(&mut conn).unwrap();
    assert_eq!(open, 0, "no session was opened");

    // Once the lock has passed the right password works and the count starts again.
    diesel::update(users::table.find(&user_id))
        .set(users::locked_until.eq(Some(cairn_db::now() - Duration::minutes(1))))
        .execute(&mut conn)
        .unwrap();
    assert!(attempt(&mut conn, &settings, "social.worker", PASSWORD).is_ok());
    let (count, lock): (i32, Option<NaiveDateTime>) = users::table
        .find(&user_id)
        .select((users::failed_login_count, users::locked_until))
        .first(&mut conn)
        .unwrap();
    assert_eq!((count, lock), (0, None));
});

both_backends!(
    an_unknown_username_is_bad_credentials_and_audited,
    |db: TestDb| {
        let mut conn = db.conn();
        create_account(&mut conn, "social.worker", Role::SocialWorker);
        let result = attempt(&mut conn, &settings(), "no.such.person", PASSWORD);
        assert_eq!(result.err(), Some(SignInRefusal::BadCredentials));
        let rows = audit_rows_for(&mut conn, "auth.sign_in");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].outcome, "failed");
        assert_eq!(rows[0].actor_user_id, None);
        assert_eq!(rows[0].actor_label, "no.such.person");
        assert_eq!(rows[0].entity_id, None);
        assert_eq!(rows[0].detail_json()["reason"], "unknown username");

        // An absurd username is capped before it reaches the audit log.
        let long = "x".repeat(5000);
        assert_eq!(
            attempt(&mut conn, &settings(), &long, PASSWORD).err(),
            Some(SignInRefusal::BadCredentials)
        );
        let last = audit_rows_for(&mut conn, "auth.sign_in").pop().unwrap();
        assert_eq!(last.actor_label.chars().count(), 100);
    }
);

both_backends!(
    usernames_are_matched_without_case_or_spaces,
    |db: TestDb| {
        let mut conn = db.conn();
        let user_id = create_account(&mut conn, "social.worker", Role::SocialWorker);
        let signed = attempt(&mut conn, &settings(), "  Social.Worker ", PASSWORD).unwrap();
        assert_eq!(signed.user_id, user_id);
        assert!(
            signed.must_change_password,
            "a new account starts with a temporary password"
        );
        let ok = audit_rows_for(&mut conn, "auth.sign_in");
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].outcome, "ok");
        assert_eq!(
            ok[0].session_id.as_deref(),
            Some(signed.session_id.as_str())
        );
        // Only the hash of the cookie secret is stored.
        let stored: String = sessions::table
            .find(&signed.session_id)
            .select(sessions::token_hash)
            .first(&mut conn)
            .unwrap();
        assert_ne!(stored, signed.token);
        assert_eq!(stored, auth::hash_secret(&signed.token));
    }
);

both_backends!(
    resolving_a_session_builds_the_actor_from_the_account,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = make_team(&mut conn, "Assessment Team North");
        let mut form = account_form("social.worker", Role::SocialWorker);
        form.team_id = team.clone();
        form.display_name = "Sam Worker".into();
        accounts::create_account(&mut conn, &Actor::command_line(), &form, Some(PASSWORD)).unwrap();
        let sw = sign_in(&mut conn, "social.worker", PASSWORD);
        assert_eq!(sw.actor.role, Role::SocialWorker);
        assert_eq!(sw.actor.display_name, "Sam Worker");
        assert_eq!(sw.actor.team_id.map(|t| t.to_string()), Some(team));
        assert_eq!(sw.actor.session_id.as_deref(), Some(sw.session_id.as_str()));
        assert_eq!(sw.actor.channel, cairn_core::Channel::Web);
        assert_eq!(sw.actor.request_id.as_deref(), Some("req-1"));

        assert_eq!(
            resolve(&mut conn, "a made-up token").err(),
            Some(SessionState::Missing)
        );
    }
);

both_backends!(an_idle_session_expires, |db: TestDb| {
    let mut conn = db.conn();
    let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
    let idle = i64::from(settings().session_idle_minutes);
    // Just inside the limit it lives, and is touched.
    diesel::update(sessions::table.find(&sw.session_id))
        .set(sessions::last_seen_at.eq(cairn_db::now() - Duration::minutes(idle - 1)))
        .execute(&mut conn)
        .unwrap();
    assert!(resolve(&mut conn, &sw.token).is_ok());
    let seen: NaiveDateTime = sessions::table
        .find(&sw.session_id)
        .select(sessions::last_seen_at)
        .first(&mut conn)
        .unwrap();
    assert!(seen > cairn_db::now() - Duration::minutes(1), "touched");

    diesel::update(sessions::table.find(&sw.session_id))
        .set(sessions::last_seen_at.eq(cairn_db::now() - Duration::minutes(idle + 1)))
        .execute(&mut conn)
        .unwrap();
    assert_eq!(
        resolve(&mut conn, &sw.token).err(),
        Some(SessionState::Expired)
    );
    let (ended, reason) = session_end(&mut conn, &sw.session_id);
    assert!(ended.is_some());
    assert_eq!(reason.as_deref(), Some("idle timeout"));
    assert_eq!(
        resolve(&mut conn, &sw.token).err(),
        Some(SessionState::Missing)
    );
});

both_backends!(
    a_session_ends_at_its_absolute_limit_however_busy,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        diesel::update(sessions::table.find(&sw.session_id))
            .set(sessions::absolute_expires_at.eq(cairn_db::now() - Duration::seconds(5)))
            .execute(&mut conn)
            .unwrap();
        assert_eq!(
            resolve(&mut conn, &sw.token).err(),
            Some(SessionState::Expired)
        );
        let (_, reason) = session_end(&mut conn, &sw.session_id);
        assert_eq!(reason.as_deref(), Some("absolute timeout"));
    }
);

both_backends!(signing_out_ends_the_session, |db: TestDb| {
    let mut conn = db.conn();
    let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
    let other = sign_in(&mut conn, "social.worker", PASSWORD);
    auth::sign_out(&mut conn, &sw.actor).unwrap();
    assert_eq!(
        resolve(&mut conn, &sw.token).err(),
        Some(SessionState::Missing)
    );
    let (ended, reason) = session_end(&mut conn, &sw.session_id);
    assert!(ended.is_some());
    assert_eq!(reason.as_deref(), Some("signed out"));
    assert!(
        resolve(&mut conn, &other.token).is_ok(),
        "other sessions carry on"
    );
    let outs = audit_rows_for(&mut conn, "auth.sign_out");
    assert_eq!(outs.len(), 1);
    assert_eq!(outs[0].session_id.as_deref(), Some(sw.session_id.as_str()));
});

both_backends!(
    changing_a_password_checks_it_and_ends_other_sessions,
    |db: TestDb| {
        let mut conn = db.conn();
        let here = staff(&mut conn, "social.worker", Role::SocialWorker);
        let elsewhere = sign_in(&mut conn, "social.worker", PASSWORD);
        const NEW: &str = "a much better pass phrase";

        let invalid_field = |conn: &mut DbConn, current: &str, new: &str, confirm: &str| {
            match auth::change_password(conn, &here.actor, current, new, confirm) {
                Err(ServiceError::Invalid(errors)) => errors,
                other => panic!("expected field errors, got {other:?}"),
            }
        };
        let e = invalid_field(&mut conn, "wrong current password", NEW, NEW);
        assert!(e.for_field("current_password").is_some(), "{e:?}");
        let e = invalid_field(&mut conn, PASSWORD, "short", "short");
        assert_eq!(
            e.for_field("new_password"),
            Some("Password must be 12 characters or more")
        );
        let e = invalid_field(&mut conn, PASSWORD, NEW, "a much better pass phrasE");
        assert_eq!(
            e.for_field("confirm_password"),
            Some("The passwords do not match")
        );
        let e = invalid_field(&mut conn, PASSWORD, PASSWORD, PASSWORD);
        assert!(e.for_field("new_password").is_some());
        let e = invalid_field(
            &mut conn,
            PASSWORD,
            "xx social.worker xx",
            "xx social.worker xx",
        );
        assert!(e.for_field("new_password").is_some());
        // Nothing changed yet: both sessions live, the old password works.
        assert!(resolve(&mut conn, &elsewhere.token).is_ok());
        assert!(audit_rows_for(&mut conn, "user.password_changed").is_empty());

        auth::change_password(&mut conn, &here.actor, PASSWORD, NEW, NEW).unwrap();
        let ctx = resolve(&mut conn, &here.token).expect("this session continues");
        assert!(!ctx.must_change_password);
        assert_eq!(
            resolve(&mut conn, &elsewhere.token).err(),
            Some(SessionState::Missing)
        );
        assert_eq!(
            session_end(&mut conn, &elsewhere.session_id).1.as_deref(),
            Some("password changed")
        );
        let changed = audit_rows_for(&mut conn, "user.password_changed");
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].detail_json()["other_sessions_ended"], 1);

        assert_eq!(
            attempt(&mut conn, &settings(), "social.worker", PASSWORD).err(),
            Some(SignInRefusal::BadCredentials)
        );
        let fresh = attempt(&mut conn, &settings(), "social.worker", NEW).unwrap();
        assert!(!fresh.must_change_password);
    }
);

both_backends!(
    a_disabled_account_is_closed_only_after_the_right_password,
    |db: TestDb| {
        let mut conn = db.conn();
        create_account(&mut conn, "social.worker", Role::SocialWorker);
        accounts::set_active(&mut conn, &Actor::command_line(), "social.worker", false).unwrap();
        assert_eq!(
            attempt(&mut conn, &settings(), "social.worker", "not my password").err(),
            Some(SignInRefusal::BadCredentials),
            "a wrong password must not reveal that the account is disabled"
        );
        assert_eq!(
            attempt(&mut conn, &settings(), "social.worker", PASSWORD).err(),
            Some(SignInRefusal::AccountClosed)
        );
        let last = audit_rows_for(&mut conn, "auth.sign_in").pop().unwrap();
        assert_eq!(last.outcome, "failed");
        assert_eq!(last.detail_json()["reason"], "account disabled or expired");
        let open: i64 = sessions::table.count().get_result(&mut conn).unwrap();
        assert_eq!(open, 0);

        accounts::set_active(&mut conn, &Actor::command_line(), "social.worker", true).unwrap();
        assert!(attempt(&mut conn, &settings(), "social.worker", PASSWORD).is_ok());
    }
);

both_backends!(
    an_inspector_past_their_access_date_is_closed,
    |db: TestDb| {
        let mut conn = db.conn();
        let inspector = staff(&mut conn, "ofsted.visitor", Role::Inspector);
        diesel::update(users::table.find(&inspector.user_id))
            .set(users::access_expires_on.eq(Some(today() - Duration::days(1))))
            .execute(&mut conn)
            .unwrap();
        assert_eq!(
            attempt(&mut conn, &settings(), "ofsted.visitor", PASSWORD).err(),
            Some(SignInRefusal::AccountClosed)
        );
        // The session opened while access lasted ends at its next request.
        assert_eq!(
            resolve(&mut conn, &inspector.token).err(),
            Some(SessionState::Expired)
        );
        assert_eq!(
            session_end(&mut conn, &inspector.session_id).1.as_deref(),
            Some("account closed")
        );

        // The last day of access still works.
        diesel::update(users::table.find(&inspector.user_id))
            .set(users::access_expires_on.eq(Some(today())))
            .execute(&mut conn)
            .unwrap();
        assert!(attempt(&mut conn, &settings(), "ofsted.visitor", PASSWORD).is_ok());
    }
);

both_backends!(an_expired_lock_out_starts_the_count_again, |db: TestDb| {
    let mut conn = db.conn();
    let settings = Settings {
        login_max_failures: 3,
        login_lockout_minutes: 15,
        ..Settings::default()
    };
    let user_id = create_account(&mut conn, "social.worker", Role::SocialWorker);
    let wrong = |conn: &mut DbConn| attempt(conn, &settings, "social.worker", "not my password");
    let stored = |conn: &mut DbConn| -> (i32, Option<NaiveDateTime>) {
        users::table
            .find(&user_id)
            .select((users::failed_login_count, users::locked_until))
            .first(conn)
            .unwrap()
    };
    for _ in 1..settings.login_max_failures {
        assert_eq!(wrong(&mut conn).err(), Some(SignInRefusal::BadCredentials));
    }
    assert!(matches!(
        wrong(&mut conn).err(),
        Some(SignInRefusal::LockedOut { .. })
    ));
    assert_eq!(stored(&mut conn).0, 3);

    // The lock runs out without anyone signing in.
    diesel::update(users::table.find(&user_id))
        .set(users::locked_until.eq(Some(cairn_db::now() - Duration::minutes(1))))
        .execute(&mut conn)
        .unwrap();

    // One more wrong password is one failure, not a fourth that locks again at once.
    assert_eq!(wrong(&mut conn).err(), Some(SignInRefusal::BadCredentials));
    assert_eq!(stored(&mut conn), (1, None));
    assert_eq!(audit_rows_for(&mut conn, "auth.locked_out").len(), 1);

    // The full number of failures is needed to lock it again.
    assert_eq!(wrong(&mut conn).err(), Some(SignInRefusal::BadCredentials));
    assert!(matches!(
        wrong(&mut conn).err(),
        Some(SignInRefusal::LockedOut { minutes: 15 })
    ));
    let (count, lock) = stored(&mut conn);
    assert_eq!(count, 3);
    assert!(lock.is_some_and(|t| t > cairn_db::now()));
    let locks = audit_rows_for(&mut conn, "auth.locked_out");
    assert_eq!(locks.len(), 2);
    assert_eq!(locks[1].detail_json()["failures"], 3);

    // A lock that has not run out is not reset by a further attempt.
    assert!(matches!(
        wrong(&mut conn).err(),
        Some(SignInRefusal::LockedOut { .. })
    ));
    assert_eq!(stored(&mut conn).0, 3);
});

both_backends!(a_wrong_current_password_is_audited, |db: TestDb| {
    let mut conn = db.conn();
    let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
    const NEW: &str = "a much better pass phrase";

    let result = auth::change_password(&mut conn, &sw.actor, "not my password", NEW, NEW);
    match result {
        Err(ServiceError::Invalid(errors)) => {
            assert!(errors.for_field("current_password").is_some(), "{errors:?}");
        }
        other => panic!("expected field errors, got {other:?}"),
    }
    let failed = audit_rows_for(&mut conn, "user.password_change_failed");
    assert_eq!(failed.len(), 1);
    let row = &failed[0];
    assert_eq!(row.outcome, "failed");
    assert_eq!(row.entity_type.as_deref(), Some("user"));
    assert_eq!(row.entity_id.as_deref(), Some(sw.user_id.as_str()));
    assert_eq!(row.actor_user_id.as_deref(), Some(sw.user_id.as_str()));
    assert_eq!(row.session_id.as_deref(), Some(sw.session_id.as_str()));
    assert!(
        !row.detail.contains("not my password") && !row.detail.contains(NEW),
        "no password is audited: {}",
        row.detail
    );
    assert!(audit_rows_for(&mut conn, "user.password_changed").is_empty());
    assert_chain_intact(&mut conn);

    // Audited, not counted: no lock-out, and the session carries on.
    let (count, lock): (i32, Option<NaiveDateTime>) = users::table
        .find(&sw.user_id)
        .select((users::failed_login_count, users::locked_until))
        .first(&mut conn)
        .unwrap();
    assert_eq!((count, lock), (0, None));
    assert!(resolve(&mut conn, &sw.token).is_ok());

    // A right current password with a bad new one is not a failed attempt.
    let short = auth::change_password(&mut conn, &sw.actor, PASSWORD, "short", "short");
    assert!(matches!(short, Err(ServiceError::Invalid(_))), "{short:?}");
    assert_eq!(
        audit_rows_for(&mut conn, "user.password_change_failed").len(),
        1
    );
});

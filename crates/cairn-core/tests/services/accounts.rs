//! Administering accounts, offices and teams.

use cairn_core::accounts::{self, TeamForm};
use cairn_core::auth::{self, SessionState};
use cairn_core::{Actor, ServiceError};
use cairn_db::both_backends;
use cairn_db::schema::{sessions, users};
use cairn_db::testing::TestDb;
use cairn_domain::roles::Role;
use diesel::prelude::*;

use crate::support::*;

fn field_error(result: Result<impl std::fmt::Debug, ServiceError>, field: &str) -> String {
    match result {
        Err(ServiceError::Invalid(errors)) => errors
            .for_field(field)
            .unwrap_or_else(|| panic!("no error for {field}: {errors:?}"))
            .to_string(),
        other => panic!("expected a field error for {field}, got {other:?}"),
    }
}

fn created_id(
    result: Result<accounts::CreatedAccount, ServiceError>,
) -> Result<String, ServiceError> {
    result.map(|c| c.user_id)
}

both_backends!(
    creating_an_account_is_audited_and_needs_a_temporary_password_changed,
    |db: TestDb| {
        let mut conn = db.conn();
        let admin = staff(&mut conn, "system.admin", Role::Administrator);
        let created = accounts::create_account(
            &mut conn,
            &admin.actor,
            &account_form("new.starter", Role::FrontDoorPractitioner),
            None,
        )
        .unwrap();
        assert_eq!(created.temporary_password.len(), 19);
        let signed = auth::sign_in(
            &mut conn,
            &settings(),
            "new.starter",
            &created.temporary_password,
            None,
        )
        .unwrap()
        .unwrap();
        assert!(signed.must_change_password);
        let rows = audit_rows_for(&mut conn, "user.create");
        let row = rows.last().unwrap();
        assert_eq!(row.entity_id.as_deref(), Some(created.user_id.as_str()));
        assert_eq!(row.actor_user_id.as_deref(), Some(admin.user_id.as_str()));
        let fields = changed_fields(row);
        assert!(fields.iter().any(|f| f == "role"), "{fields:?}");
        assert!(
            !row.detail.contains(&created.temporary_password),
            "the password is never audited"
        );
        let stored_hash: String = users::table
            .find(&created.user_id)
            .select(users::password_hash)
            .first(&mut conn)
            .unwrap();
        assert!(stored_hash.starts_with("$argon2id$"));
        assert!(!stored_hash.contains(&created.temporary_password));
    }
);

both_backends!(an_inspector_needs_an_access_end_date, |db: TestDb| {
    let mut conn = db.conn();
    let mut form = account_form("ofsted.visitor", Role::Inspector);
    form.access_expires_on = String::new();
    let message = field_error(
        created_id(accounts::create_account(
            &mut conn,
            &Actor::command_line(),
            &form,
            Some(PASSWORD),
        )),
        "access_expires_on",
    );
    assert_eq!(message, "Enter the date an inspector's access ends");

    form.access_expires_on = "2001-01-01".into();
    field_error(
        created_id(accounts::create_account(
            &mut conn,
            &Actor::command_line(),
            &form,
            Some(PASSWORD),
        )),
        "access_expires_on",
    );
    form.access_expires_on = "31/03/2027".into();
    field_error(
        created_id(accounts::create_account(
            &mut conn,
            &Actor::command_line(),
            &form,
            Some(PASSWORD),
        )),
        "access_expires_on",
    );
    let count: i64 = users::table.count().get_result(&mut conn).unwrap();
    assert_eq!(count, 0);
});

both_backends!(usernames_are_unique_whatever_their_case, |db: TestDb| {
    let mut conn = db.conn();
    create_account(&mut conn, "social.worker", Role::SocialWorker);
    for name in ["social.worker", " Social.Worker "] {
        let mut form = account_form(name, Role::TeamManager);
        form.email = "someone.else@example.gov.uk".into();
        let message = field_error(
            created_id(accounts::create_account(
                &mut conn,
                &Actor::command_line(),
                &form,
                Some(PASSWORD),
            )),
            "username",
        );
        assert_eq!(message, "That username is already taken");
    }
    let bad = account_form("bad name!", Role::SocialWorker);
    field_error(
        created_id(accounts::create_account(
            &mut conn,
            &Actor::command_line(),
            &bad,
            Some(PASSWORD),
        )),
        "username",
    );
    let weak = account_form("another.worker", Role::SocialWorker);
    field_error(
        created_id(accounts::create_account(
            &mut conn,
            &Actor::command_line(),
            &weak,
            Some("short"),
        )),
        "password",
    );
    let count: i64 = users::table.count().get_result(&mut conn).unwrap();
    assert_eq!(count, 1);
});

both_backends!(a_stale_account_edit_conflicts, |db: TestDb| {
    let mut conn = db.conn();
    let admin = staff(&mut conn, "system.admin", Role::Administrator);
    let user_id = create_account(&mut conn, "social.worker", Role::SocialWorker);
    let account = accounts::get_account(&mut conn, &admin.actor, &user_id).unwrap();

    let mut form = account_form("social.worker", Role::SeniorPractitioner);
    form.display_name = "Promoted Worker".into();
    accounts::update_account(&mut conn, &admin.actor, &user_id, account.version, &form).unwrap();

    let mut other = account_form("social.worker", Role::TeamManager);
    other.display_name = "Someone else's edit".into();
    let stale =
        accounts::update_account(&mut conn, &admin.actor, &user_id, account.version, &other);
    assert!(matches!(stale, Err(ServiceError::Conflict(_))), "{stale:?}");

    let now = accounts::get_account(&mut conn, &admin.actor, &user_id).unwrap();
    assert_eq!(now.role, "senior_practitioner");
    assert_eq!(now.display_name, "Promoted Worker");
    assert_eq!(now.version, account.version + 1);
    let updates = audit_rows_for(&mut conn, "user.update");
    assert_eq!(updates.len(), 1);
    let fields = changed_fields(&updates[0]);
    assert_eq!(fields, ["display_name", "role"]);
});

both_backends!(an_administrator_cannot_lock_themselves_out, |db: TestDb| {
    let mut conn = db.conn();
    let admin = staff(&mut conn, "system.admin", Role::Administrator);
    let me = accounts::get_account(&mut conn, &admin.actor, &admin.user_id).unwrap();

    let mut disable = account_form("system.admin", Role::Administrator);
    disable.active = "no".into();
    field_error(
        accounts::update_account(
            &mut conn,
            &admin.actor,
            &admin.user_id,
            me.version,
            &disable,
        ),
        "role",
    );
    let demote = account_form("system.admin", Role::SocialWorker);
    field_error(
        accounts::update_account(&mut conn, &admin.actor, &admin.user_id, me.version, &demote),
        "role",
    );
    let after = accounts::get_account(&mut conn, &admin.actor, &admin.user_id).unwrap();
    assert!(after.active);
    assert_eq!(after.role, "administrator");
    assert!(
        auth::resolve_session(&mut conn, &settings(), &admin.token, None)
            .unwrap()
            .is_ok()
    );

    // Editing their own name is fine.
    let mut rename = account_form("system.admin", Role::Administrator);
    rename.display_name = "Renamed Admin".into();
    accounts::update_account(&mut conn, &admin.actor, &admin.user_id, me.version, &rename).unwrap();
});

both_backends!(disabling_an_account_ends_its_sessions, |db: TestDb| {
    let mut conn = db.conn();
    let admin = staff(&mut conn, "system.admin", Role::Administrator);
    let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
    let second = sign_in(&mut conn, "social.worker", PASSWORD);
    let account = accounts::get_account(&mut conn, &admin.actor, &sw.user_id).unwrap();

    let mut form = account_form("social.worker", Role::SocialWorker);
    form.active = "no".into();
    accounts::update_account(&mut conn, &admin.actor, &sw.user_id, account.version, &form).unwrap();

    for token in [&sw.token, &second.token] {
        assert_eq!(
            auth::resolve_session(&mut conn, &settings(), token, None)
                .unwrap()
                .err(),
            Some(SessionState::Missing)
        );
    }
    let reasons: Vec<Option<String>> = sessions::table
        .filter(sessions::user_id.eq(&sw.user_id))
        .select(sessions::end_reason)
        .load(&mut conn)
        .unwrap();
    assert_eq!(reasons, vec![Some("account disabled".to_string()); 2]);
    assert!(
        auth::resolve_session(&mut conn, &settings(), &admin.token, None)
            .unwrap()
            .is_ok()
    );
    let update = audit_rows_for(&mut conn, "user.update").pop().unwrap();
    assert_eq!(changed_fields(&update), ["active"]);
});

both_backends!(
    a_password_reset_forces_a_change_and_ends_sessions,
    |db: TestDb| {
        let mut conn = db.conn();
        let admin = staff(&mut conn, "system.admin", Role::Administrator);
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        auth::change_password(
            &mut conn,
            &sw.actor,
            PASSWORD,
            "my own chosen phrase",
            "my own chosen phrase",
        )
        .unwrap();
        let before: bool = users::table
            .find(&sw.user_id)
            .select(users::must_change_password)
            .first(&mut conn)
            .unwrap();
        assert!(!before);

        let temporary =
            accounts::reset_password(&mut conn, &admin.actor, "Social.Worker", None).unwrap();
        let after: bool = users::table
            .find(&sw.user_id)
            .select(users::must_change_password)
            .first(&mut conn)
            .unwrap();
        assert!(after);
        assert_eq!(
            auth::resolve_session(&mut conn, &settings(), &sw.token, None)
                .unwrap()
                .err(),
            Some(SessionState::Missing)
        );
        let signed = auth::sign_in(&mut conn, &settings(), "social.worker", &temporary, None)
            .unwrap()
            .unwrap();
        assert!(signed.must_change_password);
        let resets = audit_rows_for(&mut conn, "user.password_reset");
        assert_eq!(resets.len(), 1);
        assert_eq!(resets[0].detail_json()["sessions_ended"], 1);
        assert!(!resets[0].detail.contains(&temporary));

        let missing = accounts::reset_password(&mut conn, &admin.actor, "nobody.here", None);
        assert!(
            matches!(missing, Err(ServiceError::NotFound(_))),
            "{missing:?}"
        );
    }
);

both_backends!(only_administrators_manage_accounts, |db: TestDb| {
    let mut conn = db.conn();
    let manager = staff(&mut conn, "team.manager", Role::TeamManager);
    let form = account_form("new.starter", Role::Administrator);
    let result = accounts::create_account(&mut conn, &manager.actor, &form, Some(PASSWORD));
    assert!(
        matches!(result, Err(ServiceError::Denied { .. })),
        "{:?}",
        result.err()
    );
    let listed = accounts::list_accounts(&mut conn, &manager.actor);
    assert!(
        matches!(listed, Err(ServiceError::Denied { .. })),
        "{:?}",
        listed.err()
    );
    let reset = accounts::reset_password(&mut conn, &manager.actor, "team.manager", None);
    assert!(
        matches!(reset, Err(ServiceError::Denied { .. })),
        "{reset:?}"
    );
    let count: i64 = users::table.count().get_result(&mut conn).unwrap();
    assert_eq!(count, 1);
    // list_accounts runs inside the service's transaction helper, so its denial is recorded.
    let denied = audit_rows_for(&mut conn, "access.denied");
    assert!(
        denied
            .iter()
            .any(|r| r.detail_json()["attempted"] == "ManageUsers"),
        "{denied:?}"
    );
});

both_backends!(offices_and_teams_are_validated_and_audited, |db: TestDb| {
    let mut conn = db.conn();
    let admin = staff(&mut conn, "system.admin", Role::Administrator);
    let office =
        accounts::create_office(&mut conn, &admin.actor, "Winchester Civic Centre").unwrap();
    field_error(
        accounts::create_office(&mut conn, &admin.actor, "winchester civic centre"),
        "office_name",
    );
    field_error(
        accounts::create_office(&mut conn, &admin.actor, "  "),
        "office_name",
    );
    let form = TeamForm {
        name: "Front Door".into(),
        office_id: office.clone(),
        active: String::new(),
    };
    let team = accounts::create_team(&mut conn, &admin.actor, &form).unwrap();
    field_error(
        accounts::create_team(&mut conn, &admin.actor, &form),
        "name",
    );
    let nowhere = TeamForm {
        office_id: "not-an-office".into(),
        ..form.clone()
    };
    field_error(
        accounts::create_team(&mut conn, &admin.actor, &nowhere),
        "office_id",
    );

    let teams = accounts::list_teams(&mut conn, &admin.actor).unwrap();
    assert_eq!(teams.len(), 1);
    assert_eq!(audit_rows_for(&mut conn, "office.create").len(), 1);
    let created = audit_rows_for(&mut conn, "team.create");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].entity_id.as_deref(), Some(team.as_str()));

    let mut form = account_form("social.worker", Role::SocialWorker);
    form.team_id = "00000000-0000-7000-8000-000000000000".into();
    field_error(
        created_id(accounts::create_account(
            &mut conn,
            &admin.actor,
            &form,
            Some(PASSWORD),
        )),
        "team_id",
    );
});

both_backends!(
    an_administrator_cannot_disable_their_own_account_by_username,
    |db: TestDb| {
        let mut conn = db.conn();
        let admin = staff(&mut conn, "system.admin", Role::Administrator);
        let other = staff(&mut conn, "other.admin", Role::Administrator);
        let audit_before = audit_rows_for(&mut conn, "user.disable").len();

        let message = field_error(
            accounts::set_active(&mut conn, &admin.actor, " System.Admin ", false),
            "username",
        );
        assert!(message.contains("your own account"), "{message}");
        let me = accounts::get_account(&mut conn, &admin.actor, &admin.user_id).unwrap();
        assert!(me.active);
        assert!(
            auth::resolve_session(&mut conn, &settings(), &admin.token, None)
                .unwrap()
                .is_ok()
        );
        assert_eq!(
            audit_rows_for(&mut conn, "user.disable").len(),
            audit_before
        );

        // Enabling their own (already active) account is harmless.
        accounts::set_active(&mut conn, &admin.actor, "system.admin", true).unwrap();

        // Another administrator may disable them, and they may disable someone else.
        accounts::set_active(&mut conn, &admin.actor, "other.admin", false).unwrap();
        assert!(
            !accounts::get_account(&mut conn, &admin.actor, &other.user_id)
                .unwrap()
                .active
        );
        accounts::set_active(&mut conn, &admin.actor, "other.admin", true).unwrap();
        let other = sign_in(&mut conn, "other.admin", PASSWORD);
        accounts::set_active(&mut conn, &other.actor, "system.admin", false).unwrap();
        assert!(
            !accounts::get_account(&mut conn, &other.actor, &admin.user_id)
                .unwrap()
                .active
        );

        // The command line has no account of its own: it may disable anyone, even an account
        // that happens to share its name.
        create_account(&mut conn, "command-line", Role::Administrator);
        accounts::set_active(&mut conn, &Actor::command_line(), "command-line", false).unwrap();
        accounts::set_active(&mut conn, &Actor::command_line(), "other.admin", false).unwrap();
        let disabled = audit_rows_for(&mut conn, "user.disable");
        assert_eq!(disabled.len(), audit_before + 4);
    }
);

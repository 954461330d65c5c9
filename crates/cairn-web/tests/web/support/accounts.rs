//! Accounts made at the command line with a permanent password, and signed in with a real
//! session.

use cairn_core::accounts::{self, AccountForm};
use cairn_core::{Actor, Settings, auth};
use cairn_db::testing::TestDb;
use cairn_domain::roles::Role;
use chrono::{Duration, Utc};

/// Every test account's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// A signed-in account: what a browser holds, and who it is.
pub struct Session {
    /// The `Cookie` header value.
    pub cookie: String,
    pub csrf: String,
    pub user_id: String,
    /// The session's actor, for setting things up through the services.
    pub actor: Actor,
}

/// The account form for `username` ("Test {username}"); an inspector's access ends in 30 days.
pub fn account_form(username: &str, role: Role) -> AccountForm {
    let access_expires_on = if role == Role::Inspector {
        (Utc::now().date_naive() + Duration::days(30))
            .format("%Y-%m-%d")
            .to_string()
    } else {
        String::new()
    };
    AccountForm {
        username: username.into(),
        display_name: format!("Test {username}"),
        email: format!("{username}@example.gov.uk"),
        role: role.code().into(),
        access_expires_on,
        ..AccountForm::default()
    }
}

/// An account made at the command line, with a permanent password, and its id.
pub fn account(db: &TestDb, username: &str, role: Role) -> String {
    account_in(db, username, role, None)
}

fn account_in(db: &TestDb, username: &str, role: Role, team: Option<&str>) -> String {
    let mut c = db.conn();
    let form = AccountForm {
        team_id: team.unwrap_or_default().into(),
        ..account_form(username, role)
    };
    let created = accounts::create_account(&mut c, &Actor::command_line(), &form, Some(PASSWORD))
        .expect("create an account");
    let hash = cairn_core::passwords::hash(PASSWORD).expect("hash");
    cairn_db::users::set_password(&mut c, &created.user_id, &hash, false)
        .expect("password is permanent");
    created.user_id
}

/// An account with `role`, signed in.
pub fn signed_in(db: &TestDb, username: &str, role: Role) -> Session {
    let user_id = account(db, username, role);
    session(db, username, user_id)
}

/// An account with `role` in `team`, signed in.
pub fn signed_in_with_team(db: &TestDb, username: &str, role: Role, team: &str) -> Session {
    let user_id = account_in(db, username, role, Some(team));
    session(db, username, user_id)
}

fn session(db: &TestDb, username: &str, user_id: String) -> Session {
    let mut c = db.conn();
    let signed = auth::sign_in(&mut c, &Settings::default(), username, PASSWORD, None)
        .expect("sign in runs")
        .expect("sign in succeeds");
    let ctx = auth::resolve_session(&mut c, &Settings::default(), &signed.token, None)
        .expect("resolve runs")
        .expect("live session");
    Session {
        cookie: format!("cairn_session={}", signed.token),
        csrf: ctx.csrf_token,
        user_id,
        actor: ctx.actor,
    }
}

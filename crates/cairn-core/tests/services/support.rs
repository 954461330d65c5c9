//! Helpers shared by the service tests: real accounts signed in through the real session code,
//! a valid child, and ways to read back what the services wrote.

use cairn_core::accounts::{self, AccountForm, TeamForm};
use cairn_core::addresses::AddressInput;
use cairn_core::people::{self, NewPerson, PersonKind};
use cairn_core::{Actor, Settings, auth};
use cairn_db::DbConn;
use cairn_db::audit::AuditRow;
use cairn_db::events::EventRow;
use cairn_db::people::PersonVersionRow;
use cairn_db::schema::{
    audit_log, events, people as people_t, person_versions, threshold_documents,
    threshold_indicators, threshold_levels,
};
use cairn_domain::dates::DateParts;
use cairn_domain::identifiers::Postcode;
use cairn_domain::person::{PersonDetails, PersonDraft};
use cairn_domain::roles::Role;
use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

/// Meets the password policy and contains none of the usernames used in these tests.
pub const PASSWORD: &str = "correct horse battery staple";
pub const LOCAL_ID_PREFIX: &str = "C";

pub fn settings() -> Settings {
    Settings::default()
}

pub fn today() -> NaiveDate {
    cairn_db::now().date()
}

/// A signed-in member of staff: the Actor is the one `auth::resolve_session` builds.
#[derive(Clone, Debug)]
pub struct Staff {
    pub user_id: String,
    pub username: String,
    /// The session cookie secret.
    pub token: String,
    pub session_id: String,
    pub actor: Actor,
}

pub fn account_form(username: &str, role: Role) -> AccountForm {
    AccountForm {
        username: username.into(),
        display_name: format!("Test {username}"),
        email: format!("{username}@example.gov.uk"),
        role: role.code().into(),
        team_id: String::new(),
        access_expires_on: if role == Role::Inspector {
            (today() + Duration::days(30)).to_string()
        } else {
            String::new()
        },
        active: String::new(),
    }
}

/// Creates an account (as the server's command line does) with [`PASSWORD`] and returns its id.
pub fn create_account(conn: &mut DbConn, username: &str, role: Role) -> String {
    accounts::create_account(
        conn,
        &Actor::command_line(),
        &account_form(username, role),
        Some(PASSWORD),
    )
    .expect("create an account")
    .user_id
}

/// Signs in with a password and resolves the session, as a web request would.
pub fn sign_in(conn: &mut DbConn, username: &str, password: &str) -> Staff {
    let signed = auth::sign_in(conn, &settings(), username, password, Some("req-sign-in"))
        .expect("sign in runs")
        .expect("sign in succeeds");
    let ctx = auth::resolve_session(conn, &settings(), &signed.token, Some("req-1"))
        .expect("resolve runs")
        .expect("the new session is live");
    Staff {
        user_id: signed.user_id,
        username: ctx.actor.username.clone(),
        token: signed.token,
        session_id: signed.session_id,
        actor: ctx.actor,
    }
}

/// An account with `role`, signed in.
pub fn staff(conn: &mut DbConn, username: &str, role: Role) -> Staff {
    create_account(conn, username, role);
    sign_in(conn, username, PASSWORD)
}

/// An account with `role` in `team`, signed in.
pub fn staff_in_team(conn: &mut DbConn, username: &str, role: Role, team: &str) -> Staff {
    let form = AccountForm {
        team_id: team.to_string(),
        ..account_form(username, role)
    };
    accounts::create_account(conn, &Actor::command_line(), &form, Some(PASSWORD))
        .expect("create an account");
    sign_in(conn, username, PASSWORD)
}

/// An office and a team in it; returns the team id.
pub fn make_team(conn: &mut DbConn, name: &str) -> String {
    let admin = Actor::command_line();
    let office = accounts::create_office(conn, &admin, &format!("{name} office")).expect("office");
    accounts::create_team(
        conn,
        &admin,
        &TeamForm {
            name: name.into(),
            office_id: office,
            active: String::new(),
        },
    )
    .expect("team")
}

/// The child used throughout: Amelia Hughes, born 5 March 2019.
pub fn amelia() -> PersonDraft {
    PersonDraft {
        given_names: "Amelia".into(),
        family_name: "Hughes".into(),
        dob: DateParts::new("5", "3", "2019"),
        sex: "F".into(),
        ethnicity: "WBRI".into(),
        nhs_number: "943 476 5919".into(),
        ..PersonDraft::default()
    }
}

/// A draft for any born person.
pub fn draft(given: &str, family: &str, dob: (u32, u32, i32)) -> PersonDraft {
    PersonDraft {
        given_names: given.into(),
        family_name: family.into(),
        dob: DateParts::new(dob.0.to_string(), dob.1.to_string(), dob.2.to_string()),
        sex: "U".into(),
        ..PersonDraft::default()
    }
}

pub fn details(draft: &PersonDraft) -> PersonDetails {
    draft
        .validate(today())
        .unwrap_or_else(|e| panic!("the test draft is valid: {e}"))
}

pub fn new_person(kind: PersonKind, draft: &PersonDraft) -> NewPerson {
    NewPerson {
        kind,
        details: details(draft),
        address: None,
    }
}

/// Creates a child, confirming it is new (no duplicate check).
pub fn create_child(conn: &mut DbConn, actor: &Actor, draft: &PersonDraft) -> String {
    people::create(
        conn,
        actor,
        &new_person(PersonKind::Child, draft),
        true,
        LOCAL_ID_PREFIX,
    )
    .expect("create a child")
}

pub fn create_adult(conn: &mut DbConn, actor: &Actor, draft: &PersonDraft) -> String {
    people::create(
        conn,
        actor,
        &new_person(PersonKind::Adult, draft),
        true,
        LOCAL_ID_PREFIX,
    )
    .expect("create an adult")
}

pub fn address(line1: &str, postcode: &str) -> AddressInput {
    AddressInput {
        line1: line1.into(),
        line2: None,
        town: Some("Winchester".into()),
        postcode: Some(Postcode::parse(postcode).expect("a valid postcode")),
        confidential: false,
        from_date: None,
    }
}

// ---- reading back what was written ----

pub fn audit_rows(conn: &mut DbConn) -> Vec<AuditRow> {
    audit_log::table
        .order(audit_log::seq.asc())
        .select(AuditRow::as_select())
        .load(conn)
        .expect("read the audit log")
}

pub fn audit_rows_for(conn: &mut DbConn, action: &str) -> Vec<AuditRow> {
    audit_rows(conn)
        .into_iter()
        .filter(|r| r.action == action)
        .collect()
}

pub fn audit_count(conn: &mut DbConn) -> i64 {
    cairn_db::audit::count(conn).expect("count audit rows")
}

pub fn events_of_kind(conn: &mut DbConn, kind: &str) -> Vec<EventRow> {
    events::table
        .filter(events::kind.eq(kind))
        .order(events::at.asc())
        .select(EventRow::as_select())
        .load(conn)
        .expect("read events")
}

pub fn event_count(conn: &mut DbConn) -> i64 {
    events::table
        .count()
        .get_result(conn)
        .expect("count events")
}

pub fn people_count(conn: &mut DbConn) -> i64 {
    people_t::table
        .count()
        .get_result(conn)
        .expect("count people")
}

pub fn versions_of(conn: &mut DbConn, person_id: &str) -> Vec<PersonVersionRow> {
    person_versions::table
        .filter(person_versions::person_id.eq(person_id))
        .order(person_versions::version.asc())
        .select(PersonVersionRow::as_select())
        .load(conn)
        .expect("read versions")
}

pub fn version_count(conn: &mut DbConn) -> i64 {
    person_versions::table
        .count()
        .get_result(conn)
        .expect("count versions")
}

/// The names of the fields listed in an audit row's `detail.changes`.
pub fn changed_fields(row: &AuditRow) -> Vec<String> {
    row.detail_json()["changes"]
        .as_array()
        .map(|changes| {
            changes
                .iter()
                .filter_map(|c| c["field"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The chain is intact and covers every row.
pub fn assert_chain_intact(conn: &mut DbConn) {
    let report = cairn_db::audit::verify(conn, |_| {}).expect("verify the audit chain");
    assert_eq!(report.first_broken, None, "the audit chain is broken");
    assert_eq!(report.rows_checked as i64, audit_count(conn));
}

/// An agreed threshold document written straight into the tables (its own service is tested
/// elsewhere): level 1 fits NFA/advice, level 4 fits referral/strategy.
pub struct Thresholds {
    pub doc: String,
    pub level1: String,
    pub level4: String,
    pub indicator4: String,
}

pub fn agreed_thresholds(conn: &mut DbConn, version: i32) -> Thresholds {
    let now = cairn_db::now();
    let doc = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(threshold_documents::table)
        .values((
            threshold_documents::id.eq(&doc),
            threshold_documents::version_number.eq(version),
            threshold_documents::title.eq("Right help, right time"),
            threshold_documents::status.eq("agreed"),
            threshold_documents::introduction.eq("How partners decide."),
            threshold_documents::signatories.eq("[\"Council\"]"),
            threshold_documents::version.eq(1),
            threshold_documents::created_at.eq(now),
            threshold_documents::created_by.eq("test"),
            threshold_documents::updated_at.eq(now),
            threshold_documents::updated_by.eq("test"),
        ))
        .execute(conn)
        .unwrap();
    let mut ids = Vec::new();
    for (pos, name, outcomes) in [
        (1, "Universal", "no_further_action,information_advice"),
        (4, "Children's social care", "referral,strategy_discussion"),
    ] {
        let id = uuid::Uuid::now_v7().to_string();
        diesel::insert_into(threshold_levels::table)
            .values((
                threshold_levels::id.eq(&id),
                threshold_levels::document_id.eq(&doc),
                threshold_levels::position.eq(pos),
                threshold_levels::name.eq(name),
                threshold_levels::summary.eq("summary"),
                threshold_levels::response.eq("response"),
                threshold_levels::outcomes.eq(outcomes),
            ))
            .execute(conn)
            .unwrap();
        ids.push(id);
    }
    let indicator = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(threshold_indicators::table)
        .values((
            threshold_indicators::id.eq(&indicator),
            threshold_indicators::level_id.eq(&ids[1]),
            threshold_indicators::domain.eq("family_environment"),
            threshold_indicators::position.eq(1),
            threshold_indicators::text.eq("Serious domestic abuse"),
        ))
        .execute(conn)
        .unwrap();
    Thresholds {
        doc,
        level1: ids[0].clone(),
        level4: ids[1].clone(),
        indicator4: indicator,
    }
}

/// A children in need team for casework tests: a social worker, a second worker and their
/// team manager, all signed in.
pub struct CaseTeam {
    pub team: String,
    pub worker: Staff,
    pub other_worker: Staff,
    pub manager: Staff,
}

pub fn case_team(conn: &mut DbConn) -> CaseTeam {
    let team = make_team(conn, "Children in need");
    CaseTeam {
        worker: staff_in_team(conn, "worker", Role::SocialWorker, &team),
        other_worker: staff_in_team(conn, "other.worker", Role::SocialWorker, &team),
        manager: staff_in_team(conn, "manager", Role::TeamManager, &team),
        team,
    }
}

/// An open episode allocated to the team's worker: a child and their referral.
pub struct OpenCase {
    pub child: String,
    pub referral: String,
}

/// A child named `given` with an open referral made on `referral_date`, allocated to
/// `team.worker`.
pub fn open_case(
    conn: &mut DbConn,
    team: &CaseTeam,
    given: &str,
    referral_date: NaiveDate,
) -> OpenCase {
    let case = open_case_without_allocation(conn, team, given, referral_date);
    cairn_db::testing::allocate_case(
        conn,
        &case.child,
        &case.referral,
        &team.team,
        &team.worker.user_id,
        referral_date,
    )
    .expect("allocate the case");
    case
}

/// [`open_case`] without the case's allocation row: the referral names the worker, but no
/// allocation says they hold it, as for tests of allocating it.
pub fn open_case_without_allocation(
    conn: &mut DbConn,
    team: &CaseTeam,
    given: &str,
    referral_date: NaiveDate,
) -> OpenCase {
    let child = create_child(
        conn,
        &team.manager.actor,
        &draft(given, "Casework", (5, 3, 2018)),
    );
    let referral = uuid::Uuid::now_v7().to_string();
    cairn_db::front_door::referrals::insert(
        conn,
        &cairn_db::front_door::referrals::ReferralRow {
            id: referral.clone(),
            person_id: child.clone(),
            contact_id: None,
            decision_id: None,
            referral_date,
            referral_source: "1A".into(),
            primary_need: "N1".into(),
            team_id: team.team.clone(),
            worker_id: Some(team.worker.user_id.clone()),
            assigned_at: Some(cairn_db::now()),
            re_referral: false,
            previous_referral_id: None,
            closed_on: None,
            closure_reason: None,
            version: 1,
            created_at: cairn_db::now(),
            created_by: "test".into(),
        },
    )
    .expect("insert a referral");
    OpenCase { child, referral }
}

/// A strategy discussion held at 10:00 on `on`, chaired by the team's manager, that decided
/// on a section 47 enquiry, written straight into its table (its own service is tested
/// elsewhere); its id. Tests that need an enquiry add their own row on top of this.
pub fn section47_discussion(
    conn: &mut DbConn,
    team: &CaseTeam,
    case: &OpenCase,
    on: NaiveDate,
) -> String {
    use cairn_db::schema::strategy_discussions;
    let discussion = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(strategy_discussions::table)
        .values((
            strategy_discussions::id.eq(&discussion),
            strategy_discussions::referral_id.eq(&case.referral),
            strategy_discussions::person_id.eq(&case.child),
            strategy_discussions::held_at.eq(on.and_hms_opt(10, 0, 0).unwrap()),
            strategy_discussions::information_shared.eq("Police and school shared concerns."),
            strategy_discussions::decision.eq("section_47"),
            strategy_discussions::rationale.eq("Reasonable cause to suspect significant harm."),
            strategy_discussions::chaired_by.eq(&team.manager.user_id),
            strategy_discussions::version.eq(1),
            strategy_discussions::created_at.eq(cairn_db::now()),
            strategy_discussions::created_by.eq(&team.manager.user_id),
        ))
        .execute(conn)
        .unwrap();
    discussion
}

//! Casework fixtures: a children in need team and an open, allocated episode, and what the
//! casework areas' tests share: relative dates, form fields, and API tokens and requests.

use axum::body::Body;
use axum::http::{Method, Request, header};
use cairn_core::Actor;
use cairn_core::api_tokens::{self, TokenForm};
use cairn_db::DbConn;
use cairn_db::schema::strategy_discussions;
use cairn_db::testing::TestDb;
use cairn_domain::roles::Role;
use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use serde_json::Value;

use super::accounts::{Session, signed_in_with_team};
use super::front_door::{child, team};

pub struct CaseTeam {
    pub team: String,
    pub worker: Session,
    pub manager: Session,
}

pub fn case_team(db: &TestDb) -> CaseTeam {
    let team = team(db, "Children in need");
    CaseTeam {
        worker: signed_in_with_team(db, "worker", Role::SocialWorker, &team),
        manager: signed_in_with_team(db, "manager", Role::TeamManager, &team),
        team,
    }
}

pub struct OpenCase {
    pub child: String,
    pub referral: String,
}

/// A child named `given` with an open referral made on `referral_date`, allocated to the
/// team's worker.
pub fn open_case(db: &TestDb, team: &CaseTeam, given: &str, referral_date: NaiveDate) -> OpenCase {
    let case = open_case_without_allocation(db, team, given, referral_date);
    cairn_db::testing::allocate_case(
        &mut db.conn(),
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
    db: &TestDb,
    team: &CaseTeam,
    given: &str,
    referral_date: NaiveDate,
) -> OpenCase {
    let child = child(db, &team.manager.actor, given, "Casework");
    let referral = uuid::Uuid::now_v7().to_string();
    let mut c = db.conn();
    cairn_db::front_door::referrals::insert(
        &mut c,
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

/// Today in England less `n` days: the services count "today" in England, so dates relative
/// to it must too.
pub fn days_ago(n: i64) -> NaiveDate {
    cairn_domain::thresholds::date_in_england(chrono::Utc::now()) - chrono::Duration::days(n)
}

/// Form fields as `post_fields` takes them, from borrowed pairs.
pub fn owned_fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A date as a GOV.UK date input named `prefix` posts it: `{prefix}-day`, `-month`, `-year`.
pub fn date_fields(prefix: &str, d: NaiveDate) -> Vec<(String, String)> {
    vec![
        (format!("{prefix}-day"), d.day().to_string()),
        (format!("{prefix}-month"), d.month().to_string()),
        (format!("{prefix}-year"), d.year().to_string()),
    ]
}

/// The casework API scopes most tests need.
pub const CASEWORK_SCOPES: &[&str] = &["casework:read", "casework:write"];

/// An API token named "Case system", made by `creator`, acting as `user_id` with `scopes`;
/// the secret. Every casework area's API tests start from one of these.
pub fn casework_token(db: &TestDb, creator: &Actor, user_id: &str, scopes: &[&str]) -> String {
    let mut c = db.conn();
    api_tokens::create(
        &mut c,
        creator,
        &TokenForm {
            name: "Case system".into(),
            user_id: user_id.into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            days: "30".into(),
        },
    )
    .expect("create a token")
    .secret
}

/// Casework tokens, made by `creator`, for the team's worker and for its manager; (worker's,
/// manager's).
pub fn team_tokens(db: &TestDb, creator: &Actor, t: &CaseTeam) -> (String, String) {
    (
        casework_token(db, creator, &t.worker.user_id, CASEWORK_SCOPES),
        casework_token(db, creator, &t.manager.user_id, CASEWORK_SCOPES),
    )
}

/// A request to `/api/v1{path}` with `token` as its bearer, and `body` as JSON when given.
pub fn api_request(method: Method, path: &str, token: &str, body: Option<Value>) -> Request<Body> {
    let mut builder = Request::builder()
        .method(method)
        .uri(format!("/api/v1{path}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if body.is_some() {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    builder
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .expect("request")
}

/// A strategy discussion held at 10:00 on `on`, chaired by the team's manager, that decided
/// on a section 47 enquiry, written straight into its table (its own pages are tested
/// elsewhere); its id. Tests that need an enquiry add their own row on top of this.
pub fn section47_discussion(
    c: &mut DbConn,
    t: &CaseTeam,
    case: &OpenCase,
    on: NaiveDate,
) -> String {
    let discussion = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(strategy_discussions::table)
        .values((
            strategy_discussions::id.eq(&discussion),
            strategy_discussions::referral_id.eq(&case.referral),
            strategy_discussions::person_id.eq(&case.child),
            strategy_discussions::held_at.eq(on.and_hms_opt(10, 0, 0).expect("a time")),
            strategy_discussions::information_shared.eq("Police and school shared concerns."),
            strategy_discussions::decision.eq("section_47"),
            strategy_discussions::rationale.eq("Reasonable cause to suspect significant harm."),
            strategy_discussions::chaired_by.eq(&t.manager.user_id),
            strategy_discussions::version.eq(1),
            strategy_discussions::created_at.eq(cairn_db::now()),
            strategy_discussions::created_by.eq(&t.manager.user_id),
        ))
        .execute(c)
        .expect("insert a strategy discussion");
    discussion
}

//! Management oversight: decisions with rationale and actions, required points and intervals,
//! the missing-oversight report.
//!
//! A management decision is a record of its own: what was decided, why, who decided and when,
//! and the actions agreed. It is never edited: a later decision supersedes it. The latest is
//! pinned at the top of the child's page; all of them, with the supervision discussions of the
//! child, are on the record's "Oversight and supervision" tab.

use std::collections::{HashMap, HashSet};

use cairn_db::DbConn;
use cairn_db::casework::actions::{self as action_repo, CaseActionRow};
use cairn_db::front_door::referrals::ReferralRow;
use cairn_db::recording::oversight::{self as repo, EpisodePoints, OversightRecordRow};
use cairn_domain::casework::timescales::Due;
use cairn_domain::casework::{ActionSource, AssessmentOutcome};
use cairn_domain::dates::format_long;
use cairn_domain::ids::OversightId;
use cairn_domain::person::display_name;
use cairn_domain::policy::Action;
use cairn_domain::recording::OversightPoint;
use cairn_domain::recording::standards::RecordingStandards;
use cairn_domain::roles::Role;
use cairn_domain::validation::{FieldErrors, MAX_TEXT_LEN, clean_text};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::standards::in_force;
use super::supervision::{self, DiscussionView};
use crate::actor::Actor;
use crate::audit_trail::Record;
use crate::casework::actions::{self, ActionInput};
use crate::casework::strategy::{child_summary, may_view, uk_date};
use crate::casework::{audit_after_read, record_event, statutory_calendar};
use crate::error::{ServiceError, ServiceResult};
use crate::search::PersonSummary;
use crate::tx;

/// A clock a few minutes fast on a manager's laptop is not a time in the future.
const FUTURE_GRACE_MINUTES: i64 = 5;

/// A management decision as typed. `decided_at` is UTC (the page reads UK local time; the API
/// takes RFC 3339); none means now.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OversightInput {
    /// An [`OversightPoint`] code.
    pub point: String,
    pub decision: String,
    pub rationale: String,
    pub decided_at: Option<NaiveDateTime>,
    pub actions: Vec<ActionInput>,
}

/// What recording a decision made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordedOversight {
    pub id: String,
    pub action_ids: Vec<String>,
}

struct Valid {
    point: OversightPoint,
    decision: String,
    rationale: String,
    decided_at: NaiveDateTime,
    actions: Vec<ActionInput>,
}

fn validate(input: &OversightInput, now: NaiveDateTime, errors: &mut FieldErrors) -> Option<Valid> {
    let point = OversightPoint::from_code(input.point.trim());
    if point.is_none() {
        errors.push("point", "Select what the decision is about");
    }
    let decision = clean_text(
        "decision",
        "The decision",
        &input.decision,
        MAX_TEXT_LEN,
        true,
        errors,
    );
    let rationale = clean_text(
        "rationale",
        "The rationale for the decision",
        &input.rationale,
        MAX_TEXT_LEN,
        true,
        errors,
    );
    let decided_at = cairn_db::truncate_to_micros(input.decided_at.unwrap_or(now));
    if decided_at > now + Duration::minutes(FUTURE_GRACE_MINUTES) {
        errors.push(
            "decided",
            "The date and time of the decision must not be in the future",
        );
    }
    let actions = actions::validate("actions", &input.actions, errors);
    let decided_on = uk_date(decided_at);
    for (i, row) in input.actions.iter().enumerate() {
        if row.due_on.is_some_and(|d| d < decided_on) {
            errors.push(
                format!("actions-{}-due", i + 1),
                format!(
                    "Action {} must be due on or after the day of the decision",
                    i + 1
                ),
            );
        }
    }
    Some(Valid {
        point: point?,
        decision: decision?,
        rationale: rationale?,
        decided_at,
        actions,
    })
}

/// The child's open episode, if any: a decision made while one is open belongs to it.
fn open_referral(c: &mut DbConn, person_id: &str) -> ServiceResult<Option<ReferralRow>> {
    Ok(cairn_db::casework::work::referrals_of_person(c, person_id)?
        .into_iter()
        .find(|r| r.closed_on.is_none()))
}

fn prepare(
    c: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    input: &OversightInput,
) -> ServiceResult<(Valid, Option<ReferralRow>)> {
    child_summary(c, actor, person_id)?;
    let mut errors = FieldErrors::new();
    let valid = validate(input, cairn_db::now(), &mut errors);
    match valid {
        Some(v) if errors.is_empty() => Ok((v, open_referral(c, person_id)?)),
        _ => Err(ServiceError::Invalid(errors)),
    }
}

/// Runs every check [`record`] makes without writing anything, so a form with a problem of
/// its own (a time it could not read) can still list every other problem at once.
pub fn check(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    input: &OversightInput,
) -> ServiceResult<()> {
    tx::require_on_person(conn, actor, Action::RecordOversight, person_id)?;
    tx::read(conn, actor, |c| {
        prepare(c, actor, person_id, input).map(|_| ())
    })
}

/// Records a management decision about a child, with its actions, in one transaction. A
/// decision without a rationale is refused.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    input: &OversightInput,
) -> ServiceResult<RecordedOversight> {
    tx::require_on_person(conn, actor, Action::RecordOversight, person_id)?;
    tx::write(conn, actor, |c| {
        let (v, referral) = prepare(c, actor, person_id, input)?;
        let id = OversightId::new().to_string();
        let referral_id = referral.map(|r| r.id);
        repo::insert(
            c,
            &OversightRecordRow {
                id: id.clone(),
                person_id: person_id.to_string(),
                referral_id: referral_id.clone(),
                point: v.point.code().to_string(),
                decision: v.decision,
                rationale: v.rationale,
                decided_at: v.decided_at,
                manager_user_id: actor.author(),
                created_at: cairn_db::now(),
            },
        )?;
        let action_ids = actions::insert_all(
            c,
            actor,
            person_id,
            ActionSource::Oversight,
            &id,
            &v.actions,
        )?;
        record_event(
            c,
            actor,
            ("oversight.recorded", "oversight.record"),
            ("oversight_record", &id),
            person_id,
            json!({
                "point": v.point.code(),
                "decided_at": v.decided_at,
                "referral_id": referral_id,
                "actions": action_ids.len(),
            }),
        )?;
        Ok(RecordedOversight { id, action_ids })
    })
}

/// What the form for a new decision shows: the child, and who may own an action.
#[derive(Clone, Debug, Serialize)]
pub struct OversightForm {
    pub child: PersonSummary,
    pub referral_id: Option<String>,
    /// (user id, display name): the open episode's team, or the manager's own team.
    pub owners: Vec<(String, String)>,
}

/// The context of a blank decision form; refused (naming the child) to those who may not
/// record oversight. The form names the child, so it is an audited read.
pub fn form(conn: &mut DbConn, actor: &Actor, person_id: &str) -> ServiceResult<OversightForm> {
    tx::require_on_person(conn, actor, Action::RecordOversight, person_id)?;
    let form = tx::read(conn, actor, |c| {
        let child = child_summary(c, actor, person_id)?;
        let referral = open_referral(c, person_id)?;
        let team = referral
            .as_ref()
            .map(|r| r.team_id.clone())
            .or_else(|| actor.team_id.map(|t| t.to_string()));
        let owners = match team {
            Some(t) => cairn_db::users::active_in_team(c, &t)?
                .into_iter()
                .map(|u| (u.id, u.display_name))
                .collect(),
            None => Vec::new(),
        };
        Ok(OversightForm {
            child,
            referral_id: referral.map(|r| r.id),
            owners,
        })
    })?;
    audit_after_read(
        conn,
        actor,
        Record::ok("oversight.form_view")
            .on("person", person_id)
            .person(person_id),
    )?;
    Ok(form)
}

/// One management decision with who made it and its actions.
#[derive(Clone, Debug, Serialize)]
pub struct DecisionView {
    pub record: OversightRecordRow,
    pub point: OversightPoint,
    pub manager_name: String,
    pub actions: Vec<CaseActionRow>,
}

fn point_of(row: &OversightRecordRow) -> ServiceResult<OversightPoint> {
    OversightPoint::from_code(&row.point)
        .ok_or_else(|| ServiceError::Internal(format!("unknown oversight point {}", row.point)))
}

/// Open and closed actions about a child, by the record that agreed them.
pub(crate) fn actions_by_source(
    c: &mut DbConn,
    person_id: &str,
) -> ServiceResult<HashMap<(String, String), Vec<CaseActionRow>>> {
    let mut out: HashMap<(String, String), Vec<CaseActionRow>> = HashMap::new();
    let mut rows = action_repo::for_person(c, person_id)?;
    // Soonest due first within each record, as the record's own page lists them.
    rows.sort_by(|a, b| (a.due_on, &a.id).cmp(&(b.due_on, &b.id)));
    for a in rows {
        out.entry((a.source_kind.clone(), a.source_id.clone()))
            .or_default()
            .push(a);
    }
    Ok(out)
}

fn decision_views(
    c: &mut DbConn,
    rows: Vec<OversightRecordRow>,
    actions: &mut HashMap<(String, String), Vec<CaseActionRow>>,
) -> ServiceResult<Vec<DecisionView>> {
    let managers: Vec<String> = rows.iter().map(|r| r.manager_user_id.clone()).collect();
    let names = cairn_db::users::display_names(c, &managers)?;
    rows.into_iter()
        .map(|record| {
            let key = (
                ActionSource::Oversight.code().to_string(),
                record.id.clone(),
            );
            Ok(DecisionView {
                point: point_of(&record)?,
                manager_name: names
                    .get(&record.manager_user_id)
                    .cloned()
                    .unwrap_or_else(|| record.manager_user_id.clone()),
                actions: actions.remove(&key).unwrap_or_default(),
                record,
            })
        })
        .collect()
}

/// Reads one decision; the read is audited against the child.
pub fn view(conn: &mut DbConn, actor: &Actor, id: &str) -> ServiceResult<DecisionView> {
    let view = tx::read(conn, actor, |c| {
        let row = repo::find(c, id)?.ok_or(ServiceError::NotFound("The management decision"))?;
        may_view(actor, &row.person_id)?;
        child_summary(c, actor, &row.person_id)?;
        let mut actions = actions_by_source(c, &row.person_id)?;
        decision_views(c, vec![row], &mut actions)?
            .pop()
            .ok_or(ServiceError::NotFound("The management decision"))
    })?;
    audit_after_read(
        conn,
        actor,
        Record::ok("oversight.view")
            .on("oversight_record", id)
            .person(&view.record.person_id),
    )?;
    Ok(view)
}

/// When an open case's next management decision is due.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OversightDue {
    pub referral_id: String,
    pub due: Due,
    pub overdue: bool,
    pub days_overdue: i64,
}

fn due_for(
    standards: &RecordingStandards,
    referral: &ReferralRow,
    latest: Option<NaiveDateTime>,
    today: NaiveDate,
) -> OversightDue {
    let due = standards.oversight_due(
        &statutory_calendar(),
        referral.referral_date,
        latest.map(uk_date),
    );
    OversightDue {
        referral_id: referral.id.clone(),
        overdue: due.is_overdue(today),
        days_overdue: (today - due.date).num_days().max(0),
        due,
    }
}

/// Everything on the child's "Oversight and supervision" tab.
#[derive(Clone, Debug, Serialize)]
pub struct OversightTab {
    pub child: PersonSummary,
    /// Newest first.
    pub decisions: Vec<DecisionView>,
    /// Newest first.
    pub discussions: Vec<DiscussionView>,
    /// For an open case: when the next decision is due.
    pub due: Option<OversightDue>,
}

/// The child's management decisions and supervision discussions, newest first, each with its
/// actions; an audited read of the child's record.
pub fn tab(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    today: NaiveDate,
) -> ServiceResult<OversightTab> {
    let tab = tx::read(conn, actor, |c| {
        may_view(actor, person_id)?;
        let child = child_summary(c, actor, person_id)?;
        let mut actions = actions_by_source(c, person_id)?;
        let rows = repo::for_person(c, person_id)?;
        let latest = rows.first().map(|r| r.decided_at);
        let decisions = decision_views(c, rows, &mut actions)?;
        let discussions = supervision::discussions_for_child(c, person_id, &mut actions)?;
        let due = match open_referral(c, person_id)? {
            Some(referral) => Some(due_for(&in_force(c, today)?, &referral, latest, today)),
            None => None,
        };
        Ok(OversightTab {
            child,
            decisions,
            discussions,
            due,
        })
    })?;
    audit_after_read(
        conn,
        actor,
        Record::ok("oversight.tab_view")
            .on("person", person_id)
            .person(person_id)
            .detail(json!({
                "decisions": tab.decisions.len(),
                "discussions": tab.discussions.len(),
            })),
    )?;
    Ok(tab)
}

/// The latest decision, as pinned at the top of the child's page.
#[derive(Clone, Debug, Serialize)]
pub struct PinnedDecision {
    pub latest: Option<DecisionView>,
    /// The latest decision made about the child in supervision, shown instead when it is the
    /// newer of the two: a decision is a decision wherever the manager made it.
    pub supervision: Option<SupervisionDecision>,
    /// For an open case: when the next decision is due.
    pub due: Option<OversightDue>,
}

/// A decision recorded in a supervision case discussion.
#[derive(Clone, Debug, Serialize)]
pub struct SupervisionDecision {
    pub discussion: cairn_db::recording::supervision::SupervisionDiscussionRow,
    pub held_on: NaiveDate,
    pub supervisor_name: String,
}

/// The pinned decision, read inside the caller's read of the child's record (whose audit row
/// covers it): one indexed row, the child's open episode and that decision's actions. `None`
/// for people who do not see casework.
pub fn pinned(
    c: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    today: NaiveDate,
) -> ServiceResult<Option<PinnedDecision>> {
    if !actor.may(Action::ViewCasework) {
        return Ok(None);
    }
    let latest_row = repo::latest_for_person(c, person_id)?;
    let latest_at = latest_row.as_ref().map(|r| r.decided_at);
    let latest = match latest_row {
        Some(row) => {
            let mut actions = HashMap::new();
            actions.insert(
                (ActionSource::Oversight.code().to_string(), row.id.clone()),
                action_repo::for_source(c, ActionSource::Oversight.code(), &row.id)?,
            );
            decision_views(c, vec![row], &mut actions)?.pop()
        }
        None => None,
    };
    let due = match open_referral(c, person_id)? {
        Some(referral) => Some(due_for(&in_force(c, today)?, &referral, latest_at, today)),
        None => None,
    };
    let supervision =
        match cairn_db::recording::supervision::latest_decision_of_person(c, person_id)? {
            Some((discussion, session)) => {
                let names = cairn_db::users::display_names(
                    c,
                    std::slice::from_ref(&session.supervisor_user_id),
                )?;
                Some(SupervisionDecision {
                    supervisor_name: names
                        .get(&session.supervisor_user_id)
                        .cloned()
                        .unwrap_or_default(),
                    held_on: session.held_on,
                    discussion,
                })
            }
            None => None,
        };
    Ok(Some(PinnedDecision {
        latest,
        supervision,
        due,
    }))
}

// ---- the missing and overdue oversight report ----

/// Why a child appears in the oversight report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    /// No decision within the interval.
    Overdue,
    /// A required point passed without a decision on or after it.
    Missing,
}

/// One child whose oversight is overdue, or missing at a required point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OversightGap {
    pub kind: GapKind,
    /// The point passed without a decision (for `Missing`).
    pub point: Option<OversightPoint>,
    pub person_id: String,
    pub child_name: String,
    pub referral_id: String,
    pub referral_date: NaiveDate,
    pub team_id: String,
    pub team_name: String,
    pub worker_id: Option<String>,
    pub worker_name: String,
    /// The team's managers, who answer for its oversight.
    pub managers: String,
    /// The latest decision about the child, if any.
    pub latest_decision: Option<NaiveDate>,
    /// When the decision was due: the end of the interval, or the day of the point.
    pub due_on: NaiveDate,
    pub basis: String,
    pub days_overdue: i64,
}

impl OversightGap {
    /// "Overdue" or "Missing at allocation".
    pub fn describe(&self) -> String {
        match (self.kind, self.point) {
            (GapKind::Missing, Some(p)) => format!("Missing at {}", p.label().to_lowercase()),
            (GapKind::Missing, None) => "Missing".into(),
            (GapKind::Overdue, _) => "Overdue".into(),
        }
    }
}

/// Who the report covers.
enum Scope {
    Team(String),
    All,
}

/// Team managers see their own team's children; service managers and the quality roles see
/// every team (or one they choose). Everyone else is refused, and the refusal audited.
fn scope(conn: &mut DbConn, actor: &Actor, team: Option<&str>) -> ServiceResult<Scope> {
    let action = if actor.may(Action::ViewTeamWork) {
        Action::ViewTeamWork
    } else {
        Action::ViewRecordingQuality
    };
    tx::require(conn, actor, action)?;
    let chosen = team.map(str::trim).filter(|t| !t.is_empty());
    if actor.role == Role::TeamManager {
        let own = actor
            .team_id
            .map(|t| t.to_string())
            .ok_or_else(|| ServiceError::invalid("team", "You are not in a team"))?;
        return match chosen {
            Some(t) if t != own => {
                let denied: ServiceResult<Scope> = Err(ServiceError::Denied {
                    action: Action::ViewTeamWork,
                    entity_type: Some("team".into()),
                    entity_id: Some(t.to_string()),
                    person_id: None,
                });
                // Run through a read so the refusal is audited like any other.
                tx::read(conn, actor, |_| denied)
            }
            _ => Ok(Scope::Team(own)),
        };
    }
    Ok(chosen.map_or(Scope::All, |t| Scope::Team(t.to_string())))
}

/// The point dates of one episode: the latest occurrence of each.
fn points_of_episode(
    referral: &ReferralRow,
    p: &EpisodePoints,
) -> Vec<(OversightPoint, NaiveDate)> {
    let mine = |r: &str| r == referral.id;
    let mut out: HashMap<OversightPoint, NaiveDate> = HashMap::new();
    let mut note = |point: OversightPoint, on: NaiveDate| {
        let e = out.entry(point).or_insert(on);
        *e = (*e).max(on);
    };
    if let (Some(at), Some(_)) = (referral.assigned_at, &referral.worker_id) {
        note(OversightPoint::Allocation, uk_date(at));
    }
    for (_, on, outcome) in p.assessments_authorised.iter().filter(|x| mine(&x.0)) {
        note(OversightPoint::AssessmentAuthorisation, *on);
        if outcome.as_deref() == Some(AssessmentOutcome::StepDownEarlyHelp.code()) {
            note(OversightPoint::StepDown, *on);
        }
    }
    for (_, at) in p.section47_decisions.iter().filter(|x| mine(&x.0)) {
        note(OversightPoint::Section47Decision, uk_date(*at));
    }
    let cp_ends: Vec<NaiveDate> = p
        .cp_plans
        .iter()
        .filter(|x| mine(&x.0))
        .filter_map(|x| x.2)
        .collect();
    for (_, started, _) in p.cp_plans.iter().filter(|x| mine(&x.0)) {
        note(OversightPoint::PlanStart, *started);
    }
    for (_, started) in p.cin_plans.iter().filter(|x| mine(&x.0)) {
        note(OversightPoint::PlanStart, *started);
        // A child in need plan after a child protection plan ended is a step down.
        if cp_ends.iter().any(|ended| ended <= started) {
            note(OversightPoint::StepDown, *started);
        }
    }
    for (_, at) in p.closure_requests.iter().filter(|x| mine(&x.0)) {
        note(OversightPoint::Closure, uk_date(*at));
    }
    let mut list: Vec<(OversightPoint, NaiveDate)> = out.into_iter().collect();
    list.sort();
    list
}

/// The gaps of one open episode: overdue past the interval, and each required point passed
/// without a decision on or after it. Names are filled in later.
fn episode_gaps(
    referral: &ReferralRow,
    points: &EpisodePoints,
    latest: Option<NaiveDateTime>,
    standards: &RecordingStandards,
    today: NaiveDate,
) -> Vec<OversightGap> {
    let latest_on = latest.map(uk_date);
    let gap = |kind, point, due_on: NaiveDate, basis: String| OversightGap {
        kind,
        point,
        person_id: referral.person_id.clone(),
        child_name: String::new(),
        referral_id: referral.id.clone(),
        referral_date: referral.referral_date,
        team_id: referral.team_id.clone(),
        team_name: String::new(),
        worker_id: referral.worker_id.clone(),
        worker_name: String::new(),
        managers: String::new(),
        latest_decision: latest_on,
        due_on,
        basis,
        days_overdue: (today - due_on).num_days().max(0),
    };
    let mut out = Vec::new();
    let due = due_for(standards, referral, latest, today);
    if due.overdue {
        out.push(gap(GapKind::Overdue, None, due.due.date, due.due.basis));
    }
    for (point, on) in points_of_episode(referral, points) {
        if !standards.requires(point) || latest_on.is_some_and(|l| l >= on) {
            continue;
        }
        let basis = format!(
            "A management decision is required at {} ({}), on {}; none has been recorded since",
            point.label().to_lowercase(),
            standards.name,
            format_long(on)
        );
        out.push(gap(GapKind::Missing, Some(point), on, basis));
    }
    out
}

/// Fills in children's, workers', teams' and managers' names: a few queries for the list.
fn name_gaps(c: &mut DbConn, gaps: &mut [OversightGap]) -> ServiceResult<()> {
    let people: Vec<String> = gaps
        .iter()
        .map(|g| g.person_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let children: HashMap<String, String> = cairn_db::casework::work::names_of_people(c, &people)?
        .into_iter()
        .map(|p| (p.id, display_name(&p.given_names, &p.family_name)))
        .collect();
    let workers: Vec<String> = gaps
        .iter()
        .filter_map(|g| g.worker_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let worker_names = cairn_db::users::display_names(c, &workers)?;
    let mut teams: HashMap<String, (String, String)> = HashMap::new();
    for team_id in gaps
        .iter()
        .map(|g| g.team_id.clone())
        .collect::<HashSet<_>>()
    {
        let name = cairn_db::organisation::find_team(c, &team_id)?
            .map(|t| t.name)
            .unwrap_or_default();
        let managers: Vec<String> = cairn_db::users::active_in_team(c, &team_id)?
            .into_iter()
            .filter(|u| u.role == Role::TeamManager.code())
            .map(|u| u.display_name)
            .collect();
        let managers = if managers.is_empty() {
            "No team manager".to_string()
        } else {
            managers.join(", ")
        };
        teams.insert(team_id, (name, managers));
    }
    for g in gaps.iter_mut() {
        g.child_name = children.get(&g.person_id).cloned().unwrap_or_default();
        g.worker_name = g
            .worker_id
            .as_ref()
            .and_then(|w| worker_names.get(w).cloned())
            .unwrap_or_else(|| "Not allocated".into());
        if let Some((name, managers)) = teams.get(&g.team_id) {
            g.team_name = name.clone();
            g.managers = managers.clone();
        }
    }
    Ok(())
}

fn gaps_in(
    c: &mut DbConn,
    scope: &Scope,
    today: NaiveDate,
) -> ServiceResult<(Vec<OversightGap>, usize)> {
    let team = match scope {
        Scope::Team(t) => Some(t.as_str()),
        Scope::All => None,
    };
    let episodes = repo::open_episodes(c, team)?;
    let people: Vec<String> = episodes.iter().map(|e| e.person_id.clone()).collect();
    let ids: Vec<String> = episodes.iter().map(|e| e.id.clone()).collect();
    let latest = repo::latest_per_person(c, &people)?;
    let points = repo::points_in_episodes(c, &ids)?;
    let standards = in_force(c, today)?;
    let mut gaps: Vec<OversightGap> = episodes
        .iter()
        .flat_map(|e| {
            episode_gaps(
                e,
                &points,
                latest.get(&e.person_id).copied(),
                &standards,
                today,
            )
        })
        .collect();
    name_gaps(c, &mut gaps)?;
    gaps.sort_by(|a, b| {
        (
            std::cmp::Reverse(a.days_overdue),
            &a.child_name,
            &a.referral_id,
            a.point,
        )
            .cmp(&(
                std::cmp::Reverse(b.days_overdue),
                &b.child_name,
                &b.referral_id,
                b.point,
            ))
    });
    Ok((gaps, episodes.len()))
}

/// Children with an open episode whose management oversight is overdue (none within the
/// interval, counted from the referral when there has been none) or missing at a required
/// point, most overdue first. A team manager sees their team's children; service managers and
/// the quality roles every team's. Not audited here: the page that lists them audits its view.
pub fn oversight_gaps(
    c: &mut DbConn,
    actor: &Actor,
    today: NaiveDate,
) -> ServiceResult<Vec<OversightGap>> {
    let scope = scope(c, actor, None)?;
    tx::read(c, actor, |c| gaps_in(c, &scope, today).map(|(g, _)| g))
}

/// Gaps counted under one heading (a team, or a team's managers).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GapCount {
    pub name: String,
    pub children: usize,
    pub overdue: usize,
    pub missing: usize,
}

fn counts_by(gaps: &[OversightGap], key: impl Fn(&OversightGap) -> String) -> Vec<GapCount> {
    let mut out: Vec<GapCount> = Vec::new();
    let mut children: HashMap<String, HashSet<&str>> = HashMap::new();
    for g in gaps {
        let name = key(g);
        let at = match out.iter().position(|c| c.name == name) {
            Some(at) => at,
            None => {
                out.push(GapCount {
                    name: name.clone(),
                    children: 0,
                    overdue: 0,
                    missing: 0,
                });
                out.len() - 1
            }
        };
        match g.kind {
            GapKind::Overdue => out[at].overdue += 1,
            GapKind::Missing => out[at].missing += 1,
        }
        children.entry(name).or_default().insert(&g.person_id);
    }
    for c in &mut out {
        c.children = children.get(&c.name).map_or(0, HashSet::len);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The oversight report: counts by team and by manager, then every gap.
#[derive(Clone, Debug, Serialize)]
pub struct OversightReport {
    pub today: NaiveDate,
    /// The team chosen, or none for every team.
    pub team_id: Option<String>,
    pub open_episodes: usize,
    pub standards: RecordingStandards,
    pub by_team: Vec<GapCount>,
    pub by_manager: Vec<GapCount>,
    pub gaps: Vec<OversightGap>,
}

/// The report page (and its CSV): [`oversight_gaps`] for one team or all the actor may see,
/// with counts. An audited read naming every child listed.
pub fn report(
    conn: &mut DbConn,
    actor: &Actor,
    team: Option<&str>,
    today: NaiveDate,
) -> ServiceResult<OversightReport> {
    let scope = scope(conn, actor, team)?;
    let team_id = match &scope {
        Scope::Team(t) => Some(t.clone()),
        Scope::All => None,
    };
    let (gaps, open_episodes, standards) = tx::read(conn, actor, |c| {
        let (gaps, open) = gaps_in(c, &scope, today)?;
        Ok((gaps, open, in_force(c, today)?))
    })?;
    let children: Vec<&str> = gaps
        .iter()
        .map(|g| g.person_id.as_str())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    audit_after_read(
        conn,
        actor,
        Record::ok("oversight_report.view").detail(json!({
            "team_id": team_id,
            "gaps": gaps.len(),
            "children": children,
        })),
    )?;
    Ok(OversightReport {
        today,
        team_id,
        open_episodes,
        standards,
        by_team: counts_by(&gaps, |g| g.team_name.clone()),
        by_manager: counts_by(&gaps, |g| g.managers.clone()),
        gaps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn referral() -> ReferralRow {
        ReferralRow {
            id: "r".into(),
            person_id: "p".into(),
            contact_id: None,
            decision_id: None,
            referral_date: d(2024, 5, 1),
            referral_source: "1A".into(),
            primary_need: "N1".into(),
            team_id: "t".into(),
            worker_id: Some("w".into()),
            assigned_at: d(2024, 5, 2).and_hms_opt(9, 0, 0),
            re_referral: false,
            previous_referral_id: None,
            closed_on: None,
            closure_reason: None,
            version: 1,
            created_at: NaiveDateTime::default(),
            created_by: "test".into(),
        }
    }

    #[test]
    fn a_cin_plan_after_a_cp_plan_is_a_step_down() {
        let points = EpisodePoints {
            cp_plans: vec![("r".into(), d(2024, 6, 1), Some(d(2024, 9, 1)))],
            cin_plans: vec![("r".into(), d(2024, 9, 2)), ("other".into(), d(2025, 1, 1))],
            ..EpisodePoints::default()
        };
        let list = points_of_episode(&referral(), &points);
        assert!(list.contains(&(OversightPoint::Allocation, d(2024, 5, 2))));
        assert!(list.contains(&(OversightPoint::PlanStart, d(2024, 9, 2))));
        assert!(list.contains(&(OversightPoint::StepDown, d(2024, 9, 2))));
        assert_eq!(list.len(), 3, "the other episode's plan is not this one's");
    }

    #[test]
    fn a_decision_after_a_point_answers_it() {
        let s = RecordingStandards::defaults();
        let points = EpisodePoints::default();
        let today = d(2024, 5, 20);
        let none = episode_gaps(&referral(), &points, None, &s, today);
        assert_eq!(none.len(), 1);
        assert_eq!(none[0].point, Some(OversightPoint::Allocation));
        let after = d(2024, 5, 3).and_hms_opt(12, 0, 0);
        assert!(episode_gaps(&referral(), &points, after, &s, today).is_empty());
        // Twenty working days on from the referral with no decision: overdue as well.
        let late = episode_gaps(&referral(), &points, None, &s, d(2024, 6, 3));
        assert!(late.iter().any(|g| g.kind == GapKind::Overdue));
    }
}

//! "My work" and "team work": everything due or overdue for a worker (or a whole team), most
//! urgent first, each with the date it is due and how that date was worked out; the counts
//! behind the navigation badge; and the episode page, which shows one episode's records and
//! what is due in it.
//!
//! Everything is loaded with a handful of set-based queries keyed by the open episodes, and
//! every due date is computed here from the timescale profile in force for the episode.

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};

use cairn_db::DbConn;
use cairn_db::casework::actions::{self as action_repo, CaseActionRow};
use cairn_db::casework::closures::EpisodeClosureRow;
use cairn_db::casework::work::{
    self as repo, AssessmentBrief, CinPlanBrief, ConferenceBrief, CpPlanBrief, EpisodeRecords,
    Section47Brief, StrategyBrief, VisitBrief,
};
use cairn_db::front_door::referrals::{self as referral_repo, ReferralRow};
use cairn_domain::casework::timescales::{Due, PlanKind};
use cairn_domain::casework::{
    ActionSource, AssessmentKind, AssessmentStatus, ClosureStatus, ConferenceKind, Section47Outcome,
};
use cairn_domain::dates::format_long;
use cairn_domain::person::{display_name, unborn_display_name};
use cairn_domain::policy::Action;
use cairn_domain::roles::Role;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use super::closure::{self, Blocker};
use super::{Timescales, audit_after_read};
use crate::actor::Actor;
use crate::audit_trail::Record;
use crate::error::{ServiceError, ServiceResult};
use crate::search::PersonSummary;
use crate::tx;

/// Today's date in England, which is what "due" and "overdue" mean to the people using Cairn.
pub use super::today;

/// What a line of work is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkKind {
    Assessment,
    ReturnedAssessment,
    ReturnedClosure,
    Visit,
    InitialConference,
    ReviewConference,
    FirstCoreGroup,
    CinPlanReview,
    Action,
    AuthoriseAssessment,
    SignOffSection47,
    AuthoriseClosure,
}

impl WorkKind {
    /// What the due date is, as a heading on a child's page ("Next visit due").
    pub const fn key_label(&self) -> &'static str {
        match self {
            Self::Assessment | Self::ReturnedAssessment | Self::AuthoriseAssessment => {
                "Assessment due"
            }
            Self::ReturnedClosure => "Closure returned",
            Self::Visit => "Next visit due",
            Self::InitialConference => "Initial conference target",
            Self::ReviewConference | Self::CinPlanReview => "Next review due",
            Self::FirstCoreGroup => "First core group due",
            Self::Action => "Action due",
            Self::SignOffSection47 => "Section 47 outcome to sign off",
            Self::AuthoriseClosure => "Closure to authorise",
        }
    }

    /// Work waiting for a manager's decision rather than for the worker.
    pub const fn is_for_manager(&self) -> bool {
        matches!(
            self,
            Self::AuthoriseAssessment | Self::SignOffSection47 | Self::AuthoriseClosure
        )
    }
}

/// One line of work: whose, about which child, what, when it is due and why then.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorkItem {
    pub kind: WorkKind,
    pub what: String,
    pub person_id: String,
    pub child_name: String,
    pub referral_id: Option<String>,
    /// Whose work it is: the episode's worker, the assessment's author, the action's owner.
    pub worker_id: Option<String>,
    pub worker_name: String,
    pub due_on: NaiveDate,
    /// How the due date was worked out.
    pub basis: String,
    /// Calendar days past the due date; 0 when not overdue.
    pub days_overdue: i64,
    pub href: String,
}

impl WorkItem {
    pub fn is_overdue(&self) -> bool {
        self.days_overdue > 0
    }

    pub fn to_authorise(&self) -> bool {
        self.kind.is_for_manager()
    }
}

fn days_late(due_on: NaiveDate, today: NaiveDate) -> i64 {
    (today - due_on).num_days().max(0)
}

/// Overdue first, the latest first; then by due date; ties by child and kind so the order is
/// stable between page loads.
pub fn sort_by_urgency(items: &mut [WorkItem]) {
    items.sort_by(|a, b| {
        (
            Reverse(a.days_overdue),
            a.due_on,
            &a.child_name,
            &a.what,
            &a.href,
        )
            .cmp(&(
                Reverse(b.days_overdue),
                b.due_on,
                &b.child_name,
                &b.what,
                &b.href,
            ))
    });
}

/// A line whose date is a real timescale.
fn timed(
    kind: WorkKind,
    what: String,
    referral: &ReferralRow,
    worker_id: Option<String>,
    due: Due,
    href: String,
    today: NaiveDate,
) -> WorkItem {
    WorkItem {
        kind,
        what,
        person_id: referral.person_id.clone(),
        child_name: String::new(),
        referral_id: Some(referral.id.clone()),
        worker_id,
        worker_name: String::new(),
        days_overdue: if due.is_overdue(today) {
            days_late(due.date, today)
        } else {
            0
        },
        due_on: due.date,
        basis: due.basis,
        href,
    }
}

/// A line that is ready to act on now and has no timescale of its own (a returned closure, an
/// outcome to sign off): dated when it became ready, never shown as overdue.
fn ready(
    kind: WorkKind,
    what: String,
    referral: &ReferralRow,
    worker_id: Option<String>,
    since: NaiveDate,
    basis: String,
    href: String,
) -> WorkItem {
    WorkItem {
        kind,
        what,
        person_id: referral.person_id.clone(),
        child_name: String::new(),
        referral_id: Some(referral.id.clone()),
        worker_id,
        worker_name: String::new(),
        due_on: since,
        basis,
        days_overdue: 0,
        href,
    }
}

/// Lookups over a set of episodes' records that several due dates need.
struct Index<'a> {
    episodes: HashMap<&'a str, &'a ReferralRow>,
    icpc_of_s47: HashMap<&'a str, NaiveDate>,
    conference_on: HashMap<&'a str, NaiveDate>,
    latest_review_of_plan: HashMap<&'a str, NaiveDate>,
}

impl<'a> Index<'a> {
    fn new(referrals: &'a [ReferralRow], r: &'a EpisodeRecords) -> Index<'a> {
        let mut icpc_of_s47 = HashMap::new();
        let mut conference_on = HashMap::new();
        let mut latest_review_of_plan: HashMap<&str, NaiveDate> = HashMap::new();
        for c in &r.conferences {
            conference_on.insert(c.id.as_str(), c.held_on);
            match ConferenceKind::from_code(&c.kind) {
                Some(ConferenceKind::Initial) => {
                    if let Some(s) = &c.section47_id {
                        icpc_of_s47.insert(s.as_str(), c.held_on);
                    }
                }
                Some(ConferenceKind::Review) => {
                    if let Some(p) = &c.cp_plan_id {
                        let e = latest_review_of_plan.entry(p.as_str()).or_insert(c.held_on);
                        *e = (*e).max(c.held_on);
                    }
                }
                None => {}
            }
        }
        Index {
            episodes: referrals.iter().map(|e| (e.id.as_str(), e)).collect(),
            icpc_of_s47,
            conference_on,
            latest_review_of_plan,
        }
    }
}

/// Whether an enquiry still needs its initial conference: no ICPC linked to it and no outcome
/// saying one is not required (census 8868).
pub(crate) fn needs_icpc(s: &Section47Brief, has_icpc: bool) -> bool {
    let not_required = s
        .outcome
        .as_deref()
        .and_then(Section47Outcome::from_code)
        .is_some_and(|o| o.icpc_not_required());
    !has_icpc && !not_required
}

/// Every line of work in these episodes, computed from the profile in force for each.
pub(crate) fn episode_items(
    referrals: &[ReferralRow],
    r: &EpisodeRecords,
    ts: &Timescales,
    today: NaiveDate,
) -> Vec<WorkItem> {
    let ix = Index::new(referrals, r);
    let mut items = Vec::new();
    assessment_items(&ix, &r.assessments, ts, today, &mut items);
    section47_items(&ix, &r.section47, ts, today, &mut items);
    cp_plan_items(&ix, r, ts, today, &mut items);
    cin_plan_items(&ix, r, ts, today, &mut items);
    closure_items(&ix, &r.closures, &mut items);
    items
}

fn assessment_items(
    ix: &Index<'_>,
    rows: &[AssessmentBrief],
    ts: &Timescales,
    today: NaiveDate,
    items: &mut Vec<WorkItem>,
) {
    for a in rows {
        let Some(episode) = ix.episodes.get(a.referral_id.as_str()) else {
            continue;
        };
        let (Some(kind), Some(status)) = (
            AssessmentKind::from_code(&a.kind),
            AssessmentStatus::from_code(&a.status),
        ) else {
            continue;
        };
        let due = ts.for_referral(episode.referral_date).assessment_due(
            &ts.calendar,
            kind,
            episode.referral_date,
            a.started_on,
        );
        let (work, what) = match status {
            AssessmentStatus::InProgress => (
                WorkKind::Assessment,
                format!("{}: complete and submit", kind.label()),
            ),
            AssessmentStatus::Returned => (
                WorkKind::ReturnedAssessment,
                format!("{} returned for changes", kind.label()),
            ),
            AssessmentStatus::Submitted => (
                WorkKind::AuthoriseAssessment,
                format!("Authorise the {}", kind.label().to_lowercase()),
            ),
            AssessmentStatus::Authorised => continue,
        };
        items.push(timed(
            work,
            what,
            episode,
            Some(a.worker_id.clone()),
            due,
            format!("/assessments/{}", a.id),
            today,
        ));
    }
}

fn section47_items(
    ix: &Index<'_>,
    rows: &[Section47Brief],
    ts: &Timescales,
    today: NaiveDate,
    items: &mut Vec<WorkItem>,
) {
    for s in rows {
        let Some(episode) = ix.episodes.get(s.referral_id.as_str()) else {
            continue;
        };
        let href = format!("/section47/{}", s.id);
        if needs_icpc(s, ix.icpc_of_s47.contains_key(s.id.as_str())) {
            let due = ts
                .for_referral(episode.referral_date)
                .icpc_due(&ts.calendar, s.started_on);
            items.push(timed(
                WorkKind::InitialConference,
                "Initial child protection conference".into(),
                episode,
                episode.worker_id.clone(),
                due,
                href.clone(),
                today,
            ));
        }
        if let (Some(outcome), None) = (&s.outcome, s.signed_off_at) {
            let label =
                Section47Outcome::from_code(outcome).map_or(outcome.as_str(), |o| o.label());
            let since = s.outcome_on.unwrap_or(s.started_on);
            items.push(ready(
                WorkKind::SignOffSection47,
                format!("Sign off the section 47 outcome: {label}"),
                episode,
                s.recorded_by.clone().or_else(|| episode.worker_id.clone()),
                since,
                format!(
                    "Outcome recorded on {}: waiting for a manager's sign-off",
                    format_long(since)
                ),
                href,
            ));
        }
    }
}

fn cp_plan_items(
    ix: &Index<'_>,
    r: &EpisodeRecords,
    ts: &Timescales,
    today: NaiveDate,
    items: &mut Vec<WorkItem>,
) {
    for p in r.cp_plans.iter().filter(|p| p.ended_on.is_none()) {
        let Some(episode) = ix.episodes.get(p.referral_id.as_str()) else {
            continue;
        };
        let profile = ts.for_referral(episode.referral_date);
        let worker = episode.worker_id.clone();
        let latest_visit = r.latest_seen_visit.get(&p.referral_id).map(|t| t.date());
        items.push(timed(
            WorkKind::Visit,
            "Statutory visit (child protection plan)".into(),
            episode,
            worker.clone(),
            profile.visit_due(
                &ts.calendar,
                PlanKind::ChildProtection,
                p.started_on,
                latest_visit,
            ),
            format!("/episodes/{}/visits/new", p.referral_id),
            today,
        ));
        // The plan starts on the day of its initial conference (census 2885).
        let icpc = ix
            .conference_on
            .get(p.initial_conference_id.as_str())
            .copied()
            .unwrap_or(p.started_on);
        let latest_review = ix.latest_review_of_plan.get(p.id.as_str()).copied();
        let href = format!("/cp-plans/{}", p.id);
        items.push(timed(
            WorkKind::ReviewConference,
            "Review child protection conference".into(),
            episode,
            worker.clone(),
            profile.review_conference_due(icpc, latest_review),
            href.clone(),
            today,
        ));
        if !r.first_core_group.contains_key(&p.id) {
            items.push(timed(
                WorkKind::FirstCoreGroup,
                "First core group meeting".into(),
                episode,
                worker,
                profile.first_core_group_due(&ts.calendar, icpc),
                href,
                today,
            ));
        }
    }
}

fn cin_plan_items(
    ix: &Index<'_>,
    r: &EpisodeRecords,
    ts: &Timescales,
    today: NaiveDate,
    items: &mut Vec<WorkItem>,
) {
    for p in r.cin_plans.iter().filter(|p| p.ended_on.is_none()) {
        let Some(episode) = ix.episodes.get(p.referral_id.as_str()) else {
            continue;
        };
        let profile = ts.for_referral(episode.referral_date);
        let latest_visit = r.latest_seen_visit.get(&p.referral_id).map(|t| t.date());
        items.push(timed(
            WorkKind::Visit,
            "Visit (child in need plan)".into(),
            episode,
            episode.worker_id.clone(),
            profile.visit_due(
                &ts.calendar,
                PlanKind::ChildInNeed,
                p.started_on,
                latest_visit,
            ),
            format!("/episodes/{}/visits/new", p.referral_id),
            today,
        ));
        items.push(timed(
            WorkKind::CinPlanReview,
            "Child in need plan review".into(),
            episode,
            episode.worker_id.clone(),
            profile.cin_review_due(p.started_on, r.latest_cin_review.get(&p.id).copied()),
            format!("/cin-plans/{}", p.id),
            today,
        ));
    }
}

/// The latest request of each episode decides: a returned one is back with its author, an
/// awaiting one is with the managers.
fn closure_items(ix: &Index<'_>, rows: &[EpisodeClosureRow], items: &mut Vec<WorkItem>) {
    let mut latest: HashMap<&str, &EpisodeClosureRow> = HashMap::new();
    for c in rows {
        let e = latest.entry(c.referral_id.as_str()).or_insert(c);
        if c.requested_at >= e.requested_at {
            *e = c;
        }
    }
    for c in latest.values() {
        let Some(episode) = ix.episodes.get(c.referral_id.as_str()) else {
            continue;
        };
        let href = format!("/episodes/{}/close", c.referral_id);
        match ClosureStatus::from_code(&c.status) {
            Some(ClosureStatus::Returned) => {
                let since = c.decided_at.map_or(c.requested_at.date(), |t| t.date());
                items.push(ready(
                    WorkKind::ReturnedClosure,
                    "Closure returned for changes".into(),
                    episode,
                    Some(c.requested_by.clone()),
                    since,
                    format!("Returned by a manager on {}", format_long(since)),
                    href,
                ));
            }
            Some(ClosureStatus::AwaitingAuthorisation) => {
                let since = c.requested_at.date();
                items.push(ready(
                    WorkKind::AuthoriseClosure,
                    "Authorise the closure of the episode".into(),
                    episode,
                    Some(c.requested_by.clone()),
                    since,
                    format!("Closure requested on {}", format_long(since)),
                    href,
                ));
            }
            _ => {}
        }
    }
}

/// Open actions as lines of work for their owners.
pub(crate) fn action_items(actions: &[CaseActionRow], today: NaiveDate) -> Vec<WorkItem> {
    actions
        .iter()
        .filter(|a| a.status == "open")
        .map(|a| {
            let source = ActionSource::from_code(&a.source_kind);
            WorkItem {
                kind: WorkKind::Action,
                what: format!("Action: {}", a.description),
                person_id: a.person_id.clone(),
                child_name: String::new(),
                referral_id: None,
                worker_id: a.owner_user_id.clone(),
                worker_name: a.owner_name.clone(),
                due_on: a.due_on,
                basis: action_basis(source, &a.source_kind),
                days_overdue: days_late(a.due_on, today),
                href: action_href(source, a),
            }
        })
        .collect()
}

/// Where an action's due date came from, in words.
fn action_basis(source: Option<ActionSource>, code: &str) -> String {
    match source {
        Some(ActionSource::Oversight) => "Agreed in a management decision with this date".into(),
        Some(ActionSource::Supervision) => "Agreed in supervision with this date".into(),
        Some(s) => format!("Agreed at the {} with this date", s.label().to_lowercase()),
        None => format!("Agreed at the {code} with this date"),
    }
}

/// Where a line of work for an action leads: an action agreed in a management decision or in
/// supervision to that record on the child's "Oversight and supervision" tab (which links to
/// the action itself, to close it); any other to the action's own page.
fn action_href(source: Option<ActionSource>, a: &CaseActionRow) -> String {
    match source {
        Some(ActionSource::Oversight | ActionSource::Supervision) => {
            format!("/people/{}/oversight#action-{}", a.person_id, a.id)
        }
        _ => format!("/actions/{}", a.id),
    }
}

/// Fills in children's and workers' names: one query each for the whole list.
fn name_items(c: &mut DbConn, items: &mut [WorkItem]) -> ServiceResult<()> {
    let people: HashSet<String> = items.iter().map(|i| i.person_id.clone()).collect();
    let people: Vec<String> = people.into_iter().collect();
    let children: HashMap<String, String> = repo::names_of_people(c, &people)?
        .into_iter()
        .map(|p| {
            // The same rule as a person's own page: an unborn child has no given name yet.
            let name = if p.date_of_birth.is_none() && p.expected_date_of_birth.is_some() {
                unborn_display_name(&p.family_name)
            } else {
                display_name(&p.given_names, &p.family_name)
            };
            (p.id, name)
        })
        .collect();
    let workers: HashSet<String> = items.iter().filter_map(|i| i.worker_id.clone()).collect();
    let workers: Vec<String> = workers.into_iter().collect();
    let names = cairn_db::users::display_names(c, &workers)?;
    for item in items.iter_mut() {
        item.child_name = children.get(&item.person_id).cloned().unwrap_or_default();
        if let Some(name) = item.worker_id.as_ref().and_then(|w| names.get(w)) {
            item.worker_name = name.clone();
        } else if item.worker_name.is_empty() {
            item.worker_name = "Not allocated".into();
        }
    }
    Ok(())
}

/// A worker's list, plus for managers what is waiting for them in their team.
#[derive(Clone, Debug, Serialize)]
pub struct MyWork {
    pub items: Vec<WorkItem>,
    pub counts: WorkCounts,
    /// Whether the list includes work to authorise (the user is a manager with a team).
    pub authorises: bool,
}

/// The numbers behind "My work (3 overdue)".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WorkCounts {
    /// The user's own lines of work.
    pub total: usize,
    pub overdue: usize,
    /// Lines waiting for the user as a manager.
    pub to_authorise: usize,
}

impl WorkCounts {
    fn of(items: &[WorkItem]) -> WorkCounts {
        WorkCounts {
            total: items.iter().filter(|i| !i.to_authorise()).count(),
            overdue: items
                .iter()
                .filter(|i| !i.to_authorise() && i.is_overdue())
                .count(),
            to_authorise: items.iter().filter(|i| i.to_authorise()).count(),
        }
    }
}

/// The user's own lines: work in the episodes they hold (and assessments they are writing in
/// others' episodes) and the actions they own. Names are not filled in.
fn own_items(
    c: &mut DbConn,
    user_id: &str,
    ts: &Timescales,
    today: NaiveDate,
) -> ServiceResult<Vec<WorkItem>> {
    let mut episodes = repo::open_episodes_for_worker(c, user_id)?;
    episodes.extend(repo::open_episodes_with_assessments_by(c, user_id)?);
    let mut items = if episodes.is_empty() {
        Vec::new()
    } else {
        let ids: Vec<String> = episodes.iter().map(|e| e.id.clone()).collect();
        let records = repo::for_open_work(c, &ids)?;
        episode_items(&episodes, &records, ts, today)
    };
    items.retain(|i| !i.to_authorise() && i.worker_id.as_deref() == Some(user_id));
    let actions = action_repo::open_for_owners(c, &[user_id.to_string()])?;
    items.extend(action_items(&actions, today));
    Ok(items)
}

/// Everything in a team's open episodes, and the open actions of `members`; also how many
/// episodes are open.
fn team_items(
    c: &mut DbConn,
    team_id: &str,
    members: &[String],
    ts: &Timescales,
    today: NaiveDate,
) -> ServiceResult<TeamRead> {
    let episodes = repo::open_episodes_for_team(c, team_id)?;
    let ids: Vec<String> = episodes.iter().map(|e| e.id.clone()).collect();
    let records = repo::for_open_work(c, &ids)?;
    let mut items = episode_items(&episodes, &records, ts, today);
    let actions = action_repo::open_for_owners(c, members)?;
    items.extend(action_items(&actions, today));
    Ok(TeamRead {
        items,
        episodes: ids,
        records,
    })
}

/// A team's open work as its list reads it: the lines, and the open episodes with the
/// records read for them.
struct TeamRead {
    items: Vec<WorkItem>,
    episodes: Vec<String>,
    records: EpisodeRecords,
}

/// Each team member's overdue casework, and the team's open episodes with the records read
/// for them (the allocation screen weighs the members' work from the same rows).
pub struct TeamOverdue {
    pub by_member: HashMap<String, usize>,
    pub episodes: HashSet<String>,
    pub records: EpisodeRecords,
}

impl TeamOverdue {
    pub fn open_work(&self) -> cairn_db::caseloads::load::OpenWorkRead<'_> {
        cairn_db::caseloads::load::OpenWorkRead {
            episodes: &self.episodes,
            records: &self.records,
        }
    }
}

/// Each team member's overdue casework, counted as their team's work list counts it, without
/// naming or sorting the lines: for the allocation screen, inside its own read.
pub fn overdue_by_member(
    c: &mut DbConn,
    team_id: &str,
    today: NaiveDate,
) -> ServiceResult<TeamOverdue> {
    let ts = Timescales::load(c)?;
    let members: Vec<(String, String)> = cairn_db::users::active_in_team(c, team_id)?
        .into_iter()
        .map(|u| (u.id, String::new()))
        .collect();
    let ids: Vec<String> = members.iter().map(|(id, _)| id.clone()).collect();
    let read = team_items(c, team_id, &ids, &ts, today)?;
    Ok(TeamOverdue {
        by_member: worker_counts(&read.items, &members)
            .into_iter()
            .filter_map(|w| w.worker_id.map(|id| (id, w.overdue)))
            .collect(),
        episodes: read.episodes.into_iter().collect(),
        records: read.records,
    })
}

fn may_authorise_in_team(actor: &Actor) -> Option<String> {
    if actor.may(Action::AuthoriseCasework) {
        actor.team_id.map(|t| t.to_string())
    } else {
        None
    }
}

/// The signed-in user's work, most urgent first. A manager also sees what waits for their
/// sign-off in their team.
pub fn for_user(conn: &mut DbConn, actor: &Actor, today: NaiveDate) -> ServiceResult<MyWork> {
    tx::require(conn, actor, Action::ViewCasework)?;
    let Some(user_id) = actor.user_id_string() else {
        return Ok(MyWork {
            items: Vec::new(),
            counts: WorkCounts::default(),
            authorises: false,
        });
    };
    let team = may_authorise_in_team(actor);
    let mut items = tx::read(conn, actor, |c| {
        let ts = Timescales::load(c)?;
        let mut items = own_items(c, &user_id, &ts, today)?;
        if let Some(team) = &team {
            // Only the team's episodes: what waits for a manager is never an action.
            let team_work = team_items(c, team, &[], &ts, today)?.items;
            items.extend(team_work.into_iter().filter(WorkItem::to_authorise));
        }
        name_items(c, &mut items)?;
        Ok(items)
    })?;
    sort_by_urgency(&mut items);
    let counts = WorkCounts::of(&items);
    audit_after_read(
        conn,
        actor,
        Record::ok("work.view")
            .on("user", &user_id)
            .detail(json!({ "items": items.len(), "overdue": counts.overdue })),
    )?;
    Ok(MyWork {
        items,
        counts,
        authorises: team.is_some(),
    })
}

/// The navigation badge's numbers. Runs on every page, so it is a few small indexed queries,
/// reads no names and writes no audit row; people who hold no cases get zeros at once.
pub fn counts_for_user(
    conn: &mut DbConn,
    actor: &Actor,
    today: NaiveDate,
) -> ServiceResult<WorkCounts> {
    let holds_cases = actor.may(Action::RecordCasework);
    let team = may_authorise_in_team(actor);
    let Some(user_id) = actor
        .user_id_string()
        .filter(|_| holds_cases || team.is_some())
    else {
        return Ok(WorkCounts::default());
    };
    conn.read(|c| {
        let mut counts = WorkCounts::default();
        if holds_cases {
            let ts = Timescales::load(c)?;
            counts = WorkCounts::of(&own_items(c, &user_id, &ts, today)?);
        }
        if let Some(team) = &team {
            let waiting = repo::awaiting_manager_in_team(c, team)?.total();
            counts.to_authorise = usize::try_from(waiting).unwrap_or(0);
        }
        Ok(counts)
    })
}

/// One member of a team and how much they have due.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorkerCount {
    /// None for work in episodes not yet allocated to anyone.
    pub worker_id: Option<String>,
    pub name: String,
    pub total: usize,
    pub overdue: usize,
    pub to_authorise: usize,
}

/// A team's work: every line, and counts per worker.
#[derive(Clone, Debug, Serialize)]
pub struct TeamWork {
    pub team_id: String,
    pub team_name: String,
    pub items: Vec<WorkItem>,
    pub workers: Vec<WorkerCount>,
    pub open_episodes: usize,
}

fn worker_counts(items: &[WorkItem], members: &[(String, String)]) -> Vec<WorkerCount> {
    let mut out: Vec<WorkerCount> = members
        .iter()
        .map(|(id, name)| WorkerCount {
            worker_id: Some(id.clone()),
            name: name.clone(),
            total: 0,
            overdue: 0,
            to_authorise: 0,
        })
        .collect();
    for item in items {
        let at = match out.iter().position(|w| w.worker_id == item.worker_id) {
            Some(at) => at,
            None => {
                out.push(WorkerCount {
                    worker_id: item.worker_id.clone(),
                    name: item.worker_name.clone(),
                    total: 0,
                    overdue: 0,
                    to_authorise: 0,
                });
                out.len() - 1
            }
        };
        let w = &mut out[at];
        if item.to_authorise() {
            w.to_authorise += 1;
        } else {
            w.total += 1;
            if item.is_overdue() {
                w.overdue += 1;
            }
        }
    }
    out
}

/// A team's work for its managers. A team manager sees their own team; a service manager
/// may look at any team (`team_id`), their own by default.
pub fn for_team(
    conn: &mut DbConn,
    actor: &Actor,
    team_id: Option<&str>,
    today: NaiveDate,
) -> ServiceResult<TeamWork> {
    tx::require(conn, actor, Action::ViewTeamWork)?;
    let own = actor.team_id.map(|t| t.to_string());
    let team_id = match (team_id.filter(|t| !t.is_empty()), &own) {
        (Some(t), Some(own)) if t == own => Ok(own.clone()),
        (Some(t), _) if actor.role == Role::ServiceManager => Ok(t.to_string()),
        // A team manager oversees their own team's children only.
        (Some(t), _) => Err(ServiceError::Denied {
            action: Action::ViewTeamWork,
            entity_type: Some("team".into()),
            entity_id: Some(t.to_string()),
            person_id: None,
        }),
        (None, Some(own)) => Ok(own.clone()),
        (None, None) => Err(ServiceError::invalid(
            "team",
            "You are not in a team: choose a team to see its work",
        )),
    };
    let result = tx::read(conn, actor, |c| {
        let team_id = team_id?;
        let team = cairn_db::organisation::find_team(c, &team_id)?
            .ok_or(ServiceError::NotFound("The team"))?;
        let ts = Timescales::load(c)?;
        let users = cairn_db::users::active_in_team(c, &team_id)?;
        let member_ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
        let read = team_items(c, &team_id, &member_ids, &ts, today)?;
        let (mut items, open_episodes) = (read.items, read.episodes.len());
        name_items(c, &mut items)?;
        sort_by_urgency(&mut items);
        let members: Vec<(String, String)> = users
            .into_iter()
            .filter(|u| Role::from_code(&u.role).is_some_and(permits_cases))
            .map(|u| (u.id, u.display_name))
            .collect();
        Ok(TeamWork {
            workers: worker_counts(&items, &members),
            team_id: team.id,
            team_name: team.name,
            items,
            open_episodes,
        })
    })?;
    audit_after_read(
        conn,
        actor,
        Record::ok("team_work.view")
            .on("team", &result.team_id)
            .detail(json!({ "items": result.items.len() })),
    )?;
    Ok(result)
}

fn permits_cases(role: Role) -> bool {
    cairn_domain::policy::permits(role, Action::RecordCasework)
}

/// An assessment with the date it must be authorised by (none once it is).
#[derive(Clone, Debug, Serialize)]
pub struct AssessmentLine {
    #[serde(flatten)]
    pub row: AssessmentBrief,
    pub due: Option<Due>,
    pub overdue: bool,
}

/// An enquiry with its conference target and what happened.
#[derive(Clone, Debug, Serialize)]
pub struct Section47Line {
    #[serde(flatten)]
    pub row: Section47Brief,
    /// The census `InitialCPCtarget`.
    pub icpc_target: Due,
    pub icpc_on: Option<NaiveDate>,
    pub icpc_not_required: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ClosureLine {
    #[serde(flatten)]
    pub row: EpisodeClosureRow,
    pub requested_by_name: String,
    pub decided_by_name: String,
}

/// One episode and everything in it, for its page.
#[derive(Clone, Debug, Serialize)]
pub struct EpisodeView {
    pub referral: ReferralRow,
    pub child: PersonSummary,
    pub team_name: String,
    pub worker_name: Option<String>,
    pub assessments: Vec<AssessmentLine>,
    pub strategy_discussions: Vec<StrategyBrief>,
    pub section47: Vec<Section47Line>,
    pub conferences: Vec<ConferenceBrief>,
    pub cp_plans: Vec<CpPlanBrief>,
    pub cin_plans: Vec<CinPlanBrief>,
    pub visits: Vec<VisitBrief>,
    /// Open actions about the child.
    pub open_actions: Vec<CaseActionRow>,
    pub closures: Vec<ClosureLine>,
    /// What falls due in the episode, most urgent first.
    pub due: Vec<WorkItem>,
    /// What must be finished before the episode can close.
    pub blockers: Vec<Blocker>,
    /// The earliest date the episode may close on (census 8565), and what happened that day.
    pub earliest_closure_on: NaiveDate,
    pub earliest_closure_basis: String,
    /// Staff names by user id, for who chaired, visited or recorded what.
    pub staff: HashMap<String, String>,
}

impl EpisodeView {
    pub fn awaiting_closure(&self) -> Option<&ClosureLine> {
        self.closures
            .iter()
            .rev()
            .find(|c| c.row.status == ClosureStatus::AwaitingAuthorisation.code())
    }

    pub fn staff_name(&self, user_id: &str) -> String {
        self.staff.get(user_id).cloned().unwrap_or_default()
    }
}

/// The episode page: the referral, its child and every record in it. An audited read of the
/// child's record.
pub fn episode(conn: &mut DbConn, actor: &Actor, referral_id: &str) -> ServiceResult<EpisodeView> {
    episode_on(conn, actor, referral_id, today())
}

/// [`episode`] with due dates as of `today`.
pub fn episode_on(
    conn: &mut DbConn,
    actor: &Actor,
    referral_id: &str,
    today: NaiveDate,
) -> ServiceResult<EpisodeView> {
    let view = tx::read(conn, actor, |c| {
        let referral =
            referral_repo::find(c, referral_id)?.ok_or(ServiceError::NotFound("The episode"))?;
        if !actor.may(Action::ViewCasework) {
            return Err(ServiceError::denied_on_person(
                Action::ViewCasework,
                &referral.person_id,
            ));
        }
        load_episode(c, referral, today)
    })?;
    audit_after_read(
        conn,
        actor,
        Record::ok("episode.view")
            .on("referral", referral_id)
            .person(&view.referral.person_id),
    )?;
    Ok(view)
}

fn load_episode(
    c: &mut DbConn,
    referral: ReferralRow,
    today: NaiveDate,
) -> ServiceResult<EpisodeView> {
    let person = cairn_db::people::find(c, &referral.person_id)?
        .ok_or(ServiceError::NotFound("The child"))?;
    let records = repo::for_referral(c, &referral.id)?;
    let actions: Vec<CaseActionRow> = action_repo::for_person(c, &referral.person_id)?
        .into_iter()
        .filter(|a| a.status == "open")
        .collect();
    let ts = Timescales::load(c)?;
    let team_name = cairn_db::organisation::find_team(c, &referral.team_id)?
        .map(|t| t.name)
        .unwrap_or_default();
    let staff = cairn_db::users::display_names(c, &staff_ids(&referral, &records))?;
    let child = PersonSummary::from_row(&person);
    let mut due = episode_items(std::slice::from_ref(&referral), &records, &ts, today);
    due.extend(action_items(&actions, today));
    for item in &mut due {
        item.child_name = child.display_name.clone();
        if let Some(name) = item.worker_id.as_ref().and_then(|w| staff.get(w)) {
            item.worker_name = name.clone();
        }
    }
    sort_by_urgency(&mut due);
    let (earliest_closure_on, earliest_closure_basis) =
        closure::earliest_closure_date(&referral, &records);
    Ok(EpisodeView {
        child,
        team_name,
        worker_name: referral
            .worker_id
            .as_ref()
            .and_then(|w| staff.get(w).cloned()),
        assessments: assessment_lines(&referral, &records, &ts, today),
        strategy_discussions: records.strategy_discussions.clone(),
        section47: section47_lines(&referral, &records, &ts),
        conferences: records.conferences.clone(),
        cp_plans: records.cp_plans.clone(),
        cin_plans: records.cin_plans.clone(),
        visits: records.visits.clone(),
        closures: closure_lines(&records, &staff),
        blockers: closure::blockers(&records, &actions),
        open_actions: actions,
        due,
        earliest_closure_on,
        earliest_closure_basis,
        staff,
        referral,
    })
}

fn assessment_lines(
    referral: &ReferralRow,
    records: &EpisodeRecords,
    ts: &Timescales,
    today: NaiveDate,
) -> Vec<AssessmentLine> {
    let profile = ts.for_referral(referral.referral_date);
    records
        .assessments
        .iter()
        .map(|a| {
            let due = AssessmentKind::from_code(&a.kind)
                .filter(|_| a.status != AssessmentStatus::Authorised.code())
                .map(|k| {
                    profile.assessment_due(&ts.calendar, k, referral.referral_date, a.started_on)
                });
            AssessmentLine {
                overdue: due.as_ref().is_some_and(|d| d.is_overdue(today)),
                due,
                row: a.clone(),
            }
        })
        .collect()
}

fn section47_lines(
    referral: &ReferralRow,
    records: &EpisodeRecords,
    ts: &Timescales,
) -> Vec<Section47Line> {
    let profile = ts.for_referral(referral.referral_date);
    let ix = Index::new(std::slice::from_ref(referral), records);
    records
        .section47
        .iter()
        .map(|s| {
            let icpc_on = ix.icpc_of_s47.get(s.id.as_str()).copied();
            Section47Line {
                icpc_target: profile.icpc_due(&ts.calendar, s.started_on),
                icpc_not_required: icpc_on.is_none() && !needs_icpc(s, false),
                icpc_on,
                row: s.clone(),
            }
        })
        .collect()
}

fn closure_lines(records: &EpisodeRecords, staff: &HashMap<String, String>) -> Vec<ClosureLine> {
    let name = |id: Option<&String>| id.and_then(|i| staff.get(i).cloned()).unwrap_or_default();
    records
        .closures
        .iter()
        .map(|row| ClosureLine {
            requested_by_name: name(Some(&row.requested_by)),
            decided_by_name: name(row.decided_by.as_ref()),
            row: row.clone(),
        })
        .collect()
}

fn staff_ids(referral: &ReferralRow, r: &EpisodeRecords) -> Vec<String> {
    let mut ids: HashSet<String> = HashSet::new();
    ids.extend(referral.worker_id.clone());
    ids.extend(r.assessments.iter().map(|a| a.worker_id.clone()));
    ids.extend(r.strategy_discussions.iter().map(|s| s.chaired_by.clone()));
    ids.extend(r.visits.iter().map(|v| v.worker_id.clone()));
    for c in &r.closures {
        ids.insert(c.requested_by.clone());
        ids.extend(c.decided_by.clone());
    }
    ids.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(days_overdue: i64, due: (i32, u32, u32), child: &str) -> WorkItem {
        WorkItem {
            kind: WorkKind::Visit,
            what: "Visit".into(),
            person_id: child.into(),
            child_name: child.into(),
            referral_id: None,
            worker_id: None,
            worker_name: String::new(),
            due_on: NaiveDate::from_ymd_opt(due.0, due.1, due.2).unwrap_or_default(),
            basis: String::new(),
            days_overdue,
            href: String::new(),
        }
    }

    #[test]
    fn the_latest_comes_first_then_the_soonest() {
        let mut items = vec![
            item(0, (2026, 5, 1), "due later"),
            item(2, (2026, 3, 10), "two days late"),
            item(0, (2026, 3, 20), "due soon"),
            item(9, (2026, 3, 3), "nine days late"),
        ];
        sort_by_urgency(&mut items);
        let order: Vec<&str> = items.iter().map(|i| i.child_name.as_str()).collect();
        assert_eq!(
            order,
            vec!["nine days late", "two days late", "due soon", "due later"]
        );
    }

    #[test]
    fn an_outcome_that_needs_no_conference_closes_the_enquiry() {
        let mut s = Section47Brief {
            id: "s".into(),
            referral_id: "r".into(),
            person_id: "p".into(),
            strategy_discussion_id: "d".into(),
            started_on: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default(),
            outcome: None,
            outcome_on: None,
            recorded_by: None,
            signed_off_by: None,
            signed_off_at: None,
        };
        assert!(needs_icpc(&s, false));
        assert!(!needs_icpc(&s, true));
        s.outcome = Some("continuing_risk_icpc".into());
        assert!(needs_icpc(&s, false));
        s.outcome = Some("not_substantiated".into());
        assert!(!needs_icpc(&s, false));
    }
}

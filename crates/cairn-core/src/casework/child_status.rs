//! A child's current status, for the top of their page: the open episode and who holds it,
//! any open child protection or child in need plan, the key dates with what is overdue, and
//! a link to every casework record in every episode.
//!
//! Read with one query per kind of record, by the `person_id` indexes, so a child with years
//! of history costs the same dozen queries as a child referred yesterday.

use cairn_db::DbConn;
use cairn_db::casework::actions::{self as action_repo, CaseActionRow};
use cairn_db::casework::work::{self as repo, CinPlanBrief, CpPlanBrief, EpisodeRecords};
use cairn_db::front_door::referrals::ReferralRow;
use cairn_domain::casework::{
    AssessmentKind, AssessmentStatus, ConferenceDecision, ConferenceKind, Section47Outcome,
    StrategyDecision,
};
use cairn_domain::codes::{CategoryOfAbuse, ReasonForClosure};
use cairn_domain::policy::Action;
use chrono::NaiveDate;
use serde::Serialize;

use super::Timescales;
use super::my_work::{WorkItem, WorkKind, action_items, episode_items, sort_by_urgency};
use crate::actor::Actor;
use crate::error::ServiceResult;

/// The open episode and who holds it.
#[derive(Clone, Debug, Serialize)]
pub struct OpenEpisode {
    pub referral_id: String,
    pub referral_date: NaiveDate,
    pub team_name: String,
    pub worker_id: Option<String>,
    pub worker_name: Option<String>,
}

/// A link to one casework record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordLink {
    pub date: NaiveDate,
    pub what: String,
    pub status: String,
    pub href: String,
}

/// One episode and its records, newest first.
#[derive(Clone, Debug, Serialize)]
pub struct EpisodeHistory {
    pub referral_id: String,
    pub referral_date: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub closure_reason: Option<String>,
    pub records: Vec<RecordLink>,
}

impl EpisodeHistory {
    pub fn closure_label(&self) -> String {
        self.closure_reason
            .as_deref()
            .map(|r| {
                ReasonForClosure::from_code(r)
                    .map_or_else(|| r.to_string(), |c| format!("{} ({r})", c.label()))
            })
            .unwrap_or_default()
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ChildStatus {
    pub open_episode: Option<OpenEpisode>,
    pub cp_plan: Option<CpPlanBrief>,
    pub cin_plan: Option<CinPlanBrief>,
    /// The open episode's next dates (visit, review, assessment, conference target), soonest
    /// first, each with how it was worked out.
    pub key_dates: Vec<WorkItem>,
    /// Key dates and open actions about the child that have passed.
    pub overdue: Vec<WorkItem>,
    pub episodes: Vec<EpisodeHistory>,
}

impl ChildStatus {
    pub fn cp_category(&self) -> String {
        self.cp_plan
            .as_ref()
            .map(|p| {
                CategoryOfAbuse::from_code(&p.latest_category)
                    .map_or_else(|| p.latest_category.clone(), |c| c.label().to_string())
            })
            .unwrap_or_default()
    }

    pub fn has_history(&self) -> bool {
        !self.episodes.is_empty()
    }
}

/// Reads the child's status inside the caller's read. `person_id` must already be known to
/// exist and to be visible to the caller (the person view checks both).
pub fn for_person(c: &mut DbConn, person_id: &str, today: NaiveDate) -> ServiceResult<ChildStatus> {
    let referrals = repo::referrals_of_person(c, person_id)?;
    if referrals.is_empty() {
        return Ok(ChildStatus {
            open_episode: None,
            cp_plan: None,
            cin_plan: None,
            key_dates: Vec::new(),
            overdue: Vec::new(),
            episodes: Vec::new(),
        });
    }
    let ids: Vec<String> = referrals.iter().map(|r| r.id.clone()).collect();
    let records = repo::for_person(c, person_id, &ids)?;
    let actions: Vec<CaseActionRow> = action_repo::for_person(c, person_id)?
        .into_iter()
        .filter(|a| a.status == "open")
        .collect();
    let open = referrals.iter().find(|r| r.closed_on.is_none()).cloned();
    let (open_episode, mut key_dates) = match &open {
        Some(episode) => open_status(c, episode, &records, today)?,
        None => (None, Vec::new()),
    };
    sort_by_urgency(&mut key_dates);
    let mut overdue: Vec<WorkItem> = key_dates
        .iter()
        .filter(|i| i.is_overdue())
        .cloned()
        .chain(
            action_items(&actions, today)
                .into_iter()
                .filter(WorkItem::is_overdue),
        )
        .collect();
    sort_by_urgency(&mut overdue);
    Ok(ChildStatus {
        open_episode,
        cp_plan: records
            .cp_plans
            .iter()
            .find(|p| p.ended_on.is_none())
            .cloned(),
        cin_plan: records
            .cin_plans
            .iter()
            .find(|p| p.ended_on.is_none())
            .cloned(),
        key_dates,
        overdue,
        episodes: referrals.iter().map(|r| history(r, &records)).collect(),
    })
}

/// The child's status for someone viewing their page: `None` when their role does not see
/// casework. Read in its own read transaction; the person view's audit row covers it.
pub fn view(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    today: NaiveDate,
) -> ServiceResult<Option<ChildStatus>> {
    if !actor.may(Action::ViewCasework) {
        return Ok(None);
    }
    conn.read(|c| for_person(c, person_id, today).map(Some))
}

fn open_status(
    c: &mut DbConn,
    episode: &ReferralRow,
    records: &EpisodeRecords,
    today: NaiveDate,
) -> ServiceResult<(Option<OpenEpisode>, Vec<WorkItem>)> {
    let ts = Timescales::load(c)?;
    let team_name = cairn_db::organisation::find_team(c, &episode.team_id)?
        .map(|t| t.name)
        .unwrap_or_default();
    let worker_name = match &episode.worker_id {
        Some(w) => cairn_db::users::display_names(c, std::slice::from_ref(w))?
            .get(w)
            .cloned(),
        None => None,
    };
    let open = records.of_episode(&episode.id);
    let items: Vec<WorkItem> = episode_items(std::slice::from_ref(episode), &open, &ts, today)
        .into_iter()
        .filter(|i| {
            !matches!(
                i.kind,
                WorkKind::ReturnedClosure | WorkKind::AuthoriseClosure | WorkKind::SignOffSection47
            )
        })
        .collect();
    Ok((
        Some(OpenEpisode {
            referral_id: episode.id.clone(),
            referral_date: episode.referral_date,
            team_name,
            worker_id: episode.worker_id.clone(),
            worker_name,
        }),
        items,
    ))
}

fn label<'a>(code: &'a str, label: Option<&'static str>) -> &'a str {
    label.unwrap_or(code)
}

/// Every record of one episode as a link, newest first.
fn history(referral: &ReferralRow, all: &EpisodeRecords) -> EpisodeHistory {
    let r = all.of_episode(&referral.id);
    let mut records = Vec::new();
    for a in &r.assessments {
        records.push(RecordLink {
            date: a.started_on,
            what: label(
                &a.kind,
                AssessmentKind::from_code(&a.kind).map(|k| k.label()),
            )
            .into(),
            status: label(
                &a.status,
                AssessmentStatus::from_code(&a.status).map(|s| s.label()),
            )
            .into(),
            href: format!("/assessments/{}", a.id),
        });
    }
    for s in &r.strategy_discussions {
        records.push(RecordLink {
            date: s.held_at.date(),
            what: "Strategy discussion".into(),
            status: label(
                &s.decision,
                StrategyDecision::from_code(&s.decision).map(|d| d.label()),
            )
            .into(),
            href: format!("/strategy-discussions/{}", s.id),
        });
    }
    for s in &r.section47 {
        records.push(RecordLink {
            date: s.started_on,
            what: "Section 47 enquiry".into(),
            status: s
                .outcome
                .as_deref()
                .map_or("Outcome not yet recorded", |o| {
                    label(o, Section47Outcome::from_code(o).map(|x| x.label()))
                })
                .into(),
            href: format!("/section47/{}", s.id),
        });
    }
    for c in &r.conferences {
        records.push(RecordLink {
            date: c.held_on,
            what: label(
                &c.kind,
                ConferenceKind::from_code(&c.kind).map(|k| k.label()),
            )
            .into(),
            status: label(
                &c.decision,
                ConferenceDecision::from_code(&c.decision).map(|d| d.label()),
            )
            .into(),
            href: format!("/conferences/{}", c.id),
        });
    }
    for p in &r.cp_plans {
        records.push(RecordLink {
            date: p.started_on,
            what: "Child protection plan".into(),
            status: plan_status(p.ended_on),
            href: format!("/cp-plans/{}", p.id),
        });
    }
    for p in &r.cin_plans {
        records.push(RecordLink {
            date: p.started_on,
            what: "Child in need plan".into(),
            status: plan_status(p.ended_on),
            href: format!("/cin-plans/{}", p.id),
        });
    }
    for v in &r.visits {
        records.push(RecordLink {
            date: v.visited_at.date(),
            what: "Visit".into(),
            status: match (v.child_seen, v.seen_alone) {
                (true, true) => "Child seen alone",
                (true, false) => "Child seen",
                _ => "Child not seen",
            }
            .into(),
            href: format!("/visits/{}", v.id),
        });
    }
    records.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.href.cmp(&b.href)));
    EpisodeHistory {
        referral_id: referral.id.clone(),
        referral_date: referral.referral_date,
        closed_on: referral.closed_on,
        closure_reason: referral.closure_reason.clone(),
        records,
    }
}

fn plan_status(ended_on: Option<NaiveDate>) -> String {
    match ended_on {
        Some(d) => format!("Ended {}", cairn_domain::dates::format_long(d)),
        None => "Open".into(),
    }
}

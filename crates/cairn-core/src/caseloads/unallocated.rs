//! Unallocated work: the children each team has not yet given a worker, how long each has
//! waited in working days and how the front door rated them; and the escalation to the
//! service managers of every child waiting longer than the workload model allows.

use std::collections::HashMap;

use cairn_db::DbConn;
use cairn_db::caseloads::unallocated::{self as repo, WaitingCase};
use cairn_domain::policy::Action;
use cairn_domain::roles::Role;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Value, json};

use super::notifications::{self, Notice};
use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::casework::{audit_after_read, statutory_calendar};
use crate::error::{ServiceError, ServiceResult};
use crate::jobs::{JobError, JobHandler};
use crate::search::PersonSummary;
use crate::tx;

/// One child waiting for a worker.
#[derive(Clone, Debug, Serialize)]
pub struct WaitingChild {
    pub child: PersonSummary,
    pub referral_id: String,
    pub referral_date: NaiveDate,
    pub team_id: String,
    pub team_name: String,
    pub waiting_since: NaiveDate,
    /// Working days from `waiting_since` to today (the day itself not counted).
    pub working_days: i64,
    /// The front door's rating ("Red: Child protection"), or "Not rated".
    pub risk: String,
    pub rag: Option<String>,
    /// Waited past the model's escalation time.
    pub escalated: bool,
}

/// The unallocated list.
#[derive(Clone, Debug, Serialize)]
pub struct Unallocated {
    /// None: every team.
    pub team_id: Option<String>,
    pub team_name: Option<String>,
    /// Active teams to choose from.
    pub teams: Vec<(String, String)>,
    /// Oldest first.
    pub children: Vec<WaitingChild>,
    pub escalate_after_working_days: u32,
}

fn risk_of(w: &WaitingCase) -> String {
    let rag = w.rag.as_deref().map(|r| {
        let mut c = r.chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    });
    match (rag, &w.level) {
        (Some(r), Some(l)) => format!("{r}: {l}"),
        (Some(r), None) => r,
        (None, Some(l)) => l.clone(),
        (None, None) => "Not rated".into(),
    }
}

/// Open episodes nobody holds, with their wait, as of `today`. Children entered in error are
/// left out.
fn waiting_children(
    c: &mut DbConn,
    team_id: Option<&str>,
    today: NaiveDate,
    escalate_after: u32,
) -> ServiceResult<Vec<WaitingChild>> {
    let rows = repo::waiting(c, team_id)?;
    let ids: Vec<String> = rows.iter().map(|r| r.referral.person_id.clone()).collect();
    let people: HashMap<String, PersonSummary> = cairn_db::people::find_many(c, &ids)?
        .iter()
        .filter(|p| p.entered_in_error_at.is_none())
        .map(|p| (p.id.clone(), PersonSummary::from_row(p)))
        .collect();
    let teams: HashMap<String, String> = cairn_db::organisation::list_teams(c)?
        .into_iter()
        .map(|t| (t.team.id, t.team.name))
        .collect();
    let calendar = statutory_calendar();
    Ok(rows
        .into_iter()
        .filter_map(|w| {
            let child = people.get(&w.referral.person_id)?.clone();
            let working_days = calendar.working_days_between(w.waiting_since, today).max(0);
            Some(WaitingChild {
                risk: risk_of(&w),
                rag: w.rag.clone(),
                team_name: teams
                    .get(&w.referral.team_id)
                    .cloned()
                    .unwrap_or_else(|| w.referral.team_id.clone()),
                team_id: w.referral.team_id.clone(),
                referral_id: w.referral.id.clone(),
                referral_date: w.referral.referral_date,
                waiting_since: w.waiting_since,
                escalated: working_days > i64::from(escalate_after),
                working_days,
                child,
            })
        })
        .collect())
}

/// The children waiting for allocation: a team manager's own team by default, any team (or
/// all of them) for those who oversee more than one.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    team_id: Option<&str>,
    today: NaiveDate,
) -> ServiceResult<Unallocated> {
    tx::require(conn, actor, Action::ViewCaseloads)?;
    let own = actor.team_id.map(|t| t.to_string());
    let team = match team_id.filter(|t| !t.is_empty()) {
        Some(t) => Some(t.to_string()),
        None if actor.role == Role::TeamManager => own,
        None => None,
    };
    let result = tx::read(conn, actor, |c| {
        let model = cairn_db::caseloads::model::in_force(c, today)?.model;
        let all_teams = cairn_db::organisation::list_teams(c)?;
        let team_name = match &team {
            Some(t) => Some(
                all_teams
                    .iter()
                    .find(|x| &x.team.id == t)
                    .map(|x| x.team.name.clone())
                    .ok_or(ServiceError::NotFound("The team"))?,
            ),
            None => None,
        };
        let children = waiting_children(
            c,
            team.as_deref(),
            today,
            model.escalate_unallocated_after_working_days,
        )?;
        Ok(Unallocated {
            team_id: team.clone(),
            team_name,
            teams: all_teams
                .into_iter()
                .filter(|t| t.team.active)
                .map(|t| (t.team.id, t.team.name))
                .collect(),
            children,
            escalate_after_working_days: model.escalate_unallocated_after_working_days,
        })
    })?;
    audit_after_read(
        conn,
        actor,
        Record::ok("unallocated.view").detail(json!({
            "team": result.team_id,
            "children": result.children.len(),
        })),
    )?;
    Ok(result)
}

/// Clears the "waiting too long" alerts of cases just allocated; inside the allocation's
/// transaction.
pub(crate) fn clear_allocated(
    c: &mut DbConn,
    actor: &Actor,
    referral_ids: &[String],
) -> ServiceResult<()> {
    let n = repo::clear(c, referral_ids, "Allocated", cairn_db::now())?;
    if n > 0 {
        audit_trail::write(
            c,
            actor,
            Record::ok("unallocated.alert_clear").detail(json!({
                "referrals": referral_ids,
                "cleared": n,
            })),
        )?;
    }
    Ok(())
}

/// What one escalation run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Escalation {
    pub raised: usize,
    pub cleared: usize,
}

/// Raises one "waiting too long" alert for every child waiting longer than the model in force
/// allows (and tells every active service manager), and clears the alerts of children no
/// longer waiting. Safe to run as often as wanted: a child is escalated once.
pub fn escalate_waiting(conn: &mut DbConn, today: NaiveDate) -> ServiceResult<Escalation> {
    let actor = Actor::command_line();
    tx::write(conn, &actor, |c| {
        let model = cairn_db::caseloads::model::in_force(c, today)?.model;
        let after = model.escalate_unallocated_after_working_days;
        let waiting = waiting_children(c, None, today, after)?;
        let open = repo::open_alerts(c)?;
        let now = cairn_db::now();
        let still: std::collections::HashSet<&str> =
            waiting.iter().map(|w| w.referral_id.as_str()).collect();
        let gone: Vec<String> = open
            .iter()
            .filter(|a| !still.contains(a.referral_id.as_str()))
            .map(|a| a.referral_id.clone())
            .collect();
        let cleared = if gone.is_empty() {
            0
        } else {
            repo::clear(c, &gone, "No longer waiting", now)?
        };
        let alerted: std::collections::HashSet<&str> =
            open.iter().map(|a| a.referral_id.as_str()).collect();
        let managers = repo::service_managers(c)?;
        let mut raised = 0;
        for w in waiting.iter().filter(|w| w.escalated) {
            if alerted.contains(w.referral_id.as_str()) {
                continue;
            }
            let id = uuid::Uuid::now_v7().to_string();
            repo::raise(
                c,
                &id,
                &w.referral_id,
                &w.team_id,
                &format!("Waiting {} working days for allocation", w.working_days),
                now,
            )?;
            audit_trail::write(
                c,
                &actor,
                Record::ok("unallocated.escalate")
                    .on("workload_alert", &id)
                    .person(&w.child.id)
                    .detail(json!({
                        "referral": w.referral_id,
                        "team": w.team_id,
                        "working_days": w.working_days,
                    })),
            )?;
            for manager in &managers {
                notifications::notify(
                    c,
                    &Notice {
                        user_id: manager.clone(),
                        kind: "unallocated_waiting",
                        title: format!(
                            "A child in {} has waited {} working days for allocation",
                            w.team_name, w.working_days
                        ),
                        body: format!(
                            "The workload model escalates a child waiting more than {after} working days. Open the unallocated list to allocate them."
                        ),
                        href: format!("/unallocated?team={}", w.team_id),
                        source_kind: "workload_alert",
                        source_id: id.clone(),
                        email: true,
                    },
                )?;
            }
            raised += 1;
        }
        Ok(Escalation { raised, cleared })
    })
}

/// The job kind of the escalation run.
pub const ESCALATE_JOB: &str = "caseloads.escalate_unallocated";

/// Runs [`escalate_waiting`] for today (or the payload's `"on"` date).
#[derive(Clone, Copy, Debug, Default)]
pub struct EscalateUnallocated;

impl JobHandler for EscalateUnallocated {
    fn kind(&self) -> &'static str {
        ESCALATE_JOB
    }

    fn run(&self, conn: &mut DbConn, payload: &Value) -> Result<(), JobError> {
        let on = payload
            .get("on")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<NaiveDate>().ok())
            .unwrap_or_else(crate::casework::today);
        escalate_waiting(conn, on).map(|_| ()).map_err(|e| match e {
            ServiceError::Db(e) => JobError::from(e),
            other => JobError::Permanent(other.to_string()),
        })
    }
}

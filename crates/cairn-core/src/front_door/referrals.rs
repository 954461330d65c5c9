//! Referrals to children's social care. A "referral" screening outcome opens one for each
//! child: a CIN episode with its referral date, source, provisional primary need, receiving
//! team and a re-referral flag. The receiving team's manager then names a worker.

use cairn_db::DbConn;
use cairn_db::front_door::contacts::ContactRow;
use cairn_db::front_door::referrals::{self as repo, ReferralRow};
use cairn_db::front_door::screening::DecisionRow;
use cairn_db::people as people_repo;
use cairn_domain::ids::ReferralId;
use cairn_domain::policy::Action;
use chrono::{Months, NaiveDate};
use serde::Serialize;
use serde_json::json;

use super::event;
use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::error::{ServiceError, ServiceResult};
use crate::search::PersonSummary;
use crate::tx;

/// DfE: a referral within 12 months of a previous referral for the same child.
pub fn is_re_referral(previous: Option<NaiveDate>, referral_date: NaiveDate) -> bool {
    let Some(prev) = previous else { return false };
    let window_start = referral_date
        .checked_sub_months(Months::new(12))
        .unwrap_or(referral_date);
    prev >= window_start && prev <= referral_date
}

/// Opens the referral for one child; called inside the decision's transaction.
pub(crate) fn open(
    c: &mut DbConn,
    actor: &Actor,
    contact: &ContactRow,
    decision: &DecisionRow,
    person_id: &str,
) -> ServiceResult<String> {
    let team_id = decision
        .receiving_team_id
        .clone()
        .ok_or_else(|| ServiceError::Internal("referral decision has no receiving team".into()))?;
    // The census referral date is the date children's social care received the referral: the
    // contact's receipt (out-of-hours contacts keep their own date).
    let referral_date = contact.received_at.date();
    let previous = repo::latest_before(c, person_id, referral_date)?;
    let re_referral = is_re_referral(previous.as_ref().map(|p| p.referral_date), referral_date);
    let now = cairn_db::now();
    let id = ReferralId::new().to_string();
    let row = ReferralRow {
        id: id.clone(),
        person_id: person_id.to_string(),
        contact_id: Some(contact.id.clone()),
        decision_id: Some(decision.id.clone()),
        referral_date,
        referral_source: contact.referral_source.clone(),
        primary_need: decision.primary_need.clone().unwrap_or_else(|| "N9".into()),
        team_id,
        assigned_at: decision.receiving_worker_id.as_ref().map(|_| now),
        worker_id: decision.receiving_worker_id.clone(),
        re_referral,
        previous_referral_id: previous.map(|p| p.id),
        closed_on: None,
        closure_reason: None,
        version: 1,
        created_at: now,
        created_by: actor.author(),
    };
    repo::insert(c, &row)?;
    if let Some(worker) = &row.worker_id {
        crate::caseloads::allocation::record_assignment(
            c,
            actor,
            &row,
            &row.team_id,
            worker,
            referral_date.max(crate::casework::today()),
        )?;
    }
    cairn_db::events::append(
        c,
        &event(
            "referral.opened",
            Some(person_id),
            "referral",
            &id,
            actor,
            json!({ "referral_date": referral_date, "source": row.referral_source, "re_referral": re_referral, "team": row.team_id }),
        ),
    )?;
    audit_trail::write(
        c,
        actor,
        Record::ok("referral.open")
            .on("referral", &id)
            .person(person_id),
    )?;
    Ok(id)
}

#[derive(Clone, Debug, Serialize)]
pub struct ReferralListRow {
    pub referral: ReferralRow,
    pub child: PersonSummary,
    pub contact_reference: Option<String>,
    pub worker: Option<String>,
}

/// New referrals for a team: those without a named worker first, then recent ones.
#[derive(Clone, Debug, Serialize)]
pub struct TeamReferrals {
    pub team_id: String,
    pub team_name: String,
    pub unassigned: Vec<ReferralListRow>,
    pub recent: Vec<ReferralListRow>,
    pub workers: Vec<(String, String)>,
}

fn list_rows(c: &mut DbConn, rows: Vec<ReferralRow>) -> ServiceResult<Vec<ReferralListRow>> {
    let people_ids: Vec<String> = rows.iter().map(|r| r.person_id.clone()).collect();
    let people = people_repo::find_many(c, &people_ids)?;
    let contact_ids: Vec<String> = rows.iter().filter_map(|r| r.contact_id.clone()).collect();
    let contacts = cairn_db::front_door::contacts::find_many(c, &contact_ids)?;
    let workers = cairn_db::users::display_names(
        c,
        &rows
            .iter()
            .filter_map(|r| r.worker_id.clone())
            .collect::<Vec<_>>(),
    )?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let p = people.iter().find(|p| p.id == r.person_id)?;
            Some(ReferralListRow {
                child: PersonSummary::from_row(p),
                contact_reference: r
                    .contact_id
                    .as_ref()
                    .and_then(|id| contacts.iter().find(|c| &c.id == id))
                    .map(|c| c.reference.clone()),
                worker: r.worker_id.as_ref().and_then(|w| workers.get(w).cloned()),
                referral: r,
            })
        })
        .collect())
}

pub fn for_team(conn: &mut DbConn, actor: &Actor, team_id: &str) -> ServiceResult<TeamReferrals> {
    tx::require(conn, actor, Action::ViewFrontDoor)?;
    let result = tx::read(conn, actor, |c| {
        let team = cairn_db::organisation::find_team(c, team_id)?
            .ok_or(ServiceError::NotFound("The team"))?;
        let unassigned = repo::unassigned_for_team(c, team_id, 200)?;
        let recent = repo::recent_for_team(c, team_id, 50)?;
        let workers = cairn_db::users::active_in_team(c, team_id)?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
        Ok(TeamReferrals {
            team_id: team.id,
            team_name: team.name,
            unassigned: list_rows(c, unassigned)?,
            recent: list_rows(c, recent)?,
            workers,
        })
    })?;
    tx::write(conn, actor, |c| {
        audit_trail::write(
            c,
            actor,
            Record::ok("referrals.team_view")
                .on("team", team_id)
                .detail(json!({ "unassigned": result.unassigned.len() })),
        )?;
        Ok(())
    })?;
    Ok(result)
}

/// Gives a referral a named worker (and, if moved, a different team). `expected_version`
/// stops two managers assigning the same referral unknowingly.
pub fn assign(
    conn: &mut DbConn,
    actor: &Actor,
    referral_id: &str,
    team_id: &str,
    worker_id: &str,
    expected_version: i32,
) -> ServiceResult<()> {
    tx::require(conn, actor, Action::AssignReferral)?;
    tx::write(conn, actor, |c| {
        let referral = repo::find(c, referral_id)?.ok_or(ServiceError::NotFound("The referral"))?;
        if referral.closed_on.is_some() {
            return Err(ServiceError::Conflict(
                "This referral's episode is closed".into(),
            ));
        }
        let team = cairn_db::organisation::find_team(c, team_id)?.filter(|t| t.active);
        if team.is_none() {
            return Err(ServiceError::invalid("team", "Select an active team"));
        }
        let worker = cairn_db::users::find(c, worker_id)?;
        match worker {
            Some(w) if w.active && w.team_id.as_deref() == Some(team_id) => {}
            Some(w) if !w.active => {
                return Err(ServiceError::invalid(
                    "worker",
                    "This worker's account is disabled: choose someone else",
                ));
            }
            _ => {
                return Err(ServiceError::invalid(
                    "worker",
                    "Select a worker in the team",
                ));
            }
        }
        let now = cairn_db::now();
        if !repo::assign(
            c,
            referral_id,
            team_id,
            Some(worker_id),
            expected_version,
            now,
        )? {
            return Err(ServiceError::Conflict("Someone else changed this referral while you were looking at it: check who it is assigned to now".into()));
        }
        // The referral's worker is its case holder: the allocation history follows it.
        crate::caseloads::allocation::record_assignment(
            c,
            actor,
            &referral,
            team_id,
            worker_id,
            crate::casework::today(),
        )?;
        cairn_db::events::append(
            c,
            &event(
                "referral.assigned",
                Some(&referral.person_id),
                "referral",
                referral_id,
                actor,
                json!({ "team": team_id, "worker": worker_id }),
            ),
        )?;
        audit_trail::write(
            c,
            actor,
            Record::ok("referral.assign")
                .on("referral", referral_id)
                .person(&referral.person_id)
                .detail(json!({ "team": team_id, "worker": worker_id })),
        )?;
        Ok(())
    })
}

/// A referral with its child, for its own page.
pub fn view(conn: &mut DbConn, actor: &Actor, referral_id: &str) -> ServiceResult<ReferralListRow> {
    tx::require(conn, actor, Action::ViewFrontDoor)?;
    let row = tx::read(conn, actor, |c| {
        let r = repo::find(c, referral_id)?.ok_or(ServiceError::NotFound("The referral"))?;
        list_rows(c, vec![r])?
            .into_iter()
            .next()
            .ok_or(ServiceError::NotFound("The referral"))
    })?;
    let pid = row.referral.person_id.clone();
    tx::write(conn, actor, |c| {
        audit_trail::write(
            c,
            actor,
            Record::ok("referral.view")
                .on("referral", referral_id)
                .person(&pid),
        )?;
        Ok(())
    })?;
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn re_referral_is_within_twelve_months() {
        assert!(!is_re_referral(None, d("2026-03-01")));
        assert!(is_re_referral(Some(d("2025-03-01")), d("2026-03-01")));
        assert!(!is_re_referral(Some(d("2025-02-28")), d("2026-03-01")));
        assert!(is_re_referral(Some(d("2026-02-28")), d("2026-03-01")));
    }
}

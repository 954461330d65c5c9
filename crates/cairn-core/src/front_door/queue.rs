//! The supervised screening queue: every undecided contact, most urgent first, with who holds
//! it. Practitioners claim a contact to screen it; a claim nobody works on lapses.

use cairn_db::DbConn;
use cairn_db::front_door::contacts as repo;
use cairn_db::people as people_repo;
use cairn_domain::dates::age_in_years;
use cairn_domain::front_door::ContactStatus;
use cairn_domain::policy::Action;
use chrono::{Duration, NaiveDateTime};
use serde::Serialize;
use serde_json::json;

use super::{describe_duration, event};
use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::error::{ServiceError, ServiceResult};
use crate::settings::Settings;
use crate::tx;

pub const PAGE_SIZE: i64 = 50;

#[derive(Clone, Debug, Serialize)]
pub struct QueueChild {
    pub name: String,
    /// "7 years", "unborn", or empty when the date of birth is not known.
    pub age: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct QueueRow {
    pub contact_id: String,
    pub reference: String,
    pub received_at: NaiveDateTime,
    /// How long the contact has waited, e.g. "3 hours".
    pub waiting: String,
    pub rag: String,
    pub due_at: NaiveDateTime,
    /// Minutes until the decision is due; negative when overdue.
    pub minutes_left: i64,
    /// "2 hours left" or "5 hours overdue".
    pub time_left: String,
    pub status: String,
    pub claimed_by: Option<String>,
    pub claimed_by_me: bool,
    pub children: Vec<QueueChild>,
    pub out_of_hours: bool,
    pub immediate_safety: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct QueuePage {
    pub rows: Vec<QueueRow>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

/// Which part of the queue to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueView {
    /// Waiting for screening.
    Screening,
    /// Decided by a practitioner, waiting for a manager.
    AwaitingAuthorisation,
}

pub(crate) fn stale_before(settings: &Settings, now: NaiveDateTime) -> NaiveDateTime {
    now - Duration::minutes(i64::from(settings.claim_timeout_minutes))
}

fn age_label(p: &people_repo::PersonRow, now: NaiveDateTime) -> String {
    match (p.date_of_birth, p.expected_date_of_birth) {
        (Some(dob), _) => {
            let y = age_in_years(dob, now.date());
            if y == 1 {
                "1 year".into()
            } else {
                format!("{y} years")
            }
        }
        (None, Some(_)) => "unborn".into(),
        _ => String::new(),
    }
}

/// One page of the queue. A claim whose holder has not worked on it within the claim timeout
/// shows as unclaimed: anyone may take it.
pub fn page(
    conn: &mut DbConn,
    actor: &Actor,
    settings: &Settings,
    view: QueueView,
    office_id: Option<&str>,
    page: i64,
) -> ServiceResult<QueuePage> {
    tx::require(conn, actor, Action::ViewFrontDoor)?;
    let now = cairn_db::now();
    let stale = stale_before(settings, now);
    let page = page.max(1);
    let me = actor.user_id_string();
    let result = tx::read(conn, actor, |c| {
        let status = match view {
            QueueView::Screening => ContactStatus::Screening,
            QueueView::AwaitingAuthorisation => ContactStatus::AwaitingAuthorisation,
        };
        let (rows, total) = repo::queue_page(
            c,
            &[status.code()],
            office_id,
            PAGE_SIZE,
            (page - 1) * PAGE_SIZE,
        )?;
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let links = repo::children_of_many(c, &ids)?;
        let person_ids: Vec<String> = links.iter().map(|l| l.person_id.clone()).collect();
        let people = people_repo::find_many(c, &person_ids)?;
        let holders: Vec<String> = rows.iter().filter_map(|r| r.claimed_by.clone()).collect();
        let names = cairn_db::users::display_names(c, &holders)?;
        let out = rows
            .into_iter()
            .map(|r| {
                let live_claim =
                    r.claimed_by.is_some() && r.claim_active_at.is_some_and(|t| t >= stale);
                let minutes_left = (r.decision_due_at - now).num_minutes();
                let children = links
                    .iter()
                    .filter(|l| l.contact_id == r.id && l.routed_to == "screening")
                    .filter_map(|l| people.iter().find(|p| p.id == l.person_id))
                    .map(|p| QueueChild {
                        name: crate::people::display_name_of(p),
                        age: age_label(p, now),
                    })
                    .collect();
                QueueRow {
                    waiting: describe_duration((now - r.received_at).num_minutes()),
                    time_left: if minutes_left >= 0 {
                        format!("{} left", describe_duration(minutes_left))
                    } else {
                        format!("{} overdue", describe_duration(minutes_left))
                    },
                    minutes_left,
                    claimed_by: if live_claim {
                        r.claimed_by.as_ref().and_then(|u| names.get(u).cloned())
                    } else {
                        None
                    },
                    claimed_by_me: live_claim && r.claimed_by == me,
                    contact_id: r.id,
                    reference: r.reference,
                    received_at: r.received_at,
                    rag: r.rag,
                    due_at: r.decision_due_at,
                    status: r.status,
                    children,
                    out_of_hours: r.out_of_hours,
                    immediate_safety: r.immediate_safety,
                }
            })
            .collect();
        Ok(QueuePage {
            rows: out,
            total,
            page,
            pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        })
    })?;
    // The queue names children, so its viewing is recorded (once per page, not per child).
    tx::write(conn, actor, |c| {
        audit_trail::write(
            c,
            actor,
            Record::ok("screening_queue.view")
                .detail(json!({ "page": page, "rows": result.rows.len() })),
        )?;
        Ok(())
    })?;
    Ok(result)
}

/// Claims a contact for screening. Of two people claiming at once exactly one wins; the other
/// is told who has it.
pub fn claim(
    conn: &mut DbConn,
    actor: &Actor,
    settings: &Settings,
    contact_id: &str,
) -> ServiceResult<()> {
    tx::require(conn, actor, Action::ScreenContact)?;
    let me = actor.author();
    let now = cairn_db::now();
    let stale = stale_before(settings, now);
    tx::write(conn, actor, |c| {
        let before = repo::find(c, contact_id)?.ok_or(ServiceError::NotFound("The contact"))?;
        if before.status != ContactStatus::Screening.code() {
            return Err(ServiceError::Conflict(
                "This contact is no longer waiting for screening".into(),
            ));
        }
        if !repo::claim(c, contact_id, &me, now, stale)? {
            let holder = before
                .claimed_by
                .as_ref()
                .map(|u| cairn_db::users::display_names(c, std::slice::from_ref(u)))
                .transpose()?
                .and_then(|m| m.into_values().next())
                .unwrap_or_else(|| "someone else".into());
            return Err(ServiceError::Conflict(format!(
                "{holder} has already claimed this contact"
            )));
        }
        let lapsed_from = before.claimed_by.filter(|u| u != &me);
        cairn_db::events::append(
            c,
            &event(
                "contact.claimed",
                None,
                "contact",
                contact_id,
                actor,
                json!({ "taken_from_lapsed_claim": lapsed_from.is_some() }),
            ),
        )?;
        audit_trail::write(
            c,
            actor,
            Record::ok("contact.claim")
                .on("contact", contact_id)
                .detail(json!({ "lapsed_claim_of": lapsed_from })),
        )?;
        Ok(())
    })
}

/// Gives a claimed contact back to the queue. Managers may release anyone's claim.
pub fn release(conn: &mut DbConn, actor: &Actor, contact_id: &str) -> ServiceResult<()> {
    tx::require(conn, actor, Action::ScreenContact)?;
    let any = actor.may(Action::AuthoriseScreening);
    let now = cairn_db::now();
    tx::write(conn, actor, |c| {
        if !repo::release(c, contact_id, &actor.author(), any, now)? {
            return Err(ServiceError::Conflict(
                "You do not hold the claim on this contact".into(),
            ));
        }
        cairn_db::events::append(
            c,
            &event(
                "contact.released",
                None,
                "contact",
                contact_id,
                actor,
                json!({}),
            ),
        )?;
        audit_trail::write(
            c,
            actor,
            Record::ok("contact.release").on("contact", contact_id),
        )?;
        Ok(())
    })
}

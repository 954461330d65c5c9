//! The front door's records on the chronology: contacts (one entry per child on the contact),
//! out-of-hours actions, final screening decisions and referrals (opened, allocated, closed).

use std::collections::HashMap;

use cairn_domain::codes::{PrimaryNeed, ReasonForClosure, ReferralSource};
use cairn_domain::front_door::{
    ConcernCategory, ContactChannel, OutOfHoursActionKind, Rag, ReferrerKind, ScreeningOutcome,
};
use cairn_domain::recording::{ChronologyCategory, Precision};
use diesel::prelude::*;

use super::{
    Given, Projection, Source, day, excerpt, ids_for_person, label_of, page_ids, sentences,
    user_names,
};
use crate::DbConn;
use crate::error::DbError;
use crate::front_door::contacts::{ContactRow, ReferrerRow};
use crate::front_door::out_of_hours::OutOfHoursActionRow;
use crate::front_door::referrals::ReferralRow;
use crate::front_door::screening::DecisionRow;
use crate::schema::{
    contact_children, contact_referrers, contacts, episode_closures, events, out_of_hours_actions,
    referrals, screening_decisions, teams,
};

pub const CONTACTS: Source = Source {
    kind: "contact",
    project: project_contacts,
    page: page_contacts,
    for_person: contacts_for_person,
};

pub const OUT_OF_HOURS: Source = Source {
    kind: "out_of_hours_action",
    project: project_out_of_hours,
    page: page_out_of_hours,
    for_person: out_of_hours_for_person,
};

pub const SCREENING: Source = Source {
    kind: "screening_decision",
    project: project_screening,
    page: page_screening,
    for_person: screening_for_person,
};

pub const REFERRALS: Source = Source {
    kind: "referral",
    project: project_referrals,
    page: page_referrals,
    for_person: referrals_for_person,
};

page_ids!(page_contacts, contacts);
page_ids!(page_out_of_hours, out_of_hours_actions);
page_ids!(page_screening, screening_decisions);
page_ids!(page_referrals, referrals);
ids_for_person!(referrals_for_person, referrals);

/// (contact id, person id) for the children on these contacts.
fn children_of(
    conn: &mut DbConn,
    contact_ids: &[String],
) -> Result<Vec<(String, String)>, DbError> {
    Ok(contact_children::table
        .filter(contact_children::contact_id.eq_any(contact_ids))
        .order((contact_children::contact_id, contact_children::position))
        .select((contact_children::contact_id, contact_children::person_id))
        .load(conn)?)
}

fn contacts_for_person(conn: &mut DbConn, person_id: &str) -> Result<Vec<String>, DbError> {
    Ok(contact_children::table
        .filter(contact_children::person_id.eq(person_id))
        .select(contact_children::contact_id)
        .load(conn)?)
}

/// The out-of-hours actions recorded on a contact.
pub fn actions_of_contact(conn: &mut DbConn, contact_id: &str) -> Result<Vec<String>, DbError> {
    Ok(out_of_hours_actions::table
        .filter(out_of_hours_actions::contact_id.eq(contact_id))
        .select(out_of_hours_actions::id)
        .load(conn)?)
}

fn out_of_hours_for_person(conn: &mut DbConn, person_id: &str) -> Result<Vec<String>, DbError> {
    let contact_ids = contacts_for_person(conn, person_id)?;
    Ok(out_of_hours_actions::table
        .filter(out_of_hours_actions::contact_id.eq_any(&contact_ids))
        .select(out_of_hours_actions::id)
        .load(conn)?)
}

fn screening_for_person(conn: &mut DbConn, person_id: &str) -> Result<Vec<String>, DbError> {
    let ids: Vec<Option<String>> = contact_children::table
        .filter(contact_children::person_id.eq(person_id))
        .select(contact_children::decision_id)
        .load(conn)?;
    Ok(ids.into_iter().flatten().collect())
}

// ---- contacts ----

fn referrer_text(r: Option<&ReferrerRow>) -> String {
    let Some(r) = r else {
        return String::new();
    };
    let who = r
        .organisation
        .as_deref()
        .filter(|o| !o.trim().is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| label_of(&r.kind, ReferrerKind::from_code, ReferrerKind::label));
    format!("Referrer: {who}")
}

fn concern_labels(codes: &str) -> String {
    codes
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| label_of(c, ConcernCategory::from_code, ConcernCategory::label))
        .collect::<Vec<_>>()
        .join(", ")
}

fn project_contacts(conn: &mut DbConn, ids: &[String]) -> Result<Projection, DbError> {
    let rows: Vec<ContactRow> = contacts::table
        .filter(contacts::id.eq_any(ids))
        .select(ContactRow::as_select())
        .load(conn)?;
    let referrers: HashMap<String, ReferrerRow> = contact_referrers::table
        .filter(contact_referrers::contact_id.eq_any(ids))
        .select(ReferrerRow::as_select())
        .load::<ReferrerRow>(conn)?
        .into_iter()
        .map(|r| (r.contact_id.clone(), r))
        .collect();
    let by_id: HashMap<&str, &ContactRow> = rows.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut out = Projection::default();
    for (contact_id, person_id) in children_of(conn, ids)? {
        let Some(c) = by_id.get(contact_id.as_str()) else {
            continue;
        };
        let categories = concern_labels(&c.categories);
        out.entries.push(Given {
            person_id,
            entry_key: format!("contact:{}", c.id),
            source_id: c.id.clone(),
            category: ChronologyCategory::Contact,
            occurred_at: c.received_at,
            precision: Precision::DateTime,
            title: format!(
                "Contact received ({})",
                label_of(&c.channel, ContactChannel::from_code, ContactChannel::label)
                    .to_lowercase()
            ),
            summary: sentences([
                format!("Contact {}", c.reference),
                format!(
                    "Source: {}",
                    label_of(
                        &c.referral_source,
                        ReferralSource::from_code,
                        ReferralSource::label
                    )
                ),
                referrer_text(referrers.get(&c.id)),
                if categories.is_empty() {
                    String::new()
                } else {
                    format!("Concerns: {categories}")
                },
                excerpt(&c.concern, 400),
            ]),
            significant: false,
            source_label: "Cairn: Contact record",
            author: c.recorded_by.clone(),
        });
    }
    Ok(out)
}

// ---- out-of-hours actions ----

fn project_out_of_hours(conn: &mut DbConn, ids: &[String]) -> Result<Projection, DbError> {
    let rows: Vec<OutOfHoursActionRow> = out_of_hours_actions::table
        .filter(out_of_hours_actions::id.eq_any(ids))
        .select(OutOfHoursActionRow::as_select())
        .load(conn)?;
    let contact_ids: Vec<String> = rows.iter().map(|r| r.contact_id.clone()).collect();
    let references: HashMap<String, String> = contacts::table
        .filter(contacts::id.eq_any(&contact_ids))
        .select((contacts::id, contacts::reference))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let mut children: HashMap<String, Vec<String>> = HashMap::new();
    for (contact_id, person_id) in children_of(conn, &contact_ids)? {
        children.entry(contact_id).or_default().push(person_id);
    }
    let mut out = Projection::default();
    for a in &rows {
        for person_id in children.get(&a.contact_id).into_iter().flatten() {
            out.entries.push(Given {
                person_id: person_id.clone(),
                entry_key: format!("out_of_hours_action:{}", a.id),
                source_id: a.id.clone(),
                category: ChronologyCategory::OutOfHours,
                occurred_at: a.occurred_at,
                precision: Precision::DateTime,
                title: label_of(
                    &a.kind,
                    OutOfHoursActionKind::from_code,
                    OutOfHoursActionKind::label,
                ),
                summary: sentences([
                    references
                        .get(&a.contact_id)
                        .map(|r| format!("Out-of-hours contact {r}"))
                        .unwrap_or_default(),
                    excerpt(&a.details, 400),
                ]),
                significant: false,
                source_label: "Cairn: Out-of-hours record",
                author: a.recorded_by.clone(),
            });
        }
    }
    Ok(out)
}

// ---- screening decisions ----

fn project_screening(conn: &mut DbConn, ids: &[String]) -> Result<Projection, DbError> {
    // Only a final decision is on the record: one waiting for a manager may still be returned.
    let rows: Vec<DecisionRow> = screening_decisions::table
        .filter(screening_decisions::id.eq_any(ids))
        .filter(screening_decisions::status.eq("final"))
        .select(DecisionRow::as_select())
        .load(conn)?;
    let decided: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let children: Vec<(Option<String>, String)> = contact_children::table
        .filter(contact_children::decision_id.eq_any(&decided))
        .select((contact_children::decision_id, contact_children::person_id))
        .load(conn)?;
    let level_ids: Vec<String> = rows.iter().map(|r| r.threshold_level_id.clone()).collect();
    let levels: HashMap<String, String> =
        crate::front_door::threshold_refs::levels(conn, &level_ids)?
            .into_iter()
            .map(|l| (l.level_id, l.name))
            .collect();
    let contact_ids: Vec<String> = rows.iter().map(|r| r.contact_id.clone()).collect();
    let references: HashMap<String, String> = contacts::table
        .filter(contacts::id.eq_any(&contact_ids))
        .select((contacts::id, contacts::reference))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let by_id: HashMap<&str, &DecisionRow> = rows.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut out = Projection::default();
    for (decision_id, person_id) in children {
        let Some(d) = decision_id.as_deref().and_then(|id| by_id.get(id)) else {
            continue;
        };
        out.entries.push(Given {
            person_id,
            entry_key: format!("screening_decision:{}", d.id),
            source_id: d.id.clone(),
            category: ChronologyCategory::Screening,
            occurred_at: d.decided_at,
            precision: Precision::DateTime,
            title: format!(
                "Screening decision: {}",
                label_of(
                    &d.outcome,
                    ScreeningOutcome::from_code,
                    ScreeningOutcome::label
                )
                .to_lowercase()
            ),
            summary: sentences([
                references
                    .get(&d.contact_id)
                    .map(|r| format!("Contact {r}"))
                    .unwrap_or_default(),
                levels
                    .get(&d.threshold_level_id)
                    .map(|l| format!("Threshold level: {l}"))
                    .unwrap_or_default(),
                format!(
                    "RAG rating: {}",
                    label_of(&d.rag, Rag::from_code, Rag::label)
                ),
                format!("Rationale: {}", excerpt(&d.rationale, 400)),
                d.override_reason
                    .as_deref()
                    .map(|r| {
                        format!(
                            "Outcome differs from the threshold guidance: {}",
                            excerpt(r, 200)
                        )
                    })
                    .unwrap_or_default(),
            ]),
            significant: false,
            source_label: "Cairn: Screening decision",
            author: d.decided_by.clone(),
        });
    }
    Ok(out)
}

// ---- referrals ----

/// The referral a closure request belongs to.
pub fn closure_referral(conn: &mut DbConn, closure_id: &str) -> Result<Option<String>, DbError> {
    Ok(episode_closures::table
        .find(closure_id)
        .select(episode_closures::referral_id)
        .first(conn)
        .optional()?)
}

/// A worker named for an episode: who, in which team, when, and by whom.
struct Allocation {
    key: String,
    worker: String,
    team: String,
    at: chrono::NaiveDateTime,
    by: String,
}

/// Allocations after the first are only kept as events (the referral holds the current
/// worker), so the history is read from the `referral.assigned` events, through the
/// (person, at) index.
fn assignments(
    conn: &mut DbConn,
    rows: &[ReferralRow],
) -> Result<HashMap<String, Vec<Allocation>>, DbError> {
    let people: Vec<String> = rows.iter().map(|r| r.person_id.clone()).collect();
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let found: Vec<(String, String, chrono::NaiveDateTime, String, String)> = events::table
        .filter(events::person_id.eq_any(&people))
        .filter(events::kind.eq("referral.assigned"))
        .filter(events::entity_type.eq("referral"))
        .filter(events::entity_id.eq_any(&ids))
        .order((events::at.asc(), events::id.asc()))
        .select((
            events::id,
            events::entity_id,
            events::at,
            events::actor_user_id,
            events::data,
        ))
        .load(conn)?;
    let mut out: HashMap<String, Vec<Allocation>> = HashMap::new();
    for (id, referral_id, at, by, data) in found {
        let data: serde_json::Value = serde_json::from_str(&data).unwrap_or_default();
        let text = |k: &str| data[k].as_str().unwrap_or_default().to_string();
        out.entry(referral_id.clone())
            .or_default()
            .push(Allocation {
                key: format!("referral:{referral_id}:allocated:{id}"),
                worker: text("worker"),
                team: text("team"),
                at,
                by,
            });
    }
    Ok(out)
}

/// The worker named when the referral opened: the screening decision's receiving worker, or
/// for a referral recorded without one (older data loaded in bulk) the worker it holds, when
/// no later allocation is recorded.
fn first_allocation(
    r: &ReferralRow,
    receiving: &HashMap<String, Option<String>>,
    later: bool,
) -> Option<Allocation> {
    let from_decision = r
        .decision_id
        .as_ref()
        .and_then(|d| receiving.get(d).cloned().flatten());
    let worker = match from_decision {
        Some(w) => w,
        None if !later => r.worker_id.clone()?,
        None => return None,
    };
    Some(Allocation {
        key: format!("referral:{}:allocated", r.id),
        worker,
        team: r.team_id.clone(),
        at: r.assigned_at.unwrap_or(r.created_at),
        by: r.created_by.clone(),
    })
}

fn project_referrals(conn: &mut DbConn, ids: &[String]) -> Result<Projection, DbError> {
    let rows: Vec<ReferralRow> = referrals::table
        .filter(referrals::id.eq_any(ids))
        .select(ReferralRow::as_select())
        .load(conn)?;
    let decision_ids: Vec<String> = rows.iter().filter_map(|r| r.decision_id.clone()).collect();
    let receiving: HashMap<String, Option<String>> = screening_decisions::table
        .filter(screening_decisions::id.eq_any(&decision_ids))
        .select((
            screening_decisions::id,
            screening_decisions::receiving_worker_id,
        ))
        .load::<(String, Option<String>)>(conn)?
        .into_iter()
        .collect();
    let mut allocations = assignments(conn, &rows)?;
    let closures: HashMap<String, (String, Option<String>)> = episode_closures::table
        .filter(episode_closures::referral_id.eq_any(ids))
        .filter(episode_closures::status.eq("authorised"))
        .select((
            episode_closures::referral_id,
            episode_closures::summary,
            episode_closures::decided_by,
        ))
        .load::<(String, String, Option<String>)>(conn)?
        .into_iter()
        .map(|(r, s, by)| (r, (s, by)))
        .collect();
    let mut team_ids: Vec<String> = rows.iter().map(|r| r.team_id.clone()).collect();
    team_ids.extend(allocations.values().flatten().map(|a| a.team.clone()));
    let team_names: HashMap<String, String> = teams::table
        .filter(teams::id.eq_any(&team_ids))
        .select((teams::id, teams::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let workers = user_names(
        conn,
        rows.iter()
            .filter_map(|r| r.worker_id.clone())
            .chain(receiving.values().flatten().cloned())
            .chain(allocations.values().flatten().map(|a| a.worker.clone())),
    )?;
    let mut out = Projection::default();
    for r in &rows {
        let team = team_names.get(&r.team_id).cloned().unwrap_or_default();
        out.entries.push(opened(r, &team));
        let mut mine = allocations.remove(&r.id).unwrap_or_default();
        if let Some(first) = first_allocation(r, &receiving, !mine.is_empty()) {
            mine.insert(0, first);
        }
        for a in mine {
            out.entries.push(allocated(r, a, &workers, &team_names));
        }
        if let Some(closed_on) = r.closed_on {
            out.entries.push(closed(r, closed_on, closures.get(&r.id)));
        }
    }
    Ok(out)
}

fn opened(r: &ReferralRow, team: &str) -> Given {
    Given {
        person_id: r.person_id.clone(),
        entry_key: format!("referral:{}:opened", r.id),
        source_id: r.id.clone(),
        category: ChronologyCategory::Referral,
        occurred_at: day(r.referral_date),
        precision: Precision::Date,
        title: "Referral to children's social care".into(),
        summary: sentences([
            format!(
                "Source: {}",
                label_of(
                    &r.referral_source,
                    ReferralSource::from_code,
                    ReferralSource::label
                )
            ),
            format!(
                "Primary need: {}",
                label_of(&r.primary_need, PrimaryNeed::from_code, PrimaryNeed::label)
            ),
            if team.is_empty() {
                String::new()
            } else {
                format!("Team: {team}")
            },
            if r.re_referral {
                "A re-referral within 12 months of the previous referral".into()
            } else {
                String::new()
            },
        ]),
        significant: true,
        source_label: "Cairn: Referral record",
        author: r.created_by.clone(),
    }
}

fn allocated(
    r: &ReferralRow,
    a: Allocation,
    workers: &HashMap<String, String>,
    teams: &HashMap<String, String>,
) -> Given {
    let worker = workers.get(&a.worker).cloned().unwrap_or(a.worker);
    let team = teams
        .get(&a.team)
        .map(|t| format!(" ({t})"))
        .unwrap_or_default();
    Given {
        person_id: r.person_id.clone(),
        entry_key: a.key,
        source_id: r.id.clone(),
        category: ChronologyCategory::Allocation,
        occurred_at: a.at,
        precision: Precision::DateTime,
        title: "Allocated to a social worker".into(),
        summary: sentences([format!("Allocated to {worker}{team}")]),
        significant: false,
        source_label: "Cairn: Referral record",
        author: a.by,
    }
}

fn closed(
    r: &ReferralRow,
    closed_on: chrono::NaiveDate,
    closure: Option<&(String, Option<String>)>,
) -> Given {
    let reason = r
        .closure_reason
        .as_deref()
        .map(|c| {
            format!(
                "Reason: {}",
                label_of(c, ReasonForClosure::from_code, ReasonForClosure::label)
            )
        })
        .unwrap_or_default();
    Given {
        person_id: r.person_id.clone(),
        entry_key: format!("referral:{}:closed", r.id),
        source_id: r.id.clone(),
        category: ChronologyCategory::Closure,
        occurred_at: day(closed_on),
        precision: Precision::Date,
        title: "Case closed".into(),
        summary: sentences([
            reason,
            closure.map(|(s, _)| excerpt(s, 400)).unwrap_or_default(),
        ]),
        significant: true,
        source_label: "Cairn: Episode closure",
        author: closure
            .and_then(|(_, by)| by.clone())
            .unwrap_or_else(|| r.created_by.clone()),
    }
}

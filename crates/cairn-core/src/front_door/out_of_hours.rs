//! Out-of-hours work: what the emergency duty team did on a contact, and the handover list the
//! day team sees from the next working-day start and acknowledges one by one. Also the inbox
//! of contacts about children with an open case, which go to the allocated worker.

use cairn_db::DbConn;
use cairn_db::front_door::contacts::{self as contact_repo, ContactRow};
use cairn_db::front_door::out_of_hours::{self as repo, OutOfHoursActionRow};
use cairn_db::people as people_repo;
use cairn_domain::front_door::OutOfHoursActionKind;
use cairn_domain::ids::OutOfHoursActionId;
use cairn_domain::policy::Action;
use cairn_domain::validation::{FieldErrors, clean_text};
use chrono::{Duration, NaiveDateTime};
use serde::Serialize;
use serde_json::json;

use super::{calendar, event, utc};
use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::error::{ServiceError, ServiceResult};
use crate::search::PersonSummary;
use crate::settings::Settings;
use crate::tx;

#[derive(Clone, Debug, Default)]
pub struct ActionInput {
    pub kind: String,
    /// When it happened (UTC); `None` means now.
    pub occurred_at: Option<NaiveDateTime>,
    pub details: String,
    pub outstanding: String,
}

/// Records an out-of-hours action on a contact.
pub fn record_action(
    conn: &mut DbConn,
    actor: &Actor,
    contact_id: &str,
    input: &ActionInput,
) -> ServiceResult<()> {
    tx::require(conn, actor, Action::RecordOutOfHoursAction)?;
    let now = cairn_db::now();
    let mut errors = FieldErrors::new();
    let kind = OutOfHoursActionKind::from_code(input.kind.trim());
    if kind.is_none() {
        errors.push("kind", "Select what was done");
    }
    let occurred_at = input.occurred_at.unwrap_or(now);
    if occurred_at > now + Duration::minutes(5) {
        errors.push("occurred", "The time must not be in the future");
    }
    let details = clean_text(
        "details",
        "What happened",
        &input.details,
        20_000,
        true,
        &mut errors,
    );
    let outstanding = clean_text(
        "outstanding",
        "What is outstanding for the day team",
        &input.outstanding,
        4_000,
        false,
        &mut errors,
    );
    let (Some(kind), Some(details)) = (kind, details) else {
        return Err(ServiceError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    tx::write(conn, actor, |c| {
        let contact =
            contact_repo::find(c, contact_id)?.ok_or(ServiceError::NotFound("The contact"))?;
        if !contact.out_of_hours {
            return Err(ServiceError::Conflict(
                "This contact was received in working hours: record the work as screening instead"
                    .into(),
            ));
        }
        let id = OutOfHoursActionId::new().to_string();
        repo::insert(
            c,
            &OutOfHoursActionRow {
                id: id.clone(),
                contact_id: contact_id.to_string(),
                kind: kind.code().to_string(),
                occurred_at: cairn_db::truncate_to_micros(occurred_at),
                details,
                outstanding,
                recorded_by: actor.author(),
                recorded_at: now,
            },
        )?;
        for child in contact_repo::children_of(c, contact_id)? {
            cairn_db::events::append(
                c,
                &event(
                    "out_of_hours.action",
                    Some(&child.person_id),
                    "out_of_hours_action",
                    &id,
                    actor,
                    json!({ "kind": kind.code(), "contact": contact.reference }),
                ),
            )?;
            audit_trail::write(
                c,
                actor,
                Record::ok("out_of_hours.record")
                    .on("contact", contact_id)
                    .person(&child.person_id)
                    .detail(json!({ "kind": kind.code() })),
            )?;
        }
        audit_trail::write(
            c,
            actor,
            Record::ok("out_of_hours.record")
                .on("contact", contact_id)
                .detail(json!({ "kind": kind.code() })),
        )?;
        Ok(())
    })
}

#[derive(Clone, Debug, Serialize)]
pub struct HandoverItem {
    pub contact: ContactRow,
    pub children: Vec<PersonSummary>,
    pub actions: Vec<(OutOfHoursActionRow, String)>,
    pub immediate_protection: bool,
    /// Anything the out-of-hours team left for the day team.
    pub outstanding: Vec<String>,
}

/// Out-of-hours contacts whose next working-day start has come, not yet acknowledged.
pub fn handover(
    conn: &mut DbConn,
    actor: &Actor,
    settings: &Settings,
) -> ServiceResult<Vec<HandoverItem>> {
    tx::require(conn, actor, Action::ViewFrontDoor)?;
    let now = cairn_db::now();
    let cal = calendar(settings);
    let items = tx::read(conn, actor, |c| {
        let pending = contact_repo::handover_pending(c, now, 500)?;
        let due: Vec<ContactRow> = pending
            .into_iter()
            .filter(|ct| {
                cal.next_working_day_start(utc(ct.received_at))
                    .map(|s| s.naive_utc() <= now)
                    .unwrap_or(true)
            })
            .collect();
        let ids: Vec<String> = due.iter().map(|c| c.id.clone()).collect();
        let actions = repo::for_contacts(c, &ids)?;
        let links = contact_repo::children_of_many(c, &ids)?;
        let people = people_repo::find_many(
            c,
            &links
                .iter()
                .map(|l| l.person_id.clone())
                .collect::<Vec<_>>(),
        )?;
        let names = cairn_db::users::display_names(
            c,
            &actions
                .iter()
                .map(|a| a.recorded_by.clone())
                .collect::<Vec<_>>(),
        )?;
        let mut items: Vec<HandoverItem> = due
            .into_iter()
            .map(|ct| {
                let acts: Vec<(OutOfHoursActionRow, String)> = actions
                    .iter()
                    .filter(|a| a.contact_id == ct.id)
                    .map(|a| {
                        (
                            a.clone(),
                            names.get(&a.recorded_by).cloned().unwrap_or_default(),
                        )
                    })
                    .collect();
                HandoverItem {
                    immediate_protection: acts.iter().any(|(a, _)| {
                        OutOfHoursActionKind::from_code(&a.kind)
                            .is_some_and(|k| k.is_immediate_protection())
                    }),
                    outstanding: acts
                        .iter()
                        .filter_map(|(a, _)| a.outstanding.clone())
                        .collect(),
                    children: links
                        .iter()
                        .filter(|l| l.contact_id == ct.id)
                        .filter_map(|l| people.iter().find(|p| p.id == l.person_id))
                        .map(PersonSummary::from_row)
                        .collect(),
                    actions: acts,
                    contact: ct,
                }
            })
            .collect();
        // Children protected overnight first, then oldest first.
        items.sort_by_key(|i| (!i.immediate_protection, i.contact.received_at));
        Ok(items)
    })?;
    tx::write(conn, actor, |c| {
        audit_trail::write(
            c,
            actor,
            Record::ok("handover.view").detail(json!({ "items": items.len() })),
        )?;
        // The list shows children's names: each child's trail records it.
        for item in &items {
            for child in &item.children {
                audit_trail::write(
                    c,
                    actor,
                    Record::ok("handover.view")
                        .on("contact", &item.contact.id)
                        .person(&child.id),
                )?;
            }
        }
        Ok(())
    })?;
    Ok(items)
}

/// The day team has read the handover of one contact.
pub fn acknowledge(conn: &mut DbConn, actor: &Actor, contact_id: &str) -> ServiceResult<()> {
    tx::require(conn, actor, Action::AcknowledgeHandover)?;
    let now = cairn_db::now();
    tx::write(conn, actor, |c| {
        if !contact_repo::acknowledge_handover(c, contact_id, &actor.author(), now)? {
            return Err(ServiceError::Conflict(
                "This handover has already been acknowledged".into(),
            ));
        }
        cairn_db::events::append(
            c,
            &event(
                "handover.acknowledged",
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
            Record::ok("handover.acknowledge").on("contact", contact_id),
        )?;
        Ok(())
    })
}

#[derive(Clone, Debug, Serialize)]
pub struct InboxItem {
    pub contact_child_id: String,
    pub contact: ContactRow,
    pub child: PersonSummary,
}

/// The team whose unallocated open cases a manager reads new contacts for.
fn managed_team(actor: &Actor) -> Option<String> {
    actor
        .may(Action::AssignReferral)
        .then(|| actor.team_id.map(|t| t.to_string()))
        .flatten()
}

/// Contacts about the actor's open cases not yet read; for a team manager, also those on the
/// team's open cases that have no worker yet.
pub fn worker_inbox(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Vec<InboxItem>> {
    tx::require(conn, actor, Action::ViewFrontDoor)?;
    let me = actor.author();
    let items = tx::read(conn, actor, |c| {
        let links =
            contact_repo::for_allocated_worker(c, &me, managed_team(actor).as_deref(), 200)?;
        let contacts = contact_repo::find_many(
            c,
            &links
                .iter()
                .map(|l| l.contact_id.clone())
                .collect::<Vec<_>>(),
        )?;
        let people = people_repo::find_many(
            c,
            &links
                .iter()
                .map(|l| l.person_id.clone())
                .collect::<Vec<_>>(),
        )?;
        Ok(links
            .into_iter()
            .filter_map(|l| {
                Some(InboxItem {
                    contact: contacts.iter().find(|x| x.id == l.contact_id)?.clone(),
                    child: PersonSummary::from_row(people.iter().find(|p| p.id == l.person_id)?),
                    contact_child_id: l.id,
                })
            })
            .collect::<Vec<_>>())
    })?;
    tx::write(conn, actor, |c| {
        for item in &items {
            audit_trail::write(
                c,
                actor,
                Record::ok("open_case_contacts.view")
                    .on("contact", &item.contact.id)
                    .person(&item.child.id),
            )?;
        }
        Ok(())
    })?;
    Ok(items)
}

/// The allocated worker has read a new contact on their case.
pub fn acknowledge_open_case_contact(
    conn: &mut DbConn,
    actor: &Actor,
    contact_child_id: &str,
) -> ServiceResult<()> {
    tx::require(conn, actor, Action::AcknowledgeHandover)?;
    let now = cairn_db::now();
    tx::write(conn, actor, |c| {
        let team = managed_team(actor);
        if !contact_repo::acknowledge_for_worker(
            c,
            contact_child_id,
            &actor.author(),
            team.as_deref(),
            now,
        )? {
            return Err(ServiceError::Conflict(
                "This contact is not waiting for you".into(),
            ));
        }
        audit_trail::write(
            c,
            actor,
            Record::ok("open_case_contact.acknowledge").on("contact_child", contact_child_id),
        )?;
        Ok(())
    })
}

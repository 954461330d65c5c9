//! Screening a contact against the agreed threshold document, and a manager's authorisation.
//!
//! The decision records the threshold version the screener was shown (even if a newer one is
//! agreed while they work), the level, the indicators that apply and the rationale. An outcome
//! that does not fit the level needs an override reason. Outcomes configured as needing a
//! manager wait for a team manager to authorise them or return them with comments.

use cairn_db::DbConn;
use cairn_db::front_door::contacts::{self as contact_repo, ContactRow};
use cairn_db::front_door::screening::{self as repo, DecisionIndicatorRow, DecisionRow, ReviewRow};
use cairn_db::front_door::threshold_refs;
use cairn_domain::codes::PrimaryNeed;
use cairn_domain::front_door::{ContactStatus, Rag, ScreeningOutcome};
use cairn_domain::ids::{DecisionId, DecisionReviewId};
use cairn_domain::policy::Action;
use cairn_domain::validation::{FieldErrors, clean_line, clean_text};
use serde::Serialize;
use serde_json::json;

use super::contacts::{ContactView, load_view};
use super::history::{self, ChildHistory};
use super::{calendar, decision_due, event, messages, referrals};
use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::error::{ServiceError, ServiceResult};
use crate::settings::Settings;
use crate::tx;

pub const MAX_RATIONALE_LEN: usize = 10_000;

/// A screening decision as entered.
#[derive(Clone, Debug, Default)]
pub struct DecisionInput {
    /// The threshold document version shown on the screening page.
    pub threshold_document_id: String,
    pub level_id: String,
    pub indicator_ids: Vec<String>,
    pub rationale: String,
    pub rag: String,
    pub outcome: String,
    pub early_help_service: String,
    pub override_reason: String,
    pub receiving_team_id: String,
    pub receiving_worker_id: String,
    pub primary_need: String,
    /// The contact-children this decision covers; empty means every child waiting.
    pub children: Vec<String>,
}

/// Everything the screening page shows.
#[derive(Clone, Debug, Serialize)]
pub struct ScreeningContext {
    pub contact: ContactView,
    pub histories: Vec<ChildHistory>,
    pub held_by_me: bool,
}

/// The contact and each child's history, read for screening and audited per child.
pub fn context(
    conn: &mut DbConn,
    actor: &Actor,
    contact_id: &str,
) -> ServiceResult<ScreeningContext> {
    tx::require(conn, actor, Action::ViewFrontDoor)?;
    let now = cairn_db::now();
    let ctx = tx::read(conn, actor, |c| {
        let contact = load_view(c, contact_id)?;
        let ids: Vec<String> = contact
            .children
            .iter()
            .map(|ch| ch.person.id.clone())
            .collect();
        let histories = history::for_children(c, &ids, Some(contact_id), now)?;
        let held_by_me = contact.contact.claimed_by.is_some()
            && contact.contact.claimed_by == actor.user_id_string();
        Ok(ScreeningContext {
            contact,
            histories,
            held_by_me,
        })
    })?;
    super::contacts::audit_view(conn, actor, &ctx.contact, "contact.screening_view")?;
    if ctx.held_by_me {
        // Opening the screening page is working on the claim: it must not lapse meanwhile.
        conn.write(|c| contact_repo::touch_claim(c, contact_id, now))?;
    }
    Ok(ctx)
}

struct Checked {
    decision: DecisionRow,
    indicators: Vec<String>,
    children: Vec<String>,
    outcome: ScreeningOutcome,
}

fn check(
    c: &mut DbConn,
    actor: &Actor,
    contact: &ContactRow,
    input: &DecisionInput,
    needs_manager: bool,
) -> ServiceResult<Checked> {
    let mut errors = FieldErrors::new();
    let waiting: Vec<_> = contact_repo::children_of(c, &contact.id)?
        .into_iter()
        .filter(|ch| ch.routed_to == "screening" && ch.decision_id.is_none())
        .collect();
    if waiting.is_empty() {
        return Err(ServiceError::invalid(
            "children",
            "Identify the child before deciding: a contact with no child named cannot be decided",
        ));
    }
    let children: Vec<String> = if input.children.is_empty() {
        waiting.iter().map(|w| w.id.clone()).collect()
    } else {
        let chosen: Vec<String> = waiting
            .iter()
            .filter(|w| input.children.contains(&w.id))
            .map(|w| w.id.clone())
            .collect();
        if chosen.len() != input.children.len() {
            errors.push(
                "children",
                "Choose children on this contact who are waiting for a decision",
            );
        }
        chosen
    };

    let level = if input.level_id.trim().is_empty() {
        errors.push("level", "Select the level of need");
        None
    } else {
        let l = threshold_refs::level(c, input.level_id.trim())?;
        match &l {
            Some(l) if l.document_id != input.threshold_document_id => {
                errors.push("level", "Select a level from the threshold document shown");
            }
            Some(l) if l.document_status == "draft" => {
                errors.push(
                    "level",
                    "A draft threshold document cannot be used for decisions",
                );
            }
            None => errors.push("level", "Select a level from the list"),
            _ => {}
        }
        l
    };
    let indicator_rows = threshold_refs::indicators(c, &input.indicator_ids)?;
    if indicator_rows.len() != input.indicator_ids.len()
        || indicator_rows
            .iter()
            .any(|(_, _, doc)| doc != &input.threshold_document_id)
    {
        errors.push(
            "indicators",
            "Select indicators from the threshold document shown",
        );
    }
    let rationale = clean_text(
        "rationale",
        "The rationale",
        &input.rationale,
        MAX_RATIONALE_LEN,
        true,
        &mut errors,
    );
    let rag = Rag::from_code(input.rag.trim());
    if rag.is_none() {
        errors.push("rag", "Select a red, amber or green rating");
    }
    let outcome = ScreeningOutcome::from_code(input.outcome.trim());
    if outcome.is_none() {
        errors.push("outcome", "Select the outcome");
    }
    let early_help_service = clean_line(
        "early_help_service",
        "The early help service",
        &input.early_help_service,
        200,
        outcome == Some(ScreeningOutcome::EarlyHelp),
        &mut errors,
    );
    let fits_level = match (&level, outcome) {
        (Some(l), Some(o)) => l.outcomes.split(',').any(|x| x.trim() == o.code()),
        _ => true,
    };
    let override_reason = clean_text(
        "override_reason",
        "Why this outcome differs from the level",
        &input.override_reason,
        4_000,
        !fits_level,
        &mut errors,
    );
    let opens = outcome.is_some_and(|o| o.opens_referral());
    let mut team_id = None;
    let mut worker_id = None;
    let mut primary_need = None;
    if opens {
        if input.receiving_team_id.trim().is_empty() {
            errors.push("receiving_team", "Select the team receiving the referral");
        } else {
            match cairn_db::organisation::find_team(c, input.receiving_team_id.trim())? {
                Some(t) if t.active => team_id = Some(t.id),
                _ => errors.push("receiving_team", "Select an active team from the list"),
            }
        }
        if !input.receiving_worker_id.trim().is_empty() {
            let w = cairn_db::users::find(c, input.receiving_worker_id.trim())?;
            match w {
                Some(u) if u.active && u.team_id == team_id => worker_id = Some(u.id),
                _ => errors.push(
                    "receiving_worker",
                    "Select an active worker in the receiving team",
                ),
            }
        }
        match PrimaryNeed::from_code(input.primary_need.trim()) {
            Some(p) => primary_need = Some(p.code().to_string()),
            None => errors.push("primary_need", "Select the provisional primary need"),
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let (Some(level), Some(rationale), Some(rag), Some(outcome)) = (level, rationale, rag, outcome)
    else {
        return Err(ServiceError::Internal(
            "checked decision is incomplete".into(),
        ));
    };
    let now = cairn_db::now();
    Ok(Checked {
        decision: DecisionRow {
            id: DecisionId::new().to_string(),
            contact_id: contact.id.clone(),
            threshold_document_id: level.document_id.clone(),
            threshold_level_id: level.level_id.clone(),
            rationale,
            rag: rag.code().to_string(),
            outcome: outcome.code().to_string(),
            early_help_service,
            override_reason: if fits_level { None } else { override_reason },
            receiving_team_id: team_id,
            receiving_worker_id: worker_id,
            primary_need,
            status: if needs_manager {
                "awaiting_authorisation"
            } else {
                "final"
            }
            .to_string(),
            decided_by: actor.author(),
            decided_at: now,
            finalised_at: (!needs_manager).then_some(now),
        },
        indicators: input.indicator_ids.clone(),
        children,
        outcome,
    })
}

/// Records a screening decision on a contact the actor has claimed.
pub fn decide(
    conn: &mut DbConn,
    actor: &Actor,
    settings: &Settings,
    contact_id: &str,
    input: &DecisionInput,
) -> ServiceResult<DecisionId> {
    tx::require(conn, actor, Action::ScreenContact)?;
    let needs_manager = settings
        .outcomes_needing_authorisation
        .iter()
        .any(|o| o == input.outcome.trim());
    let mut decided = None;
    tx::write(conn, actor, |c| {
        let contact =
            contact_repo::find(c, contact_id)?.ok_or(ServiceError::NotFound("The contact"))?;
        if contact.status != ContactStatus::Screening.code() {
            return Err(ServiceError::Conflict(
                "This contact is not waiting for screening".into(),
            ));
        }
        if contact.claimed_by != actor.user_id_string() {
            return Err(ServiceError::Conflict(
                "Claim this contact before recording a decision".into(),
            ));
        }
        let checked = check(c, actor, &contact, input, needs_manager)?;
        let id = checked.decision.id.clone();
        let indicator_rows: Vec<DecisionIndicatorRow> = checked
            .indicators
            .iter()
            .map(|i| DecisionIndicatorRow {
                decision_id: id.clone(),
                indicator_id: i.clone(),
            })
            .collect();
        repo::insert(c, &checked.decision, &indicator_rows)?;
        contact_repo::set_child_decision(c, &checked.children, Some(&id))?;
        let now = checked.decision.decided_at;
        // The screener's rating replaces the one set at receipt, and with it the deadline.
        if checked.decision.rag != contact.rag
            && let Some(rag) = Rag::from_code(&checked.decision.rag)
        {
            let due = decision_due(settings, &calendar(settings), rag, contact.received_at)?;
            contact_repo::set_rag(c, contact_id, rag.code(), due, &actor.author(), now)?;
        }
        let links = contact_repo::children_of(c, contact_id)?;
        for l in links.iter().filter(|l| checked.children.contains(&l.id)) {
            cairn_db::events::append(
                c,
                &event(
                    "screening.decided",
                    Some(&l.person_id),
                    "screening_decision",
                    &id,
                    actor,
                    json!({ "outcome": checked.decision.outcome, "status": checked.decision.status, "level": checked.decision.threshold_level_id, "rag": checked.decision.rag }),
                ),
            )?;
            audit_trail::write(c, actor, Record::ok("screening.decide").on("screening_decision", &id).person(&l.person_id).detail(json!({ "outcome": checked.decision.outcome, "override": checked.decision.override_reason.is_some() })))?;
        }
        if needs_manager {
            contact_repo::set_status(
                c,
                contact_id,
                ContactStatus::AwaitingAuthorisation.code(),
                None,
                &actor.author(),
                now,
            )?;
        } else {
            finalise(
                c,
                actor,
                settings,
                &contact,
                &checked.decision,
                checked.outcome,
            )?;
        }
        decided = Some(checked.decision.id);
        Ok(())
    })?;
    decided
        .and_then(|d| DecisionId::parse(&d).ok())
        .ok_or_else(|| ServiceError::Internal("decision id lost".into()))
}

/// Puts a final decision into effect: referrals opened, contact decided when every child is,
/// feedback queued. Runs inside the deciding (or authorising) transaction.
fn finalise(
    c: &mut DbConn,
    actor: &Actor,
    settings: &Settings,
    contact: &ContactRow,
    decision: &DecisionRow,
    outcome: ScreeningOutcome,
) -> ServiceResult<()> {
    let now = cairn_db::now();
    let links = contact_repo::children_of(c, &contact.id)?;
    if outcome.opens_referral() {
        for l in links
            .iter()
            .filter(|l| l.decision_id.as_deref() == Some(decision.id.as_str()))
        {
            let referral = referrals::open(c, actor, contact, decision, &l.person_id)?;
            contact_repo::set_child_referral(c, &l.id, &referral)?;
        }
    }
    let all_decided = links
        .iter()
        .filter(|l| l.routed_to == "screening")
        .all(|l| l.decision_id.is_some());
    if all_decided {
        contact_repo::set_status(
            c,
            &contact.id,
            ContactStatus::Decided.code(),
            Some(now),
            &actor.author(),
            now,
        )?;
    }
    contact_repo::clear_claim(c, &contact.id)?;
    if let Some(referrer) = contact_repo::referrer_of(c, &contact.id)?
        && referrer.wants_feedback
        && super::contacts::is_identifiable(&referrer)
    {
        messages::queue_feedback(c, settings, contact, &referrer, decision)?;
    }
    Ok(())
}

/// A manager's review: authorise or return with comments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Review {
    Authorise,
    Return,
}

pub fn review(
    conn: &mut DbConn,
    actor: &Actor,
    settings: &Settings,
    decision_id: &str,
    review: Review,
    comments: &str,
) -> ServiceResult<()> {
    tx::require(conn, actor, Action::AuthoriseScreening)?;
    let mut errors = FieldErrors::new();
    let comments = clean_text(
        "comments",
        "Your comments",
        comments,
        MAX_RATIONALE_LEN,
        review == Review::Return,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    tx::write(conn, actor, |c| {
        let decision = repo::find(c, decision_id)?.ok_or(ServiceError::NotFound("The decision"))?;
        // Separation of duties: the point of authorisation is a second pair of eyes.
        if review == Review::Authorise
            && actor.user_id_string().as_deref() == Some(decision.decided_by.as_str())
        {
            return Err(ServiceError::Conflict(
                "Another manager must authorise a decision you made yourself".into(),
            ));
        }
        let contact = contact_repo::find(c, &decision.contact_id)?
            .ok_or(ServiceError::NotFound("The contact"))?;
        let now = cairn_db::now();
        let row = ReviewRow {
            id: DecisionReviewId::new().to_string(),
            decision_id: decision_id.to_string(),
            reviewer_id: actor.author(),
            action: match review {
                Review::Authorise => "authorised",
                Review::Return => "returned",
            }
            .to_string(),
            comments: comments.clone().unwrap_or_default(),
            at: now,
        };
        let new_status = match review {
            Review::Authorise => "final",
            Review::Return => "returned",
        };
        if !repo::review(c, &row, new_status)? {
            return Err(ServiceError::Conflict(
                "This decision has already been authorised or returned".into(),
            ));
        }
        let links = contact_repo::children_of(c, &contact.id)?;
        let covered: Vec<String> = links
            .iter()
            .filter(|l| l.decision_id.as_deref() == Some(decision_id))
            .map(|l| l.id.clone())
            .collect();
        for l in links.iter().filter(|l| covered.contains(&l.id)) {
            cairn_db::events::append(
                c,
                &event(
                    &format!("screening.{}", row.action),
                    Some(&l.person_id),
                    "screening_decision",
                    decision_id,
                    actor,
                    json!({ "outcome": decision.outcome }),
                ),
            )?;
            audit_trail::write(
                c,
                actor,
                Record::ok("screening.review")
                    .on("screening_decision", decision_id)
                    .person(&l.person_id)
                    .detail(json!({ "action": row.action })),
            )?;
        }
        match review {
            Review::Authorise => {
                let outcome = ScreeningOutcome::from_code(&decision.outcome)
                    .ok_or_else(|| ServiceError::Internal("stored outcome unreadable".into()))?;
                let decision = DecisionRow {
                    status: "final".into(),
                    finalised_at: Some(now),
                    ..decision
                };
                finalise(c, actor, settings, &contact, &decision, outcome)?;
                // Other children on the contact may still be waiting.
                let still_waiting = contact_repo::children_of(c, &contact.id)?
                    .iter()
                    .any(|l| l.routed_to == "screening" && l.decision_id.is_none());
                if still_waiting {
                    contact_repo::set_status(
                        c,
                        &contact.id,
                        ContactStatus::Screening.code(),
                        None,
                        &actor.author(),
                        now,
                    )?;
                }
            }
            Review::Return => {
                // Back to the screener, with the children undecided again.
                contact_repo::set_child_decision(c, &covered, None)?;
                contact_repo::set_status(
                    c,
                    &contact.id,
                    ContactStatus::Screening.code(),
                    None,
                    &actor.author(),
                    now,
                )?;
                let stale = now - chrono::Duration::days(36_500);
                contact_repo::claim(c, &contact.id, &decision.decided_by, now, stale)?;
            }
        }
        Ok(())
    })
}

/// A decision waiting for a manager, for the authorisation list.
#[derive(Clone, Debug, Serialize)]
pub struct PendingDecision {
    pub decision: DecisionRow,
    pub reference: String,
    pub decided_by: String,
    pub level_name: String,
    pub outcome_label: String,
}

pub fn awaiting_authorisation(
    conn: &mut DbConn,
    actor: &Actor,
) -> ServiceResult<Vec<PendingDecision>> {
    tx::require(conn, actor, Action::AuthoriseScreening)?;
    tx::read(conn, actor, |c| {
        let rows = repo::awaiting_authorisation(c, 200)?;
        let contact_ids: Vec<String> = rows.iter().map(|r| r.contact_id.clone()).collect();
        let contacts = contact_repo::find_many(c, &contact_ids)?;
        let names =
            super::contacts::user_names(c, rows.iter().map(|r| r.decided_by.clone()).collect())?;
        let level_ids: Vec<String> = rows.iter().map(|r| r.threshold_level_id.clone()).collect();
        let levels = threshold_refs::levels(c, &level_ids)?;
        Ok(rows
            .into_iter()
            .map(|d| PendingDecision {
                reference: contacts
                    .iter()
                    .find(|x| x.id == d.contact_id)
                    .map(|x| x.reference.clone())
                    .unwrap_or_default(),
                decided_by: names.get(&d.decided_by).cloned().unwrap_or_default(),
                level_name: levels
                    .iter()
                    .find(|l| l.level_id == d.threshold_level_id)
                    .map(|l| l.name.clone())
                    .unwrap_or_default(),
                outcome_label: ScreeningOutcome::from_code(&d.outcome)
                    .map(|o| o.label().to_string())
                    .unwrap_or_default(),
                decision: d,
            })
            .collect())
    })
}

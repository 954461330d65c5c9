//! The screening page (`GET /contacts/{id}/screen`): the contact, each child's history at a
//! glance and, to whoever holds the claim, the decision form (`POST /contacts/{id}/decision`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::accounts;
use cairn_core::front_door::screening;
use cairn_core::thresholds::{self, ThresholdDocument};
use cairn_core::{Actor, ServiceError};
use cairn_domain::codes::PrimaryNeed;
use cairn_domain::front_door::{ContactStatus, Rag, ScreeningOutcome};
use cairn_domain::policy::Action;

use super::SECTION;
use super::contact_summary::{ContactSummary, contact_summary};
use super::decision_form::{DecisionForm, ThresholdView, threshold_view};
use super::decision_lines::{DecisionLine, ReviewLine, decision_line};
use super::history::{HistoryView, history_views};
use crate::admin::path_id;
use crate::error::AppError;
use crate::layout::{Errors, Layout};
use crate::pages::labels::{age_text, code_options, code_options_with_codes};
use crate::pages::uk_time::{today_in_england, uk_time};
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

pub struct WorkerGroup {
    pub team: String,
    pub workers: Vec<(String, String)>,
}

#[derive(askama::Template)]
#[template(path = "pages/screening.html")]
pub struct ScreenPage {
    pub layout: Layout,
    pub errors: Errors,
    pub summary: ContactSummary,
    pub histories: Vec<HistoryView>,
    pub decisions: Vec<DecisionLine>,
    /// Managers' comments on decisions returned to the screener.
    pub returned: Vec<ReviewLine>,
    /// Why there is no form, when there is none.
    pub no_form_reason: String,
    pub claimed_by: String,
    pub show_claim: bool,
    pub show_release: bool,
    pub show_form: bool,
    pub threshold: Option<ThresholdView>,
    pub v: DecisionForm,
    pub rag_options: Vec<(String, String)>,
    pub outcome_options: Vec<(String, String)>,
    pub team_options: Vec<(String, String)>,
    pub worker_groups: Vec<WorkerGroup>,
    pub primary_needs: Vec<(String, String)>,
    pub child_options: Vec<(String, String)>,
}

/// Everything the screening page reads, in one trip to the database.
struct ScreenData {
    ctx: screening::ScreeningContext,
    doc: Option<ThresholdDocument>,
    teams: Vec<(String, String)>,
    workers: Vec<WorkerGroup>,
}

fn load_screen_data(
    c: &mut cairn_db::DbConn,
    actor: &Actor,
    contact_id: &str,
    shown_doc: &str,
) -> Result<ScreenData, AppError> {
    let ctx = screening::context(c, actor, contact_id)?;
    // A form posted against a version superseded since keeps that version: the decision
    // records the version actually shown. Otherwise, the current agreed version.
    let doc = match path_id(shown_doc)
        .ok()
        .map(|id| thresholds::published(c, &id))
    {
        Some(Ok(d)) => Some(d),
        _ => thresholds::current_agreed(c)?,
    };
    let mut teams = Vec::new();
    let mut workers = Vec::new();
    // One query for every team's workers, grouped here, rather than one query per team.
    let mut by_team: std::collections::HashMap<String, Vec<(String, String)>> =
        std::collections::HashMap::new();
    for u in cairn_db::users::active_with_team(c)? {
        if let Some(team) = u.team_id {
            by_team
                .entry(team)
                .or_default()
                .push((u.id, u.display_name));
        }
    }
    for t in accounts::team_choices(c)?
        .into_iter()
        .filter(|t| t.team.active)
    {
        let label = format!("{} ({})", t.team.name, t.office_name);
        let people = by_team.remove(&t.team.id).unwrap_or_default();
        if !people.is_empty() {
            workers.push(WorkerGroup {
                team: label.clone(),
                workers: people,
            });
        }
        teams.push((t.team.id, label));
    }
    Ok(ScreenData {
        ctx,
        doc,
        teams,
        workers,
    })
}

fn screen_page(
    user: &CurrentUser,
    data: ScreenData,
    typed: Option<DecisionForm>,
    errors: Errors,
) -> ScreenPage {
    let today = today_in_england();
    let actor = &user.actor;
    let view = &data.ctx.contact;
    let contact = &view.contact;
    let waiting: Vec<(String, String)> = view
        .children
        .iter()
        .filter(|ch| ch.routed_to == "screening" && ch.decision_id.is_none())
        .map(|ch| {
            (
                ch.contact_child_id.clone(),
                format!(
                    "{} ({})",
                    ch.person.display_name,
                    age_text(&ch.person, today)
                ),
            )
        })
        .collect();
    let screening_now = contact.status == ContactStatus::Screening.code();
    let may_screen = actor.may(Action::ScreenContact);
    let no_form_reason = if contact.status == ContactStatus::AwaitingAuthorisation.code() {
        "A decision on this contact is waiting for a manager to authorise it.".to_string()
    } else if contact.status == ContactStatus::Decided.code() {
        "This contact has been decided.".to_string()
    } else if contact.status == ContactStatus::WithAllocatedWorker.code() {
        "This contact was sent to the allocated worker because the child has an open case."
            .to_string()
    } else if !may_screen {
        "Your role does not include screening contacts.".to_string()
    } else if waiting.is_empty() {
        "Child not yet identified: name the child on the contact before deciding. A contact with no child named cannot be decided.".to_string()
    } else if data.doc.is_none() {
        "No threshold document has been agreed yet, so a screening decision cannot be recorded. An administrator or service manager records the partnership's agreed document.".to_string()
    } else if !data.ctx.held_by_me {
        "Claim this contact to record a decision.".to_string()
    } else {
        String::new()
    };
    let show_form = no_form_reason.is_empty();
    // A decision returned by a manager is the starting point for the next one, when it was
    // made against the version shown now.
    let returned_decision = view
        .decisions
        .iter()
        .filter(|d| d.row.status == "returned")
        .max_by_key(|d| d.row.decided_at);
    let v = typed.unwrap_or_else(|| {
        let mut v = DecisionForm {
            threshold_document_id: data.doc.as_ref().map(|d| d.id.clone()).unwrap_or_default(),
            rag: contact.rag.clone(),
            children: waiting.iter().map(|(id, _)| id.clone()).collect(),
            children_shown: true,
            ..DecisionForm::default()
        };
        if let Some(d) = returned_decision
            .filter(|d| Some(&d.row.threshold_document_id) == data.doc.as_ref().map(|x| &x.id))
        {
            let r = &d.row;
            v.level = r.threshold_level_id.clone();
            v.rationale = r.rationale.clone();
            v.rag = r.rag.clone();
            v.outcome = r.outcome.clone();
            v.early_help_service = r.early_help_service.clone().unwrap_or_default();
            v.override_reason = r.override_reason.clone().unwrap_or_default();
            v.receiving_team = r.receiving_team_id.clone().unwrap_or_default();
            v.receiving_worker = r.receiving_worker_id.clone().unwrap_or_default();
            v.primary_need = r.primary_need.clone().unwrap_or_default();
        }
        v
    });
    let returned = view
        .decisions
        .iter()
        .filter(|d| d.row.status == "returned")
        .flat_map(|d| d.reviews.iter().filter(|r| r.action == "returned"))
        .map(|rv| ReviewLine {
            reviewer: rv.reviewer.clone(),
            action: "Returned".into(),
            comments: rv.comments.clone(),
            at: uk_time(rv.at),
        })
        .collect();
    let heading = format!("Screen contact {}", contact.reference);
    ScreenPage {
        layout: user.layout(format!("{}{heading}", errors.title_prefix()), SECTION),
        errors,
        summary: contact_summary(view, today),
        histories: history_views(&data.ctx.histories, today),
        decisions: view.decisions.iter().map(decision_line).collect(),
        returned,
        claimed_by: if data.ctx.held_by_me {
            String::new()
        } else {
            view.claimed_by.clone().unwrap_or_default()
        },
        show_claim: screening_now && may_screen && !data.ctx.held_by_me,
        show_release: screening_now && data.ctx.held_by_me,
        show_form,
        threshold: data.doc.as_ref().map(|d| threshold_view(d, &v)),
        v,
        rag_options: code_options::<Rag>(),
        outcome_options: code_options::<ScreeningOutcome>(),
        team_options: data.teams,
        worker_groups: data.workers,
        primary_needs: code_options_with_codes::<PrimaryNeed>(),
        child_options: waiting,
        no_form_reason,
    }
}

pub async fn screen(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = user.actor.clone();
    let data = state
        .db(move |c| load_screen_data(c, &actor, &id, ""))
        .await?;
    Ok(render_with(
        StatusCode::OK,
        &screen_page(&user, data, None, Errors::default()),
    ))
}

pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let typed = DecisionForm::from_form(&form.data);
    let input = typed.to_input();
    let actor = form.user.actor.clone();
    let settings = state.settings.clone();
    let cid = id.clone();
    let outcome = state
        .db(
            move |c| match screening::decide(c, &actor, &settings, &cid, &input) {
                Ok(decision) => {
                    // Whether it took effect or waits for a manager is the service's call
                    // (configured per outcome); read it back rather than guess.
                    let status = cairn_db::front_door::screening::find(c, &decision.to_string())?
                        .map(|d| d.status)
                        .unwrap_or_default();
                    Ok(Ok(status))
                }
                Err(ServiceError::Invalid(e)) => Ok(Err((
                    Errors::from_fields(&e),
                    StatusCode::UNPROCESSABLE_ENTITY,
                ))),
                // The claim was lost or the contact moved on: the form may no longer be
                // shown, so point at the "Your decision" heading, which always is.
                Err(ServiceError::Conflict(m)) => {
                    Ok(Err((Errors::one("decision", &m), StatusCode::CONFLICT)))
                }
                Err(e) => Err(e.into()),
            },
        )
        .await?;
    match outcome {
        Ok(status) => {
            // A final decision may have queued feedback to the referrer.
            state.jobs.notify();
            let banner = if status == "awaiting_authorisation" {
                "awaiting-manager"
            } else {
                "recorded"
            };
            Ok(Redirect::to(&format!("/contacts/{id}?decided={banner}")).into_response())
        }
        Err((errors, status)) => {
            let actor = form.user.actor.clone();
            let shown = typed.threshold_document_id.clone();
            let data = state
                .db(move |c| load_screen_data(c, &actor, &id, &shown))
                .await?;
            Ok(render_with(
                status,
                &screen_page(&form.user, data, Some(typed), errors),
            ))
        }
    }
}

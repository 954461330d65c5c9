//! A decision (`GET /decisions/{id}`), with the forms for a manager to authorise it or return
//! it with comments (`POST /decisions/{id}/review`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::ServiceError;
use cairn_core::front_door::screening::{self, Review};
use cairn_domain::policy::Action;

use super::SECTION;
use super::contact_summary::{ContactSummary, contact_summary};
use super::decision_lines::{DecisionLine, decision_line};
use super::history::{HistoryView, history_views};
use crate::admin::{gate, path_id};
use crate::error::AppError;
use crate::layout::{Errors, Layout};
use crate::pages::uk_time::today_in_england;
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "pages/screening_decision.html")]
pub struct DecisionPage {
    pub layout: Layout,
    pub errors: Errors,
    pub summary: ContactSummary,
    pub histories: Vec<HistoryView>,
    pub decision: DecisionLine,
    pub can_review: bool,
    pub authorise_comments: String,
    pub comments: String,
}

async fn render_decision(
    state: &AppState,
    user: &CurrentUser,
    decision_id: String,
    errors: Errors,
    typed: (String, String),
    status: StatusCode,
) -> Result<Response, AppError> {
    let actor = user.actor.clone();
    let did = decision_id.clone();
    let ctx = state
        .db(move |c| {
            gate(c, &actor, Action::ViewFrontDoor)?;
            let row = cairn_db::front_door::screening::find(c, &did)?.ok_or(AppError::NotFound)?;
            Ok(screening::context(c, &actor, &row.contact_id)?)
        })
        .await?;
    let d = ctx
        .contact
        .decisions
        .iter()
        .find(|d| d.row.id == decision_id)
        .ok_or(AppError::NotFound)?;
    let today = today_in_england();
    let heading = format!("Decision on contact {}", ctx.contact.contact.reference);
    let page = DecisionPage {
        layout: user.layout(format!("{}{heading}", errors.title_prefix()), SECTION),
        errors,
        can_review: d.row.status == "awaiting_authorisation"
            && user.actor.may(Action::AuthoriseScreening),
        decision: decision_line(d),
        summary: contact_summary(&ctx.contact, today),
        histories: history_views(&ctx.histories, today),
        authorise_comments: typed.0,
        comments: typed.1,
    };
    Ok(render_with(status, &page))
}

pub async fn decision(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    render_decision(
        &state,
        &user,
        id,
        Errors::default(),
        Default::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn review(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let (kind, comments) = match form.data.get("action") {
        "authorise" => (Review::Authorise, form.data.string("authorise_comments")),
        "return" => (Review::Return, form.data.string("comments")),
        _ => {
            return Err(AppError::BadRequest(
                "Choose to authorise the decision or return it".into(),
            ));
        }
    };
    let actor = form.user.actor.clone();
    let settings = state.settings.clone();
    let did = id.clone();
    let text = comments.clone();
    let result = state
        .db(
            move |c| match screening::review(c, &actor, &settings, &did, kind, &text) {
                Ok(()) => Ok(Ok(())),
                Err(ServiceError::Invalid(e)) => Ok(Err((
                    Errors::from_fields(&e),
                    StatusCode::UNPROCESSABLE_ENTITY,
                ))),
                // Someone reviewed it first: the page then shows no forms, so point at its status.
                Err(ServiceError::Conflict(m)) => Ok(Err((
                    Errors::one("decision-status", &m),
                    StatusCode::CONFLICT,
                ))),
                Err(e) => Err(e.into()),
            },
        )
        .await?;
    match result {
        Ok(()) => {
            state.jobs.notify();
            let done = if kind == Review::Authorise {
                "authorised"
            } else {
                "returned"
            };
            Ok(Redirect::to(&format!("/queue?view=manager&reviewed={done}")).into_response())
        }
        Err((errors, status)) => {
            let typed = if kind == Review::Authorise {
                (comments, String::new())
            } else {
                (String::new(), comments)
            };
            render_decision(&state, &form.user, id, errors, typed, status).await
        }
    }
}

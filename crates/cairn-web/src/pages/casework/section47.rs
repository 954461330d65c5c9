//! Section 47 enquiries: the record (`GET /section47/{id}`) with the conference target and
//! how it was computed, the outcome form (`POST /section47/{id}/outcome`) and a manager's
//! sign-off (`POST /section47/{id}/sign-off`). Both forms carry the version they were shown
//! at, so two people saving at once cannot overwrite each other unknowingly.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cairn_core::ServiceError;
use cairn_core::casework::section47::{self, OutcomeInput, Section47View};
use cairn_domain::casework::Section47Outcome;
use cairn_domain::dates::{DateParts, format_long};
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;

use super::actions::lines;
use super::common::{load, query_of, read_date, recorded, version_of};
use crate::admin::{answer, path_id};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::labels::code_options;
use crate::pages::uk_time::{today_in_england, uk_time};
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

/// The outcome form as typed.
#[derive(Clone, Debug, Default)]
pub struct OutcomeValues {
    pub outcome: String,
    pub outcome_on: DateParts,
    pub notes: String,
}

impl OutcomeValues {
    fn from_view(view: &Section47View) -> OutcomeValues {
        let e = &view.enquiry;
        OutcomeValues {
            outcome: e.outcome.clone().unwrap_or_default(),
            outcome_on: e.outcome_on.map(DateParts::from_date).unwrap_or_default(),
            notes: e.outcome_notes.clone().unwrap_or_default(),
        }
    }

    fn from_form(f: &FormData) -> OutcomeValues {
        OutcomeValues {
            outcome: f.string("outcome"),
            outcome_on: f.date("outcome_on"),
            notes: f.string("notes"),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "pages/casework/section47.html")]
pub struct Section47Page {
    pub layout: Layout,
    pub errors: Errors,
    pub notice: String,
    pub id: String,
    pub version: i32,
    pub child_id: String,
    pub child_name: String,
    pub started_on: String,
    pub strategy_discussion_id: String,
    pub discussion_held: String,
    pub icpc_due: String,
    pub icpc_basis: String,
    pub icpc_overdue: bool,
    pub outcome: String,
    pub icpc_not_required: String,
    pub outcome_on: String,
    pub notes: Vec<String>,
    pub recorded_by: String,
    pub signed_off: String,
    pub conference_held: String,
    pub needs_conference: bool,
    pub can_record_conference: bool,
    pub can_record_outcome: bool,
    pub can_sign_off: bool,
    /// Why this user cannot sign off an outcome that is waiting for it, if that is the case.
    pub sign_off_blocked: String,
    pub outcomes: Vec<(String, String)>,
    pub v: OutcomeValues,
}

fn page(
    user: &CurrentUser,
    state: &AppState,
    view: &Section47View,
    errors: Errors,
    notice: String,
    v: Option<OutcomeValues>,
) -> Section47Page {
    let e = &view.enquiry;
    let signed = e.signed_off_at.is_some();
    let awaiting_sign_off = e.outcome.is_some() && !signed;
    let manager = user.actor.may(Action::AuthoriseCasework);
    let own = e.recorded_by.is_some() && e.recorded_by == user.actor.user_id_string();
    let own_blocked = own && !state.settings.managers_may_authorise_own_work;
    Section47Page {
        layout: user.layout(
            format!(
                "{}Section 47 enquiry about {}",
                errors.title_prefix(),
                view.child.display_name
            ),
            "",
        ),
        errors,
        notice,
        id: e.id.clone(),
        version: e.version,
        child_id: view.child.id.clone(),
        child_name: view.child.display_name.clone(),
        started_on: format_long(e.started_on),
        strategy_discussion_id: e.strategy_discussion_id.clone(),
        discussion_held: uk_time(view.discussion_held_at),
        icpc_due: format_long(view.icpc_due.date),
        icpc_basis: view.icpc_due.basis.clone(),
        icpc_overdue: view.initial_conference.is_none()
            && view.icpc_not_required != Some(true)
            && view.icpc_due.is_overdue(today_in_england()),
        outcome: view
            .outcome
            .map(|o| o.label().to_string())
            .unwrap_or_default(),
        icpc_not_required: match view.icpc_not_required {
            Some(true) => "Not required".into(),
            Some(false) => "Required".into(),
            None => String::new(),
        },
        outcome_on: e.outcome_on.map(format_long).unwrap_or_default(),
        notes: lines(e.outcome_notes.as_deref().unwrap_or_default()),
        recorded_by: view.recorded_by_name.clone().unwrap_or_default(),
        signed_off: match (e.signed_off_at, &view.signed_off_by_name) {
            (Some(at), Some(by)) => format!("{by}, {}", uk_time(at)),
            (Some(at), None) => uk_time(at),
            _ => String::new(),
        },
        conference_held: view
            .initial_conference
            .as_ref()
            .map(|c| format_long(c.held_on))
            .unwrap_or_default(),
        needs_conference: view.needs_conference,
        can_record_conference: view.needs_conference && user.actor.may(Action::RecordCasework),
        can_record_outcome: !signed
            && view.initial_conference.is_none()
            && user.actor.may(Action::RecordCasework),
        can_sign_off: awaiting_sign_off && manager && !own_blocked,
        sign_off_blocked: if awaiting_sign_off && manager && own_blocked {
            "You recorded this outcome, so another manager must sign it off.".into()
        } else {
            String::new()
        },
        outcomes: code_options::<Section47Outcome>(),
        v: v.unwrap_or_else(|| OutcomeValues::from_view(view)),
    }
}

/// `GET /section47/{id}`
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let query = query_of(q);
    let notice = match query.get("done") {
        "outcome" => "The outcome has been recorded".to_string(),
        "signed" => "The outcome has been signed off".to_string(),
        _ => String::new(),
    };
    let view = load(&state, &user.actor, id, section47::view).await?;
    let page = page(&user, &state, &view, Errors::default(), notice, None);
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /section47/{id}/outcome`
pub async fn record_outcome(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let version = version_of(&form.data, "enquiry")?;
    let v = OutcomeValues::from_form(&form.data);
    let mut errors = FieldErrors::new();
    let outcome_on = read_date(
        &v.outcome_on,
        "outcome_on",
        "The date the enquiry concluded",
        &mut errors,
    );
    let input = OutcomeInput {
        outcome: v.outcome.clone(),
        outcome_on,
        notes: v.notes.clone(),
    };
    let actor = form.user.actor.clone();
    let sid = id.clone();
    let outcome = state
        .db(move |c| answer(section47::record_outcome(c, &actor, &sid, version, &input)))
        .await?;
    // An unreadable date reaches the service as missing, so it refuses it too: the reader's
    // message for the date comes first, then the service's.
    let (errors, status) = match recorded(outcome, errors, None, "record-outcome") {
        Ok(()) => {
            return Ok(Redirect::to(&format!("/section47/{id}?done=outcome")).into_response());
        }
        Err(problem) => problem,
    };
    let view = load(&state, &form.user.actor, id, section47::view).await?;
    let errors = Errors::from_fields(&errors);
    let page = page(&form.user, &state, &view, errors, String::new(), Some(v));
    Ok(render_with(status, &page))
}

/// `POST /section47/{id}/sign-off`
pub async fn sign_off(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let version = version_of(&form.data, "enquiry")?;
    let actor = form.user.actor.clone();
    let settings = state.settings.clone();
    let sid = id.clone();
    let result = state
        .db(move |c| Ok(section47::sign_off(c, &actor, &settings, &sid, version)))
        .await?;
    let message = match result {
        Ok(()) => {
            return Ok(Redirect::to(&format!("/section47/{id}?done=signed")).into_response());
        }
        Err(ServiceError::Conflict(m)) => m,
        Err(e) => return Err(e.into()),
    };
    let view = load(&state, &form.user.actor, id, section47::view).await?;
    let page = page(
        &form.user,
        &state,
        &view,
        Errors::one("sign-off", &message),
        String::new(),
        None,
    );
    Ok(render_with(StatusCode::CONFLICT, &page))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/section47/{id}", get(show))
        .route("/section47/{id}/outcome", post(record_outcome))
        .route("/section47/{id}/sign-off", post(sign_off))
}

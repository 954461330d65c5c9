//! Out of hours: the emergency duty team's actions on a contact, the day team's handover list
//! (children protected overnight first) and, for allocated workers, the new contacts about
//! children on their open cases.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::front_door::out_of_hours::{self, ActionInput};
use cairn_domain::dates::format_long;
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;

use crate::admin::{Answer, answer, gate, path_id};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::contacts::{ActionFormValues, ActionLine, ContactPage, load_contact};
use crate::pages::uk_time::{parse_uk_time, uk_time};
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

/// The order of the action form's fields, for the error summary.
const ACTION_ORDER: &[&str] = &[
    "kind",
    "occurred",
    "occurred_time",
    "details",
    "outstanding",
];

/// `POST /contacts/{id}/out-of-hours`: records what the out-of-hours team did. Problems show
/// the contact page again with the form as typed.
pub async fn record_action(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let values = ActionFormValues::from_form(&form.data);
    let mut errors = FieldErrors::new();
    let occurred_at = parse_uk_time(
        &values.occurred,
        &values.occurred_time,
        "occurred",
        "it happened",
        &mut errors,
    );
    let input = ActionInput {
        kind: values.kind.clone(),
        occurred_at,
        details: values.details.clone(),
        outstanding: values.outstanding.clone(),
    };
    let (actor, cid) = (form.user.actor.clone(), id.clone());
    let outcome = state
        .db(move |c| {
            if !errors.is_empty() {
                // The time could not be read, so nothing may be recorded (a blank time would
                // be taken as "now"). The permission is still checked first, so a refusal is
                // a refusal rather than a message about the form.
                gate(c, &actor, Action::RecordOutOfHoursAction)?;
                return Ok(Answer::Invalid(errors));
            }
            answer(out_of_hours::record_action(c, &actor, &cid, &input))
        })
        .await?;
    let errors = match outcome {
        Answer::Done(()) => {
            return Ok(Redirect::to(&format!("/contacts/{id}?action_recorded=1")).into_response());
        }
        Answer::Invalid(e) => e,
        Answer::Conflict(m) => {
            let mut e = FieldErrors::new();
            e.push("kind", m);
            e
        }
    };
    let view = load_contact(&state, &form.user.actor, &id).await?;
    let mut page = ContactPage::build(&form.user, view);
    page.layout.title = format!("Error: {}", page.layout.title);
    let mut ordered = FieldErrors::new();
    for field in ACTION_ORDER {
        for e in errors.iter().filter(|e| e.field == *field) {
            ordered.push(e.field.clone(), e.message.clone());
        }
    }
    for e in errors
        .iter()
        .filter(|e| !ACTION_ORDER.contains(&e.field.as_str()))
    {
        ordered.push(e.field.clone(), e.message.clone());
    }
    page.errors = Errors::from_fields(&ordered);
    page.action_form = values;
    Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

// ---- handover ----

#[derive(Clone, Debug)]
pub struct HandoverLine {
    pub contact_id: String,
    pub reference: String,
    pub received: String,
    pub children: Vec<(String, String)>,
    pub immediate_protection: bool,
    pub actions: Vec<ActionLine>,
    pub outstanding: Vec<String>,
}

#[derive(askama::Template)]
#[template(path = "pages/handover.html")]
pub struct HandoverPage {
    pub layout: Layout,
    pub notice: String,
    pub items: Vec<HandoverLine>,
    pub can_acknowledge: bool,
}

/// `GET /handover`: out-of-hours contacts waiting for the day team.
pub async fn handover(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let (actor, settings) = (user.actor.clone(), state.settings.clone());
    let items = state
        .db(move |c| Ok(out_of_hours::handover(c, &actor, &settings)?))
        .await?;
    let page = HandoverPage {
        layout: user.layout("Out-of-hours handover", "handover"),
        notice: if query.get("acknowledged").is_empty() {
            String::new()
        } else {
            "Handover acknowledged".into()
        },
        items: items
            .into_iter()
            .map(|i| HandoverLine {
                contact_id: i.contact.id.clone(),
                reference: i.contact.reference.clone(),
                received: uk_time(i.contact.received_at),
                children: i
                    .children
                    .iter()
                    .map(|p| (p.id.clone(), p.display_name.clone()))
                    .collect(),
                immediate_protection: i.immediate_protection,
                actions: i
                    .actions
                    .iter()
                    .map(|(a, by)| ActionLine::new(a, by))
                    .collect(),
                outstanding: i.outstanding.clone(),
            })
            .collect(),
        can_acknowledge: user.actor.may(Action::AcknowledgeHandover),
    };
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /handover/{contact_id}/acknowledge`.
pub async fn acknowledge(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = form.user.actor.clone();
    state
        .db(move |c| Ok(out_of_hours::acknowledge(c, &actor, &id)?))
        .await?;
    Ok(Redirect::to("/handover?acknowledged=1").into_response())
}

// ---- new contacts on open cases ----

#[derive(Clone, Debug)]
pub struct InboxLine {
    pub contact_child_id: String,
    pub contact_id: String,
    pub reference: String,
    pub received: String,
    pub child_id: String,
    pub child: String,
    pub dob: String,
}

#[derive(askama::Template)]
#[template(path = "pages/contact_inbox.html")]
pub struct InboxPage {
    pub layout: Layout,
    pub notice: String,
    pub items: Vec<InboxLine>,
    pub can_acknowledge: bool,
}

/// `GET /my-contacts`: contacts about children on the user's open cases, not yet read.
pub async fn my_contacts(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let actor = user.actor.clone();
    let items = state
        .db(move |c| Ok(out_of_hours::worker_inbox(c, &actor)?))
        .await?;
    let page = InboxPage {
        layout: user.layout("New contacts on your cases", "my-contacts"),
        notice: if query.get("read").is_empty() {
            String::new()
        } else {
            "Marked as read".into()
        },
        items: items
            .into_iter()
            .map(|i| InboxLine {
                contact_child_id: i.contact_child_id,
                contact_id: i.contact.id.clone(),
                reference: i.contact.reference.clone(),
                received: uk_time(i.contact.received_at),
                child_id: i.child.id.clone(),
                child: i.child.display_name.clone(),
                dob: i.child.date_of_birth.map(format_long).unwrap_or_default(),
            })
            .collect(),
        can_acknowledge: user.actor.may(Action::AcknowledgeHandover),
    };
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /my-contacts/{contact_child_id}/read`.
pub async fn mark_read(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = form.user.actor.clone();
    state
        .db(move |c| Ok(out_of_hours::acknowledge_open_case_contact(c, &actor, &id)?))
        .await?;
    Ok(Redirect::to("/my-contacts?read=1").into_response())
}

//! The wording of receipts and feedback to referrers, and the messages that were not sent by
//! email (letters to post, retries and failures).
//!
//! Templates are edited with the list of placeholders beside them; the service refuses an
//! unknown placeholder (a typo such as `{refrence}` would otherwise reach a referrer) and a
//! save based on an out-of-date version. Both come back as field errors on the form.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::front_door::messages::{self, PLACEHOLDERS, TemplateView};
use cairn_domain::front_door::{MessageKind, MessageStatus};
use cairn_domain::policy::Action;

use super::{Answer, Tag, answer, gate};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::uk_time::uk_time_short;
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

const SECTION: &str = "messages";

#[derive(askama::Template)]
#[template(path = "admin/message_templates.html")]
pub struct TemplatesPage {
    pub layout: Layout,
    pub notice: String,
    pub rows: Vec<TemplateView>,
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let actor = user.actor.clone();
    let rows = state
        .db(move |c| {
            gate(c, &actor, Action::ManageMessageTemplates)?;
            Ok(messages::templates(c, &actor)?)
        })
        .await?;
    let notice = rows
        .iter()
        .find(|t| t.key == query.get("saved"))
        .map(|t| {
            format!(
                "“{}” has been saved. Messages queued from now on use the new wording.",
                t.label
            )
        })
        .unwrap_or_default();
    let page = TemplatesPage {
        layout: user.layout("Messages to referrers", SECTION),
        notice,
        rows,
    };
    Ok(render_with(StatusCode::OK, &page))
}

#[derive(askama::Template)]
#[template(path = "admin/message_template.html")]
pub struct TemplateFormPage {
    pub layout: Layout,
    pub errors: Errors,
    pub key: String,
    pub label: String,
    pub subject: String,
    pub body: String,
    pub version: i32,
    pub placeholders: Vec<(String, String)>,
}

fn form_page(
    user: &CurrentUser,
    t: &TemplateView,
    subject: String,
    body: String,
    version: i32,
    errors: Errors,
) -> TemplateFormPage {
    let heading = format!("Change the wording: {}", t.label);
    TemplateFormPage {
        layout: user.layout(format!("{}{heading}", errors.title_prefix()), SECTION),
        errors,
        key: t.key.clone(),
        label: t.label.clone(),
        subject,
        body,
        version,
        placeholders: PLACEHOLDERS
            .iter()
            .map(|(p, what)| (p.to_string(), what.to_string()))
            .collect(),
    }
}

/// The template named by the path; keys are a fixed list, so anything else is not found.
fn find(rows: Vec<TemplateView>, key: &str) -> Result<TemplateView, AppError> {
    rows.into_iter()
        .find(|t| t.key == key)
        .ok_or(AppError::NotFound)
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(key): Path<String>,
) -> Result<Response, AppError> {
    let actor = user.actor.clone();
    let rows = state
        .db(move |c| {
            gate(c, &actor, Action::ManageMessageTemplates)?;
            Ok(messages::templates(c, &actor)?)
        })
        .await?;
    let t = find(rows, &key)?;
    let page = form_page(
        &user,
        &t,
        t.subject.clone(),
        t.body.clone(),
        t.version,
        Errors::default(),
    );
    Ok(render_with(StatusCode::OK, &page))
}

pub async fn update(
    State(state): State<AppState>,
    Path(key): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let subject = form.data.string("subject");
    let body = form.data.string("body");
    let Ok(version) = form.data.get("version").trim().parse::<i32>() else {
        return Err(AppError::BadRequest(
            "The form was missing the template's version: open it again".into(),
        ));
    };
    let actor = form.user.actor.clone();
    let (k, s, b) = (key.clone(), subject.clone(), body.clone());
    let (result, rows) = state
        .db(move |c| {
            gate(c, &actor, Action::ManageMessageTemplates)?;
            let result = answer(messages::update_template(c, &actor, &k, &s, &b, version))?;
            Ok((result, messages::templates(c, &actor)?))
        })
        .await?;
    let t = find(rows, &key)?;
    let (errors, status) = match result {
        Answer::Done(()) => {
            let q = serde_urlencoded::to_string([("saved", key.as_str())]).unwrap_or_default();
            return Ok(Redirect::to(&format!("/admin/messages?{q}")).into_response());
        }
        Answer::Invalid(e) => (Errors::from_fields(&e), StatusCode::UNPROCESSABLE_ENTITY),
        // Someone saved first: show the message against the subject (the top of the form),
        // keeping what this administrator typed so they can compare and save again.
        Answer::Conflict(m) => (Errors::one("subject", &m), StatusCode::CONFLICT),
    };
    // On a conflict the form now carries the latest version, so a second save is deliberate.
    let page = form_page(
        &form.user,
        &t,
        subject,
        body,
        if status == StatusCode::CONFLICT {
            t.version
        } else {
            version
        },
        errors,
    );
    Ok(render_with(status, &page))
}

pub struct UndeliveredLine {
    pub contact_id: String,
    pub reference: String,
    pub kind: String,
    pub recipient: String,
    pub status: Tag,
    pub attempts: i32,
    pub last_error: String,
    pub due: String,
}

#[derive(askama::Template)]
#[template(path = "admin/undelivered.html")]
pub struct UndeliveredPage {
    pub layout: Layout,
    pub rows: Vec<UndeliveredLine>,
}

fn status_tag(code: &str) -> Tag {
    let label = MessageStatus::from_code(code)
        .map(|s| s.label().to_string())
        .unwrap_or_else(|| code.to_string());
    let class = match MessageStatus::from_code(code) {
        Some(MessageStatus::Failed) => "govuk-tag--red",
        Some(MessageStatus::Retrying) => "govuk-tag--yellow",
        Some(MessageStatus::LetterOnly) => "govuk-tag--blue",
        _ => "govuk-tag--grey",
    };
    Tag::new(label, class)
}

pub async fn undelivered(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let actor = user.actor.clone();
    let rows = state
        .db(move |c| {
            gate(c, &actor, Action::ViewJobs)?;
            Ok(messages::undelivered(c, &actor)?)
        })
        .await?;
    let rows = rows
        .into_iter()
        // Queued messages are on their way; this page is for what needs a person's attention.
        .filter(|m| m.message.status != MessageStatus::Queued.code())
        .map(|m| UndeliveredLine {
            contact_id: m.message.contact_id.clone(),
            reference: m.contact_reference.clone(),
            kind: MessageKind::from_code(&m.message.kind)
                .map(|k| k.label().to_string())
                .unwrap_or_else(|| m.message.kind.clone()),
            recipient: m.message.recipient_name.clone(),
            status: status_tag(&m.message.status),
            attempts: m.message.attempts,
            last_error: m.message.last_error.clone().unwrap_or_default(),
            due: uk_time_short(m.message.due_at),
        })
        .collect();
    let page = UndeliveredPage {
        layout: user.layout("Messages not sent by email", SECTION),
        rows,
    };
    Ok(render_with(StatusCode::OK, &page))
}

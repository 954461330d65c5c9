//! Actions agreed at strategy discussions, conferences and plan reviews: their own page
//! (`GET /actions/{id}`) with the close form (`POST /actions/{id}/close`), and the pieces
//! every form that agrees actions shares.
//!
//! A form that agrees actions includes `templates/pages/casework/action_rows.html` and parses
//! what was posted with [`parse_action_rows`]. The include expects `m` (the imported
//! `macros.html`), `errors: Errors`, `action_rows: Vec<ActionRowValues>` and
//! `action_owners: Vec<(String, String)>` in the including template. Its fields are
//! `actions-{n}-description`, `actions-{n}-owner` (a user id), `actions-{n}-owner-name` and the
//! date input `actions-{n}-due`, with n counting from 1.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cairn_core::ServiceError;
use cairn_core::casework::actions::{self, ActionInput};
use cairn_core::casework::strategy::{self, ActionView};
use cairn_domain::casework::{ActionSource, ActionStatus};
use cairn_domain::dates::{DateParts, format_long, parse_date_parts};
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;

use super::common::{load, query_of, version_of};
use crate::admin::path_id;
use crate::error::AppError;
use crate::layout::{Errors, Layout};
use crate::pages::uk_time::{today_in_england, uk_time};
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

/// Blank action rows on a new form; a posted form keeps however many rows it had.
pub const BLANK_ACTION_ROWS: usize = 3;
/// Bounds how many action rows a posted form can make us read.
pub const MAX_ACTION_ROWS: usize = 30;

/// One action row as typed, with its field names, for `action_rows.html`.
#[derive(Clone, Debug, Default)]
pub struct ActionRowValues {
    pub legend: String,
    pub f_description: String,
    pub f_owner: String,
    pub f_owner_name: String,
    pub f_due: String,
    pub description: String,
    pub owner: String,
    pub owner_name: String,
    pub due: DateParts,
}

fn field(n: usize, part: &str) -> String {
    format!("actions-{n}-{part}")
}

fn value_of<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

impl ActionRowValues {
    fn read(n: usize, pairs: &[(String, String)]) -> ActionRowValues {
        let value = |part: &str| value_of(pairs, &field(n, part)).to_string();
        ActionRowValues {
            legend: format!("Action {n}"),
            f_description: field(n, "description"),
            f_owner: field(n, "owner"),
            f_owner_name: field(n, "owner-name"),
            f_due: field(n, "due"),
            description: value("description"),
            owner: value("owner"),
            owner_name: value("owner-name"),
            due: DateParts::new(value("due-day"), value("due-month"), value("due-year")),
        }
    }
}

/// How many action rows were posted (the highest n with any field), bounded.
fn posted_rows(pairs: &[(String, String)]) -> usize {
    (1..=MAX_ACTION_ROWS)
        .filter(|n| {
            let prefix = format!("actions-{n}-");
            pairs.iter().any(|(k, _)| k.starts_with(&prefix))
        })
        .max()
        .unwrap_or(0)
}

/// The rows of a blank form.
pub fn blank_action_rows() -> Vec<ActionRowValues> {
    (1..=BLANK_ACTION_ROWS)
        .map(|n| ActionRowValues::read(n, &[]))
        .collect()
}

/// Every posted row as typed (and at least the usual blank ones), to show a form again.
pub fn action_row_values(pairs: &[(String, String)]) -> Vec<ActionRowValues> {
    (1..=posted_rows(pairs).max(BLANK_ACTION_ROWS))
        .map(|n| ActionRowValues::read(n, pairs))
        .collect()
}

/// The posted action rows as the action service takes them, blank rows included (it drops
/// them, and numbers its errors by position). A due date that cannot be read is `None`: call
/// [`action_date_errors`] first so the user is told what is wrong with it.
pub fn parse_action_rows(pairs: &[(String, String)]) -> Vec<ActionInput> {
    (1..=posted_rows(pairs))
        .map(|n| {
            let row = ActionRowValues::read(n, pairs);
            let owner = row.owner.trim();
            ActionInput {
                description: row.description,
                owner_user_id: (!owner.is_empty()).then(|| owner.to_string()),
                owner_name: row.owner_name,
                due_on: parse_date_parts(&row.due, "The due date").ok().flatten(),
            }
        })
        .collect()
}

/// Problems with the typed due dates, against each row's date field.
pub fn action_date_errors(pairs: &[(String, String)], errors: &mut FieldErrors) {
    for n in 1..=posted_rows(pairs) {
        let row = ActionRowValues::read(n, pairs);
        if let Err(e) = parse_date_parts(&row.due, &format!("Action {n}'s due date")) {
            errors.push(row.f_due, e.to_string());
        }
    }
}

/// Field errors in the order the fields appear on a page, so the error summary reads top to
/// bottom. `order` names fields exactly, or a prefix ending in `-`.
pub fn in_page_order(errors: &FieldErrors, order: &[&str]) -> FieldErrors {
    let rank = |f: &str| {
        order
            .iter()
            .position(|o| *o == f || (o.ends_with('-') && f.starts_with(o)))
            .unwrap_or(order.len())
    };
    let mut all: Vec<_> = errors.iter().collect();
    all.sort_by_key(|e| rank(&e.field));
    let mut out = FieldErrors::new();
    for e in all {
        out.push(e.field.clone(), e.message.clone());
    }
    out
}

/// Free text as the lines to show, blank lines dropped (each becomes a paragraph).
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// One action in a table of the actions agreed (`action_table.html`).
pub struct ActionLine {
    pub id: String,
    pub description: String,
    pub owner: String,
    pub due: String,
    pub status: String,
    pub status_class: &'static str,
    pub overdue: bool,
}

/// The actions agreed at a discussion, conference or plan, as their tables show them.
pub fn action_lines(rows: &[cairn_db::casework::actions::CaseActionRow]) -> Vec<ActionLine> {
    let today = today_in_england();
    rows.iter()
        .map(|a| {
            let status = ActionStatus::from_code(&a.status).unwrap_or(ActionStatus::Open);
            ActionLine {
                id: a.id.clone(),
                description: a.description.clone(),
                owner: a.owner_name.clone(),
                due: format_long(a.due_on),
                status: status.label().to_string(),
                status_class: status_class(status),
                overdue: status == ActionStatus::Open && a.due_on < today,
            }
        })
        .collect()
}

/// What a posted action close form holds.
#[derive(Clone, Debug, Default)]
pub struct CloseValues {
    pub status: String,
    pub note: String,
}

#[derive(askama::Template)]
#[template(path = "pages/casework/action.html")]
pub struct ActionPage {
    pub layout: Layout,
    pub errors: Errors,
    pub notice: String,
    pub id: String,
    pub version: i32,
    pub child_id: String,
    pub child_name: String,
    pub description: String,
    pub owner: String,
    pub due: String,
    pub overdue: bool,
    pub status: String,
    pub status_class: &'static str,
    pub open: bool,
    pub source: String,
    pub source_href: String,
    pub completed: String,
    pub completion_note: Vec<String>,
    pub can_close: bool,
    pub statuses: Vec<(String, String)>,
    pub v: CloseValues,
}

/// Where an action's source is shown; only the sources with their own page here are linked.
fn source_href(source: ActionSource, id: &str) -> String {
    match source {
        ActionSource::StrategyDiscussion => format!("/strategy-discussions/{id}"),
        ActionSource::CpPlan => format!("/cp-plans/{id}"),
        ActionSource::CinPlan => format!("/cin-plans/{id}"),
        ActionSource::Conference => format!("/conferences/{id}"),
        ActionSource::Oversight => format!("/oversight/{id}"),
        ActionSource::Supervision => format!("/supervision/discussions/{id}"),
    }
}

fn status_class(status: ActionStatus) -> &'static str {
    match status {
        ActionStatus::Open => "govuk-tag--blue",
        ActionStatus::Done => "govuk-tag--green",
        ActionStatus::Cancelled => "govuk-tag--grey",
    }
}

fn action_page(
    user: &CurrentUser,
    view: ActionView,
    errors: Errors,
    notice: String,
    v: CloseValues,
) -> ActionPage {
    let a = &view.action;
    let open = view.status == ActionStatus::Open;
    ActionPage {
        layout: user.layout(
            format!(
                "{}Action for {}",
                errors.title_prefix(),
                view.child.display_name
            ),
            "",
        ),
        errors,
        notice,
        id: a.id.clone(),
        version: a.version,
        child_id: view.child.id.clone(),
        child_name: view.child.display_name.clone(),
        description: a.description.clone(),
        owner: a.owner_name.clone(),
        due: format_long(a.due_on),
        overdue: open && a.due_on < today_in_england(),
        status: view.status.label().to_string(),
        status_class: status_class(view.status),
        open,
        source: view.source.label().to_string(),
        source_href: source_href(view.source, &a.source_id),
        completed: match (a.completed_at, &view.completed_by_name) {
            (Some(at), Some(by)) => format!("{} by {by}", uk_time(at)),
            (Some(at), None) => uk_time(at),
            _ => String::new(),
        },
        completion_note: lines(a.completion_note.as_deref().unwrap_or_default()),
        can_close: open && user.actor.may(Action::RecordCasework),
        statuses: vec![
            ("done".into(), "Done".into()),
            ("cancelled".into(), "No longer needed (cancelled)".into()),
        ],
        v,
    }
}

/// `GET /actions/{id}`: the action, where it was agreed, and a form to close it.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let query = query_of(q);
    let notice = if query.get("closed") == "1" {
        "The action has been closed.".to_string()
    } else {
        String::new()
    };
    let view = load(&state, &user.actor, id, strategy::view_action).await?;
    let page = action_page(
        &user,
        view,
        Errors::default(),
        notice,
        CloseValues::default(),
    );
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /actions/{id}/close`: done or cancelled, with a note, at the version shown.
pub async fn close(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let v = CloseValues {
        status: form.data.string("status"),
        note: form.data.string("note"),
    };
    let version = version_of(&form.data, "action")?;
    let status = match v.status.as_str() {
        "done" => Some(ActionStatus::Done),
        "cancelled" => Some(ActionStatus::Cancelled),
        _ => None,
    };
    let actor = form.user.actor.clone();
    let (aid, note) = (id.clone(), v.note.clone());
    let result = state
        .db(move |c| {
            let Some(status) = status else {
                // Check the note too, so both problems are listed at once.
                let mut errors = FieldErrors::new();
                errors.push(
                    "status",
                    "Select whether the action was done or is no longer needed",
                );
                if note.trim().is_empty() {
                    errors.push(
                        "note",
                        "Enter what was done, or why the action is no longer needed",
                    );
                }
                return Ok(Err(ServiceError::Invalid(errors)));
            };
            Ok(actions::close(c, &actor, &aid, version, status, &note))
        })
        .await?;
    let (errors, status) = match result {
        Ok(()) => return Ok(Redirect::to(&format!("/actions/{id}?closed=1")).into_response()),
        Err(ServiceError::Invalid(e)) => {
            (Errors::from_fields(&e), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(ServiceError::Conflict(m)) => (Errors::one("close-action", &m), StatusCode::CONFLICT),
        Err(e) => return Err(e.into()),
    };
    let view = load(&state, &form.user.actor, id, strategy::view_action).await?;
    let page = action_page(&form.user, view, errors, String::new(), v);
    Ok(render_with(status, &page))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/actions/{id}", get(show))
        .route("/actions/{id}/close", post(close))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn rows_are_read_with_their_owner_and_due_date() {
        let posted = pairs(&[
            ("actions-1-description", "Visit"),
            ("actions-1-owner", "u1"),
            ("actions-1-due-day", "4"),
            ("actions-1-due-month", "5"),
            ("actions-1-due-year", "2024"),
            ("actions-2-description", ""),
            ("actions-3-owner-name", "DC Jo Patel"),
            ("actions-3-due-day", "31"),
            ("actions-3-due-month", "2"),
            ("actions-3-due-year", "2024"),
        ]);
        let rows = parse_action_rows(&posted);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].owner_user_id.as_deref(), Some("u1"));
        assert_eq!(rows[0].due_on, chrono::NaiveDate::from_ymd_opt(2024, 5, 4));
        assert_eq!(rows[1], ActionInput::default());
        assert_eq!(rows[2].owner_name, "DC Jo Patel");
        assert_eq!(rows[2].due_on, None, "31 February is not a date");
        let mut errors = FieldErrors::new();
        action_date_errors(&posted, &mut errors);
        assert_eq!(errors.len(), 1);
        assert!(errors.for_field("actions-3-due").is_some());
        assert_eq!(action_row_values(&posted).len(), 3);
        assert_eq!(action_row_values(&[]).len(), BLANK_ACTION_ROWS);
        assert_eq!(action_row_values(&posted)[2].due.day, "31");
    }

    #[test]
    fn errors_follow_the_page() {
        let mut f = FieldErrors::new();
        f.push("rationale", "r");
        f.push("actions-1-due", "a");
        f.push("held", "h");
        let sorted: Vec<String> = in_page_order(&f, &["held", "rationale", "actions-"])
            .iter()
            .map(|e| e.field.clone())
            .collect();
        assert_eq!(sorted, ["held", "rationale", "actions-1-due"]);
    }
}

//! Setting and clearing a case's weighting factors (`GET/POST /people/{id}/workload-factors`).

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use cairn_core::caseloads::factors::{self, FactorsInput, FactorsView};
use cairn_domain::caseloads::ManagerFlag;
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;

use crate::admin::{Answer, answer, path_id};
use crate::error::AppError;
use crate::layout::{Errors, Layout};
use crate::pages::casework::common::query_of;
use crate::pages::uk_time::{today_in_england, uk_time};
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/people/{id}/workload-factors", get(show).post(save))
}

/// One flag on the form.
#[derive(Clone, Debug)]
pub struct FlagRow {
    pub code: String,
    pub label: String,
    pub checked: bool,
    pub note: String,
    pub since: String,
}

/// One change in the history.
#[derive(Clone, Debug)]
pub struct ChangeRow {
    pub label: String,
    pub note: String,
    pub set: String,
    pub cleared: String,
}

#[derive(askama::Template)]
#[template(path = "pages/caseloads/factors/form.html")]
pub struct FactorsPage {
    pub layout: Layout,
    pub errors: Errors,
    pub notice: String,
    pub child_id: String,
    pub child_name: String,
    pub weight: String,
    pub flags: Vec<FlagRow>,
    pub history: Vec<ChangeRow>,
    pub can_change: bool,
}

fn page(
    user: &CurrentUser,
    view: &FactorsView,
    errors: Errors,
    typed: Option<(&[String], &FieldErrorsNotes)>,
    notice: String,
) -> FactorsPage {
    let name = |id: &str| {
        view.names
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    };
    FactorsPage {
        layout: user.layout(
            format!(
                "{}Case weighting factors: {}",
                errors.title_prefix(),
                view.child.display_name
            ),
            "people",
        ),
        errors,
        notice,
        child_id: view.child.id.clone(),
        child_name: view.child.display_name.clone(),
        weight: view.weight.as_ref().map_or_else(
            || "No open case".to_string(),
            |w| {
                format!(
                    "{} points (counts as {})",
                    w.weight,
                    w.counts_as.label().to_lowercase()
                )
            },
        ),
        flags: view
            .flags
            .iter()
            .map(|l| FlagRow {
                code: l.flag.code().to_string(),
                label: l.flag.label().to_string(),
                checked: match typed {
                    Some((set, _)) => set.iter().any(|s| s == l.flag.code()),
                    None => l.current.is_some(),
                },
                note: match typed {
                    Some((_, notes)) => notes
                        .iter()
                        .find(|(c, _)| c == l.flag.code())
                        .map(|(_, n)| n.clone())
                        .unwrap_or_default(),
                    None => l
                        .current
                        .as_ref()
                        .map(|r| r.note.clone())
                        .unwrap_or_default(),
                },
                since: l
                    .current
                    .as_ref()
                    .map(|r| {
                        format!(
                            "Set {} by {}",
                            uk_time(r.set_at),
                            l.set_by_name.clone().unwrap_or_else(|| r.set_by.clone())
                        )
                    })
                    .unwrap_or_default(),
            })
            .collect(),
        history: view
            .history
            .iter()
            .map(|h| ChangeRow {
                label: ManagerFlag::from_code(&h.factor)
                    .map(|f| f.label().to_string())
                    .unwrap_or_else(|| h.factor.clone()),
                note: h.note.clone(),
                set: format!("{} by {}", uk_time(h.set_at), name(&h.set_by)),
                cleared: match (&h.cleared_at, &h.cleared_by) {
                    (Some(at), Some(by)) => format!("{} by {}", uk_time(*at), name(by)),
                    (Some(at), None) => uk_time(*at),
                    _ => "Still set".into(),
                },
            })
            .collect(),
        can_change: user.actor.may(Action::AllocateWork),
    }
}

type FieldErrorsNotes = Vec<(String, String)>;

async fn load(state: &AppState, user: &CurrentUser, id: &str) -> Result<FactorsView, AppError> {
    let (actor, pid) = (user.actor.clone(), id.to_string());
    let today = today_in_england();
    state
        .db(move |c| Ok(factors::view(c, &actor, &pid, today)?))
        .await
}

/// `GET /people/{id}/workload-factors`.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let view = load(&state, &user, &id).await?;
    let notice = if query_of(q).get("saved") == "1" {
        "The case weighting factors have been saved.".to_string()
    } else {
        String::new()
    };
    Ok(render_with(
        StatusCode::OK,
        &page(&user, &view, Errors::default(), None, notice),
    ))
}

/// `POST /people/{id}/workload-factors`: sets the ticked factors and clears the others.
pub async fn save(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let f = &form.data;
    let set = f.all("factors");
    let notes: FieldErrorsNotes = ManagerFlag::ALL
        .iter()
        .map(|flag| {
            (
                flag.code().to_string(),
                f.string(&format!("note-{}", flag.code())),
            )
        })
        .collect();
    let input = FactorsInput {
        set: set.clone(),
        notes: notes.iter().cloned().collect(),
    };
    let (actor, pid) = (form.user.actor.clone(), id.clone());
    let today = today_in_england();
    let outcome = state
        .db(move |c| answer(factors::set(c, &actor, &pid, &input, today)))
        .await?;
    let (errors, status) = match outcome {
        Answer::Done(_) => {
            return Ok(
                Redirect::to(&format!("/people/{id}/workload-factors?saved=1")).into_response(),
            );
        }
        Answer::Invalid(e) => (e, StatusCode::UNPROCESSABLE_ENTITY),
        Answer::Conflict(m) => {
            let mut e = FieldErrors::new();
            e.push("factors", m);
            (e, StatusCode::CONFLICT)
        }
    };
    let view = load(&state, &form.user, &id).await?;
    let errors = Errors::from_fields(&errors);
    let p = page(
        &form.user,
        &view,
        errors,
        Some((&set, &notes)),
        String::new(),
    );
    Ok(render_with(status, &p))
}

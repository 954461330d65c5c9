//! The supervised screening queue (`GET /queue`): contacts waiting for screening or, with
//! `view=manager`, decisions waiting for a manager; practitioners claim and release contacts
//! from it. Tabs are links and filters are GET forms, so it works without JavaScript.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::front_door::queue::{self, QueuePage, QueueView};
use cairn_core::front_door::screening::{self, PendingDecision};
use cairn_core::{Actor, ServiceError};
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;

use super::SECTION;
use crate::admin::{Tag, path_id};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::labels::rag_tag;
use crate::pages::pagination::{Pagination, pagination};
use crate::pages::uk_time::uk_time_short;
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

/// What the queue is showing, from the query string (or the hidden fields of a claim form,
/// so that a lost claim race shows the same page again).
#[derive(Clone, Debug, Default)]
pub struct QueueFilter {
    pub manager: bool,
    pub office: String,
    pub page: i64,
}

impl QueueFilter {
    fn from_query(q: &FormData) -> QueueFilter {
        QueueFilter {
            manager: q.get("view") == "manager",
            // Only a well-formed id can name an office; anything else means "all offices".
            office: path_id(q.get("office")).unwrap_or_default(),
            page: q
                .get("page")
                .trim()
                .parse::<i64>()
                .unwrap_or(1)
                .clamp(1, 100_000),
        }
    }

    fn href(&self, page: i64) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if self.manager {
            pairs.push(("view", "manager".into()));
        }
        if !self.office.is_empty() {
            pairs.push(("office", self.office.clone()));
        }
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        let q = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        if q.is_empty() {
            "/queue".into()
        } else {
            format!("/queue?{q}")
        }
    }

    fn tab_href(&self, manager: bool) -> String {
        QueueFilter {
            manager,
            office: self.office.clone(),
            page: 1,
        }
        .href(1)
    }
}

pub struct ChildCell {
    pub name: String,
    pub age: String,
}

pub struct PendingCell {
    pub decision_id: String,
    pub outcome: String,
    pub level: String,
    pub decided_by: String,
}

pub struct QueueLine {
    pub contact_id: String,
    pub reference: String,
    pub children: Vec<ChildCell>,
    pub received: String,
    pub waiting: String,
    pub rag: Tag,
    pub time_left: String,
    pub overdue: bool,
    pub claimed_by: String,
    pub claimed_by_me: bool,
    pub out_of_hours: bool,
    pub immediate_safety: bool,
    pub can_claim: bool,
    pub can_release: bool,
    pub pending: Vec<PendingCell>,
}

#[derive(askama::Template)]
#[template(path = "pages/queue.html")]
pub struct QueuePageView {
    pub layout: Layout,
    pub errors: Errors,
    pub notice: String,
    pub manager_view: bool,
    pub screening_href: String,
    pub manager_href: String,
    pub offices: Vec<(String, String)>,
    pub office: String,
    pub page: i64,
    pub total: i64,
    pub rows: Vec<QueueLine>,
    pub pagination: Pagination,
    pub can_review: bool,
}

fn queue_lines(
    actor: &Actor,
    page: &QueuePage,
    pending: &[PendingDecision],
    manager_view: bool,
) -> Vec<QueueLine> {
    let may_screen = actor.may(Action::ScreenContact);
    let may_release_any = actor.may(Action::AuthoriseScreening);
    page.rows
        .iter()
        .map(|r| QueueLine {
            contact_id: r.contact_id.clone(),
            reference: r.reference.clone(),
            children: r
                .children
                .iter()
                .map(|c| ChildCell {
                    name: c.name.clone(),
                    age: if c.age.is_empty() {
                        "age not known".into()
                    } else {
                        c.age.clone()
                    },
                })
                .collect(),
            received: uk_time_short(r.received_at),
            waiting: r.waiting.clone(),
            rag: rag_tag(&r.rag),
            time_left: r.time_left.clone(),
            overdue: r.minutes_left < 0,
            claimed_by: r.claimed_by.clone().unwrap_or_default(),
            claimed_by_me: r.claimed_by_me,
            out_of_hours: r.out_of_hours,
            immediate_safety: r.immediate_safety,
            can_claim: !manager_view && may_screen && r.claimed_by.is_none(),
            can_release: !manager_view
                && r.claimed_by.is_some()
                && (r.claimed_by_me || may_release_any),
            pending: pending
                .iter()
                .filter(|p| p.decision.contact_id == r.contact_id)
                .map(|p| PendingCell {
                    decision_id: p.decision.id.clone(),
                    outcome: p.outcome_label.clone(),
                    level: p.level_name.clone(),
                    decided_by: p.decided_by.clone(),
                })
                .collect(),
        })
        .collect()
}

async fn render_queue(
    state: &AppState,
    user: &CurrentUser,
    filter: QueueFilter,
    errors: Errors,
    notice: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    let actor = user.actor.clone();
    let settings = state.settings.clone();
    let f = filter.clone();
    let (page, pending, offices) = state
        .db(move |c| {
            let view = if f.manager {
                QueueView::AwaitingAuthorisation
            } else {
                QueueView::Screening
            };
            let office = (!f.office.is_empty()).then_some(f.office.as_str());
            let page = queue::page(c, &actor, &settings, view, office, f.page)?;
            // Decision ids (for the review links) come from the authorisation list, which only
            // managers may read; others see the queue without the links.
            let pending = if f.manager && actor.may(Action::AuthoriseScreening) {
                screening::awaiting_authorisation(c, &actor)?
            } else {
                Vec::new()
            };
            let offices = cairn_db::organisation::list_offices(c)?;
            Ok((page, pending, offices))
        })
        .await?;
    let heading = if filter.manager {
        "Waiting for a manager"
    } else {
        "Waiting for screening"
    };
    let title = format!(
        "{}Screening queue: {}",
        errors.title_prefix(),
        heading.to_lowercase()
    );
    let rows = queue_lines(&user.actor, &page, &pending, filter.manager);
    let view = QueuePageView {
        layout: user.layout(title, SECTION),
        errors,
        notice,
        manager_view: filter.manager,
        screening_href: filter.tab_href(false),
        manager_href: filter.tab_href(true),
        offices: offices.into_iter().map(|o| (o.id, o.name)).collect(),
        office: filter.office.clone(),
        page: page.page,
        total: page.total,
        rows,
        pagination: pagination(page.page, page.pages, page.total, queue::PAGE_SIZE, |n| {
            filter.href(n)
        }),
        can_review: user.actor.may(Action::AuthoriseScreening),
    };
    Ok(render_with(status, &view))
}

fn queue_notice(q: &FormData) -> String {
    match (q.get("released"), q.get("reviewed")) {
        ("1", _) => "The contact is back in the queue for anyone to claim.".into(),
        (_, "authorised") => "Decision authorised. The contact's outcome now takes effect.".into(),
        (_, "returned") => "Decision returned to the practitioner with your comments.".into(),
        _ => String::new(),
    }
}

pub async fn queue(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let notice = queue_notice(&query);
    render_queue(
        &state,
        &user,
        QueueFilter::from_query(&query),
        Errors::default(),
        notice,
        StatusCode::OK,
    )
    .await
}

/// Errors from a claim or release, shown on the queue against the contact's row.
fn claim_errors(
    contact_id: &str,
    result: Result<(), ServiceError>,
) -> Result<Option<(Errors, StatusCode)>, AppError> {
    match result {
        Ok(()) => Ok(None),
        Err(ServiceError::Conflict(m)) => Ok(Some((
            Errors::one(&format!("contact-{contact_id}"), &m),
            StatusCode::CONFLICT,
        ))),
        Err(ServiceError::Invalid(e)) => {
            let mut f = FieldErrors::new();
            for err in e.iter() {
                f.push(format!("contact-{contact_id}"), err.message.clone());
            }
            Ok(Some((
                Errors::from_fields(&f),
                StatusCode::UNPROCESSABLE_ENTITY,
            )))
        }
        Err(e) => Err(e.into()),
    }
}

/// Where a claim or release leads: `done` when it worked, otherwise the queue again (as it
/// was shown) with the problem against the contact's row.
async fn after_claim(
    state: &AppState,
    form: &VerifiedForm,
    contact_id: &str,
    result: Result<(), ServiceError>,
    done: &str,
) -> Result<Response, AppError> {
    match claim_errors(contact_id, result)? {
        None => Ok(Redirect::to(done).into_response()),
        Some((errors, status)) => {
            render_queue(
                state,
                &form.user,
                QueueFilter::from_query(&form.data),
                errors,
                String::new(),
                status,
            )
            .await
        }
    }
}

pub async fn claim(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = form.user.actor.clone();
    let settings = state.settings.clone();
    let cid = id.clone();
    let result = state
        .db(move |c| Ok(queue::claim(c, &actor, &settings, &cid)))
        .await?;
    // Claiming is the first step of screening, so go straight to the screening page.
    let screen = format!("/contacts/{id}/screen");
    after_claim(&state, &form, &id, result, &screen).await
}

pub async fn release(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = form.user.actor.clone();
    let cid = id.clone();
    let result = state
        .db(move |c| Ok(queue::release(c, &actor, &cid)))
        .await?;
    after_claim(&state, &form, &id, result, "/queue?released=1").await
}

//! The signed-in user's own notifications (`GET /notifications`), newest first with the
//! unread ones marked, and marking them read (`POST /notifications/{id}/read`,
//! `POST /notifications/read-all`).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cairn_core::caseloads::notifications;

use crate::admin::path_id;
use crate::error::AppError;
use crate::layout::Layout;
use crate::pages::uk_time::uk_time;
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/read-all", post(read_all))
        .route("/notifications/{id}/read", post(read))
}

/// One notification as listed.
pub struct Line {
    pub id: String,
    pub title: String,
    pub body: String,
    pub href: String,
    pub when: String,
    pub unread: bool,
}

#[derive(askama::Template)]
#[template(path = "pages/caseloads/notifications/list.html")]
pub struct NotificationsPage {
    pub layout: Layout,
    pub unread: i64,
    pub lines: Vec<Line>,
}

/// Only paths inside Cairn are followed from a notification.
fn safe_href(href: &str) -> String {
    if href.starts_with('/') && !href.starts_with("//") {
        href.to_string()
    } else {
        "/notifications".into()
    }
}

/// `GET /notifications`
pub async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    let actor = user.actor.clone();
    let inbox = state
        .db(move |c| Ok(notifications::inbox(c, &actor)?))
        .await?;
    let title = if inbox.unread > 0 {
        format!("Notifications ({} unread)", inbox.unread)
    } else {
        "Notifications".to_string()
    };
    let page = NotificationsPage {
        layout: user.layout(title, "notifications"),
        unread: inbox.unread,
        lines: inbox
            .notifications
            .into_iter()
            .map(|n| Line {
                href: safe_href(&n.href),
                when: uk_time(n.created_at),
                unread: n.read_at.is_none(),
                id: n.id,
                title: n.title,
                body: n.body,
            })
            .collect(),
    };
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /notifications/{id}/read`
pub async fn read(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = form.user.actor.clone();
    state
        .db(move |c| Ok(notifications::mark_read(c, &actor, &id)?))
        .await?;
    Ok(Redirect::to("/notifications").into_response())
}

/// `POST /notifications/read-all`
pub async fn read_all(
    State(state): State<AppState>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let actor = form.user.actor.clone();
    state
        .db(move |c| Ok(notifications::mark_all_read(c, &actor)?))
        .await?;
    Ok(Redirect::to("/notifications").into_response())
}

//! One place decides what people and API clients see when something goes wrong.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use cairn_core::ServiceError;
use serde_json::json;

use crate::layout::Layout;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign in required")]
    SignInRequired { next: String },
    #[error("page not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

impl From<cairn_db::DbError> for AppError {
    fn from(e: cairn_db::DbError) -> Self {
        AppError::Service(ServiceError::Db(e))
    }
}

#[derive(Template)]
#[template(path = "pages/error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub heading: String,
    pub message: String,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::SignInRequired { .. } => StatusCode::SEE_OTHER,
            AppError::NotFound | AppError::Service(ServiceError::NotFound(_)) => {
                StatusCode::NOT_FOUND
            }
            AppError::Forbidden | AppError::Service(ServiceError::Denied { .. }) => {
                StatusCode::FORBIDDEN
            }
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Service(ServiceError::Invalid(_) | ServiceError::PossibleDuplicates(_)) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Service(ServiceError::Conflict(_)) => StatusCode::CONFLICT,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) | AppError::Service(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Words for a person; internal details stay in the log.
    pub fn heading_and_message(&self) -> (String, String) {
        match self {
            AppError::NotFound | AppError::Service(ServiceError::NotFound(_)) => (
                "Page not found".into(),
                "If you typed the web address, check it is correct. The record may also have been marked as entered in error.".into(),
            ),
            AppError::Forbidden | AppError::Service(ServiceError::Denied { .. }) => (
                "You do not have permission to see this".into(),
                "Your role does not allow this. The attempt has been recorded. If you need access, ask your manager or an administrator.".into(),
            ),
            AppError::BadRequest(m) => ("There is a problem with the request".into(), m.clone()),
            AppError::Service(ServiceError::Conflict(m)) => ("The record has changed".into(), m.clone()),
            AppError::Unavailable(_) => (
                "Sorry, the service is unavailable".into(),
                "Cairn cannot reach its database. Try again in a few minutes. Nothing you saved has been lost.".into(),
            ),
            _ => (
                "Sorry, there is a problem with the service".into(),
                "Try again later. If the problem continues, tell your IT service desk and give them the time it happened.".into(),
            ),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::SignInRequired { next } = &self {
            let target = format!(
                "/sign-in?next={}",
                percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC)
            );
            return Redirect::to(&target).into_response();
        }
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let (heading, message) = self.heading_and_message();
        let page = ErrorPage {
            layout: Layout::anonymous(heading.clone()),
            heading,
            message,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, "Sorry, there is a problem with the service").into_response(),
        }
    }
}

/// The API's error shape: `{error, message, fields, request_id}`.
pub struct ApiError {
    pub error: AppError,
    pub request_id: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self.error {
            AppError::SignInRequired { .. } => StatusCode::UNAUTHORIZED,
            other => other.status(),
        };
        if status.is_server_error() {
            tracing::error!(error = %self.error, "API request failed");
        }
        let code = match &self.error {
            AppError::SignInRequired { .. } => "unauthorized",
            AppError::NotFound | AppError::Service(ServiceError::NotFound(_)) => "not_found",
            AppError::Forbidden | AppError::Service(ServiceError::Denied { .. }) => "forbidden",
            AppError::BadRequest(_) => "bad_request",
            AppError::Service(ServiceError::Invalid(_)) => "invalid",
            AppError::Service(ServiceError::PossibleDuplicates(_)) => "possible_duplicates",
            AppError::Service(ServiceError::Conflict(_)) => "conflict",
            AppError::Unavailable(_) => "unavailable",
            _ => "internal",
        };
        let message = match &self.error {
            AppError::SignInRequired { .. } => "A valid API token is required (Authorization: Bearer …)".to_string(),
            AppError::Service(ServiceError::Invalid(_)) => "Some fields need correcting".to_string(),
            AppError::Service(ServiceError::PossibleDuplicates(_)) => {
                "This person may already be recorded; choose an existing record or resend with confirm_new: true".to_string()
            }
            other => other.heading_and_message().1,
        };
        let fields = match &self.error {
            AppError::Service(ServiceError::Invalid(errors)) => errors
                .iter()
                .map(|e| json!({"field": e.field, "message": e.message}))
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        let mut body = json!({
            "error": code, "message": message, "fields": fields, "request_id": self.request_id,
        });
        if let AppError::Service(ServiceError::PossibleDuplicates(hits)) = &self.error {
            body["possible_duplicates"] = json!(hits);
        }
        let mut response = (status, axum::Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

//! Sessions from the cookie, and posted forms that carry a valid CSRF token.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use cairn_core::Actor;
use cairn_core::auth::{self, SessionState};

use crate::error::AppError;
use crate::form::{FormData, MAX_FORM_BYTES};
use crate::layout::Layout;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "cairn_session";
/// A pre-sign-in cookie for the double-submit CSRF check on the sign-in form itself.
pub const SIGN_IN_COOKIE: &str = "cairn_signin";

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub fn set_cookie(name: &str, value: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

pub fn clear_cookie(name: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

pub fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get(crate::observe::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Compares secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The signed-in user of a page request.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub actor: Actor,
    pub csrf_token: String,
    /// For the navigation's "My work" badge; None when not read (posted forms) or unreadable.
    pub work_counts: Option<cairn_core::casework::my_work::WorkCounts>,
}

impl CurrentUser {
    pub fn layout(&self, title: impl Into<String>, section: &str) -> Layout {
        Layout::for_user(title, &self.actor, &self.csrf_token, section)
            .with_work_counts(self.work_counts)
    }
}

enum Resolved {
    // Boxed: the user (with the navigation's counts) is much larger than `None`.
    User(Box<CurrentUser>, bool),
    None,
}

/// `with_counts` also reads the navigation's work counts, on the same pooled connection.
async fn resolve(
    state: &AppState,
    headers: &HeaderMap,
    with_counts: bool,
) -> Result<Resolved, AppError> {
    let Some(token) = cookie(headers, SESSION_COOKIE).filter(|t| !t.is_empty()) else {
        return Ok(Resolved::None);
    };
    let settings = state.settings.clone();
    let rid = request_id(headers);
    let resolved = state
        .db(move |c| {
            let resolved = auth::resolve_session(c, &settings, &token, rid.as_deref())?;
            let counts = match &resolved {
                Ok(ctx) if with_counts => crate::layout::work_counts(c, &ctx.actor),
                _ => None,
            };
            Ok((resolved, counts))
        })
        .await?;
    let (resolved, work_counts) = resolved;
    Ok(match resolved {
        Ok(ctx) => Resolved::User(
            Box::new(CurrentUser {
                actor: ctx.actor,
                csrf_token: ctx.csrf_token,
                work_counts,
            }),
            ctx.must_change_password,
        ),
        Err(SessionState::Missing | SessionState::Expired) => Resolved::None,
    })
}

const PASSWORD_PAGE: &str = "/account/password";

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let is_page = parts.method == Method::GET;
        match resolve(state, &parts.headers, is_page)
            .await
            .map_err(IntoResponse::into_response)?
        {
            Resolved::User(user, must_change) => {
                let path = parts.uri.path();
                if must_change && path != PASSWORD_PAGE && path != "/sign-out" {
                    return Err(Redirect::to(PASSWORD_PAGE).into_response());
                }
                Ok(*user)
            }
            Resolved::None => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| "/".into());
                Err(AppError::SignInRequired { next }.into_response())
            }
        }
    }
}

/// A posted form from a signed-in user whose CSRF token matched their session.
///
/// When the session has ended mid-form, or the token is missing or stale, nothing is lost: the
/// user gets a page carrying every value they typed, to sign in again or submit again.
pub struct VerifiedForm {
    pub user: CurrentUser,
    pub data: FormData,
}

#[derive(Template)]
#[template(path = "pages/resubmit.html")]
pub struct ResubmitPage {
    pub layout: Layout,
    pub heading: String,
    pub message: String,
    pub action: String,
    pub fields: Vec<(String, String)>,
    pub csrf_token: String,
}

#[derive(Template)]
#[template(path = "pages/sign_in.html")]
pub struct SignInPage {
    pub layout: Layout,
    pub errors: crate::layout::Errors,
    pub username: String,
    pub next: String,
    pub notice: String,
    pub signin_token: String,
    /// A form interrupted by the end of a session, carried through sign-in.
    pub resume_action: String,
    pub resume_fields: Vec<(String, String)>,
}

impl FromRequest<AppState> for VerifiedForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        if parts.method != Method::POST {
            return Err(
                AppError::BadRequest("Only forms can be posted here".into()).into_response()
            );
        }
        let action = parts.uri.path().to_string();
        // A case note may be 100,000 characters: its forms may be larger than others.
        let limit = crate::pages::recording::notes::body_limit(&action, MAX_FORM_BYTES);
        let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
            AppError::BadRequest("The form was too large to accept".into()).into_response()
        })?;
        let data = FormData::parse(&bytes);
        let resolved = resolve(state, &parts.headers, false)
            .await
            .map_err(IntoResponse::into_response)?;
        let Resolved::User(user, _) = resolved else {
            // A note written as the session ran out is kept for its author until they are
            // signed in again; any other form is carried through the sign-in page.
            let notes = crate::pages::recording::notes::after_session_end;
            if let Some(kept) = notes(state, &parts.headers, &action, &data).await {
                return Err(kept);
            }
            return Err(session_ended(state, &action, &data));
        };
        let _ = &mut parts;
        if !same_secret(data.get("csrf_token"), &user.csrf_token) {
            let notes = crate::pages::recording::notes::stale_token_on_autosave;
            if let Some(answer) = notes(&action, &data, &user.csrf_token) {
                return Err(answer);
            }
            let page = ResubmitPage {
                layout: user.layout("Submit the form again", ""),
                heading: "Your form could not be submitted".into(),
                message: "It was missing its security token, or the token had expired (for example because the page was open in another tab before you signed in again). Nothing has been saved yet. Check your answers below have been kept and submit again.".into(),
                action,
                fields: data.without_csrf(),
                csrf_token: user.csrf_token.clone(),
            };
            return Err(render_with(StatusCode::FORBIDDEN, &page));
        }
        Ok(VerifiedForm { user: *user, data })
    }
}

fn session_ended(state: &AppState, action: &str, data: &FormData) -> Response {
    let token = auth::random_token();
    let page = SignInPage {
        layout: Layout::anonymous("Sign in again"),
        errors: Default::default(),
        username: String::new(),
        next: String::new(),
        notice: "Your session ended before your form was saved. Sign in again: what you typed has been kept and you can submit it straight after.".into(),
        signin_token: token.clone(),
        resume_action: action.to_string(),
        resume_fields: data.without_csrf(),
    };
    let mut response = render_with(StatusCode::UNAUTHORIZED, &page);
    if let Ok(v) = set_cookie(SIGN_IN_COOKIE, &token, state.settings.behind_tls).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

pub fn render_with<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

/// Raw body of a JSON API request, size-limited.
pub async fn body_bytes(req: Request) -> Result<Bytes, AppError> {
    axum::body::to_bytes(req.into_body(), MAX_FORM_BYTES)
        .await
        .map_err(|_| AppError::BadRequest("The request body was too large".into()))
}

//! Signing in and out.

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::auth::{self, SignInRefusal};
use std::net::SocketAddr;

use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::{
    ResubmitPage, SESSION_COOKIE, SIGN_IN_COOKIE, SignInPage, VerifiedForm, clear_cookie, cookie,
    render_with, request_id, same_secret, set_cookie,
};
use crate::state::AppState;

#[derive(serde::Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// Only same-site paths may be returned to after sign-in.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_string()
    } else {
        "/".into()
    }
}

fn page(next: &str, username: &str, errors: Errors, token: &str) -> SignInPage {
    SignInPage {
        layout: Layout::anonymous(format!("{}Sign in", errors.title_prefix())),
        errors,
        username: username.to_string(),
        next: next.to_string(),
        notice: String::new(),
        signin_token: token.to_string(),
        resume_action: String::new(),
        resume_fields: Vec::new(),
    }
}

fn with_signin_cookie(mut response: Response, token: &str, secure: bool) -> Response {
    if let Ok(v) = set_cookie(SIGN_IN_COOKIE, token, secure).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

pub async fn show(State(state): State<AppState>, Query(q): Query<NextQuery>) -> Response {
    let token = auth::random_token();
    let p = page(&safe_next(&q.next), "", Errors::default(), &token);
    with_signin_cookie(
        render_with(StatusCode::OK, &p),
        &token,
        state.settings.behind_tls,
    )
}

pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let form = FormData::parse(&body);
    let secure = state.settings.behind_tls;
    let next = safe_next(form.get("next"));
    let username = form.get("username").trim().to_string();
    let fresh = auth::random_token();
    let reply = |errors: Errors, status: StatusCode, form: &FormData| {
        let mut p = page(&next, &username, errors, &fresh);
        p.resume_action = form.string("resume_action");
        p.resume_fields = resume_fields(form);
        with_signin_cookie(render_with(status, &p), &fresh, secure)
    };
    let cookie_token = cookie(&headers, SIGN_IN_COOKIE).unwrap_or_default();
    if cookie_token.is_empty() || !same_secret(&cookie_token, form.get("signin_token")) {
        return Ok(reply(
            Errors::one(
                "username",
                "Your sign-in form had expired. Enter your username and password again",
            ),
            StatusCode::FORBIDDEN,
            &form,
        ));
    }
    let mut errors = cairn_domain::validation::FieldErrors::default();
    if username.is_empty() {
        errors.push("username", "Enter your username");
    }
    if form.get("password").is_empty() {
        errors.push("password", "Enter your password");
    }
    if !errors.is_empty() {
        return Ok(reply(
            Errors::from_fields(&errors),
            StatusCode::UNPROCESSABLE_ENTITY,
            &form,
        ));
    }
    if !state.sign_in_throttle.allow(&addr.ip().to_string()) {
        return Ok(reply(
            Errors::one(
                "username",
                "Too many sign-in attempts from your computer. Wait a minute and try again",
            ),
            StatusCode::TOO_MANY_REQUESTS,
            &form,
        ));
    }
    let settings = state.settings.clone();
    let password = form.string("password");
    let rid = request_id(&headers);
    let uname = username.clone();
    let outcome = state
        .db(move |c| {
            Ok(auth::sign_in(
                c,
                &settings,
                &uname,
                &password,
                rid.as_deref(),
            )?)
        })
        .await?;
    let signed = match outcome {
        Ok(s) => s,
        Err(refusal) => {
            let message = match refusal {
                SignInRefusal::BadCredentials => {
                    "Enter a correct username and password".to_string()
                }
                SignInRefusal::LockedOut { minutes } => format!(
                    "Your account is locked after too many failed attempts. Try again in {minutes} minutes or ask an administrator"
                ),
                SignInRefusal::AccountClosed => {
                    "Your account is disabled or your access has ended. Ask an administrator"
                        .to_string()
                }
            };
            return Ok(reply(
                Errors::one("username", &message),
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
            ));
        }
    };
    let resume_action = form.get("resume_action");
    let mut response = if !resume_action.is_empty()
        && resume_action.starts_with('/')
        && !signed.must_change_password
    {
        let resubmit = ResubmitPage {
            layout: Layout::anonymous("Continue where you left off"),
            heading: "You are signed in again".into(),
            message: "Your form has not been saved yet. Check what you typed and submit it.".into(),
            action: safe_next(resume_action),
            fields: resume_fields(&form),
            csrf_token: signed.csrf_token.clone(),
        };
        render_with(StatusCode::OK, &resubmit)
    } else {
        let to = if signed.must_change_password {
            "/account/password".to_string()
        } else {
            next.clone()
        };
        Redirect::to(&to).into_response()
    };
    let h = response.headers_mut();
    if let Ok(v) = set_cookie(SESSION_COOKIE, &signed.token, secure).parse() {
        h.append(header::SET_COOKIE, v);
    }
    if let Ok(v) = clear_cookie(SIGN_IN_COOKIE, secure).parse() {
        h.append(header::SET_COOKIE, v);
    }
    Ok(response)
}

fn resume_fields(form: &FormData) -> Vec<(String, String)> {
    form.0
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("resume:")
                .map(|k| (k.to_string(), v.clone()))
        })
        .collect()
}

pub async fn sign_out(
    State(state): State<AppState>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let actor = form.user.actor.clone();
    state.db(move |c| Ok(auth::sign_out(c, &actor)?)).await?;
    let mut response = Redirect::to("/signed-out").into_response();
    if let Ok(v) = clear_cookie(SESSION_COOKIE, state.settings.behind_tls).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

#[derive(askama::Template)]
#[template(path = "pages/signed_out.html")]
pub struct SignedOutPage {
    pub layout: Layout,
}

pub async fn signed_out() -> Response {
    render_with(
        StatusCode::OK,
        &SignedOutPage {
            layout: Layout::anonymous("You have signed out"),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next("/people/1"), "/people/1");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil"), "/");
    }
}

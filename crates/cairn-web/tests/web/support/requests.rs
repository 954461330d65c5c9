//! Requests as a browser sends them, and the router's answers.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use super::Session;

/// The router's answer, read in full.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body as text (lossy), for HTML and JSON.
    pub body: String,
    /// The body as sent, for PDFs and downloads.
    pub bytes: Vec<u8>,
}

impl Answer {
    /// A header's value; empty when it is missing.
    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// Where a redirect leads; empty when it is not one.
    pub fn location(&self) -> &str {
        self.header(header::LOCATION)
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("JSON body ({e}): {}", self.body))
    }
}

pub async fn send(app: &Router, req: Request<Body>) -> Answer {
    let response = app.clone().oneshot(req).await.expect("the router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("read the body")
        .to_bytes()
        .to_vec();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes,
    }
}

/// A GET without a session.
pub fn anonymous(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).expect("request")
}

/// A GET with the session's cookie.
pub fn get(path: &str, session: &Session) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, &session.cookie)
        .body(Body::empty())
        .expect("request")
}

/// A form post with the session's cookie and its CSRF token first.
pub fn post(path: &str, session: &Session, fields: &[(&str, &str)]) -> Request<Body> {
    let mut all: Vec<(&str, &str)> = vec![("csrf_token", session.csrf.as_str())];
    all.extend_from_slice(fields);
    post_without_csrf(path, session, &all)
}

/// [`post`], with fields built as owned strings.
pub fn post_fields(path: &str, session: &Session, fields: &[(String, String)]) -> Request<Body> {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    post(path, session, &borrowed)
}

/// A form post with the session's cookie but no CSRF token: a forgery.
pub fn post_without_csrf(path: &str, session: &Session, fields: &[(&str, &str)]) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, &session.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(
            serde_urlencoded::to_string(fields).expect("encode"),
        ))
        .expect("request")
}

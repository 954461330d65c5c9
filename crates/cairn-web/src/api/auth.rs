//! Bearer-token authentication for the API.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::Response;
use cairn_core::Actor;
use cairn_core::api_tokens::{self, TokenRefusal};

use super::err;
use crate::error::AppError;
use crate::session::request_id;
use crate::state::AppState;

/// The member of staff an API request acts for, resolved from `Authorization: Bearer <token>`.
///
/// Refuses with 401 when the token is missing, unknown, expired or revoked, or its account is
/// closed; and with 403 when the account's role may not use the API (inspectors and auditors
/// read through the pages). The service audits every refused token as `api.authenticate`.
#[derive(Clone, Debug)]
pub struct ApiActor(pub Actor);

/// The token from an `Authorization` header: scheme case-insensitive, one space or more.
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    let token = rest.trim();
    (scheme.eq_ignore_ascii_case("bearer")
        && !token.is_empty()
        && !token.contains(char::is_whitespace))
    .then_some(token)
}

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let headers = &parts.headers;
        let unauthorized = || {
            err(
                headers,
                AppError::SignInRequired {
                    next: String::new(),
                },
            )
        };
        let Some(token) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token)
            .map(str::to_string)
        else {
            return Err(unauthorized());
        };
        let rid = request_id(headers);
        let result = state
            .db(move |c| Ok(api_tokens::authenticate(c, &token, rid.as_deref())?))
            .await;
        match result {
            Ok(Ok(actor)) => Ok(ApiActor(actor)),
            // A good token whose account's role may not use the API at all.
            Ok(Err(TokenRefusal::NotPermitted)) => Err(err(headers, AppError::Forbidden)),
            Ok(Err(_)) => Err(unauthorized()),
            Err(e) => Err(err(headers, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_strictly() {
        assert_eq!(bearer_token("Bearer cairn_abc"), Some("cairn_abc"));
        assert_eq!(bearer_token("bearer   cairn_abc "), Some("cairn_abc"));
        assert_eq!(bearer_token("Basic dXNlcjpwdw=="), None);
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearer a b"), None);
    }
}

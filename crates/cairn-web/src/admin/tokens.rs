//! API tokens for partner systems: list, create (secret shown once), revoke.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::accounts;
use cairn_core::api_tokens::{self, SCOPES, TokenForm};
use cairn_db::tokens::ApiTokenRow;
use cairn_db::users::UserRow;
use cairn_domain::policy::Action;

use super::users::{names_by_id, role_label_of};
use super::{Answer, Tag, answer, date_time, gate, path_id};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

pub struct TokenLine {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub user: String,
    pub scopes: String,
    pub expires: String,
    pub last_used: String,
    pub status: Tag,
    pub revocable: bool,
}

#[derive(askama::Template)]
#[template(path = "admin/tokens.html")]
pub struct TokensPage {
    pub layout: Layout,
    pub errors: Errors,
    pub rows: Vec<TokenLine>,
    pub accounts: Vec<(String, String)>,
    pub scopes: Vec<(String, String)>,
    pub form: TokenForm,
    pub notice: String,
}

fn lines(tokens: &[ApiTokenRow], users: &[UserRow]) -> Vec<TokenLine> {
    let names = names_by_id(users);
    let now = cairn_db::now();
    tokens
        .iter()
        .map(|t| {
            let status = if let Some(at) = t.revoked_at {
                Tag::new(format!("Revoked {}", date_time(at)), "govuk-tag--grey")
            } else if t.expires_at < now {
                Tag::new("Expired", "govuk-tag--red")
            } else {
                Tag::new("Active", "govuk-tag--green")
            };
            TokenLine {
                id: t.id.clone(),
                name: t.name.clone(),
                prefix: format!("{}…", t.token_prefix),
                user: names
                    .get(&t.user_id)
                    .cloned()
                    .unwrap_or_else(|| t.user_id.clone()),
                scopes: t.scopes.split_whitespace().collect::<Vec<_>>().join(", "),
                expires: date_time(t.expires_at),
                last_used: t
                    .last_used_at
                    .map(date_time)
                    .unwrap_or_else(|| "Never".into()),
                revocable: t.revoked_at.is_none(),
                status,
            }
        })
        .collect()
}

fn account_options(users: &[UserRow]) -> Vec<(String, String)> {
    users
        .iter()
        .filter(|u| u.active)
        // Only roles that may use the API at all (the service refuses the others).
        .filter(|u| {
            cairn_domain::roles::Role::from_code(&u.role)
                .is_some_and(|r| cairn_domain::policy::permits(r, Action::UseApi))
        })
        .map(|u| {
            (
                u.id.clone(),
                format!(
                    "{} ({}, {})",
                    u.display_name,
                    u.username,
                    role_label_of(&u.role)
                ),
            )
        })
        .collect()
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    errors: Errors,
    form: TokenForm,
) -> Result<TokensPage, AppError> {
    let actor = user.actor.clone();
    let (tokens, users) = state
        .db(move |c| {
            let tokens = api_tokens::list(c, &actor)?;
            let users = accounts::list_accounts(c, &actor)?;
            Ok((tokens, users))
        })
        .await?;
    Ok(TokensPage {
        layout: user.layout(format!("{}API tokens", errors.title_prefix()), "tokens"),
        errors,
        rows: lines(&tokens, &users),
        accounts: account_options(&users),
        scopes: SCOPES
            .iter()
            .map(|(k, v)| (k.to_string(), format!("{v} ({k})")))
            .collect(),
        form,
        notice: String::new(),
    })
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let form = TokenForm {
        days: "90".into(),
        ..TokenForm::default()
    };
    let mut page = page(&state, &user, Errors::default(), form).await?;
    if query.get("revoked") == "1" {
        page.notice = "The token has been revoked. Systems using it can no longer connect.".into();
    }
    Ok(render_with(StatusCode::OK, &page))
}

#[derive(askama::Template)]
#[template(path = "admin/token_created.html")]
pub struct TokenCreatedPage {
    pub layout: Layout,
    pub name: String,
    pub secret: String,
}

pub async fn create(
    State(state): State<AppState>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let actor = form.user.actor.clone();
    let typed = TokenForm {
        name: form.data.string("name"),
        user_id: form.data.string("user_id"),
        scopes: form.data.all("scopes"),
        days: form.data.string("days"),
    };
    let submitted = typed.clone();
    let result = state
        .db(move |c| {
            gate(c, &actor, Action::ManageApiTokens)?;
            answer(api_tokens::create(c, &actor, &submitted))
        })
        .await?;
    let errors = match result {
        Answer::Done(created) => {
            let page = TokenCreatedPage {
                layout: form.user.layout("API token created", "tokens"),
                name: typed.name.trim().to_string(),
                secret: created.secret,
            };
            return Ok(render_with(StatusCode::OK, &page));
        }
        Answer::Invalid(e) => Errors::from_fields(&e),
        Answer::Conflict(m) => Errors::one("name", &m),
    };
    let page = page(&state, &form.user, errors, typed).await?;
    Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

pub async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = form.user.actor.clone();
    state
        .db(move |c| {
            gate(c, &actor, Action::ManageApiTokens)?;
            Ok(api_tokens::revoke(c, &actor, &id)?)
        })
        .await?;
    Ok(Redirect::to("/admin/api-tokens?revoked=1").into_response())
}

//! The signed-in user's own account: changing their password.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::{ServiceError, auth};

use crate::error::AppError;
use crate::layout::{Errors, Layout};
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "pages/account.html")]
pub struct AccountPage {
    pub layout: Layout,
    pub errors: Errors,
    pub changed: bool,
    pub username: String,
    pub role: String,
}

pub async fn show(
    user: CurrentUser,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    let page = AccountPage {
        layout: user.layout("Your account", "account"),
        errors: Errors::default(),
        changed: q.contains_key("changed"),
        username: user.actor.username.clone(),
        role: user.actor.role.label().to_string(),
    };
    render_with(StatusCode::OK, &page)
}

pub async fn password_form(user: CurrentUser) -> Response {
    let page = PasswordPage {
        layout: user.layout("Change your password", "account"),
        errors: Errors::default(),
    };
    render_with(StatusCode::OK, &page)
}

#[derive(askama::Template)]
#[template(path = "pages/password.html")]
pub struct PasswordPage {
    pub layout: Layout,
    pub errors: Errors,
}

pub async fn change_password(
    State(state): State<AppState>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let actor = form.user.actor.clone();
    let (current, new, confirm) = (
        form.data.string("current_password"),
        form.data.string("new_password"),
        form.data.string("confirm_password"),
    );
    let result = state
        .db(
            move |c| match auth::change_password(c, &actor, &current, &new, &confirm) {
                Err(ServiceError::Invalid(e)) => Ok(Err(e)),
                other => Ok(Ok(other?)),
            },
        )
        .await?;
    match result {
        Ok(()) => Ok(Redirect::to("/account?changed=1").into_response()),
        Err(errors) => {
            let errors = Errors::from_fields(&errors);
            let page = PasswordPage {
                layout: form.user.layout(
                    format!("{}Change your password", errors.title_prefix()),
                    "account",
                ),
                errors,
            };
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

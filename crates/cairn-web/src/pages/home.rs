//! The home page: the signed-in user's work. (Due and overdue work arrives with later modules.)

use axum::http::StatusCode;
use axum::response::Response;

use crate::layout::Layout;
use crate::session::{CurrentUser, render_with};

#[derive(askama::Template)]
#[template(path = "pages/home.html")]
pub struct HomePage {
    pub layout: Layout,
    pub name: String,
    pub role: String,
    pub can_create: bool,
}

pub async fn show(user: CurrentUser) -> Response {
    let page = HomePage {
        layout: user.layout("Your work", "home"),
        name: user.actor.display_name.clone(),
        role: user.actor.role.label().to_string(),
        can_create: user.actor.may(cairn_domain::policy::Action::CreatePerson),
    };
    render_with(StatusCode::OK, &page)
}

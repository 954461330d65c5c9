//! Finding a person: name (spelling-tolerant), date of birth, NHS number, UPN, postcode.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use cairn_core::people;
use cairn_core::search::{SearchCriteria, SearchResults};
use cairn_domain::dates::{DateParts, format_short, parse_date_parts};
use cairn_domain::identifiers::{NhsNumber, Upn};
use cairn_domain::validation::FieldErrors;

use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::{CurrentUser, render_with};
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "pages/search.html")]
pub struct SearchPage {
    pub layout: Layout,
    pub errors: Errors,
    pub name: String,
    pub dob: DateParts,
    pub nhs_number: String,
    pub upn: String,
    pub postcode: String,
    pub local_id: String,
    pub results: Option<SearchResults>,
    pub can_create: bool,
    /// Where a chosen result goes (e.g. back to the relationship form), if not the person page.
    pub pick_for: String,
}

impl SearchPage {
    pub fn date(&self, d: &Option<chrono::NaiveDate>) -> String {
        d.map(format_short).unwrap_or_default()
    }

    pub fn result_href(&self, id: &str) -> String {
        if self.pick_for.is_empty() {
            format!("/people/{id}")
        } else {
            format!("/people/{}/relationships/new?other={id}", self.pick_for)
        }
    }
}

/// Parses the search form; identifiers are checked so a mistyped NHS number is an error, not
/// an empty result.
pub fn criteria_from(form: &FormData) -> Result<SearchCriteria, FieldErrors> {
    let mut errors = FieldErrors::default();
    let dob = match parse_date_parts(&form.date("dob"), "Date of birth") {
        Ok(d) => d,
        Err(e) => {
            errors.push("dob", e.to_string());
            None
        }
    };
    let nhs_number = match form.get("nhs_number").trim() {
        "" => None,
        n => NhsNumber::parse(n)
            .map_err(|e| errors.push("nhs_number", e.to_string()))
            .ok(),
    };
    let upn = match form.get("upn").trim() {
        "" => None,
        u => Upn::parse(u)
            .or_else(|_| Upn::parse_former(u))
            .map_err(|e| errors.push("upn", e.to_string()))
            .ok(),
    };
    let name: String = form.get("name").chars().take(200).collect();
    let criteria = SearchCriteria {
        name,
        date_of_birth: dob,
        nhs_number,
        upn,
        postcode: Some(form.get("postcode").chars().take(20).collect()),
        local_id: Some(form.get("local_id").chars().take(20).collect()),
    };
    if errors.is_empty() && criteria.is_empty() && form.0.iter().any(|(k, _)| k == "searched") {
        errors.push(
            "name",
            "Enter a name, date of birth, NHS number, UPN, postcode or LA child ID",
        );
    }
    errors.into_result(criteria)
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let form = FormData::parse(q.unwrap_or_default().as_bytes());
    let mut page = SearchPage {
        layout: user.layout("Find a person", "people"),
        errors: Errors::default(),
        name: form.string("name"),
        dob: form.date("dob"),
        nhs_number: form.string("nhs_number"),
        upn: form.string("upn"),
        postcode: form.string("postcode"),
        local_id: form.string("local_id"),
        results: None,
        can_create: user.actor.may(cairn_domain::policy::Action::CreatePerson),
        pick_for: form
            .string("pick_for")
            .chars()
            .filter(|c| c.is_ascii_hexdigit() || *c == '-')
            .collect(),
    };
    let searched = form.0.iter().any(|(k, _)| k == "searched");
    if !searched {
        return Ok(render_with(StatusCode::OK, &page));
    }
    match criteria_from(&form) {
        Err(errors) => {
            page.errors = Errors::from_fields(&errors);
            page.layout.title = format!("Error: {}", page.layout.title);
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Ok(criteria) => {
            let actor = user.actor.clone();
            let results = state
                .db(move |c| Ok(people::search(c, &actor, &criteria)?))
                .await?;
            page.results = Some(results);
            Ok(render_with(StatusCode::OK, &page))
        }
    }
}

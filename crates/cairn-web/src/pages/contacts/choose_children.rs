//! Step 1 of recording a contact (`GET /contacts/new`): which children it is about. The
//! children chosen so far, and the search, travel in the query string, so the step needs no
//! JavaScript and no server-side draft. The same page, with the contact named, adds a child
//! to a recorded contact.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use cairn_core::search::SearchResults;
use cairn_core::{Actor, ServiceError, people};
use cairn_domain::dates::{DateParts, format_long, format_short};
use cairn_domain::policy::Action;

use super::SECTION;
use super::links::{NEW_CONTACT, child_ids, encode, with_query};
use crate::admin::gate;
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::search::criteria_from;
use crate::session::{CurrentUser, render_with};
use crate::state::AppState;

/// A child chosen for a contact, as listed while recording it.
#[derive(Clone, Debug)]
pub struct ChosenChild {
    pub id: String,
    pub name: String,
    pub dob: String,
    pub is_child: bool,
}

/// The chosen children's names and dates of birth. Each is an audited view of that child's
/// record ("chosen for a contact"); a record that cannot be found (or has been marked entered
/// in error) is dropped, and recording the contact checks them all again anyway.
pub(super) async fn chosen_children(
    state: &AppState,
    actor: &Actor,
    ids: Vec<String>,
) -> Result<Vec<ChosenChild>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let actor = actor.clone();
    state
        .db(move |c| {
            let mut out = Vec::with_capacity(ids.len());
            for id in &ids {
                match people::view(c, &actor, id, "chosen for a contact") {
                    Ok(r) => {
                        let d = &r.person.details;
                        out.push(ChosenChild {
                            id: r.person.id.clone(),
                            name: r.person.display_name(),
                            dob: match (d.date_of_birth, d.expected_date_of_birth) {
                                (Some(dob), _) => format!("born {}", format_long(dob)),
                                (None, Some(edd)) => format!("unborn, due {}", format_long(edd)),
                                _ => "date of birth not known".into(),
                            },
                            is_child: r.person.kind == people::PersonKind::Child,
                        })
                    }
                    Err(ServiceError::NotFound(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(out)
        })
        .await
}

/// The contact a child is being added to (on `/contacts/{id}/children`).
#[derive(Clone, Debug)]
pub struct ExistingContact {
    pub id: String,
    pub reference: String,
}

#[derive(askama::Template)]
#[template(path = "pages/contact_children.html")]
pub struct ChildrenPage {
    pub layout: Layout,
    pub errors: Errors,
    pub existing: Option<ExistingContact>,
    pub children: Vec<ChosenChild>,
    pub name: String,
    pub dob: DateParts,
    pub searched: bool,
    pub results: Option<SearchResults>,
    pub can_create: bool,
    pub search_action: String,
}

impl ChildrenPage {
    pub fn child_ids(&self) -> Vec<String> {
        self.children.iter().map(|c| c.id.clone()).collect()
    }

    fn search_pairs(&self) -> Vec<(&'static str, String)> {
        if !self.searched {
            return Vec::new();
        }
        vec![
            ("name", self.name.clone()),
            ("dob-day", self.dob.day.clone()),
            ("dob-month", self.dob.month.clone()),
            ("dob-year", self.dob.year.clone()),
            ("searched", "1".into()),
        ]
    }

    fn step_one(&self, ids: &[String], keep_search: bool) -> String {
        let mut pairs: Vec<(&str, &str)> = ids.iter().map(|id| ("child", id.as_str())).collect();
        let search = if keep_search {
            self.search_pairs()
        } else {
            Vec::new()
        };
        pairs.extend(search.iter().map(|(k, v)| (*k, v.as_str())));
        with_query(NEW_CONTACT, &encode(&pairs))
    }

    pub fn is_chosen(&self, id: &str) -> bool {
        self.children.iter().any(|c| c.id == id)
    }

    pub fn add_href(&self, id: &str) -> String {
        let mut ids = self.child_ids();
        ids.push(id.to_string());
        self.step_one(&ids, true)
    }

    pub fn remove_href(&self, id: &str) -> String {
        let ids: Vec<String> = self.child_ids().into_iter().filter(|c| c != id).collect();
        self.step_one(&ids, true)
    }

    /// The person form, coming back here with the new child added.
    pub fn new_child_href(&self) -> String {
        let back = self.step_one(&self.child_ids(), false);
        format!("/people/new?{}", encode(&[("return_to", back.as_str())]))
    }

    pub fn continue_href(&self) -> String {
        let ids = self.child_ids();
        let pairs: Vec<(&str, &str)> = ids.iter().map(|id| ("child", id.as_str())).collect();
        with_query("/contacts/new/details", &encode(&pairs))
    }

    pub fn date(&self, d: &Option<chrono::NaiveDate>) -> String {
        d.map(format_short).unwrap_or_default()
    }
}

/// Runs the search on a children page when one was asked for.
pub(super) async fn search_into(
    state: &AppState,
    actor: &Actor,
    form: &FormData,
    page: &mut ChildrenPage,
) -> Result<StatusCode, AppError> {
    if !page.searched {
        return Ok(StatusCode::OK);
    }
    match criteria_from(form) {
        Err(errors) => {
            page.errors = Errors::from_fields(&errors);
            page.layout.title = format!("Error: {}", page.layout.title);
            Ok(StatusCode::UNPROCESSABLE_ENTITY)
        }
        Ok(criteria) => {
            let actor = actor.clone();
            page.results = Some(
                state
                    .db(move |c| Ok(people::search(c, &actor, &criteria)?))
                    .await?,
            );
            Ok(StatusCode::OK)
        }
    }
}

/// Refuses (and audits the refusal of) anyone who may not record contacts.
pub(super) async fn may_record_contacts(state: &AppState, actor: &Actor) -> Result<(), AppError> {
    let actor = actor.clone();
    state
        .db(move |c| gate(c, &actor, Action::RecordContact))
        .await
}

/// `GET /contacts/new`: who the contact is about.
pub async fn choose_children(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let form = FormData::parse(q.unwrap_or_default().as_bytes());
    may_record_contacts(&state, &user.actor).await?;
    let children = chosen_children(&state, &user.actor, child_ids(&form)).await?;
    let mut page = ChildrenPage {
        layout: user.layout("Which children is this contact about?", SECTION),
        errors: Errors::default(),
        existing: None,
        children,
        name: form.string("name"),
        dob: form.date("dob"),
        searched: form.0.iter().any(|(k, _)| k == "searched"),
        results: None,
        can_create: user.actor.may(Action::CreatePerson),
        search_action: NEW_CONTACT.into(),
    };
    let status = search_into(&state, &user.actor, &form, &mut page).await?;
    Ok(render_with(status, &page))
}

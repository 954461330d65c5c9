//! Naming a child on a contact recorded before the child was identified
//! (`/contacts/{id}/children`).

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::front_door::contacts::{self, ContactView};
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;

use super::SECTION;
use super::choose_children::{
    ChildrenPage, ChosenChild, ExistingContact, may_record_contacts, search_into,
};
use super::contact_page::load_contact;
use crate::admin::{Answer, answer, gate, path_id};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::Errors;
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

/// `GET /contacts/{id}/children`: search for the child to name on the contact.
pub async fn add_child_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let form = FormData::parse(q.unwrap_or_default().as_bytes());
    may_record_contacts(&state, &user.actor).await?;
    let view = load_contact(&state, &user.actor, &id).await?;
    let mut page = add_child_page(&user, &view, &form, Errors::default());
    let status = search_into(&state, &user.actor, &form, &mut page).await?;
    Ok(render_with(status, &page))
}

fn add_child_page(
    user: &CurrentUser,
    view: &ContactView,
    form: &FormData,
    errors: Errors,
) -> ChildrenPage {
    let id = view.contact.id.clone();
    ChildrenPage {
        layout: user.layout(
            format!(
                "{}Add a child to contact {}",
                errors.title_prefix(),
                view.contact.reference
            ),
            SECTION,
        ),
        errors,
        existing: Some(ExistingContact {
            id: id.clone(),
            reference: view.contact.reference.clone(),
        }),
        children: view
            .children
            .iter()
            .map(|ch| ChosenChild {
                id: ch.person.id.clone(),
                name: ch.person.display_name.clone(),
                dob: String::new(),
                is_child: true,
            })
            .collect(),
        name: form.string("name"),
        dob: form.date("dob"),
        searched: form.0.iter().any(|(k, _)| k == "searched"),
        results: None,
        can_create: false,
        search_action: format!("/contacts/{id}/children"),
    }
}

/// `POST /contacts/{id}/children`: names the chosen child on the contact.
pub async fn add_child(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let person_id = form.data.string("person_id");
    let (actor, cid) = (form.user.actor.clone(), id.clone());
    let outcome = state
        .db(move |c| {
            if cairn_domain::ids::PersonId::parse(person_id.trim()).is_err() {
                // Still check the permission first, so a refusal is a refusal, not a
                // message about the form.
                gate(c, &actor, Action::RecordContact)?;
                let mut e = FieldErrors::new();
                e.push(
                    "name",
                    "Search for the child and choose them from the results",
                );
                return Ok(Answer::Invalid(e));
            }
            answer(contacts::add_child(c, &actor, &cid, person_id.trim()))
        })
        .await?;
    let message = match outcome {
        Answer::Done(()) => {
            return Ok(Redirect::to(&format!("/contacts/{id}?child_added=1")).into_response());
        }
        Answer::Invalid(e) => e
            .iter()
            .map(|e| e.message.clone())
            .collect::<Vec<_>>()
            .join(". "),
        Answer::Conflict(m) => m,
    };
    // The problem is shown against the search box: that is where a different child is found.
    let view = load_contact(&state, &form.user.actor, &id).await?;
    let page = add_child_page(
        &form.user,
        &view,
        &FormData::default(),
        Errors::one("name", &message),
    );
    Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

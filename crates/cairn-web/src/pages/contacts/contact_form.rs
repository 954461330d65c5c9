//! Step 2 of recording a contact (`/contacts/new/details`): the contact form itself. Settling
//! the children first means nothing typed here can be lost to a search or to recording a new
//! child.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::front_door::contacts::{self, ContactInput, HouseholdInput, ReferrerInput};
use cairn_core::{Actor, ServiceError};
use cairn_domain::dates::DateParts;
use cairn_domain::front_door::{
    AgencyType, ConcernCategory, Consent, ContactChannel, Rag, ReferrerKind,
};
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;
use chrono::NaiveDateTime;

use super::SECTION;
use super::choose_children::{ChosenChild, chosen_children, may_record_contacts};
use super::links::{NEW_CONTACT, child_ids, encode, with_query};
use crate::admin::{Answer, answer, gate};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::labels::code_options;
use crate::pages::uk_time::{now_fields, parse_uk_time};
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

/// Blank household rows on a new form. Enough for most households; more can be added on the
/// contact's record later, and a form posted with more rows keeps them all.
const HOUSEHOLD_ROWS: usize = 3;
/// Bounds how many household rows a posted form can make us read.
const MAX_HOUSEHOLD_ROWS: usize = 30;

/// Field errors sorted into the order the fields appear on the page, so the error summary
/// reads top to bottom. `order` names fields exactly, or a row prefix ending in `_`.
fn in_page_order(errors: &FieldErrors, order: &[&str]) -> FieldErrors {
    let rank = |field: &str| {
        order
            .iter()
            .position(|o| *o == field || (o.ends_with('_') && field.starts_with(o)))
            .unwrap_or(order.len())
    };
    let mut all: Vec<_> = errors.iter().collect();
    all.sort_by_key(|e| rank(&e.field));
    let mut out = FieldErrors::new();
    for e in all {
        out.push(e.field.clone(), e.message.clone());
    }
    out
}

/// One "other household member" row, with its field names.
#[derive(Clone, Debug, Default)]
pub struct HouseholdRow {
    pub legend: String,
    pub f_name: String,
    pub f_relationship: String,
    pub f_notes: String,
    pub name: String,
    pub relationship: String,
    pub notes: String,
}

impl HouseholdRow {
    fn new(i: usize, form: &FormData) -> HouseholdRow {
        let f = |part: &str| format!("household_{i}_{part}");
        HouseholdRow {
            legend: format!("Household member {}", i + 1),
            name: form.string(&f("name")),
            relationship: form.string(&f("relationship")),
            notes: form.string(&f("notes")),
            f_name: f("name"),
            f_relationship: f("relationship"),
            f_notes: f("notes"),
        }
    }
}

/// Everything on the contact form, as typed.
#[derive(Clone, Debug, Default)]
pub struct ContactFormValues {
    pub received: DateParts,
    pub received_time: String,
    pub backdate_reason: String,
    pub channel: String,
    pub referrer_kind: String,
    pub referrer_name: String,
    pub referrer_role: String,
    pub referrer_organisation: String,
    pub referrer_agency: String,
    pub referrer_phone: String,
    pub referrer_email: String,
    pub referrer_address: String,
    pub wants_feedback: bool,
    pub household: Vec<HouseholdRow>,
    pub concern: String,
    pub categories: Vec<String>,
    pub consent: String,
    pub consent_reason: String,
    pub immediate_safety: bool,
    pub rag: String,
    pub office: String,
}

impl ContactFormValues {
    fn blank(office: String) -> ContactFormValues {
        let (received, received_time) = now_fields();
        let empty = FormData::default();
        ContactFormValues {
            received,
            received_time,
            household: (0..HOUSEHOLD_ROWS)
                .map(|i| HouseholdRow::new(i, &empty))
                .collect(),
            office,
            ..ContactFormValues::default()
        }
    }

    fn from_form(f: &FormData) -> ContactFormValues {
        // Keep every row that was posted (a re-shown form must not drop what was typed), and
        // always at least the usual number of blank ones.
        let posted_rows = (0..MAX_HOUSEHOLD_ROWS)
            .filter(|i| {
                let prefix = format!("household_{i}_");
                f.0.iter().any(|(k, _)| k.starts_with(&prefix))
            })
            .max()
            .map_or(0, |i| i + 1);
        ContactFormValues {
            received: f.date("received"),
            received_time: f.string("received_time"),
            backdate_reason: f.string("backdate_reason"),
            channel: f.string("channel"),
            referrer_kind: f.string("referrer_kind"),
            referrer_name: f.string("referrer_name"),
            referrer_role: f.string("referrer_role"),
            referrer_organisation: f.string("referrer_organisation"),
            referrer_agency: f.string("referrer_agency"),
            referrer_phone: f.string("referrer_phone"),
            referrer_email: f.string("referrer_email"),
            referrer_address: f.string("referrer_address"),
            wants_feedback: f.checked("wants_feedback"),
            household: (0..posted_rows.max(HOUSEHOLD_ROWS))
                .map(|i| HouseholdRow::new(i, f))
                .collect(),
            concern: f.string("concern"),
            categories: f.all("categories"),
            consent: f.string("consent"),
            consent_reason: f.string("consent_reason"),
            immediate_safety: f.checked("immediate_safety"),
            rag: f.string("rag"),
            office: f.string("office"),
        }
    }

    fn to_input(&self, received_at: Option<NaiveDateTime>, children: Vec<String>) -> ContactInput {
        ContactInput {
            received_at,
            backdate_reason: self.backdate_reason.clone(),
            channel: self.channel.clone(),
            referrer: ReferrerInput {
                kind: self.referrer_kind.clone(),
                name: self.referrer_name.clone(),
                role: self.referrer_role.clone(),
                organisation: self.referrer_organisation.clone(),
                agency: self.referrer_agency.clone(),
                phone: self.referrer_phone.clone(),
                email: self.referrer_email.clone(),
                address: self.referrer_address.clone(),
                wants_feedback: self.wants_feedback,
            },
            children,
            household: self
                .household
                .iter()
                .map(|h| HouseholdInput {
                    person_id: None,
                    name: h.name.clone(),
                    relationship: h.relationship.clone(),
                    notes: h.notes.clone(),
                })
                .collect(),
            concern: self.concern.clone(),
            categories: self.categories.clone(),
            consent: self.consent.clone(),
            consent_reason: self.consent_reason.clone(),
            immediate_safety: self.immediate_safety,
            rag: self.rag.clone(),
            office_id: self.office.clone(),
        }
    }
}

/// The order of the contact form's fields, for the error summary.
const FORM_ORDER: &[&str] = &[
    "children",
    "received",
    "received_time",
    "backdate_reason",
    "channel",
    "referrer_kind",
    "referrer_name",
    "referrer_role",
    "referrer_organisation",
    "referrer_agency",
    "referrer_phone",
    "referrer_email",
    "referrer_address",
    "household_",
    "concern",
    "categories",
    "consent",
    "consent_reason",
    "rag",
    "office",
];

#[derive(askama::Template)]
#[template(path = "pages/contact_form.html")]
pub struct ContactFormPage {
    pub layout: Layout,
    pub errors: Errors,
    pub children: Vec<ChosenChild>,
    pub v: ContactFormValues,
    pub change_children_href: String,
    pub channels: Vec<(String, String)>,
    pub referrer_kinds: Vec<(String, String)>,
    pub agencies: Vec<(String, String)>,
    pub categories: Vec<(String, String)>,
    pub consents: Vec<(String, String)>,
    pub rags: Vec<(String, String)>,
    pub offices: Vec<(String, String)>,
}

impl ContactFormPage {
    fn new(
        user: &CurrentUser,
        errors: Errors,
        children: Vec<ChosenChild>,
        v: ContactFormValues,
        offices: Vec<(String, String)>,
    ) -> ContactFormPage {
        let ids: Vec<(&str, &str)> = children.iter().map(|c| ("child", c.id.as_str())).collect();
        let mut rags = vec![(
            String::new(),
            "Not rated yet (green, or red if the child may not be safe now)".to_string(),
        )];
        rags.extend(code_options::<Rag>());
        ContactFormPage {
            layout: user.layout(
                format!("{}Record a contact", errors.title_prefix()),
                SECTION,
            ),
            errors,
            change_children_href: with_query(NEW_CONTACT, &encode(&ids)),
            children,
            v,
            channels: code_options::<ContactChannel>(),
            referrer_kinds: code_options::<ReferrerKind>(),
            agencies: code_options::<AgencyType>(),
            categories: code_options::<ConcernCategory>(),
            consents: code_options::<Consent>(),
            rags,
            offices,
        }
    }
}

/// The offices to choose from, and the one the user's team works from.
async fn offices(
    state: &AppState,
    actor: &Actor,
) -> Result<(Vec<(String, String)>, String), AppError> {
    let team = actor.team_id.map(|t| t.to_string());
    state
        .db(move |c| {
            let offices = cairn_db::organisation::list_offices(c)?;
            let mine = match team {
                Some(t) => cairn_db::organisation::find_team(c, &t)?.map(|t| t.office_id),
                None => None,
            };
            Ok((
                offices.into_iter().map(|o| (o.id, o.name)).collect(),
                mine.unwrap_or_default(),
            ))
        })
        .await
}

/// `GET /contacts/new/details`: the contact form, for the children chosen in step 1.
pub async fn details_form(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let form = FormData::parse(q.unwrap_or_default().as_bytes());
    may_record_contacts(&state, &user.actor).await?;
    let children = chosen_children(&state, &user.actor, child_ids(&form)).await?;
    let (offices, mine) = offices(&state, &user.actor).await?;
    let page = ContactFormPage::new(
        &user,
        Errors::default(),
        children,
        ContactFormValues::blank(mine),
        offices,
    );
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /contacts/new/details`: records the contact, or shows the form again with every
/// problem listed and everything typed kept.
pub async fn create(
    State(state): State<AppState>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let v = ContactFormValues::from_form(&form.data);
    let ids = child_ids(&form.data);
    let mut errors = FieldErrors::new();
    let received = parse_uk_time(
        &v.received,
        &v.received_time,
        "received",
        "the contact was received",
        &mut errors,
    );
    let input = v.to_input(received, ids.clone());
    let (actor, settings) = (form.user.actor.clone(), state.settings.clone());
    let outcome = state
        .db(move |c| {
            gate(c, &actor, Action::RecordContact)?;
            if errors.is_empty() {
                return answer(contacts::record(c, &actor, &settings, &input));
            }
            // The time could not be read: check everything else too, so that every problem
            // is listed at once rather than one at a time.
            if let Err(more) = contacts::validate(&input, cairn_db::now()) {
                for e in more.iter().filter(|e| e.field != "received") {
                    errors.push(e.field.clone(), e.message.clone());
                }
            }
            Ok(Answer::Invalid(errors))
        })
        .await?;
    match outcome {
        Answer::Done(id) => {
            // The receipt was queued with the contact: wake the worker to send it now.
            state.jobs.notify();
            Ok(Redirect::to(&format!("/contacts/{id}?recorded=1")).into_response())
        }
        Answer::Invalid(errors) => {
            let children = chosen_children(&state, &form.user.actor, ids).await?;
            let (offices, _) = offices(&state, &form.user.actor).await?;
            let errors = Errors::from_fields(&in_page_order(&errors, FORM_ORDER));
            let page = ContactFormPage::new(&form.user, errors, children, v, offices);
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Answer::Conflict(m) => Err(ServiceError::Conflict(m).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_listed_in_page_order() {
        let mut e = FieldErrors::new();
        e.push("rag", "r");
        e.push("household_1_name", "h1");
        e.push("concern", "c");
        e.push("household_0_name", "h0");
        e.push("children", "ch");
        let sorted: Vec<String> = in_page_order(&e, FORM_ORDER)
            .iter()
            .map(|x| x.field.clone())
            .collect();
        assert_eq!(
            sorted,
            [
                "children",
                "household_1_name",
                "household_0_name",
                "concern",
                "rag"
            ]
        );
    }
}

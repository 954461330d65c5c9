//! Contacts at the front door: recording one in two steps, the contact's page, naming a child
//! on a contact recorded before the child was identified, and the referrer's letters.
//!
//! Step 1 (`GET /contacts/new`) carries the children chosen so far, and the search, in the
//! query string, so it needs no JavaScript and no server-side draft. Step 2
//! (`/contacts/new/details`) is the contact form itself. Settling the children first means
//! nothing typed on the form can be lost to a search or to recording a new child.
//!
//! Times are stored in UTC and shown, and typed, as the clock on the wall in England.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::front_door::contacts::{
    self, ContactInput, ContactView, HouseholdInput, ReferrerInput,
};
use cairn_core::front_door::messages;
use cairn_core::people;
use cairn_core::search::SearchResults;
use cairn_core::{Actor, ServiceError};
use cairn_domain::codes::ReferralSource;
use cairn_domain::dates::{DateParts, format_long, format_short, parse_date_parts};
use cairn_domain::front_door::{
    AgencyType, ConcernCategory, Consent, ContactChannel, ContactStatus, MessageKind,
    MessageStatus, OutOfHoursActionKind, Rag, ReferrerKind, ScreeningOutcome,
};
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;
use chrono::{NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;

use crate::admin::{Answer, Tag, answer, gate, path_id};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::search::criteria_from;
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

const SECTION: &str = "contacts";
const NEW_CONTACT: &str = "/contacts/new";
/// More children than any one contact names; bounds what a forged query string can ask for.
const MAX_CHILDREN: usize = 20;
/// Blank household rows on a new form. Enough for most households; more can be added on the
/// contact's record later, and a form posted with more rows keeps them all.
const HOUSEHOLD_ROWS: usize = 3;
/// Bounds how many household rows a posted form can make us read.
const MAX_HOUSEHOLD_ROWS: usize = 30;

// ---- UK local time ----

/// "5 March 2026 at 14:30": a stored (UTC) time as the clock in England showed it.
pub fn uk_time(t: NaiveDateTime) -> String {
    cairn_core::front_door::uk_time(t)
}

/// [`uk_time`], or `none` when there is no time.
pub fn uk_time_or(t: Option<NaiveDateTime>, none: &str) -> String {
    t.map(uk_time).unwrap_or_else(|| none.to_string())
}

/// Today's date and the time now in England, as a form's date and time fields show them.
pub fn now_fields() -> (DateParts, String) {
    let local = Utc::now().with_timezone(&London);
    (
        DateParts::from_date(local.date_naive()),
        local.format("%H:%M").to_string(),
    )
}

/// "14:30", "9:05" or "14.30": a time on the 24-hour clock.
fn parse_clock(text: &str) -> Option<NaiveTime> {
    let (h, m) = text.trim().split_once([':', '.'])?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || h.len() > 2 || !digits(m) || m.len() != 2 {
        return None;
    }
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

/// Reads a GOV.UK date input named `field` and a time field `{field}_time`, typed as UK local
/// time, as UTC. Everything blank means "now" (`None`, no error); problems are pushed onto
/// `errors` against the date or the time field.
pub fn parse_uk_time(
    date: &DateParts,
    time: &str,
    field: &str,
    what: &str,
    errors: &mut FieldErrors,
) -> Option<NaiveDateTime> {
    let time_field = format!("{field}_time");
    let day = match parse_date_parts(date, &format!("The date {what}")) {
        Ok(d) => d,
        Err(e) => {
            errors.push(field, e.to_string());
            return None;
        }
    };
    let clock = if time.trim().is_empty() {
        None
    } else {
        match parse_clock(time) {
            Some(t) => Some(t),
            None => {
                errors.push(
                    &time_field,
                    "Enter the time on the 24-hour clock, for example 14:30",
                );
                return None;
            }
        }
    };
    match (day, clock) {
        (None, None) => None,
        (Some(_), None) => {
            errors.push(&time_field, format!("Enter the time {what}"));
            None
        }
        (None, Some(_)) => {
            errors.push(field, format!("Enter the date {what}"));
            None
        }
        // In the autumn the hour after 01:00 happens twice: the earlier one is taken, which
        // errs on the side of an earlier deadline. In the spring that hour never happens.
        (Some(d), Some(t)) => match London.from_local_datetime(&d.and_time(t)).earliest() {
            Some(local) => Some(local.with_timezone(&Utc).naive_utc()),
            None => {
                errors.push(
                    &time_field,
                    "That time did not happen: the clocks went forward an hour that night",
                );
                None
            }
        },
    }
}

// ---- shared bits ----

/// Ids of the children named in a query string or form (`child=…`): parsed, without
/// repeats, and bounded.
fn child_ids(form: &FormData) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for raw in form.all("child") {
        if let Ok(id) = cairn_domain::ids::PersonId::parse(raw.trim()) {
            let id = id.to_string();
            if !ids.contains(&id) && ids.len() < MAX_CHILDREN {
                ids.push(id);
            }
        }
    }
    ids
}

fn encode(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// The `return_to` the person form honours: step 1 of recording a contact, and nothing else.
///
/// Only the path `/contacts/new` is accepted, and its query is rebuilt from the parameters
/// step 1 understands, so the result can never lead off the site (`//evil`, `https://…`,
/// `/\evil`) or anywhere else on it.
pub fn safe_return_to(raw: &str) -> Option<String> {
    if raw.len() > 2_000 {
        return None;
    }
    let rest = raw.strip_prefix(NEW_CONTACT)?;
    let query = match rest.strip_prefix('?') {
        Some(q) => q,
        None if rest.is_empty() => "",
        None => return None,
    };
    let form = FormData::parse(query.as_bytes());
    let ids = child_ids(&form);
    let mut pairs: Vec<(&str, &str)> = ids.iter().map(|id| ("child", id.as_str())).collect();
    for key in ["name", "dob-day", "dob-month", "dob-year", "searched"] {
        let value = form.get(key);
        if !value.is_empty() && value.len() <= 200 {
            pairs.push((key, value));
        }
    }
    Some(with_query(NEW_CONTACT, &encode(&pairs)))
}

/// Where to go after a person is created (or chosen) for a `return_to`: back, with them added.
pub fn return_with_child(return_to: &str, person_id: &str) -> String {
    let separator = if return_to.contains('?') { '&' } else { '?' };
    format!("{return_to}{separator}{}", encode(&[("child", person_id)]))
}

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
async fn chosen_children(
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

fn code_options<T: Copy>(
    all: &[T],
    code: fn(&T) -> &'static str,
    label: fn(&T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (code(v).to_string(), label(v).to_string()))
        .collect()
}

// ---- step 1: which children ----

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
async fn search_into(
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

/// `GET /contacts/new`: who the contact is about.
pub async fn choose_children(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let form = FormData::parse(q.unwrap_or_default().as_bytes());
    let actor = user.actor.clone();
    state
        .db(move |c| gate(c, &actor, Action::RecordContact))
        .await?;
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

// ---- step 2: the contact form ----

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
        rags.extend(code_options(Rag::ALL, Rag::code, Rag::label));
        ContactFormPage {
            layout: user.layout(
                format!("{}Record a contact", errors.title_prefix()),
                SECTION,
            ),
            errors,
            change_children_href: with_query(NEW_CONTACT, &encode(&ids)),
            children,
            v,
            channels: code_options(
                ContactChannel::ALL,
                ContactChannel::code,
                ContactChannel::label,
            ),
            referrer_kinds: code_options(
                ReferrerKind::ALL,
                ReferrerKind::code,
                ReferrerKind::label,
            ),
            agencies: code_options(AgencyType::ALL, AgencyType::code, AgencyType::label),
            categories: code_options(
                ConcernCategory::ALL,
                ConcernCategory::code,
                ConcernCategory::label,
            ),
            consents: code_options(Consent::ALL, Consent::code, Consent::label),
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
    let actor = user.actor.clone();
    state
        .db(move |c| gate(c, &actor, Action::RecordContact))
        .await?;
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

// ---- the contact's page ----

pub fn contact_status_tag(code: &str) -> Tag {
    match ContactStatus::from_code(code) {
        // GOV.UK Frontend 6 has no blue modifier: a plain tag is blue.
        Some(s @ ContactStatus::Screening) => Tag::new(s.label(), ""),
        Some(s @ ContactStatus::AwaitingAuthorisation) => Tag::new(s.label(), "govuk-tag--yellow"),
        Some(s @ ContactStatus::Decided) => Tag::new(s.label(), "govuk-tag--green"),
        Some(s @ ContactStatus::WithAllocatedWorker) => Tag::new(s.label(), "govuk-tag--purple"),
        None => Tag::new(code, "govuk-tag--grey"),
    }
}

pub fn rag_tag(code: &str) -> Tag {
    match Rag::from_code(code) {
        Some(r @ Rag::Red) => Tag::new(r.label(), "govuk-tag--red"),
        Some(r @ Rag::Amber) => Tag::new(r.label(), "govuk-tag--orange"),
        Some(r @ Rag::Green) => Tag::new(r.label(), "govuk-tag--green"),
        None => Tag::new("Not rated", "govuk-tag--grey"),
    }
}

pub fn message_status_tag(code: &str) -> Tag {
    let class = match MessageStatus::from_code(code) {
        Some(MessageStatus::Sent) => "govuk-tag--green",
        Some(MessageStatus::Queued | MessageStatus::Retrying) => "govuk-tag--yellow",
        Some(MessageStatus::Failed) => "govuk-tag--red",
        Some(MessageStatus::LetterOnly) | None => "govuk-tag--grey",
    };
    let text = match MessageStatus::from_code(code) {
        Some(MessageStatus::Sent) => "Sent",
        Some(MessageStatus::Queued) => "Queued",
        Some(MessageStatus::Retrying) => "Retrying",
        Some(MessageStatus::Failed) => "Failed",
        Some(MessageStatus::LetterOnly) => "Letter only",
        None => code,
    };
    Tag::new(text, class)
}

/// An out-of-hours action, as listed on the contact page and the handover.
#[derive(Clone, Debug)]
pub struct ActionLine {
    pub kind: String,
    pub immediate_protection: bool,
    pub when: String,
    pub by: String,
    pub details: String,
    pub outstanding: String,
}

impl ActionLine {
    pub fn new(
        a: &cairn_db::front_door::out_of_hours::OutOfHoursActionRow,
        by: &str,
    ) -> ActionLine {
        let kind = OutOfHoursActionKind::from_code(&a.kind);
        ActionLine {
            kind: kind.map_or_else(|| a.kind.clone(), |k| k.label().to_string()),
            immediate_protection: kind.is_some_and(|k| k.is_immediate_protection()),
            when: uk_time(a.occurred_at),
            by: by.to_string(),
            details: a.details.clone(),
            outstanding: a.outstanding.clone().unwrap_or_default(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct ChildLine {
    pub id: String,
    pub name: String,
    pub dob: String,
    pub routed: String,
}

#[derive(Clone, Debug)]
pub struct ReviewLine {
    pub action: String,
    pub by: String,
    pub at: String,
    pub comments: String,
}

#[derive(Clone, Debug)]
pub struct DecisionLine {
    pub level: String,
    pub indicators: Vec<String>,
    pub rationale: String,
    pub rag: Tag,
    pub outcome: String,
    pub early_help_service: String,
    pub override_reason: String,
    pub receiving: String,
    pub status: Tag,
    pub decided: String,
    pub reviews: Vec<ReviewLine>,
}

#[derive(Clone, Debug)]
pub struct ReferralLine {
    pub child: String,
    pub date: String,
    pub source: String,
    pub re_referral: bool,
    pub state: String,
}

#[derive(Clone, Debug)]
pub struct MessageLine {
    pub kind: String,
    pub recipient: String,
    pub email: String,
    pub status: Tag,
    pub due: String,
    pub sent: String,
    pub attempts: i32,
    pub last_error: String,
    pub letter_href: String,
}

/// The out-of-hours action form, as typed.
#[derive(Clone, Debug, Default)]
pub struct ActionFormValues {
    pub kind: String,
    pub occurred: DateParts,
    pub occurred_time: String,
    pub details: String,
    pub outstanding: String,
}

impl ActionFormValues {
    pub fn blank() -> ActionFormValues {
        let (occurred, occurred_time) = now_fields();
        ActionFormValues {
            occurred,
            occurred_time,
            ..ActionFormValues::default()
        }
    }

    pub fn from_form(f: &FormData) -> ActionFormValues {
        ActionFormValues {
            kind: f.string("kind"),
            occurred: f.date("occurred"),
            occurred_time: f.string("occurred_time"),
            details: f.string("details"),
            outstanding: f.string("outstanding"),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "pages/contact.html")]
pub struct ContactPage {
    pub layout: Layout,
    pub errors: Errors,
    pub notice: String,
    pub id: String,
    pub reference: String,
    pub status: Tag,
    pub received: String,
    pub recorded: String,
    pub backdate_reason: String,
    pub out_of_hours: bool,
    pub rag: Tag,
    pub due: String,
    pub claimed_by: String,
    pub office: String,
    pub channel: String,
    pub source: String,
    pub immediate_safety: bool,
    pub handover: String,
    pub referrer: Vec<(String, String)>,
    pub children: Vec<ChildLine>,
    pub household: Vec<(String, String, String)>,
    pub concern: String,
    pub categories: Vec<String>,
    pub consent: String,
    pub consent_reason: String,
    pub decisions: Vec<DecisionLine>,
    pub referrals: Vec<ReferralLine>,
    pub messages: Vec<MessageLine>,
    pub actions: Vec<ActionLine>,
    pub can_add_child: bool,
    pub can_screen: bool,
    pub can_record_action: bool,
    pub action_form: ActionFormValues,
    pub action_kinds: Vec<(String, String)>,
}

fn label_or<T>(code: &str, from: fn(&str) -> Option<T>, label: fn(&T) -> &'static str) -> String {
    from(code).map_or_else(|| code.to_string(), |v| label(&v).to_string())
}

fn decision_line(d: &contacts::DecisionView) -> DecisionLine {
    let row = &d.row;
    let status = match row.status.as_str() {
        "final" => Tag::new("Final", "govuk-tag--green"),
        "awaiting_authorisation" => Tag::new("Waiting for a manager", "govuk-tag--yellow"),
        "returned" => Tag::new("Returned", "govuk-tag--red"),
        other => Tag::new(other, "govuk-tag--grey"),
    };
    DecisionLine {
        level: if d.level_name.is_empty() {
            "Not recorded".into()
        } else {
            format!(
                "{} (threshold document version {})",
                d.level_name, d.document_version
            )
        },
        indicators: d.indicators.clone(),
        rationale: row.rationale.clone(),
        rag: rag_tag(&row.rag),
        outcome: label_or(
            &row.outcome,
            ScreeningOutcome::from_code,
            ScreeningOutcome::label,
        ),
        early_help_service: row.early_help_service.clone().unwrap_or_default(),
        override_reason: row.override_reason.clone().unwrap_or_default(),
        receiving: match (&d.receiving_team, &d.receiving_worker) {
            (Some(t), Some(w)) => format!("{t} ({w})"),
            (Some(t), None) => t.clone(),
            (None, Some(w)) => w.clone(),
            (None, None) => String::new(),
        },
        status,
        decided: format!("{}, {}", d.decided_by, uk_time(row.decided_at)),
        reviews: d
            .reviews
            .iter()
            .map(|r| ReviewLine {
                action: match r.action.as_str() {
                    "authorised" => "Authorised".into(),
                    "returned" => "Returned with comments".into(),
                    other => other.to_string(),
                },
                by: r.reviewer.clone(),
                at: uk_time(r.at),
                comments: r.comments.clone(),
            })
            .collect(),
    }
}

impl ContactPage {
    pub fn build(user: &CurrentUser, v: ContactView) -> ContactPage {
        let c = &v.contact;
        let r = &v.referrer;
        let actor = &user.actor;
        let screening = c.status == ContactStatus::Screening.code();
        let mut referrer = vec![(
            "Who".to_string(),
            label_or(&r.kind, ReferrerKind::from_code, ReferrerKind::label),
        )];
        let mut add = |k: &str, v: &Option<String>| {
            if let Some(v) = v.as_ref().filter(|s| !s.is_empty()) {
                referrer.push((k.to_string(), v.clone()));
            }
        };
        add("Name", &r.name);
        add("Role", &r.role);
        add("Organisation", &r.organisation);
        add(
            "Agency",
            &r.agency
                .as_deref()
                .map(|a| label_or(a, AgencyType::from_code, AgencyType::label)),
        );
        add("Phone", &r.phone);
        add("Email", &r.email);
        add("Address", &r.address);
        referrer.push((
            "Feedback".into(),
            if r.wants_feedback {
                "Wants feedback on the decision".into()
            } else {
                "No feedback".into()
            },
        ));
        let child_name = |person_id: &str| {
            v.children
                .iter()
                .find(|ch| ch.person.id == person_id)
                .map(|ch| ch.person.display_name.clone())
                .unwrap_or_default()
        };
        ContactPage {
            layout: user.layout(format!("Contact {}", c.reference), SECTION),
            errors: Errors::default(),
            notice: String::new(),
            id: c.id.clone(),
            reference: c.reference.clone(),
            status: contact_status_tag(&c.status),
            received: uk_time(c.received_at),
            recorded: format!("{} by {}", uk_time(c.recorded_at), v.recorded_by),
            backdate_reason: c.backdate_reason.clone().unwrap_or_default(),
            out_of_hours: c.out_of_hours,
            rag: rag_tag(&c.rag),
            due: if c.decided_at.is_some() {
                format!("Decided {}", uk_time_or(c.decided_at, ""))
            } else {
                uk_time(c.decision_due_at)
            },
            claimed_by: v.claimed_by.clone().unwrap_or_default(),
            office: v.office.clone(),
            channel: label_or(&c.channel, ContactChannel::from_code, ContactChannel::label),
            source: label_or(
                &c.referral_source,
                ReferralSource::from_code,
                ReferralSource::label,
            ),
            immediate_safety: c.immediate_safety,
            handover: match (&v.handover_acknowledged_by, c.handover_acknowledged_at) {
                (Some(by), Some(at)) => format!("Acknowledged by {by}, {}", uk_time(at)),
                _ => String::new(),
            },
            referrer,
            children: v
                .children
                .iter()
                .map(|ch| ChildLine {
                    id: ch.person.id.clone(),
                    name: ch.person.display_name.clone(),
                    dob: match (ch.person.date_of_birth, ch.person.expected_date_of_birth) {
                        (Some(d), _) => format_long(d),
                        (None, Some(e)) => format!("Unborn, due {}", format_long(e)),
                        _ => "Not known".into(),
                    },
                    routed: if ch.routed_to == "allocated_worker" {
                        let who = ch
                            .allocated_worker
                            .clone()
                            .unwrap_or_else(|| "the allocated team".into());
                        match ch.worker_acknowledged_at {
                            Some(at) => format!("Open case: sent to {who}, read {}", uk_time(at)),
                            None => format!("Open case: sent to {who}"),
                        }
                    } else if ch.decision_id.is_some() {
                        "Screened".into()
                    } else {
                        "Screening".into()
                    },
                })
                .collect(),
            household: v
                .household
                .iter()
                .map(|h| {
                    (
                        h.name.clone(),
                        h.relationship.clone(),
                        h.notes.clone().unwrap_or_default(),
                    )
                })
                .collect(),
            concern: c.concern.clone(),
            categories: c
                .categories
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| label_or(s, ConcernCategory::from_code, ConcernCategory::label))
                .collect(),
            consent: label_or(&c.consent, Consent::from_code, Consent::label),
            consent_reason: c.consent_reason.clone().unwrap_or_default(),
            decisions: v.decisions.iter().map(decision_line).collect(),
            referrals: v
                .referrals
                .iter()
                .map(|rf| ReferralLine {
                    child: child_name(&rf.person_id),
                    date: format_long(rf.referral_date),
                    source: label_or(
                        &rf.referral_source,
                        ReferralSource::from_code,
                        ReferralSource::label,
                    ),
                    re_referral: rf.re_referral,
                    state: match rf.closed_on {
                        Some(d) => format!("Closed {}", format_long(d)),
                        None => "Open".into(),
                    },
                })
                .collect(),
            messages: v
                .messages
                .iter()
                .map(|m| MessageLine {
                    kind: label_or(&m.kind, MessageKind::from_code, MessageKind::label),
                    recipient: m.recipient_name.clone(),
                    email: m.recipient_email.clone().unwrap_or_default(),
                    status: message_status_tag(&m.status),
                    due: uk_time(m.due_at),
                    sent: uk_time_or(m.sent_at, "Not sent"),
                    attempts: m.attempts,
                    last_error: m.last_error.clone().unwrap_or_default(),
                    letter_href: format!("/contacts/{}/messages/{}/letter.pdf", c.id, m.id),
                })
                .collect(),
            actions: v
                .out_of_hours_actions
                .iter()
                .map(|(a, by)| ActionLine::new(a, by))
                .collect(),
            can_add_child: screening && actor.may(Action::RecordContact),
            can_screen: screening && actor.may(Action::ScreenContact),
            can_record_action: c.out_of_hours && actor.may(Action::RecordOutOfHoursAction),
            action_form: ActionFormValues::blank(),
            action_kinds: code_options(
                OutOfHoursActionKind::ALL,
                OutOfHoursActionKind::code,
                OutOfHoursActionKind::label,
            ),
        }
    }
}

/// Reads a contact for its page (an audited view).
pub(crate) async fn load_contact(
    state: &AppState,
    actor: &Actor,
    id: &str,
) -> Result<ContactView, AppError> {
    let (actor, id) = (actor.clone(), id.to_string());
    state.db(move |c| Ok(contacts::view(c, &actor, &id)?)).await
}

/// `GET /contacts/{id}`.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let view = load_contact(&state, &user.actor, &id).await?;
    let mut page = ContactPage::build(&user, view);
    page.notice = if !query.get("recorded").is_empty() {
        format!("Contact recorded: reference {}", page.reference)
    } else if !query.get("child_added").is_empty() {
        "Child added to the contact".into()
    } else if !query.get("action_recorded").is_empty() {
        "Out-of-hours action recorded".into()
    } else if query.get("decided") == "recorded" {
        "Decision recorded".into()
    } else if query.get("decided") == "awaiting-manager" {
        "Decision sent to a manager to authorise".into()
    } else {
        String::new()
    };
    Ok(render_with(StatusCode::OK, &page))
}

// ---- adding a child to a recorded contact ----

/// `GET /contacts/{id}/children`: search for the child to name on the contact.
pub async fn add_child_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let form = FormData::parse(q.unwrap_or_default().as_bytes());
    let actor = user.actor.clone();
    state
        .db(move |c| gate(c, &actor, Action::RecordContact))
        .await?;
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

// ---- letters ----

/// `GET /contacts/{id}/messages/{message_id}/letter.pdf`: the receipt or feedback as a letter.
pub async fn letter(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, message_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let message_id = path_id(&message_id)?;
    let (actor, settings) = (user.actor.clone(), state.settings.clone());
    // Typesetting the PDF is CPU work: it runs on the blocking thread with the reads.
    let (message, pdf, reference) = state
        .db(move |c| {
            let (m, pdf) = messages::letter_for_download(c, &actor, &settings, &id, &message_id)?;
            // Only reached once the service has allowed (and audited) reading this contact.
            let reference = cairn_db::front_door::contacts::find(c, &id)?
                .map(|ct| ct.reference)
                .unwrap_or_default();
            Ok((m, pdf, reference))
        })
        .await?;
    // Both parts are codes we generated; filtering keeps the header value valid regardless.
    let safe = |s: &str| -> String {
        s.chars()
            .filter(|ch| ch.is_ascii_alphanumeric() || *ch == '-' || *ch == '_')
            .collect()
    };
    let filename = format!("{}-{}.pdf", safe(&reference), safe(&message.kind));
    let mut response = (StatusCode::OK, pdf).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_to_only_ever_leads_back_to_step_one() {
        let id = uuid::Uuid::now_v7().to_string();
        assert_eq!(
            safe_return_to("/contacts/new").as_deref(),
            Some("/contacts/new")
        );
        assert_eq!(
            safe_return_to(&format!("/contacts/new?child={id}&evil=1&name=Amy")),
            Some(format!("/contacts/new?child={id}&name=Amy"))
        );
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/contacts/newevil",
            "/contacts/new/../../admin",
            "/contacts/new#x",
            "/people/new",
            "",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_return_to(bad), None, "{bad}");
        }
        assert_eq!(
            safe_return_to("/contacts/new?child=not-an-id").as_deref(),
            Some("/contacts/new")
        );
        assert_eq!(
            return_with_child("/contacts/new", &id),
            format!("/contacts/new?child={id}")
        );
    }

    #[test]
    fn uk_times_follow_the_clocks() {
        let mut e = FieldErrors::new();
        let summer = parse_uk_time(
            &DateParts::new("1", "7", "2025"),
            "14:30",
            "received",
            "x",
            &mut e,
        );
        assert_eq!(
            summer.map(|t| t.to_string()).as_deref(),
            Some("2025-07-01 13:30:00")
        );
        let winter = parse_uk_time(
            &DateParts::new("5", "1", "2025"),
            "9.05",
            "received",
            "x",
            &mut e,
        );
        assert_eq!(
            winter.map(|t| t.to_string()).as_deref(),
            Some("2025-01-05 09:05:00")
        );
        assert!(e.is_empty());
        // 01:30 on the last Sunday of March 2025 never happened in England.
        let gap = parse_uk_time(
            &DateParts::new("30", "3", "2025"),
            "01:30",
            "received",
            "x",
            &mut e,
        );
        assert!(gap.is_none());
        assert_eq!(
            e.iter().next().map(|x| x.field.as_str()),
            Some("received_time")
        );
        let mut e = FieldErrors::new();
        assert!(parse_uk_time(&DateParts::default(), "", "received", "x", &mut e).is_none());
        assert!(e.is_empty(), "blank means now");
        parse_uk_time(
            &DateParts::new("1", "7", "2025"),
            "25:00",
            "received",
            "x",
            &mut e,
        );
        assert_eq!(e.len(), 1);
        // A date without a time is a mistake, not midnight.
        let mut e = FieldErrors::new();
        parse_uk_time(
            &DateParts::new("1", "7", "2025"),
            "",
            "received",
            "x",
            &mut e,
        );
        assert_eq!(
            e.iter().next().map(|x| x.field.as_str()),
            Some("received_time")
        );
        assert_eq!(
            uk_time(
                NaiveDateTime::parse_from_str("2025-07-01 13:30:00", "%Y-%m-%d %H:%M:%S")
                    .unwrap_or_default()
            ),
            "1 July 2025 at 14:30"
        );
    }

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

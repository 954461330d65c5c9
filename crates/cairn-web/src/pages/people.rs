//! A person's record: create (through the duplicate check), view, change, history, addresses,
//! relationships, and marking a mistaken record as entered in error.

use crate::pages::recording::tabs::{RecordTab, RecordTabs};
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::addresses::{self, AddressDraft};
use cairn_core::people::{self, NewPerson, PersonKind, PersonRecord};
use cairn_core::relationships::{self, NewRelationship};
use cairn_core::search::SearchHit;
use cairn_core::{Actor, ServiceError};
use cairn_domain::codes::{Disability, Ethnicity, Sex};
use cairn_domain::dates::{DateParts, age_in_years, format_long, parse_date_parts};
use cairn_domain::person::PersonDraft;
use cairn_domain::policy::Action;
use cairn_domain::relationships::RelationshipKind;
use cairn_domain::validation::FieldErrors;

use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::labels::code_options_with_codes;
use crate::pages::uk_time::today_in_england;
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// Everything the person form shows, as typed.
#[derive(Clone, Debug, Default)]
pub struct PersonFormValues {
    pub kind: String,
    pub draft: PersonDraft,
    pub address: AddressDraft,
}

impl PersonFormValues {
    fn from_form(f: &FormData) -> PersonFormValues {
        PersonFormValues {
            kind: f.string("kind"),
            draft: PersonDraft {
                given_names: f.string("given_names"),
                family_name: f.string("family_name"),
                other_names: f.string("other_names"),
                dob: f.date("dob"),
                expected_dob: f.date("expected_dob"),
                is_unborn: f.get("unborn") == "yes",
                sex: f.string("sex"),
                gender_identity: f.string("gender_identity"),
                ethnicity: f.string("ethnicity"),
                first_language: f.string("first_language"),
                interpreter_needed: f.string("interpreter_needed"),
                religion: f.string("religion"),
                disabilities: f.all("disabilities"),
                nhs_number: f.string("nhs_number"),
                upn: f.string("upn"),
                former_upn: f.string("former_upn"),
                date_of_death: f.date("date_of_death"),
            },
            address: AddressDraft {
                line1: f.string("address_line1"),
                line2: f.string("address_line2"),
                town: f.string("address_town"),
                postcode: f.string("address_postcode"),
                confidential: f.checked("address_confidential"),
                from: f.date("address_from"),
            },
        }
    }

    /// Validates the whole form, collecting every error at once.
    fn validate(
        &self,
        with_address: bool,
    ) -> Result<
        (
            PersonKind,
            cairn_domain::person::PersonDetails,
            Option<addresses::AddressInput>,
        ),
        FieldErrors,
    > {
        let mut errors = FieldErrors::default();
        let kind = PersonKind::from_code(&self.kind);
        if kind.is_none() {
            errors.push("kind", "Select whether this is a child or an adult");
        }
        let details = self.draft.validate(today()).map_err(|e| {
            for err in e.iter() {
                errors.push(err.field.clone(), err.message.clone());
            }
        });
        let address = if with_address && !self.address.is_blank() {
            self.address
                .validate("address_", today())
                .map_err(|e| {
                    for err in e.iter() {
                        errors.push(err.field.clone(), err.message.clone());
                    }
                })
                .ok()
        } else {
            None
        };
        match (kind, details) {
            (Some(k), Ok(d)) if errors.is_empty() => Ok((k, d, address)),
            _ => Err(errors),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "pages/person_form.html")]
pub struct PersonFormPage {
    pub layout: Layout,
    pub errors: Errors,
    pub heading: String,
    pub action: String,
    pub v: PersonFormValues,
    pub version: i32,
    pub with_address: bool,
    pub notice: String,
    pub sexes: Vec<(String, String)>,
    pub ethnicities: Vec<(String, String)>,
    pub disabilities: Vec<(String, String)>,
    pub kinds: Vec<(String, String)>,
    pub yes_no: Vec<(String, String)>,
    /// Where to go once the person is recorded (recording a contact), already checked by
    /// [`crate::pages::contacts::safe_return_to`]; empty for the person's own page.
    pub return_to: String,
}

impl PersonFormPage {
    fn new(
        user: &CurrentUser,
        heading: &str,
        action: String,
        v: PersonFormValues,
        errors: Errors,
        with_address: bool,
    ) -> PersonFormPage {
        let mut layout = user.layout(format!("{}{heading}", errors.title_prefix()), "people");
        layout.title = format!("{}{heading}", errors.title_prefix());
        PersonFormPage {
            layout,
            errors,
            heading: heading.to_string(),
            action,
            v,
            version: 0,
            with_address,
            notice: String::new(),
            sexes: Sex::ALL
                .iter()
                .map(|s| (s.code().to_string(), s.label().to_string()))
                .collect(),
            ethnicities: code_options_with_codes::<Ethnicity>(),
            disabilities: code_options_with_codes::<Disability>(),
            kinds: vec![
                ("child".into(), "Child (including unborn)".into()),
                ("adult".into(), "Adult".into()),
            ],
            yes_no: yes_no(),
            return_to: String::new(),
        }
    }
}

/// A `return_to` from a query string or form, if it is one we honour.
fn return_to(f: &FormData) -> String {
    crate::pages::contacts::safe_return_to(f.get("return_to")).unwrap_or_default()
}

pub async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let actor = user.actor.clone();
    state
        .db(move |c| Ok(cairn_core::tx::require(c, &actor, Action::CreatePerson)?))
        .await?;
    let v = PersonFormValues {
        kind: "child".into(),
        ..Default::default()
    };
    let mut page = PersonFormPage::new(
        &user,
        "Record a new person",
        "/people/new".into(),
        v,
        Errors::default(),
        true,
    );
    page.return_to = return_to(&FormData::parse(q.unwrap_or_default().as_bytes()));
    Ok(render_with(StatusCode::OK, &page))
}

#[derive(askama::Template)]
#[template(path = "pages/person_duplicates.html")]
pub struct DuplicatesPage {
    pub layout: Layout,
    pub hits: Vec<SearchHit>,
    pub fields: Vec<(String, String)>,
    pub csrf_token: String,
    pub error: bool,
    pub return_to: String,
}

impl DuplicatesPage {
    /// Choosing an existing record goes back to the contact being recorded, if there is one.
    pub fn hit_href(&self, id: &str) -> String {
        if self.return_to.is_empty() {
            format!("/people/{id}")
        } else {
            crate::pages::contacts::return_with_child(&self.return_to, id)
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let v = PersonFormValues::from_form(&form.data);
    let return_to = return_to(&form.data);
    let (kind, details, address) = match v.validate(true) {
        Ok(ok) => ok,
        Err(errors) => {
            let mut page = PersonFormPage::new(
                &form.user,
                "Record a new person",
                "/people/new".into(),
                v,
                Errors::from_fields(&errors),
                true,
            );
            page.return_to = return_to;
            return Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let confirmed = form.data.get("confirm_new") == "yes";
    let asked_to_confirm = form.data.get("duplicate_check_seen") == "yes";
    let actor = form.user.actor.clone();
    let prefix = state.settings.local_id_prefix.clone();
    let new = NewPerson {
        kind,
        details,
        address,
    };
    let outcome = state
        .db(
            move |c| match people::create(c, &actor, &new, confirmed, &prefix) {
                Err(ServiceError::PossibleDuplicates(hits)) => Ok(Err(hits)),
                other => Ok(Ok(other?)),
            },
        )
        .await?;
    match outcome {
        Ok(id) if !return_to.is_empty() => Ok(Redirect::to(
            &crate::pages::contacts::return_with_child(&return_to, &id.to_string()),
        )
        .into_response()),
        Ok(id) => Ok(Redirect::to(&format!("/people/{id}")).into_response()),
        Err(hits) => {
            let mut fields: Vec<(String, String)> = form
                .data
                .without_csrf()
                .into_iter()
                .filter(|(k, _)| k != "confirm_new" && k != "duplicate_check_seen")
                .collect();
            fields.push(("duplicate_check_seen".into(), "yes".into()));
            let page = DuplicatesPage {
                layout: form.user.layout(
                    format!(
                        "{}This person may already be recorded",
                        if asked_to_confirm { "Error: " } else { "" }
                    ),
                    "people",
                ),
                hits,
                fields,
                csrf_token: form.user.csrf_token.clone(),
                error: asked_to_confirm,
                return_to,
            };
            Ok(render_with(StatusCode::OK, &page))
        }
    }
}

#[derive(askama::Template)]
#[template(path = "pages/person.html")]
pub struct PersonPage {
    pub layout: Layout,
    pub r: PersonRecord,
    pub can_edit: bool,
    pub can_mark_error: bool,
    pub can_view_audit: bool,
    /// The child's casework at a glance; None for people whose role does not see casework.
    pub status: Option<crate::pages::casework::my_work::ChildStatusView>,
    pub status_failed: bool,
    /// The record's tabs, shown to those who see casework (the tabs are casework pages).
    pub tabs: crate::pages::recording::tabs::RecordTabs,
    pub tabs_shown: bool,
    /// The latest management decision, pinned at the top of a child's page; None for adults
    /// and for people who do not see casework.
    pub pinned: Option<crate::pages::recording::oversight::PinnedView>,
    /// Who holds a child's case, with its weighting factors; None for adults and for people
    /// who do not see casework.
    pub allocation: Option<crate::pages::caseloads::allocate::AllocationBlock>,
}

impl PersonPage {
    pub fn long(&self, d: &Option<chrono::NaiveDate>) -> String {
        d.map(format_long).unwrap_or_default()
    }

    pub fn dob_line(&self) -> String {
        let d = &self.r.person.details;
        match (d.date_of_birth, d.expected_date_of_birth) {
            (Some(dob), _) => format!("{} (age {})", format_long(dob), age_in_years(dob, today())),
            (None, Some(edd)) => format!("Unborn, expected {}", format_long(edd)),
            _ => "Not known".into(),
        }
    }

    pub fn nhs(&self) -> String {
        self.r
            .person
            .details
            .nhs_number
            .as_ref()
            .map(|n| n.formatted())
            .unwrap_or_else(|| "Not recorded".into())
    }

    pub fn opt(&self, v: &Option<String>) -> String {
        v.clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "Not recorded".into())
    }

    pub fn ethnicity(&self) -> String {
        self.r
            .person
            .details
            .ethnicity
            .map(|e| format!("{} ({})", e.label(), e.code()))
            .unwrap_or_else(|| "Not recorded".into())
    }

    pub fn disabilities(&self) -> String {
        let d = &self.r.person.details.disabilities;
        if d.is_empty() {
            "Not recorded".into()
        } else {
            d.iter().map(|x| x.label()).collect::<Vec<_>>().join(", ")
        }
    }

    pub fn upn(&self) -> String {
        self.r
            .person
            .details
            .upn
            .as_ref()
            .map(|u| u.as_str().to_string())
            .unwrap_or_else(|| "Not recorded".into())
    }

    pub fn former_upn(&self) -> String {
        self.r
            .person
            .details
            .former_upn
            .as_ref()
            .map(|u| u.as_str().to_string())
            .unwrap_or_default()
    }
}

fn person_id(raw: &str) -> Result<String, AppError> {
    cairn_domain::ids::PersonId::parse(raw)
        .map(|p| p.to_string())
        .map_err(|_| AppError::NotFound)
}

/// The record behind a form about one person: the id is parsed, the permission checked (a
/// refusal is audited against the person) and the record read (an audited view).
async fn load_for(
    state: &AppState,
    actor: &Actor,
    raw_id: &str,
    action: Action,
    purpose: &'static str,
) -> Result<(String, PersonRecord), AppError> {
    let id = person_id(raw_id)?;
    let (a, pid) = (actor.clone(), id.clone());
    state
        .db(move |c| Ok(cairn_core::tx::require_on_person(c, &a, action, &pid)?))
        .await?;
    let record = load(state, actor, &id, purpose).await?;
    Ok((id, record))
}

async fn load(
    state: &AppState,
    actor: &Actor,
    id: &str,
    purpose: &'static str,
) -> Result<PersonRecord, AppError> {
    let (actor, id) = (actor.clone(), id.to_string());
    state
        .db(move |c| Ok(people::view(c, &actor, &id, purpose)?))
        .await
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = person_id(&id)?;
    let (actor, pid) = (user.actor.clone(), id.clone());
    // The status is read on the same connection straight after the audited view, which
    // covers it; a problem with it is logged and never costs the rest of the page.
    let (r, status, pinned, allocation) = state
        .db(move |c| {
            let r = people::view(c, &actor, &pid, "page")?;
            let status = cairn_core::casework::child_status::view(c, &actor, &pid, today());
            // Read on the same connection straight after the audited view, like the status.
            let pinned = c.read(|c| {
                cairn_core::recording::oversight::pinned(c, &actor, &pid, today_in_england())
            });
            let allocation =
                c.read(|c| cairn_core::caseloads::allocation::summary(c, &actor, &pid));
            Ok((r, status, pinned, allocation))
        })
        .await?;
    let allocation = match allocation {
        Ok(a) => a.map(|a| {
            crate::pages::caseloads::allocate::AllocationBlock::of(
                &id,
                &a,
                user.actor.may(Action::AllocateWork),
            )
        }),
        Err(e) => {
            tracing::warn!(error = %e, "could not read who holds a child's case");
            None
        }
    };
    let pinned = match pinned {
        Ok(p) => p.map(|p| {
            crate::pages::recording::oversight::PinnedView::of(
                &id,
                &p,
                user.actor.may(Action::RecordOversight),
            )
        }),
        Err(e) => {
            tracing::warn!(error = %e, "could not read a child's latest management decision");
            None
        }
    };
    let (status, status_failed) = match status {
        Ok(s) => (
            s.map(|s| crate::pages::casework::my_work::ChildStatusView::from_status(&s)),
            false,
        ),
        Err(e) => {
            tracing::warn!(error = %e, "could not read a child's current status");
            (None, true)
        }
    };
    let page = PersonPage {
        status: status.filter(|_| r.person.kind == PersonKind::Child),
        status_failed,
        layout: user.layout(r.person.display_name(), "people"),
        can_edit: user.actor.may(Action::EditPerson) && r.person.entered_in_error.is_none(),
        can_mark_error: user.actor.may(Action::MarkPersonEnteredInError)
            && r.person.entered_in_error.is_none(),
        can_view_audit: user.actor.may(Action::ViewAuditLog),
        tabs: RecordTabs::new(r.person.id.to_string(), RecordTab::Summary),
        tabs_shown: user.actor.may(Action::ViewCasework),
        pinned: pinned.filter(|_| r.person.kind == PersonKind::Child),
        allocation: allocation.filter(|_| r.person.kind == PersonKind::Child),
        r,
    };
    Ok(render_with(StatusCode::OK, &page))
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (id, r) = load_for(&state, &user.actor, &id, Action::EditPerson, "edit").await?;
    let v = PersonFormValues {
        kind: r.person.kind.code().into(),
        draft: r.person.details.to_draft(),
        address: AddressDraft::default(),
    };
    let mut page = PersonFormPage::new(
        &user,
        &format!("Change details: {}", r.person.display_name()),
        format!("/people/{id}/edit"),
        v,
        Errors::default(),
        false,
    );
    page.version = r.person.version;
    Ok(render_with(StatusCode::OK, &page))
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = person_id(&id)?;
    let v = PersonFormValues::from_form(&form.data);
    let version: i32 = form.data.get("version").parse().unwrap_or(0);
    let action = format!("/people/{id}/edit");
    let (kind, details, _) = match v.validate(false) {
        Ok(ok) => ok,
        Err(errors) => {
            let mut page = PersonFormPage::new(
                &form.user,
                "Change details",
                action,
                v,
                Errors::from_fields(&errors),
                false,
            );
            page.version = version;
            return Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let actor = form.user.actor.clone();
    let pid = id.clone();
    let result = state
        .db(
            move |c| match people::update(c, &actor, &pid, version, kind, &details) {
                Err(ServiceError::Conflict(message)) => {
                    let latest = cairn_db::people::find(c, &pid)?
                        .map(|p| p.version)
                        .unwrap_or(version);
                    Ok(Err((message, latest)))
                }
                other => Ok(Ok(other?)),
            },
        )
        .await?;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/people/{id}")).into_response()),
        Err((message, latest)) => {
            let mut page = PersonFormPage::new(
                &form.user,
                "Change details",
                action,
                v,
                Errors::default(),
                false,
            );
            page.notice =
                format!("{message} Saving this form again will replace their changes with yours.");
            page.version = latest;
            Ok(render_with(StatusCode::CONFLICT, &page))
        }
    }
}

#[derive(askama::Template)]
#[template(path = "pages/person_history.html")]
pub struct HistoryPage {
    pub layout: Layout,
    pub person_id: String,
    pub name: String,
    pub entries: Vec<HistoryEntry>,
}

pub struct HistoryEntry {
    pub version: i32,
    pub when: String,
    pub by: String,
    pub changes: Vec<(String, String, String)>,
}

fn show_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "(blank)".into(),
        serde_json::Value::String(s) if s.is_empty() => "(blank)".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub async fn history(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = person_id(&id)?;
    let actor = user.actor.clone();
    let pid = id.clone();
    let (person, versions) = state
        .db(move |c| Ok(people::versions(c, &actor, &pid)?))
        .await?;
    let snapshots: Vec<serde_json::Value> = versions
        .iter()
        .map(|v| serde_json::from_str(&v.snapshot).unwrap_or_default())
        .collect();
    let entries = versions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let before = snapshots
                .get(i + 1)
                .cloned()
                .unwrap_or_else(|| serde_json::json!({}));
            let changes = cairn_core::audit_trail::diff(&before, &snapshots[i])
                .into_iter()
                .map(|c| {
                    (
                        c.field.replace('_', " "),
                        show_value(&c.before),
                        show_value(&c.after),
                    )
                })
                .collect();
            HistoryEntry {
                version: v.version,
                when: v.changed_at.format("%d/%m/%Y %H:%M").to_string(),
                by: v.changed_by.clone(),
                changes,
            }
        })
        .collect();
    let page = HistoryPage {
        layout: user.layout(format!("History: {}", person.display_name()), "people"),
        person_id: id,
        name: person.display_name(),
        entries,
    };
    Ok(render_with(StatusCode::OK, &page))
}

#[derive(askama::Template)]
#[template(path = "pages/person_error.html")]
pub struct EnteredInErrorPage {
    pub layout: Layout,
    pub errors: Errors,
    pub person_id: String,
    pub name: String,
    pub version: i32,
    pub reason: String,
}

pub async fn error_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (id, r) = load_for(
        &state,
        &user.actor,
        &id,
        Action::MarkPersonEnteredInError,
        "entered-in-error form",
    )
    .await?;
    let page = EnteredInErrorPage {
        layout: user.layout("Mark as entered in error", "people"),
        errors: Errors::default(),
        person_id: id,
        name: r.person.display_name(),
        version: r.person.version,
        reason: String::new(),
    };
    Ok(render_with(StatusCode::OK, &page))
}

pub async fn mark_error(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = person_id(&id)?;
    let version: i32 = form.data.get("version").parse().unwrap_or(0);
    let reason = form.data.string("reason");
    let (actor, pid, r2) = (form.user.actor.clone(), id.clone(), reason.clone());
    let result = state
        .db(
            move |c| match people::mark_entered_in_error(c, &actor, &pid, version, &r2) {
                Err(ServiceError::Invalid(e)) => Ok(Err(Errors::from_fields(&e))),
                Err(ServiceError::Conflict(m)) => Ok(Err(Errors::one("reason", &m))),
                other => Ok(Ok(other?)),
            },
        )
        .await?;
    match result {
        Ok(()) => Ok(Redirect::to("/people/search").into_response()),
        Err(errors) => {
            let page = EnteredInErrorPage {
                layout: form
                    .user
                    .layout("Error: Mark as entered in error", "people"),
                errors,
                person_id: id,
                name: form.data.string("person_name"),
                version,
                reason,
            };
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

#[derive(askama::Template)]
#[template(path = "pages/address_form.html")]
pub struct AddressPage {
    pub layout: Layout,
    pub errors: Errors,
    pub person_id: String,
    pub name: String,
    pub a: AddressDraft,
}

pub async fn address_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (id, r) = load_for(&state, &user.actor, &id, Action::EditPerson, "address form").await?;
    let page = AddressPage {
        layout: user.layout("Add an address", "people"),
        errors: Errors::default(),
        person_id: id,
        name: r.person.display_name(),
        a: AddressDraft::default(),
    };
    Ok(render_with(StatusCode::OK, &page))
}

pub async fn add_address(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = person_id(&id)?;
    let a = PersonFormValues::from_form(&form.data).address;
    let input = match a.validate("address_", today()) {
        Ok(i) => i,
        Err(errors) => {
            let page = AddressPage {
                layout: form.user.layout("Error: Add an address", "people"),
                errors: Errors::from_fields(&errors),
                person_id: id,
                name: form.data.string("person_name"),
                a,
            };
            return Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let (actor, pid) = (form.user.actor.clone(), id.clone());
    state
        .db(move |c| Ok(addresses::add(c, &actor, &pid, &input)?))
        .await?;
    Ok(Redirect::to(&format!("/people/{id}")).into_response())
}

#[derive(askama::Template)]
#[template(path = "pages/relationship_form.html")]
pub struct RelationshipPage {
    pub layout: Layout,
    pub errors: Errors,
    pub person_id: String,
    pub name: String,
    pub other_id: String,
    pub other_name: String,
    pub kind: String,
    pub lives_together: String,
    pub started_on: DateParts,
    pub kinds: Vec<(String, String)>,
    pub yes_no: Vec<(String, String)>,
}

impl RelationshipPage {
    /// The form as typed (empty when first shown); `f` is the posted form, if any.
    fn new(layout: Layout, person_id: String, name: String, f: &FormData) -> RelationshipPage {
        RelationshipPage {
            layout,
            errors: Errors::default(),
            person_id,
            name,
            other_id: f.string("other_id"),
            other_name: f.string("other_name"),
            kind: f.string("kind"),
            lives_together: f.string("lives_together"),
            started_on: f.date("started_on"),
            kinds: relationship_kinds(),
            yes_no: yes_no(),
        }
    }
}

fn yes_no() -> Vec<(String, String)> {
    vec![("yes".into(), "Yes".into()), ("no".into(), "No".into())]
}

#[derive(serde::Deserialize, Default)]
pub struct OtherQuery {
    #[serde(default)]
    other: String,
}

fn relationship_kinds() -> Vec<(String, String)> {
    RelationshipKind::ALL
        .iter()
        .map(|k| (k.code().to_string(), k.label().to_string()))
        .collect()
}

pub async fn relationship_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<OtherQuery>,
) -> Result<Response, AppError> {
    let (id, r) = load_for(
        &state,
        &user.actor,
        &id,
        Action::ManageRelationships,
        "relationship form",
    )
    .await?;
    let (other_id, other_name) = match cairn_domain::ids::PersonId::parse(&q.other) {
        Ok(o) => {
            let other = load(
                &state,
                &user.actor,
                &o.to_string(),
                "chosen as related person",
            )
            .await?;
            (o.to_string(), other.person.display_name())
        }
        Err(_) => (String::new(), String::new()),
    };
    let chosen = FormData(vec![
        ("other_id".into(), other_id),
        ("other_name".into(), other_name),
    ]);
    let page = RelationshipPage::new(
        user.layout("Add a relationship", "people"),
        id,
        r.person.display_name(),
        &chosen,
    );
    Ok(render_with(StatusCode::OK, &page))
}

pub async fn add_relationship(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = person_id(&id)?;
    let f = &form.data;
    let mut errors = FieldErrors::default();
    let kind = RelationshipKind::from_code(f.get("kind"));
    if kind.is_none() {
        errors.push("kind", "Select how they are related");
    }
    let started_on = parse_date_parts(&f.date("started_on"), "Start date")
        .map_err(|e| errors.push("started_on", e.to_string()))
        .ok()
        .flatten();
    let mut page = RelationshipPage::new(
        form.user.layout("Error: Add a relationship", "people"),
        id.clone(),
        f.string("person_name"),
        f,
    );
    let Some(kind) = kind.filter(|_| errors.is_empty()) else {
        page.errors = Errors::from_fields(&errors);
        return Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let rel = NewRelationship {
        person_id: id.clone(),
        other_id: f.string("other_id"),
        kind,
        lives_together: f.get("lives_together") == "yes",
        started_on,
    };
    let actor = form.user.actor.clone();
    let result = state
        .db(move |c| match relationships::add(c, &actor, &rel) {
            Err(ServiceError::Invalid(e)) => Ok(Err(e)),
            other => Ok(Ok(other?)),
        })
        .await?;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/people/{id}")).into_response()),
        Err(e) => {
            page.errors = Errors::from_fields(&e);
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

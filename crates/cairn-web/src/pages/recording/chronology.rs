//! The chronology pages: a child's and a family's, filters, manual entries, CSV and PDF.
//!
//! - `GET /people/{id}/chronology`: the Chronology tab, numbered entries with filters (a plain
//!   GET form, so it works without JavaScript) and pages.
//! - `GET /people/{id}/chronology/family`: the child's and their siblings' entries merged.
//! - `GET /people/{id}/chronology.csv` and `.pdf`: the same filters, every entry.
//! - `GET/POST /people/{id}/chronology/new`: an entry from another source.
//! - `GET /chronology/{id}`: one entry and every earlier version;
//!   `GET/POST /chronology/{id}/amend`: amend a manual entry with a reason.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use cairn_core::recording::chronology::{
    self as service, Amendment, Chronology, EntryView, Filters, ManualInput,
};
use cairn_domain::dates::DateParts;
use cairn_domain::recording::ChronologyCategory;
use cairn_domain::validation::FieldErrors;

use super::tabs::{RecordTab, RecordTabs};
use crate::admin::{Answer, answer, path_id};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::casework::common::{query_of, read_date, version_of};
use crate::pages::labels::code_options;
use crate::pages::pagination::{Pagination, pagination};
use crate::pages::uk_time::uk_time;
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

// ---- filters ----

/// The filter form as typed, kept to show it again and to carry it into links.
#[derive(Clone, Debug, Default)]
pub struct FilterForm {
    pub categories: Vec<String>,
    pub from: DateParts,
    pub to: DateParts,
    pub significant: bool,
    pub withdrawn: bool,
    pub newest_first: bool,
}

impl FilterForm {
    pub fn from_query(q: &FormData) -> FilterForm {
        FilterForm {
            categories: q.all("category"),
            from: q.date("from"),
            to: q.date("to"),
            significant: q.checked("significant"),
            withdrawn: q.checked("withdrawn"),
            newest_first: q.get("order") == "newest",
        }
    }

    /// The filters the form asks for, or what is wrong with it.
    pub fn filters(&self) -> Result<Filters, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut categories = Vec::new();
        for code in &self.categories {
            match ChronologyCategory::from_code(code) {
                Some(c) if !categories.contains(&c) => categories.push(c),
                Some(_) => {}
                None => errors.push("category", "Select categories from the list"),
            }
        }
        let from = read_date(&self.from, "from", "The start date", &mut errors);
        let to = read_date(&self.to, "to", "The end date", &mut errors);
        let filters = Filters {
            categories,
            from,
            to,
            significant_only: self.significant,
            include_withdrawn: self.withdrawn,
            newest_first: self.newest_first,
        };
        if let Err(more) = filters.check() {
            for e in more {
                errors.push(e.field, e.message);
            }
        }
        if errors.is_empty() {
            Ok(filters)
        } else {
            Err(errors)
        }
    }

    /// The form as a query string (without a page), for links that keep the filters.
    pub fn query(&self) -> String {
        let mut pairs: Vec<(&str, &str)> = self
            .categories
            .iter()
            .map(|c| ("category", c.as_str()))
            .collect();
        for (name, parts) in [("from", &self.from), ("to", &self.to)] {
            if !parts.is_empty() {
                pairs.push((leak_name(name, "day"), parts.day.as_str()));
                pairs.push((leak_name(name, "month"), parts.month.as_str()));
                pairs.push((leak_name(name, "year"), parts.year.as_str()));
            }
        }
        if self.significant {
            pairs.push(("significant", "yes"));
        }
        if self.withdrawn {
            pairs.push(("withdrawn", "yes"));
        }
        if self.newest_first {
            pairs.push(("order", "newest"));
        }
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }

    /// The same filters the other way round.
    fn reversed(&self) -> FilterForm {
        FilterForm {
            newest_first: !self.newest_first,
            ..self.clone()
        }
    }

    fn with_withdrawn(&self, withdrawn: bool) -> FilterForm {
        FilterForm {
            withdrawn,
            ..self.clone()
        }
    }
}

/// The names of the date inputs' parts ("from-day"): a fixed set, so static strings.
fn leak_name(name: &str, part: &str) -> &'static str {
    match (name, part) {
        ("from", "day") => "from-day",
        ("from", "month") => "from-month",
        ("from", "year") => "from-year",
        ("to", "day") => "to-day",
        ("to", "month") => "to-month",
        _ => "to-year",
    }
}

/// `path` with a query string, when there is one.
fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

// ---- the chronology page ----

/// Where an entry's own record is shown, when it has a page.
pub fn source_href(e: &EntryView) -> String {
    let id = &e.source_id;
    match e.source_kind.as_str() {
        "contact" => format!("/contacts/{id}"),
        "screening_decision" => format!("/decisions/{id}"),
        "referral" => format!("/episodes/{id}"),
        "assessment" => format!("/assessments/{id}"),
        "strategy_discussion" => format!("/strategy-discussions/{id}"),
        "section47" => format!("/section47/{id}"),
        "conference" => format!("/conferences/{id}"),
        "cp_plan" => format!("/cp-plans/{id}"),
        "cin_plan" => format!("/cin-plans/{id}"),
        "visit" => format!("/visits/{id}"),
        "case_note" => format!("/notes/{id}"),
        "oversight_record" | "supervision_discussion" => {
            format!("/people/{}/oversight", e.person_id)
        }
        "address" | "relationship" => format!("/people/{}", e.person_id),
        _ => String::new(),
    }
}

/// One entry as a row of the table.
pub struct Row {
    pub number: i64,
    pub id: String,
    pub child_name: String,
    pub date: String,
    pub time: String,
    pub category: String,
    pub title: String,
    pub summary: String,
    pub significant: bool,
    pub manual: bool,
    pub source: String,
    pub source_href: String,
    pub author: String,
    pub amended: String,
    pub withdrawn: String,
}

impl Row {
    fn of(e: &EntryView) -> Row {
        Row {
            number: e.number,
            id: e.id.clone(),
            child_name: e.child_name.clone(),
            date: e.date.clone(),
            time: e.time.clone().unwrap_or_default(),
            category: e.category.label().to_string(),
            title: e.title.clone(),
            summary: e.summary.clone(),
            significant: e.significant,
            manual: e.is_manual(),
            source: e.source_label.clone(),
            source_href: source_href(e),
            author: e.author_name.clone(),
            amended: e
                .amended_at
                .map(|at| format!("Amended {}", uk_time(at)))
                .unwrap_or_default(),
            withdrawn: match (&e.withdrawn_at, &e.withdrawn_reason) {
                (Some(at), reason) => format!(
                    "Withdrawn {}: {}",
                    uk_time(*at),
                    reason.as_deref().unwrap_or("no reason recorded")
                ),
                _ => String::new(),
            },
        }
    }
}

#[derive(askama::Template)]
#[template(path = "pages/recording/chronology/chronology.html")]
pub struct ChronologyPage {
    pub layout: Layout,
    pub tabs: RecordTabs,
    pub errors: Errors,
    pub notice: String,
    pub family: bool,
    pub child_id: String,
    pub child_name: String,
    /// The other children in a family chronology.
    pub siblings: Vec<String>,
    pub rows: Vec<Row>,
    pub total: i64,
    pub f: FilterForm,
    pub categories: Vec<(String, String)>,
    pub orders: Vec<(String, String)>,
    /// "oldest" or "newest", for the order radios.
    pub order: String,
    pub path: String,
    pub csv_href: String,
    pub pdf_href: String,
    pub order_href: String,
    pub withdrawn_href: String,
    pub may_add: bool,
    pub pagination: Pagination,
}

impl ChronologyPage {
    pub fn order_text(&self) -> &'static str {
        if self.f.newest_first {
            "newest first"
        } else {
            "oldest first"
        }
    }
}

fn page_number(q: &FormData) -> i64 {
    q.get("page").trim().parse::<i64>().unwrap_or(1).max(1)
}

async fn show_chronology(
    state: AppState,
    user: CurrentUser,
    raw_id: String,
    q: Option<String>,
    family: bool,
) -> Result<Response, AppError> {
    let id = path_id(&raw_id)?;
    let query = query_of(q);
    let form = FilterForm::from_query(&query);
    let (filters, errors) = match form.filters() {
        Ok(f) => (f, FieldErrors::new()),
        // The page is still shown (with every entry) so the problem can be put right there.
        Err(e) => (Filters::default(), e),
    };
    let page = page_number(&query);
    let actor = user.actor.clone();
    let pid = id.clone();
    let view = state
        .db(move |c| {
            let read = if family {
                service::for_family
            } else {
                service::for_child
            };
            Ok(read(c, &actor, &pid, &filters, page)?)
        })
        .await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let notice = match query.get("done") {
        "added" => "The entry has been added to the chronology".to_string(),
        _ => String::new(),
    };
    let page = chronology_page(
        &user,
        view,
        form,
        Errors::from_fields(&errors),
        family,
        notice,
    );
    Ok(render_with(status, &page))
}

fn chronology_page(
    user: &CurrentUser,
    view: Chronology,
    f: FilterForm,
    errors: Errors,
    family: bool,
    notice: String,
) -> ChronologyPage {
    let id = view.child.id.clone();
    let path = if family {
        format!("/people/{id}/chronology/family")
    } else {
        format!("/people/{id}/chronology")
    };
    let query = f.query();
    let page_href = |n: i64| {
        let q = if query.is_empty() {
            format!("page={n}")
        } else {
            format!("{query}&page={n}")
        };
        format!("{path}?{q}")
    };
    let pagination = pagination(view.page, view.pages, view.total, view.page_size, page_href);
    let name = view.child.display_name.clone();
    let title = if family {
        format!("Family chronology: {name}")
    } else {
        format!("Chronology: {name}")
    };
    ChronologyPage {
        layout: user.layout(format!("{}{title}", errors.title_prefix()), "people"),
        tabs: RecordTabs::new(id.clone(), RecordTab::Chronology),
        errors,
        notice,
        family,
        siblings: view
            .children
            .iter()
            .skip(1)
            .map(|p| p.display_name.clone())
            .collect(),
        rows: view.entries.iter().map(Row::of).collect(),
        total: view.total,
        categories: code_options::<ChronologyCategory>(),
        orders: vec![
            ("oldest".into(), "Oldest first".into()),
            ("newest".into(), "Newest first".into()),
        ],
        order: if f.newest_first { "newest" } else { "oldest" }.into(),
        csv_href: with_query(&format!("/people/{id}/chronology.csv"), &query),
        pdf_href: with_query(&format!("/people/{id}/chronology.pdf"), &query),
        order_href: with_query(&path, &f.reversed().query()),
        withdrawn_href: with_query(&path, &f.with_withdrawn(!f.withdrawn).query()),
        may_add: view.may_add && !family,
        child_id: id,
        child_name: name,
        path,
        f,
        pagination,
    }
}

/// `GET /people/{id}/chronology`
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    show_chronology(state, user, id, q, false).await
}

/// `GET /people/{id}/chronology/family`
pub async fn family(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    show_chronology(state, user, id, q, true).await
}

// ---- exports ----

fn filters_or_bad_request(q: Option<String>) -> Result<Filters, AppError> {
    FilterForm::from_query(&query_of(q)).filters().map_err(|e| {
        AppError::BadRequest(
            e.iter()
                .map(|x| x.message.clone())
                .collect::<Vec<_>>()
                .join(". "),
        )
    })
}

fn download(body: impl IntoResponse, content_type: &'static str, disposition: &str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The service builds file names from the child ID's letters and digits and a date.
    if let Ok(v) = HeaderValue::from_str(disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// `GET /people/{id}/chronology.csv`
pub async fn csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let filters = filters_or_bad_request(q)?;
    let actor = user.actor.clone();
    let (name, body) = state
        .db(move |c| Ok(service::export_csv(c, &actor, &id, &filters)?))
        .await?;
    Ok(download(
        body,
        "text/csv; charset=utf-8",
        &format!("attachment; filename=\"{name}\""),
    ))
}

/// `GET /people/{id}/chronology.pdf`
pub async fn pdf(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let filters = filters_or_bad_request(q)?;
    let actor = user.actor.clone();
    let settings = state.settings.clone();
    let (name, bytes) = state
        .db(move |c| Ok(service::export_pdf(c, &actor, &settings, &id, &filters)?))
        .await?;
    Ok(download(
        bytes,
        "application/pdf",
        &format!("inline; filename=\"{name}\""),
    ))
}

// ---- one entry ----

pub struct VersionRow {
    pub version: i32,
    pub when: String,
    pub title: String,
    pub summary: String,
    pub significant: bool,
    pub replaced: String,
    pub reason: String,
}

#[derive(askama::Template)]
#[template(path = "pages/recording/chronology/entry.html")]
pub struct EntryPage {
    pub layout: Layout,
    pub notice: String,
    pub child_id: String,
    pub child_name: String,
    pub row: Row,
    pub version: i32,
    pub recorded: String,
    pub versions: Vec<VersionRow>,
    pub may_amend: bool,
}

fn when_text(date: &str, time: Option<&str>) -> String {
    match time {
        Some(t) => format!("{date} at {t}"),
        None => date.to_string(),
    }
}

/// `GET /chronology/{id}`
pub async fn entry(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = user.actor.clone();
    let d = state
        .db(move |c| Ok(service::entry(c, &actor, &id)?))
        .await?;
    let versions = d
        .versions
        .iter()
        .map(|v| VersionRow {
            version: v.version,
            when: when_text(&v.date, v.time.as_deref()),
            title: v.title.clone(),
            summary: v.summary.clone(),
            significant: v.significant,
            replaced: format!("{} by {}", uk_time(v.replaced_at), v.replaced_by_name),
            reason: v.reason.clone().unwrap_or_default(),
        })
        .collect();
    let notice = if query_of(q).get("done") == "amended" {
        "The entry has been amended; its earlier version is kept below".to_string()
    } else {
        String::new()
    };
    let page = EntryPage {
        layout: user.layout(format!("Chronology entry: {}", d.entry.title), "people"),
        notice,
        child_id: d.child.id.clone(),
        child_name: d.child.display_name.clone(),
        row: Row::of(&d.entry),
        version: d.entry.version,
        recorded: uk_time(d.entry.recorded_at),
        versions,
        may_amend: d.may_amend,
    };
    Ok(render_with(StatusCode::OK, &page))
}

// ---- manual entries ----

/// The manual entry form as typed.
#[derive(Clone, Debug, Default)]
pub struct EntryForm {
    pub occurred: DateParts,
    pub occurred_time: String,
    pub title: String,
    pub summary: String,
    pub source: String,
    pub significant: bool,
    pub reason: String,
}

impl EntryForm {
    fn from_form(f: &FormData) -> EntryForm {
        EntryForm {
            occurred: f.date("occurred"),
            occurred_time: f.string("occurred_time"),
            title: f.string("title"),
            summary: f.string("summary"),
            source: f.string("source"),
            significant: f.checked("significant"),
            reason: f.string("reason"),
        }
    }

    /// The input for the service; a date that cannot be read is a problem of the page's own.
    fn to_input(&self, errors: &mut FieldErrors) -> ManualInput {
        ManualInput {
            occurred_on: read_date(&self.occurred, "occurred", "The date of the event", errors),
            time: self.occurred_time.clone(),
            title: self.title.clone(),
            summary: self.summary.clone(),
            source: self.source.clone(),
            significant: self.significant,
        }
    }
}

#[derive(askama::Template)]
#[template(path = "pages/recording/chronology/entry_form.html")]
pub struct EntryFormPage {
    pub layout: Layout,
    pub errors: Errors,
    pub child_id: String,
    pub child_name: String,
    pub action: String,
    /// Set when amending: the entry and the version the form was shown at.
    pub amending: Option<(String, i32)>,
    pub v: EntryForm,
}

const FORM_ORDER: &[&str] = &[
    "form",
    "occurred",
    "occurred_time",
    "title",
    "summary",
    "source",
    "significant",
    "reason",
];

fn form_errors(errors: &FieldErrors) -> Errors {
    Errors::from_fields(&crate::pages::casework::actions::in_page_order(
        errors, FORM_ORDER,
    ))
}

fn form_page(
    user: &CurrentUser,
    (child_id, child_name): (String, String),
    amending: Option<(String, i32)>,
    errors: Errors,
    v: EntryForm,
) -> EntryFormPage {
    let (heading, action) = match &amending {
        Some((id, _)) => (
            "Amend a chronology entry",
            format!("/chronology/{id}/amend"),
        ),
        None => (
            "Add an entry from another source",
            format!("/people/{child_id}/chronology/new"),
        ),
    };
    EntryFormPage {
        layout: user.layout(format!("{}{heading}", errors.title_prefix()), "people"),
        errors,
        child_id,
        child_name,
        action,
        amending,
        v,
    }
}

/// `GET /people/{id}/chronology/new`
pub async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = user.actor.clone();
    let child = state
        .db(move |c| Ok(service::manual_form(c, &actor, &id)?))
        .await?;
    let page = form_page(
        &user,
        (child.id, child.display_name),
        None,
        Errors::default(),
        EntryForm::default(),
    );
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /people/{id}/chronology/new`
pub async fn create(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let v = EntryForm::from_form(&form.data);
    let mut page_errors = FieldErrors::new();
    let input = v.to_input(&mut page_errors);
    let actor = form.user.actor.clone();
    let pid = id.clone();
    let outcome = state
        .db(move |c| {
            let result = service::add_manual(c, &actor, &pid, &input);
            // A date the page could not read reached the service as missing: the page's own
            // message says more, so the service's one about the date is dropped.
            let outcome = answer(result)?;
            Ok(merge(outcome, page_errors))
        })
        .await?;
    match outcome {
        Answer::Done(_) => {
            Ok(Redirect::to(&format!("/people/{id}/chronology?done=added")).into_response())
        }
        Answer::Invalid(errors) => {
            let actor = form.user.actor.clone();
            let child = state
                .db(move |c| Ok(service::manual_form(c, &actor, &id)?))
                .await?;
            let page = form_page(
                &form.user,
                (child.id, child.display_name),
                None,
                form_errors(&errors),
                v,
            );
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Answer::Conflict(m) => Err(cairn_core::ServiceError::Conflict(m).into()),
    }
}

/// The service's answer with the page's own problems first; with a problem of the page's,
/// nothing was done (the service had no date and refused too).
fn merge<T>(outcome: Answer<T>, page: FieldErrors) -> Answer<T> {
    if page.is_empty() {
        return outcome;
    }
    let mut errors = page;
    if let Answer::Invalid(more) = outcome {
        for e in more.into_iter().filter(|e| e.field != "occurred") {
            errors.push(e.field, e.message);
        }
    }
    Answer::Invalid(errors)
}

/// The form filled with the entry as it stands.
fn prefilled(d: &service::EntryDetail) -> EntryForm {
    let e = &d.entry;
    let day = match e.precision {
        cairn_domain::recording::Precision::Date => e.occurred_at.date(),
        cairn_domain::recording::Precision::DateTime => service::uk_date(e.occurred_at),
    };
    EntryForm {
        occurred: DateParts::from_date(day),
        occurred_time: e.time.clone().unwrap_or_default(),
        title: e.title.clone(),
        summary: e.summary.clone(),
        source: e.source_label.clone(),
        significant: e.significant,
        reason: String::new(),
    }
}

/// `GET /chronology/{id}/amend`
pub async fn amend_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = user.actor.clone();
    let d = state
        .db(move |c| Ok(service::entry(c, &actor, &id)?))
        .await?;
    if !d.may_amend {
        // Only the author or a manager amends, and only an entry typed by hand.
        return Err(AppError::Forbidden);
    }
    let page = form_page(
        &user,
        (d.child.id.clone(), d.child.display_name.clone()),
        Some((d.entry.id.clone(), d.entry.version)),
        Errors::default(),
        prefilled(&d),
    );
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /chronology/{id}/amend`
pub async fn amend(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let version = version_of(&form.data, "entry")?;
    let v = EntryForm::from_form(&form.data);
    let mut page_errors = FieldErrors::new();
    let amendment = Amendment {
        entry: v.to_input(&mut page_errors),
        reason: v.reason.clone(),
        version,
    };
    let actor = form.user.actor.clone();
    let eid = id.clone();
    let outcome = state
        .db(move |c| {
            let result = service::amend_manual(c, &actor, &eid, &amendment);
            Ok(merge(answer(result)?, page_errors))
        })
        .await?;
    let (errors, status) = match outcome {
        Answer::Done(()) => {
            return Ok(Redirect::to(&format!("/chronology/{id}?done=amended")).into_response());
        }
        Answer::Invalid(errors) => (errors, StatusCode::UNPROCESSABLE_ENTITY),
        Answer::Conflict(m) => {
            let mut e = FieldErrors::new();
            e.push("form", m);
            (e, StatusCode::CONFLICT)
        }
    };
    // Shown again with what was typed; after a conflict, against the version now stored,
    // so saving again is a deliberate choice having seen the other change.
    let actor = form.user.actor.clone();
    let d = state
        .db(move |c| Ok(service::entry(c, &actor, &id)?))
        .await?;
    let shown_at = if status == StatusCode::CONFLICT {
        d.entry.version
    } else {
        version
    };
    let page = form_page(
        &form.user,
        (d.child.id.clone(), d.child.display_name.clone()),
        Some((d.entry.id.clone(), shown_at)),
        form_errors(&errors),
        v,
    );
    Ok(render_with(status, &page))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/people/{id}/chronology", get(show))
        .route("/people/{id}/chronology/family", get(family))
        .route("/people/{id}/chronology.csv", get(csv))
        .route("/people/{id}/chronology.pdf", get(pdf))
        .route("/people/{id}/chronology/new", get(new_form).post(create))
        .route("/chronology/{id}", get(entry))
        .route("/chronology/{id}/amend", get(amend_form).post(amend))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_survive_a_round_trip_through_the_query() {
        let q = FormData::parse(
            b"category=visit&category=note&from-day=1&from-month=5&from-year=2024&significant=yes&order=newest",
        );
        let form = FilterForm::from_query(&q);
        let again = FilterForm::from_query(&FormData::parse(form.query().as_bytes()));
        let f = again.filters().unwrap_or_default();
        assert_eq!(
            f.categories,
            [ChronologyCategory::Visit, ChronologyCategory::Note]
        );
        assert_eq!(f.from.map(|d| d.to_string()).as_deref(), Some("2024-05-01"));
        assert!(f.significant_only && f.newest_first && !f.include_withdrawn);
        assert!(!form.reversed().newest_first);
    }

    #[test]
    fn unknown_categories_and_unreadable_dates_are_refused() {
        let q = FormData::parse(b"category=nonsense&to-day=40&to-month=1&to-year=2024");
        let errors = FilterForm::from_query(&q)
            .filters()
            .err()
            .unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["category", "to"]);
    }
}

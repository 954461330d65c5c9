//! The chronology over the API: a child's and a family's (filtered, paged), one entry with its
//! earlier versions, and manual entries added and amended. The same services as the pages, so
//! the same checks, events and audit rows apply. Reading needs scope `casework:read`; adding
//! and amending need `casework:write`.

use axum::extract::{Path, RawQuery, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cairn_core::ServiceError;
use cairn_core::recording::chronology::{
    self as service, Amendment, Chronology, EntryDetail, EntryView, Filters, ManualInput,
    VersionView,
};
use cairn_domain::dates::parse_iso_date;
use cairn_domain::recording::ChronologyCategory;
use cairn_domain::validation::FieldErrors;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::doc::{body, id_param, reference, string};
use crate::api::{ApiActor, created, err, id_and_body, json_reply, uuid_path};
use crate::error::AppError;
use crate::form::FormData;
use crate::state::AppState;

// ---- reading ----

fn date(field: &str, text: &str, errors: &mut FieldErrors) -> Option<NaiveDate> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match parse_iso_date(text) {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(field, format!("{field} must be a date such as 2024-05-28"));
            None
        }
    }
}

fn flag(q: &FormData, name: &str) -> bool {
    matches!(q.get(name), "true" | "yes" | "1")
}

/// `?category=visit&category=note&from=2024-05-01&to=2024-05-31&significant=true&withdrawn=true&order=newest&page=2`
fn filters(q: &FormData) -> Result<(Filters, i64), FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut categories = Vec::new();
    for code in q.all("category") {
        match ChronologyCategory::from_code(&code) {
            Some(c) if !categories.contains(&c) => categories.push(c),
            Some(_) => {}
            None => errors.push(
                "category",
                "category must be one of the chronology categories in the OpenAPI document",
            ),
        }
    }
    let order = q.get("order");
    if !matches!(order, "" | "oldest" | "newest") {
        errors.push("order", "order must be oldest or newest");
    }
    let f = Filters {
        categories,
        from: date("from", q.get("from"), &mut errors),
        to: date("to", q.get("to"), &mut errors),
        significant_only: flag(q, "significant"),
        include_withdrawn: flag(q, "withdrawn"),
        newest_first: order == "newest",
    };
    if let Err(more) = f.check() {
        for e in more {
            errors.push(e.field, e.message);
        }
    }
    let page = q.get("page").trim().parse::<i64>().unwrap_or(1).max(1);
    if errors.is_empty() {
        Ok((f, page))
    } else {
        Err(errors)
    }
}

fn entry_json(e: &EntryView) -> Value {
    json!({
        "id": e.id,
        "number": e.number,
        "person_id": e.person_id,
        "child_name": e.child_name,
        "category": { "code": e.category.code(), "label": e.category.label() },
        "occurred_at": e.occurred_at.and_utc(),
        "precision": e.precision.code(),
        "date": e.date,
        "time": e.time,
        "title": e.title,
        "summary": e.summary,
        "significant": e.significant,
        "source_label": e.source_label,
        "source_kind": e.source_kind,
        "source_id": e.source_id,
        "author_user_id": e.author_user_id,
        "author_name": e.author_name,
        "version": e.version,
        "recorded_at": e.recorded_at.and_utc(),
        "amended_at": e.amended_at.map(|t| t.and_utc()),
        "withdrawn_at": e.withdrawn_at.map(|t| t.and_utc()),
        "withdrawn_reason": e.withdrawn_reason,
    })
}

fn chronology_json(c: &Chronology) -> Value {
    json!({
        "child": c.child,
        "children": c.children,
        "filters": c.filters,
        "total": c.total,
        "page": c.page,
        "pages": c.pages,
        "page_size": c.page_size,
        "entries": c.entries.iter().map(entry_json).collect::<Vec<_>>(),
    })
}

fn version_json(v: &VersionView) -> Value {
    json!({
        "version": v.version,
        "occurred_at": v.occurred_at.and_utc(),
        "date": v.date,
        "time": v.time,
        "title": v.title,
        "summary": v.summary,
        "significant": v.significant,
        "replaced_at": v.replaced_at.and_utc(),
        "replaced_by": v.replaced_by,
        "replaced_by_name": v.replaced_by_name,
        "reason": v.reason,
    })
}

fn detail_json(d: &EntryDetail) -> Value {
    json!({
        "child": d.child,
        "entry": entry_json(&d.entry),
        "versions": d.versions.iter().map(version_json).collect::<Vec<_>>(),
        "may_amend": d.may_amend,
    })
}

async fn read_chronology(
    state: AppState,
    actor: cairn_core::Actor,
    headers: HeaderMap,
    raw_id: String,
    q: Option<String>,
    family: bool,
) -> Response {
    let Some(person) = uuid_path(&raw_id) else {
        return err(&headers, AppError::NotFound);
    };
    let (f, page) = match filters(&FormData::parse(q.unwrap_or_default().as_bytes())) {
        Ok(ok) => ok,
        Err(e) => return err(&headers, ServiceError::Invalid(e)),
    };
    let result = state
        .db(move |c| {
            let read = if family {
                service::for_family
            } else {
                service::for_child
            };
            Ok(read(c, &actor, &person, &f, page)?)
        })
        .await
        .map(|c| chronology_json(&c));
    json_reply(&headers, result)
}

/// `GET /people/{id}/chronology`
pub async fn child(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    read_chronology(state, actor, headers, id, q, false).await
}

/// `GET /people/{id}/chronology/family`
pub async fn family(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    read_chronology(state, actor, headers, id, q, true).await
}

/// `GET /chronology/{id}`
pub async fn entry(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = uuid_path(&id) else {
        return err(&headers, AppError::NotFound);
    };
    let result = state
        .db(move |c| Ok(service::entry(c, &actor, &id)?))
        .await
        .map(|d| detail_json(&d));
    json_reply(&headers, result)
}

// ---- manual entries ----

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EntryBody {
    pub occurred_on: String,
    pub time: String,
    pub title: String,
    pub summary: String,
    pub source: String,
    pub significant: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AmendBody {
    pub occurred_on: String,
    pub time: String,
    pub title: String,
    pub summary: String,
    pub source: String,
    pub significant: bool,
    pub reason: String,
    pub version: i32,
}

fn input(b: EntryBody, errors: &mut FieldErrors) -> ManualInput {
    ManualInput {
        occurred_on: date("occurred", &b.occurred_on, errors),
        time: b.time,
        title: b.title,
        summary: b.summary,
        source: b.source,
        significant: b.significant,
    }
}

/// `POST /people/{id}/chronology`
pub async fn add(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (person, b) = match id_and_body::<EntryBody>(&headers, &id, req).await {
        Ok(ok) => ok,
        Err(r) => return r,
    };
    let mut errors = FieldErrors::new();
    let typed = input(b, &mut errors);
    if !errors.is_empty() {
        return err(&headers, ServiceError::Invalid(errors));
    }
    let result = state
        .db(move |c| Ok(service::add_manual(c, &actor, &person, &typed)?))
        .await;
    match result {
        Ok(entry) => created(
            &format!("/api/v1/chronology/{entry}"),
            json!({ "id": entry, "version": 1 }),
        ),
        Err(e) => err(&headers, e),
    }
}

/// `POST /chronology/{id}/amend`
pub async fn amend(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (entry, b) = match id_and_body::<AmendBody>(&headers, &id, req).await {
        Ok(ok) => ok,
        Err(r) => return r,
    };
    let seen = b.version;
    let mut errors = FieldErrors::new();
    let amendment = Amendment {
        entry: input(
            EntryBody {
                occurred_on: b.occurred_on,
                time: b.time,
                title: b.title,
                summary: b.summary,
                source: b.source,
                significant: b.significant,
            },
            &mut errors,
        ),
        reason: b.reason,
        version: b.version,
    };
    if !errors.is_empty() {
        return err(&headers, ServiceError::Invalid(errors));
    }
    let id = entry.clone();
    let result = state
        .db(move |c| Ok(service::amend_manual(c, &actor, &id, &amendment)?))
        .await;
    match result {
        Ok(()) => Json(json!({ "id": entry, "version": seen + 1 })).into_response(),
        Err(e) => err(&headers, e),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/people/{id}/chronology", get(child).post(add))
        .route("/people/{id}/chronology/family", get(family))
        .route("/chronology/{id}", get(entry))
        .route("/chronology/{id}/amend", post(amend))
}

// ---- the OpenAPI document ----

fn responses(success: &str, description: &str, schema: &str) -> Value {
    crate::api::doc::responses(
        &[
            ("401", "No valid API token."),
            (
                "403",
                "The token's user or scopes may not do this (recorded in the audit log, naming the child).",
            ),
            ("404", "Not found."),
            (
                "409",
                "Refused as things stand: the entry changed since `version` was read, or it comes from a record in Cairn (change that record instead).",
            ),
            (
                "422",
                "Some fields or filters need correcting; `fields` lists them.",
            ),
        ],
        success,
        description,
        schema,
    )
}

fn filter_params() -> Value {
    let q = |name: &str, description: &str, schema: Value| json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema });
    let categories: Vec<&str> = ChronologyCategory::ALL.iter().map(|c| c.code()).collect();
    json!([
        id_param("The child's id (a UUID)."),
        q(
            "category",
            "Only these kinds of event; repeat for several. Every kind when absent.",
            json!({ "type": "array", "items": { "type": "string", "enum": categories } })
        ),
        q(
            "from",
            "Entries on or after this UK date (YYYY-MM-DD).",
            json!({ "type": "string", "format": "date" })
        ),
        q(
            "to",
            "Entries on or before this UK date (YYYY-MM-DD).",
            json!({ "type": "string", "format": "date" })
        ),
        q(
            "significant",
            "true for significant events only.",
            json!({ "type": "boolean" })
        ),
        q(
            "withdrawn",
            "true to include withdrawn entries (hidden otherwise).",
            json!({ "type": "boolean" })
        ),
        q(
            "order",
            "oldest (the default) or newest first. Entries are numbered from the oldest either way.",
            json!({ "type": "string", "enum": ["oldest", "newest"] })
        ),
        q(
            "page",
            "The page, from 1; 50 entries a page.",
            json!({ "type": "integer", "minimum": 1 })
        ),
    ])
}

pub fn add_paths(paths: &mut Map<String, Value>) {
    paths.insert("/people/{id}/chronology".into(), json!({
        "get": {
            "summary": "Read a child's chronology",
            "description": "Numbered entries projected from every record in Cairn and entries from other sources, filtered and paged. Audited naming the child. Needs scope casework:read.",
            "parameters": filter_params(),
            "responses": responses("200", "The chronology page.", "Chronology"),
        },
        "post": {
            "summary": "Add an entry from another source",
            "description": "For events before Cairn or known from another agency: the date (not in the future), an optional UK time, what happened, a summary, the source (agency or document) and whether it is significant. Appends chronology.manual_added. Needs scope casework:write.",
            "parameters": [id_param("The child's id (a UUID).")],
            "requestBody": body("ChronologyEntryInput"),
            "responses": responses("201", "Added.", "ChronologyEntryAdded"),
        }
    }));
    paths.insert("/people/{id}/chronology/family".into(), json!({
        "get": {
            "summary": "Read a family chronology",
            "description": "The child's and their siblings' entries merged (siblings recorded as such, or other children of the same parent), each labelled with its child. Audited for every child included. Needs scope casework:read.",
            "parameters": filter_params(),
            "responses": responses("200", "The family chronology page.", "Chronology"),
        }
    }));
    paths.insert("/chronology/{id}".into(), json!({
        "get": {
            "summary": "Read a chronology entry with its earlier versions",
            "description": "Every earlier version with when, by whom and why it was replaced. Audited naming the child. Needs scope casework:read.",
            "parameters": [id_param("The entry's id (a UUID).")],
            "responses": responses("200", "The entry.", "ChronologyEntryDetail"),
        }
    }));
    paths.insert("/chronology/{id}/amend".into(), json!({
        "post": {
            "summary": "Amend an entry from another source",
            "description": "Only entries added by hand, only by their author or a manager, always with a reason; the earlier text is kept as a version. `version` is the entry's version when it was read; a stale one is refused with 409. Appends chronology.manual_amended. Needs scope casework:write.",
            "parameters": [id_param("The entry's id (a UUID).")],
            "requestBody": body("ChronologyAmendment"),
            "responses": responses("200", "Amended.", "ChronologyEntryAdded"),
        }
    }));
}

pub fn add_schemas(s: &mut Map<String, Value>) {
    let nullable = |t: &str, d: &str| json!({ "type": [t, "null"], "description": d });
    let time = |d: &str| json!({ "type": "string", "format": "date-time", "description": d });
    let categories: Vec<&str> = ChronologyCategory::ALL.iter().map(|c| c.code()).collect();
    s.insert("ChronologyEntry".into(), json!({
        "type": "object",
        "required": ["id", "number", "person_id", "category", "occurred_at", "precision", "date", "title", "summary", "significant", "source_label", "source_kind", "source_id", "author_name", "version", "recorded_at"],
        "properties": {
            "id": { "type": "string", "format": "uuid" },
            "number": { "type": "integer", "description": "Its number in the filtered chronology, the oldest entry being 1." },
            "person_id": { "type": "string", "format": "uuid" },
            "child_name": string("The child the entry is on."),
            "category": { "type": "object", "properties": { "code": { "type": "string", "enum": categories }, "label": { "type": "string" } } },
            "occurred_at": time("When it happened (UTC); midnight of the date when only the date is known."),
            "precision": { "type": "string", "enum": ["date", "datetime"] },
            "date": string("The UK date, e.g. 5 March 2026."),
            "time": nullable("string", "The UK time (HH:MM) when known."),
            "title": string("What happened."),
            "summary": string("The facts from the record."),
            "significant": { "type": "boolean" },
            "source_label": string("Where it came from: \"Cairn: Visit record\", or the agency or document."),
            "source_kind": string("The kind of record it is projected from (visit, case_note, assessment, …) or manual."),
            "source_id": string("That record's id."),
            "author_user_id": nullable("string", "The author, when they have an account."),
            "author_name": string("The author's name at the time."),
            "version": { "type": "integer", "description": "1, or more once the entry was amended or its record changed." },
            "recorded_at": time("When the entry was written."),
            "amended_at": nullable("string", "When it last changed (version 2 or later)."),
            "withdrawn_at": nullable("string", "When its record stopped giving it (kept, hidden by default)."),
            "withdrawn_reason": nullable("string", "Why it was withdrawn.")
        }
    }));
    s.insert("Chronology".into(), json!({
        "type": "object",
        "required": ["child", "children", "filters", "total", "page", "pages", "page_size", "entries"],
        "properties": {
            "child": reference("PersonSummary"),
            "children": { "type": "array", "items": reference("PersonSummary"), "description": "Every child whose entries are included: the child, then (family chronology) their siblings." },
            "filters": { "type": "object", "description": "The filters applied (categories, from, to, significant_only, include_withdrawn, newest_first)." },
            "total": { "type": "integer" },
            "page": { "type": "integer" },
            "pages": { "type": "integer" },
            "page_size": { "type": "integer" },
            "entries": { "type": "array", "items": reference("ChronologyEntry") }
        }
    }));
    s.insert("ChronologyEntryVersion".into(), json!({
        "type": "object",
        "properties": {
            "version": { "type": "integer" },
            "occurred_at": time("When it happened, as this version said."),
            "date": string("The UK date."),
            "time": nullable("string", "The UK time when known."),
            "title": string("The title this version had."),
            "summary": string("The summary this version had."),
            "significant": { "type": "boolean" },
            "replaced_at": time("When it was replaced."),
            "replaced_by": nullable("string", "Who replaced it (a user id), when a person did."),
            "replaced_by_name": string("Their name, or Cairn."),
            "reason": nullable("string", "Why.")
        }
    }));
    s.insert("ChronologyEntryDetail".into(), json!({
        "type": "object",
        "required": ["child", "entry", "versions", "may_amend"],
        "properties": {
            "child": reference("PersonSummary"),
            "entry": reference("ChronologyEntry"),
            "versions": { "type": "array", "items": reference("ChronologyEntryVersion"), "description": "Earlier versions, oldest first." },
            "may_amend": { "type": "boolean", "description": "Whether the caller may amend it." }
        }
    }));
    let entry_properties = json!({
        "occurred_on": { "type": "string", "format": "date", "description": "The date of the event (UK), not in the future." },
        "time": string("The UK time on the 24-hour clock (e.g. 14:30), or blank when not known."),
        "title": string("What happened (up to 200 characters)."),
        "summary": string("The facts as the source records them (up to 4,000 characters)."),
        "source": string("The agency or document, e.g. Police: PNC record 2004."),
        "significant": { "type": "boolean" }
    });
    s.insert(
        "ChronologyEntryInput".into(),
        json!({
            "type": "object", "additionalProperties": false,
            "required": ["occurred_on", "title", "summary", "source"],
            "properties": entry_properties.clone(),
        }),
    );
    let mut amend = entry_properties;
    amend["reason"] = string("Why it is being amended (required).");
    amend["version"] =
        json!({ "type": "integer", "description": "The entry's version when it was read." });
    s.insert(
        "ChronologyAmendment".into(),
        json!({
            "type": "object", "additionalProperties": false,
            "required": ["occurred_on", "title", "summary", "source", "reason", "version"],
            "properties": amend,
        }),
    );
    s.insert("ChronologyEntryAdded".into(), json!({
        "type": "object", "required": ["id", "version"],
        "properties": { "id": { "type": "string", "format": "uuid" }, "version": { "type": "integer" } }
    }));
}

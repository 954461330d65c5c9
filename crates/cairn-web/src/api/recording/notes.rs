//! Case notes over the API: a child's notes, a note with its versions, drafts (start, save,
//! finalise) and amendments, through the same services as the pages, so the same checks,
//! events and audit rows apply. Reading needs scope `casework:read`; writing `casework:write`.

use axum::Router;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use cairn_core::recording::notes::{
    self, Amendment, DraftSaved, Finalised, NoteChild, NoteContent, NoteList, NoteQuery, NoteView,
};
use cairn_core::{Actor, ServiceError, ServiceResult};
use cairn_db::DbConn;
use cairn_domain::recording::NoteKind;
use cairn_domain::validation::FieldErrors;
use chrono::NaiveDateTime;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::api::doc::{body, id_param, reference, string};
use crate::api::{ApiActor, created, err, json_reply, uuid_path};
use crate::error::AppError;
use crate::form::FormData;
use crate::pages::recording::notes::NOTE_FORM_BYTES;
use crate::state::AppState;

// ---- bodies ----

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChildBody {
    pub person_id: String,
    pub child_seen: bool,
    pub child_seen_alone: bool,
}

/// A note's content as the API takes it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoteBody {
    pub kind: String,
    pub occurred_at: Option<String>,
    pub title: String,
    pub narrative: String,
    pub people_involved: String,
    pub significant: bool,
    pub children: Vec<ChildBody>,
}

/// `PUT /notes/{id}`: a draft's new content, against the version read.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DraftBody {
    pub version: i32,
    pub note: NoteBody,
}

/// `POST /notes/{id}/finalise`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FinaliseBody {
    pub version: i32,
}

/// `POST /notes/{id}/amendments`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AmendmentBody {
    pub version: i32,
    pub reason: String,
    pub note: NoteBody,
}

/// An RFC 3339 time as stored (UTC).
fn instant(text: Option<&str>, errors: &mut FieldErrors) -> Option<NaiveDateTime> {
    let text = text.map(str::trim).filter(|t| !t.is_empty())?;
    match chrono::DateTime::parse_from_rfc3339(text) {
        Ok(t) => Some(t.naive_utc()),
        Err(_) => {
            errors.push(
                "occurred_at",
                "occurred_at must be a date and time such as 2024-05-03T10:00:00+01:00",
            );
            None
        }
    }
}

impl NoteBody {
    /// The content, with `first_child` first among its children when it is not named.
    fn into_content(self, first_child: Option<&str>, errors: &mut FieldErrors) -> NoteContent {
        let mut children: Vec<NoteChild> = self
            .children
            .into_iter()
            .map(|c| NoteChild {
                person_id: c.person_id,
                child_seen: c.child_seen,
                child_seen_alone: c.child_seen_alone,
            })
            .collect();
        if let Some(first) = first_child
            && !children.iter().any(|c| c.person_id == first)
        {
            children.insert(
                0,
                NoteChild {
                    person_id: first.to_string(),
                    ..NoteChild::default()
                },
            );
        }
        NoteContent {
            occurred_at: instant(self.occurred_at.as_deref(), errors),
            kind: self.kind,
            title: self.title,
            narrative: self.narrative,
            people_involved: self.people_involved,
            significant: self.significant,
            children,
        }
    }
}

/// The services name fields as the forms do; the API names them as its bodies do.
fn api_fields(e: ServiceError) -> ServiceError {
    match e {
        ServiceError::Invalid(errors) => {
            let mut out = FieldErrors::new();
            for f in errors.iter() {
                let field = match f.field.as_str() {
                    "occurred" | "occurred_time" => "occurred_at",
                    "about" => "children",
                    other => other,
                };
                out.push(field, f.message.clone());
            }
            ServiceError::Invalid(out)
        }
        other => other,
    }
}

/// The path's id and a JSON body of up to a note's size (a 100,000-character note, escaped,
/// is larger than other bodies may be).
async fn id_and_note_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    raw_id: &str,
    req: Request,
) -> Result<(String, T), Response> {
    let Some(id) = uuid_path(raw_id) else {
        return Err(err(headers, AppError::NotFound));
    };
    let bytes = axum::body::to_bytes(req.into_body(), NOTE_FORM_BYTES)
        .await
        .map_err(|_| {
            err(
                headers,
                AppError::BadRequest("The request body was too large".into()),
            )
        })?;
    let body = serde_json::from_slice::<T>(&bytes).map_err(|e| {
        err(
            headers,
            AppError::BadRequest(format!(
                "The body must be a JSON object as described in /api/v1/openapi.json ({e})"
            )),
        )
    })?;
    Ok((id, body))
}

/// Runs a write on a pooled connection; field errors are named as the API names them.
async fn run<T, F>(state: &AppState, actor: Actor, headers: &HeaderMap, f: F) -> Result<T, Response>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn, &Actor) -> ServiceResult<T> + Send + 'static,
{
    state
        .db(move |c| f(c, &actor).map_err(|e| AppError::from(api_fields(e))))
        .await
        .map_err(|e| err(headers, e))
}

fn refuse(headers: &HeaderMap, errors: FieldErrors) -> Response {
    err(headers, ServiceError::Invalid(errors))
}

// ---- JSON shapes ----

fn delay_json(d: Option<notes::RecordingDelay>) -> Value {
    d.map_or(Value::Null, |d| {
        json!({
            "working_days": d.working_days,
            "standard": d.standard,
            "late": d.is_late(),
            "description": d.describe(),
        })
    })
}

fn note_json(v: &NoteView) -> Value {
    let n = &v.note;
    json!({
        "id": n.id,
        "status": n.status,
        "kind": n.kind,
        "occurred_at": n.occurred_at.and_utc(),
        "recorded_at": n.recorded_at.map(|t| t.and_utc()),
        "recording_delay": delay_json(v.delay),
        "title": n.title,
        "narrative": n.narrative,
        "people_involved": n.people_involved,
        "significant": n.significant,
        "author": { "id": n.author_user_id, "name": v.author_name },
        "version": n.version,
        "amended_at": n.amended_at.map(|t| t.and_utc()),
        "amended_by": n.amended_by.as_ref().map(|id| json!({ "id": id, "name": v.amended_by_name })),
        "children": v.children.iter().map(|c| json!({
            "person_id": c.child.id,
            "name": c.child.display_name,
            "child_seen": c.child_seen,
            "child_seen_alone": c.child_seen_alone,
        })).collect::<Vec<_>>(),
        "versions": v.versions.iter().map(|x| {
            let r = &x.version;
            json!({
                "version": r.version,
                "kind": r.kind,
                "occurred_at": r.occurred_at.and_utc(),
                "title": r.title,
                "narrative": r.narrative,
                "people_involved": r.people_involved,
                "significant": r.significant,
                "children": serde_json::from_str::<Value>(&r.children).unwrap_or(Value::Null),
                "reason": r.reason,
                "saved_at": r.saved_at.and_utc(),
                "saved_by": { "id": r.saved_by, "name": x.saved_by_name },
                "changed": x.changed,
            })
        }).collect::<Vec<_>>(),
    })
}

fn list_json(l: &NoteList) -> Value {
    json!({
        "child": { "id": l.child.id, "name": l.child.display_name, "local_id": l.child.local_id },
        "total": l.total,
        "page": l.page,
        "pages": l.pages,
        "notes": l.notes.iter().map(|n| json!({
            "id": n.id,
            "kind": n.kind,
            "occurred_at": n.occurred_at.and_utc(),
            "recorded_at": n.recorded_at.map(|t| t.and_utc()),
            "title": n.title,
            "significant": n.significant,
            "author_name": n.author_name,
            "recording_delay": delay_json(n.delay),
            "amended": n.amended,
            "children": n.children,
            "child_seen": n.child_seen,
            "child_seen_alone": n.child_seen_alone,
        })).collect::<Vec<_>>(),
        "drafts": l.drafts.iter().map(|d| json!({
            "id": d.id,
            "title": d.title,
            "kind": d.kind,
            "updated_at": d.updated_at.and_utc(),
        })).collect::<Vec<_>>(),
    })
}

fn saved_json(s: &DraftSaved) -> Value {
    json!({ "note_id": s.note_id, "version": s.version, "saved_at": s.saved_at.and_utc() })
}

fn finalised_json(f: &Finalised) -> Value {
    json!({
        "note_id": f.note_id,
        "version": f.version,
        "recorded_at": f.recorded_at.and_utc(),
        "recording_delay": delay_json(Some(f.delay)),
    })
}

// ---- handlers ----

/// `GET /people/{id}/notes?page=&kind=&significant=true`
pub async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let Some(person) = uuid_path(&id) else {
        return err(&headers, AppError::NotFound);
    };
    let q = FormData::parse(q.unwrap_or_default().as_bytes());
    let kind = q.get("kind");
    let query = NoteQuery {
        kind: NoteKind::from_code(kind),
        significant_only: matches!(q.get("significant"), "true" | "yes"),
        page: q.get("page").parse::<i64>().unwrap_or(1).max(1),
    };
    if !kind.is_empty() && query.kind.is_none() {
        let mut e = FieldErrors::new();
        e.push(
            "kind",
            "kind must be one of the note kinds in the OpenAPI document",
        );
        return refuse(&headers, e);
    }
    let result = state
        .db(move |c| Ok(notes::for_person(c, &actor, &person, &query)?))
        .await
        .map(|l| list_json(&l));
    json_reply(&headers, result)
}

/// `GET /notes/{id}`
pub async fn show(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = uuid_path(&id) else {
        return err(&headers, AppError::NotFound);
    };
    let result = state
        .db(move |c| Ok(notes::view(c, &actor, &id)?))
        .await
        .map(|v| note_json(&v));
    json_reply(&headers, result)
}

/// `POST /people/{id}/notes`: starts a draft about the child (and any other children named).
pub async fn create_draft(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (person, b) = match id_and_note_body::<NoteBody>(&headers, &id, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut errors = FieldErrors::new();
    let content = b.into_content(Some(&person), &mut errors);
    if !errors.is_empty() {
        return refuse(&headers, errors);
    }
    match run(&state, actor, &headers, move |c, a| {
        notes::create_draft(c, a, &content)
    })
    .await
    {
        Ok(saved) => created(
            &format!("/api/v1/notes/{}", saved.note_id),
            saved_json(&saved),
        ),
        Err(r) => r,
    }
}

/// `PUT /notes/{id}`: saves a draft's content.
pub async fn save_draft(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (id, b) = match id_and_note_body::<DraftBody>(&headers, &id, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut errors = FieldErrors::new();
    let content = b.note.into_content(None, &mut errors);
    if !errors.is_empty() {
        return refuse(&headers, errors);
    }
    let version = b.version;
    match run(&state, actor, &headers, move |c, a| {
        notes::save_draft(c, a, &id, version, &content)
    })
    .await
    {
        Ok(saved) => axum::Json(saved_json(&saved)).into_response(),
        Err(r) => r,
    }
}

/// `POST /notes/{id}/finalise`
pub async fn finalise(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (id, b) = match id_and_note_body::<FinaliseBody>(&headers, &id, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match run(&state, actor, &headers, move |c, a| {
        notes::finalise(c, a, &id, b.version)
    })
    .await
    {
        Ok(done) => axum::Json(finalised_json(&done)).into_response(),
        Err(r) => r,
    }
}

/// `POST /notes/{id}/amendments`
pub async fn amend(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (id, b) = match id_and_note_body::<AmendmentBody>(&headers, &id, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut errors = FieldErrors::new();
    let amendment = Amendment {
        version: b.version,
        content: b.note.into_content(None, &mut errors),
        reason: b.reason,
    };
    if !errors.is_empty() {
        return refuse(&headers, errors);
    }
    let note = id.clone();
    match run(&state, actor, &headers, move |c, a| {
        notes::amend(c, a, &note, &amendment)
    })
    .await
    {
        Ok(version) => created(
            &format!("/api/v1/notes/{id}"),
            json!({ "note_id": id, "version": version }),
        ),
        Err(r) => r,
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/people/{id}/notes", get(list).post(create_draft))
        .route("/notes/{id}", get(show).put(save_draft))
        .route("/notes/{id}/finalise", post(finalise))
        .route("/notes/{id}/amendments", post(amend))
}

// ---- the OpenAPI document ----

fn responses(success: &str, description: &str, schema: &str) -> Value {
    crate::api::doc::responses(
        &[
            (
                "400",
                "The body is not JSON of the shape described, or is too large.",
            ),
            ("401", "No valid API token."),
            (
                "403",
                "The token's user or scopes may not do this (recorded in the audit log, naming the child).",
            ),
            ("404", "Not found (a draft is found only by its author)."),
            (
                "409",
                "Refused as things stand: the note changed since `version` was read, or it is no longer a draft.",
            ),
            ("422", "Some fields need correcting; `fields` lists them."),
        ],
        success,
        description,
        schema,
    )
}

fn operation(
    summary: &str,
    description: &str,
    id: &str,
    request: Option<&str>,
    response: (&str, &str, &str),
) -> Value {
    let mut op = json!({
        "summary": summary,
        "description": description,
        "parameters": [id_param(id)],
        "responses": responses(response.0, response.1, response.2),
    });
    if let Some(schema) = request {
        op["requestBody"] = body(schema);
    }
    op
}

pub fn add_paths(paths: &mut Map<String, Value>) {
    let child = "The child's id (a UUID).";
    let note = "The note's id (a UUID).";
    let mut list = operation(
        "List a child's case notes",
        "Final notes about the child, the latest event first, 25 a page, each with its recording delay against the recording standard; and the token user's own drafts about the child. Query: page (from 1), kind (a note kind), significant=true. Audited against the child. Needs scope casework:read.",
        child,
        None,
        ("200", "A page of notes.", "NoteList"),
    );
    if let Some(params) = list["parameters"].as_array_mut() {
        params.push(json!({ "name": "page", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1 } }));
        params.push(json!({ "name": "kind", "in": "query", "required": false, "schema": reference("NoteKind") }));
        params.push(json!({ "name": "significant", "in": "query", "required": false, "schema": { "type": "boolean" } }));
    }
    paths.insert("/people/{id}/notes".into(), json!({
        "get": list,
        "post": operation(
            "Start a draft case note about a child",
            "The draft is its author's alone until finalised. It may be incomplete (a kind not given is kept as other, a time not given as now); it is about the child in the path and any other children listed. Audited; no event until it is finalised. Needs scope casework:write.",
            child,
            Some("NoteInput"),
            ("201", "The draft was started.", "DraftSaved"),
        ),
    }));
    paths.insert("/notes/{id}".into(), json!({
        "get": operation(
            "Read a case note",
            "A final note, or a draft of the token's user. With its children, recording delay and every finalised version (who, when, why, and what changed). Audited against each child. Needs scope casework:read.",
            note,
            None,
            ("200", "The note.", "Note"),
        ),
        "put": operation(
            "Save a draft",
            "Replaces the draft's content, if it is still at `version` (409 otherwise). Needs scope casework:write.",
            note,
            Some("DraftInput"),
            ("200", "Saved.", "DraftSaved"),
        ),
    }));
    paths.insert("/notes/{id}/finalise".into(), json!({ "post": operation(
        "Finalise a draft",
        "Checks the draft as stored (kind, event time not in the future, title, note of at most 100,000 characters, at least one child), records it now with its delay in working days from the event, makes it version 1 and puts it on each child's record. From then on it is changed only by amendment. Needs scope casework:write.",
        note,
        Some("FinaliseInput"),
        ("200", "Finalised.", "Finalised"),
    )}));
    paths.insert("/notes/{id}/amendments".into(), json!({ "post": operation(
        "Amend a final note",
        "By its author or a manager only (403 otherwise, audited), with a reason, against the `version` read (409 when someone else amended it first: nothing is overwritten). The note as it should now read; a child may be added but not taken off. Writes a new version. Needs scope casework:write.",
        note,
        Some("AmendmentInput"),
        ("201", "Amended.", "Amended"),
    )}));
}

pub fn add_schemas(s: &mut Map<String, Value>) {
    let kinds: Vec<&str> = NoteKind::ALL.iter().map(|k| k.code()).collect();
    s.insert(
        "NoteKind".into(),
        json!({ "type": "string", "enum": kinds }),
    );
    s.insert(
        "NoteChildInput".into(),
        json!({
            "type": "object", "additionalProperties": false, "required": ["person_id"],
            "properties": {
                "person_id": { "type": "string", "format": "uuid" },
                "child_seen": { "type": "boolean" },
                "child_seen_alone": { "type": "boolean", "description": "Seen alone implies seen." }
            }
        }),
    );
    s.insert("NoteInput".into(), json!({
        "type": "object", "additionalProperties": false,
        "properties": {
            "kind": reference("NoteKind"),
            "occurred_at": { "type": "string", "format": "date-time", "description": "When the event happened (RFC 3339); may be in the past, not in the future." },
            "title": string("A few words saying what happened (at most 200 characters)."),
            "narrative": string("The note (at most 100,000 characters)."),
            "people_involved": string("Who was there or took part."),
            "significant": { "type": "boolean", "description": "A significant event in the child's life (it appears in the chronology)." },
            "children": { "type": "array", "items": reference("NoteChildInput"), "description": "The children the note is about (at most 20)." }
        }
    }));
    s.insert("DraftInput".into(), json!({
        "type": "object", "additionalProperties": false, "required": ["version", "note"],
        "properties": {
            "version": { "type": "integer", "description": "The draft's version when it was read or last saved." },
            "note": reference("NoteInput")
        }
    }));
    s.insert(
        "FinaliseInput".into(),
        json!({
            "type": "object", "additionalProperties": false, "required": ["version"],
            "properties": { "version": { "type": "integer" } }
        }),
    );
    s.insert("AmendmentInput".into(), json!({
        "type": "object", "additionalProperties": false, "required": ["version", "reason", "note"],
        "properties": {
            "version": { "type": "integer", "description": "The note's version when it was read." },
            "reason": string("Why the note is amended."),
            "note": reference("NoteInput")
        }
    }));
    s.insert("DraftSaved".into(), json!({
        "type": "object",
        "properties": {
            "note_id": { "type": "string", "format": "uuid" },
            "version": { "type": "integer", "description": "The version the next save must name." },
            "saved_at": { "type": "string", "format": "date-time" }
        }
    }));
    let delay = json!({
        "type": ["object", "null"],
        "properties": {
            "working_days": { "type": "integer" },
            "standard": { "type": "integer", "description": "The recording standard in force on the day of the event." },
            "late": { "type": "boolean" },
            "description": string("For example: recorded 3 working days after the event; the standard is 2.")
        }
    });
    s.insert("RecordingDelay".into(), delay);
    s.insert(
        "Finalised".into(),
        json!({
            "type": "object",
            "properties": {
                "note_id": { "type": "string", "format": "uuid" },
                "version": { "type": "integer" },
                "recorded_at": { "type": "string", "format": "date-time" },
                "recording_delay": reference("RecordingDelay")
            }
        }),
    );
    s.insert("Amended".into(), json!({
        "type": "object",
        "properties": { "note_id": { "type": "string", "format": "uuid" }, "version": { "type": "integer" } }
    }));
    s.insert("Note".into(), json!({
        "type": "object",
        "properties": {
            "id": { "type": "string", "format": "uuid" },
            "status": { "type": "string", "enum": ["draft", "final"] },
            "kind": reference("NoteKind"),
            "occurred_at": { "type": "string", "format": "date-time" },
            "recorded_at": { "type": ["string", "null"], "format": "date-time" },
            "recording_delay": reference("RecordingDelay"),
            "title": { "type": "string" },
            "narrative": { "type": "string" },
            "people_involved": { "type": "string" },
            "significant": { "type": "boolean" },
            "author": { "type": "object", "properties": { "id": { "type": "string" }, "name": { "type": "string" } } },
            "version": { "type": "integer" },
            "amended_at": { "type": ["string", "null"], "format": "date-time" },
            "amended_by": { "type": ["object", "null"] },
            "children": { "type": "array", "items": { "type": "object", "description": "person_id, name, child_seen, child_seen_alone" } },
            "versions": { "type": "array", "items": { "type": "object", "description": "version, kind, occurred_at, title, narrative, people_involved, significant, children, reason, saved_at, saved_by {id, name}, changed (the parts that differ from the version before)" } }
        }
    }));
    s.insert("NoteList".into(), json!({
        "type": "object",
        "properties": {
            "child": { "type": "object", "description": "id, name, local_id" },
            "total": { "type": "integer" },
            "page": { "type": "integer" },
            "pages": { "type": "integer" },
            "notes": { "type": "array", "items": { "type": "object", "description": "id, kind, occurred_at, recorded_at, title, significant, author_name, recording_delay, amended, children (how many the note is about), child_seen, child_seen_alone" } },
            "drafts": { "type": "array", "items": { "type": "object", "description": "The token user's own drafts about the child: id, title, kind, updated_at" } }
        }
    }));
}

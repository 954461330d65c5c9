//! Assessments over the API: start one in an episode, read it, save it, submit it and review
//! it, through the same services as the pages (scopes `casework:read` and `casework:write`).
//! Every change carries the `version` last read; a stale one is a 409.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use cairn_core::casework::assessments::{
    self, AssessmentView, ContentInput, ReviewInput, StartInput,
};
use cairn_domain::casework::{
    AssessmentKind, AssessmentOutcome, AssessmentStatus, FrameworkArea, QualityRating,
};
use cairn_domain::codes::AssessmentFactor;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::api::doc::{body, id_param, string};
use crate::api::{ApiActor, created, err, get_by_id, id_and_body, reply};
use crate::error::AppError;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/episodes/{id}/assessments", post(start))
        .route(
            "/assessments/{id}",
            get_by_id(|c, actor, id| assessments::view(c, actor, id).map(|v| assessment_json(&v)))
                .put(save),
        )
        .route("/assessments/{id}/submit", post(submit))
        .route("/assessments/{id}/review", post(review))
        .route("/assessments/{id}/revise", post(revise))
}

/// The assessment as the API shows it: the content as structured data, the due date with its
/// explanation, and the history of reviews and submissions.
pub fn assessment_json(v: &AssessmentView) -> Value {
    let a = &v.assessment;
    json!({
        "id": a.id,
        "referral_id": a.referral_id,
        "person_id": a.person_id,
        "child_name": v.child.display_name,
        "kind": v.kind,
        "status": v.status,
        "revision": a.revision,
        "version": a.version,
        "started_on": a.started_on,
        "worker": { "id": a.worker_id, "name": v.worker_name },
        "content": v.content,
        "submitted_at": a.submitted_at,
        "submitted_by": v.submitted_by_name,
        "authorised_on": a.authorised_on,
        "authorised_by": v.authorised_by_name,
        "quality_rating": v.quality_rating,
        "timescales": v.profile_name,
        "due": v.timeliness.due,
        "working_days_elapsed": v.timeliness.working_days_elapsed,
        "overdue": v.timeliness.overdue,
        "authorised_late": v.timeliness.authorised_late,
        "reviews": v.reviews.iter().map(|r| json!({
            "decision": r.review.decision,
            "revision": r.review.revision,
            "comments": r.review.comments,
            "quality_rating": r.quality_rating,
            "reviewed_by": r.reviewer,
            "reviewed_at": r.review.reviewed_at,
        })).collect::<Vec<_>>(),
        "revisions": v.revisions.iter().map(|r| json!({
            "revision": r.revision,
            "submitted_at": r.submitted_at,
            "submitted_by": r.submitted_by,
            "authorised": r.authorised,
            "content": r.content,
        })).collect::<Vec<_>>(),
    })
}

pub async fn start(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (referral_id, body) = match id_and_body::<StartInput>(&headers, &id, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let result = state
        .db(move |c| Ok(assessments::start(c, &actor, &referral_id, &body)?.to_string()))
        .await;
    reply(&headers, result, |id| {
        created(
            &format!("/api/v1/assessments/{id}"),
            json!({ "id": id, "status": "in_progress", "version": 1 }),
        )
    })
}

/// A body of a change: the version last read beside the fields of `T`. Read by hand because
/// serde's `flatten` would let unknown fields through silently.
#[derive(Clone, Debug)]
pub struct Versioned<T> {
    pub version: i32,
    pub fields: T,
}

pub fn versioned<T: DeserializeOwned>(mut body: Value) -> Result<Versioned<T>, AppError> {
    let bad = |m: String| {
        AppError::BadRequest(format!(
            "The body must be a JSON object as described in /api/v1/openapi.json ({m})"
        ))
    };
    let object = body
        .as_object_mut()
        .ok_or_else(|| bad("not an object".into()))?;
    let version = object
        .remove("version")
        .and_then(|v| v.as_i64())
        .and_then(|v| i32::try_from(v).ok())
        .ok_or_else(|| bad("version must be the integer version last read".into()))?;
    let fields = serde_json::from_value(body).map_err(|e| bad(e.to_string()))?;
    Ok(Versioned { version, fields })
}

/// The path's id and a [`Versioned`] body, or the response refusing them.
async fn id_and_versioned<T: DeserializeOwned>(
    headers: &HeaderMap,
    raw_id: &str,
    req: Request,
) -> Result<(String, Versioned<T>), Response> {
    let (id, body) = id_and_body::<Value>(headers, raw_id, req).await?;
    let body = versioned(body).map_err(|e| err(headers, e))?;
    Ok((id, body))
}

pub async fn save(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (id, body) = match id_and_versioned::<ContentInput>(&headers, &id, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let aid = id.clone();
    match state
        .db(move |c| {
            Ok(assessments::save(
                c,
                &actor,
                &aid,
                body.version,
                &body.fields,
            )?)
        })
        .await
    {
        Ok(version) => Json(json!({ "id": id, "version": version })).into_response(),
        Err(e) => err(&headers, e),
    }
}

/// The body of `POST /assessments/{id}/submit`: the version last read (save first).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    pub version: i32,
}

pub async fn submit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (id, body) = match id_and_body::<SubmitBody>(&headers, &id, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let aid = id.clone();
    match state
        .db(move |c| Ok(assessments::submit(c, &actor, &aid, body.version, None)?))
        .await
    {
        Ok(()) => Json(json!({ "id": id, "status": "submitted", "version": body.version + 1 }))
            .into_response(),
        Err(e) => err(&headers, e),
    }
}

pub async fn review(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (id, body) = match id_and_versioned::<ReviewInput>(&headers, &id, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let settings = state.settings.clone();
    let aid = id.clone();
    match state
        .db(move |c| {
            Ok(assessments::review(
                c,
                &actor,
                &settings,
                &aid,
                body.version,
                &body.fields,
            )?)
        })
        .await
    {
        Ok(outcome) => {
            Json(json!({ "id": id, "status": outcome.code(), "version": body.version + 1 }))
                .into_response()
        }
        Err(e) => err(&headers, e),
    }
}

pub async fn revise(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (id, body) = match id_and_body::<SubmitBody>(&headers, &id, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let aid = id.clone();
    match state
        .db(move |c| Ok(assessments::revise(c, &actor, &aid, body.version)?))
        .await
    {
        Ok(revision) => Json(json!({ "id": id, "status": "in_progress", "revision": revision, "version": body.version + 1 }))
            .into_response(),
        Err(e) => err(&headers, e),
    }
}

// ---- OpenAPI ----

/// The responses of every operation here: its success and the errors they share.
fn responses(success: &str, description: &str, schema: &str) -> Value {
    crate::api::doc::responses(
        &[
            ("400", "The body is not the JSON described here."),
            ("401", "No valid API token."),
            (
                "403",
                "The token's user or scopes may not do this (recorded in the audit log against the child).",
            ),
            ("404", "Not found."),
            (
                "409",
                "The assessment changed since `version` was read, is not in a state that allows this, or (starting) the episode already has an unauthorised assessment.",
            ),
            ("422", "Some fields need correcting; `fields` lists them."),
        ],
        success,
        description,
        schema,
    )
}

pub fn add_paths(paths: &mut Map<String, Value>) {
    let assessment = id_param("The assessment's id (a UUID).");
    paths.insert("/episodes/{id}/assessments".into(), json!({
        "post": {
            "summary": "Start an assessment in an open episode",
            "description": "The start date may not be before the referral date or in the future. The kind defaults to the single assessment; initial and core assessments are only for episodes referred under the 2006–2013 timescales. An episode may have only one unauthorised assessment (census rule 8896): a second is a 409. The child's identity is copied from their record for the worker to confirm. Needs scope casework:write.",
            "parameters": [id_param("The referral (CIN episode) id.")],
            "requestBody": body("AssessmentStart"),
            "responses": responses("201", "Started.", "AssessmentChanged"),
        }
    }));
    paths.insert("/assessments/{id}".into(), json!({
        "get": {
            "summary": "Read an assessment",
            "description": "The content, status, due date with how it was computed, working days elapsed, managers' reviews and every submitted version. Audited against the child. Needs scope casework:read.",
            "parameters": [assessment.clone()],
            "responses": responses("200", "The assessment.", "Assessment"),
        },
        "put": {
            "summary": "Save an assessment's content (a draft)",
            "description": "Replaces the whole content. Allowed while in progress or returned. What is given must be valid (dates on or after the start and not in the future; codes from their lists; factor 21 alone); it need not be complete. Needs scope casework:write.",
            "parameters": [assessment.clone()],
            "requestBody": body("AssessmentSave"),
            "responses": responses("200", "Saved; the new version.", "AssessmentChanged"),
        }
    }));
    paths.insert("/assessments/{id}/submit".into(), json!({
        "post": {
            "summary": "Submit an assessment for authorisation",
            "description": "Refused with field errors unless the saved content has an analysis, the child's views or why they could not be obtained, the parents' views or why not, confirmed identity, factors and an outcome; and, once past the due date, a reason for the delay. Writes a snapshot of the content. Needs scope casework:write.",
            "parameters": [assessment.clone()],
            "requestBody": body("AssessmentVersion"),
            "responses": responses("200", "Submitted.", "AssessmentChanged"),
        }
    }));
    paths.insert("/assessments/{id}/review".into(), json!({
        "post": {
            "summary": "Authorise a submitted assessment, or return it",
            "description": "For team and service managers, not on their own work unless the authority allows it. Authorising needs a quality rating; the date defaults to today and may not be before the start or in the future. Returning needs comments (the reasons). Every review is kept. Needs scope casework:write.",
            "parameters": [assessment.clone()],
            "requestBody": body("AssessmentReview"),
            "responses": responses("200", "Reviewed.", "AssessmentChanged"),
        }
    }));
    paths.insert("/assessments/{id}/revise".into(), json!({
        "post": {
            "summary": "Start a new revision of an authorised assessment",
            "description": "The content carries over and the authorised version stays among the submitted versions; the new revision is submitted and authorised again. Needs scope casework:write.",
            "parameters": [assessment],
            "requestBody": body("AssessmentVersion"),
            "responses": responses("200", "A new revision is in progress.", "AssessmentChanged"),
        }
    }));
}

fn date(description: &str) -> Value {
    json!({ "type": ["string", "null"], "format": "date", "description": description })
}

fn content_properties() -> Value {
    let areas: Vec<&str> = FrameworkArea::ALL.iter().map(|a| a.code()).collect();
    let factors: Vec<&str> = AssessmentFactor::ALL.iter().map(|f| f.code()).collect();
    let outcomes: Vec<&str> = AssessmentOutcome::ALL.iter().map(|o| o.code()).collect();
    json!({
        "framework": {
            "type": "object",
            "description": format!("Assessment Framework sub-area code to text. Areas: {}.", areas.join(", ")),
            "additionalProperties": { "type": "string" }
        },
        "child_seen_on": date("When the child was seen (YYYY-MM-DD)."),
        "child_seen_alone_on": date("When the child was seen alone."),
        "child_views": string("The child's wishes and feelings."),
        "child_views_not_obtained_reason": string("Why they could not be obtained."),
        "parent_views": string("The parents' or carers' views."),
        "parent_views_not_obtained_reason": string("Why they could not be obtained."),
        "identity": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "ethnicity": { "type": "string" }, "culture": { "type": "string" }, "language": { "type": "string" },
                "religion": { "type": "string" }, "disability": { "type": "string" }
            }
        },
        "identity_confirmed": { "type": "boolean", "description": "The worker has checked the identity details." },
        "analysis": string("What the information means for the child: risks, strengths, what needs to change."),
        "factors": { "type": "array", "items": { "type": "string", "enum": factors }, "description": "Census AssessmentFactors codes; 21 (no factors) must be alone." },
        "outcome": { "type": "string", "enum": outcomes },
        "outcome_detail": string("What the outcome is, when it is 'other'."),
        "delay_reason": string("Why the assessment is late; needed to submit after the due date.")
    })
}

pub fn add_schemas(s: &mut Map<String, Value>) {
    let kinds: Vec<&str> = AssessmentKind::ALL.iter().map(|k| k.code()).collect();
    let statuses: Vec<&str> = AssessmentStatus::ALL.iter().map(|k| k.code()).collect();
    let ratings: Vec<&str> = QualityRating::ALL.iter().map(|k| k.code()).collect();
    s.insert("AssessmentStart".into(), json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["started_on"],
        "properties": {
            "kind": { "type": "string", "enum": kinds, "description": "Default: the first kind the timescales in force use (single since April 2013)." },
            "started_on": { "type": "string", "format": "date", "description": "The actual start date." },
            "worker_id": { "type": ["string", "null"], "format": "uuid", "description": "You (the default) or the episode's allocated worker." }
        }
    }));
    let mut save = content_properties();
    save["version"] = json!({ "type": "integer", "description": "The version last read." });
    s.insert(
        "AssessmentSave".into(),
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["version"],
            "properties": save
        }),
    );
    s.insert("AssessmentVersion".into(), json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["version"],
        "properties": { "version": { "type": "integer", "description": "The version last read." } }
    }));
    s.insert("AssessmentReview".into(), json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["version", "decision"],
        "properties": {
            "version": { "type": "integer" },
            "decision": { "type": "string", "enum": ["authorise", "return"] },
            "quality_rating": { "type": "string", "enum": ratings, "description": "Needed to authorise." },
            "comments": string("Needed to return: why, and what needs to change."),
            "authorised_on": date("Default today; not before the start, not in the future.")
        }
    }));
    s.insert(
        "AssessmentChanged".into(),
        json!({
            "type": "object",
            "required": ["id", "status", "version"],
            "properties": {
                "id": { "type": "string", "format": "uuid" },
                "status": { "type": "string", "enum": statuses },
                "version": { "type": "integer", "description": "Send this with the next change." },
                "revision": { "type": "integer" }
            }
        }),
    );
    let rating_or_null: Vec<Value> = ratings
        .iter()
        .map(|r| Value::from(*r))
        .chain([Value::Null])
        .collect();
    s.insert("Assessment".into(), json!({
        "type": "object",
        "properties": {
            "id": { "type": "string", "format": "uuid" },
            "referral_id": { "type": "string", "format": "uuid" },
            "person_id": { "type": "string", "format": "uuid" },
            "child_name": { "type": "string" },
            "kind": { "type": "string", "enum": kinds },
            "status": { "type": "string", "enum": statuses },
            "revision": { "type": "integer" },
            "version": { "type": "integer" },
            "started_on": { "type": "string", "format": "date" },
            "worker": { "type": "object", "properties": { "id": { "type": "string" }, "name": { "type": "string" } } },
            "content": { "type": "object", "properties": content_properties() },
            "submitted_at": { "type": ["string", "null"] },
            "submitted_by": { "type": ["string", "null"] },
            "authorised_on": { "type": ["string", "null"], "format": "date", "description": "The census AssessmentAuthorisationDate: the latest authorisation." },
            "authorised_by": { "type": ["string", "null"] },
            "quality_rating": { "type": ["string", "null"], "enum": rating_or_null },
            "timescales": string("The timescale profile in force for the referral."),
            "due": { "type": "object", "properties": { "date": { "type": "string", "format": "date" }, "basis": string("How the due date was computed.") } },
            "working_days_elapsed": { "type": "integer" },
            "overdue": { "type": "boolean" },
            "authorised_late": { "type": "boolean" },
            "reviews": { "type": "array", "items": { "type": "object", "properties": {
                "decision": { "type": "string", "enum": ["authorised", "returned"] }, "revision": { "type": "integer" },
                "comments": { "type": "string" }, "quality_rating": { "type": ["string", "null"] },
                "reviewed_by": { "type": "string" }, "reviewed_at": { "type": "string" } } } },
            "revisions": { "type": "array", "description": "Every submission's content, oldest first.", "items": { "type": "object", "properties": {
                "revision": { "type": "integer" }, "submitted_at": { "type": "string" }, "submitted_by": { "type": "string" },
                "authorised": { "type": "boolean" }, "content": { "type": "object" } } } }
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_take_the_version_beside_the_fields() {
        let save: Versioned<ContentInput> = versioned(json!({
            "version": 2, "analysis": "Risks and strengths", "factors": ["21"], "child_seen_on": "2026-03-05"
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(save.version, 2);
        assert_eq!(save.fields.analysis, "Risks and strengths");
        assert!(save.fields.child_seen_on.is_some());
        let bogus = versioned::<ContentInput>(json!({ "version": 2, "bogus": 1 }));
        assert!(bogus.is_err(), "unknown fields are refused");
        let unversioned = versioned::<ContentInput>(json!({ "analysis": "x" }));
        assert!(unversioned.is_err(), "the version is required");
        let review: Versioned<ReviewInput> = versioned(json!({
            "version": 3, "decision": "authorise", "quality_rating": "good"
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (review.version, review.fields.quality_rating.as_str()),
            (3, "good")
        );
    }

    #[test]
    fn the_document_covers_every_route() {
        let mut paths = Map::new();
        add_paths(&mut paths);
        for p in [
            "/episodes/{id}/assessments",
            "/assessments/{id}",
            "/assessments/{id}/submit",
            "/assessments/{id}/review",
            "/assessments/{id}/revise",
        ] {
            assert!(paths.contains_key(p), "{p}");
        }
        assert!(paths["/assessments/{id}"].get("put").is_some());
        let mut schemas = Map::new();
        add_schemas(&mut schemas);
        let text = Value::Object(paths).to_string();
        for name in [
            "AssessmentStart",
            "AssessmentSave",
            "AssessmentVersion",
            "AssessmentReview",
            "AssessmentChanged",
            "Assessment",
        ] {
            assert!(schemas.contains_key(name), "{name}");
            assert!(
                text.contains(&format!("schemas/{name}\"")),
                "{name} is used"
            );
        }
    }
}

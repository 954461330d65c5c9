//! The front door over the API: record contacts, read them, the screening queue, claims and
//! decisions. The same services as the pages, so the same checks and audit rows apply.

use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cairn_core::ServiceError;
use cairn_core::front_door::contacts::{self, ContactInput, HouseholdInput, ReferrerInput};
use cairn_core::front_door::queue::{self, QueueView};
use cairn_core::front_door::screening::{self, DecisionInput, Review};
use cairn_domain::validation::FieldErrors;
use serde::Deserialize;
use serde_json::json;

use super::{ApiActor, err, id_and_body, json_reply, read_json, uuid_path};
use crate::error::AppError;
use crate::state::AppState;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReferrerBody {
    pub kind: String,
    pub name: String,
    pub role: String,
    pub organisation: String,
    pub agency: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub wants_feedback: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HouseholdBody {
    pub person_id: Option<String>,
    pub name: String,
    pub relationship: String,
    pub notes: String,
}

/// The body of `POST /contacts`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContactBody {
    /// RFC 3339, e.g. 2026-11-25T14:05:00Z; absent means now.
    pub received_at: Option<String>,
    pub backdate_reason: String,
    pub channel: String,
    pub referrer: ReferrerBody,
    pub children: Vec<String>,
    pub household: Vec<HouseholdBody>,
    pub concern: String,
    pub categories: Vec<String>,
    pub consent: String,
    pub consent_reason: String,
    pub immediate_safety: bool,
    pub rag: String,
    pub office_id: String,
}

impl ContactBody {
    fn into_input(self) -> Result<ContactInput, FieldErrors> {
        let received_at = match self.received_at.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => match chrono::DateTime::parse_from_rfc3339(text) {
                Ok(t) => Some(t.naive_utc()),
                Err(_) => {
                    let mut e = FieldErrors::new();
                    e.push(
                        "received_at",
                        "received_at must be a date and time such as 2026-11-25T14:05:00Z",
                    );
                    return Err(e);
                }
            },
        };
        let r = self.referrer;
        Ok(ContactInput {
            received_at,
            backdate_reason: self.backdate_reason,
            channel: self.channel,
            referrer: ReferrerInput {
                kind: r.kind,
                name: r.name,
                role: r.role,
                organisation: r.organisation,
                agency: r.agency,
                phone: r.phone,
                email: r.email,
                address: r.address,
                wants_feedback: r.wants_feedback,
            },
            children: self.children,
            household: self
                .household
                .into_iter()
                .map(|h| HouseholdInput {
                    person_id: h.person_id,
                    name: h.name,
                    relationship: h.relationship,
                    notes: h.notes,
                })
                .collect(),
            concern: self.concern,
            categories: self.categories,
            consent: self.consent,
            consent_reason: self.consent_reason,
            immediate_safety: self.immediate_safety,
            rag: self.rag,
            office_id: self.office_id,
        })
    }
}

pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let body: ContactBody = match read_json(&headers, req).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let input = match body.into_input() {
        Ok(i) => i,
        Err(fields) => return err(&headers, ServiceError::Invalid(fields)),
    };
    let settings = state.settings.clone();
    let result = state
        .db(move |c| {
            let id = contacts::record(c, &actor, &settings, &input)?.to_string();
            let reference = cairn_db::front_door::contacts::find(c, &id)?
                .map(|r| r.reference)
                .unwrap_or_default();
            Ok((id, reference))
        })
        .await;
    match result {
        Ok((id, reference)) => super::created(
            &format!("/api/v1/contacts/{id}"),
            json!({ "id": id, "reference": reference }),
        ),
        Err(e) => err(&headers, e),
    }
}

pub async fn show(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    super::show(&state, actor, &headers, &id, contacts::view).await
}

/// The contact with each child's history, as shown at screening.
pub async fn screening_context(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    super::show(&state, actor, &headers, &id, screening::context).await
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct QueueQuery {
    pub view: Option<String>,
    pub page: Option<i64>,
    pub office: Option<String>,
}

pub async fn queue_page(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Query(q): Query<QueueQuery>,
) -> Response {
    let view = match q.view.as_deref() {
        None | Some("screening") => QueueView::Screening,
        Some("manager") => QueueView::AwaitingAuthorisation,
        Some(_) => {
            return err(
                &headers,
                ServiceError::invalid("view", "view must be \"screening\" or \"manager\""),
            );
        }
    };
    let settings = state.settings.clone();
    let office = q.office.filter(|o| !o.trim().is_empty());
    let page = q.page.unwrap_or(1);
    let result = state
        .db(move |c| {
            Ok(queue::page(
                c,
                &actor,
                &settings,
                view,
                office.as_deref(),
                page,
            )?)
        })
        .await;
    json_reply(&headers, result)
}

pub async fn claim(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = uuid_path(&id) else {
        return err(&headers, AppError::NotFound);
    };
    let settings = state.settings.clone();
    match state
        .db(move |c| Ok(queue::claim(c, &actor, &settings, &id)?))
        .await
    {
        Ok(()) => Json(json!({ "claimed": true })).into_response(),
        Err(e) => err(&headers, e),
    }
}

pub async fn release(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = uuid_path(&id) else {
        return err(&headers, AppError::NotFound);
    };
    match state.db(move |c| Ok(queue::release(c, &actor, &id)?)).await {
        Ok(()) => Json(json!({ "claimed": false })).into_response(),
        Err(e) => err(&headers, e),
    }
}

/// The body of `POST /contacts/{id}/decisions`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DecisionBody {
    pub threshold_document_id: String,
    pub level_id: String,
    pub indicator_ids: Vec<String>,
    pub rationale: String,
    pub rag: String,
    pub outcome: String,
    pub early_help_service: String,
    pub override_reason: String,
    pub receiving_team_id: String,
    pub receiving_worker_id: String,
    pub primary_need: String,
    pub children: Vec<String>,
}

pub async fn decide(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (id, b) = match id_and_body::<DecisionBody>(&headers, &id, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let input = DecisionInput {
        threshold_document_id: b.threshold_document_id,
        level_id: b.level_id,
        indicator_ids: b.indicator_ids,
        rationale: b.rationale,
        rag: b.rag,
        outcome: b.outcome,
        early_help_service: b.early_help_service,
        override_reason: b.override_reason,
        receiving_team_id: b.receiving_team_id,
        receiving_worker_id: b.receiving_worker_id,
        primary_need: b.primary_need,
        children: b.children,
    };
    let settings = state.settings.clone();
    let result = state
        .db(move |c| {
            let decision = screening::decide(c, &actor, &settings, &id, &input)?.to_string();
            let status = cairn_db::front_door::screening::find(c, &decision)?
                .map(|d| d.status)
                .unwrap_or_default();
            Ok((decision, status))
        })
        .await;
    match result {
        Ok((decision, status)) => (
            StatusCode::CREATED,
            Json(json!({ "id": decision, "status": status })),
        )
            .into_response(),
        Err(e) => err(&headers, e),
    }
}

/// The body of `POST /decisions/{id}/review`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewBody {
    /// "authorise" or "return".
    pub action: String,
    pub comments: String,
}

pub async fn review(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (id, b) = match id_and_body::<ReviewBody>(&headers, &id, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let action = match b.action.as_str() {
        "authorise" => Review::Authorise,
        "return" => Review::Return,
        _ => {
            return err(
                &headers,
                ServiceError::invalid("action", "action must be \"authorise\" or \"return\""),
            );
        }
    };
    let settings = state.settings.clone();
    let decision_id = id.clone();
    match state
        .db(move |c| {
            Ok(screening::review(
                c,
                &actor,
                &settings,
                &id,
                action,
                &b.comments,
            )?)
        })
        .await
    {
        Ok(()) => Json(json!({ "decision_id": decision_id, "action": b.action })).into_response(),
        Err(e) => err(&headers, e),
    }
}

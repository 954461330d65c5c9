//! The caseload dashboard figures over the API: `GET /caseloads/dashboard` (one snapshot
//! day's figures, the same as the page's) and `GET /caseloads/trend` (the totals of the last
//! 90 snapshot days). Both read snapshots only, need scope `workload:read` and are audited.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use cairn_core::ServiceError;
use cairn_core::caseloads::dashboard::{self, DashboardFilter};
use cairn_domain::caseloads::Service;
use cairn_domain::validation::FieldErrors;
use chrono::NaiveDate;
use serde_json::{Map, Value, json};

use crate::api::doc::string;
use crate::api::{ApiActor, err, json_reply};
use crate::error::AppError;
use crate::form::FormData;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/caseloads/dashboard", get(figures))
        .route("/caseloads/trend", get(trend))
}

/// `?date=YYYY-MM-DD&team=&office=&service=`; a malformed date is a field error.
fn filter_of(query: Option<String>) -> Result<DashboardFilter, FieldErrors> {
    let form = FormData::parse(query.unwrap_or_default().as_bytes());
    let mut errors = FieldErrors::new();
    let date = match form.get("date").trim() {
        "" => None,
        text => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push("date", "Give the date as YYYY-MM-DD");
                None
            }
        },
    };
    let some = |name: &str| {
        let v = form.get(name).trim();
        (!v.is_empty()).then(|| v.chars().take(64).collect::<String>())
    };
    if errors.is_empty() {
        Ok(DashboardFilter {
            date,
            team_id: some("team"),
            office_id: some("office"),
            service: some("service"),
        })
    } else {
        Err(errors)
    }
}

async fn figures(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let filter = match filter_of(q) {
        Ok(f) => f,
        Err(e) => return err(&headers, ServiceError::Invalid(e)),
    };
    let result = state
        .db(move |c| Ok(dashboard::dashboard(c, &actor, &filter)?))
        .await;
    json_reply(&headers, result)
}

async fn trend(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let filter = match filter_of(q) {
        Ok(f) => f,
        Err(e) => return err(&headers, ServiceError::Invalid(e)),
    };
    let result: Result<Value, AppError> = state
        .db(move |c| {
            let points = dashboard::trend(c, &actor, &filter)?;
            Ok(json!({ "filter": filter, "days": points }))
        })
        .await;
    json_reply(&headers, result)
}

fn params() -> Value {
    let q = |name: &str, description: &str, format: Option<&str>| {
        let mut schema = json!({ "type": "string" });
        if let Some(f) = format {
            schema["format"] = json!(f);
        }
        json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
    };
    json!([
        q(
            "date",
            "The latest snapshot on or before this day; the latest of all if omitted.",
            Some("date")
        ),
        q("team", "One team's workers (a team id).", Some("uuid")),
        q("office", "One office's teams (an office id).", Some("uuid")),
        q("service", "One service (a service code).", None),
    ])
}

fn responses(description: &str, schema: &str) -> Value {
    crate::api::doc::responses(
        &[
            ("401", "No valid API token."),
            (
                "403",
                "The token's user or scopes may not do this (recorded in the audit log).",
            ),
            ("422", "A filter needs correcting; `fields` lists it."),
        ],
        "200",
        description,
        schema,
    )
}

pub fn add_paths(paths: &mut Map<String, Value>) {
    paths.insert("/caseloads/dashboard".into(), json!({
        "get": {
            "summary": "Caseload dashboard figures",
            "description": "One day's workload snapshot: each worker's weighted and plain caseload beside their overdue recordings, overdue visits and assessment timeliness and quality; totals by team, office and service; the distribution of loads; workers over amber and red; the DfE workforce census figure (summary.cases_per_fte: cases per case-holding FTE); and the trend to that day. Read from snapshots only. For managers, performance officers, auditors and inspectors. Audited. Needs scope workload:read.",
            "parameters": params(),
            "responses": responses("The figures; taken_on is null when no snapshot exists on or before the date.", "CaseloadDashboard"),
        }
    }));
    paths.insert("/caseloads/trend".into(), json!({
        "get": {
            "summary": "Caseload trend",
            "description": "The totals of the last 90 snapshot days on or before the date, oldest first: case-holding workers, cases, load (total weighted caseload as a percentage of total capacity), and workers at amber and over red. Audited. Needs scope workload:read.",
            "parameters": params(),
            "responses": responses("The trend.", "CaseloadTrend"),
        }
    }));
}

pub fn add_schemas(s: &mut Map<String, Value>) {
    let int = |d: &str| json!({ "type": "integer", "description": d });
    let num = |d: &str| json!({ "type": "number", "description": d });
    let pct = |d: &str| json!({ "type": ["integer", "null"], "description": d });
    let services: Vec<&str> = Service::ALL.iter().map(|s| s.code()).collect();
    s.insert("CaseloadWorker".into(), json!({
        "type": "object",
        "properties": {
            "worker_id": string("The worker's user id."),
            "name": string("The worker's name."),
            "team_id": { "type": ["string", "null"] },
            "team": string("The team's name."),
            "office_id": { "type": ["string", "null"] },
            "office": string("The office's name."),
            "service_code": { "type": ["string", "null"], "enum": services.iter().map(|s| json!(s)).chain([Value::Null]).collect::<Vec<_>>() },
            "service": string("The service's name."),
            "cases": int("Children whose case the worker holds."),
            "pieces_of_work": int("Assessments or enquiries held in other workers' cases."),
            "weighted": num("Weighted load in points."),
            "capacity": num("Capacity in points."),
            "fte": num("Full-time equivalent (1 = full time)."),
            "case_holding": { "type": "boolean", "description": "Has a capacity under the workload model." },
            "load_percent": pct("Weighted load as a percentage of capacity; null without capacity."),
            "rating": { "type": "string", "enum": ["green", "amber", "red"] },
            "overdue_recordings": int("Notes overdue against the recording standard."),
            "overdue_visits": int("Statutory visits overdue on plans in the worker's cases."),
            "assessments_completed": int("Assessments the worker wrote, authorised in the 12 months to the day."),
            "assessments_in_time": int("Of those, authorised within their timescale."),
            "timeliness_percent": pct("assessments_in_time as a percentage of assessments_completed."),
            "assessments_rated": int("Of those, rated by a manager."),
            "assessments_rated_good": int("Of those, rated good or outstanding."),
            "good_percent": pct("assessments_rated_good as a percentage of assessments_rated."),
        }
    }));
    s.insert("CaseloadGroup".into(), json!({
        "type": "object",
        "properties": {
            "id": string("The team's or office's id or the service's code; empty for the whole scope."),
            "name": string("Its name."),
            "workers": int("Workers."),
            "case_holding_workers": int("Workers with a capacity."),
            "case_holding_fte_centi": int("Sum of case-holding workers' FTE, in hundredths."),
            "cases": int("Children whose case is held by a worker in the group."),
            "case_holding_cases": int("Children whose case is held by a case-holding worker."),
            "weighted": num("Case-holding workers' total weighted load, in points."),
            "capacity": num("Case-holding workers' total capacity, in points."),
            "load_percent": pct("weighted as a percentage of capacity."),
            "average_cases": { "type": ["number", "null"], "description": "Cases per case-holding worker." },
            "cases_per_fte": { "type": ["number", "null"], "description": "Cases per case-holding FTE (DfE workforce census)." },
            "amber": int("Workers at amber."),
            "red": int("Workers over red."),
            "overdue_recordings": int("Notes overdue."),
            "overdue_visits": int("Visits overdue."),
            "assessments_completed": int("Assessments authorised in the 12 months to the day."),
            "assessments_in_time": int("Of those, in timescale."),
            "timeliness_percent": pct("Share in timescale."),
            "assessments_rated": int("Of those, rated."),
            "assessments_rated_good": int("Of those, rated good or outstanding."),
            "good_percent": pct("Share rated good or outstanding."),
        }
    }));
    s.insert(
        "CaseloadTrendDay".into(),
        json!({
            "type": "object",
            "properties": {
                "taken_on": { "type": "string", "format": "date" },
                "case_holding_workers": int("Case-holding workers."),
                "cases": int("Cases held by case-holding workers."),
                "load_percent": pct("Total weighted load as a percentage of total capacity."),
                "amber": int("Workers at amber."),
                "red": int("Workers over red."),
            }
        }),
    );
    let filter = json!({
        "type": "object",
        "properties": {
            "date": { "type": ["string", "null"], "format": "date" },
            "team_id": { "type": ["string", "null"] },
            "office_id": { "type": ["string", "null"] },
            "service": { "type": ["string", "null"] },
        }
    });
    let list = |name: &str| json!({ "type": "array", "items": { "$ref": format!("#/components/schemas/{name}") } });
    s.insert("CaseloadDashboard".into(), json!({
        "type": "object",
        "properties": {
            "filter": filter,
            "taken_on": { "type": ["string", "null"], "format": "date", "description": "The snapshot day shown." },
            "scope_label": string("The team, office or service shown, or \"every team\"."),
            "summary": { "$ref": "#/components/schemas/CaseloadGroup" },
            "distribution": { "type": "array", "items": { "type": "object", "properties": {
                "label": string("The band, e.g. \"80–89%\"."),
                "from_percent": int("Lowest percentage in the band."),
                "to_percent": pct("Highest; null for the open-ended last band."),
                "workers": int("Case-holding workers in the band."),
            } } },
            "workers": list("CaseloadWorker"),
            "by_team": list("CaseloadGroup"),
            "by_office": list("CaseloadGroup"),
            "by_service": list("CaseloadGroup"),
            "trend": list("CaseloadTrendDay"),
        }
    }));
    s.insert(
        "CaseloadTrend".into(),
        json!({
            "type": "object",
            "properties": {
                "filter": filter,
                "days": list("CaseloadTrendDay"),
            }
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_must_be_iso() {
        let f = filter_of(Some("date=2026-11-26&team=abc".into())).ok();
        assert_eq!(
            f.as_ref().and_then(|f| f.date),
            NaiveDate::from_ymd_opt(2026, 11, 26)
        );
        assert_eq!(f.and_then(|f| f.team_id).as_deref(), Some("abc"));
        let bad = filter_of(Some("date=26/11/2026".into())).err();
        assert_eq!(
            bad.map(|e| e.iter().map(|x| x.field.clone()).collect::<Vec<_>>()),
            Some(vec!["date".to_string()])
        );
    }
}

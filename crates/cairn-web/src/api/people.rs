//! People over the API: search, read, create, replace. The same services as the pages, so the
//! same checks, audit rows and duplicate protection apply.

use axum::Json;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cairn_core::ServiceError;
use cairn_core::people::{self, NewPerson, PersonKind, PersonRecord};
use cairn_core::search::SearchCriteria;
use cairn_db::people::AddressRow;
use cairn_domain::dates::{DateParts, parse_iso_date};
use cairn_domain::identifiers::{NhsNumber, Upn};
use cairn_domain::person::{PersonDetails, PersonDraft};
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiActor, err};
use crate::admin::gate;
use crate::error::AppError;
use crate::form::FormData;
use crate::state::AppState;

pub const SEARCH_PARAMS: &[&str] = &["name", "dob", "nhs_number", "upn", "postcode", "local_id"];

/// Reads the search query. Identifiers and dates are checked, so a mistyped NHS number is an
/// error rather than an empty result.
pub fn criteria_from(q: &FormData) -> Result<SearchCriteria, FieldErrors> {
    let mut errors = FieldErrors::default();
    for (key, _) in &q.0 {
        if !SEARCH_PARAMS.contains(&key.as_str()) {
            errors.push(
                key.chars().take(40).collect::<String>(),
                "Unknown search parameter: use name, dob, nhs_number, upn, postcode or local_id",
            );
        }
    }
    let dob = match q.get("dob").trim() {
        "" => None,
        d => parse_iso_date(d)
            .map_err(|_| errors.push("dob", "dob must be a real date in the form YYYY-MM-DD"))
            .ok(),
    };
    let nhs_number = match q.get("nhs_number").trim() {
        "" => None,
        n => NhsNumber::parse(n)
            .map_err(|e| errors.push("nhs_number", e.to_string()))
            .ok(),
    };
    let upn = match q.get("upn").trim() {
        "" => None,
        u => Upn::parse(u)
            .or_else(|_| Upn::parse_former(u))
            .map_err(|e| errors.push("upn", e.to_string()))
            .ok(),
    };
    let criteria = SearchCriteria {
        name: q.get("name").chars().take(200).collect(),
        date_of_birth: dob,
        nhs_number,
        upn,
        postcode: Some(q.get("postcode").chars().take(20).collect()),
        local_id: Some(q.get("local_id").chars().take(20).collect()),
    };
    if errors.is_empty() && criteria.is_empty() {
        errors.push(
            "name",
            "Give at least one of name, dob, nhs_number, upn, postcode or local_id",
        );
    }
    errors.into_result(criteria)
}

pub async fn search(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let criteria = match criteria_from(&query) {
        Ok(c) => c,
        Err(fields) => return err(&headers, ServiceError::Invalid(fields)),
    };
    match state
        .db(move |c| Ok(people::search(c, &actor, &criteria)?))
        .await
    {
        Ok(found) => {
            Json(json!({ "results": found.hits, "truncated": found.truncated })).into_response()
        }
        Err(e) => err(&headers, e),
    }
}

fn code_label(code: &str, label: &str) -> Value {
    json!({ "code": code, "label": label })
}

fn address_json(a: &AddressRow) -> Value {
    json!({
        "id": a.id,
        "line1": a.line1,
        "line2": a.line2,
        "town": a.town,
        "postcode": a.postcode,
        "confidential": a.confidential,
        "from_date": a.from_date,
        "to_date": a.to_date,
        "entered_in_error": a.entered_in_error_at.is_some(),
    })
}

/// The API's representation of a person's record.
pub fn person_json(r: &PersonRecord) -> Value {
    let p = &r.person;
    let d = &p.details;
    json!({
        "id": p.id,
        "local_id": p.local_id,
        "kind": p.kind.code(),
        "display_name": p.display_name(),
        "given_names": d.given_names,
        "family_name": d.family_name,
        "other_names": d.other_names,
        "is_unborn": d.is_unborn,
        "date_of_birth": d.date_of_birth,
        "expected_date_of_birth": d.expected_date_of_birth,
        "sex": d.sex.code(),
        "gender_identity": d.gender_identity,
        "ethnicity": d.ethnicity.map(|e| code_label(e.code(), e.label())),
        "first_language": d.first_language,
        "interpreter_needed": d.interpreter_needed,
        "religion": d.religion,
        "disabilities": d.disabilities.iter().map(|x| code_label(x.code(), x.label())).collect::<Vec<_>>(),
        "nhs_number": d.nhs_number.as_ref().map(|n| n.as_str().to_string()),
        "upn": d.upn.as_ref().map(|u| u.as_str().to_string()),
        "former_upn": d.former_upn.as_ref().map(|u| u.as_str().to_string()),
        "date_of_death": d.date_of_death,
        "version": p.version,
        "entered_in_error": p.entered_in_error.as_ref().map(|e| json!({ "at": e.at, "reason": e.reason })),
        "created_at": p.created_at,
        "updated_at": p.updated_at,
        "addresses": r.addresses.iter().map(address_json).collect::<Vec<_>>(),
        "relationships": r.relationships.iter().map(|rel| json!({
            "id": rel.id,
            "label": rel.label,
            "other": rel.other,
            "lives_together": rel.lives_together,
            "started_on": rel.started_on,
            "ended_on": rel.ended_on,
            "entered_in_error": rel.entered_in_error,
        })).collect::<Vec<_>>(),
    })
}

fn person_id(raw: &str) -> Option<String> {
    cairn_domain::ids::PersonId::parse(raw)
        .ok()
        .map(|id| id.to_string())
}

pub async fn show(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = person_id(&id) else {
        return err(&headers, AppError::NotFound);
    };
    match state
        .db(move |c| Ok(people::view(c, &actor, &id, "api")?))
        .await
    {
        Ok(record) => Json(person_json(&record)).into_response(),
        Err(e) => err(&headers, e),
    }
}

/// The body of `POST /people` and `PUT /people/{id}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PersonBody {
    pub kind: Option<String>,
    pub given_names: Option<String>,
    pub family_name: Option<String>,
    pub other_names: Option<Vec<String>>,
    pub date_of_birth: Option<String>,
    pub expected_date_of_birth: Option<String>,
    pub sex: Option<String>,
    pub gender_identity: Option<String>,
    pub ethnicity: Option<String>,
    pub first_language: Option<String>,
    pub interpreter_needed: Option<bool>,
    pub religion: Option<String>,
    pub disabilities: Option<Vec<String>>,
    pub nhs_number: Option<String>,
    pub upn: Option<String>,
    pub former_upn: Option<String>,
    pub date_of_death: Option<String>,
    /// Create even though possible duplicates were found.
    pub confirm_new: Option<bool>,
    /// For `PUT`: the version the client last read.
    pub version: Option<i32>,
}

/// The draft's names for date inputs, and the API's.
fn api_field(draft_field: &str) -> &str {
    match draft_field {
        "dob" => "date_of_birth",
        "expected_dob" => "expected_date_of_birth",
        other => other,
    }
}

fn iso_parts(value: &Option<String>, field: &str, errors: &mut FieldErrors) -> DateParts {
    match value.as_deref().map(str::trim) {
        None | Some("") => DateParts::default(),
        Some(text) => match parse_iso_date(text) {
            Ok(date) => DateParts::from_date(date),
            Err(_) => {
                errors.push(
                    field,
                    format!("{field} must be a real date in the form YYYY-MM-DD"),
                );
                DateParts::default()
            }
        },
    }
}

impl PersonBody {
    /// Checks the body with the same rules as the person form.
    pub fn validate(
        &self,
        today: chrono::NaiveDate,
    ) -> Result<(PersonKind, PersonDetails), FieldErrors> {
        let mut errors = FieldErrors::default();
        let kind = PersonKind::from_code(self.kind.as_deref().unwrap_or_default().trim());
        if kind.is_none() {
            errors.push("kind", "kind must be \"child\" or \"adult\"");
        }
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let dob = iso_parts(&self.date_of_birth, "date_of_birth", &mut errors);
        let expected_dob = iso_parts(
            &self.expected_date_of_birth,
            "expected_date_of_birth",
            &mut errors,
        );
        let date_of_death = iso_parts(&self.date_of_death, "date_of_death", &mut errors);
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
        let draft = PersonDraft {
            given_names: text(&self.given_names),
            family_name: text(&self.family_name),
            other_names: self.other_names.clone().unwrap_or_default().join("\n"),
            is_unborn: blank(&self.date_of_birth) && !blank(&self.expected_date_of_birth),
            dob,
            expected_dob,
            sex: text(&self.sex),
            gender_identity: text(&self.gender_identity),
            ethnicity: text(&self.ethnicity),
            first_language: text(&self.first_language),
            interpreter_needed: match self.interpreter_needed {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => String::new(),
            },
            religion: text(&self.religion),
            disabilities: self.disabilities.clone().unwrap_or_default(),
            nhs_number: text(&self.nhs_number),
            upn: text(&self.upn),
            former_upn: text(&self.former_upn),
            date_of_death,
        };
        let details = match draft.validate(today) {
            Ok(d) => Some(d),
            Err(found) => {
                for e in found.iter() {
                    errors.push(api_field(&e.field), e.message.clone());
                }
                None
            }
        };
        match (kind, details) {
            (Some(kind), Some(details)) if errors.is_empty() => Ok((kind, details)),
            _ => Err(errors),
        }
    }
}

/// Reads and parses a JSON body; anything unreadable is a 400 with the structured error.
async fn read_body(headers: &HeaderMap, req: Request) -> Result<PersonBody, Response> {
    super::read_json(headers, req).await
}

fn today() -> chrono::NaiveDate {
    cairn_db::now().date()
}

pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let body = match read_body(&headers, req).await {
        Ok(b) => b,
        Err(response) => return response,
    };
    let (kind, details) = match body.validate(today()) {
        Ok(v) => v,
        Err(fields) => return err(&headers, ServiceError::Invalid(fields)),
    };
    let confirm_new = body.confirm_new.unwrap_or(false);
    let prefix = state.settings.local_id_prefix.clone();
    let result = state
        .db(move |c| {
            gate(c, &actor, Action::CreatePerson)?;
            let new = NewPerson {
                kind,
                details,
                address: None,
            };
            let id = people::create(c, &actor, &new, confirm_new, &prefix)?;
            let local_id = cairn_db::people::find(c, &id)?
                .map(|p| p.local_id)
                .unwrap_or_default();
            Ok((id, local_id))
        })
        .await;
    match result {
        Ok((id, local_id)) => super::created(
            &format!("/api/v1/people/{id}"),
            json!({ "id": id, "local_id": local_id }),
        ),
        Err(e @ AppError::Service(ServiceError::PossibleDuplicates(_))) => {
            // The pages show duplicates as a form to choose from (422); for the API the
            // request conflicts with existing records until confirm_new is sent.
            let mut response = err(&headers, e);
            *response.status_mut() = StatusCode::CONFLICT;
            response
        }
        Err(e) => err(&headers, e),
    }
}

pub async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let Some(id) = person_id(&id) else {
        return err(&headers, AppError::NotFound);
    };
    let body = match read_body(&headers, req).await {
        Ok(b) => b,
        Err(response) => return response,
    };
    let validated = body.validate(today());
    let (kind, details, version) = match (validated, body.version) {
        (Ok((kind, details)), Some(version)) => (kind, details, version),
        (result, version) => {
            let mut fields = result.err().unwrap_or_default();
            if version.is_none() {
                fields.push(
                    "version",
                    "Give the version you last read (from GET /people/{id})",
                );
            }
            return err(&headers, ServiceError::Invalid(fields));
        }
    };
    let result = state
        .db(move |c| {
            people::update(c, &actor, &id, version, kind, &details)?;
            let row = cairn_db::people::find(c, &id)?.ok_or(AppError::NotFound)?;
            Ok((row.id, row.local_id, row.version))
        })
        .await;
    match result {
        Ok((id, local_id, version)) => {
            Json(json!({ "id": id, "local_id": local_id, "version": version })).into_response()
        }
        Err(e) => err(&headers, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(v: Value) -> PersonBody {
        serde_json::from_value(v).unwrap_or_else(|e| panic!("test body parses: {e}"))
    }

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2025, 6, 1).unwrap_or_default()
    }

    #[test]
    fn a_valid_body_becomes_details() {
        let (kind, d) = body(json!({
            "kind": "child", "given_names": "Amelia", "family_name": "Hughes",
            "date_of_birth": "2019-03-05", "sex": "F", "interpreter_needed": true,
            "other_names": ["Amy Hughes"], "nhs_number": "943 476 5919"
        }))
        .validate(today())
        .unwrap_or_else(|e| panic!("valid: {e:?}"));
        assert_eq!(kind, PersonKind::Child);
        assert_eq!(
            d.date_of_birth.map(|x| x.to_string()).as_deref(),
            Some("2019-03-05")
        );
        assert!(d.interpreter_needed);
        assert_eq!(d.other_names, vec!["Amy Hughes"]);
    }

    #[test]
    fn errors_use_the_api_field_names() {
        let errors = body(json!({"given_names": "A", "family_name": "B", "date_of_birth": "05/03/2019", "nhs_number": "123"}))
            .validate(today())
            .err()
            .unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["kind", "date_of_birth", "nhs_number"]);

        let errors = body(json!({"kind": "adult", "given_names": "A", "family_name": "B"}))
            .validate(today())
            .err()
            .unwrap_or_default();
        assert_eq!(
            errors.for_field("date_of_birth"),
            Some("Enter date of birth")
        );
    }

    #[test]
    fn an_expected_date_alone_means_unborn() {
        let (_, d) = body(json!({"kind": "child", "family_name": "Hughes", "expected_date_of_birth": "2025-08-01"}))
            .validate(today())
            .unwrap_or_else(|e| panic!("valid: {e:?}"));
        assert!(d.is_unborn);
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(serde_json::from_value::<PersonBody>(json!({"dob": "2019-03-05"})).is_err());
    }

    #[test]
    fn search_needs_something_and_checks_identifiers() {
        let e = criteria_from(&FormData::parse(b""))
            .err()
            .unwrap_or_default();
        assert_eq!(e.iter().next().map(|e| e.field.as_str()), Some("name"));
        let e = criteria_from(&FormData::parse(b"nhs_number=123&dob=2019-13-01"))
            .err()
            .unwrap_or_default();
        assert!(e.for_field("nhs_number").is_some());
        assert!(e.for_field("dob").is_some());
        let e = criteria_from(&FormData::parse(b"date_of_birth=2019-01-01"))
            .err()
            .unwrap_or_default();
        assert!(e.for_field("date_of_birth").is_some());
        assert!(criteria_from(&FormData::parse(b"name=Amelia+Hughes")).is_ok());
    }
}

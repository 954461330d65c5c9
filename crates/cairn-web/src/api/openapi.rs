//! The OpenAPI 3.1 description of `/api/v1`, written by hand beside the handlers it describes.

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
    })
}

fn nullable(kind: &str) -> Value {
    json!({ "type": [kind, "null"] })
}

fn nullable_date() -> Value {
    json!({ "type": ["string", "null"], "format": "date" })
}

/// The whole document.
pub fn spec() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Cairn API",
            "version": "1",
            "description": "Search, read, record and correct people, and record and screen contacts at the front door, in Cairn, children's social care case management. \
                Every call acts as the member of staff the API token belongs to, is checked against their role and the \
                token's scopes, and is recorded in the audit log (reads included). Tokens are created by an administrator \
                at /admin/api-tokens. Scope `people:read` allows search and read; `people:write` allows create and update; `contacts:read` reads contacts and the screening queue; \
                `contacts:write` records contacts, claims them and records and reviews decisions. \
                Creating a person without `confirm_new: true` first searches for possible duplicates, which also needs \
                `people:read`. Every response carries an `x-request-id` header; errors repeat it as `request_id`."
        },
        "servers": [{ "url": "/api/v1" }],
        "security": [{ "bearerAuth": [] }],
        "paths": paths(),
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token from /admin/api-tokens, beginning cairn_, sent as `Authorization: Bearer cairn_…`."
                }
            },
            "schemas": schemas()
        }
    })
}

fn paths() -> Value {
    let person_id = json!({
        "name": "id", "in": "path", "required": true,
        "description": "The person's record id (a UUID).",
        "schema": { "type": "string", "format": "uuid" }
    });
    let query = |name: &str, description: &str, format: Option<&str>| {
        let mut schema = json!({ "type": "string" });
        if let Some(f) = format {
            schema["format"] = json!(f);
        }
        json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
    };
    let mut paths = serde_json::Map::new();
    paths.insert("/openapi.json".into(), json!({
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "security": [],
                    "responses": { "200": { "description": "The OpenAPI document", "content": { "application/json": {} } } }
                }
            }));
    paths.insert("/people/search".into(), json!({
                "get": {
                    "operationId": "searchPeople",
                    "summary": "Find people by name (spelling-tolerant), date of birth, identifiers or postcode",
                    "description": "At least one parameter is needed. Results are ranked, best first, at most 50, each with the reasons it matched. Other parameters are refused (422). Needs scope people:read.",
                    "parameters": [
                        query("name", "Full or partial name; spelling does not need to be exact.", None),
                        query("dob", "Date of birth, YYYY-MM-DD. Dates with day and month swapped also match.", Some("date")),
                        query("nhs_number", "NHS number (10 digits, spaces allowed); must have a valid check digit.", None),
                        query("upn", "Unique pupil number (current or former); must be valid.", None),
                        query("postcode", "Postcode of any recorded address.", None),
                        query("local_id", "The council's LA child ID.", None)
                    ],
                    "responses": {
                        "200": { "description": "Ranked matches", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SearchResults" } } } },
                        "401": error_response("No valid token (error: unauthorized)"),
                        "403": error_response("The token's account or scopes do not allow this (error: forbidden)"),
                        "422": error_response("A parameter is invalid, unknown, or none was given (error: invalid; see fields)")
                    }
                }
            }));
    paths.insert("/people".into(), json!({
                "post": {
                    "operationId": "createPerson",
                    "summary": "Record a new person",
                    "description": "Checked with the same rules as the 'Record a new person' form. Unless confirm_new is true, likely duplicates stop the request with 409 and the matches in possible_duplicates. Needs scope people:write.",
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PersonInput" } } } },
                    "responses": {
                        "201": {
                            "description": "Recorded",
                            "headers": { "Location": { "description": "/api/v1/people/{id}", "schema": { "type": "string" } } },
                            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Created" } } }
                        },
                        "400": error_response("The body is not a JSON object of the right shape, or has unknown fields (error: bad_request)"),
                        "401": error_response("No valid token (error: unauthorized)"),
                        "403": error_response("The token's account or scopes do not allow this (error: forbidden)"),
                        "409": error_response("This person may already be recorded (error: possible_duplicates; see possible_duplicates). Use an existing record, or resend with confirm_new: true"),
                        "422": error_response("Some fields need correcting (error: invalid; see fields)")
                    }
                }
            }));
    paths.insert("/people/{id}".into(), json!({
                "parameters": [person_id],
                "get": {
                    "operationId": "getPerson",
                    "summary": "Read a person's record, with addresses and relationships",
                    "description": "The read is recorded in the audit log. Needs scope people:read.",
                    "responses": {
                        "200": { "description": "The person", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Person" } } } },
                        "401": error_response("No valid token (error: unauthorized)"),
                        "403": error_response("The token's account or scopes do not allow this (error: forbidden)"),
                        "404": error_response("No such person, or the record was marked as entered in error (error: not_found)")
                    }
                },
                "put": {
                    "operationId": "replacePerson",
                    "summary": "Replace a person's details",
                    "description": "Send every field (absent fields are cleared) and the version you last read. If someone saved the record since, nothing is changed and the answer is 409. Needs scope people:write.",
                    "requestBody": {
                        "required": true,
                        "content": { "application/json": { "schema": {
                            "allOf": [{ "$ref": "#/components/schemas/PersonInput" }],
                            "required": ["version"]
                        } } }
                    },
                    "responses": {
                        "200": { "description": "Saved", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Saved" } } } },
                        "400": error_response("The body is not a JSON object of the right shape, or has unknown fields (error: bad_request)"),
                        "401": error_response("No valid token (error: unauthorized)"),
                        "403": error_response("The token's account or scopes do not allow this (error: forbidden)"),
                        "404": error_response("No such person (error: not_found)"),
                        "409": error_response("The version is stale, or the record is marked as entered in error (error: conflict)"),
                        "422": error_response("Some fields need correcting, or version is missing (error: invalid; see fields)")
                    }
                }
            }));
    super::openapi_front_door::add_paths(&mut paths);
    super::casework::add_paths(&mut paths);
    super::recording::add_paths(&mut paths);
    super::caseloads::add_paths(&mut paths);
    Value::Object(paths)
}

fn schemas() -> Value {
    let mut s = serde_json::Map::new();
    s.insert("Error".into(), schema_error());
    s.insert("CodeLabel".into(), schema_code_label());
    s.insert("PersonSummary".into(), schema_person_summary());
    s.insert("SearchHit".into(), schema_search_hit());
    s.insert("SearchResults".into(), schema_search_results());
    s.insert("Address".into(), schema_address());
    s.insert("Relationship".into(), schema_relationship());
    s.insert("Person".into(), schema_person());
    s.insert("PersonInput".into(), schema_person_input());
    s.insert("Created".into(), schema_created());
    s.insert("Saved".into(), schema_saved());
    super::openapi_front_door::add_schemas(&mut s);
    super::casework::add_schemas(&mut s);
    super::recording::add_schemas(&mut s);
    super::caseloads::add_schemas(&mut s);
    Value::Object(s)
}

fn schema_error() -> Value {
    json!({
        "type": "object",
        "required": ["error", "message", "fields", "request_id"],
        "properties": {
            "error": { "type": "string", "enum": [
                "unauthorized", "forbidden", "not_found", "bad_request", "invalid",
                "possible_duplicates", "conflict", "method_not_allowed", "unavailable", "internal"
            ] },
            "message": { "type": "string", "description": "Words for a person reading a log or an integration's error screen." },
            "fields": {
                "type": "array",
                "description": "For error invalid: one entry per field that needs correcting, in the order of the form.",
                "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": { "field": { "type": "string" }, "message": { "type": "string" } }
                }
            },
            "request_id": { "type": ["string", "null"], "description": "Quote this when asking for help; it finds the request in the logs and the audit log." },
            "possible_duplicates": {
                "type": "array",
                "description": "Only with error possible_duplicates.",
                "items": { "$ref": "#/components/schemas/SearchHit" }
            }
        }
    })
}

fn schema_code_label() -> Value {
    json!({
        "type": "object",
        "required": ["code", "label"],
        "properties": { "code": { "type": "string" }, "label": { "type": "string" } }
    })
}

fn schema_person_summary() -> Value {
    json!({
        "type": "object",
        "required": ["id", "local_id", "kind", "display_name", "date_of_birth", "expected_date_of_birth", "sex", "nhs_number", "entered_in_error"],
        "properties": {
            "id": { "type": "string", "format": "uuid" },
            "local_id": { "type": "string", "description": "The council's LA child ID." },
            "kind": { "type": "string", "enum": ["child", "adult"] },
            "display_name": { "type": "string" },
            "date_of_birth": nullable_date(),
            "expected_date_of_birth": nullable_date(),
            "sex": { "type": "string", "enum": ["M", "F", "U"] },
            "nhs_number": { "type": ["string", "null"], "description": "Formatted with spaces, e.g. 943 476 5919." },
            "entered_in_error": { "type": "boolean" }
        }
    })
}

fn schema_search_hit() -> Value {
    json!({
        "type": "object",
        "required": ["person", "score", "reasons"],
        "properties": {
            "person": { "$ref": "#/components/schemas/PersonSummary" },
            "score": { "type": "integer", "minimum": 0 },
            "reasons": { "type": "array", "items": { "type": "string" }, "description": "e.g. \"same NHS number\", \"similar name\"." }
        }
    })
}

fn schema_search_results() -> Value {
    json!({
        "type": "object",
        "required": ["results", "truncated"],
        "properties": {
            "results": { "type": "array", "items": { "$ref": "#/components/schemas/SearchHit" } },
            "truncated": { "type": "boolean", "description": "Many people matched; add details to narrow the search." }
        }
    })
}

fn schema_address() -> Value {
    json!({
        "type": "object",
        "required": ["id", "line1", "line2", "town", "postcode", "confidential", "from_date", "to_date", "entered_in_error"],
        "properties": {
            "id": { "type": "string", "format": "uuid" },
            "line1": { "type": "string" },
            "line2": nullable("string"),
            "town": nullable("string"),
            "postcode": nullable("string"),
            "confidential": { "type": "boolean", "description": "Must not be disclosed (for example a refuge)." },
            "from_date": nullable_date(),
            "to_date": nullable_date(),
            "entered_in_error": { "type": "boolean" }
        }
    })
}

fn schema_relationship() -> Value {
    json!({
        "type": "object",
        "required": ["id", "label", "other", "lives_together", "started_on", "ended_on", "entered_in_error"],
        "properties": {
            "id": { "type": "string", "format": "uuid" },
            "label": { "type": "string", "description": "How the other person relates to this one, e.g. Mother." },
            "other": { "$ref": "#/components/schemas/PersonSummary" },
            "lives_together": { "type": "boolean" },
            "started_on": nullable_date(),
            "ended_on": nullable_date(),
            "entered_in_error": { "type": "boolean" }
        }
    })
}

fn schema_person() -> Value {
    json!({
        "type": "object",
        "required": [
            "id", "local_id", "kind", "display_name", "given_names", "family_name", "other_names", "is_unborn",
            "date_of_birth", "expected_date_of_birth", "sex", "gender_identity", "ethnicity", "first_language",
            "interpreter_needed", "religion", "disabilities", "nhs_number", "upn", "former_upn", "date_of_death",
            "version", "entered_in_error", "created_at", "updated_at", "addresses", "relationships"
        ],
        "properties": {
            "id": { "type": "string", "format": "uuid" },
            "local_id": { "type": "string" },
            "kind": { "type": "string", "enum": ["child", "adult"] },
            "display_name": { "type": "string" },
            "given_names": nullable("string"),
            "family_name": { "type": "string" },
            "other_names": { "type": "array", "items": { "type": "string" } },
            "is_unborn": { "type": "boolean" },
            "date_of_birth": nullable_date(),
            "expected_date_of_birth": nullable_date(),
            "sex": { "type": "string", "enum": ["M", "F", "U"] },
            "gender_identity": nullable("string"),
            "ethnicity": { "oneOf": [{ "$ref": "#/components/schemas/CodeLabel" }, { "type": "null" }] },
            "first_language": nullable("string"),
            "interpreter_needed": { "type": "boolean" },
            "religion": nullable("string"),
            "disabilities": { "type": "array", "items": { "$ref": "#/components/schemas/CodeLabel" } },
            "nhs_number": { "type": ["string", "null"], "description": "10 digits, no spaces." },
            "upn": nullable("string"),
            "former_upn": nullable("string"),
            "date_of_death": nullable_date(),
            "version": { "type": "integer", "description": "Send it back with PUT." },
            "entered_in_error": {
                "oneOf": [
                    { "type": "null" },
                    { "type": "object", "required": ["at", "reason"], "properties": { "at": { "type": "string" }, "reason": { "type": "string" } } }
                ]
            },
            "created_at": { "type": "string", "description": "UTC, YYYY-MM-DDTHH:MM:SS[.ffffff]" },
            "updated_at": { "type": "string", "description": "UTC, YYYY-MM-DDTHH:MM:SS[.ffffff]" },
            "addresses": { "type": "array", "items": { "$ref": "#/components/schemas/Address" } },
            "relationships": { "type": "array", "items": { "$ref": "#/components/schemas/Relationship" } }
        }
    })
}

fn schema_person_input() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["kind", "family_name"],
        "description": "A born person needs date_of_birth; an unborn child has expected_date_of_birth and no date_of_birth (and sex U). Dates are YYYY-MM-DD.",
        "properties": {
            "kind": { "type": "string", "enum": ["child", "adult"] },
            "given_names": nullable("string"),
            "family_name": { "type": "string" },
            "other_names": { "type": ["array", "null"], "items": { "type": "string" }, "description": "Previous names and aliases, each \"Given Family\"." },
            "date_of_birth": nullable_date(),
            "expected_date_of_birth": nullable_date(),
            "sex": { "type": ["string", "null"], "enum": ["M", "F", "U", "", null], "description": "Blank means U." },
            "gender_identity": nullable("string"),
            "ethnicity": { "type": ["string", "null"], "description": "A CIN census ethnicity code, e.g. WBRI." },
            "first_language": nullable("string"),
            "interpreter_needed": nullable("boolean"),
            "religion": nullable("string"),
            "disabilities": { "type": ["array", "null"], "items": { "type": "string" }, "description": "CIN census disability codes, e.g. AUT." },
            "nhs_number": nullable("string"),
            "upn": nullable("string"),
            "former_upn": nullable("string"),
            "date_of_death": nullable_date(),
            "confirm_new": { "type": ["boolean", "null"], "description": "POST only: record the person even though possible duplicates were found." },
            "version": { "type": ["integer", "null"], "description": "PUT only (required there): the version last read." }
        }
    })
}

fn schema_created() -> Value {
    json!({
        "type": "object",
        "required": ["id", "local_id"],
        "properties": { "id": { "type": "string", "format": "uuid" }, "local_id": { "type": "string" } }
    })
}

fn schema_saved() -> Value {
    json!({
        "type": "object",
        "required": ["id", "local_id", "version"],
        "properties": { "id": { "type": "string", "format": "uuid" }, "local_id": { "type": "string" }, "version": { "type": "integer" } }
    })
}

pub async fn document() -> Response {
    Json(spec()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `$ref` points at a schema that exists.
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    if k == "$ref" {
                        if let Some(s) = v.as_str() {
                            out.push(s.to_string());
                        }
                    } else {
                        refs(v, out);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| refs(i, out)),
            _ => {}
        }
    }

    #[test]
    fn references_resolve_and_paths_match_the_router() {
        let doc = spec();
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(!found.is_empty());
        for r in found {
            let name = r.trim_start_matches("#/components/schemas/");
            assert!(
                doc["components"]["schemas"].get(name).is_some(),
                "{r} is missing"
            );
        }
        for path in [
            "/people/search",
            "/people",
            "/people/{id}",
            "/openapi.json",
            "/contacts",
            "/contacts/queue",
            "/contacts/{id}",
            "/contacts/{id}/screening",
            "/contacts/{id}/claim",
            "/contacts/{id}/release",
            "/contacts/{id}/decisions",
            "/decisions/{id}/review",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path}");
        }
    }
}

//! The front door's part of the OpenAPI document: contacts, the screening queue, claims,
//! decisions and reviews.

use serde_json::{Map, Value, json};

use super::doc::{body, id_param, ok, reference, string, with_errors};

fn errors() -> Value {
    super::doc::errors(&[
        ("401", "No valid API token."),
        (
            "403",
            "The token's user or scopes may not do this (recorded in the audit log).",
        ),
        ("404", "Not found."),
        (
            "409",
            "Someone else got there first: the contact is claimed by another person, or the decision was already reviewed.",
        ),
        ("422", "Some fields need correcting; `fields` lists them."),
    ])
}

pub fn add_paths(paths: &mut Map<String, Value>) {
    let contact_id = id_param("The contact's id (a UUID).");
    paths.insert("/contacts".into(), json!({
        "post": {
            "summary": "Record a contact",
            "description": "Checked like the 'Record a contact' form. Children are people already recorded (find or create them through /people first); none means 'child not yet identified'. A child with an open case is routed to the allocated worker. An identifiable referrer is sent a written receipt through the job queue. Needs scope contacts:write.",
            "requestBody": body("ContactInput"),
            "responses": with_errors(errors(), ("201", ok("Recorded.", "ContactCreated"))),
        }
    }));
    paths.insert("/contacts/queue".into(), json!({
        "get": {
            "summary": "The screening queue",
            "description": "Undecided contacts, most urgent deadline first, 50 a page. Needs scope contacts:read.",
            "parameters": [
                { "name": "view", "in": "query", "required": false, "schema": { "type": "string", "enum": ["screening", "manager"] }, "description": "screening (default) or manager: decisions waiting for a manager." },
                { "name": "page", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1 } },
                { "name": "office", "in": "query", "required": false, "schema": { "type": "string", "format": "uuid" } }
            ],
            "responses": with_errors(errors(), ("200", ok("One page of the queue.", "QueuePage"))),
        }
    }));
    paths.insert("/contacts/{id}".into(), json!({
        "get": {
            "summary": "Read a contact",
            "description": "The contact, its referrer, children, decisions, referrals, receipts and feedback, and out-of-hours actions. Audited against each child. Needs scope contacts:read.",
            "parameters": [contact_id],
            "responses": with_errors(errors(), ("200", ok("The contact.", "Contact"))),
        }
    }));
    paths.insert("/contacts/{id}/screening".into(), json!({
        "get": {
            "summary": "The contact with each child's history at a glance",
            "parameters": [contact_id],
            "responses": with_errors(errors(), ("200", ok("What screening shows.", "ScreeningContext"))),
        }
    }));
    for (path, summary) in [
        ("/contacts/{id}/claim", "Claim a contact for screening"),
        (
            "/contacts/{id}/release",
            "Give a claimed contact back to the queue",
        ),
    ] {
        paths.insert(path.into(), json!({
            "post": {
                "summary": summary,
                "description": "Of two people claiming at once exactly one wins; the other gets 409 naming who holds it. Needs scope contacts:write.",
                "parameters": [contact_id],
                "responses": with_errors(errors(), ("200", ok("Done.", "Claim"))),
            }
        }));
    }
    paths.insert("/contacts/{id}/decisions".into(), json!({
        "post": {
            "summary": "Record a screening decision",
            "description": "You must hold the claim. Records the threshold version you were shown, the level, indicators and rationale. An outcome that does not fit the level needs override_reason. Outcomes set as needing a manager wait for one (status awaiting_authorisation). Needs scope contacts:write.",
            "parameters": [contact_id],
            "requestBody": body("DecisionInput"),
            "responses": with_errors(errors(), ("201", ok("Recorded.", "DecisionCreated"))),
        }
    }));
    paths.insert("/decisions/{id}/review".into(), json!({
        "post": {
            "summary": "Authorise a decision, or return it with comments",
            "description": "For team and service managers. Returning needs comments and puts the contact back with its screener. Needs scope contacts:write.",
            "parameters": [id_param("The decision's id (a UUID).")],
            "requestBody": body("ReviewInput"),
            "responses": with_errors(errors(), ("200", ok("Reviewed.", "Reviewed"))),
        }
    }));
}

fn strings(description: &str) -> Value {
    json!({ "type": "array", "items": { "type": "string" }, "description": description })
}

pub fn add_schemas(s: &mut Map<String, Value>) {
    s.insert("ContactInput".into(), json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["channel", "referrer", "concern", "categories", "consent"],
        "properties": {
            "received_at": { "type": "string", "format": "date-time", "description": "When the front door received it; absent means now. More than 30 minutes ago needs backdate_reason." },
            "backdate_reason": string("Why it is recorded late."),
            "channel": { "type": "string", "enum": ["phone", "email", "online_form", "police_notification", "letter", "in_person", "out_of_hours"] },
            "referrer": {
                "type": "object",
                "additionalProperties": false,
                "required": ["kind"],
                "properties": {
                    "kind": { "type": "string", "enum": ["professional", "family", "member_of_public", "self", "anonymous"] },
                    "name": string("Required unless anonymous."),
                    "role": string("Their role."),
                    "organisation": string("Required for professionals."),
                    "agency": string("Agency type code (school, gp, police …); decides the CIN referral source."),
                    "phone": string("Phone number."),
                    "email": string("Where the receipt and feedback are emailed."),
                    "address": string("Postal address for letters."),
                    "wants_feedback": { "type": "boolean", "description": "Professionals always get feedback." }
                }
            },
            "children": strings("Ids of the children the contact is about (people already recorded)."),
            "household": { "type": "array", "items": { "type": "object", "additionalProperties": false, "properties": {
                "person_id": { "type": ["string", "null"] }, "name": { "type": "string" }, "relationship": { "type": "string" }, "notes": { "type": "string" } } } },
            "concern": string("The concern in the referrer's words."),
            "categories": strings("Concern category codes (physical_abuse, neglect, domestic_abuse …)."),
            "consent": { "type": "string", "enum": ["given", "not_sought", "refused"] },
            "consent_reason": string("Required when consent was not sought."),
            "immediate_safety": { "type": "boolean", "description": "The child may not be safe now (rates the contact red unless rag is given)." },
            "rag": { "type": "string", "enum": ["", "red", "amber", "green"] },
            "office_id": string("Receiving office; default the caller's team's office.")
        }
    }));
    s.insert("ContactCreated".into(), json!({
        "type": "object", "required": ["id", "reference"],
        "properties": { "id": { "type": "string", "format": "uuid" }, "reference": { "type": "string", "description": "e.g. CT-2026-000123" } }
    }));
    s.insert("Contact".into(), json!({
        "type": "object",
        "description": "The stored contact and what followed from it.",
        "properties": {
            "contact": { "type": "object", "description": "reference, received_at, channel, referral_source, concern, categories, consent, rag, status, decision_due_at, claimed_by …" },
            "referrer": { "type": "object" },
            "children": { "type": "array", "items": { "type": "object" } },
            "household": { "type": "array", "items": { "type": "object" } },
            "decisions": { "type": "array", "items": { "type": "object" } },
            "referrals": { "type": "array", "items": { "type": "object" } },
            "messages": { "type": "array", "items": { "type": "object" }, "description": "Receipts and feedback with their delivery status." },
            "out_of_hours_actions": { "type": "array", "items": {} }
        }
    }));
    s.insert("ScreeningContext".into(), json!({
        "type": "object",
        "properties": {
            "contact": reference("Contact"),
            "histories": { "type": "array", "items": { "type": "object" }, "description": "Per child: contacts and referrals in the last 12 months, episodes, siblings' involvement." },
            "held_by_me": { "type": "boolean" }
        }
    }));
    s.insert("QueuePage".into(), json!({
        "type": "object",
        "properties": {
            "rows": { "type": "array", "items": { "type": "object", "properties": {
                "contact_id": { "type": "string" }, "reference": { "type": "string" }, "received_at": { "type": "string" },
                "rag": { "type": "string" }, "due_at": { "type": "string" }, "minutes_left": { "type": "integer" },
                "claimed_by": { "type": ["string", "null"] }, "children": { "type": "array", "items": { "type": "object" } } } } },
            "total": { "type": "integer" }, "page": { "type": "integer" }, "pages": { "type": "integer" }
        }
    }));
    s.insert(
        "Claim".into(),
        json!({ "type": "object", "properties": { "claimed": { "type": "boolean" } } }),
    );
    s.insert("DecisionInput".into(), json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["threshold_document_id", "level_id", "rationale", "rag", "outcome"],
        "properties": {
            "threshold_document_id": string("The threshold document version you were shown."),
            "level_id": string("The level of need."),
            "indicator_ids": strings("Indicators that apply."),
            "rationale": string("Why (required)."),
            "rag": { "type": "string", "enum": ["red", "amber", "green"] },
            "outcome": { "type": "string", "enum": ["no_further_action", "information_advice", "early_help", "referral", "strategy_discussion"] },
            "early_help_service": string("Required for early_help."),
            "override_reason": string("Required when the outcome does not fit the level."),
            "receiving_team_id": string("Required for referral and strategy_discussion."),
            "receiving_worker_id": string("Optional named worker in that team."),
            "primary_need": string("Provisional CIN primary need code (N1–N9), required for referrals."),
            "children": strings("Contact-child ids covered; empty means all waiting.")
        }
    }));
    s.insert("DecisionCreated".into(), json!({
        "type": "object",
        "properties": { "id": { "type": "string", "format": "uuid" }, "status": { "type": "string", "enum": ["final", "awaiting_authorisation"] } }
    }));
    s.insert("ReviewInput".into(), json!({
        "type": "object", "additionalProperties": false, "required": ["action"],
        "properties": { "action": { "type": "string", "enum": ["authorise", "return"] }, "comments": string("Required when returning.") }
    }));
    s.insert("Reviewed".into(), json!({
        "type": "object", "properties": { "decision_id": { "type": "string" }, "action": { "type": "string" } }
    }));
}

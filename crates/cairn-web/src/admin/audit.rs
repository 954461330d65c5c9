//! "Who has viewed or changed this person": the audit log, filtered, newest first.

use std::collections::HashMap;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use cairn_core::audit_view;
use cairn_db::audit::{AuditFilter, AuditRow, Outcome};
use cairn_domain::dates::parse_iso_date;
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;
use chrono::{Days, NaiveDate, NaiveDateTime};
use serde_json::Value;

use super::gate;
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::{CurrentUser, render_with};
use crate::state::AppState;

/// Rows per page.
pub const PAGE_SIZE: i64 = 50;

/// The "kind of action" choices: an action prefix and what it means.
pub const KINDS: &[(&str, &str)] = &[
    ("person.view", "Views of a person's record"),
    ("person.update", "Changes to a person's details"),
    ("person.create", "People recorded"),
    (
        "person.",
        "Anything about people (views, changes, addresses, relationships)",
    ),
    ("person.search", "Searches for people"),
    ("access.denied", "Refused access"),
    ("auth.", "Signing in and out"),
    ("user.", "Account changes"),
    // "api" rather than "api_token.": the storage filter drops `_` from prefixes (see
    // `cairn_db::audit::escape_like`), and this also catches refused tokens (api.authenticate).
    ("api", "API tokens: created, revoked or refused"),
    ("audit.view", "Looking at the audit log"),
];

pub const OUTCOMES: &[(&str, &str)] = &[
    ("ok", "Succeeded"),
    ("denied", "Refused"),
    ("failed", "Failed"),
];

/// Words for an audit action, for people reading the log.
pub fn action_label(action: &str) -> String {
    let known = match action {
        "person.view" => "Viewed the record",
        "person.search" => "Searched for people",
        "person.duplicate_check" => "Checked for duplicates before recording a person",
        "person.create" => "Recorded a new person",
        "person.update" => "Changed the person's details",
        "person.entered_in_error" => "Marked the record as entered in error",
        "person.address_add" => "Added an address",
        "person.relationship_add" => "Added a relationship",
        "person.relationship_entered_in_error" => "Marked a relationship as entered in error",
        "access.denied" => "Was refused access",
        "auth.sign_in" => "Signed in",
        "auth.sign_out" => "Signed out",
        "auth.locked_out" => "Account locked after failed sign-ins",
        "api.authenticate" => "API token refused",
        "user.create" => "Added an account",
        "user.update" => "Changed an account",
        "user.enable" => "Enabled an account",
        "user.disable" => "Disabled an account",
        "user.password_reset" => "Reset an account's password",
        "user.password_changed" => "Changed their password",
        "office.create" => "Added an office or service",
        "team.create" => "Added a team",
        "team.update" => "Changed a team",
        "api_token.create" => "Created an API token",
        "api_token.revoke" => "Revoked an API token",
        "audit.view" => "Looked at the audit log",
        _ => "",
    };
    if known.is_empty() {
        action.to_string()
    } else {
        known.to_string()
    }
}

pub fn outcome_tag(outcome: &str) -> (&'static str, &'static str) {
    match outcome {
        "ok" => ("Succeeded", "govuk-tag--green"),
        "denied" => ("Refused", "govuk-tag--red"),
        "failed" => ("Failed", "govuk-tag--orange"),
        _ => ("Unknown", "govuk-tag--grey"),
    }
}

/// "family_name" → "Family name"; identifiers keep their capitals.
pub fn field_label(field: &str) -> String {
    match field {
        "nhs_number" => return "NHS number".into(),
        "upn" => return "UPN".into(),
        "former_upn" => return "Former UPN".into(),
        "team_id" => return "Team".into(),
        "office_id" => return "Office".into(),
        "display_name" => return "Full name".into(),
        "email" => return "Email address".into(),
        "access_expires_on" => return "Access end date".into(),
        _ => {}
    }
    let words = field.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

fn value_text(v: &Value) -> String {
    let text = match v {
        Value::Null => "(blank)".to_string(),
        Value::String(s) if s.is_empty() => "(blank)".to_string(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        other => other.to_string(),
    };
    truncate(&text, 200)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() > max {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    } else {
        s.to_string()
    }
}

/// "Family name: Smith → Smyth", one line per changed field.
pub fn change_lines(detail: &Value) -> Vec<String> {
    detail
        .get("changes")
        .and_then(Value::as_array)
        .map(|changes| {
            changes
                .iter()
                .map(|c| {
                    let field = c.get("field").and_then(Value::as_str).unwrap_or("?");
                    let before = c.get("before").unwrap_or(&Value::Null);
                    let after = c.get("after").unwrap_or(&Value::Null);
                    format!(
                        "{}: {} → {}",
                        field_label(field),
                        value_text(before),
                        value_text(after)
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Other details of a row (purpose of a view, reason for a refusal…), as "Key: value" lines.
pub fn other_lines(detail: &Value) -> Vec<String> {
    detail
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| k.as_str() != "changes")
                .map(|(k, v)| format!("{}: {}", field_label(k), value_text(v)))
                .collect()
        })
        .unwrap_or_default()
}

pub struct AuditLine {
    pub seq: i64,
    pub when: String,
    pub who: String,
    pub action: String,
    pub outcome: (&'static str, &'static str),
    pub record: String,
    pub record_href: String,
    pub changes: Vec<String>,
    pub notes: Vec<String>,
    pub request_id: String,
}

#[derive(askama::Template)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub layout: Layout,
    pub errors: Errors,
    pub person: String,
    pub user: String,
    pub kind: String,
    pub outcome: String,
    pub from_date: String,
    pub to_date: String,
    pub kinds: Vec<(String, String)>,
    pub outcomes: Vec<(String, String)>,
    /// The person the log is filtered to, as "Amelia Hughes (C0000123)".
    pub subject: String,
    pub subject_href: String,
    pub lines: Vec<AuditLine>,
    pub older_href: String,
    pub newest_href: String,
}

/// The filters as typed, checked where no database is needed.
struct Typed {
    person: String,
    user: String,
    kind: String,
    outcome: Option<Outcome>,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
    before: Option<i64>,
}

fn parse_date(
    value: &str,
    field: &str,
    label: &str,
    errors: &mut FieldErrors,
) -> Option<NaiveDate> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    parse_iso_date(value)
        .map_err(|_| {
            errors.push(
                field,
                format!("{label} must be a real date in the form YYYY-MM-DD, like 2025-03-31"),
            )
        })
        .ok()
}

fn typed_filters(q: &FormData, errors: &mut FieldErrors) -> Typed {
    let kind = q.get("kind").trim().to_string();
    if !kind.is_empty() && !KINDS.iter().any(|(k, _)| *k == kind) {
        errors.push("kind", "Select a kind of action from the list");
    }
    let outcome = match q.get("outcome").trim() {
        "" => None,
        "ok" => Some(Outcome::Ok),
        "denied" => Some(Outcome::Denied),
        "failed" => Some(Outcome::Failed),
        _ => {
            errors.push("outcome", "Select an outcome from the list");
            None
        }
    };
    let from = parse_date(q.get("from_date"), "from_date", "Date from", errors);
    let to = parse_date(q.get("to_date"), "to_date", "Date to", errors);
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        errors.push("to_date", "Date to must be the same as or after date from");
    }
    Typed {
        person: q.get("person").trim().chars().take(64).collect(),
        user: q.get("user").trim().chars().take(64).collect(),
        kind,
        outcome,
        from: from.map(|d| d.and_time(chrono::NaiveTime::MIN)),
        // "To" is inclusive: everything before the start of the next day.
        to: to
            .and_then(|d| d.checked_add_days(Days::new(1)))
            .map(|d| d.and_time(chrono::NaiveTime::MIN)),
        before: q
            .get("before")
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0),
    }
}

/// What the database part of the page found.
struct Found {
    errors: FieldErrors,
    rows: Vec<AuditRow>,
    subject: Option<(String, String)>,
    people: HashMap<String, String>,
    users: HashMap<String, String>,
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let mut errors = FieldErrors::default();
    let typed = typed_filters(&query, &mut errors);
    let actor = user.actor.clone();
    let (person_text, user_text) = (typed.person.clone(), typed.user.clone());
    let (kind, outcome, from, to, before) = (
        typed.kind.clone(),
        typed.outcome,
        typed.from,
        typed.to,
        typed.before,
    );
    let found = state
        .db(move |c| {
            gate(c, &actor, Action::ViewAuditLog)?;
            let mut errors = errors;
            let person_id = if person_text.is_empty() {
                None
            } else if let Ok(uuid) = uuid::Uuid::parse_str(&person_text) {
                Some(uuid.hyphenated().to_string())
            } else {
                let found = cairn_db::people::candidates::by_local_id(c, &person_text.to_ascii_uppercase())?;
                match found.first() {
                    Some(p) => Some(p.id.clone()),
                    None => {
                        errors.push("person", "No one has that LA child ID. Check it, or enter the person's record ID");
                        None
                    }
                }
            };
            let actor_user_id = if user_text.is_empty() {
                None
            } else {
                match cairn_db::users::find_by_username(c, &cairn_core::auth::normalise_username(&user_text))? {
                    Some(u) => Some(u.id),
                    None => {
                        errors.push("user", "No account has that username");
                        None
                    }
                }
            };
            if !errors.is_empty() {
                return Ok(Found { errors, rows: Vec::new(), subject: None, people: HashMap::new(), users: HashMap::new() });
            }
            let filter = AuditFilter {
                person_id: person_id.clone(),
                actor_user_id,
                action_prefix: (!kind.is_empty()).then_some(kind),
                outcome,
                from,
                to,
                before_seq: before,
                // One more than a page, to know whether there are older entries.
                limit: PAGE_SIZE + 1,
            };
            let rows = audit_view::list(c, &actor, &filter)?;
            let mut person_ids: Vec<String> = rows.iter().filter_map(|r| r.person_id.clone()).collect();
            person_ids.extend(person_id.clone());
            person_ids.sort();
            person_ids.dedup();
            let people: HashMap<String, String> = cairn_db::people::find_many(c, &person_ids)?
                .iter()
                .map(|p| (p.id.clone(), format!("{} ({})", cairn_core::people::display_name_of(p), p.local_id)))
                .collect();
            let users: HashMap<String, String> = cairn_db::users::list(c)?
                .into_iter()
                .map(|u| (u.id, u.username))
                .collect();
            let subject = person_id.map(|id| {
                let name = people.get(&id).cloned().unwrap_or_else(|| format!("person {id}"));
                (id, name)
            });
            Ok(Found { errors, rows, subject, people, users })
        })
        .await?;

    let mut rows = found.rows;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let lines = rows
        .iter()
        .map(|r| line(r, &found.people, &found.users))
        .collect::<Vec<_>>();
    let paging = |before: Option<i64>| {
        let mut pairs: Vec<(&str, String)> =
            ["person", "user", "kind", "outcome", "from_date", "to_date"]
                .iter()
                .map(|k| (*k, query.get(k).trim().to_string()))
                .filter(|(_, v)| !v.is_empty())
                .collect();
        if let Some(b) = before {
            pairs.push(("before", b.to_string()));
        }
        format!(
            "/admin/audit?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    };
    let older_href = match (more, rows.last()) {
        (true, Some(last)) => paging(Some(last.seq)),
        _ => String::new(),
    };
    let newest_href = if typed.before.is_some() {
        paging(None)
    } else {
        String::new()
    };
    let errors = Errors::from_fields(&found.errors);
    let (subject_href, subject) = found
        .subject
        .map(|(id, name)| (format!("/people/{id}"), name))
        .unwrap_or_default();
    let title = if subject.is_empty() {
        "Audit log".to_string()
    } else {
        format!("Who has viewed or changed {subject}")
    };
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = AuditPage {
        layout: user.layout(format!("{}{title}", errors.title_prefix()), "audit"),
        errors,
        person: typed.person,
        user: typed.user,
        kind: typed.kind,
        outcome: query.get("outcome").trim().to_string(),
        from_date: query.get("from_date").trim().to_string(),
        to_date: query.get("to_date").trim().to_string(),
        kinds: KINDS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        outcomes: OUTCOMES
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        subject,
        subject_href,
        lines,
        older_href,
        newest_href,
    };
    Ok(render_with(status, &page))
}

fn line(
    r: &AuditRow,
    people: &HashMap<String, String>,
    users: &HashMap<String, String>,
) -> AuditLine {
    let detail = r.detail_json();
    let (record, record_href) = match (r.entity_type.as_deref(), r.entity_id.as_deref()) {
        (Some("person"), Some(id)) => (
            people
                .get(id)
                .cloned()
                .unwrap_or_else(|| format!("Person {id}")),
            format!("/people/{id}"),
        ),
        (Some("user"), Some(id)) => (
            format!(
                "Account {}",
                users.get(id).cloned().unwrap_or_else(|| id.to_string())
            ),
            format!("/admin/users/{id}"),
        ),
        (Some("team"), Some(id)) => (format!("Team {id}"), format!("/admin/teams/{id}")),
        (Some(kind), Some(id)) => (format!("{} {id}", field_label(kind)), String::new()),
        _ => match r.person_id.as_deref() {
            Some(id) => (
                people
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| format!("Person {id}")),
                format!("/people/{id}"),
            ),
            None => (String::new(), String::new()),
        },
    };
    let changes = change_lines(&detail);
    let notes = if changes.is_empty() {
        other_lines(&detail)
    } else {
        Vec::new()
    };
    AuditLine {
        seq: r.seq,
        when: r.at.format("%d/%m/%Y %H:%M:%S").to_string(),
        who: r.actor_label.clone(),
        action: action_label(&r.action),
        outcome: outcome_tag(&r.outcome),
        record,
        record_href,
        changes,
        notes,
        request_id: r.request_id.clone().unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn actions_have_words_and_unknown_ones_show_as_recorded() {
        assert_eq!(action_label("person.view"), "Viewed the record");
        assert_eq!(action_label("access.denied"), "Was refused access");
        assert_eq!(action_label("something.new"), "something.new");
        for (prefix, _) in KINDS {
            assert!(!prefix.is_empty());
            assert!(
                !prefix.contains(['_', '%', '\\']),
                "{prefix} would not match literally"
            );
        }
    }

    #[test]
    fn changes_read_as_field_before_and_after() {
        let detail = json!({"changes": [
            {"field": "family_name", "before": "Smith", "after": "Smyth"},
            {"field": "nhs_number", "before": null, "after": "9434765919"},
            {"field": "interpreter_needed", "before": false, "after": true},
        ]});
        assert_eq!(
            change_lines(&detail),
            vec![
                "Family name: Smith → Smyth",
                "NHS number: (blank) → 9434765919",
                "Interpreter needed: no → yes",
            ]
        );
        assert!(change_lines(&json!({"purpose": "page"})).is_empty());
        assert_eq!(
            other_lines(&json!({"purpose": "api"})),
            vec!["Purpose: api"]
        );
    }

    #[test]
    fn long_values_are_cut_short() {
        let long = "x".repeat(500);
        let lines =
            change_lines(&json!({"changes": [{"field": "religion", "before": long, "after": ""}]}));
        assert!(lines[0].chars().count() < 230, "{}", lines[0]);
        assert!(lines[0].ends_with("(blank)"));
    }

    #[test]
    fn dates_are_checked_and_to_is_inclusive() {
        let mut errors = FieldErrors::default();
        let t = typed_filters(
            &FormData::parse(
                b"from_date=2025-03-01&to_date=2025-03-31&kind=person.view&outcome=denied",
            ),
            &mut errors,
        );
        assert!(errors.is_empty());
        assert_eq!(
            t.to.map(|d| d.to_string()),
            Some("2025-04-01 00:00:00".to_string())
        );
        assert_eq!(t.outcome, Some(Outcome::Denied));

        let mut errors = FieldErrors::default();
        typed_filters(
            &FormData::parse(b"from_date=31%2F03%2F2025&kind=drop+table&outcome=maybe"),
            &mut errors,
        );
        assert_eq!(
            errors
                .for_field("from_date")
                .map(|m| m.starts_with("Date from must be a real date")),
            Some(true)
        );
        assert!(errors.for_field("kind").is_some());
        assert!(errors.for_field("outcome").is_some());

        let mut errors = FieldErrors::default();
        typed_filters(
            &FormData::parse(b"from_date=2025-04-01&to_date=2025-03-01"),
            &mut errors,
        );
        assert!(errors.for_field("to_date").is_some());
    }
}

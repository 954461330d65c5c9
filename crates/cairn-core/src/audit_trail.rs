//! Building audit rows from an actor and what happened.

use cairn_db::audit::{self, NewAuditEntry, Outcome};
use cairn_db::{DbConn, DbError};
use serde_json::{Value, json};

use crate::actor::Actor;

/// One changed field, as shown on the "who has viewed or changed this person" page.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Value,
    pub after: Value,
}

/// The fields that differ between two JSON objects (top level), in key order.
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    let empty = serde_json::Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let bv = b.get(k).cloned().unwrap_or(Value::Null);
            let av = a.get(k).cloned().unwrap_or(Value::Null);
            (bv != av).then(|| FieldChange {
                field: k.clone(),
                before: bv,
                after: av,
            })
        })
        .collect()
}

pub struct Record<'a> {
    pub action: &'a str,
    pub outcome: Outcome,
    pub entity_type: Option<&'a str>,
    pub entity_id: Option<&'a str>,
    pub person_id: Option<&'a str>,
    pub detail: Value,
}

impl<'a> Record<'a> {
    pub fn ok(action: &'a str) -> Record<'a> {
        Record {
            action,
            outcome: Outcome::Ok,
            entity_type: None,
            entity_id: None,
            person_id: None,
            detail: json!({}),
        }
    }

    pub fn on(mut self, entity_type: &'a str, entity_id: &'a str) -> Self {
        self.entity_type = Some(entity_type);
        self.entity_id = Some(entity_id);
        self
    }

    pub fn person(mut self, person_id: &'a str) -> Self {
        self.person_id = Some(person_id);
        self
    }

    pub fn detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }

    pub fn changes(self, changes: &[FieldChange]) -> Self {
        self.detail(json!({ "changes": changes }))
    }

    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }
}

pub fn write(conn: &mut DbConn, actor: &Actor, record: Record<'_>) -> Result<i64, DbError> {
    audit::append(
        conn,
        &NewAuditEntry {
            actor_user_id: actor.user_id_string(),
            actor_label: actor.username.clone(),
            session_id: actor.session_id.clone(),
            request_id: actor.request_id.clone(),
            action: record.action.to_string(),
            outcome: record.outcome,
            entity_type: record.entity_type.map(str::to_string),
            entity_id: record.entity_id.map(str::to_string),
            person_id: record.person_id.map(str::to_string),
            detail: record.detail,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_lists_only_changed_fields() {
        let changes = diff(
            &json!({"family_name": "Smith", "sex": "F", "nhs": null}),
            &json!({"family_name": "Smyth", "sex": "F", "upn": "A1"}),
        );
        let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, vec!["family_name", "upn"]);
        assert_eq!(changes[0].before, json!("Smith"));
        assert_eq!(changes[0].after, json!("Smyth"));
    }
}

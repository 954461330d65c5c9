//! Running a service: one write transaction for the change, its events and its audit row; and
//! a denial recorded in its own transaction after the change has rolled back.

use cairn_db::DbConn;
use cairn_db::audit::Outcome;
use serde_json::json;

use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::error::ServiceError;

pub fn write<T>(
    conn: &mut DbConn,
    actor: &Actor,
    f: impl FnOnce(&mut DbConn) -> Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    let result = conn.write(f);
    record_denial(conn, actor, &result);
    result
}

/// Reads that need no audit row (lists of reference data, the actor's own account).
pub fn read<T>(
    conn: &mut DbConn,
    actor: &Actor,
    f: impl FnOnce(&mut DbConn) -> Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    let result = conn.read(f);
    record_denial(conn, actor, &result);
    result
}

/// Checks a permission before any transaction starts; a refusal is audited like any other.
pub fn require(
    conn: &mut DbConn,
    actor: &Actor,
    action: cairn_domain::policy::Action,
) -> Result<(), ServiceError> {
    let result: Result<(), ServiceError> = actor.require(action).map_err(ServiceError::from);
    record_denial(conn, actor, &result);
    result
}

/// Like [`require`], for an action on one person's record: the refusal names the person, so it
/// appears on the "who has viewed or changed this person" page.
pub fn require_on_person(
    conn: &mut DbConn,
    actor: &Actor,
    action: cairn_domain::policy::Action,
    person_id: &str,
) -> Result<(), ServiceError> {
    let result = if actor.may(action) {
        Ok(())
    } else {
        Err(ServiceError::denied_on_person(action, person_id))
    };
    record_denial(conn, actor, &result);
    result
}

fn record_denial<T>(conn: &mut DbConn, actor: &Actor, result: &Result<T, ServiceError>) {
    if let Err(ServiceError::Denied {
        action,
        entity_type,
        entity_id,
        person_id,
    }) = result
    {
        let action_name = format!("{action:?}");
        let written = conn.write(|c| {
            audit_trail::write(
                c,
                actor,
                Record {
                    action: "access.denied",
                    outcome: Outcome::Denied,
                    entity_type: entity_type.as_deref(),
                    entity_id: entity_id.as_deref(),
                    person_id: person_id.as_deref(),
                    detail: json!({ "attempted": action_name, "role": actor.role.code() }),
                },
            )
        });
        if let Err(e) = written {
            // Never hide the denial from the user because its audit row failed; say so loudly.
            tracing::error!(error = %e, "could not record a denied access in the audit log");
        }
    }
}

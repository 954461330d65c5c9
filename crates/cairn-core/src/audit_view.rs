//! The administrator's view of the audit log: who has viewed or changed a person.

use cairn_db::DbConn;
use cairn_db::audit::{self, AuditFilter, AuditRow, VerifyReport};
use cairn_domain::policy::Action;
use serde_json::json;

use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::error::ServiceResult;
use crate::tx;

/// Lists audit rows; looking at the audit log is itself audited.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &AuditFilter,
) -> ServiceResult<Vec<AuditRow>> {
    tx::write(conn, actor, |c| {
        actor.require(Action::ViewAuditLog)?;
        let rows = audit::list(c, filter)?;
        let mut record = Record::ok("audit.view").detail(json!({
            "actor_filter": filter.actor_user_id,
            "action_filter": filter.action_prefix,
            "results": rows.len(),
        }));
        if let Some(p) = &filter.person_id {
            record = record.person(p);
        }
        audit_trail::write(c, actor, record)?;
        Ok(rows)
    })
}

pub fn verify(conn: &mut DbConn, progress: impl FnMut(u64)) -> ServiceResult<VerifyReport> {
    Ok(audit::verify(conn, progress)?)
}

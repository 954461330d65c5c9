//! The append-only, hash-chained audit log.
//!
//! Each row's hash covers its own fields and the previous row's hash, so changing or removing any
//! row breaks every link after it. The database refuses UPDATE and DELETE on the table (triggers
//! in both migration trees); [`verify`] walks the chain and reports the first broken link.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{audit_chain_head, audit_log};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Outcome {
    Ok,
    Denied,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// What a caller records; sequence, time and hashes are added by [`append`].
#[derive(Clone, Debug)]
pub struct NewAuditEntry {
    pub actor_user_id: Option<String>,
    pub actor_label: String,
    pub session_id: Option<String>,
    pub request_id: Option<String>,
    pub action: String,
    pub outcome: Outcome,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub person_id: Option<String>,
    pub detail: serde_json::Value,
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<String>,
    pub actor_label: String,
    pub session_id: Option<String>,
    pub request_id: Option<String>,
    pub action: String,
    pub outcome: String,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub person_id: Option<String>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f";

#[allow(clippy::too_many_arguments)]
fn row_hash(
    seq: i64,
    at: NaiveDateTime,
    actor_user_id: Option<&str>,
    actor_label: &str,
    session_id: Option<&str>,
    request_id: Option<&str>,
    action: &str,
    outcome: &str,
    entity_type: Option<&str>,
    entity_id: Option<&str>,
    person_id: Option<&str>,
    detail: &str,
    prev_hash: &str,
) -> String {
    // A JSON array is an unambiguous encoding: no field can run into the next.
    let canonical = serde_json::json!([
        seq,
        at.format(TIME_FORMAT).to_string(),
        actor_user_id,
        actor_label,
        session_id,
        request_id,
        action,
        outcome,
        entity_type,
        entity_id,
        person_id,
        detail,
        prev_hash
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

impl AuditRow {
    fn computed_hash(&self) -> String {
        row_hash(
            self.seq,
            self.at,
            self.actor_user_id.as_deref(),
            &self.actor_label,
            self.session_id.as_deref(),
            self.request_id.as_deref(),
            &self.action,
            &self.outcome,
            self.entity_type.as_deref(),
            self.entity_id.as_deref(),
            self.person_id.as_deref(),
            &self.detail,
            &self.prev_hash,
        )
    }

    pub fn detail_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.detail).unwrap_or(serde_json::Value::Null)
    }
}

/// Appends one row. Call it inside the same write transaction as the change it records.
pub fn append(conn: &mut DbConn, entry: &NewAuditEntry) -> Result<i64, DbError> {
    // Claiming the next sequence number locks the head row until commit (PostgreSQL) or runs
    // inside the single writer (SQLite), so appends are serialised and the chain cannot fork.
    let (seq, prev_hash): (i64, String) = diesel::update(audit_chain_head::table.find(1))
        .set(audit_chain_head::seq.eq(audit_chain_head::seq + 1))
        .returning((audit_chain_head::seq, audit_chain_head::hash))
        .get_result(conn)?;
    let at = crate::now();
    let detail = entry.detail.to_string();
    let hash = row_hash(
        seq,
        at,
        entry.actor_user_id.as_deref(),
        &entry.actor_label,
        entry.session_id.as_deref(),
        entry.request_id.as_deref(),
        &entry.action,
        entry.outcome.as_str(),
        entry.entity_type.as_deref(),
        entry.entity_id.as_deref(),
        entry.person_id.as_deref(),
        &detail,
        &prev_hash,
    );
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::seq.eq(seq),
            audit_log::at.eq(at),
            audit_log::actor_user_id.eq(entry.actor_user_id.as_deref()),
            audit_log::actor_label.eq(&entry.actor_label),
            audit_log::session_id.eq(entry.session_id.as_deref()),
            audit_log::request_id.eq(entry.request_id.as_deref()),
            audit_log::action.eq(&entry.action),
            audit_log::outcome.eq(entry.outcome.as_str()),
            audit_log::entity_type.eq(entry.entity_type.as_deref()),
            audit_log::entity_id.eq(entry.entity_id.as_deref()),
            audit_log::person_id.eq(entry.person_id.as_deref()),
            audit_log::detail.eq(&detail),
            audit_log::prev_hash.eq(&prev_hash),
            audit_log::hash.eq(&hash),
        ))
        .execute(conn)?;
    diesel::update(audit_chain_head::table.find(1))
        .set(audit_chain_head::hash.eq(&hash))
        .execute(conn)?;
    Ok(seq)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    pub rows_checked: u64,
    pub last_seq: i64,
    pub first_broken: Option<BrokenLink>,
}

const VERIFY_PAGE: i64 = 10_000;

/// Walks the whole chain in sequence order. `progress` is called after each page with the
/// number of rows checked so far, so a long verification can show it is moving.
pub fn verify(conn: &mut DbConn, mut progress: impl FnMut(u64)) -> Result<VerifyReport, DbError> {
    let genesis: String = "0".repeat(64);
    let mut expected_prev = genesis;
    let mut expected_seq: i64 = 1;
    let mut checked: u64 = 0;
    loop {
        let page: Vec<AuditRow> = audit_log::table
            .filter(audit_log::seq.ge(expected_seq))
            .order(audit_log::seq.asc())
            .limit(VERIFY_PAGE)
            .select(AuditRow::as_select())
            .load(conn)?;
        if page.is_empty() {
            break;
        }
        for row in &page {
            let broken = if row.seq != expected_seq {
                Some(format!("row {} is missing", expected_seq))
            } else if row.prev_hash != expected_prev {
                Some("its previous-hash does not match the row before it".to_string())
            } else if row.computed_hash() != row.hash {
                Some("its contents do not match its hash".to_string())
            } else {
                None
            };
            if let Some(reason) = broken {
                return Ok(VerifyReport {
                    rows_checked: checked,
                    last_seq: expected_seq - 1,
                    first_broken: Some(BrokenLink {
                        seq: expected_seq.min(row.seq),
                        reason,
                    }),
                });
            }
            expected_prev = row.hash.clone();
            expected_seq += 1;
            checked += 1;
        }
        progress(checked);
    }
    let (head_seq, head_hash): (i64, String) = audit_chain_head::table
        .find(1)
        .select((audit_chain_head::seq, audit_chain_head::hash))
        .first(conn)?;
    let first_broken = if head_seq != expected_seq - 1 {
        Some(BrokenLink {
            seq: expected_seq,
            reason: format!(
                "the chain head records {head_seq} rows but {} were found",
                expected_seq - 1
            ),
        })
    } else if head_hash != expected_prev {
        Some(BrokenLink {
            seq: head_seq,
            reason: "the chain head's hash does not match the last row".to_string(),
        })
    } else {
        None
    };
    Ok(VerifyReport {
        rows_checked: checked,
        last_seq: expected_seq - 1,
        first_broken,
    })
}

/// Which rows the administrator's audit view asks for.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub person_id: Option<String>,
    pub actor_user_id: Option<String>,
    /// "view", "change", "search", "denied" and similar families of actions.
    pub action_prefix: Option<String>,
    pub outcome: Option<Outcome>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    /// Rows older than this sequence number (for paging back through history).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

pub fn list(conn: &mut DbConn, filter: &AuditFilter) -> Result<Vec<AuditRow>, DbError> {
    let mut query = audit_log::table.into_boxed();
    if let Some(p) = &filter.person_id {
        query = query.filter(audit_log::person_id.eq(p.clone()));
    }
    if let Some(a) = &filter.actor_user_id {
        query = query.filter(audit_log::actor_user_id.eq(a.clone()));
    }
    if let Some(prefix) = &filter.action_prefix {
        query = query.filter(
            audit_log::action
                .like(format!("{}%", escape_like(prefix)))
                .escape('\\'),
        );
    }
    if let Some(o) = filter.outcome {
        query = query.filter(audit_log::outcome.eq(o.as_str()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_log::at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_log::at.lt(to));
    }
    if let Some(before) = filter.before_seq {
        query = query.filter(audit_log::seq.lt(before));
    }
    Ok(query
        .order(audit_log::seq.desc())
        .limit(filter.limit.clamp(1, 1000))
        .select(AuditRow::as_select())
        .load(conn)?)
}

/// Escapes LIKE wildcards (with `\\`) so that a filter value matches literally.
pub fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub fn count(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(audit_log::table.count().get_result(conn)?)
}

#[cfg(test)]
mod tests {
    use super::escape_like;

    #[test]
    fn like_wildcards_are_escaped_not_dropped() {
        assert_eq!(escape_like("api_token."), "api\\_token.");
        assert_eq!(escape_like("100%"), "100\\%");
        assert_eq!(escape_like("a\\b"), "a\\\\b");
    }
}

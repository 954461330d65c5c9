//! Receipts and feedback to referrers, and the editable wording they are made from.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{message_templates, referrer_messages};

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = referrer_messages, treat_none_as_default_value = false)]
pub struct MessageRow {
    pub id: String,
    pub contact_id: String,
    pub decision_id: Option<String>,
    pub kind: String,
    pub recipient_name: String,
    pub recipient_email: Option<String>,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub due_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub job_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = message_templates, treat_none_as_default_value = false)]
pub struct TemplateRow {
    pub key: String,
    pub subject: String,
    pub body: String,
    pub version: i32,
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

pub fn insert(conn: &mut DbConn, row: &MessageRow) -> Result<(), DbError> {
    diesel::insert_into(referrer_messages::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn insert_many(conn: &mut DbConn, rows: &[MessageRow]) -> Result<(), DbError> {
    for chunk in rows.chunks(500) {
        crate::insert_batch!(conn, referrer_messages::table, chunk)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<MessageRow>, DbError> {
    Ok(referrer_messages::table
        .find(id)
        .select(MessageRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn for_contact(conn: &mut DbConn, contact_id: &str) -> Result<Vec<MessageRow>, DbError> {
    Ok(referrer_messages::table
        .filter(referrer_messages::contact_id.eq(contact_id))
        .order(referrer_messages::created_at.asc())
        .select(MessageRow::as_select())
        .load(conn)?)
}

pub fn for_contacts(conn: &mut DbConn, contact_ids: &[String]) -> Result<Vec<MessageRow>, DbError> {
    let mut out = Vec::new();
    for chunk in contact_ids.chunks(500) {
        out.extend(
            referrer_messages::table
                .filter(referrer_messages::contact_id.eq_any(chunk))
                .select(MessageRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Records the result of one delivery attempt.
pub fn record_attempt(
    conn: &mut DbConn,
    id: &str,
    status: &str,
    sent_at: Option<NaiveDateTime>,
    error: Option<&str>,
) -> Result<(), DbError> {
    diesel::update(referrer_messages::table.find(id))
        .set((
            referrer_messages::status.eq(status),
            referrer_messages::sent_at.eq(sent_at),
            referrer_messages::last_error.eq(error),
            referrer_messages::attempts.eq(referrer_messages::attempts + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Messages not sent by email: failed, retrying or letter-only (to post by hand). Queued ones
/// are on their way and not listed.
pub fn undelivered(conn: &mut DbConn, limit: i64) -> Result<Vec<MessageRow>, DbError> {
    Ok(referrer_messages::table
        .filter(referrer_messages::status.eq_any(["retrying", "failed", "letter_only"]))
        .order(referrer_messages::due_at.asc())
        .limit(limit)
        .select(MessageRow::as_select())
        .load(conn)?)
}

pub fn templates(conn: &mut DbConn) -> Result<Vec<TemplateRow>, DbError> {
    Ok(message_templates::table
        .order(message_templates::key.asc())
        .select(TemplateRow::as_select())
        .load(conn)?)
}

pub fn template(conn: &mut DbConn, key: &str) -> Result<Option<TemplateRow>, DbError> {
    Ok(message_templates::table
        .find(key)
        .select(TemplateRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_template(conn: &mut DbConn, row: &TemplateRow) -> Result<(), DbError> {
    diesel::insert_into(message_templates::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Saves new wording if nobody else saved since `expected_version`.
pub fn update_template(
    conn: &mut DbConn,
    key: &str,
    subject: &str,
    body: &str,
    expected_version: i32,
    by: &str,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        message_templates::table
            .filter(message_templates::key.eq(key))
            .filter(message_templates::version.eq(expected_version)),
    )
    .set((
        message_templates::subject.eq(subject),
        message_templates::body.eq(body),
        message_templates::version.eq(message_templates::version + 1),
        message_templates::updated_at.eq(now),
        message_templates::updated_by.eq(by),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

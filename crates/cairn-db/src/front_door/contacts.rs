//! Contacts, their referrer, the children named on them and other household members.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{
    contact_children, contact_household_members, contact_referrers, contacts, referrals,
};

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = contacts, treat_none_as_default_value = false)]
pub struct ContactRow {
    pub id: String,
    pub reference: String,
    pub received_at: NaiveDateTime,
    pub recorded_at: NaiveDateTime,
    pub recorded_by: String,
    pub backdate_reason: Option<String>,
    pub channel: String,
    pub referral_source: String,
    pub concern: String,
    pub categories: String,
    pub consent: String,
    pub consent_reason: Option<String>,
    pub immediate_safety: bool,
    pub office_id: String,
    pub out_of_hours: bool,
    pub rag: String,
    pub decision_due_at: NaiveDateTime,
    pub status: String,
    pub claimed_by: Option<String>,
    pub claimed_at: Option<NaiveDateTime>,
    pub claim_active_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub handover_acknowledged_by: Option<String>,
    pub handover_acknowledged_at: Option<NaiveDateTime>,
    pub version: i32,
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = contact_referrers, treat_none_as_default_value = false)]
pub struct ReferrerRow {
    pub contact_id: String,
    pub kind: String,
    pub name: Option<String>,
    pub role: Option<String>,
    pub organisation: Option<String>,
    pub agency: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub wants_feedback: bool,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = contact_children, treat_none_as_default_value = false)]
pub struct ContactChildRow {
    pub id: String,
    pub contact_id: String,
    pub person_id: String,
    pub position: i32,
    pub routed_to: String,
    pub open_referral_id: Option<String>,
    pub allocated_worker_id: Option<String>,
    pub worker_acknowledged_at: Option<NaiveDateTime>,
    pub decision_id: Option<String>,
    pub referral_id: Option<String>,
    pub added_at: NaiveDateTime,
    pub added_by: String,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = contact_household_members, treat_none_as_default_value = false)]
pub struct HouseholdMemberRow {
    pub id: String,
    pub contact_id: String,
    pub person_id: Option<String>,
    pub name: String,
    pub relationship: String,
    pub notes: Option<String>,
}

pub fn insert(
    conn: &mut DbConn,
    contact: &ContactRow,
    referrer: &ReferrerRow,
    children: &[ContactChildRow],
    household: &[HouseholdMemberRow],
) -> Result<(), DbError> {
    diesel::insert_into(contacts::table)
        .values(contact)
        .execute(conn)?;
    diesel::insert_into(contact_referrers::table)
        .values(referrer)
        .execute(conn)?;
    for chunk in children.chunks(200) {
        crate::insert_batch!(conn, contact_children::table, chunk)?;
    }
    for chunk in household.chunks(200) {
        crate::insert_batch!(conn, contact_household_members::table, chunk)?;
    }
    Ok(())
}

/// Bulk load for the demo generator: many contacts with their parts in few statements. (The
/// row types write NULL for None rather than "the default", so SQLite can batch them too.)
pub fn insert_many(
    conn: &mut DbConn,
    contacts_rows: &[ContactRow],
    referrers: &[ReferrerRow],
    children: &[ContactChildRow],
) -> Result<(), DbError> {
    for chunk in contacts_rows.chunks(500) {
        crate::insert_batch!(conn, contacts::table, chunk)?;
    }
    for chunk in referrers.chunks(500) {
        crate::insert_batch!(conn, contact_referrers::table, chunk)?;
    }
    for chunk in children.chunks(500) {
        crate::insert_batch!(conn, contact_children::table, chunk)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<ContactRow>, DbError> {
    Ok(contacts::table
        .find(id)
        .select(ContactRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_many(conn: &mut DbConn, ids: &[String]) -> Result<Vec<ContactRow>, DbError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(
            contacts::table
                .filter(contacts::id.eq_any(chunk))
                .select(ContactRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

pub fn referrer_of(conn: &mut DbConn, contact_id: &str) -> Result<Option<ReferrerRow>, DbError> {
    Ok(contact_referrers::table
        .find(contact_id)
        .select(ReferrerRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn children_of(conn: &mut DbConn, contact_id: &str) -> Result<Vec<ContactChildRow>, DbError> {
    Ok(contact_children::table
        .filter(contact_children::contact_id.eq(contact_id))
        .order(contact_children::position.asc())
        .select(ContactChildRow::as_select())
        .load(conn)?)
}

pub fn children_of_many(
    conn: &mut DbConn,
    contact_ids: &[String],
) -> Result<Vec<ContactChildRow>, DbError> {
    let mut out = Vec::with_capacity(contact_ids.len());
    for chunk in contact_ids.chunks(500) {
        out.extend(
            contact_children::table
                .filter(contact_children::contact_id.eq_any(chunk))
                .order((contact_children::contact_id, contact_children::position))
                .select(ContactChildRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

pub fn household_of(
    conn: &mut DbConn,
    contact_id: &str,
) -> Result<Vec<HouseholdMemberRow>, DbError> {
    Ok(contact_household_members::table
        .filter(contact_household_members::contact_id.eq(contact_id))
        .select(HouseholdMemberRow::as_select())
        .load(conn)?)
}

pub fn add_child(conn: &mut DbConn, row: &ContactChildRow) -> Result<(), DbError> {
    diesel::insert_into(contact_children::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Every contact naming any of these people, newest first (for "history at a glance").
pub fn contact_children_for_people(
    conn: &mut DbConn,
    person_ids: &[String],
) -> Result<Vec<ContactChildRow>, DbError> {
    let mut out = Vec::new();
    for chunk in person_ids.chunks(500) {
        out.extend(
            contact_children::table
                .filter(contact_children::person_id.eq_any(chunk))
                .select(ContactChildRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// One page of the screening queue: contacts still to be decided, most urgent deadline first.
pub fn queue_page(
    conn: &mut DbConn,
    statuses: &[&str],
    office_id: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ContactRow>, i64), DbError> {
    let statuses: Vec<String> = statuses.iter().map(|s| s.to_string()).collect();
    let mut count_q = contacts::table
        .filter(contacts::status.eq_any(&statuses))
        .into_boxed();
    let mut page_q = contacts::table
        .filter(contacts::status.eq_any(&statuses))
        .into_boxed();
    if let Some(office) = office_id {
        count_q = count_q.filter(contacts::office_id.eq(office.to_string()));
        page_q = page_q.filter(contacts::office_id.eq(office.to_string()));
    }
    let total: i64 = count_q.count().get_result(conn)?;
    let rows = page_q
        .order((contacts::decision_due_at.asc(), contacts::received_at.asc()))
        .limit(limit)
        .offset(offset)
        .select(ContactRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Takes the contact for `user` if nobody holds a live claim on it. Atomic on both databases
/// (one conditional UPDATE), so of two people claiming at once exactly one wins.
pub fn claim(
    conn: &mut DbConn,
    contact_id: &str,
    user_id: &str,
    now: NaiveDateTime,
    stale_before: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        contacts::table
            .filter(contacts::id.eq(contact_id))
            .filter(contacts::status.eq("screening"))
            .filter(
                contacts::claimed_by
                    .is_null()
                    .or(contacts::claim_active_at.lt(stale_before))
                    .or(contacts::claimed_by.eq(user_id)),
            ),
    )
    .set((
        contacts::claimed_by.eq(user_id),
        contacts::claimed_at.eq(now),
        contacts::claim_active_at.eq(now),
        contacts::updated_at.eq(now),
        contacts::updated_by.eq(user_id),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Gives a claim back. Only the holder (or anyone, when `any_holder`) may release it.
pub fn release(
    conn: &mut DbConn,
    contact_id: &str,
    user_id: &str,
    any_holder: bool,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let mut q = diesel::update(contacts::table)
        .filter(contacts::id.eq(contact_id))
        .filter(contacts::claimed_by.is_not_null())
        .into_boxed();
    if !any_holder {
        q = q.filter(contacts::claimed_by.eq(user_id));
    }
    let n = q
        .set((
            contacts::claimed_by.eq(None::<String>),
            contacts::claimed_at.eq(None::<NaiveDateTime>),
            contacts::claim_active_at.eq(None::<NaiveDateTime>),
            contacts::updated_at.eq(now),
            contacts::updated_by.eq(user_id),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn touch_claim(conn: &mut DbConn, contact_id: &str, now: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(contacts::table.find(contact_id))
        .set(contacts::claim_active_at.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn set_status(
    conn: &mut DbConn,
    contact_id: &str,
    status: &str,
    decided_at: Option<NaiveDateTime>,
    by: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(contacts::table.find(contact_id))
        .set((
            contacts::status.eq(status),
            contacts::decided_at.eq(decided_at),
            contacts::version.eq(contacts::version + 1),
            contacts::updated_at.eq(now),
            contacts::updated_by.eq(by),
        ))
        .execute(conn)?;
    Ok(())
}

/// The claim ends with the decision: the contact leaves the holder's hands.
pub fn clear_claim(conn: &mut DbConn, contact_id: &str) -> Result<(), DbError> {
    diesel::update(contacts::table.find(contact_id))
        .set((
            contacts::claimed_by.eq(None::<String>),
            contacts::claimed_at.eq(None::<NaiveDateTime>),
            contacts::claim_active_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_rag(
    conn: &mut DbConn,
    contact_id: &str,
    rag: &str,
    due: NaiveDateTime,
    by: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(contacts::table.find(contact_id))
        .set((
            contacts::rag.eq(rag),
            contacts::decision_due_at.eq(due),
            contacts::version.eq(contacts::version + 1),
            contacts::updated_at.eq(now),
            contacts::updated_by.eq(by),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_child_decision(
    conn: &mut DbConn,
    contact_child_ids: &[String],
    decision_id: Option<&str>,
) -> Result<(), DbError> {
    diesel::update(contact_children::table.filter(contact_children::id.eq_any(contact_child_ids)))
        .set(contact_children::decision_id.eq(decision_id))
        .execute(conn)?;
    Ok(())
}

pub fn set_child_referral(
    conn: &mut DbConn,
    contact_child_id: &str,
    referral_id: &str,
) -> Result<(), DbError> {
    diesel::update(contact_children::table.find(contact_child_id))
        .set(contact_children::referral_id.eq(referral_id))
        .execute(conn)?;
    Ok(())
}

/// Contacts about children with an open case, waiting for the allocated worker to read them;
/// with `team_id`, also those on the team's open cases that have no worker yet (the team
/// manager reads those).
pub fn for_allocated_worker(
    conn: &mut DbConn,
    worker_id: &str,
    team_id: Option<&str>,
    limit: i64,
) -> Result<Vec<ContactChildRow>, DbError> {
    let mine = contact_children::allocated_worker_id.eq(worker_id.to_string());
    let waiting =
        contact_children::table.filter(contact_children::worker_acknowledged_at.is_null());
    let rows = match team_id {
        Some(team) => {
            let team_cases = referrals::table
                .filter(referrals::team_id.eq(team.to_string()))
                .filter(referrals::closed_on.is_null())
                .select(referrals::id);
            waiting
                .filter(
                    mine.or(contact_children::allocated_worker_id
                        .is_null()
                        .and(contact_children::routed_to.eq("allocated_worker"))
                        .and(contact_children::open_referral_id.eq_any(team_cases.nullable()))),
                )
                .order(contact_children::added_at.asc())
                .limit(limit)
                .select(ContactChildRow::as_select())
                .load(conn)?
        }
        None => waiting
            .filter(mine)
            .order(contact_children::added_at.asc())
            .limit(limit)
            .select(ContactChildRow::as_select())
            .load(conn)?,
    };
    Ok(rows)
}

/// Marks a contact on an open case as read by `worker_id`, or by the team manager when the case
/// has no worker yet (`team_id`).
pub fn acknowledge_for_worker(
    conn: &mut DbConn,
    contact_child_id: &str,
    worker_id: &str,
    team_id: Option<&str>,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let Some(row) = contact_children::table
        .find(contact_child_id)
        .select(ContactChildRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(false);
    };
    let is_mine = row.allocated_worker_id.as_deref() == Some(worker_id);
    let is_teams = row.allocated_worker_id.is_none()
        && row.routed_to == "allocated_worker"
        && match (team_id, &row.open_referral_id) {
            (Some(team), Some(referral)) => referrals::table
                .find(referral)
                .select(referrals::team_id)
                .first::<String>(conn)
                .optional()?
                .is_some_and(|t| t == team),
            _ => false,
        };
    if !(is_mine || is_teams) {
        return Ok(false);
    }
    let n = diesel::update(
        contact_children::table
            .filter(contact_children::id.eq(contact_child_id))
            .filter(contact_children::worker_acknowledged_at.is_null()),
    )
    .set(contact_children::worker_acknowledged_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Out-of-hours contacts received before `before` and not yet acknowledged by the day team.
pub fn handover_pending(
    conn: &mut DbConn,
    before: NaiveDateTime,
    limit: i64,
) -> Result<Vec<ContactRow>, DbError> {
    Ok(contacts::table
        .filter(contacts::out_of_hours.eq(true))
        .filter(contacts::handover_acknowledged_at.is_null())
        .filter(contacts::received_at.lt(before))
        .order(contacts::received_at.asc())
        .limit(limit)
        .select(ContactRow::as_select())
        .load(conn)?)
}

pub fn acknowledge_handover(
    conn: &mut DbConn,
    contact_id: &str,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        contacts::table
            .filter(contacts::id.eq(contact_id))
            .filter(contacts::out_of_hours.eq(true))
            .filter(contacts::handover_acknowledged_at.is_null()),
    )
    .set((
        contacts::handover_acknowledged_by.eq(user_id),
        contacts::handover_acknowledged_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

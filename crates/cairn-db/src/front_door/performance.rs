//! Counting queries for the front-door performance page and the late receipts and feedback
//! report.
//!
//! Every figure is counted by the database (`GROUP BY`, `COUNT`, `SUM` over `CASE`), so a year
//! of a large county (30,000 contacts) comes back as a few dozen rows rather than 30,000. Each
//! query is written once and compiled for both backends with [`crate::each_backend!`], which
//! also gives `CASE` fragments their backend's bind placeholders.
//!
//! One measure cannot be finished in SQL: whether a contact was decided within one working
//! day needs the working-day calendar (bank holidays, the council's closure days, office hours
//! in UK local time), which the two databases cannot share. For that, [`decision_times`]
//! returns the two instants per decided contact and the service applies the calendar.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{
    contact_children, contact_referrers, contacts, offices, referrals, referrer_messages,
    screening_decisions, threshold_levels,
};

// Decisions are grouped with the office of their contact. Only these pairs are declared, one
// call each, so nothing here can clash with declarations made elsewhere.
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    contacts::office_id,
    screening_decisions::threshold_level_id
);
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    contacts::office_id,
    screening_decisions::decided_by
);
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    contacts::office_id,
    screening_decisions::outcome
);

/// Which contacts a figure counts: received in `[from, to)` (UTC), at one office or all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
    pub office_id: Option<String>,
}

/// Referrals counted by their referral date, `from..=to`, at one originating office or all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateScope {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub office_id: Option<String>,
}

/// Contacts in the scope's period and office. The office filter is a bound flag ("all
/// offices" or this one) rather than a boxed query, because Diesel cannot group a boxed query.
macro_rules! contacts_in {
    ($source:expr, $scope:expr) => {
        $source
            .filter(contacts::received_at.ge($scope.from))
            .filter(contacts::received_at.lt($scope.to))
            .filter(
                $scope
                    .office_id
                    .is_none()
                    .into_sql::<diesel::sql_types::Bool>()
                    .or(contacts::office_id.eq($scope.office_id.clone().unwrap_or_default())),
            )
    };
}

/// A referrer a receipt can be sent to: not anonymous, and named.
macro_rules! identifiable {
    () => {
        contact_referrers::kind
            .ne("anonymous")
            .and(contact_referrers::name.is_not_null())
    };
}

/// (threshold level id, office id, screener's user id, outcome, decisions).
pub type DecisionCount = (String, String, String, String, i64);
/// (originating office id, referrals, re-referrals, closed RC8, closed RC7).
pub type OfficeReferrals = (Option<String>, i64, i64, i64, i64);

/// Contacts received, by (CIN referral source code, channel, out of hours): one pass over
/// the reporting index gives the source and channel figures and the out-of-hours share.
pub fn contact_counts(
    conn: &mut DbConn,
    s: &Scope,
) -> Result<Vec<(String, String, bool, i64)>, DbError> {
    Ok(
        crate::each_backend!(conn, c => contacts_in!(contacts::table, s)
        .group_by((contacts::referral_source, contacts::channel, contacts::out_of_hours))
        .select((contacts::referral_source, contacts::channel, contacts::out_of_hours, count_star()))
        .load::<(String, String, bool, i64)>(c))?,
    )
}

/// Final decisions on contacts in scope, by (threshold level id, the contact's office id, the
/// screener who decided, outcome): one pass gives the outcome figures by level, by office and
/// by screener. A decision covering two siblings counts once: these figures are about how
/// screeners decide. The screener is `decided_by`, not the manager who authorised it.
pub fn decision_counts(conn: &mut DbConn, s: &Scope) -> Result<Vec<DecisionCount>, DbError> {
    Ok(crate::each_backend!(conn, c => contacts_in!(
            screening_decisions::table.inner_join(contacts::table),
            s
        )
        .filter(screening_decisions::status.eq("final"))
        .group_by((
            screening_decisions::threshold_level_id,
            contacts::office_id,
            screening_decisions::decided_by,
            screening_decisions::outcome,
        ))
        .select((
            screening_decisions::threshold_level_id,
            contacts::office_id,
            screening_decisions::decided_by,
            screening_decisions::outcome,
            count_star(),
        ))
        .load::<(String, String, String, String, i64)>(c))?)
}

/// Every threshold level: (id, position, name), for naming the levels decisions cite.
pub fn levels(conn: &mut DbConn) -> Result<Vec<(String, i32, String)>, DbError> {
    Ok(threshold_levels::table
        .select((
            threshold_levels::id,
            threshold_levels::position,
            threshold_levels::name,
        ))
        .load(conn)?)
}

/// For each decided contact in scope: when it was received and when it was decided. A contact
/// is decided (`decided_at`) when its last decision becomes final: the screener's decision, or
/// the manager's authorisation where the outcome needs one.
pub fn decision_times(
    conn: &mut DbConn,
    s: &Scope,
) -> Result<Vec<(NaiveDateTime, Option<NaiveDateTime>)>, DbError> {
    Ok(
        crate::each_backend!(conn, c => contacts_in!(contacts::table, s)
        .filter(contacts::status.eq("decided"))
        .select((contacts::received_at, contacts::decided_at))
        .load::<(NaiveDateTime, Option<NaiveDateTime>)>(c))?,
    )
}

/// When each contact in scope still waiting for screening or a manager was received.
pub fn undecided_received(conn: &mut DbConn, s: &Scope) -> Result<Vec<NaiveDateTime>, DbError> {
    Ok(
        crate::each_backend!(conn, c => contacts_in!(contacts::table, s)
        .filter(contacts::status.eq_any(["screening", "awaiting_authorisation"]))
        .select(contacts::received_at)
        .load::<NaiveDateTime>(c))?,
    )
}

/// Written receipts for contacts in scope with an identifiable referrer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReceiptCounts {
    /// Contacts with an identifiable referrer.
    pub contacts: i64,
    /// Sent (or, for a letter to post, produced) by its due time.
    pub on_time: i64,
    /// Sent or produced after its due time.
    pub late: i64,
    /// Still queued, retrying or failed, and past its due time.
    pub unsent_overdue: i64,
    /// Still queued or retrying, not yet due.
    pub unsent_not_due: i64,
    /// No receipt was ever written, for a contact received before `settled_before`.
    pub missing_settled: i64,
}

/// When a message counts as sent: `sent_at` once emailed; for a letter to post (no email
/// address, `sent_at` stays empty), the moment the letter was produced. NULL while unsent.
const SENT_AT: &str = "COALESCE(referrer_messages.sent_at, CASE WHEN referrer_messages.status = \
     'letter_only' THEN referrer_messages.created_at END)";

/// Receipt timeliness for contacts in scope, counted in one statement. The left join's
/// `contact_id` (not `id`) tells a missing receipt, because it is in the reporting index. A
/// contact with more than one receipt row (a resend) counts each row; the services write one.
///
/// A missing receipt is only late once its due time has passed, which needs the calendar; it
/// can only still be in time for a contact received in the last few days, so missing receipts
/// are counted here for contacts received before `settled_before`, and the service checks the
/// few received since with [`receipts_missing_received`].
pub fn receipt_counts(
    conn: &mut DbConn,
    s: &Scope,
    now: NaiveDateTime,
    settled_before: NaiveDateTime,
) -> Result<ReceiptCounts, DbError> {
    let sum = |cond: String| format!("COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0)");
    let on_time = sum(format!("{SENT_AT} <= referrer_messages.due_at"));
    let late = sum(format!("{SENT_AT} > referrer_messages.due_at"));
    let unsent = format!("referrer_messages.contact_id IS NOT NULL AND {SENT_AT} IS NULL");
    let row: (i64, i64, i64, i64, i64, i64) = crate::each_backend!(conn, c => contacts_in!(
            contacts::table.inner_join(contact_referrers::table).left_join(
                referrer_messages::table.on(referrer_messages::contact_id
                    .eq(contacts::id)
                    .and(referrer_messages::kind.eq("receipt"))),
            ),
            s
        )
        .filter(identifiable!())
        .select((
            count_star(),
            sql::<BigInt>(&on_time),
            sql::<BigInt>(&late),
            sql::<BigInt>(&format!("COALESCE(SUM(CASE WHEN {unsent} AND referrer_messages.due_at < "))
                .bind::<diesel::sql_types::Timestamp, _>(now)
                .sql(" THEN 1 ELSE 0 END), 0)"),
            sql::<BigInt>(&format!("COALESCE(SUM(CASE WHEN {unsent} AND referrer_messages.due_at >= "))
                .bind::<diesel::sql_types::Timestamp, _>(now)
                .sql(" THEN 1 ELSE 0 END), 0)"),
            sql::<BigInt>(
                "COALESCE(SUM(CASE WHEN referrer_messages.contact_id IS NULL AND contacts.received_at < ",
            )
            .bind::<diesel::sql_types::Timestamp, _>(settled_before)
            .sql(" THEN 1 ELSE 0 END), 0)"),
        ))
        .first::<(i64, i64, i64, i64, i64, i64)>(c))?;
    Ok(ReceiptCounts {
        contacts: row.0,
        on_time: row.1,
        late: row.2,
        unsent_overdue: row.3,
        unsent_not_due: row.4,
        missing_settled: row.5,
    })
}

/// When each contact in scope with an identifiable referrer but no receipt was received: the
/// service works out from the calendar which are past due. Called for recent contacts only.
pub fn receipts_missing_received(
    conn: &mut DbConn,
    s: &Scope,
) -> Result<Vec<NaiveDateTime>, DbError> {
    Ok(crate::each_backend!(conn, c => contacts_in!(
            contacts::table.inner_join(contact_referrers::table).left_join(
                referrer_messages::table.on(referrer_messages::contact_id
                    .eq(contacts::id)
                    .and(referrer_messages::kind.eq("receipt"))),
            ),
            s
        )
        .filter(identifiable!())
        .filter(referrer_messages::contact_id.nullable().is_null())
        .select(contacts::received_at)
        .load::<NaiveDateTime>(c))?)
}

/// The children named on contacts in scope (Annex A counts one row per child per contact).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChildCounts {
    pub children: i64,
    /// A referral to children's social care was opened for the child from this contact.
    pub referred: i64,
    /// The child has an open case: the contact went to the allocated worker, not screening.
    pub open_case: i64,
    /// A final decision other than a referral.
    pub other_outcome: i64,
}

pub fn child_outcomes(conn: &mut DbConn, s: &Scope) -> Result<ChildCounts, DbError> {
    let sum = |cond: &str| format!("COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0)");
    let referred = sum("contact_children.referral_id IS NOT NULL");
    let open_case = sum(
        "contact_children.referral_id IS NULL AND contact_children.routed_to = 'allocated_worker'",
    );
    // While a decision waits for a manager its contact waits too ('awaiting_authorisation'),
    // so outside such contacts a child with a decision has a final one.
    let decided = sum(
        "contact_children.referral_id IS NULL AND contact_children.routed_to = 'screening' \
         AND contact_children.decision_id IS NOT NULL AND contacts.status <> 'awaiting_authorisation'",
    );
    let row: (i64, i64, i64, i64) = crate::each_backend!(conn, c => contacts_in!(
            contact_children::table.inner_join(contacts::table),
            s
        )
        .select((count_star(), sql::<BigInt>(&referred), sql::<BigInt>(&open_case), sql::<BigInt>(&decided)))
        .first::<(i64, i64, i64, i64)>(c))?;
    // In the few contacts waiting for a manager, a sibling decided earlier has a final decision.
    // The conditions on the children are counted rather than filtered, so that the planner
    // starts from the contacts (few in that status) and not from an index on the children.
    let final_sibling = sum(
        "contact_children.referral_id IS NULL AND contact_children.routed_to = 'screening' \
         AND screening_decisions.status = 'final'",
    );
    let decided_while_waiting: i64 = crate::each_backend!(conn, c => contacts_in!(
            contact_children::table.inner_join(contacts::table).left_join(
                screening_decisions::table
                    .on(screening_decisions::id.nullable().eq(contact_children::decision_id)),
            ),
            s
        )
        .filter(contacts::status.eq("awaiting_authorisation"))
        .select(sql::<BigInt>(&final_sibling))
        .first::<i64>(c))?;
    Ok(ChildCounts {
        children: row.0,
        referred: row.1,
        open_case: row.2,
        other_outcome: row.3 + decided_while_waiting,
    })
}

/// Referrals in scope by originating office: (office id, referrals, re-referrals, closed
/// RC8, closed RC7). A referral not made from a contact has no originating office and is
/// listed with `None`.
pub fn referrals_by_office(
    conn: &mut DbConn,
    s: &DateScope,
) -> Result<Vec<OfficeReferrals>, DbError> {
    let sum = |cond: &str| format!("COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0)");
    // `re_referral` is a BOOLEAN on both databases; comparing with TRUE reads the same on each
    // (SQLite stores 1, and TRUE is 1 there).
    let re = sum("referrals.re_referral = TRUE");
    let rc8 = sum("referrals.closure_reason = 'RC8'");
    let rc7 = sum("referrals.closure_reason = 'RC7'");
    Ok(crate::each_backend!(conn, c => referrals::table
        .left_join(contacts::table)
        .filter(referrals::referral_date.ge(s.from))
        .filter(referrals::referral_date.le(s.to))
        .filter(
            s.office_id
                .is_none()
                .into_sql::<diesel::sql_types::Bool>()
                .or(contacts::office_id.nullable().eq(s.office_id.clone())),
        )
        .group_by(contacts::office_id)
        .select((
            // The grouped column, nullable through the left join; Diesel will not select
            // `office_id.nullable()` against a plain `GROUP BY office_id`, so it is named here.
            sql::<diesel::sql_types::Nullable<diesel::sql_types::Text>>("contacts.office_id"),
            count_star(),
            sql::<BigInt>(&re),
            sql::<BigInt>(&rc8),
            sql::<BigInt>(&rc7),
        ))
        .load::<(Option<String>, i64, i64, i64, i64)>(c))?)
}

/// Which messages the report looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKindFilter {
    Receipt,
    Feedback,
}

/// One contact whose receipt or feedback is missing, late or unsent past due. For a missing
/// message the `message_*` fields are empty and `decided_at` says when feedback became due
/// from (feedback only).
#[derive(Clone, Debug, PartialEq, Eq, Queryable)]
pub struct MessageProblemRow {
    pub contact_id: String,
    pub reference: String,
    pub received_at: NaiveDateTime,
    pub office_name: String,
    pub referrer_name: Option<String>,
    pub referrer_organisation: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub message_id: Option<String>,
    pub message_status: Option<String>,
    pub due_at: Option<NaiveDateTime>,
    pub created_at: Option<NaiveDateTime>,
    pub sent_at: Option<NaiveDateTime>,
}

/// Contacts in scope whose receipt (or, for decided contacts whose referrer wants feedback,
/// whose feedback) is missing, was sent after its due time, or is unsent past its due time.
/// Missing messages are all returned; the service drops those not yet due by the calendar.
/// Ordered oldest first; at most `limit` rows.
pub fn message_problems(
    conn: &mut DbConn,
    s: &Scope,
    kind: MessageKindFilter,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<MessageProblemRow>, DbError> {
    let kind_code = match kind {
        MessageKindFilter::Receipt => "receipt",
        MessageKindFilter::Feedback => "feedback",
    };
    let late = format!(
        "(referrer_messages.contact_id IS NULL OR {SENT_AT} > referrer_messages.due_at \
         OR ({SENT_AT} IS NULL AND referrer_messages.due_at < "
    );
    let feedback = kind == MessageKindFilter::Feedback;
    Ok(crate::each_backend!(conn, c => {
        contacts_in!(
            contacts::table
                .inner_join(offices::table)
                .inner_join(contact_referrers::table)
                .left_join(
                    referrer_messages::table.on(referrer_messages::contact_id
                        .eq(contacts::id)
                        .and(referrer_messages::kind.eq(kind_code))),
                ),
            s
        )
        .filter(identifiable!())
        .filter(
            sql::<diesel::sql_types::Bool>(&late)
                .bind::<diesel::sql_types::Timestamp, _>(now)
                .sql("))"),
        )
        // Feedback is only owed on decided contacts, to referrers who want it.
        .filter(
            (!feedback)
                .into_sql::<diesel::sql_types::Bool>()
                .or(contacts::status.eq("decided").and(contact_referrers::wants_feedback.eq(true))),
        )
        .order((contacts::received_at.asc(), contacts::id.asc()))
            .limit(limit)
            .select((
                contacts::id,
                contacts::reference,
                contacts::received_at,
                offices::name,
                contact_referrers::name,
                contact_referrers::organisation,
                contacts::decided_at,
                referrer_messages::id.nullable(),
                referrer_messages::status.nullable(),
                referrer_messages::due_at.nullable(),
                referrer_messages::created_at.nullable(),
                referrer_messages::sent_at.nullable(),
            ))
            .load::<MessageProblemRow>(c)
    })?)
}

//! Assessments within an episode: the assessment itself (its content is saved as the worker
//! goes), the census factors identified, a snapshot of every submission, and each manager's
//! authorisation or return. Every change to an assessment is conditional on the version the
//! user started from, so two people editing at once cannot silently overwrite each other.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{Eq, Filter};
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{
    assessment_factors, assessment_reviews, assessment_revisions, assessments, referrals,
};

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = assessments, treat_none_as_default_value = false)]
pub struct AssessmentRow {
    pub id: String,
    pub referral_id: String,
    pub person_id: String,
    pub kind: String,
    pub status: String,
    pub started_on: NaiveDate,
    pub worker_id: String,
    pub child_seen_on: Option<NaiveDate>,
    pub child_seen_alone_on: Option<NaiveDate>,
    pub child_views: Option<String>,
    pub child_views_not_obtained_reason: Option<String>,
    pub parent_views: Option<String>,
    pub parent_views_not_obtained_reason: Option<String>,
    /// JSON object keyed by Assessment Framework sub-area code.
    pub framework: String,
    /// JSON object: ethnicity, culture, language, religion, disability.
    pub identity: String,
    pub identity_confirmed: bool,
    pub analysis: Option<String>,
    pub outcome: Option<String>,
    pub outcome_detail: Option<String>,
    pub delay_reason: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub submitted_by: Option<String>,
    /// The census `AssessmentAuthorisationDate`: the latest authorisation.
    pub authorised_on: Option<NaiveDate>,
    pub authorised_at: Option<NaiveDateTime>,
    pub authorised_by: Option<String>,
    pub quality_rating: Option<String>,
    pub revision: i32,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

/// What the worker writes, saved as a draft or with a submission.
#[derive(Clone, Debug, PartialEq, AsChangeset)]
#[diesel(table_name = assessments, treat_none_as_null = true)]
pub struct AssessmentContent {
    pub child_seen_on: Option<NaiveDate>,
    pub child_seen_alone_on: Option<NaiveDate>,
    pub child_views: Option<String>,
    pub child_views_not_obtained_reason: Option<String>,
    pub parent_views: Option<String>,
    pub parent_views_not_obtained_reason: Option<String>,
    pub framework: String,
    pub identity: String,
    pub identity_confirmed: bool,
    pub analysis: Option<String>,
    pub outcome: Option<String>,
    pub outcome_detail: Option<String>,
    pub delay_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = assessment_factors, treat_none_as_default_value = false)]
pub struct AssessmentFactorRow {
    pub assessment_id: String,
    pub code: String,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = assessment_revisions, treat_none_as_default_value = false)]
pub struct AssessmentRevisionRow {
    pub id: String,
    pub assessment_id: String,
    pub revision: i32,
    /// JSON of the content as submitted.
    pub snapshot: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = assessment_reviews, treat_none_as_default_value = false)]
pub struct AssessmentReviewRow {
    pub id: String,
    pub assessment_id: String,
    pub revision: i32,
    /// "authorised" or "returned".
    pub decision: String,
    pub comments: String,
    pub quality_rating: Option<String>,
    pub reviewed_by: String,
    pub reviewed_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &AssessmentRow) -> Result<(), DbError> {
    diesel::insert_into(assessments::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<AssessmentRow>, DbError> {
    Ok(assessments::table
        .find(id)
        .select(AssessmentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every assessment in one episode, oldest first.
pub fn for_referral(conn: &mut DbConn, referral_id: &str) -> Result<Vec<AssessmentRow>, DbError> {
    Ok(assessments::table
        .filter(assessments::referral_id.eq(referral_id))
        .order((assessments::started_on.asc(), assessments::created_at.asc()))
        .select(AssessmentRow::as_select())
        .load(conn)?)
}

/// Every assessment of one child, newest first.
pub fn for_person(conn: &mut DbConn, person_id: &str) -> Result<Vec<AssessmentRow>, DbError> {
    Ok(assessments::table
        .filter(assessments::person_id.eq(person_id))
        .order((
            assessments::started_on.desc(),
            assessments::created_at.desc(),
        ))
        .select(AssessmentRow::as_select())
        .load(conn)?)
}

/// The episode's assessments never authorised (census rule 8896 allows at most one).
pub fn unauthorised_in_referral(
    conn: &mut DbConn,
    referral_id: &str,
) -> Result<Vec<AssessmentRow>, DbError> {
    Ok(assessments::table
        .filter(assessments::referral_id.eq(referral_id))
        .filter(assessments::authorised_on.is_null())
        .select(AssessmentRow::as_select())
        .load(conn)?)
}

/// Takes the episode's row lock for the rest of the transaction (a no-op update), so that two
/// assessments started at the same moment on PostgreSQL are checked one after the other.
/// SQLite's single writer already serialises them.
pub fn lock_episode(conn: &mut DbConn, referral_id: &str) -> Result<bool, DbError> {
    let n = diesel::update(referrals::table.filter(referrals::id.eq(referral_id)))
        .set(referrals::version.eq(referrals::version))
        .execute(conn)?;
    Ok(n == 1)
}

/// The assessment `id` while it is still at `expected_version`. Every change goes through
/// this, so that two people editing at once cannot silently overwrite each other.
fn at_version(id: &str, expected_version: i32) -> AtVersion<'_> {
    assessments::table
        .filter(assessments::id.eq(id))
        .filter(assessments::version.eq(expected_version))
}

type AtVersion<'a> =
    Filter<Filter<assessments::table, Eq<assessments::id, &'a str>>, Eq<assessments::version, i32>>;

/// Saves the content if the assessment is still at `expected_version` and open for editing
/// (in progress or returned).
pub fn save_content(
    conn: &mut DbConn,
    id: &str,
    expected_version: i32,
    content: &AssessmentContent,
) -> Result<bool, DbError> {
    let n = diesel::update(
        at_version(id, expected_version)
            .filter(assessments::status.eq_any(["in_progress", "returned"])),
    )
    .set((content, assessments::version.eq(assessments::version + 1)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Moves an open assessment at `expected_version` to "submitted".
pub fn mark_submitted(
    conn: &mut DbConn,
    id: &str,
    expected_version: i32,
    by: &str,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        at_version(id, expected_version)
            .filter(assessments::status.eq_any(["in_progress", "returned"])),
    )
    .set((
        assessments::status.eq("submitted"),
        assessments::submitted_at.eq(Some(at)),
        assessments::submitted_by.eq(Some(by)),
        assessments::version.eq(assessments::version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Authorises a submitted assessment at `expected_version`.
pub fn mark_authorised(
    conn: &mut DbConn,
    id: &str,
    expected_version: i32,
    on: NaiveDate,
    at: NaiveDateTime,
    by: &str,
    rating: &str,
) -> Result<bool, DbError> {
    let n = diesel::update(
        at_version(id, expected_version).filter(assessments::status.eq("submitted")),
    )
    .set((
        assessments::status.eq("authorised"),
        assessments::authorised_on.eq(Some(on)),
        assessments::authorised_at.eq(Some(at)),
        assessments::authorised_by.eq(Some(by)),
        assessments::quality_rating.eq(Some(rating)),
        assessments::version.eq(assessments::version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Returns a submitted assessment at `expected_version` to its worker.
pub fn mark_returned(conn: &mut DbConn, id: &str, expected_version: i32) -> Result<bool, DbError> {
    let n = diesel::update(
        at_version(id, expected_version).filter(assessments::status.eq("submitted")),
    )
    .set((
        assessments::status.eq("returned"),
        assessments::version.eq(assessments::version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Opens a new revision of an authorised assessment at `expected_version`. The authorisation
/// date, time, manager and rating stay: until the revision is authorised, the earlier
/// authorisation is the one that counts.
pub fn start_revision(conn: &mut DbConn, id: &str, expected_version: i32) -> Result<bool, DbError> {
    let n = diesel::update(
        at_version(id, expected_version).filter(assessments::status.eq("authorised")),
    )
    .set((
        assessments::status.eq("in_progress"),
        assessments::revision.eq(assessments::revision + 1),
        assessments::version.eq(assessments::version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn factors_of(conn: &mut DbConn, assessment_id: &str) -> Result<Vec<String>, DbError> {
    Ok(assessment_factors::table
        .filter(assessment_factors::assessment_id.eq(assessment_id))
        .order(assessment_factors::code.asc())
        .select(assessment_factors::code)
        .load(conn)?)
}

/// The factors of several assessments, as (assessment id, code) pairs.
pub fn factors_of_many(
    conn: &mut DbConn,
    assessment_ids: &[String],
) -> Result<Vec<AssessmentFactorRow>, DbError> {
    let mut out = Vec::new();
    for chunk in assessment_ids.chunks(500) {
        out.extend(
            assessment_factors::table
                .filter(assessment_factors::assessment_id.eq_any(chunk))
                .order((
                    assessment_factors::assessment_id.asc(),
                    assessment_factors::code.asc(),
                ))
                .select(AssessmentFactorRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

pub fn replace_factors(
    conn: &mut DbConn,
    assessment_id: &str,
    codes: &[String],
) -> Result<(), DbError> {
    diesel::delete(
        assessment_factors::table.filter(assessment_factors::assessment_id.eq(assessment_id)),
    )
    .execute(conn)?;
    let rows: Vec<AssessmentFactorRow> = codes
        .iter()
        .map(|code| AssessmentFactorRow {
            assessment_id: assessment_id.to_string(),
            code: code.clone(),
        })
        .collect();
    for row in &rows {
        diesel::insert_into(assessment_factors::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn insert_revision(conn: &mut DbConn, row: &AssessmentRevisionRow) -> Result<(), DbError> {
    diesel::insert_into(assessment_revisions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Every submitted snapshot of an assessment, oldest first.
pub fn revisions_of(
    conn: &mut DbConn,
    assessment_id: &str,
) -> Result<Vec<AssessmentRevisionRow>, DbError> {
    Ok(assessment_revisions::table
        .filter(assessment_revisions::assessment_id.eq(assessment_id))
        .order((
            assessment_revisions::revision.asc(),
            assessment_revisions::created_at.asc(),
        ))
        .select(AssessmentRevisionRow::as_select())
        .load(conn)?)
}

pub fn insert_review(conn: &mut DbConn, row: &AssessmentReviewRow) -> Result<(), DbError> {
    diesel::insert_into(assessment_reviews::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Every authorisation and return of an assessment, oldest first.
pub fn reviews_of(
    conn: &mut DbConn,
    assessment_id: &str,
) -> Result<Vec<AssessmentReviewRow>, DbError> {
    Ok(assessment_reviews::table
        .filter(assessment_reviews::assessment_id.eq(assessment_id))
        .order((
            assessment_reviews::reviewed_at.asc(),
            assessment_reviews::id.asc(),
        ))
        .select(AssessmentReviewRow::as_select())
        .load(conn)?)
}

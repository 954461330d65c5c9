//! Management oversight records, and the reads that find where oversight is missing or
//! overdue: the latest decision per child and the decision points in open episodes.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::max;
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{
    assessments, cin_plans, cp_plans, episode_closures, oversight_records, strategy_discussions,
};

/// Bound parameters per `IN (…)` list: well inside both databases' limits.
const CHUNK: usize = 500;

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = oversight_records, treat_none_as_default_value = false)]
pub struct OversightRecordRow {
    pub id: String,
    pub person_id: String,
    /// The episode open when the decision was made, if any.
    pub referral_id: Option<String>,
    pub point: String,
    pub decision: String,
    pub rationale: String,
    pub decided_at: NaiveDateTime,
    pub manager_user_id: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &OversightRecordRow) -> Result<(), DbError> {
    diesel::insert_into(oversight_records::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<OversightRecordRow>, DbError> {
    Ok(oversight_records::table
        .find(id)
        .select(OversightRecordRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every decision about a child, newest first.
pub fn for_person(conn: &mut DbConn, person_id: &str) -> Result<Vec<OversightRecordRow>, DbError> {
    Ok(oversight_records::table
        .filter(oversight_records::person_id.eq(person_id))
        .order((
            oversight_records::decided_at.desc(),
            oversight_records::id.desc(),
        ))
        .select(OversightRecordRow::as_select())
        .load(conn)?)
}

/// The latest decision about a child: one row by the (person_id, decided_at) index, cheap
/// enough for the top of every child's page.
pub fn latest_for_person(
    conn: &mut DbConn,
    person_id: &str,
) -> Result<Option<OversightRecordRow>, DbError> {
    Ok(oversight_records::table
        .filter(oversight_records::person_id.eq(person_id))
        .order((
            oversight_records::decided_at.desc(),
            oversight_records::id.desc(),
        ))
        .select(OversightRecordRow::as_select())
        .first(conn)
        .optional()?)
}

/// The time of the latest decision about each of these children (absent: none ever).
pub fn latest_per_person(
    conn: &mut DbConn,
    person_ids: &[String],
) -> Result<HashMap<String, NaiveDateTime>, DbError> {
    let mut out = HashMap::new();
    for chunk in person_ids.chunks(CHUNK) {
        let rows: Vec<(String, Option<NaiveDateTime>)> = oversight_records::table
            .filter(oversight_records::person_id.eq_any(chunk))
            .group_by(oversight_records::person_id)
            .select((
                oversight_records::person_id,
                max(oversight_records::decided_at),
            ))
            .load(conn)?;
        out.extend(rows.into_iter().filter_map(|(p, at)| Some((p, at?))));
    }
    Ok(out)
}

/// The decision points reached in some episodes, as raw dates: what the oversight report
/// checks for a management decision on or after each.
#[derive(Clone, Debug, Default, Serialize)]
pub struct EpisodePoints {
    /// (referral id, authorised on, outcome code) of every authorised assessment.
    pub assessments_authorised: Vec<(String, NaiveDate, Option<String>)>,
    /// (referral id, held at) of every strategy discussion that decided on a section 47.
    pub section47_decisions: Vec<(String, NaiveDateTime)>,
    /// (referral id, started on, ended on) of every child protection plan.
    pub cp_plans: Vec<(String, NaiveDate, Option<NaiveDate>)>,
    /// (referral id, started on) of every child in need plan.
    pub cin_plans: Vec<(String, NaiveDate)>,
    /// (referral id, requested at) of every closure request.
    pub closure_requests: Vec<(String, NaiveDateTime)>,
}

/// The decision points of these episodes: a handful of indexed reads per 500 episodes.
pub fn points_in_episodes(
    conn: &mut DbConn,
    referral_ids: &[String],
) -> Result<EpisodePoints, DbError> {
    let mut out = EpisodePoints::default();
    for chunk in referral_ids.chunks(CHUNK) {
        let authorised: Vec<(String, Option<NaiveDate>, Option<String>)> = assessments::table
            .filter(assessments::referral_id.eq_any(chunk))
            .filter(assessments::authorised_on.is_not_null())
            .select((
                assessments::referral_id,
                assessments::authorised_on,
                assessments::outcome,
            ))
            .load(conn)?;
        out.assessments_authorised.extend(
            authorised
                .into_iter()
                .filter_map(|(r, on, outcome)| Some((r, on?, outcome))),
        );
        out.section47_decisions.extend(
            strategy_discussions::table
                .filter(strategy_discussions::referral_id.eq_any(chunk))
                .filter(strategy_discussions::decision.eq("section_47"))
                .select((
                    strategy_discussions::referral_id,
                    strategy_discussions::held_at,
                ))
                .load::<(String, NaiveDateTime)>(conn)?,
        );
        out.cp_plans.extend(
            cp_plans::table
                .filter(cp_plans::referral_id.eq_any(chunk))
                .select((
                    cp_plans::referral_id,
                    cp_plans::started_on,
                    cp_plans::ended_on,
                ))
                .load::<(String, NaiveDate, Option<NaiveDate>)>(conn)?,
        );
        out.cin_plans.extend(
            cin_plans::table
                .filter(cin_plans::referral_id.eq_any(chunk))
                .select((cin_plans::referral_id, cin_plans::started_on))
                .load::<(String, NaiveDate)>(conn)?,
        );
        out.closure_requests.extend(
            episode_closures::table
                .filter(episode_closures::referral_id.eq_any(chunk))
                .select((
                    episode_closures::referral_id,
                    episode_closures::requested_at,
                ))
                .load::<(String, NaiveDateTime)>(conn)?,
        );
    }
    Ok(out)
}

/// Open episodes, of one team or of every team, oldest referral first.
pub fn open_episodes(
    conn: &mut DbConn,
    team_id: Option<&str>,
) -> Result<Vec<crate::front_door::referrals::ReferralRow>, DbError> {
    use crate::front_door::referrals::ReferralRow;
    use crate::schema::referrals;
    let mut query = referrals::table
        .filter(referrals::closed_on.is_null())
        .into_boxed();
    if let Some(team) = team_id {
        query = query.filter(referrals::team_id.eq(team.to_string()));
    }
    Ok(query
        .order((referrals::referral_date.asc(), referrals::id.asc()))
        .select(ReferralRow::as_select())
        .load(conn)?)
}

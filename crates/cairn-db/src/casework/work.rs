//! The read models behind "my work", "team work", the episode page and a child's current
//! status: every casework record of a set of episodes (or of one child) in a handful of
//! set-based queries, never one query per case. Due dates are worked out by the caller.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{count_star, max, min};
use diesel::prelude::*;
use serde::Serialize;

use super::closures::{self, EpisodeClosureRow};
use crate::DbConn;
use crate::error::DbError;
use crate::front_door::referrals::ReferralRow;
use crate::schema::{
    assessments, cin_plan_reviews, cin_plans, conferences, core_group_meetings, cp_plans,
    episode_closures, people, referrals, section47_enquiries, strategy_discussions, visits,
};

/// Bound parameters per `IN (…)` list: well inside both databases' limits (SQLite allows
/// 32,766), and more than a large team's open episodes, so a team's work is one query a table.
const CHUNK: usize = 5_000;

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = assessments)]
pub struct AssessmentBrief {
    pub id: String,
    pub referral_id: String,
    pub person_id: String,
    pub kind: String,
    pub status: String,
    pub started_on: NaiveDate,
    pub worker_id: String,
    pub outcome: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub submitted_by: Option<String>,
    pub authorised_on: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = strategy_discussions)]
pub struct StrategyBrief {
    pub id: String,
    pub referral_id: String,
    pub person_id: String,
    pub held_at: NaiveDateTime,
    pub decision: String,
    pub chaired_by: String,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = section47_enquiries)]
pub struct Section47Brief {
    pub id: String,
    pub referral_id: String,
    pub person_id: String,
    pub strategy_discussion_id: String,
    pub started_on: NaiveDate,
    pub outcome: Option<String>,
    pub outcome_on: Option<NaiveDate>,
    pub recorded_by: Option<String>,
    pub signed_off_by: Option<String>,
    pub signed_off_at: Option<NaiveDateTime>,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = conferences)]
pub struct ConferenceBrief {
    pub id: String,
    pub referral_id: String,
    pub person_id: String,
    pub kind: String,
    pub section47_id: Option<String>,
    pub cp_plan_id: Option<String>,
    pub held_on: NaiveDate,
    pub decision: String,
    pub category: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = cp_plans)]
pub struct CpPlanBrief {
    pub id: String,
    pub referral_id: String,
    pub person_id: String,
    pub initial_conference_id: String,
    pub started_on: NaiveDate,
    pub initial_category: String,
    pub latest_category: String,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = cin_plans)]
pub struct CinPlanBrief {
    pub id: String,
    pub referral_id: String,
    pub person_id: String,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = visits)]
pub struct VisitBrief {
    pub id: String,
    pub referral_id: String,
    pub person_id: String,
    pub visited_at: NaiveDateTime,
    pub kind: String,
    pub child_seen: bool,
    pub seen_alone: bool,
    pub worker_id: String,
}

/// The casework records of some episodes. In the "open work" form (`for_open_work`) only
/// what can still fall due is loaded and `visits` is empty; the whole form (`for_referral`,
/// `for_person`) has everything.
#[derive(Clone, Debug, Default, Serialize)]
pub struct EpisodeRecords {
    pub assessments: Vec<AssessmentBrief>,
    pub strategy_discussions: Vec<StrategyBrief>,
    pub section47: Vec<Section47Brief>,
    pub conferences: Vec<ConferenceBrief>,
    pub cp_plans: Vec<CpPlanBrief>,
    pub cin_plans: Vec<CinPlanBrief>,
    pub visits: Vec<VisitBrief>,
    /// Per episode: the latest visit at which the child was seen.
    pub latest_seen_visit: HashMap<String, NaiveDateTime>,
    /// Per CIN plan: its latest review.
    pub latest_cin_review: HashMap<String, NaiveDate>,
    /// Per CP plan: its first core group meeting.
    pub first_core_group: HashMap<String, NaiveDate>,
    pub closures: Vec<EpisodeClosureRow>,
}

impl EpisodeRecords {
    /// Only the records of one episode (for a child's page, which loads all their episodes).
    pub fn of_episode(&self, referral_id: &str) -> EpisodeRecords {
        let keep = |r: &str| r == referral_id;
        let cp_ids: Vec<&str> = self
            .cp_plans
            .iter()
            .filter(|p| keep(&p.referral_id))
            .map(|p| p.id.as_str())
            .collect();
        let cin_ids: Vec<&str> = self
            .cin_plans
            .iter()
            .filter(|p| keep(&p.referral_id))
            .map(|p| p.id.as_str())
            .collect();
        EpisodeRecords {
            assessments: filtered(&self.assessments, |a| keep(&a.referral_id)),
            strategy_discussions: filtered(&self.strategy_discussions, |s| keep(&s.referral_id)),
            section47: filtered(&self.section47, |s| keep(&s.referral_id)),
            conferences: filtered(&self.conferences, |c| keep(&c.referral_id)),
            cp_plans: filtered(&self.cp_plans, |p| keep(&p.referral_id)),
            cin_plans: filtered(&self.cin_plans, |p| keep(&p.referral_id)),
            visits: filtered(&self.visits, |v| keep(&v.referral_id)),
            latest_seen_visit: self
                .latest_seen_visit
                .iter()
                .filter(|(r, _)| keep(r))
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
            latest_cin_review: self
                .latest_cin_review
                .iter()
                .filter(|(p, _)| cin_ids.contains(&p.as_str()))
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
            first_core_group: self
                .first_core_group
                .iter()
                .filter(|(p, _)| cp_ids.contains(&p.as_str()))
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
            closures: filtered(&self.closures, |c| keep(&c.referral_id)),
        }
    }
}

fn filtered<T: Clone>(rows: &[T], keep: impl Fn(&T) -> bool) -> Vec<T> {
    rows.iter().filter(|r| keep(r)).cloned().collect()
}

/// Open episodes allocated to one worker.
pub fn open_episodes_for_worker(
    conn: &mut DbConn,
    user_id: &str,
) -> Result<Vec<ReferralRow>, DbError> {
    Ok(referrals::table
        .filter(referrals::worker_id.eq(user_id))
        .filter(referrals::closed_on.is_null())
        .order(referrals::referral_date.asc())
        .select(ReferralRow::as_select())
        .load(conn)?)
}

/// Open episodes held by one team.
pub fn open_episodes_for_team(
    conn: &mut DbConn,
    team_id: &str,
) -> Result<Vec<ReferralRow>, DbError> {
    Ok(referrals::table
        .filter(referrals::team_id.eq(team_id))
        .filter(referrals::closed_on.is_null())
        .order(referrals::referral_date.asc())
        .select(ReferralRow::as_select())
        .load(conn)?)
}

/// Open episodes, allocated to someone else, in which this user has an assessment still to
/// finish.
pub fn open_episodes_with_assessments_by(
    conn: &mut DbConn,
    user_id: &str,
) -> Result<Vec<ReferralRow>, DbError> {
    Ok(referrals::table
        .inner_join(assessments::table)
        .filter(assessments::worker_id.eq(user_id))
        .filter(assessments::status.eq_any(["in_progress", "returned"]))
        .filter(referrals::closed_on.is_null())
        .filter(
            referrals::worker_id
                .is_null()
                .or(referrals::worker_id.ne(user_id)),
        )
        .select(ReferralRow::as_select())
        .distinct()
        .load(conn)?)
}

pub fn referrals_of_person(
    conn: &mut DbConn,
    person_id: &str,
) -> Result<Vec<ReferralRow>, DbError> {
    Ok(referrals::table
        .filter(referrals::person_id.eq(person_id))
        .order((referrals::referral_date.desc(), referrals::id.asc()))
        .select(ReferralRow::as_select())
        .load(conn)?)
}

/// What can still fall due in these episodes: assessments not yet authorised, enquiries,
/// conferences, open plans with their latest visit, review and first core group, and
/// closure requests. The visits themselves are not loaded, only the latest per episode.
pub fn for_open_work(
    conn: &mut DbConn,
    referral_ids: &[String],
) -> Result<EpisodeRecords, DbError> {
    conn.expect_cached_lookups()?;
    let mut out = EpisodeRecords::default();
    for chunk in referral_ids.chunks(CHUNK) {
        out.assessments.extend(
            assessments::table
                .filter(assessments::referral_id.eq_any(chunk))
                // Written out, as the partial index's condition is, so both databases use it.
                .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                    "assessments.status <> 'authorised'",
                ))
                .order((assessments::started_on.asc(), assessments::id.asc()))
                .select(AssessmentBrief::as_select())
                .load(conn)?,
        );
        out.section47.extend(
            section47_enquiries::table
                .filter(section47_enquiries::referral_id.eq_any(chunk))
                .order(section47_enquiries::started_on.asc())
                .select(Section47Brief::as_select())
                .load(conn)?,
        );
        out.conferences.extend(
            conferences::table
                .filter(conferences::referral_id.eq_any(chunk))
                .order(conferences::held_on.asc())
                .select(ConferenceBrief::as_select())
                .load(conn)?,
        );
        out.cp_plans.extend(
            cp_plans::table
                .filter(cp_plans::referral_id.eq_any(chunk))
                .filter(cp_plans::ended_on.is_null())
                .select(CpPlanBrief::as_select())
                .load(conn)?,
        );
        out.cin_plans.extend(
            cin_plans::table
                .filter(cin_plans::referral_id.eq_any(chunk))
                .filter(cin_plans::ended_on.is_null())
                .select(CinPlanBrief::as_select())
                .load(conn)?,
        );
        let seen: Vec<(String, Option<NaiveDateTime>)> = visits::table
            .filter(visits::referral_id.eq_any(chunk))
            // The bare column, which the partial index's condition names.
            .filter(visits::child_seen)
            .group_by(visits::referral_id)
            .select((visits::referral_id, max(visits::visited_at)))
            .load(conn)?;
        out.latest_seen_visit
            .extend(seen.into_iter().filter_map(|(r, at)| Some((r, at?))));
        out.closures.extend(
            episode_closures::table
                .filter(episode_closures::referral_id.eq_any(chunk))
                .filter(episode_closures::status.ne("authorised"))
                .order((
                    episode_closures::requested_at.asc(),
                    episode_closures::id.asc(),
                ))
                .select(EpisodeClosureRow::as_select())
                .load(conn)?,
        );
    }
    plan_dates(conn, &mut out)?;
    Ok(out)
}

/// Everything recorded in one episode.
pub fn for_referral(conn: &mut DbConn, referral_id: &str) -> Result<EpisodeRecords, DbError> {
    let mut out = EpisodeRecords {
        assessments: assessments::table
            .filter(assessments::referral_id.eq(referral_id))
            .order((assessments::started_on.asc(), assessments::id.asc()))
            .select(AssessmentBrief::as_select())
            .load(conn)?,
        strategy_discussions: strategy_discussions::table
            .filter(strategy_discussions::referral_id.eq(referral_id))
            .order(strategy_discussions::held_at.asc())
            .select(StrategyBrief::as_select())
            .load(conn)?,
        section47: section47_enquiries::table
            .filter(section47_enquiries::referral_id.eq(referral_id))
            .order(section47_enquiries::started_on.asc())
            .select(Section47Brief::as_select())
            .load(conn)?,
        conferences: conferences::table
            .filter(conferences::referral_id.eq(referral_id))
            .order(conferences::held_on.asc())
            .select(ConferenceBrief::as_select())
            .load(conn)?,
        cp_plans: cp_plans::table
            .filter(cp_plans::referral_id.eq(referral_id))
            .order(cp_plans::started_on.asc())
            .select(CpPlanBrief::as_select())
            .load(conn)?,
        cin_plans: cin_plans::table
            .filter(cin_plans::referral_id.eq(referral_id))
            .order(cin_plans::started_on.asc())
            .select(CinPlanBrief::as_select())
            .load(conn)?,
        visits: visits::table
            .filter(visits::referral_id.eq(referral_id))
            .order(visits::visited_at.desc())
            .select(VisitBrief::as_select())
            .load(conn)?,
        closures: closures::for_referrals(conn, &[referral_id.to_string()])?,
        ..EpisodeRecords::default()
    };
    latest_seen_from_visits(&mut out);
    plan_dates(conn, &mut out)?;
    Ok(out)
}

/// Everything recorded about one child, in every episode: one query per kind of record, by
/// the `person_id` indexes.
pub fn for_person(
    conn: &mut DbConn,
    person_id: &str,
    referral_ids: &[String],
) -> Result<EpisodeRecords, DbError> {
    let mut out = EpisodeRecords {
        assessments: assessments::table
            .filter(assessments::person_id.eq(person_id))
            .order((assessments::started_on.asc(), assessments::id.asc()))
            .select(AssessmentBrief::as_select())
            .load(conn)?,
        strategy_discussions: strategy_discussions::table
            .filter(strategy_discussions::person_id.eq(person_id))
            .order(strategy_discussions::held_at.asc())
            .select(StrategyBrief::as_select())
            .load(conn)?,
        section47: section47_enquiries::table
            .filter(section47_enquiries::person_id.eq(person_id))
            .order(section47_enquiries::started_on.asc())
            .select(Section47Brief::as_select())
            .load(conn)?,
        conferences: conferences::table
            .filter(conferences::person_id.eq(person_id))
            .order(conferences::held_on.asc())
            .select(ConferenceBrief::as_select())
            .load(conn)?,
        cp_plans: cp_plans::table
            .filter(cp_plans::person_id.eq(person_id))
            .order(cp_plans::started_on.asc())
            .select(CpPlanBrief::as_select())
            .load(conn)?,
        cin_plans: cin_plans::table
            .filter(cin_plans::person_id.eq(person_id))
            .order(cin_plans::started_on.asc())
            .select(CinPlanBrief::as_select())
            .load(conn)?,
        visits: visits::table
            .filter(visits::person_id.eq(person_id))
            .order(visits::visited_at.desc())
            .select(VisitBrief::as_select())
            .load(conn)?,
        closures: closures::for_referrals(conn, referral_ids)?,
        ..EpisodeRecords::default()
    };
    latest_seen_from_visits(&mut out);
    plan_dates(conn, &mut out)?;
    Ok(out)
}

fn latest_seen_from_visits(out: &mut EpisodeRecords) {
    for v in out.visits.iter().filter(|v| v.child_seen) {
        let entry = out
            .latest_seen_visit
            .entry(v.referral_id.clone())
            .or_insert(v.visited_at);
        if v.visited_at > *entry {
            *entry = v.visited_at;
        }
    }
}

/// The latest review of each open CIN plan and the first core group of each open CP plan:
/// what their next due dates run from.
fn plan_dates(conn: &mut DbConn, out: &mut EpisodeRecords) -> Result<(), DbError> {
    let open_cin: Vec<String> = out
        .cin_plans
        .iter()
        .filter(|p| p.ended_on.is_none())
        .map(|p| p.id.clone())
        .collect();
    let open_cp: Vec<String> = out
        .cp_plans
        .iter()
        .filter(|p| p.ended_on.is_none())
        .map(|p| p.id.clone())
        .collect();
    for chunk in open_cin.chunks(CHUNK) {
        let rows: Vec<(String, Option<NaiveDate>)> = cin_plan_reviews::table
            .filter(cin_plan_reviews::cin_plan_id.eq_any(chunk))
            .group_by(cin_plan_reviews::cin_plan_id)
            .select((
                cin_plan_reviews::cin_plan_id,
                max(cin_plan_reviews::held_on),
            ))
            .load(conn)?;
        out.latest_cin_review
            .extend(rows.into_iter().filter_map(|(p, d)| Some((p, d?))));
    }
    for chunk in open_cp.chunks(CHUNK) {
        let rows: Vec<(String, Option<NaiveDate>)> = core_group_meetings::table
            .filter(core_group_meetings::cp_plan_id.eq_any(chunk))
            .group_by(core_group_meetings::cp_plan_id)
            .select((
                core_group_meetings::cp_plan_id,
                min(core_group_meetings::held_on),
            ))
            .load(conn)?;
        out.first_core_group
            .extend(rows.into_iter().filter_map(|(p, d)| Some((p, d?))));
    }
    Ok(())
}

/// Just what a list needs to name a child: lists of hundreds of children read five columns
/// rather than whole records.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = people)]
pub struct PersonName {
    pub id: String,
    pub given_names: String,
    pub family_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub expected_date_of_birth: Option<NaiveDate>,
}

pub fn names_of_people(conn: &mut DbConn, ids: &[String]) -> Result<Vec<PersonName>, DbError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        out.extend(
            people::table
                .filter(people::id.eq_any(chunk))
                .select(PersonName::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// How much is waiting for a team's managers: submitted assessments, section 47 outcomes
/// not yet signed off, and closures awaiting authorisation, in the team's open episodes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AwaitingManager {
    pub assessments: i64,
    pub section47_outcomes: i64,
    pub closures: i64,
}

impl AwaitingManager {
    pub fn total(&self) -> i64 {
        self.assessments + self.section47_outcomes + self.closures
    }
}

/// Three counts joined to the team's open episodes, cheap enough for every page's navigation.
pub fn awaiting_manager_in_team(
    conn: &mut DbConn,
    team_id: &str,
) -> Result<AwaitingManager, DbError> {
    let assessments = assessments::table
        .inner_join(referrals::table)
        .filter(referrals::team_id.eq(team_id))
        .filter(referrals::closed_on.is_null())
        .filter(assessments::status.eq("submitted"))
        .select(count_star())
        .first(conn)?;
    let section47_outcomes = section47_enquiries::table
        .inner_join(referrals::table)
        .filter(referrals::team_id.eq(team_id))
        .filter(referrals::closed_on.is_null())
        .filter(section47_enquiries::outcome.is_not_null())
        .filter(section47_enquiries::signed_off_at.is_null())
        .select(count_star())
        .first(conn)?;
    let closures = episode_closures::table
        .inner_join(referrals::table)
        .filter(referrals::team_id.eq(team_id))
        .filter(referrals::closed_on.is_null())
        .filter(episode_closures::status.eq("awaiting_authorisation"))
        .select(count_star())
        .first(conn)?;
    Ok(AwaitingManager {
        assessments,
        section47_outcomes,
        closures,
    })
}

//! Daily workload snapshots: one row per worker per day, what the caseload dashboards read.
//!
//! Taking a snapshot reads the county in a handful of set queries (the loads through
//! [`super::load::loads`], then the overdue notes, the plans with their latest visits and the
//! assessments authorised in the year, each one query for everybody) and writes the rows with
//! one `INSERT … ON CONFLICT (taken_on, worker_id) DO UPDATE` per chunk: a day taken again is
//! updated in place, never deleted. The dashboards read one day's rows through the
//! `(taken_on, worker_id)` index, one team's through `(team_id, taken_on)`, and the trend from
//! `workload_snapshot_totals`: a row per day for the county and for each team, office and
//! service, recomputed from the day's rows whenever the day is written, so a county's trend
//! is 90 rows rather than 90 days of every worker.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{count_star, max, sum};
use diesel::prelude::*;
use diesel::upsert::excluded;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{
    assessments, case_notes, cin_plans, cp_plans, jobs, referrals, users, visits,
    workload_snapshot_totals, workload_snapshots,
};

/// Ids per `IN (…)` list, and rows per insert (21 columns each: well inside both databases'
/// limits on bound parameters).
const CHUNK: usize = 1_000;
const ROWS_PER_INSERT: usize = 500;

/// One worker's figures on one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Queryable, Selectable, Insertable)]
#[diesel(table_name = workload_snapshots)]
pub struct SnapshotRow {
    pub id: String,
    pub taken_on: NaiveDate,
    pub worker_id: String,
    pub team_id: Option<String>,
    pub office_id: Option<String>,
    pub service: Option<String>,
    pub model_id: String,
    pub cases: i32,
    pub pieces_of_work: i32,
    pub weighted_centi: i32,
    pub capacity_centi: i32,
    pub fte_centi: i32,
    pub case_holding: bool,
    pub rating: String,
    pub overdue_recordings: i32,
    pub overdue_visits: i32,
    pub assessments_completed: i32,
    pub assessments_in_time: i32,
    pub assessments_rated: i32,
    pub assessments_rated_good: i32,
    pub taken_at: NaiveDateTime,
}

/// Writes the rows; a (day, worker) already stored is updated in place (its id is kept).
pub fn upsert(conn: &mut DbConn, rows: &[SnapshotRow]) -> Result<usize, DbError> {
    use workload_snapshots as s;
    macro_rules! upsert {
        ($c:expr, $values:expr) => {
            diesel::insert_into(s::table)
                .values($values)
                .on_conflict((s::taken_on, s::worker_id))
                .do_update()
                .set((
                    s::team_id.eq(excluded(s::team_id)),
                    s::office_id.eq(excluded(s::office_id)),
                    s::service.eq(excluded(s::service)),
                    s::model_id.eq(excluded(s::model_id)),
                    s::cases.eq(excluded(s::cases)),
                    s::pieces_of_work.eq(excluded(s::pieces_of_work)),
                    s::weighted_centi.eq(excluded(s::weighted_centi)),
                    s::capacity_centi.eq(excluded(s::capacity_centi)),
                    s::fte_centi.eq(excluded(s::fte_centi)),
                    s::case_holding.eq(excluded(s::case_holding)),
                    s::rating.eq(excluded(s::rating)),
                    s::overdue_recordings.eq(excluded(s::overdue_recordings)),
                    s::overdue_visits.eq(excluded(s::overdue_visits)),
                    s::assessments_completed.eq(excluded(s::assessments_completed)),
                    s::assessments_in_time.eq(excluded(s::assessments_in_time)),
                    s::assessments_rated.eq(excluded(s::assessments_rated)),
                    s::assessments_rated_good.eq(excluded(s::assessments_rated_good)),
                    s::taken_at.eq(excluded(s::taken_at)),
                ))
                .execute($c)
        };
    }
    let mut written = 0;
    match conn {
        // PostgreSQL takes many rows per statement.
        DbConn::Pg(c) => {
            for chunk in rows.chunks(ROWS_PER_INSERT) {
                written += upsert!(c, chunk)?;
            }
        }
        // Diesel's SQLite dialect has no multi-row upsert: a row per statement, which inside
        // the caller's transaction costs microseconds each.
        DbConn::Sqlite(c) => {
            for row in rows {
                written += upsert!(c, row)?;
            }
        }
    }
    let mut days: Vec<NaiveDate> = rows.iter().map(|r| r.taken_on).collect();
    days.sort_unstable();
    days.dedup();
    for day in days {
        refresh_totals(conn, day)?;
    }
    Ok(written)
}

/// A day's totals for one scope, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = workload_snapshot_totals)]
struct TotalsRow {
    scope_kind: String,
    scope_key: String,
    taken_on: NaiveDate,
    workers: i32,
    case_holding: i32,
    weighted_centi: i64,
    capacity_centi: i64,
    cases: i64,
    amber: i32,
    red: i32,
}

impl TotalsRow {
    fn empty(scope_kind: &str, scope_key: &str, taken_on: NaiveDate) -> TotalsRow {
        TotalsRow {
            scope_kind: scope_kind.into(),
            scope_key: scope_key.into(),
            taken_on,
            workers: 0,
            case_holding: 0,
            weighted_centi: 0,
            capacity_centi: 0,
            cases: 0,
            amber: 0,
            red: 0,
        }
    }

    /// Adds a worker's row: every worker counts towards amber and red, only case-holding
    /// workers towards the load and the cases (as the dashboard's group figures do).
    fn add(&mut self, r: &SnapshotRow) {
        self.workers += 1;
        if r.case_holding {
            self.case_holding += 1;
            self.weighted_centi += i64::from(r.weighted_centi);
            self.capacity_centi += i64::from(r.capacity_centi);
            self.cases += i64::from(r.cases);
        }
        match r.rating.as_str() {
            "amber" => self.amber += 1,
            "red" => self.red += 1,
            _ => {}
        }
    }
}

impl From<TotalsRow> for DayTotals {
    fn from(t: TotalsRow) -> DayTotals {
        DayTotals {
            taken_on: t.taken_on,
            case_holding: i64::from(t.case_holding),
            weighted_centi: t.weighted_centi,
            capacity_centi: t.capacity_centi,
            cases: t.cases,
            amber: i64::from(t.amber),
            red: i64::from(t.red),
        }
    }
}

/// The scope kinds totals are kept for, with the key of a worker's row in each.
fn scope_keys(r: &SnapshotRow) -> [(&'static str, Option<&str>); 4] {
    [
        (SCOPE_ALL, Some("")),
        (SCOPE_TEAM, r.team_id.as_deref()),
        (SCOPE_OFFICE, r.office_id.as_deref()),
        (SCOPE_SERVICE, r.service.as_deref()),
    ]
}

const SCOPE_ALL: &str = "all";
const SCOPE_TEAM: &str = "team";
const SCOPE_OFFICE: &str = "office";
const SCOPE_SERVICE: &str = "service";

/// Recomputes the stored totals of `day` from its rows. The day's totals are zeroed first, so
/// a team whose last worker has moved on keeps no stale figure (a zeroed total is not read).
pub fn refresh_totals(conn: &mut DbConn, day: NaiveDate) -> Result<(), DbError> {
    use workload_snapshot_totals as t;
    let mut totals: HashMap<(&'static str, String), TotalsRow> = HashMap::new();
    for r in on_day(conn, day, &Scope::default())? {
        for (kind, key) in scope_keys(&r) {
            if let Some(key) = key {
                totals
                    .entry((kind, key.to_string()))
                    .or_insert_with(|| TotalsRow::empty(kind, key, day))
                    .add(&r);
            }
        }
    }
    diesel::update(t::table.filter(t::taken_on.eq(day)))
        .set((
            t::workers.eq(0),
            t::case_holding.eq(0),
            t::weighted_centi.eq(0_i64),
            t::capacity_centi.eq(0_i64),
            t::cases.eq(0_i64),
            t::amber.eq(0),
            t::red.eq(0),
        ))
        .execute(conn)?;
    for row in totals.values() {
        crate::each_backend!(conn, c => diesel::insert_into(t::table)
            .values(row)
            .on_conflict((t::scope_kind, t::scope_key, t::taken_on))
            .do_update()
            .set((
                t::workers.eq(excluded(t::workers)),
                t::case_holding.eq(excluded(t::case_holding)),
                t::weighted_centi.eq(excluded(t::weighted_centi)),
                t::capacity_centi.eq(excluded(t::capacity_centi)),
                t::cases.eq(excluded(t::cases)),
                t::amber.eq(excluded(t::amber)),
                t::red.eq(excluded(t::red)),
            ))
            .execute(c))?;
    }
    Ok(())
}

/// Whether any snapshot was taken for `on`.
pub fn has_day(conn: &mut DbConn, on: NaiveDate) -> Result<bool, DbError> {
    let found: Option<NaiveDate> = workload_snapshots::table
        .filter(workload_snapshots::taken_on.eq(on))
        .select(workload_snapshots::taken_on)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// The days with snapshots in `[from, to]`, oldest first.
pub fn days_between(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<NaiveDate>, DbError> {
    Ok(workload_snapshots::table
        .filter(workload_snapshots::taken_on.ge(from))
        .filter(workload_snapshots::taken_on.le(to))
        .select(workload_snapshots::taken_on)
        .distinct()
        .order(workload_snapshots::taken_on.asc())
        .load(conn)?)
}

/// The latest day with snapshots on or before `on` (of all, with none).
pub fn latest_day(conn: &mut DbConn, on: Option<NaiveDate>) -> Result<Option<NaiveDate>, DbError> {
    let mut q = workload_snapshots::table
        .select(max(workload_snapshots::taken_on))
        .into_boxed();
    if let Some(on) = on {
        q = q.filter(workload_snapshots::taken_on.le(on));
    }
    Ok(q.first::<Option<NaiveDate>>(conn)?)
}

/// Which rows of a day to read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    pub team_id: Option<String>,
    pub office_id: Option<String>,
    pub service: Option<String>,
}

/// One day's rows in the scope.
pub fn on_day(
    conn: &mut DbConn,
    on: NaiveDate,
    scope: &Scope,
) -> Result<Vec<SnapshotRow>, DbError> {
    let mut q = workload_snapshots::table
        .filter(workload_snapshots::taken_on.eq(on))
        .select(SnapshotRow::as_select())
        .into_boxed();
    if let Some(team) = &scope.team_id {
        q = q.filter(workload_snapshots::team_id.eq(team.clone()));
    }
    if let Some(office) = &scope.office_id {
        q = q.filter(workload_snapshots::office_id.eq(office.clone()));
    }
    if let Some(service) = &scope.service {
        q = q.filter(workload_snapshots::service.eq(service.clone()));
    }
    Ok(q.order(workload_snapshots::worker_id.asc()).load(conn)?)
}

/// One day of the trend: totals over the day's rows in the scope.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DayTotals {
    pub taken_on: NaiveDate,
    /// Case-holding workers, and their weighted load and capacity in hundredths.
    pub case_holding: i64,
    pub weighted_centi: i64,
    pub capacity_centi: i64,
    pub cases: i64,
    pub amber: i64,
    pub red: i64,
}

/// (day, case-holding workers, their weighted load, capacity and cases).
type HoldingTotals = (NaiveDate, i64, Option<i64>, Option<i64>, Option<i64>);

impl Scope {
    /// The stored totals that answer for this scope: the county's, or one team's, office's or
    /// service's. `None` when several are combined.
    fn totals_key(&self) -> Option<(&'static str, &str)> {
        match (&self.team_id, &self.office_id, &self.service) {
            (None, None, None) => Some((SCOPE_ALL, "")),
            (Some(team), None, None) => Some((SCOPE_TEAM, team)),
            (None, Some(office), None) => Some((SCOPE_OFFICE, office)),
            (None, None, Some(service)) => Some((SCOPE_SERVICE, service)),
            _ => None,
        }
    }
}

/// The totals of each snapshot day in `[from, to]` in the scope, oldest first: the stored
/// day totals (a row a day), or for a combination of filters two grouped queries over the
/// days' rows.
pub fn trend(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
    scope: &Scope,
) -> Result<Vec<DayTotals>, DbError> {
    let Some((kind, key)) = scope.totals_key() else {
        return trend_grouped(conn, from, to, scope);
    };
    use workload_snapshot_totals as t;
    let rows: Vec<TotalsRow> = t::table
        .filter(t::scope_kind.eq(kind))
        .filter(t::scope_key.eq(key))
        .filter(t::taken_on.ge(from))
        .filter(t::taken_on.le(to))
        .filter(t::workers.gt(0))
        .order(t::taken_on.asc())
        .select(TotalsRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(DayTotals::from).collect())
}

/// [`trend`] computed from the workers' rows.
pub fn trend_grouped(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
    scope: &Scope,
) -> Result<Vec<DayTotals>, DbError> {
    use workload_snapshots as s;
    macro_rules! scoped {
        ($q:expr) => {{
            let mut q = $q.filter(s::taken_on.ge(from)).filter(s::taken_on.le(to));
            if let Some(team) = &scope.team_id {
                q = q.filter(s::team_id.eq(team.clone()));
            }
            if let Some(office) = &scope.office_id {
                q = q.filter(s::office_id.eq(office.clone()));
            }
            if let Some(service) = &scope.service {
                q = q.filter(s::service.eq(service.clone()));
            }
            q
        }};
    }
    let holding: Vec<HoldingTotals> = scoped!(
        s::table
            .filter(s::case_holding.eq(true))
            .group_by(s::taken_on)
            .select((
                s::taken_on,
                count_star(),
                sum(s::weighted_centi),
                sum(s::capacity_centi),
                sum(s::cases),
            ))
            .into_boxed()
    )
    .load(conn)?;
    let ratings: Vec<(NaiveDate, String, i64)> = scoped!(
        s::table
            .filter(s::rating.ne("green"))
            .group_by((s::taken_on, s::rating))
            .select((s::taken_on, s::rating, count_star()))
            .into_boxed()
    )
    .load(conn)?;
    let mut by_day: std::collections::BTreeMap<NaiveDate, DayTotals> = Default::default();
    for (day, n, weighted, capacity, cases) in holding {
        let t = by_day.entry(day).or_default();
        t.taken_on = day;
        t.case_holding = n;
        t.weighted_centi = weighted.unwrap_or(0);
        t.capacity_centi = capacity.unwrap_or(0);
        t.cases = cases.unwrap_or(0);
    }
    for (day, rating, n) in ratings {
        let t = by_day.entry(day).or_default();
        t.taken_on = day;
        match rating.as_str() {
            "amber" => t.amber += n,
            "red" => t.red += n,
            _ => {}
        }
    }
    Ok(by_day.into_values().collect())
}

/// Notes overdue on a day, by author: drafts about an event before `event_before` that were
/// written by the end of the day (`day_end`) and not finalised by then (still a draft, or
/// finalised later).
pub fn overdue_notes_by_author(
    conn: &mut DbConn,
    event_before: NaiveDateTime,
    day_end: NaiveDateTime,
) -> Result<HashMap<String, i64>, DbError> {
    let rows: Vec<(String, i64)> = case_notes::table
        .filter(case_notes::occurred_at.lt(event_before))
        .filter(case_notes::created_at.lt(day_end))
        .filter(
            case_notes::status
                .eq("draft")
                .or(case_notes::status.eq("final").and(
                    case_notes::recorded_at
                        .is_not_null()
                        .and(case_notes::recorded_at.ge(day_end)),
                )),
        )
        .group_by(case_notes::author_user_id)
        .select((case_notes::author_user_id, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// A plan open on the day, with what its next visit is counted from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenPlan {
    /// "cp" or "cin".
    pub kind: &'static str,
    pub referral_id: String,
    pub referral_date: NaiveDate,
    pub started_on: NaiveDate,
    /// The latest visit in the episode with the child seen, before the end of the day.
    pub latest_seen_visit: Option<NaiveDateTime>,
}

/// Every child protection and child in need plan open on `on`, with the latest visit (child
/// seen) in its episode before `day_end`.
pub fn open_plans(
    conn: &mut DbConn,
    on: NaiveDate,
    day_end: NaiveDateTime,
) -> Result<Vec<OpenPlan>, DbError> {
    let cp: Vec<(String, NaiveDate, NaiveDate)> = cp_plans::table
        .inner_join(referrals::table.on(referrals::id.eq(cp_plans::referral_id)))
        .filter(cp_plans::started_on.le(on))
        .filter(cp_plans::ended_on.is_null().or(cp_plans::ended_on.gt(on)))
        .select((
            cp_plans::referral_id,
            referrals::referral_date,
            cp_plans::started_on,
        ))
        .load(conn)?;
    let cin: Vec<(String, NaiveDate, NaiveDate)> = cin_plans::table
        .inner_join(referrals::table.on(referrals::id.eq(cin_plans::referral_id)))
        .filter(cin_plans::started_on.le(on))
        .filter(cin_plans::ended_on.is_null().or(cin_plans::ended_on.gt(on)))
        .select((
            cin_plans::referral_id,
            referrals::referral_date,
            cin_plans::started_on,
        ))
        .load(conn)?;
    let mut referral_ids: Vec<String> = cp.iter().chain(cin.iter()).map(|p| p.0.clone()).collect();
    referral_ids.sort();
    referral_ids.dedup();
    let mut latest: HashMap<String, NaiveDateTime> = HashMap::new();
    for chunk in referral_ids.chunks(CHUNK) {
        let rows: Vec<(String, Option<NaiveDateTime>)> = visits::table
            .filter(visits::referral_id.eq_any(chunk))
            .filter(visits::child_seen.eq(true))
            .filter(visits::visited_at.lt(day_end))
            .group_by(visits::referral_id)
            .select((visits::referral_id, max(visits::visited_at)))
            .load(conn)?;
        latest.extend(rows.into_iter().filter_map(|(r, at)| Some((r, at?))));
    }
    let plan = |kind: &'static str| {
        let latest = &latest;
        move |(referral_id, referral_date, started_on): (String, NaiveDate, NaiveDate)| OpenPlan {
            kind,
            latest_seen_visit: latest.get(&referral_id).copied(),
            referral_id,
            referral_date,
            started_on,
        }
    };
    Ok(cp
        .into_iter()
        .map(plan("cp"))
        .chain(cin.into_iter().map(plan("cin")))
        .collect())
}

/// An assessment authorised in the period, as the timeliness and quality figures need it.
#[derive(Clone, Debug, PartialEq, Eq, Queryable)]
pub struct AuthorisedAssessment {
    pub worker_id: String,
    pub kind: String,
    pub referral_date: NaiveDate,
    pub started_on: NaiveDate,
    pub authorised_on: NaiveDate,
    pub quality_rating: Option<String>,
}

/// Assessments authorised in `(after, on]`.
pub fn authorised_assessments(
    conn: &mut DbConn,
    after: NaiveDate,
    on: NaiveDate,
) -> Result<Vec<AuthorisedAssessment>, DbError> {
    Ok(assessments::table
        .inner_join(referrals::table.on(referrals::id.eq(assessments::referral_id)))
        .filter(assessments::authorised_on.gt(after))
        .filter(assessments::authorised_on.le(on))
        .select((
            assessments::worker_id,
            assessments::kind,
            referrals::referral_date,
            assessments::started_on,
            assessments::authorised_on.assume_not_null(),
            assessments::quality_rating,
        ))
        .load(conn)?)
}

/// Whether a job of `kind` is waiting or running (so the daily schedule does not queue it
/// twice).
pub fn job_pending(conn: &mut DbConn, kind: &str) -> Result<bool, DbError> {
    let n: i64 = jobs::table
        .filter(jobs::kind.eq(kind))
        .filter(jobs::status.eq_any(["queued", "running"]))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The latest `n` snapshot days on or before `on`, oldest first.
pub fn recent_days(conn: &mut DbConn, on: NaiveDate, n: i64) -> Result<Vec<NaiveDate>, DbError> {
    use workload_snapshot_totals as t;
    let mut days: Vec<NaiveDate> = t::table
        .filter(t::scope_kind.eq(SCOPE_ALL))
        .filter(t::scope_key.eq(""))
        .filter(t::taken_on.le(on))
        .filter(t::workers.gt(0))
        .select(t::taken_on)
        .order(t::taken_on.desc())
        .limit(n)
        .load(conn)?;
    days.reverse();
    Ok(days)
}

/// Display names of these users, by id.
pub fn user_names(conn: &mut DbConn, ids: &[String]) -> Result<HashMap<String, String>, DbError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(String, String)> = users::table
            .filter(users::id.eq_any(chunk))
            .select((users::id, users::display_name))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

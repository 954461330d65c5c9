//! The caseload dashboards, read from the snapshots.
//!
//! Every figure comes from one day's `workload_snapshots` rows (the latest day, or the day
//! asked for) and the trend from the totals of the snapshot days before it: nothing here
//! recomputes a load, so a county's dashboard is a few indexed reads.
//!
//! # Conventions (stated on the page too)
//!
//! - A worker's **load** is their weighted caseload as a percentage of their capacity (the
//!   role's capacity scaled by their hours, less for newly qualified workers), rated against
//!   their service's amber and red levels in the model in force that day.
//! - A group's **load** (team, office, service, the trend) is the total weighted caseload of
//!   its case-holding workers as a percentage of their total capacity.
//! - **Case-holding** workers are those with a capacity above zero under the model.
//! - **Cases per case-holding FTE** (the DfE children's social work workforce census
//!   figure): children whose case is held by case-holding workers, divided by the sum of
//!   those workers' full-time equivalents.
//! - **Assessment timeliness** is the share of the assessments a worker wrote, authorised in
//!   the 12 months to the day, that were authorised within their timescale; **quality** is
//!   the share of the rated ones that a manager rated good or outstanding.

use std::collections::{BTreeMap, HashMap};

use cairn_db::DbConn;
use cairn_db::caseloads::snapshots::{self as repo, DayTotals, Scope, SnapshotRow};
use cairn_domain::caseloads::points::Points;
use cairn_domain::caseloads::{Rating, Service};
use cairn_domain::dates::format_long;
use cairn_domain::policy::Action;
use cairn_render::svg::{Bar, BarChart, LineChart};
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use crate::actor::Actor;
use crate::audit_trail::Record;
use crate::casework::audit_after_read;
use crate::error::{ServiceError, ServiceResult};
use crate::front_door::performance::csv_line;
use crate::tx;

/// The sections in page order, by CSV name (`/caseloads/{key}.csv`).
pub const SECTION_KEYS: [&str; 7] = [
    "distribution",
    "workers",
    "over-limits",
    "teams",
    "offices",
    "services",
    "trend",
];
/// Rows a section's table shows on the page; its CSV has every row.
pub const PAGE_ROWS: usize = 200;
/// Bars a chart draws at most (the table lists everyone).
pub const MAX_CHART_BARS: usize = 25;
/// Snapshot days the trend covers.
pub const TREND_DAYS: i64 = 90;

/// What to show: a day (the latest on or before it; none for the latest of all) and a team,
/// office or service.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DashboardFilter {
    pub date: Option<NaiveDate>,
    pub team_id: Option<String>,
    pub office_id: Option<String>,
    /// A [`Service`] code.
    pub service: Option<String>,
}

impl DashboardFilter {
    fn scope(&self) -> Scope {
        Scope {
            team_id: self.team_id.clone(),
            office_id: self.office_id.clone(),
            service: self.service.clone(),
        }
    }

    fn audit_detail(&self, taken_on: Option<NaiveDate>) -> serde_json::Value {
        json!({
            "date": self.date,
            "taken_on": taken_on,
            "team_id": self.team_id,
            "office_id": self.office_id,
            "service": self.service,
        })
    }
}

fn percent(part: i64, of: i64) -> Option<i64> {
    (of > 0).then(|| part * 100 / of)
}

fn ratio(part: i64, of: i64) -> Option<f64> {
    (of > 0).then(|| ((part as f64 / of as f64) * 10.0).round() / 10.0)
}

fn text<T: ToString>(v: Option<T>, suffix: &str) -> String {
    v.map(|v| format!("{}{suffix}", v.to_string()))
        .unwrap_or_else(|| "–".into())
}

fn csv_of<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// One worker on the day: their caseload beside their overdue work and assessments.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorkerFigures {
    pub worker_id: String,
    pub name: String,
    pub team_id: Option<String>,
    pub team: String,
    pub office_id: Option<String>,
    pub office: String,
    /// A [`Service`] code.
    pub service_code: Option<String>,
    pub service: String,
    pub cases: i64,
    pub pieces_of_work: i64,
    pub weighted: Points,
    pub capacity: Points,
    /// Full-time equivalent, 1 = full time.
    pub fte: f64,
    pub case_holding: bool,
    /// Weighted load as a percentage of capacity; none without capacity.
    pub load_percent: Option<i64>,
    /// "green", "amber" or "red".
    pub rating: String,
    pub overdue_recordings: i64,
    pub overdue_visits: i64,
    pub assessments_completed: i64,
    pub assessments_in_time: i64,
    pub timeliness_percent: Option<i64>,
    pub assessments_rated: i64,
    pub assessments_rated_good: i64,
    pub good_percent: Option<i64>,
}

/// Totals for a team, office, service or the whole scope.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GroupFigures {
    /// The team's or office's id, or the service's code; empty for the whole scope.
    pub id: String,
    pub name: String,
    pub workers: i64,
    pub case_holding_workers: i64,
    /// Sum of the case-holding workers' FTE, in hundredths.
    pub case_holding_fte_centi: i64,
    /// Children whose case is held by any worker in the group.
    pub cases: i64,
    /// Children whose case is held by a case-holding worker (the census figure's numerator).
    pub case_holding_cases: i64,
    pub weighted: Points,
    pub capacity: Points,
    pub load_percent: Option<i64>,
    /// Cases per case-holding worker.
    pub average_cases: Option<f64>,
    /// Cases per case-holding FTE: the DfE workforce census figure.
    pub cases_per_fte: Option<f64>,
    pub amber: i64,
    pub red: i64,
    pub overdue_recordings: i64,
    pub overdue_visits: i64,
    pub assessments_completed: i64,
    pub assessments_in_time: i64,
    pub timeliness_percent: Option<i64>,
    pub assessments_rated: i64,
    pub assessments_rated_good: i64,
    pub good_percent: Option<i64>,
}

impl GroupFigures {
    fn add(&mut self, w: &WorkerFigures, fte_centi: i64) {
        self.workers += 1;
        self.cases += w.cases;
        if w.case_holding {
            self.case_holding_workers += 1;
            self.case_holding_fte_centi += fte_centi;
            self.case_holding_cases += w.cases;
            self.weighted += w.weighted;
            self.capacity += w.capacity;
        }
        match w.rating.as_str() {
            "amber" => self.amber += 1,
            "red" => self.red += 1,
            _ => {}
        }
        self.overdue_recordings += w.overdue_recordings;
        self.overdue_visits += w.overdue_visits;
        self.assessments_completed += w.assessments_completed;
        self.assessments_in_time += w.assessments_in_time;
        self.assessments_rated += w.assessments_rated;
        self.assessments_rated_good += w.assessments_rated_good;
    }

    fn finish(mut self) -> GroupFigures {
        self.load_percent = self.weighted.percent_of(self.capacity);
        self.average_cases = ratio(self.case_holding_cases, self.case_holding_workers);
        self.cases_per_fte = ratio(self.case_holding_cases * 100, self.case_holding_fte_centi);
        self.timeliness_percent = percent(self.assessments_in_time, self.assessments_completed);
        self.good_percent = percent(self.assessments_rated_good, self.assessments_rated);
        self
    }
}

/// One bar of the distribution: case-holding workers whose load is in a band.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Band {
    pub label: String,
    /// Lowest percentage in the band; the last band is open-ended.
    pub from_percent: i64,
    pub to_percent: Option<i64>,
    pub workers: i64,
}

/// One snapshot day of the trend.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrendPoint {
    pub taken_on: NaiveDate,
    pub case_holding_workers: i64,
    pub cases: i64,
    pub load_percent: Option<i64>,
    pub amber: i64,
    pub red: i64,
}

impl From<&DayTotals> for TrendPoint {
    fn from(t: &DayTotals) -> Self {
        TrendPoint {
            taken_on: t.taken_on,
            case_holding_workers: t.case_holding,
            cases: t.cases,
            load_percent: percent(t.weighted_centi, t.capacity_centi),
            amber: t.amber,
            red: t.red,
        }
    }
}

/// A chart of a section.
#[derive(Clone, Debug)]
pub enum Chart {
    Bar(BarChart),
    Line(LineChart),
}

/// One row of a section's table: the cells as shown and the same values for the CSV.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub cells: Vec<String>,
    pub csv: Vec<String>,
    /// The rating of the row's worker, for the tag on the page.
    pub rating: Option<String>,
}

/// One section of the page: its charts, the table beside them and the CSV of the table.
#[derive(Clone, Debug)]
pub struct Section {
    pub key: &'static str,
    pub title: String,
    pub how_counted: String,
    pub summary: String,
    pub headers: Vec<&'static str>,
    pub numeric: Vec<bool>,
    pub rows: Vec<Row>,
    pub charts: Vec<Chart>,
}

impl Section {
    pub fn page_rows(&self) -> &[Row] {
        &self.rows[..self.rows.len().min(PAGE_ROWS)]
    }

    pub fn truncated(&self) -> bool {
        self.rows.len() > PAGE_ROWS
    }

    pub fn csv(&self) -> String {
        let mut out = String::new();
        csv_line(&mut out, &self.headers);
        for r in &self.rows {
            let fields: Vec<&str> = r.csv.iter().map(String::as_str).collect();
            csv_line(&mut out, &fields);
        }
        out
    }
}

/// Everything the dashboard shows, and what the API returns.
#[derive(Clone, Debug, Serialize)]
pub struct Dashboard {
    pub filter: DashboardFilter,
    /// The snapshot day shown; none when no snapshot has been taken (on or before the date).
    pub taken_on: Option<NaiveDate>,
    /// The name of the team, office or service chosen, or "every team".
    pub scope_label: String,
    /// The whole scope's totals; `cases_per_fte` is the census figure.
    pub summary: GroupFigures,
    pub distribution: Vec<Band>,
    /// Most loaded first.
    pub workers: Vec<WorkerFigures>,
    pub by_team: Vec<GroupFigures>,
    pub by_office: Vec<GroupFigures>,
    pub by_service: Vec<GroupFigures>,
    pub trend: Vec<TrendPoint>,
    /// (id, name) of every team and office, and (code, label) of every service: the filters.
    #[serde(skip)]
    pub teams: Vec<(String, String)>,
    #[serde(skip)]
    pub offices: Vec<(String, String)>,
    #[serde(skip)]
    pub services: Vec<(String, String)>,
}

/// The dashboard. Needs [`Action::ViewCaseloads`]; each view is audited
/// (`caseloads.dashboard_view`).
pub fn dashboard(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &DashboardFilter,
) -> ServiceResult<Dashboard> {
    let d = build(conn, actor, filter)?;
    audit_after_read(
        conn,
        actor,
        Record::ok("caseloads.dashboard_view").detail(filter.audit_detail(d.taken_on)),
    )?;
    Ok(d)
}

/// The trend alone (for the API): the totals of the last [`TREND_DAYS`] snapshot days on or
/// before the filter's date. Audited as `caseloads.trend_view`.
pub fn trend(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &DashboardFilter,
) -> ServiceResult<Vec<TrendPoint>> {
    tx::require(conn, actor, Action::ViewCaseloads)?;
    let points = tx::read(conn, actor, |c| {
        check(c, filter)?;
        trend_points(c, filter)
    })?;
    audit_after_read(
        conn,
        actor,
        Record::ok("caseloads.trend_view").detail(filter.audit_detail(None)),
    )?;
    Ok(points)
}

/// One section as CSV: (file name, body). Audited like the page, naming the section.
pub fn section_csv(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &DashboardFilter,
    key: &str,
) -> ServiceResult<(String, String)> {
    let d = build(conn, actor, filter)?;
    let section = sections(&d)
        .into_iter()
        .find(|s| s.key == key)
        .ok_or(ServiceError::NotFound("The section"))?;
    let mut detail = filter.audit_detail(d.taken_on);
    if let Some(obj) = detail.as_object_mut() {
        obj.insert("section".into(), json!(key));
    }
    audit_after_read(
        conn,
        actor,
        Record::ok("caseloads.dashboard_download").detail(detail),
    )?;
    let day = d
        .taken_on
        .map(|t| t.to_string())
        .unwrap_or_else(|| "none".into());
    Ok((format!("caseloads-{key}-{day}.csv"), section.csv()))
}

/// (value, label) pairs for a filter's select.
pub type Choices = Vec<(String, String)>;

/// The filter choices alone (teams, offices, services), for a form whose filters need
/// correcting.
pub fn choices(conn: &mut DbConn, actor: &Actor) -> ServiceResult<(Choices, Choices, Choices)> {
    tx::require(conn, actor, Action::ViewCaseloads)?;
    tx::read(conn, actor, |c| {
        let (teams, offices) = teams_and_offices(c)?;
        Ok((teams, offices, service_choices()))
    })
}

fn service_choices() -> Vec<(String, String)> {
    Service::ALL
        .iter()
        .map(|s| (s.code().to_string(), s.label().to_string()))
        .collect()
}

fn teams_and_offices(c: &mut DbConn) -> ServiceResult<(Choices, Choices)> {
    let teams = cairn_db::organisation::list_teams(c)?
        .into_iter()
        .map(|t| (t.team.id, t.team.name))
        .collect();
    let offices = cairn_db::organisation::list_offices(c)?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    Ok((teams, offices))
}

/// Refuses a team, office or service that does not exist.
fn check(c: &mut DbConn, filter: &DashboardFilter) -> ServiceResult<()> {
    let mut errors = cairn_domain::validation::FieldErrors::new();
    if let Some(t) = &filter.team_id
        && cairn_db::organisation::find_team(c, t)?.is_none()
    {
        errors.push("team", "Choose a team from the list");
    }
    if let Some(o) = &filter.office_id
        && cairn_db::organisation::find_office(c, o)?.is_none()
    {
        errors.push("office", "Choose an office from the list");
    }
    if let Some(s) = &filter.service
        && Service::from_code(s).is_none()
    {
        errors.push("service", "Choose a service from the list");
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Invalid(errors))
    }
}

fn trend_points(c: &mut DbConn, filter: &DashboardFilter) -> ServiceResult<Vec<TrendPoint>> {
    let on = match filter.date {
        Some(d) => d,
        None => match repo::latest_day(c, None)? {
            Some(d) => d,
            None => return Ok(Vec::new()),
        },
    };
    let days = repo::recent_days(c, on, TREND_DAYS)?;
    let Some(first) = days.first().copied() else {
        return Ok(Vec::new());
    };
    Ok(repo::trend(c, first, on, &filter.scope())?
        .iter()
        .map(TrendPoint::from)
        .collect())
}

fn build(conn: &mut DbConn, actor: &Actor, filter: &DashboardFilter) -> ServiceResult<Dashboard> {
    tx::require(conn, actor, Action::ViewCaseloads)?;
    tx::read(conn, actor, |c| {
        check(c, filter)?;
        let (teams, offices) = teams_and_offices(c)?;
        let taken_on = repo::latest_day(c, filter.date)?;
        let rows = match taken_on {
            Some(day) => repo::on_day(c, day, &filter.scope())?,
            None => Vec::new(),
        };
        let ids: Vec<String> = rows.iter().map(|r| r.worker_id.clone()).collect();
        let names = repo::user_names(c, &ids)?;
        let trend = match taken_on {
            Some(day) => trend_points(
                c,
                &DashboardFilter {
                    date: Some(day),
                    ..filter.clone()
                },
            )?,
            None => Vec::new(),
        };
        let team_names: HashMap<&str, &str> = teams
            .iter()
            .map(|(i, n)| (i.as_str(), n.as_str()))
            .collect();
        let office_names: HashMap<&str, &str> = offices
            .iter()
            .map(|(i, n)| (i.as_str(), n.as_str()))
            .collect();
        let scope_label = if let Some(t) = &filter.team_id {
            team_names
                .get(t.as_str())
                .copied()
                .unwrap_or("the team")
                .to_string()
        } else if let Some(o) = &filter.office_id {
            office_names
                .get(o.as_str())
                .copied()
                .unwrap_or("the office")
                .to_string()
        } else if let Some(s) = filter.service.as_deref().and_then(Service::from_code) {
            s.label().to_string()
        } else {
            "every team".to_string()
        };
        let figures = |r: &SnapshotRow| worker_figures(r, &names, &team_names, &office_names);
        let mut workers: Vec<(WorkerFigures, i64)> = rows
            .iter()
            .map(|r| (figures(r), i64::from(r.fte_centi)))
            .collect();
        workers.sort_by(|(a, _), (b, _)| {
            b.load_percent
                .cmp(&a.load_percent)
                .then_with(|| b.weighted.cmp(&a.weighted))
                .then_with(|| a.name.cmp(&b.name))
        });
        let mut summary = GroupFigures {
            name: scope_label.clone(),
            ..GroupFigures::default()
        };
        let mut by_team: BTreeMap<(String, String), GroupFigures> = BTreeMap::new();
        let mut by_office: BTreeMap<(String, String), GroupFigures> = BTreeMap::new();
        let mut by_service: BTreeMap<(String, String), GroupFigures> = BTreeMap::new();
        for (w, fte) in &workers {
            summary.add(w, *fte);
            let group = |id: &str, name: &str| GroupFigures {
                id: id.to_string(),
                name: name.to_string(),
                ..GroupFigures::default()
            };
            let team_id = w.team_id.clone().unwrap_or_default();
            by_team
                .entry((w.team.clone(), team_id.clone()))
                .or_insert_with(|| group(&team_id, &w.team))
                .add(w, *fte);
            let office_id = w.office_id.clone().unwrap_or_default();
            by_office
                .entry((w.office.clone(), office_id.clone()))
                .or_insert_with(|| group(&office_id, &w.office))
                .add(w, *fte);
            let service_code = w.service_code.clone().unwrap_or_default();
            by_service
                .entry((w.service.clone(), service_code.clone()))
                .or_insert_with(|| group(&service_code, &w.service))
                .add(w, *fte);
        }
        let finish = |m: BTreeMap<(String, String), GroupFigures>| -> Vec<GroupFigures> {
            m.into_values().map(GroupFigures::finish).collect()
        };
        let workers: Vec<WorkerFigures> = workers.into_iter().map(|(w, _)| w).collect();
        Ok(Dashboard {
            filter: filter.clone(),
            taken_on,
            scope_label,
            summary: summary.finish(),
            distribution: distribution(&workers),
            by_team: finish(by_team),
            by_office: finish(by_office),
            by_service: finish(by_service),
            workers,
            trend,
            teams,
            offices,
            services: service_choices(),
        })
    })
}

fn worker_figures(
    r: &SnapshotRow,
    names: &HashMap<String, String>,
    teams: &HashMap<&str, &str>,
    offices: &HashMap<&str, &str>,
) -> WorkerFigures {
    let weighted = Points::from_centi(i64::from(r.weighted_centi));
    let capacity = Points::from_centi(i64::from(r.capacity_centi));
    let completed = i64::from(r.assessments_completed);
    let rated = i64::from(r.assessments_rated);
    WorkerFigures {
        worker_id: r.worker_id.clone(),
        name: names
            .get(&r.worker_id)
            .cloned()
            .unwrap_or_else(|| "Unknown worker".into()),
        team_id: r.team_id.clone(),
        team: r
            .team_id
            .as_deref()
            .and_then(|t| teams.get(t).copied())
            .unwrap_or("No team")
            .to_string(),
        office_id: r.office_id.clone(),
        service_code: r.service.clone(),
        office: r
            .office_id
            .as_deref()
            .and_then(|o| offices.get(o).copied())
            .unwrap_or("No office")
            .to_string(),
        service: r
            .service
            .as_deref()
            .and_then(Service::from_code)
            .map(|s| s.label())
            .unwrap_or("No service")
            .to_string(),
        cases: i64::from(r.cases),
        pieces_of_work: i64::from(r.pieces_of_work),
        weighted,
        capacity,
        fte: f64::from(r.fte_centi) / 100.0,
        case_holding: r.case_holding,
        load_percent: weighted.percent_of(capacity),
        rating: r.rating.clone(),
        overdue_recordings: i64::from(r.overdue_recordings),
        overdue_visits: i64::from(r.overdue_visits),
        assessments_completed: completed,
        assessments_in_time: i64::from(r.assessments_in_time),
        timeliness_percent: percent(i64::from(r.assessments_in_time), completed),
        assessments_rated: rated,
        assessments_rated_good: i64::from(r.assessments_rated_good),
        good_percent: percent(i64::from(r.assessments_rated_good), rated),
    }
}

/// Bands of ten percentage points from 0 to 150, then 150% and over; case-holding workers
/// only (a load without capacity has no percentage).
fn distribution(workers: &[WorkerFigures]) -> Vec<Band> {
    let mut bands: Vec<Band> = (0..15)
        .map(|i| Band {
            label: format!("{}–{}%", i * 10, i * 10 + 9),
            from_percent: i * 10,
            to_percent: Some(i * 10 + 9),
            workers: 0,
        })
        .collect();
    bands.push(Band {
        label: "150% or more".into(),
        from_percent: 150,
        to_percent: None,
        workers: 0,
    });
    for p in workers
        .iter()
        .filter(|w| w.case_holding)
        .filter_map(|w| w.load_percent)
    {
        let i = usize::try_from((p / 10).clamp(0, 15)).unwrap_or(0);
        bands[i].workers += 1;
    }
    bands
}

fn rating_label(code: &str) -> &'static str {
    match Rating::from_code(code) {
        Some(Rating::Green) => "Green",
        Some(Rating::Amber) => "Amber",
        Some(Rating::Red) => "Red",
        None => "Unknown",
    }
}

const WORKER_HEADERS: [&str; 14] = [
    "Worker",
    "Team",
    "Cases",
    "Other pieces of work",
    "Weighted load",
    "Capacity",
    "Load",
    "Rating",
    "Overdue recordings",
    "Overdue visits",
    "Assessments authorised (12 months)",
    "In timescale",
    "Assessments rated",
    "Rated good or better",
];
const WORKER_NUMERIC: [bool; 14] = [
    false, false, true, true, true, true, true, false, true, true, true, true, true, true,
];

fn worker_row(w: &WorkerFigures) -> Row {
    Row {
        cells: vec![
            w.name.clone(),
            w.team.clone(),
            w.cases.to_string(),
            w.pieces_of_work.to_string(),
            w.weighted.to_string(),
            w.capacity.to_string(),
            text(w.load_percent, "%"),
            rating_label(&w.rating).into(),
            w.overdue_recordings.to_string(),
            w.overdue_visits.to_string(),
            w.assessments_completed.to_string(),
            text(w.timeliness_percent, "%"),
            w.assessments_rated.to_string(),
            text(w.good_percent, "%"),
        ],
        csv: vec![
            w.name.clone(),
            w.team.clone(),
            w.cases.to_string(),
            w.pieces_of_work.to_string(),
            w.weighted.to_string(),
            w.capacity.to_string(),
            csv_of(w.load_percent),
            w.rating.clone(),
            w.overdue_recordings.to_string(),
            w.overdue_visits.to_string(),
            w.assessments_completed.to_string(),
            csv_of(w.timeliness_percent),
            w.assessments_rated.to_string(),
            csv_of(w.good_percent),
        ],
        rating: Some(w.rating.clone()),
    }
}

const GROUP_HEADERS: [&str; 14] = [
    "Name",
    "Workers",
    "Case-holding FTE",
    "Cases",
    "Cases per case-holding FTE",
    "Weighted load",
    "Capacity",
    "Load",
    "Amber",
    "Red",
    "Overdue recordings",
    "Overdue visits",
    "Assessments in timescale",
    "Assessments rated good or better",
];
const GROUP_NUMERIC: [bool; 14] = [
    false, true, true, true, true, true, true, true, true, true, true, true, true, true,
];

fn fte_text(centi: i64) -> String {
    Points::from_centi(centi).to_string()
}

fn group_row(g: &GroupFigures) -> Row {
    Row {
        cells: vec![
            g.name.clone(),
            g.workers.to_string(),
            fte_text(g.case_holding_fte_centi),
            g.cases.to_string(),
            text(g.cases_per_fte, ""),
            g.weighted.to_string(),
            g.capacity.to_string(),
            text(g.load_percent, "%"),
            g.amber.to_string(),
            g.red.to_string(),
            g.overdue_recordings.to_string(),
            g.overdue_visits.to_string(),
            format!(
                "{} ({} of {})",
                text(g.timeliness_percent, "%"),
                g.assessments_in_time,
                g.assessments_completed
            ),
            format!(
                "{} ({} of {})",
                text(g.good_percent, "%"),
                g.assessments_rated_good,
                g.assessments_rated
            ),
        ],
        csv: vec![
            g.name.clone(),
            g.workers.to_string(),
            fte_text(g.case_holding_fte_centi),
            g.cases.to_string(),
            csv_of(g.cases_per_fte),
            g.weighted.to_string(),
            g.capacity.to_string(),
            csv_of(g.load_percent),
            g.amber.to_string(),
            g.red.to_string(),
            g.overdue_recordings.to_string(),
            g.overdue_visits.to_string(),
            csv_of(g.timeliness_percent),
            csv_of(g.good_percent),
        ],
        rating: None,
    }
}

fn load_bars(groups: &[GroupFigures]) -> Vec<Bar> {
    groups
        .iter()
        .take(MAX_CHART_BARS)
        .map(|g| Bar {
            label: g.name.clone(),
            value: g.load_percent.map(|p| p as f64).unwrap_or(0.0),
        })
        .collect()
}

fn group_section(key: &'static str, title: &str, what: &str, groups: &[GroupFigures]) -> Section {
    let highest = groups
        .iter()
        .filter(|g| g.load_percent.is_some())
        .max_by_key(|g| g.load_percent);
    Section {
        key,
        title: title.to_string(),
        how_counted: format!(
            "Each {what}'s load is the total weighted caseload of its case-holding workers as a percentage of their total capacity. Cases per case-holding FTE divides the children whose case they hold by the sum of their full-time equivalents. Assessment figures cover the 12 months to the snapshot day."
        ),
        summary: match highest {
            Some(g) => format!("Highest load: {} at {}", g.name, text(g.load_percent, "%")),
            None => format!("No {what} has case-holding workers"),
        },
        headers: GROUP_HEADERS.to_vec(),
        numeric: GROUP_NUMERIC.to_vec(),
        rows: groups.iter().map(group_row).collect(),
        charts: vec![Chart::Bar(BarChart {
            title: format!("Load by {what}"),
            description: format!("Weighted caseload as a percentage of capacity for each {what}"),
            unit: "%".into(),
            bars: load_bars(groups),
        })],
    }
}

/// The page's sections, in order.
pub fn sections(d: &Dashboard) -> Vec<Section> {
    let holding = d.workers.iter().filter(|w| w.case_holding).count();
    let over: Vec<&WorkerFigures> = d.workers.iter().filter(|w| w.rating != "green").collect();
    let red = over.iter().filter(|w| w.rating == "red").count();
    let amber = over.len() - red;
    let trend_rows: Vec<Row> = d
        .trend
        .iter()
        .map(|t| Row {
            cells: vec![
                format_long(t.taken_on),
                t.case_holding_workers.to_string(),
                t.cases.to_string(),
                text(t.load_percent, "%"),
                t.amber.to_string(),
                t.red.to_string(),
            ],
            csv: vec![
                t.taken_on.to_string(),
                t.case_holding_workers.to_string(),
                t.cases.to_string(),
                csv_of(t.load_percent),
                t.amber.to_string(),
                t.red.to_string(),
            ],
            rating: None,
        })
        .collect();
    vec![
        Section {
            key: "distribution",
            title: "Distribution of caseloads".into(),
            how_counted: "Case-holding workers by their weighted load as a percentage of their capacity, in bands of ten percentage points.".into(),
            summary: format!(
                "{holding} case-holding workers; {} over 100% of capacity",
                d.workers
                    .iter()
                    .filter(|w| w.case_holding && w.load_percent.is_some_and(|p| p > 100))
                    .count()
            ),
            headers: vec!["Load (% of capacity)", "Workers"],
            numeric: vec![false, true],
            rows: d
                .distribution
                .iter()
                .map(|b| Row {
                    cells: vec![b.label.clone(), b.workers.to_string()],
                    csv: vec![b.label.clone(), b.workers.to_string()],
                    rating: None,
                })
                .collect(),
            charts: vec![Chart::Bar(BarChart {
                title: "Workers by load".into(),
                description: "Number of case-holding workers in each band of load as a percentage of capacity".into(),
                unit: "workers".into(),
                bars: d
                    .distribution
                    .iter()
                    .map(|b| Bar {
                        label: b.label.clone(),
                        value: b.workers as f64,
                    })
                    .collect(),
            })],
        },
        Section {
            key: "workers",
            title: "Caseload by worker".into(),
            how_counted: "Cases are children whose case the worker holds; other pieces of work are assessments or enquiries they do in other workers' cases. Beside each caseload: notes overdue against the recording standard, statutory visits overdue on plans in their cases, and the assessments they wrote that were authorised in the 12 months to the day (in timescale, and rated good or outstanding by a manager).".into(),
            summary: format!("{} workers, most loaded first", d.workers.len()),
            headers: WORKER_HEADERS.to_vec(),
            numeric: WORKER_NUMERIC.to_vec(),
            rows: d.workers.iter().map(worker_row).collect(),
            charts: vec![Chart::Bar(BarChart {
                title: "Most loaded workers".into(),
                description: "Weighted load as a percentage of capacity, for the most loaded workers".into(),
                unit: "%".into(),
                bars: d
                    .workers
                    .iter()
                    .filter(|w| w.load_percent.is_some())
                    .take(MAX_CHART_BARS)
                    .map(|w| Bar {
                        label: w.name.clone(),
                        value: w.load_percent.map(|p| p as f64).unwrap_or(0.0),
                    })
                    .collect(),
            })],
        },
        Section {
            key: "over-limits",
            title: "Workers over amber and red".into(),
            how_counted: "Workers whose weighted load is at or over their service's amber level, or over its red level, in the workload model in force on the day. A worker with no capacity who holds any work is red.".into(),
            summary: format!("{red} red, {amber} amber"),
            headers: WORKER_HEADERS.to_vec(),
            numeric: WORKER_NUMERIC.to_vec(),
            rows: over.iter().map(|w| worker_row(w)).collect(),
            charts: vec![Chart::Bar(BarChart {
                title: "Workers over their safe working level".into(),
                description: format!("{red} workers are red and {amber} are amber"),
                unit: "workers".into(),
                bars: vec![
                    Bar {
                        label: "Red".into(),
                        value: red as f64,
                    },
                    Bar {
                        label: "Amber".into(),
                        value: amber as f64,
                    },
                ],
            })],
        },
        group_section("teams", "By team", "team", &d.by_team),
        group_section("offices", "By office", "office", &d.by_office),
        group_section("services", "By service", "service", &d.by_service),
        Section {
            key: "trend",
            title: "Trend".into(),
            how_counted: format!(
                "The last {TREND_DAYS} snapshot days up to the day shown. Load is the total weighted caseload of case-holding workers as a percentage of their total capacity."
            ),
            summary: match (d.trend.first(), d.trend.last()) {
                (Some(a), Some(b)) if d.trend.len() > 1 => format!(
                    "Load {} on {}, {} on {}; {} workers red on {}",
                    text(a.load_percent, "%"),
                    format_long(a.taken_on),
                    text(b.load_percent, "%"),
                    format_long(b.taken_on),
                    b.red,
                    format_long(b.taken_on)
                ),
                _ => "Not enough snapshot days for a trend yet".into(),
            },
            headers: vec![
                "Day",
                "Case-holding workers",
                "Cases",
                "Load",
                "Amber",
                "Red",
            ],
            numeric: vec![false, true, true, true, true, true],
            rows: trend_rows,
            charts: vec![
                Chart::Line(LineChart {
                    title: "Average load".into(),
                    description: "Total weighted caseload as a percentage of total capacity, by snapshot day".into(),
                    unit: "%".into(),
                    points: d
                        .trend
                        .iter()
                        .map(|t| {
                            (
                                t.taken_on.format("%-d %b").to_string(),
                                t.load_percent.map(|p| p as f64).unwrap_or(0.0),
                            )
                        })
                        .collect(),
                }),
                Chart::Line(LineChart {
                    title: "Workers red".into(),
                    description: "Number of workers over the red level, by snapshot day".into(),
                    unit: "workers".into(),
                    points: d
                        .trend
                        .iter()
                        .map(|t| (t.taken_on.format("%-d %b").to_string(), t.red as f64))
                        .collect(),
                }),
            ],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_are_ten_points_wide_and_the_last_is_open() {
        let w = |p: Option<i64>, holding: bool| WorkerFigures {
            worker_id: String::new(),
            name: String::new(),
            team_id: None,
            team: String::new(),
            office_id: None,
            office: String::new(),
            service_code: None,
            service: String::new(),
            cases: 0,
            pieces_of_work: 0,
            weighted: Points::ZERO,
            capacity: Points::ZERO,
            fte: 1.0,
            case_holding: holding,
            load_percent: p,
            rating: "green".into(),
            overdue_recordings: 0,
            overdue_visits: 0,
            assessments_completed: 0,
            assessments_in_time: 0,
            timeliness_percent: None,
            assessments_rated: 0,
            assessments_rated_good: 0,
            good_percent: None,
        };
        let bands = distribution(&[
            w(Some(0), true),
            w(Some(99), true),
            w(Some(100), true),
            w(Some(240), true),
            w(Some(50), false),
            w(None, true),
        ]);
        assert_eq!(bands.len(), 16);
        let counts: Vec<i64> = bands.iter().map(|b| b.workers).collect();
        assert_eq!(counts[0], 1);
        assert_eq!(counts[9], 1);
        assert_eq!(counts[10], 1);
        assert_eq!(counts[15], 1);
        assert_eq!(counts.iter().sum::<i64>(), 4);
    }

    #[test]
    fn the_census_figure_divides_cases_by_case_holding_fte() {
        let g = GroupFigures {
            case_holding_cases: 30,
            case_holding_fte_centi: 250,
            case_holding_workers: 3,
            ..GroupFigures::default()
        };
        let g = g.finish();
        assert_eq!(g.cases_per_fte, Some(12.0));
        assert_eq!(g.average_cases, Some(10.0));
    }
}

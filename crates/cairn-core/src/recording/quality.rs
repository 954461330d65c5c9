//! The recording-quality page for managers: how long notes take to be recorded, by worker and
//! by team; drafts left unfinished past the standard; children with an open case whose
//! chronology or management oversight has gone quiet; and supervision overdue.
//!
//! Every section is a [`Section`]: a table ready for the page (and its CSV), a bar chart of
//! the same numbers and the sentence that sums it up. The database does the counting
//! (`cairn_db::recording::quality`); this module applies the recording standards in force and
//! the working-day calendar.
//!
//! # Conventions (stated on the page too)
//!
//! - **Recording delay** is the working days from the event to when its note was finalised,
//!   as stored with each note; notes are counted by the UK date they were finalised, within
//!   the period. The median of an even number of notes is the mean of the middle two; the
//!   90th percentile is the nearest rank (the delay that 90% of notes were within). "Within
//!   the standard" is measured against the standards in force on the last day of the period.
//!   Workers are grouped by the team they are in now.
//! - **Notes overdue** are drafts whose event was more than the standard's working days ago.
//! - **Quiet children** have an episode that is open today and opened before the cut-off, and
//!   no chronology entry (withdrawn ones aside) or management decision dated on or after the
//!   cut-off: the day N working days before today.

use std::collections::{BTreeMap, HashMap, HashSet};

use cairn_db::DbConn;
use cairn_db::recording::quality::{self as repo, OpenChild};
use cairn_db::users::UserRow;
use cairn_domain::calendar::Calendar;
use cairn_domain::dates::{format_long, format_short};
use cairn_domain::policy::Action;
use cairn_domain::recording::standards::RecordingStandards;
use cairn_domain::roles::Role;
use cairn_render::svg::{Bar, BarChart};
use chrono::{Duration, Months, NaiveDate, NaiveDateTime, TimeZone};
use serde_json::json;

use super::standards::in_force;
use super::supervision::{SupervisionDue, overdue_supervision};
use crate::actor::Actor;
use crate::audit_trail::Record;
use crate::casework::strategy::uk_date;
use crate::casework::{audit_after_read, statutory_calendar};
use crate::error::{ServiceError, ServiceResult};
use crate::front_door::performance::{csv_line, percent_text};
use crate::tx;

/// The sections in page order, by CSV name (`/reports/recording-quality/{key}.csv`).
pub const SECTION_KEYS: [&str; 6] = [
    "delay-by-worker",
    "delay-by-team",
    "notes-overdue",
    "no-chronology",
    "no-oversight",
    "supervision-overdue",
];
/// Rows a section's table shows on the page; its CSV has every row.
pub const PAGE_ROWS: usize = 200;
/// Bars a chart draws at most (the table lists everyone).
pub const MAX_CHART_BARS: usize = 25;
/// The default N for "no chronology entry in N working days".
pub const DEFAULT_QUIET_DAYS: u32 = 20;
/// The largest N accepted: about a year of working days.
pub const MAX_QUIET_DAYS: u32 = 260;
/// The longest period one page may cover.
pub const MAX_PERIOD_DAYS: i64 = 5 * 366;

/// What the page covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QualityFilter {
    /// First day counted (UK local date) for recording delay.
    pub from: NaiveDate,
    /// Last day counted, inclusive.
    pub to: NaiveDate,
    /// One team, or `None` for every team (a team manager always sees their own).
    pub team_id: Option<String>,
    /// N for "no chronology entry in N working days".
    pub chronology_days: u32,
    /// N for "no management oversight in N working days"; `None` for the standard's interval.
    pub oversight_days: Option<u32>,
}

impl QualityFilter {
    /// The last three months up to and including `today`, every team (or the manager's own).
    pub fn last_three_months(today: NaiveDate) -> QualityFilter {
        let from = today
            .checked_sub_months(Months::new(3))
            .map(|d| d + Duration::days(1))
            .unwrap_or(today);
        QualityFilter {
            from,
            to: today,
            team_id: None,
            chronology_days: DEFAULT_QUIET_DAYS,
            oversight_days: None,
        }
    }

    fn check(&self) -> ServiceResult<()> {
        if self.from > self.to {
            return Err(ServiceError::invalid(
                "to",
                "The end date must be the same as or after the start date",
            ));
        }
        if (self.to - self.from).num_days() > MAX_PERIOD_DAYS {
            return Err(ServiceError::invalid(
                "from",
                "Choose a period of 5 years or less",
            ));
        }
        for (field, days) in [
            ("chronology_days", Some(self.chronology_days)),
            ("oversight_days", self.oversight_days),
        ] {
            if days.is_some_and(|d| d == 0 || d > MAX_QUIET_DAYS) {
                return Err(ServiceError::invalid(
                    field,
                    &format!("Enter a number of working days from 1 to {MAX_QUIET_DAYS}"),
                ));
            }
        }
        Ok(())
    }

    fn audit_detail(&self) -> serde_json::Value {
        json!({
            "from": self.from,
            "to": self.to,
            "team": self.team_id,
            "chronology_days": self.chronology_days,
            "oversight_days": self.oversight_days,
        })
    }
}

/// One row of a section's table: the cells as shown, the same values for the CSV (ISO dates,
/// plain numbers), and a link for the first cell when it names a child.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub cells: Vec<String>,
    pub csv: Vec<String>,
    pub href: Option<String>,
}

/// One section of the page.
#[derive(Clone, Debug)]
pub struct Section {
    /// The section's name in its CSV address.
    pub key: &'static str,
    pub title: String,
    /// How it is counted, in a sentence or two, shown under the heading.
    pub how_counted: String,
    /// The main finding.
    pub summary: String,
    pub headers: Vec<&'static str>,
    /// Which columns hold numbers (right-aligned).
    pub numeric: Vec<bool>,
    pub rows: Vec<Row>,
    pub chart: BarChart,
    /// The children the table names, for the audit row.
    pub children: Vec<String>,
}

impl Section {
    /// The rows the page shows.
    pub fn page_rows(&self) -> &[Row] {
        &self.rows[..self.rows.len().min(PAGE_ROWS)]
    }

    /// Whether the page shows fewer rows than the CSV holds.
    pub fn truncated(&self) -> bool {
        self.rows.len() > PAGE_ROWS
    }

    /// The table as CSV: a header and one line per row.
    pub fn csv(&self) -> String {
        let mut out = String::new();
        csv_line(&mut out, &self.headers);
        for r in &self.rows {
            let fields: Vec<&str> = r.csv.iter().map(String::as_str).collect();
            csv_line(&mut out, &fields);
        }
        out
    }

    /// Whether column `i` holds numbers.
    pub fn is_numeric(&self, i: &usize) -> bool {
        self.numeric.get(*i).copied().unwrap_or(false)
    }
}

/// Everything on the page.
#[derive(Clone, Debug)]
pub struct QualityReport {
    /// The filter as applied: the team chosen, the oversight N filled in.
    pub filter: QualityFilter,
    pub today: NaiveDate,
    pub standards: RecordingStandards,
    /// The team shown; `None` for every team.
    pub team_name: Option<String>,
    /// (id, name) of every team, for those who may choose one.
    pub teams: Vec<(String, String)>,
    pub may_choose_team: bool,
    pub sections: Vec<Section>,
}

impl QualityReport {
    /// Every child named in the report's tables.
    fn children(&self) -> Vec<&str> {
        self.sections
            .iter()
            .flat_map(|s| s.children.iter().map(String::as_str))
            .collect()
    }
}

/// The whole page. Reads are audited in one row, with the filter and every child the tables
/// name.
pub fn report(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &QualityFilter,
    today: NaiveDate,
) -> ServiceResult<QualityReport> {
    let report = build(conn, actor, filter, today)?;
    audit_after_read(
        conn,
        actor,
        Record::ok("recording_quality.view").detail(audit_detail(
            &report.filter,
            None,
            &report.children(),
        )),
    )?;
    Ok(report)
}

/// One section as CSV: (file name, body). Audited like the page, naming the section.
pub fn section_csv(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &QualityFilter,
    key: &str,
    today: NaiveDate,
) -> ServiceResult<(String, String)> {
    let report = build(conn, actor, filter, today)?;
    let section = report
        .sections
        .iter()
        .find(|s| s.key == key)
        .ok_or(ServiceError::NotFound("The section"))?;
    let children: Vec<&str> = section.children.iter().map(String::as_str).collect();
    audit_after_read(
        conn,
        actor,
        Record::ok("recording_quality.download").detail(audit_detail(
            &report.filter,
            Some(key),
            &children,
        )),
    )?;
    let name = format!(
        "recording-quality-{key}-{}-{}.csv",
        report.filter.from, report.filter.to
    );
    Ok((name, section.csv()))
}

/// Whether the user may choose a team on the page, and (id, name) of every team: for the form
/// when its filters need correcting and no report was read.
pub fn team_choices(
    conn: &mut DbConn,
    actor: &Actor,
) -> ServiceResult<(bool, Vec<(String, String)>)> {
    tx::require(conn, actor, Action::ViewRecordingQuality)?;
    let teams = tx::read(conn, actor, |c| {
        Ok(cairn_db::organisation::list_teams(c)?
            .into_iter()
            .map(|t| (t.team.id, t.team.name))
            .collect())
    })?;
    Ok((actor.role != Role::TeamManager, teams))
}

fn audit_detail(
    filter: &QualityFilter,
    section: Option<&str>,
    children: &[&str],
) -> serde_json::Value {
    let mut detail = filter.audit_detail();
    if let Some(obj) = detail.as_object_mut() {
        if let Some(key) = section {
            obj.insert("section".into(), json!(key));
        }
        obj.insert("children".into(), json!(children));
    }
    detail
}

/// The teams a user may look at: (whether they may choose, the team shown).
fn resolve_team(
    c: &mut DbConn,
    actor: &Actor,
    requested: Option<&str>,
) -> ServiceResult<(bool, Option<String>)> {
    let requested = requested.filter(|t| !t.is_empty());
    if actor.role == Role::TeamManager {
        // A team manager oversees their own team's recording.
        let own = actor.team_id.map(|t| t.to_string());
        return match (requested, own) {
            (Some(t), Some(own)) if t != own => Err(ServiceError::Denied {
                action: Action::ViewRecordingQuality,
                entity_type: Some("team".into()),
                entity_id: Some(t.to_string()),
                person_id: None,
            }),
            (_, Some(own)) => Ok((false, Some(own))),
            (_, None) => Err(ServiceError::invalid(
                "team",
                "You are not in a team, so there is no team to show",
            )),
        };
    }
    match requested {
        Some(t) => {
            if cairn_db::organisation::find_team(c, t)?.is_none() {
                return Err(ServiceError::invalid("team", "Choose a team from the list"));
            }
            Ok((true, Some(t.to_string())))
        }
        None => Ok((true, None)),
    }
}

fn build(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &QualityFilter,
    today: NaiveDate,
) -> ServiceResult<QualityReport> {
    tx::require(conn, actor, Action::ViewRecordingQuality)?;
    let (may_choose_team, team_id) = tx::read(conn, actor, |c| {
        resolve_team(c, actor, filter.team_id.as_deref())
    })?;
    filter.check()?;
    // Its own read and its own scope (a team manager's team), outside this page's read.
    let supervision = overdue_supervision(conn, actor, today)?;
    tx::read(conn, actor, |c| {
        let standards = in_force(c, filter.to)?;
        let filter = QualityFilter {
            team_id,
            oversight_days: Some(
                filter
                    .oversight_days
                    .unwrap_or(standards.oversight_interval_working_days.max(1)),
            ),
            ..filter.clone()
        };
        let ctx = Context::load(c, &filter, today, standards)?;
        let delays = ctx.delays_by_author(c)?;
        let sections = vec![
            ctx.delay_by_worker(&delays),
            ctx.delay_by_team(&delays),
            ctx.notes_overdue(c)?,
            ctx.no_chronology(c)?,
            ctx.no_oversight(c)?,
            ctx.supervision_overdue(&supervision),
        ];
        Ok(QualityReport {
            team_name: ctx.team_name(),
            teams: ctx
                .teams
                .iter()
                .map(|(id, n)| (id.clone(), n.clone()))
                .collect(),
            may_choose_team,
            today,
            standards: ctx.standards.clone(),
            sections,
            filter,
        })
    })
}

/// What every section needs: the filter, the standards, the calendar, staff and teams.
struct Context {
    filter: QualityFilter,
    today: NaiveDate,
    standards: RecordingStandards,
    calendar: Calendar,
    /// Every account, by id.
    users: HashMap<String, UserRow>,
    /// (id, name) of every team, by office then name.
    teams: Vec<(String, String)>,
    /// The authors whose notes are counted: the team's members (past members' notes stay with
    /// the team they are in now), or everyone.
    authors: Vec<String>,
}

impl Context {
    fn load(
        c: &mut DbConn,
        filter: &QualityFilter,
        today: NaiveDate,
        standards: RecordingStandards,
    ) -> ServiceResult<Context> {
        let users: HashMap<String, UserRow> = cairn_db::users::list(c)?
            .into_iter()
            .map(|u| (u.id.clone(), u))
            .collect();
        let teams = cairn_db::organisation::list_teams(c)?
            .into_iter()
            .map(|t| (t.team.id, t.team.name))
            .collect();
        let mut authors: Vec<String> = users
            .values()
            .filter(|u| filter.team_id.is_none() || u.team_id == filter.team_id)
            .map(|u| u.id.clone())
            .collect();
        authors.sort();
        Ok(Context {
            filter: filter.clone(),
            today,
            standards,
            calendar: statutory_calendar(),
            users,
            teams,
            authors,
        })
    }

    fn team_name(&self) -> Option<String> {
        let id = self.filter.team_id.as_deref()?;
        self.team_label(Some(id)).into()
    }

    fn team_label(&self, id: Option<&str>) -> String {
        id.and_then(|id| self.teams.iter().find(|(t, _)| t == id))
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| "No team".into())
    }

    fn user_name(&self, id: Option<&str>, none: &str) -> String {
        match id {
            Some(id) => self
                .users
                .get(id)
                .map(|u| u.display_name.clone())
                .unwrap_or_else(|| id.to_string()),
            None => none.to_string(),
        }
    }

    fn user_team(&self, id: &str) -> Option<&str> {
        self.users.get(id).and_then(|u| u.team_id.as_deref())
    }

    fn period(&self) -> String {
        format!(
            "{} to {}",
            format_long(self.filter.from),
            format_long(self.filter.to)
        )
    }

    fn note_standard(&self) -> u32 {
        self.standards.note_delay_working_days
    }

    /// The histogram of recording delays by author for the period.
    fn delays_by_author(&self, c: &mut DbConn) -> ServiceResult<BTreeMap<String, Delays>> {
        let from = local_midnight(self.filter.from);
        let to = local_midnight(self.filter.to + Duration::days(1));
        let mut out: BTreeMap<String, Delays> = BTreeMap::new();
        for row in repo::delay_histogram(c, &self.authors, from, to)? {
            if let Some(days) = row.delay_working_days {
                out.entry(row.author_user_id)
                    .or_default()
                    .add(days, row.notes);
            }
        }
        Ok(out)
    }

    fn delay_row(&self, label: String, team: Option<String>, d: &Delays) -> Row {
        let within = d.within(self.note_standard());
        let pct = percent(within, d.total);
        let mut cells = vec![label.clone()];
        let mut csv = vec![label];
        if let Some(team) = team {
            cells.push(team.clone());
            csv.push(team);
        }
        cells.extend([
            d.total.to_string(),
            days_text(d.median()),
            d.percentile(90).map(|p| p.to_string()).unwrap_or_default(),
            percent_text(pct),
        ]);
        csv.extend([
            d.total.to_string(),
            d.median().map(|m| format!("{m:.1}")).unwrap_or_default(),
            d.percentile(90).map(|p| p.to_string()).unwrap_or_default(),
            pct.map(|p| format!("{p:.1}")).unwrap_or_default(),
        ]);
        Row {
            cells,
            csv,
            href: None,
        }
    }

    fn delay_how_counted(&self) -> String {
        format!(
            "Final notes counted by the date they were finalised. The delay is in working days from the event to the note being finalised; the median is the middle delay and the 90th percentile the delay 90% of notes were within. The standard in force on {} ({}) is {} working days.",
            format_long(self.filter.to),
            self.standards.name,
            self.note_standard()
        )
    }

    fn delay_summary(&self, all: &Delays) -> String {
        if all.total == 0 {
            return format!("No notes were finalised from {}", self.period());
        }
        format!(
            "{} of {} finalised from {} {} recorded within {} working days",
            percent_text(percent(all.within(self.note_standard()), all.total)),
            match all.total {
                1 => "1 note".to_string(),
                n => format!("{n} notes"),
            },
            self.period(),
            if all.total == 1 { "was" } else { "were" },
            self.note_standard()
        )
    }

    fn delay_by_worker(&self, by_author: &BTreeMap<String, Delays>) -> Section {
        let mut all = Delays::default();
        let mut named: Vec<(String, Option<String>, &Delays)> = by_author
            .iter()
            .map(|(id, d)| {
                all.merge(d);
                (
                    self.user_name(Some(id), ""),
                    Some(self.team_label(self.user_team(id))),
                    d,
                )
            })
            .collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        let rows = named
            .iter()
            .map(|(name, team, d)| self.delay_row(name.clone(), team.clone(), d))
            .collect();
        let bars = worst_first(
            named
                .iter()
                .map(|(name, _, d)| {
                    (
                        name.clone(),
                        percent(d.within(self.note_standard()), d.total),
                    )
                })
                .collect(),
        );
        Section {
            key: "delay-by-worker",
            title: "Recording delay by worker".into(),
            how_counted: self.delay_how_counted(),
            summary: self.delay_summary(&all),
            headers: vec![
                "Worker",
                "Team",
                "Notes",
                "Median (working days)",
                "90th percentile (working days)",
                "Within the standard",
            ],
            numeric: vec![false, false, true, true, true, true],
            rows,
            chart: chart(
                "Notes recorded within the standard, by worker",
                "Percentage of each worker's final notes recorded within the standard, lowest first",
                "%",
                bars,
            ),
            children: Vec::new(),
        }
    }

    fn delay_by_team(&self, by_author: &BTreeMap<String, Delays>) -> Section {
        let mut by_team: BTreeMap<String, Delays> = BTreeMap::new();
        let mut all = Delays::default();
        for (id, d) in by_author {
            all.merge(d);
            by_team
                .entry(self.team_label(self.user_team(id)))
                .or_default()
                .merge(d);
        }
        let rows = by_team
            .iter()
            .map(|(team, d)| self.delay_row(team.clone(), None, d))
            .collect();
        let bars = worst_first(
            by_team
                .iter()
                .map(|(team, d)| {
                    (
                        team.clone(),
                        percent(d.within(self.note_standard()), d.total),
                    )
                })
                .collect(),
        );
        Section {
            key: "delay-by-team",
            title: "Recording delay by team".into(),
            how_counted: self.delay_how_counted(),
            summary: self.delay_summary(&all),
            headers: vec![
                "Team",
                "Notes",
                "Median (working days)",
                "90th percentile (working days)",
                "Within the standard",
            ],
            numeric: vec![false, true, true, true, true],
            rows,
            chart: chart(
                "Notes recorded within the standard, by team",
                "Percentage of each team's final notes recorded within the standard, lowest first",
                "%",
                bars,
            ),
            children: Vec::new(),
        }
    }

    /// The latest event date whose note is overdue today if still a draft: more than the
    /// standard's working days have passed since it.
    fn overdue_event_cutoff(&self) -> NaiveDate {
        let n = i64::from(self.note_standard());
        let mut day = self.today;
        // At most a few weeks back, even over Christmas; the bound only guards the loop.
        for _ in 0..400 {
            if self.calendar.working_days_between(day, self.today) > n {
                return day;
            }
            day -= Duration::days(1);
        }
        day
    }

    fn notes_overdue(&self, c: &mut DbConn) -> ServiceResult<Section> {
        let cutoff = self.overdue_event_cutoff();
        let mut found =
            repo::overdue_drafts(c, &self.authors, local_midnight(cutoff + Duration::days(1)))?;
        found.sort_by(|a, b| {
            b.drafts.cmp(&a.drafts).then_with(|| {
                self.user_name(Some(&a.author_user_id), "")
                    .cmp(&self.user_name(Some(&b.author_user_id), ""))
            })
        });
        let total: i64 = found.iter().map(|f| f.drafts).sum();
        let rows = found
            .iter()
            .map(|f| {
                let name = self.user_name(Some(&f.author_user_id), "");
                let team = self.team_label(self.user_team(&f.author_user_id));
                let oldest = f.oldest_event.map(uk_date);
                Row {
                    cells: vec![
                        name.clone(),
                        team.clone(),
                        f.drafts.to_string(),
                        oldest.map(format_short).unwrap_or_default(),
                    ],
                    csv: vec![
                        name,
                        team,
                        f.drafts.to_string(),
                        oldest.map(|d| d.to_string()).unwrap_or_default(),
                    ],
                    href: None,
                }
            })
            .collect();
        let bars = found
            .iter()
            .take(MAX_CHART_BARS)
            .map(|f| Bar {
                label: self.user_name(Some(&f.author_user_id), ""),
                value: f.drafts as f64,
            })
            .collect();
        Ok(Section {
            key: "notes-overdue",
            title: "Notes overdue".into(),
            how_counted: format!(
                "Draft notes about an event on or before {}: more than {} working days ago, the standard, and still not finalised.",
                format_long(cutoff),
                self.note_standard()
            ),
            summary: match total {
                0 => "No draft notes are overdue".into(),
                1 => "1 draft note is overdue".into(),
                n => format!("{n} draft notes are overdue"),
            },
            headers: vec!["Worker", "Team", "Drafts overdue", "Oldest event"],
            numeric: vec![false, false, true, false],
            rows,
            chart: BarChart {
                title: "Draft notes overdue, by worker".into(),
                description: "Number of draft notes past the standard for each worker, most first"
                    .into(),
                unit: "notes".into(),
                bars,
            },
            children: Vec::new(),
        })
    }

    /// The day N working days before today: activity on or after it counts as recent.
    fn quiet_cutoff(&self, days: u32) -> NaiveDate {
        self.calendar
            .subtract_working_days(self.today, days)
            .unwrap_or(self.today)
    }

    fn no_chronology(&self, c: &mut DbConn) -> ServiceResult<Section> {
        let days = self.filter.chronology_days;
        let cutoff = self.quiet_cutoff(days);
        let found = repo::without_chronology_since(
            c,
            self.filter.team_id.as_deref(),
            cutoff,
            local_midnight(cutoff),
        )?;
        let ids = distinct_children(&found);
        let last = repo::last_chronology_entries(c, &ids)?;
        let quiet = self.quiet_children(c, found, &last)?;
        Ok(self.quiet_section(QuietKind::Chronology, days, cutoff, quiet))
    }

    fn no_oversight(&self, c: &mut DbConn) -> ServiceResult<Section> {
        let days = self.filter.oversight_days.unwrap_or(DEFAULT_QUIET_DAYS);
        let cutoff = self.quiet_cutoff(days);
        let found = repo::without_oversight_since(
            c,
            self.filter.team_id.as_deref(),
            cutoff,
            local_midnight(cutoff),
        )?;
        let ids = distinct_children(&found);
        let last = repo::last_oversight(c, &ids)?;
        let quiet = self.quiet_children(c, found, &last)?;
        Ok(self.quiet_section(QuietKind::Oversight, days, cutoff, quiet))
    }

    /// One line per child (a child with two open episodes once), quietest first.
    fn quiet_children(
        &self,
        c: &mut DbConn,
        found: Vec<OpenChild>,
        last: &HashMap<String, NaiveDateTime>,
    ) -> ServiceResult<Vec<QuietChild>> {
        let ids = distinct_children(&found);
        let names: HashMap<String, String> = cairn_db::people::find_many(c, &ids)?
            .iter()
            .map(|p| (p.id.clone(), crate::people::display_name_of(p)))
            .collect();
        let mut seen = HashSet::new();
        let mut out: Vec<QuietChild> = found
            .into_iter()
            .filter(|o| seen.insert(o.person_id.clone()))
            .map(|o| {
                let last = last.get(&o.person_id).copied().map(uk_date);
                let since = last.map_or(o.referral_date, |l| l.max(o.referral_date));
                QuietChild {
                    name: names.get(&o.person_id).cloned().unwrap_or_default(),
                    worker: self.user_name(o.worker_id.as_deref(), "Not allocated"),
                    team: self.team_label(Some(&o.team_id)),
                    quiet_days: self.calendar.working_days_between(since, self.today),
                    last,
                    child: o,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            b.quiet_days
                .cmp(&a.quiet_days)
                .then_with(|| a.name.cmp(&b.name))
        });
        Ok(out)
    }

    fn quiet_section(
        &self,
        kind: QuietKind,
        days: u32,
        cutoff: NaiveDate,
        quiet: Vec<QuietChild>,
    ) -> Section {
        let (key, title, what, tab, none) = match kind {
            QuietKind::Chronology => (
                "no-chronology",
                format!("Children without a chronology entry in {days} working days"),
                "a chronology entry",
                "chronology",
                "No entry",
            ),
            QuietKind::Oversight => (
                "no-oversight",
                format!("Children with no management oversight in {days} working days"),
                "a management decision",
                "oversight",
                "No decision",
            ),
        };
        let mut by_worker: BTreeMap<String, i64> = BTreeMap::new();
        for q in &quiet {
            *by_worker.entry(q.worker.clone()).or_default() += 1;
        }
        let mut bars: Vec<(String, i64)> = by_worker.into_iter().collect();
        bars.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let rows = quiet
            .iter()
            .map(|q| Row {
                cells: vec![
                    q.name.clone(),
                    q.worker.clone(),
                    q.team.clone(),
                    format_short(q.child.referral_date),
                    q.last.map(format_short).unwrap_or_else(|| none.into()),
                    q.quiet_days.to_string(),
                ],
                csv: vec![
                    q.name.clone(),
                    q.worker.clone(),
                    q.team.clone(),
                    q.child.referral_date.to_string(),
                    q.last.map(|d| d.to_string()).unwrap_or_default(),
                    q.quiet_days.to_string(),
                ],
                href: Some(format!("/people/{}/{tab}", q.child.person_id)),
            })
            .collect();
        Section {
            key,
            how_counted: format!(
                "Children whose episode is open today and began before {cutoff} ({days} working days before today), with no {thing} dated on or after that day. Working days quiet are counted from the later of the last {thing} and the referral date.",
                cutoff = format_long(cutoff),
                thing = what.trim_start_matches("a "),
            ),
            summary: match quiet.len() {
                0 => format!(
                    "Every child with an open case has had {what} since {}",
                    format_long(cutoff)
                ),
                1 => format!(
                    "1 child with an open case has had no {} since {}",
                    what.trim_start_matches("a "),
                    format_long(cutoff)
                ),
                n => format!(
                    "{n} children with an open case have had no {} since {}",
                    what.trim_start_matches("a "),
                    format_long(cutoff)
                ),
            },
            chart: BarChart {
                description: format!(
                    "Number of children without {what} since {}, by allocated worker, most first",
                    format_long(cutoff)
                ),
                title: format!("{title}, by worker"),
                unit: "children".into(),
                bars: bars
                    .into_iter()
                    .take(MAX_CHART_BARS)
                    .map(|(label, n)| Bar {
                        label,
                        value: n as f64,
                    })
                    .collect(),
            },
            title,
            headers: vec![
                "Child",
                "Worker",
                "Team",
                "Referral date",
                match kind {
                    QuietKind::Chronology => "Last entry",
                    QuietKind::Oversight => "Last decision",
                },
                "Working days quiet",
            ],
            numeric: vec![false, false, false, false, false, true],
            children: quiet.iter().map(|q| q.child.person_id.clone()).collect(),
            rows,
        }
    }

    fn supervision_overdue(&self, due: &[SupervisionDue]) -> Section {
        let shown: Vec<&SupervisionDue> = due
            .iter()
            .filter(|d| self.filter.team_id.is_none() || d.team_id == self.filter.team_id)
            .collect();
        let rows = shown
            .iter()
            .map(|d| Row {
                cells: vec![
                    d.worker_name.clone(),
                    d.team_name.clone(),
                    d.supervisor_name.clone(),
                    d.last_session
                        .map(format_short)
                        .unwrap_or_else(|| "None recorded".into()),
                    format_short(d.due.date),
                    d.days_overdue.to_string(),
                ],
                csv: vec![
                    d.worker_name.clone(),
                    d.team_name.clone(),
                    d.supervisor_name.clone(),
                    d.last_session.map(|s| s.to_string()).unwrap_or_default(),
                    d.due.date.to_string(),
                    d.days_overdue.to_string(),
                ],
                href: None,
            })
            .collect();
        Section {
            key: "supervision-overdue",
            title: "Supervision overdue".into(),
            how_counted: format!(
                "Workers who hold cases, measured against the standards in force: weekly for a newly qualified worker's first {} weeks, fortnightly to {} months, then at least every {} days. Days overdue are calendar days past the date due.",
                self.standards.newly_qualified_weekly_weeks,
                self.standards.newly_qualified_fortnightly_months,
                self.standards.supervision_interval_days
            ),
            summary: match shown.len() {
                0 => "No worker's supervision is overdue".into(),
                1 => "1 worker's supervision is overdue".into(),
                n => format!("{n} workers' supervision is overdue"),
            },
            headers: vec![
                "Worker",
                "Team",
                "Supervisor",
                "Last session",
                "Due",
                "Days overdue",
            ],
            numeric: vec![false, false, false, false, false, true],
            rows,
            chart: BarChart {
                title: "Days supervision is overdue, by worker".into(),
                description: "Calendar days past the date each worker's supervision was due, most overdue first".into(),
                unit: "days".into(),
                bars: shown
                    .iter()
                    .take(MAX_CHART_BARS)
                    .map(|d| Bar {
                        label: d.worker_name.clone(),
                        value: d.days_overdue as f64,
                    })
                    .collect(),
            },
            children: Vec::new(),
        }
    }
}

#[derive(Clone, Copy)]
enum QuietKind {
    Chronology,
    Oversight,
}

struct QuietChild {
    child: OpenChild,
    name: String,
    worker: String,
    team: String,
    last: Option<NaiveDate>,
    quiet_days: i64,
}

fn distinct_children(found: &[OpenChild]) -> Vec<String> {
    let mut ids: Vec<String> = found.iter().map(|o| o.person_id.clone()).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Recording delays as a histogram: notes by whole working days.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delays {
    counts: BTreeMap<i32, i64>,
    total: i64,
}

impl Delays {
    pub fn add(&mut self, days: i32, notes: i64) {
        *self.counts.entry(days).or_default() += notes;
        self.total += notes;
    }

    pub fn merge(&mut self, other: &Delays) {
        for (days, notes) in &other.counts {
            self.add(*days, *notes);
        }
    }

    pub fn total(&self) -> i64 {
        self.total
    }

    /// Notes recorded within `standard` working days.
    pub fn within(&self, standard: u32) -> i64 {
        self.counts
            .range(..=i32::try_from(standard).unwrap_or(i32::MAX))
            .map(|(_, n)| n)
            .sum()
    }

    /// The delay of the note at this 1-based rank, in order of delay.
    fn at_rank(&self, rank: i64) -> Option<i32> {
        let mut seen = 0;
        for (days, notes) in &self.counts {
            seen += notes;
            if seen >= rank {
                return Some(*days);
            }
        }
        None
    }

    /// The middle delay; the mean of the middle two for an even number of notes.
    pub fn median(&self) -> Option<f64> {
        if self.total == 0 {
            return None;
        }
        let low = self.at_rank((self.total + 1) / 2)?;
        let high = self.at_rank(self.total / 2 + 1)?;
        if self.total % 2 == 1 {
            Some(f64::from(low))
        } else {
            Some((f64::from(low) + f64::from(high)) / 2.0)
        }
    }

    /// The nearest-rank percentile: the smallest delay that `p`% of notes were within.
    pub fn percentile(&self, p: u32) -> Option<i32> {
        if self.total == 0 {
            return None;
        }
        let rank = ((self.total * i64::from(p) + 99) / 100).max(1);
        self.at_rank(rank)
    }
}

fn percent(count: i64, of: i64) -> Option<f64> {
    (of > 0).then(|| count as f64 * 100.0 / of as f64)
}

/// "2", "2.5", or "–" with nothing to show.
fn days_text(d: Option<f64>) -> String {
    match d {
        None => "–".into(),
        Some(d) if d.fract() == 0.0 => format!("{d:.0}"),
        Some(d) => format!("{d:.1}"),
    }
}

/// Bars for percentages, lowest first (the ones to look at), at most [`MAX_CHART_BARS`].
fn worst_first(mut bars: Vec<(String, Option<f64>)>) -> Vec<Bar> {
    bars.retain(|(_, p)| p.is_some());
    bars.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
    bars.into_iter()
        .take(MAX_CHART_BARS)
        .map(|(label, p)| Bar {
            label,
            value: p.unwrap_or_default(),
        })
        .collect()
}

fn chart(title: &str, description: &str, unit: &str, bars: Vec<Bar>) -> BarChart {
    BarChart {
        title: title.into(),
        description: description.into(),
        unit: unit.into(),
        bars,
    }
}

/// UK local midnight at the start of `date`, as a UTC instant (midnight always exists in
/// Europe/London: the clocks change at 01:00 and 02:00).
fn local_midnight(date: NaiveDate) -> NaiveDateTime {
    let local = date.and_time(chrono::NaiveTime::MIN);
    chrono_tz::Europe::London
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.naive_utc())
        .unwrap_or(local)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delays(list: &[(i32, i64)]) -> Delays {
        let mut d = Delays::default();
        for (days, n) in list {
            d.add(*days, *n);
        }
        d
    }

    #[test]
    fn median_and_percentile_of_a_histogram() {
        // 0,1,1,2,2,2,3,5,8,13
        let d = delays(&[(0, 1), (1, 2), (2, 3), (3, 1), (5, 1), (8, 1), (13, 1)]);
        assert_eq!(d.total(), 10);
        assert_eq!(d.median(), Some(2.0));
        assert_eq!(d.percentile(90), Some(8));
        assert_eq!(d.within(2), 6);
        let odd = delays(&[(1, 1), (4, 1), (9, 1)]);
        assert_eq!(odd.median(), Some(4.0));
        assert_eq!(odd.percentile(90), Some(9));
        let even = delays(&[(1, 1), (4, 1)]);
        assert_eq!(even.median(), Some(2.5));
        assert_eq!(Delays::default().median(), None);
        assert_eq!(days_text(Some(2.5)), "2.5");
        assert_eq!(days_text(Some(3.0)), "3");
    }

    #[test]
    fn the_default_period_is_three_months_to_today() {
        let today = NaiveDate::from_ymd_opt(2026, 5, 31).unwrap_or_default();
        let f = QualityFilter::last_three_months(today);
        assert_eq!(
            (f.from, f.to),
            (
                NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default(),
                today
            )
        );
        assert_eq!(f.chronology_days, 20);
    }
}

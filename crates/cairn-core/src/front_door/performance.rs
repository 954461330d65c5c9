//! Front-door performance for managers, and the report of late and missing receipts and
//! feedback.
//!
//! Every figure is a [`Figure`]: rows of (label, count, out of, percent) ready for a table,
//! a bar chart of the same numbers, and a CSV rendering. The database does the counting
//! (`cairn_db::front_door::performance`); this module names the rows, works out percentages
//! and applies the working-day calendar where a figure needs it.
//!
//! # Conventions (decided once, stated here and on the page)
//!
//! - **Period.** Contacts are counted by when they were received, in UK local dates: "1 April
//!   to 31 March" runs from local midnight starting 1 April to local midnight ending 31 March.
//!   Referrals (re-referrals, closures) are counted by their referral date.
//! - **Decided within one working day.** A contact is decided when its last screening decision
//!   becomes final: the screener's decision when no manager's authorisation is needed, and the
//!   manager's authorisation when it is (Working Together: the decision-maker is usually a
//!   qualified manager, so a decision waiting for one is not yet a decision). The deadline is
//!   one working day from receipt by [`Calendar::decision_deadline`] (received in hours: the same
//!   time the next working day; out of hours: the end of the next working day), using the
//!   council's calendar (`front_door::calendar`) so the page agrees with the queue. Contacts still
//!   waiting after their deadline count as not decided in time; those not yet due are left out.
//! - **Receipts within one working day.** Against the due time stored with each receipt. A
//!   receipt counts as sent when emailed (`sent_at`) or, for a letter to post, when the letter
//!   was produced (`created_at`). A contact with an identifiable referrer and no receipt at all
//!   counts as missing once its deadline has passed.
//! - **Conversion.** One row per child per contact (Annex A): the share of children named on
//!   contacts for whom a referral to children's social care was opened.
//! - **Outcomes** count final decisions; a decision covering two siblings counts once, because
//!   these figures are about how screeners apply the thresholds. The screener is whoever made
//!   the decision, not the manager who authorised it.
//! - **"Inappropriate transfers".** Until assessments are recorded, referrals closed with
//!   reason RC8 (closed after assessment, no further action) or RC7 (services ceased for any
//!   other reason), by the office that received the contact.

use std::collections::{BTreeMap, HashMap};

use cairn_db::DbConn;
use cairn_db::front_door::performance::{
    self as repo, DateScope, MessageKindFilter, MessageProblemRow, Scope,
};
use cairn_domain::calendar::Calendar;
use cairn_domain::codes::{ReasonForClosure, ReferralSource};
use cairn_domain::front_door::{ContactChannel, MessageStatus, ScreeningOutcome};
use cairn_domain::policy::Action;
use cairn_render::svg::{Bar, BarChart};
use chrono::{Duration, Months, NaiveDate, NaiveDateTime, TimeZone};
use serde_json::json;

use super::{calendar, utc};
use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::error::{ServiceError, ServiceResult};
use crate::settings::Settings;
use crate::tx;

/// At most this many screeners are drawn in the consistency chart (the table lists them all):
/// a large county has hundreds, and a chart of hundreds of bars summarises nothing.
pub const MAX_CHART_BARS: usize = 25;
/// The report shows this many rows on the page; the CSV has them all, up to [`REPORT_LIMIT`].
pub const REPORT_PAGE_ROWS: usize = 500;
/// Rows the report reads at most, per message kind.
pub const REPORT_LIMIT: i64 = 20_000;
/// A contact received this long ago is past any one-working-day deadline.
const SETTLED_DAYS: i64 = 31;
/// The longest period one page may cover, to keep a mistyped year from scanning decades.
pub const MAX_PERIOD_DAYS: i64 = 5 * 366;

/// Which contacts the page counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PerformanceFilter {
    /// First day counted (UK local date).
    pub from: NaiveDate,
    /// Last day counted, inclusive.
    pub to: NaiveDate,
    pub office_id: Option<String>,
}

impl PerformanceFilter {
    /// The last twelve months up to and including `today`.
    pub fn last_twelve_months(today: NaiveDate) -> PerformanceFilter {
        let from = today
            .checked_sub_months(Months::new(12))
            .map(|d| d + Duration::days(1))
            .unwrap_or(today);
        PerformanceFilter {
            from,
            to: today,
            office_id: None,
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
        Ok(())
    }

    /// Contacts received from local midnight starting `from` to local midnight ending `to`.
    pub fn scope(&self) -> Scope {
        Scope {
            from: local_midnight(self.from),
            to: local_midnight(self.to + Duration::days(1)),
            office_id: self.office_id.clone(),
        }
    }

    fn date_scope(&self) -> DateScope {
        DateScope {
            from: self.from,
            to: self.to,
            office_id: self.office_id.clone(),
        }
    }

    fn audit_detail(&self) -> serde_json::Value {
        json!({ "from": self.from, "to": self.to, "office": self.office_id })
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

/// One row of a figure's table.
#[derive(Clone, Debug, PartialEq)]
pub struct FigureRow {
    /// For figures broken down two ways (outcome by level, office or screener): the level,
    /// office or screener.
    pub group: Option<String>,
    pub label: String,
    pub count: i64,
    /// What the percentage is of: the figure's total, or the group's.
    pub of: i64,
    /// `count / of` as a percentage; `None` when `of` is 0.
    pub percent: Option<f64>,
}

impl FigureRow {
    fn new(group: Option<String>, label: impl Into<String>, count: i64, of: i64) -> FigureRow {
        FigureRow {
            group,
            label: label.into(),
            count,
            of,
            percent: percent(count, of),
        }
    }

    /// "75%", "12.5%", or "–" with nothing to divide by.
    pub fn percent_text(&self) -> String {
        percent_text(self.percent)
    }
}

fn percent(count: i64, of: i64) -> Option<f64> {
    (of > 0).then(|| count as f64 * 100.0 / of as f64)
}

/// One decimal place, without a trailing ".0".
pub fn percent_text(p: Option<f64>) -> String {
    match p {
        None => "–".into(),
        Some(p) => {
            let r = (p * 10.0).round() / 10.0;
            if r.fract() == 0.0 {
                format!("{r:.0}%")
            } else {
                format!("{r:.1}%")
            }
        }
    }
}

/// One figure on the performance page: a table, a chart of it and its CSV.
#[derive(Clone, Debug)]
pub struct Figure {
    /// The figure's name in its CSV address (`/performance/front-door/{key}.csv`).
    pub key: &'static str,
    pub title: String,
    /// How it is counted, in a sentence or two, shown under the heading.
    pub how_counted: String,
    /// The main finding, e.g. "75% of 4 contacts were decided within one working day".
    pub summary: String,
    /// Heading of the group column, for figures broken down two ways.
    pub group_heading: Option<&'static str>,
    pub label_heading: &'static str,
    pub count_heading: &'static str,
    pub rows: Vec<FigureRow>,
    pub chart: BarChart,
}

/// A two-way figure laid out with one row per group and one column per label.
#[derive(Clone, Debug, PartialEq)]
pub struct WideTable {
    pub columns: Vec<String>,
    /// (group, a "count (percent)" cell per column, group total).
    pub rows: Vec<(String, Vec<String>, i64)>,
}

impl Figure {
    /// The figure as CSV: a header and one line per row (long format, one line per group and
    /// label, so it loads straight into a spreadsheet or R).
    pub fn csv(&self) -> String {
        let mut out = String::new();
        let mut header: Vec<&str> = Vec::new();
        if let Some(g) = self.group_heading {
            header.push(g);
        }
        header.extend([self.label_heading, self.count_heading, "Out of", "Percent"]);
        csv_line(&mut out, &header);
        for r in &self.rows {
            let count = r.count.to_string();
            let of = r.of.to_string();
            let pct = r.percent.map(|p| format!("{:.1}", p)).unwrap_or_default();
            let mut fields: Vec<&str> = Vec::new();
            if self.group_heading.is_some() {
                fields.push(r.group.as_deref().unwrap_or_default());
            }
            fields.extend([r.label.as_str(), count.as_str(), of.as_str(), pct.as_str()]);
            csv_line(&mut out, &fields);
        }
        out
    }

    /// For two-way figures, the table with groups as rows and labels as columns.
    pub fn wide(&self) -> Option<WideTable> {
        self.group_heading?;
        let mut columns: Vec<String> = Vec::new();
        for r in &self.rows {
            if !columns.contains(&r.label) {
                columns.push(r.label.clone());
            }
        }
        let mut rows: Vec<(String, Vec<String>, i64)> = Vec::new();
        for r in &self.rows {
            let group = r.group.clone().unwrap_or_default();
            let i = match rows.iter().position(|(g, _, _)| *g == group) {
                Some(i) => i,
                None => {
                    rows.push((group, vec!["0".to_string(); columns.len()], r.of));
                    rows.len() - 1
                }
            };
            if let (Some(row), Some(col)) =
                (rows.get_mut(i), columns.iter().position(|c| *c == r.label))
                && let Some(cell) = row.1.get_mut(col)
            {
                *cell = format!("{} ({})", r.count, r.percent_text());
            }
        }
        Some(WideTable { columns, rows })
    }
}

/// Appends one CSV record (RFC 4180: quoted when needed, CRLF). A field that a spreadsheet
/// would run as a formula (starting `=`, `+`, `-`, `@`, tab or CR) gets a leading apostrophe,
/// since office and staff names are typed by people.
pub fn csv_line(out: &mut String, fields: &[&str]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let guarded;
        let f = if f.starts_with(['=', '+', '-', '@', '\t', '\r']) && f.parse::<f64>().is_err() {
            guarded = format!("'{f}");
            guarded.as_str()
        } else {
            f
        };
        if f.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(f);
        }
    }
    out.push_str("\r\n");
}

/// Everything on the performance page.
#[derive(Clone, Debug)]
pub struct Performance {
    pub filter: PerformanceFilter,
    /// (id, name) for the office filter.
    pub offices: Vec<(String, String)>,
    pub figures: Vec<Figure>,
}

/// The figures in page order, by CSV name.
pub const FIGURE_KEYS: [&str; 10] = [
    "sources",
    "channels",
    "outcomes-by-level",
    "outcomes-by-office",
    "outcomes-by-screener",
    "decided-in-time",
    "receipts-in-time",
    "conversion",
    "re-referrals",
    "closed-no-further-action",
];

/// Working-day deadlines for many receipt instants at once. `Calendar::decision_deadline`
/// recomputes bank holidays on every call; a year of contacts needs a deadline for each of
/// 30,000 instants, so the rule for each stretch of time is worked out once per day:
/// within working hours on day D the deadline is the same clock time on the next working day
/// (a fixed shift from D's start to the next working day's start); from the end of one
/// working day to the start of the next, D, it is the end of D. Instants outside the prepared
/// range fall back to the calendar itself. A test checks it agrees with the calendar.
pub struct Deadlines<'a> {
    cal: &'a Calendar,
    spans: Vec<(NaiveDateTime, NaiveDateTime, Rule)>,
}

#[derive(Clone, Copy, Debug)]
enum Rule {
    Shift(Duration),
    Fixed(NaiveDateTime),
}

impl<'a> Deadlines<'a> {
    pub fn new(cal: &'a Calendar, from: NaiveDate, to: NaiveDate) -> Deadlines<'a> {
        let mut spans = Vec::new();
        let mut previous_end: Option<NaiveDateTime> = None;
        let mut day = from - Duration::days(10);
        let last = to + Duration::days(10);
        while day <= last {
            if cal.is_working_day(day) {
                let bounds = (|| {
                    let start = cal.start_of_working_day(day).ok()?.naive_utc();
                    let end = cal.end_of_working_day(day).ok()?.naive_utc();
                    let next = cal.next_working_day(day).ok()?;
                    let next_start = cal.start_of_working_day(next).ok()?.naive_utc();
                    Some((start, end, next_start))
                })();
                match bounds {
                    Some((start, end, next_start)) => {
                        if let Some(prev) = previous_end {
                            spans.push((prev, start, Rule::Fixed(end)));
                        }
                        spans.push((start, end, Rule::Shift(next_start - start)));
                        previous_end = Some(end);
                    }
                    // A date the calendar cannot place: leave a gap, covered by the fallback.
                    None => previous_end = None,
                }
            }
            day += Duration::days(1);
        }
        Deadlines { cal, spans }
    }

    /// The one-working-day decision deadline for a contact received at `received` (UTC).
    pub fn one_working_day(&self, received: NaiveDateTime) -> NaiveDateTime {
        let i = self
            .spans
            .partition_point(|(start, _, _)| *start <= received);
        match i.checked_sub(1).and_then(|i| self.spans.get(i)) {
            Some((_, end, Rule::Shift(d))) if received < *end => received + *d,
            Some((_, end, Rule::Fixed(t))) if received < *end => *t,
            _ => self
                .cal
                .decision_deadline(utc(received), 1)
                .map(|t| t.naive_utc())
                // Only a date at the far ends of chrono's range fails; a day later is the
                // closest honest answer.
                .unwrap_or(received + Duration::days(1)),
        }
    }
}

fn bar_chart(title: &str, description: String, unit: &str, bars: Vec<(String, f64)>) -> BarChart {
    BarChart {
        title: title.to_string(),
        description,
        unit: unit.to_string(),
        bars: bars
            .into_iter()
            .map(|(label, value)| Bar { label, value })
            .collect(),
    }
}

fn count_chart(title: &str, rows: &[FigureRow], unit: &str) -> BarChart {
    let description = match rows.iter().max_by_key(|r| r.count) {
        Some(top) if top.count > 0 => format!(
            "{title}. The largest is {}: {} ({}).",
            top.label,
            top.count,
            top.percent_text()
        ),
        _ => format!("{title}. There is nothing to count in this period."),
    };
    bar_chart(
        title,
        description,
        unit,
        rows.iter()
            .map(|r| (r.label.clone(), r.count as f64))
            .collect(),
    )
}

fn percent_chart(title: &str, rows: &[FigureRow]) -> BarChart {
    let description = format!(
        "{title}. {}",
        rows.iter()
            .map(|r| format!("{}: {}", r.label, r.percent_text()))
            .collect::<Vec<_>>()
            .join("; ")
    );
    bar_chart(
        title,
        description,
        "%",
        rows.iter()
            .map(|r| (r.label.clone(), r.percent.unwrap_or(0.0)))
            .collect(),
    )
}

fn source_label(code: &str) -> String {
    ReferralSource::from_code(code)
        .map(|s| format!("{} ({code})", s.label()))
        .unwrap_or_else(|| format!("Not recorded ({code})"))
}

/// Rows for one two-way breakdown of outcomes, from (group sort key, group label, outcome,
/// count); outcomes in their list order, zeros included, so every group has the same columns.
fn outcome_rows(counts: Vec<(String, String, String, i64)>) -> Vec<FigureRow> {
    let mut groups: BTreeMap<(String, String), HashMap<String, i64>> = BTreeMap::new();
    for (key, label, outcome, n) in counts {
        *groups
            .entry((key, label))
            .or_default()
            .entry(outcome)
            .or_default() += n;
    }
    let mut rows = Vec::new();
    for ((_, group), by_outcome) in groups {
        let total: i64 = by_outcome.values().sum();
        for o in ScreeningOutcome::ALL {
            let n = by_outcome.get(o.code()).copied().unwrap_or(0);
            rows.push(FigureRow::new(Some(group.clone()), o.label(), n, total));
        }
        // An outcome code this build does not know still counts.
        for (code, n) in by_outcome
            .iter()
            .filter(|(c, _)| ScreeningOutcome::from_code(c).is_none())
        {
            rows.push(FigureRow::new(Some(group.clone()), code.clone(), *n, total));
        }
    }
    rows
}

/// Per group, the share of decisions that opened a referral (referral or strategy discussion):
/// the single number that best shows whether thresholds are applied alike.
fn referral_share_chart(title: &str, rows: &[FigureRow], limit: usize, what: &str) -> BarChart {
    let mut groups: Vec<(String, i64, i64)> = Vec::new();
    for r in rows {
        let g = r.group.clone().unwrap_or_default();
        let opens = ScreeningOutcome::ALL
            .iter()
            .any(|o| o.opens_referral() && o.label() == r.label);
        match groups.iter_mut().find(|(name, _, _)| *name == g) {
            Some(entry) => entry.1 += if opens { r.count } else { 0 },
            None => groups.push((g, if opens { r.count } else { 0 }, r.of)),
        }
    }
    let shown_all = groups.len() <= limit;
    if !shown_all {
        groups.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        groups.truncate(limit);
    }
    let bars: Vec<(String, f64)> = groups
        .iter()
        .map(|(g, n, of)| (g.clone(), percent(*n, *of).unwrap_or(0.0)))
        .collect();
    let mut description = format!(
        "{title}: for each {what}, the percentage of decisions that opened a referral to children's social care (a referral or a strategy discussion)."
    );
    if !shown_all {
        description.push_str(&format!(
            " The {limit} {what}s with the most decisions are shown; the table lists everyone."
        ));
    }
    if let (Some(lo), Some(hi)) = (
        bars.iter().min_by(|a, b| a.1.total_cmp(&b.1)),
        bars.iter().max_by(|a, b| a.1.total_cmp(&b.1)),
    ) {
        description.push_str(&format!(
            " They range from {} ({}) to {} ({}).",
            percent_text(Some(lo.1)),
            lo.0,
            percent_text(Some(hi.1)),
            hi.0
        ));
    }
    bar_chart(title, description, "%", bars)
}

type ContactCounts = Vec<(String, String, bool, i64)>;
/// Final decisions counted three ways: (level, outcome, n), (office, outcome, n) and
/// (screener, outcome, n), from one query.
#[derive(Clone, Default)]
struct DecisionCounts {
    by_level: Vec<(String, String, i64)>,
    by_office: Vec<(String, String, i64)>,
    by_screener: Vec<(String, String, i64)>,
}

impl DecisionCounts {
    /// Rolls up (level, office, screener, outcome, n) rows: a large county gives some ten
    /// thousand of them, reduced here once rather than for each figure.
    fn from(rows: Vec<(String, String, String, String, i64)>) -> DecisionCounts {
        let mut level: HashMap<(String, String), i64> = HashMap::new();
        let mut office: HashMap<(String, String), i64> = HashMap::new();
        let mut screener: HashMap<(String, String), i64> = HashMap::new();
        for (l, o, u, outcome, n) in rows {
            *level.entry((l, outcome.clone())).or_default() += n;
            *office.entry((o, outcome.clone())).or_default() += n;
            *screener.entry((u, outcome)).or_default() += n;
        }
        let flat = |m: HashMap<(String, String), i64>| -> Vec<(String, String, i64)> {
            let mut v: Vec<(String, String, i64)> =
                m.into_iter().map(|((k, o), n)| (k, o, n)).collect();
            v.sort();
            v
        };
        DecisionCounts {
            by_level: flat(level),
            by_office: flat(office),
            by_screener: flat(screener),
        }
    }
}
type ReferralCounts = Vec<(Option<String>, i64, i64, i64, i64)>;

/// What the figures are computed from. Several figures share one counting query (sources,
/// channels and the out-of-hours share; outcomes by level, office and screener; re-referrals
/// and closures), so each query runs at most once per page.
struct Ctx<'a> {
    filter: &'a PerformanceFilter,
    scope: Scope,
    settings: &'a Settings,
    now: NaiveDateTime,
    contacts: Option<ContactCounts>,
    decisions: Option<DecisionCounts>,
    referrals: Option<ReferralCounts>,
}

impl<'a> Ctx<'a> {
    fn new(filter: &'a PerformanceFilter, settings: &'a Settings, now: NaiveDateTime) -> Ctx<'a> {
        Ctx {
            filter,
            scope: filter.scope(),
            settings,
            now,
            contacts: None,
            decisions: None,
            referrals: None,
        }
    }

    fn contacts(&mut self, c: &mut DbConn) -> ServiceResult<ContactCounts> {
        if self.contacts.is_none() {
            self.contacts = Some(repo::contact_counts(c, &self.scope)?);
        }
        Ok(self.contacts.clone().unwrap_or_default())
    }

    fn decisions(&mut self, c: &mut DbConn) -> ServiceResult<DecisionCounts> {
        if self.decisions.is_none() {
            self.decisions = Some(DecisionCounts::from(repo::decision_counts(c, &self.scope)?));
        }
        Ok(self.decisions.clone().unwrap_or_default())
    }

    fn referrals(&mut self, c: &mut DbConn) -> ServiceResult<ReferralCounts> {
        if self.referrals.is_none() {
            self.referrals = Some(repo::referrals_by_office(c, &self.filter.date_scope())?);
        }
        Ok(self.referrals.clone().unwrap_or_default())
    }
}

/// Sums counts by a key, keeping the order keys are first seen in.
fn sum_by<T>(rows: &[T], key: impl Fn(&T) -> String, n: impl Fn(&T) -> i64) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for r in rows {
        let k = key(r);
        match at.get(&k) {
            Some(&i) => {
                if let Some(e) = out.get_mut(i) {
                    e.1 += n(r);
                }
            }
            None => {
                at.insert(k.clone(), out.len());
                out.push((k, n(r)));
            }
        }
    }
    out
}

fn figure(c: &mut DbConn, ctx: &mut Ctx<'_>, key: &str) -> ServiceResult<Figure> {
    let scope = ctx.scope.clone();
    let s = &scope;
    Ok(match key {
        "sources" => {
            let mut counts = sum_by(&ctx.contacts(c)?, |r| r.0.clone(), |r| r.3);
            let total: i64 = counts.iter().map(|(_, n)| n).sum();
            counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let rows: Vec<FigureRow> = counts
                .into_iter()
                .map(|(code, n)| FigureRow::new(None, source_label(&code), n, total))
                .collect();
            let title = "Contacts by referral source";
            Figure {
                key: "sources",
                title: title.into(),
                how_counted: "Contacts received in the period, by who made them (the CIN census referral source codes). Largest first.".into(),
                summary: format!("{total} contacts received."),
                group_heading: None,
                label_heading: "Referral source",
                count_heading: "Contacts",
                chart: count_chart(title, &rows, "contacts"),
                rows,
            }
        }
        "channels" => {
            let all = ctx.contacts(c)?;
            let counts = sum_by(&all, |r| r.1.clone(), |r| r.3);
            let total: i64 = all.iter().map(|r| r.3).sum();
            let ooh: i64 = all.iter().filter(|r| r.2).map(|r| r.3).sum();
            let mut rows: Vec<FigureRow> = ContactChannel::ALL
                .iter()
                .map(|ch| {
                    let n = counts
                        .iter()
                        .filter(|(code, _)| code == ch.code())
                        .map(|(_, n)| n)
                        .sum();
                    FigureRow::new(None, ch.label(), n, total)
                })
                .collect();
            for (code, n) in counts
                .iter()
                .filter(|(code, _)| ContactChannel::from_code(code).is_none())
            {
                rows.push(FigureRow::new(None, code.clone(), *n, total));
            }
            let title = "Contacts by how they arrived";
            Figure {
                key: "channels",
                title: title.into(),
                how_counted: "Contacts received in the period, by channel. Out of hours means outside the council's working hours or on a day the offices are closed.".into(),
                summary: format!("{} of {total} contacts ({}) arrived out of hours.", ooh, percent_text(percent(ooh, total))),
                group_heading: None,
                label_heading: "Channel",
                count_heading: "Contacts",
                chart: count_chart(title, &rows, "contacts"),
                rows,
            }
        }
        "outcomes-by-level" => {
            let levels: HashMap<String, (i32, String)> = repo::levels(c)?
                .into_iter()
                .map(|(id, pos, name)| (id, (pos, name)))
                .collect();
            let counts = ctx
                .decisions(c)?
                .by_level
                .into_iter()
                .map(|(level, outcome, n)| {
                    let (pos, name) = levels
                        .get(&level)
                        .cloned()
                        .unwrap_or((0, "Unknown level".into()));
                    // Versions of the document share level names: a level is its position
                    // and name, whichever version a decision cited.
                    (
                        format!("{pos:04}{name}"),
                        format!("Level {pos}: {name}"),
                        outcome,
                        n,
                    )
                })
                .collect();
            let rows = outcome_rows(counts);
            let title = "Outcomes by threshold level";
            Figure {
                key: "outcomes-by-level",
                title: title.into(),
                how_counted: "Final screening decisions on contacts received in the period, by the threshold level chosen. Percentages are of the decisions at that level; a referral at a low level, or no further action at a high one, needed an override reason.".into(),
                summary: format!("{} final decisions.", rows.iter().map(|r| r.count).sum::<i64>()),
                group_heading: Some("Threshold level"),
                label_heading: "Outcome",
                count_heading: "Decisions",
                chart: referral_share_chart("Decisions opening a referral, by threshold level", &rows, MAX_CHART_BARS, "level"),
                rows,
            }
        }
        "outcomes-by-office" => {
            let offices: HashMap<String, String> = cairn_db::organisation::list_offices(c)?
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect();
            let counts = ctx
                .decisions(c)?
                .by_office
                .into_iter()
                .map(|(office, outcome, n)| {
                    let name = offices
                        .get(&office)
                        .cloned()
                        .unwrap_or_else(|| "Unknown office".into());
                    (format!("{name}\u{0}{office}"), name, outcome, n)
                })
                .collect();
            let rows = outcome_rows(counts);
            let title = "Outcomes by office";
            Figure {
                key: "outcomes-by-office",
                title: title.into(),
                how_counted: "Final screening decisions on contacts received in the period, by the office that received the contact. Percentages are of that office's decisions.".into(),
                summary: format!("{} final decisions.", rows.iter().map(|r| r.count).sum::<i64>()),
                group_heading: Some("Office"),
                label_heading: "Outcome",
                count_heading: "Decisions",
                chart: referral_share_chart("Decisions opening a referral, by office", &rows, MAX_CHART_BARS, "office"),
                rows,
            }
        }
        "outcomes-by-screener" => {
            let raw = ctx.decisions(c)?.by_screener;
            let mut ids: Vec<String> = raw.iter().map(|(u, _, _)| u.clone()).collect();
            ids.sort();
            ids.dedup();
            let names = cairn_db::users::display_names(c, &ids)?;
            let counts = raw
                .into_iter()
                .map(|(user, outcome, n)| {
                    let name = names
                        .get(&user)
                        .cloned()
                        .unwrap_or_else(|| "Unknown user".into());
                    // Sorted by name; the id keeps two people with one name apart.
                    (format!("{name}\u{0}{user}"), name, outcome, n)
                })
                .collect();
            let rows = outcome_rows(counts);
            let screeners = rows
                .iter()
                .filter_map(|r| r.group.clone())
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            let title = "Outcomes by screener (consistency)";
            Figure {
                key: "outcomes-by-screener",
                title: title.into(),
                how_counted: "Final screening decisions on contacts received in the period, by the practitioner who made the decision (not the manager who authorised it). Percentages are of that person's decisions: very different mixes for similar work can mean thresholds are applied differently.".into(),
                summary: format!("{screeners} screeners made {} final decisions.", rows.iter().map(|r| r.count).sum::<i64>()),
                group_heading: Some("Screener"),
                label_heading: "Outcome",
                count_heading: "Decisions",
                chart: referral_share_chart("Decisions opening a referral, by screener", &rows, MAX_CHART_BARS, "screener"),
                rows,
            }
        }
        "decided-in-time" => {
            let cal = calendar(ctx.settings);
            let deadlines = Deadlines::new(
                &cal,
                ctx.filter.from - Duration::days(1),
                ctx.filter.to + Duration::days(1),
            );
            let mut within = 0;
            let mut later = 0;
            for (received, finalised) in repo::decision_times(c, s)? {
                match finalised {
                    Some(f) if f <= deadlines.one_working_day(received) => within += 1,
                    _ => later += 1,
                }
            }
            let overdue = repo::undecided_received(c, s)?
                .into_iter()
                .filter(|r| deadlines.one_working_day(*r) < ctx.now)
                .count() as i64;
            let total = within + later + overdue;
            let rows = vec![
                FigureRow::new(None, "Decided within one working day", within, total),
                FigureRow::new(None, "Decided later", later, total),
                FigureRow::new(None, "Not decided yet, past the deadline", overdue, total),
            ];
            let title = "Contacts decided within one working day";
            Figure {
                key: "decided-in-time",
                title: title.into(),
                how_counted: "A contact is decided when its last decision is final: when a manager authorises it if the outcome needs a manager, otherwise when the screener records it. The deadline is one working day from receipt (received out of hours: the end of the next working day). Contacts still waiting but not yet due, and contacts about open cases (sent to the allocated worker), are not counted.".into(),
                summary: format!("{} of {total} contacts ({}) were decided within one working day.", within, percent_text(percent(within, total))),
                group_heading: None,
                label_heading: "Decision",
                count_heading: "Contacts",
                chart: percent_chart(title, &rows),
                rows,
            }
        }
        "receipts-in-time" => {
            // A one-working-day deadline falls within days of receipt (the longest run of
            // closed days is Christmas and any closure days next to it), so a receipt missing
            // for a contact received over a month ago is certainly late; only more recent ones
            // need the calendar.
            let settled = ctx.now - Duration::days(SETTLED_DAYS);
            let counts = repo::receipt_counts(c, s, ctx.now, settled)?;
            let cal = calendar(ctx.settings);
            let deadlines = Deadlines::new(
                &cal,
                ctx.filter.from - Duration::days(1),
                ctx.filter.to + Duration::days(1),
            );
            let recent = Scope {
                from: s.from.max(settled),
                ..s.clone()
            };
            let missing_recent = if recent.from < recent.to {
                repo::receipts_missing_received(c, &recent)?
                    .into_iter()
                    .filter(|r| deadlines.one_working_day(*r) < ctx.now)
                    .count() as i64
            } else {
                0
            };
            let missing_overdue = counts.missing_settled + missing_recent;
            let total = counts.on_time + counts.late + counts.unsent_overdue + missing_overdue;
            let rows = vec![
                FigureRow::new(None, "Sent within one working day", counts.on_time, total),
                FigureRow::new(None, "Sent late", counts.late, total),
                FigureRow::new(
                    None,
                    "Not sent, past the deadline",
                    counts.unsent_overdue,
                    total,
                ),
                FigureRow::new(None, "No receipt recorded", missing_overdue, total),
            ];
            let title = "Written receipts sent within one working day";
            Figure {
                key: "receipts-in-time",
                title: title.into(),
                how_counted: "Contacts with an identifiable referrer (not anonymous, and named). A receipt counts as sent when it was emailed or, for a referrer without an email address, when the letter to post was produced. Receipts not yet due are not counted. The report of late and missing receipts lists each one.".into(),
                summary: format!("{} of {total} receipts ({}) were sent within one working day.", counts.on_time, percent_text(percent(counts.on_time, total))),
                group_heading: None,
                label_heading: "Receipt",
                count_heading: "Contacts",
                chart: percent_chart(title, &rows),
                rows,
            }
        }
        "conversion" => {
            let k = repo::child_outcomes(c, s)?;
            let waiting = (k.children - k.referred - k.open_case - k.other_outcome).max(0);
            let rows = vec![
                FigureRow::new(
                    None,
                    "Referral to children's social care",
                    k.referred,
                    k.children,
                ),
                FigureRow::new(None, "Another outcome", k.other_outcome, k.children),
                FigureRow::new(
                    None,
                    "Open case: sent to the allocated worker",
                    k.open_case,
                    k.children,
                ),
                FigureRow::new(None, "Waiting for a decision", waiting, k.children),
            ];
            let title = "Contacts that became referrals";
            Figure {
                key: "conversion",
                title: title.into(),
                how_counted: "One row per child per contact, as Ofsted's Annex A counts them: the children named on contacts received in the period, and whether a referral to children's social care (a CIN episode) was opened for the child from that contact.".into(),
                summary: format!("{} of {} children on contacts ({}) were referred.", k.referred, k.children, percent_text(percent(k.referred, k.children))),
                group_heading: None,
                label_heading: "Result for the child",
                count_heading: "Children",
                chart: percent_chart(title, &rows),
                rows,
            }
        }
        "re-referrals" => {
            let by_office = ctx.referrals(c)?;
            let total: i64 = by_office.iter().map(|r| r.1).sum();
            let re: i64 = by_office.iter().map(|r| r.2).sum();
            let rows = vec![
                FigureRow::new(
                    None,
                    "Re-referral (a previous referral within 12 months)",
                    re,
                    total,
                ),
                FigureRow::new(
                    None,
                    "No referral in the previous 12 months",
                    total - re,
                    total,
                ),
            ];
            let title = "Re-referrals";
            Figure {
                key: "re-referrals",
                title: title.into(),
                how_counted: "Referrals to children's social care with a referral date in the period; a re-referral is one within 12 months of the child's previous referral (the DfE definition).".into(),
                summary: format!("{re} of {total} referrals ({}) were re-referrals.", percent_text(percent(re, total))),
                group_heading: None,
                label_heading: "Referral",
                count_heading: "Referrals",
                chart: percent_chart(title, &rows),
                rows,
            }
        }
        "closed-no-further-action" => {
            let by_office = ctx.referrals(c)?;
            let offices: HashMap<String, String> = cairn_db::organisation::list_offices(c)?
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect();
            let mut grouped: Vec<(String, i64, i64, i64)> = by_office
                .into_iter()
                .map(|(office, n, _, rc8, rc7)| {
                    let name = office
                        .and_then(|o| offices.get(&o).cloned())
                        .unwrap_or_else(|| "No contact recorded".into());
                    (name, n, rc8, rc7)
                })
                .collect();
            grouped.sort();
            let rc8_label = format!(
                "{} (RC8)",
                ReasonForClosure::ClosedAfterAssessmentNoFurtherAction.label()
            );
            let rc7_label = format!("{} (RC7)", ReasonForClosure::ServicesCeased.label());
            let mut rows = Vec::new();
            let mut bars = Vec::new();
            for (office, n, rc8, rc7) in &grouped {
                rows.push(FigureRow::new(
                    Some(office.clone()),
                    rc8_label.clone(),
                    *rc8,
                    *n,
                ));
                rows.push(FigureRow::new(
                    Some(office.clone()),
                    rc7_label.clone(),
                    *rc7,
                    *n,
                ));
                bars.push((office.clone(), percent(rc8 + rc7, *n).unwrap_or(0.0)));
            }
            let closed: i64 = grouped.iter().map(|g| g.2 + g.3).sum();
            let total: i64 = grouped.iter().map(|g| g.1).sum();
            let title = "Referrals closed with no further action, by originating office";
            let description = format!(
                "{title}: for each office that received the contact, the percentage of its referrals closed with reason RC8 or RC7. {}",
                bars.iter()
                    .map(|(o, p)| format!("{o}: {}", percent_text(Some(*p))))
                    .collect::<Vec<_>>()
                    .join("; ")
            );
            Figure {
                key: "closed-no-further-action",
                title: title.into(),
                how_counted: "Referrals with a referral date in the period, by the office that received the contact, and how many were closed with reason RC8 (closed after assessment, no further action) or RC7 (services ceased for any other reason). Many of these can mean contacts were transferred for assessment that did not need one. Percentages are of the office's referrals.".into(),
                summary: format!("{closed} of {total} referrals ({}) were closed with no further action (RC8 or RC7).", percent_text(percent(closed, total))),
                group_heading: Some("Originating office"),
                label_heading: "Reason for closure",
                count_heading: "Referrals",
                chart: bar_chart(title, description, "%", bars),
                rows,
            }
        }
        _ => return Err(ServiceError::NotFound("The table")),
    })
}

fn office_list(c: &mut DbConn) -> ServiceResult<Vec<(String, String)>> {
    Ok(cairn_db::organisation::list_offices(c)?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect())
}

fn check_office(c: &mut DbConn, filter: &PerformanceFilter) -> ServiceResult<()> {
    if let Some(o) = &filter.office_id
        && cairn_db::organisation::find_office(c, o)?.is_none()
    {
        return Err(ServiceError::invalid(
            "office",
            "Select an office from the list",
        ));
    }
    Ok(())
}

/// Every figure, for the performance page. Read in one transaction (one consistent snapshot),
/// then the view is audited with the filters only: the page holds no personal data.
pub fn figures(
    conn: &mut DbConn,
    actor: &Actor,
    settings: &Settings,
    filter: &PerformanceFilter,
) -> ServiceResult<Performance> {
    tx::require(conn, actor, Action::ViewFrontDoorPerformance)?;
    filter.check()?;
    let now = cairn_db::now();
    let result = tx::read(conn, actor, |c| {
        check_office(c, filter)?;
        let mut ctx = Ctx::new(filter, settings, now);
        let mut figures = Vec::with_capacity(FIGURE_KEYS.len());
        for key in FIGURE_KEYS {
            figures.push(figure(c, &mut ctx, key)?);
        }
        Ok(Performance {
            filter: filter.clone(),
            offices: office_list(c)?,
            figures,
        })
    })?;
    tx::write(conn, actor, |c| {
        audit_trail::write(
            c,
            actor,
            Record::ok("front_door_performance.view").detail(filter.audit_detail()),
        )?;
        Ok(())
    })?;
    Ok(result)
}

/// The offices, for the filter form shown with an error.
pub fn offices(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Vec<(String, String)>> {
    tx::require(conn, actor, Action::ViewFrontDoorPerformance)?;
    tx::read(conn, actor, office_list)
}

/// One figure as CSV: (file name, contents). Audited like the page, naming the table.
pub fn figure_csv(
    conn: &mut DbConn,
    actor: &Actor,
    settings: &Settings,
    filter: &PerformanceFilter,
    key: &str,
) -> ServiceResult<(String, String)> {
    tx::require(conn, actor, Action::ViewFrontDoorPerformance)?;
    if !FIGURE_KEYS.contains(&key) {
        return Err(ServiceError::NotFound("The table"));
    }
    filter.check()?;
    let now = cairn_db::now();
    let fig = tx::read(conn, actor, |c| {
        check_office(c, filter)?;
        figure(c, &mut Ctx::new(filter, settings, now), key)
    })?;
    tx::write(conn, actor, |c| {
        let mut detail = filter.audit_detail();
        detail["table"] = json!(key);
        audit_trail::write(
            c,
            actor,
            Record::ok("front_door_performance.download").detail(detail),
        )?;
        Ok(())
    })?;
    Ok((
        format!("front-door-{key}-{}-to-{}.csv", filter.from, filter.to),
        fig.csv(),
    ))
}

// ---- the report of late and missing receipts and feedback ----

/// What went wrong with a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Problem {
    /// None was ever written, and it is past due.
    Missing,
    /// Sent (or the letter produced) after its due time.
    Late,
    /// Waiting, retrying or failed, and past its due time.
    Unsent,
}

impl Problem {
    pub const ALL: [Problem; 3] = [Problem::Missing, Problem::Late, Problem::Unsent];

    pub fn code(self) -> &'static str {
        match self {
            Problem::Missing => "missing",
            Problem::Late => "late",
            Problem::Unsent => "unsent",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Problem::Missing => "Missing",
            Problem::Late => "Sent late",
            Problem::Unsent => "Not sent, past due",
        }
    }

    pub fn from_code(code: &str) -> Option<Problem> {
        Problem::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// Which messages the report covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportKind {
    Receipt,
    Feedback,
}

impl ReportKind {
    pub fn code(self) -> &'static str {
        match self {
            ReportKind::Receipt => "receipt",
            ReportKind::Feedback => "feedback",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportKind::Receipt => "Receipt",
            ReportKind::Feedback => "Feedback",
        }
    }

    pub fn from_code(code: &str) -> Option<ReportKind> {
        [ReportKind::Receipt, ReportKind::Feedback]
            .into_iter()
            .find(|k| k.code() == code)
    }
}

/// The report's filters: the period and office as on the performance page, and optionally one
/// kind of message and one kind of problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportFilter {
    pub period: PerformanceFilter,
    pub kind: Option<ReportKind>,
    pub problem: Option<Problem>,
}

/// One late or missing message.
#[derive(Clone, Debug, PartialEq)]
pub struct LateMessage {
    pub contact_id: String,
    pub reference: String,
    pub received_at: NaiveDateTime,
    pub office: String,
    pub referrer: String,
    pub organisation: String,
    pub kind: ReportKind,
    pub problem: Problem,
    pub due_at: NaiveDateTime,
    /// When it was sent (or the letter produced), if it was.
    pub sent_at: Option<NaiveDateTime>,
    /// The delivery status label ("Could not be sent"), empty when missing.
    pub status: String,
}

#[derive(Clone, Debug)]
pub struct LateReport {
    pub filter: ReportFilter,
    pub offices: Vec<(String, String)>,
    /// Every matching row, oldest contact first.
    pub rows: Vec<LateMessage>,
    /// Counts by (kind, problem), for the summary.
    pub counts: Vec<(ReportKind, Problem, usize)>,
    /// True when a kind had more than [`REPORT_LIMIT`] problems and the rest were not read.
    pub truncated: bool,
}

impl LateReport {
    /// The rows shown on the page (the CSV has them all).
    pub fn page_rows(&self) -> &[LateMessage] {
        &self.rows[..self.rows.len().min(REPORT_PAGE_ROWS)]
    }

    pub fn csv(&self) -> String {
        let mut out = String::new();
        csv_line(
            &mut out,
            &[
                "Contact reference",
                "Received",
                "Office",
                "Referrer",
                "Organisation",
                "Message",
                "Problem",
                "Due",
                "Sent",
                "Status",
            ],
        );
        let t = |x: NaiveDateTime| x.format("%Y-%m-%d %H:%M:%S UTC").to_string();
        for r in &self.rows {
            let received = t(r.received_at);
            let due = t(r.due_at);
            let sent = r.sent_at.map(t).unwrap_or_default();
            csv_line(
                &mut out,
                &[
                    &r.reference,
                    &received,
                    &r.office,
                    &r.referrer,
                    &r.organisation,
                    r.kind.label(),
                    r.problem.label(),
                    &due,
                    &sent,
                    &r.status,
                ],
            );
        }
        out
    }
}

fn classify(
    row: MessageProblemRow,
    kind: ReportKind,
    deadlines: &Deadlines<'_>,
    now: NaiveDateTime,
) -> Option<LateMessage> {
    let status = row
        .message_status
        .as_deref()
        .and_then(MessageStatus::from_code);
    let sent = match status {
        Some(MessageStatus::LetterOnly) => row.created_at,
        _ => row.sent_at,
    };
    let (problem, due) = match (&row.message_id, row.due_at) {
        (None, _) | (_, None) => {
            // Feedback is due a working day after the decision, a receipt after receipt.
            let from = match kind {
                ReportKind::Feedback => row.decided_at.unwrap_or(row.received_at),
                ReportKind::Receipt => row.received_at,
            };
            let due = deadlines.one_working_day(from);
            if due >= now {
                return None;
            }
            (Problem::Missing, due)
        }
        (Some(_), Some(due)) => match sent {
            Some(at) if at > due => (Problem::Late, due),
            Some(_) => return None,
            None if due < now => (Problem::Unsent, due),
            None => return None,
        },
    };
    Some(LateMessage {
        contact_id: row.contact_id,
        reference: row.reference,
        received_at: row.received_at,
        office: row.office_name,
        referrer: row.referrer_name.unwrap_or_default(),
        organisation: row.referrer_organisation.unwrap_or_default(),
        kind,
        problem,
        due_at: due,
        sent_at: sent,
        status: status.map(|s| s.label().to_string()).unwrap_or_default(),
    })
}

fn read_report(
    c: &mut DbConn,
    settings: &Settings,
    filter: &ReportFilter,
    now: NaiveDateTime,
) -> ServiceResult<LateReport> {
    check_office(c, &filter.period)?;
    let scope = filter.period.scope();
    let cal = calendar(settings);
    // Missing feedback is due from the decision, which can be well after the period ends.
    let deadlines = Deadlines::new(
        &cal,
        filter.period.from - Duration::days(1),
        filter.period.to + Duration::days(60),
    );
    let mut rows = Vec::new();
    let mut truncated = false;
    for kind in [ReportKind::Receipt, ReportKind::Feedback] {
        if filter.kind.is_some_and(|k| k != kind) {
            continue;
        }
        let db_kind = match kind {
            ReportKind::Receipt => MessageKindFilter::Receipt,
            ReportKind::Feedback => MessageKindFilter::Feedback,
        };
        let found = repo::message_problems(c, &scope, db_kind, now, REPORT_LIMIT)?;
        truncated |= found.len() as i64 >= REPORT_LIMIT;
        rows.extend(
            found
                .into_iter()
                .filter_map(|r| classify(r, kind, &deadlines, now))
                .filter(|r| filter.problem.is_none_or(|p| p == r.problem)),
        );
    }
    rows.sort_by(|a, b| {
        a.received_at
            .cmp(&b.received_at)
            .then_with(|| a.reference.cmp(&b.reference))
            .then_with(|| a.kind.code().cmp(b.kind.code()))
    });
    let mut counts = Vec::new();
    for kind in [ReportKind::Receipt, ReportKind::Feedback] {
        for problem in Problem::ALL {
            let n = rows
                .iter()
                .filter(|r| r.kind == kind && r.problem == problem)
                .count();
            if n > 0 {
                counts.push((kind, problem, n));
            }
        }
    }
    Ok(LateReport {
        filter: filter.clone(),
        offices: office_list(c)?,
        rows,
        counts,
        truncated,
    })
}

fn report_audit(filter: &ReportFilter, rows: usize) -> serde_json::Value {
    let mut detail = filter.period.audit_detail();
    detail["kind"] = json!(filter.kind.map(|k| k.code()));
    detail["problem"] = json!(filter.problem.map(|p| p.code()));
    detail["rows"] = json!(rows);
    detail
}

/// Contacts whose receipt or feedback is missing, late, or unsent past due. The rows name
/// referrers, so the view is audited (with the filters and the number of rows, no names).
pub fn late_messages(
    conn: &mut DbConn,
    actor: &Actor,
    settings: &Settings,
    filter: &ReportFilter,
) -> ServiceResult<LateReport> {
    tx::require(conn, actor, Action::ViewFrontDoorPerformance)?;
    filter.period.check()?;
    let now = cairn_db::now();
    let report = tx::read(conn, actor, |c| read_report(c, settings, filter, now))?;
    tx::write(conn, actor, |c| {
        audit_trail::write(
            c,
            actor,
            Record::ok("receipts_report.view").detail(report_audit(filter, report.rows.len())),
        )?;
        Ok(())
    })?;
    Ok(report)
}

/// The same report as CSV: (file name, contents).
pub fn late_messages_csv(
    conn: &mut DbConn,
    actor: &Actor,
    settings: &Settings,
    filter: &ReportFilter,
) -> ServiceResult<(String, String)> {
    tx::require(conn, actor, Action::ViewFrontDoorPerformance)?;
    filter.period.check()?;
    let now = cairn_db::now();
    let report = tx::read(conn, actor, |c| read_report(c, settings, filter, now))?;
    tx::write(conn, actor, |c| {
        audit_trail::write(
            c,
            actor,
            Record::ok("receipts_report.download").detail(report_audit(filter, report.rows.len())),
        )?;
        Ok(())
    })?;
    Ok((
        format!(
            "late-receipts-and-feedback-{}-to-{}.csv",
            filter.period.from, filter.period.to
        ),
        report.csv(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_domain::calendar::WorkingHours;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap_or_default()
    }

    /// The prepared table gives exactly the calendar's deadline, every 7 minutes over two
    /// years that include both clock changes, Easter, Christmas and a closure day.
    #[test]
    fn deadlines_agree_with_the_calendar() {
        let cal = Calendar::england_and_wales()
            .with_extra_closures([NaiveDate::from_ymd_opt(2025, 12, 29).unwrap_or_default()])
            .with_working_hours(WorkingHours::parse("08:30", "17:30").unwrap_or_default());
        let from = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default();
        let to = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default();
        let table = Deadlines::new(&cal, from, to);
        let mut t = from.and_time(chrono::NaiveTime::MIN);
        let end = to.and_time(chrono::NaiveTime::MIN);
        let mut checked = 0;
        while t < end {
            let expected = cal.decision_deadline(utc(t), 1).map(|d| d.naive_utc()).ok();
            assert_eq!(Some(table.one_working_day(t)), expected, "received {t}");
            t += Duration::minutes(7);
            checked += 1;
        }
        assert!(checked > 100_000);
        // Outside the prepared range it still answers, from the calendar.
        let far = at("2030-06-05 10:00");
        let expected = cal
            .decision_deadline(utc(far), 1)
            .map(|d| d.naive_utc())
            .ok();
        assert_eq!(Some(table.one_working_day(far)), expected);
    }

    #[test]
    fn percentages_read_naturally() {
        assert_eq!(percent_text(percent(3, 4)), "75%");
        assert_eq!(percent_text(percent(1, 8)), "12.5%");
        assert_eq!(percent_text(percent(0, 0)), "–");
        assert_eq!(percent_text(percent(2, 3)), "66.7%");
    }

    #[test]
    fn csv_quotes_and_guards_formulas() {
        let mut out = String::new();
        csv_line(&mut out, &["a,b", "say \"hi\"", "=SUM(A1)", "-5", "plain"]);
        assert_eq!(out, "\"a,b\",\"say \"\"hi\"\"\",'=SUM(A1),-5,plain\r\n");
    }

    #[test]
    fn the_default_period_is_twelve_months_to_today() {
        let f = PerformanceFilter::last_twelve_months(
            NaiveDate::from_ymd_opt(2026, 11, 2).unwrap_or_default(),
        );
        assert_eq!(
            f.from,
            NaiveDate::from_ymd_opt(2025, 11, 3).unwrap_or_default()
        );
        assert_eq!(
            f.to,
            NaiveDate::from_ymd_opt(2026, 11, 2).unwrap_or_default()
        );
        // Local midnight: 1 July is BST, so it starts at 23:00 UTC the day before.
        let july = PerformanceFilter {
            from: NaiveDate::from_ymd_opt(2026, 7, 1).unwrap_or_default(),
            to: NaiveDate::from_ymd_opt(2026, 7, 1).unwrap_or_default(),
            office_id: None,
        };
        assert_eq!(july.scope().from, at("2026-06-30 23:00"));
        assert_eq!(july.scope().to, at("2026-07-01 23:00"));
    }

    #[test]
    fn two_way_figures_have_one_row_per_group() {
        let rows = outcome_rows(vec![
            ("b".into(), "Office B".into(), "referral".into(), 1),
            ("a".into(), "Office A".into(), "referral".into(), 3),
            ("a".into(), "Office A".into(), "no_further_action".into(), 1),
        ]);
        assert_eq!(rows.len(), 2 * ScreeningOutcome::ALL.len());
        let fig = Figure {
            key: "x",
            title: "t".into(),
            how_counted: String::new(),
            summary: String::new(),
            group_heading: Some("Office"),
            label_heading: "Outcome",
            count_heading: "Decisions",
            chart: referral_share_chart("t", &rows, 25, "office"),
            rows,
        };
        let wide = fig.wide().unwrap_or(WideTable {
            columns: vec![],
            rows: vec![],
        });
        assert_eq!(wide.rows.len(), 2);
        assert_eq!(wide.rows[0].0, "Office A");
        assert_eq!(wide.rows[0].2, 4);
        let referral_col = wide
            .columns
            .iter()
            .position(|c| c == ScreeningOutcome::Referral.label())
            .unwrap_or(99);
        assert_eq!(wide.rows[0].1[referral_col], "3 (75%)");
        assert_eq!(fig.chart.bars[0].value, 75.0);
        assert!(
            fig.csv()
                .starts_with("Office,Outcome,Decisions,Out of,Percent\r\n")
        );
    }
}

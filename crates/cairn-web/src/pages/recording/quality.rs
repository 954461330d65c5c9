//! The recording-quality page for managers.
//!
//! `GET /reports/recording-quality?from-day=…&to-day=…&team=…&chronology_days=…&oversight_days=…`
//! shows each section as an SVG chart with its table beside it; `GET
//! /reports/recording-quality/{section}.csv` downloads one section's table with the same
//! filters. Plain GET forms: everything works without JavaScript. The service decides who may
//! see it (and which team) and audits each view.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use cairn_core::ServiceError;
use cairn_core::recording::quality::{self, QualityFilter, QualityReport, Row, SECTION_KEYS};
use cairn_domain::dates::{DateParts, format_long, parse_date_parts};
use cairn_domain::validation::FieldErrors;
use chrono::NaiveDate;

use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::uk_time::today_in_england;
use crate::session::{CurrentUser, render_with};
use crate::state::AppState;

/// One section as the page shows it.
pub struct SectionView {
    pub key: &'static str,
    pub title: String,
    pub how_counted: String,
    pub summary: String,
    /// The accessible chart, drawn by `cairn_render::svg` (its text is escaped there).
    pub svg: String,
    pub headers: Vec<&'static str>,
    pub numeric: Vec<bool>,
    pub rows: Vec<Row>,
    pub total_rows: usize,
    pub truncated: bool,
    pub csv_href: String,
}

impl SectionView {
    /// The CSS class of column `i`'s cells.
    pub fn cell_class(&self, i: &usize) -> &'static str {
        if self.numeric.get(*i).copied().unwrap_or(false) {
            "govuk-table__cell govuk-table__cell--numeric"
        } else {
            "govuk-table__cell"
        }
    }

    pub fn header_class(&self, i: &usize) -> &'static str {
        if self.numeric.get(*i).copied().unwrap_or(false) {
            "govuk-table__header govuk-table__header--numeric"
        } else {
            "govuk-table__header"
        }
    }
}

#[derive(askama::Template)]
#[template(path = "pages/recording/quality/report.html")]
pub struct QualityPage {
    pub layout: Layout,
    pub errors: Errors,
    pub from: DateParts,
    pub to: DateParts,
    pub team: String,
    pub teams: Vec<(String, String)>,
    pub may_choose_team: bool,
    /// The team shown, for a manager who sees only their own.
    pub team_name: String,
    pub chronology_days: String,
    pub oversight_days: String,
    /// "1 March 2026 to 31 May 2026".
    pub period: String,
    /// "Children in need", or "every team".
    pub scope_label: String,
    pub sections: Vec<SectionView>,
}

/// The filters as typed, and what they mean once checked.
struct Filters {
    from: DateParts,
    to: DateParts,
    team: String,
    chronology_days: String,
    oversight_days: String,
    checked: Result<QualityFilter, FieldErrors>,
}

fn read_date(
    parts: &mut DateParts,
    name: &str,
    label: &str,
    default: NaiveDate,
    errors: &mut FieldErrors,
) -> Option<NaiveDate> {
    if parts.is_empty() {
        *parts = DateParts::from_date(default);
        return Some(default);
    }
    match parse_date_parts(parts, label) {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            errors.push(name, format!("Enter the {}", label.to_lowercase()));
            None
        }
        Err(e) => {
            errors.push(name, e.to_string());
            None
        }
    }
}

/// A number of working days; blank is `None`.
fn read_days(text: &str, name: &str, errors: &mut FieldErrors) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.parse::<u32>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(
                name,
                "Enter the number of working days as a whole number, like 20",
            );
            None
        }
    }
}

/// Reads the filters; with no dates, the last three months.
fn filters(form: &FormData, today: NaiveDate) -> Filters {
    let defaults = QualityFilter::last_three_months(today);
    let mut from = form.date("from");
    let mut to = form.date("to");
    let team: String = form
        .get("team")
        .chars()
        .filter(|c| c.is_ascii_hexdigit() || *c == '-')
        .take(64)
        .collect();
    let chronology_days: String = form.get("chronology_days").chars().take(8).collect();
    let oversight_days: String = form.get("oversight_days").chars().take(8).collect();
    let mut errors = FieldErrors::default();
    let f = read_date(&mut from, "from", "Start date", defaults.from, &mut errors);
    let t = read_date(&mut to, "to", "End date", defaults.to, &mut errors);
    if let (Some(f), Some(t)) = (f, t)
        && f > t
    {
        errors.push(
            "to",
            "The end date must be the same as or after the start date",
        );
    }
    let chronology = read_days(&chronology_days, "chronology_days", &mut errors);
    let oversight = read_days(&oversight_days, "oversight_days", &mut errors);
    let checked = match (f, t) {
        (Some(from), Some(to)) if errors.is_empty() => Ok(QualityFilter {
            from,
            to,
            team_id: (!team.is_empty()).then(|| team.clone()),
            chronology_days: chronology.unwrap_or(defaults.chronology_days),
            oversight_days: oversight,
        }),
        _ => Err(errors),
    };
    Filters {
        from,
        to,
        team,
        chronology_days,
        oversight_days,
        checked,
    }
}

/// The filters as a query string, for the CSV links.
fn query_of(f: &QualityFilter) -> String {
    let pairs: Vec<(&str, String)> = vec![
        ("from-day", f.from.format("%-d").to_string()),
        ("from-month", f.from.format("%-m").to_string()),
        ("from-year", f.from.format("%Y").to_string()),
        ("to-day", f.to.format("%-d").to_string()),
        ("to-month", f.to.format("%-m").to_string()),
        ("to-year", f.to.format("%Y").to_string()),
        ("team", f.team_id.clone().unwrap_or_default()),
        ("chronology_days", f.chronology_days.to_string()),
        (
            "oversight_days",
            f.oversight_days.map(|d| d.to_string()).unwrap_or_default(),
        ),
    ];
    serde_urlencoded::to_string(&pairs).unwrap_or_default()
}

fn sections(report: QualityReport) -> Vec<SectionView> {
    let query = query_of(&report.filter);
    report
        .sections
        .into_iter()
        .map(|s| SectionView {
            key: s.key,
            svg: cairn_render::svg::bar_chart(&s.chart),
            csv_href: format!("/reports/recording-quality/{}.csv?{query}", s.key),
            truncated: s.truncated(),
            total_rows: s.rows.len(),
            rows: s.page_rows().to_vec(),
            title: s.title,
            how_counted: s.how_counted,
            summary: s.summary,
            headers: s.headers,
            numeric: s.numeric,
        })
        .collect()
}

/// `GET /reports/recording-quality`
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let form = FormData::parse(q.unwrap_or_default().as_bytes());
    let today = today_in_england();
    let f = filters(&form, today);
    let mut page = QualityPage {
        layout: user.layout("Recording quality", "recording-quality"),
        errors: Errors::default(),
        from: f.from,
        to: f.to,
        team: f.team,
        teams: Vec::new(),
        may_choose_team: false,
        team_name: String::new(),
        chronology_days: f.chronology_days,
        oversight_days: f.oversight_days,
        period: String::new(),
        scope_label: String::new(),
        sections: Vec::new(),
    };
    let actor = user.actor.clone();
    let result = match f.checked {
        Ok(filter) => {
            state
                .db(move |c| Ok(quality::report(c, &actor, &filter, today)))
                .await?
        }
        Err(errors) => Err(ServiceError::Invalid(errors)),
    };
    match result {
        Ok(report) => {
            page.period = format!(
                "{} to {}",
                format_long(report.filter.from),
                format_long(report.filter.to)
            );
            page.scope_label = report
                .team_name
                .clone()
                .unwrap_or_else(|| "every team".into());
            page.team = report.filter.team_id.clone().unwrap_or_default();
            page.chronology_days = report.filter.chronology_days.to_string();
            page.oversight_days = report
                .filter
                .oversight_days
                .map(|d| d.to_string())
                .unwrap_or_default();
            page.teams = report.teams.clone();
            page.may_choose_team = report.may_choose_team;
            page.team_name = report.team_name.clone().unwrap_or_default();
            page.sections = sections(report);
            Ok(render_with(StatusCode::OK, &page))
        }
        Err(ServiceError::Invalid(errors)) => {
            page.errors = Errors::from_fields(&errors);
            page.layout.title = format!("Error: {}", page.layout.title);
            let actor = user.actor.clone();
            let (may_choose, teams) = state
                .db(move |c| Ok(quality::team_choices(c, &actor)?))
                .await?;
            let own = user
                .actor
                .team_id
                .map(|t| t.to_string())
                .unwrap_or_default();
            page.team_name = teams
                .iter()
                .find(|(id, _)| *id == own)
                .map(|(_, name)| name.clone())
                .unwrap_or_default();
            page.teams = teams;
            page.may_choose_team = may_choose;
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

use crate::pages::performance::csv_response;

/// `GET /reports/recording-quality/{section}.csv`
pub async fn csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    // The router cannot match a parameter followed by ".csv" in one segment, so the suffix is
    // checked here; only the known section names get through to the service.
    let key = file
        .strip_suffix(".csv")
        .and_then(|k| SECTION_KEYS.iter().find(|s| **s == k))
        .ok_or(AppError::NotFound)?;
    let form = FormData::parse(q.unwrap_or_default().as_bytes());
    let today = today_in_england();
    let filter = filters(&form, today).checked.map_err(|errors| {
        AppError::BadRequest(
            errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join(". "),
        )
    })?;
    let actor = user.actor.clone();
    let (name, body) = state
        .db(move |c| Ok(quality::section_csv(c, &actor, &filter, key, today)?))
        .await?;
    Ok(csv_response(&name, body))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports/recording-quality", get(show))
        .route("/reports/recording-quality/{file}", get(csv))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> FormData {
        FormData(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn no_filters_means_the_last_three_months_and_twenty_working_days() {
        let today = day(2026, 6, 15);
        let f = filters(&form(&[]), today);
        let checked = f.checked.ok();
        assert_eq!(
            checked.as_ref().map(|c| (c.from, c.to, c.chronology_days)),
            Some((day(2026, 3, 16), today, 20))
        );
        assert_eq!(checked.and_then(|c| c.oversight_days), None);
        assert!(!f.from.is_empty(), "the form shows the dates used");
    }

    #[test]
    fn filters_round_trip_through_the_query() {
        let f = filters(
            &form(&[
                ("from-day", "1"),
                ("from-month", "4"),
                ("from-year", "2026"),
                ("to-day", "30"),
                ("to-month", "6"),
                ("to-year", "2026"),
                ("team", "0190-ab\"<x>"),
                ("chronology_days", "10"),
                ("oversight_days", "15"),
            ]),
            day(2026, 7, 1),
        );
        let q = f.checked.map(|c| query_of(&c)).unwrap_or_default();
        assert_eq!(
            q,
            "from-day=1&from-month=4&from-year=2026&to-day=30&to-month=6&to-year=2026&team=0190-ab&chronology_days=10&oversight_days=15"
        );
    }

    #[test]
    fn a_number_of_days_must_be_a_number() {
        let f = filters(&form(&[("chronology_days", "ten")]), day(2026, 7, 1));
        let fields: Vec<String> = f
            .checked
            .err()
            .map(|e| e.iter().map(|x| x.field.clone()).collect())
            .unwrap_or_default();
        assert_eq!(fields, ["chronology_days"]);
    }
}

//! Front-door performance for managers, and the report of late and missing receipts and
//! feedback.
//!
//! `GET /performance/front-door?from-day=…&to-day=…&office=…` shows every figure as an SVG
//! chart with its data table beside it; `GET /performance/front-door/{table}.csv` downloads
//! one table with the same filters. `GET /reports/receipts` lists contacts whose receipt or
//! feedback is missing or late, and `GET /reports/receipts.csv` downloads it. Plain GET forms:
//! everything works without JavaScript. The services decide who may see them and audit each
//! view.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cairn_core::ServiceError;
use cairn_core::front_door::performance::{
    self, Figure, FigureRow, LateMessage, PerformanceFilter, Problem, ReportFilter, ReportKind,
    WideTable,
};
use cairn_domain::dates::{DateParts, format_long, parse_date_parts};
use cairn_domain::validation::FieldErrors;
use chrono::{NaiveDate, NaiveDateTime};

use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::{CurrentUser, render_with};
use crate::state::AppState;

/// One figure as the page shows it.
pub struct FigureView {
    pub key: &'static str,
    pub title: String,
    pub how_counted: String,
    pub summary: String,
    /// The accessible chart, drawn by `cairn_render::svg` (its text is escaped there).
    pub svg: String,
    pub group_heading: &'static str,
    pub label_heading: &'static str,
    pub count_heading: &'static str,
    pub rows: Vec<FigureRow>,
    /// Two-way figures: groups as rows, labels as columns.
    pub wide: Option<WideTable>,
    pub csv_href: String,
}

impl FigureView {
    fn from(figure: Figure, query: &str) -> FigureView {
        FigureView {
            key: figure.key,
            svg: cairn_render::svg::bar_chart(&figure.chart),
            wide: figure.wide(),
            csv_href: format!("/performance/front-door/{}.csv?{query}", figure.key),
            title: figure.title,
            how_counted: figure.how_counted,
            summary: figure.summary,
            group_heading: figure.group_heading.unwrap_or_default(),
            label_heading: figure.label_heading,
            count_heading: figure.count_heading,
            rows: figure.rows,
        }
    }
}

#[derive(askama::Template)]
#[template(path = "pages/performance.html")]
pub struct PerformancePage {
    pub layout: Layout,
    pub errors: Errors,
    pub from: DateParts,
    pub to: DateParts,
    pub office: String,
    pub offices: Vec<(String, String)>,
    /// "3 November 2025 to 2 November 2026, all offices".
    pub period: String,
    pub figures: Vec<FigureView>,
    pub report_href: String,
}

#[derive(askama::Template)]
#[template(path = "pages/receipts_report.html")]
pub struct ReceiptsReportPage {
    pub layout: Layout,
    pub errors: Errors,
    pub from: DateParts,
    pub to: DateParts,
    pub office: String,
    pub offices: Vec<(String, String)>,
    pub kind: String,
    pub problem: String,
    pub kinds: Vec<(String, String)>,
    pub problems: Vec<(String, String)>,
    pub period: String,
    /// Whether figures were read (false when the filters had errors).
    pub shown: bool,
    pub rows: Vec<ReportRowView>,
    pub total: usize,
    pub counts: Vec<String>,
    pub truncated: bool,
    pub csv_href: String,
    pub performance_href: String,
}

/// One of the report's own filters (message kind, problem), with its "all" option.
pub struct Choice {
    pub name: &'static str,
    pub label: &'static str,
    pub all: &'static str,
    pub options: Vec<(String, String)>,
    pub chosen: String,
}

impl ReceiptsReportPage {
    pub fn choices(&self) -> Vec<Choice> {
        vec![
            Choice {
                name: "kind",
                label: "Message",
                all: "Receipts and feedback",
                options: self.kinds.clone(),
                chosen: self.kind.clone(),
            },
            Choice {
                name: "problem",
                label: "Problem",
                all: "Any problem",
                options: self.problems.clone(),
                chosen: self.problem.clone(),
            },
        ]
    }
}

pub struct ReportRowView {
    pub contact_id: String,
    pub reference: String,
    pub received: String,
    pub office: String,
    pub referrer: String,
    pub organisation: String,
    pub kind: &'static str,
    pub problem: &'static str,
    pub problem_class: &'static str,
    pub due: String,
    pub sent: String,
    pub status: String,
}

/// "2 Nov 2026 09:15", UK local time.
fn local(t: NaiveDateTime) -> String {
    chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(t, chrono::Utc)
        .with_timezone(&chrono_tz::Europe::London)
        .format("%-d %b %Y %H:%M")
        .to_string()
}

impl ReportRowView {
    fn from(r: &LateMessage) -> ReportRowView {
        ReportRowView {
            contact_id: r.contact_id.clone(),
            reference: r.reference.clone(),
            received: local(r.received_at),
            office: r.office.clone(),
            referrer: r.referrer.clone(),
            organisation: r.organisation.clone(),
            kind: r.kind.label(),
            problem: r.problem.label(),
            problem_class: match r.problem {
                Problem::Missing => "govuk-tag--red",
                Problem::Unsent => "govuk-tag--orange",
                Problem::Late => "govuk-tag--yellow",
            },
            due: local(r.due_at),
            sent: r.sent_at.map(local).unwrap_or_default(),
            status: r.status.clone(),
        }
    }
}

/// The filters as typed, and what they mean once checked.
struct Filters {
    from: DateParts,
    to: DateParts,
    office: String,
    checked: Result<PerformanceFilter, FieldErrors>,
}

fn today() -> NaiveDate {
    // The council's dates are UK local dates.
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
}

/// Reads `from-*`, `to-*` and `office`. With no dates given, the last twelve months.
fn filters(form: &FormData) -> Filters {
    let defaults = PerformanceFilter::last_twelve_months(today());
    let mut from = form.date("from");
    let mut to = form.date("to");
    let office: String = form
        .get("office")
        .chars()
        .filter(|c| c.is_ascii_hexdigit() || *c == '-')
        .take(64)
        .collect();
    let mut errors = FieldErrors::default();
    let mut date = |parts: &mut DateParts, name: &str, label: &str, default: NaiveDate| {
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
    };
    let f = date(&mut from, "from", "Start date", defaults.from);
    let t = date(&mut to, "to", "End date", defaults.to);
    if let (Some(f), Some(t)) = (f, t)
        && f > t
    {
        errors.push(
            "to",
            "The end date must be the same as or after the start date",
        );
    }
    let checked = match (f, t) {
        (Some(from), Some(to)) if errors.is_empty() => Ok(PerformanceFilter {
            from,
            to,
            office_id: (!office.is_empty()).then(|| office.clone()),
        }),
        _ => Err(errors),
    };
    Filters {
        from,
        to,
        office,
        checked,
    }
}

/// The filters as a query string, for links that keep them (CSV downloads, the report).
fn query_of(f: &PerformanceFilter, extra: &[(&str, String)]) -> String {
    let mut pairs: Vec<(&str, String)> = vec![
        ("from-day", f.from.format("%-d").to_string()),
        ("from-month", f.from.format("%-m").to_string()),
        ("from-year", f.from.format("%Y").to_string()),
        ("to-day", f.to.format("%-d").to_string()),
        ("to-month", f.to.format("%-m").to_string()),
        ("to-year", f.to.format("%Y").to_string()),
        ("office", f.office_id.clone().unwrap_or_default()),
    ];
    pairs.extend(extra.iter().cloned());
    serde_urlencoded::to_string(&pairs).unwrap_or_default()
}

fn period_label(f: &PerformanceFilter, offices: &[(String, String)]) -> String {
    let office = match &f.office_id {
        Some(id) => offices
            .iter()
            .find(|(o, _)| o == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default(),
        None => "all offices".into(),
    };
    format!("{} to {}, {office}", format_long(f.from), format_long(f.to))
}

/// Field errors from the service (an unknown office, a period too long) shown on the form;
/// anything else is an error page.
fn field_errors(e: AppError) -> Result<Errors, AppError> {
    match e {
        AppError::Service(ServiceError::Invalid(errors)) => Ok(Errors::from_fields(&errors)),
        other => Err(other),
    }
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let form = FormData::parse(q.unwrap_or_default().as_bytes());
    let f = filters(&form);
    let mut page = PerformancePage {
        layout: user.layout("Front-door performance", "performance"),
        errors: Errors::default(),
        from: f.from,
        to: f.to,
        office: f.office,
        offices: Vec::new(),
        period: String::new(),
        figures: Vec::new(),
        report_href: "/reports/receipts".into(),
    };
    let (actor, settings) = (user.actor.clone(), state.settings.clone());
    let result = match f.checked {
        Ok(filter) => {
            state
                .db(move |c| Ok(performance::figures(c, &actor, &settings, &filter)))
                .await?
        }
        Err(errors) => Err(ServiceError::Invalid(errors)),
    };
    match result {
        Ok(p) => {
            let query = query_of(&p.filter, &[]);
            page.period = period_label(&p.filter, &p.offices);
            page.report_href = format!("/reports/receipts?{query}");
            page.figures = p
                .figures
                .into_iter()
                .map(|fig| FigureView::from(fig, &query))
                .collect();
            page.offices = p.offices;
            Ok(render_with(StatusCode::OK, &page))
        }
        Err(e) => {
            page.errors = field_errors(AppError::Service(e))?;
            page.layout.title = format!("Error: {}", page.layout.title);
            let actor = user.actor.clone();
            page.offices = state
                .db(move |c| Ok(performance::offices(c, &actor)?))
                .await?;
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

/// A CSV download. Shared by every report page that offers its tables as CSV.
pub(crate) fn csv_response(filename: &str, body: String) -> Response {
    // Names are built from our own table keys and ISO dates; filtering keeps the header valid.
    let safe: String = filename
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

fn bad_filters(errors: &FieldErrors) -> AppError {
    AppError::BadRequest(
        errors
            .iter()
            .map(|e| e.message.clone())
            .collect::<Vec<_>>()
            .join(". "),
    )
}

/// `GET /performance/front-door/{table}.csv`.
pub async fn csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    // The router cannot match a parameter followed by ".csv" in one segment, so the suffix is
    // checked here; only the known table names get through to the service.
    let key = file
        .strip_suffix(".csv")
        .and_then(|k| performance::FIGURE_KEYS.iter().find(|f| **f == k))
        .ok_or(AppError::NotFound)?;
    let form = FormData::parse(q.unwrap_or_default().as_bytes());
    let filter = filters(&form).checked.map_err(|e| bad_filters(&e))?;
    let (actor, settings) = (user.actor.clone(), state.settings.clone());
    let (name, body) = state
        .db(move |c| Ok(performance::figure_csv(c, &actor, &settings, &filter, key)?))
        .await?;
    Ok(csv_response(&name, body))
}

fn report_filter(form: &FormData) -> (Filters, String, String, Result<ReportFilter, FieldErrors>) {
    let f = filters(form);
    let kind = form.string("kind");
    let problem = form.string("problem");
    let mut errors = match &f.checked {
        Ok(_) => FieldErrors::default(),
        Err(e) => e.clone(),
    };
    let k = match kind.as_str() {
        "" => None,
        code => {
            let k = ReportKind::from_code(code);
            if k.is_none() {
                errors.push("kind", "Select receipts, feedback or both");
            }
            k
        }
    };
    let p = match problem.as_str() {
        "" => None,
        code => {
            let p = Problem::from_code(code);
            if p.is_none() {
                errors.push("problem", "Select a problem from the list");
            }
            p
        }
    };
    let checked = match (&f.checked, errors.is_empty()) {
        (Ok(period), true) => Ok(ReportFilter {
            period: period.clone(),
            kind: k,
            problem: p,
        }),
        _ => Err(errors),
    };
    (f, kind, problem, checked)
}

fn report_query(r: &ReportFilter) -> String {
    query_of(
        &r.period,
        &[
            (
                "kind",
                r.kind.map(|k| k.code().to_string()).unwrap_or_default(),
            ),
            (
                "problem",
                r.problem.map(|p| p.code().to_string()).unwrap_or_default(),
            ),
        ],
    )
}

/// `GET /reports/receipts`.
pub async fn receipts_report(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let form = FormData::parse(q.unwrap_or_default().as_bytes());
    let (f, kind, problem, checked) = report_filter(&form);
    let mut page = ReceiptsReportPage {
        layout: user.layout("Late and missing receipts and feedback", "receipts_report"),
        errors: Errors::default(),
        from: f.from,
        to: f.to,
        office: f.office,
        offices: Vec::new(),
        kind,
        problem,
        kinds: vec![
            ("receipt".into(), "Receipts".into()),
            ("feedback".into(), "Feedback".into()),
        ],
        problems: Problem::ALL
            .iter()
            .map(|p| (p.code().to_string(), p.label().to_string()))
            .collect(),
        period: String::new(),
        shown: false,
        rows: Vec::new(),
        total: 0,
        counts: Vec::new(),
        truncated: false,
        csv_href: String::new(),
        performance_href: "/performance/front-door".into(),
    };
    let (actor, settings) = (user.actor.clone(), state.settings.clone());
    let result = match checked {
        Ok(filter) => {
            state
                .db(move |c| Ok(performance::late_messages(c, &actor, &settings, &filter)))
                .await?
        }
        Err(errors) => Err(ServiceError::Invalid(errors)),
    };
    match result {
        Ok(report) => {
            let query = report_query(&report.filter);
            page.csv_href = format!("/reports/receipts.csv?{query}");
            page.performance_href = format!(
                "/performance/front-door?{}",
                query_of(&report.filter.period, &[])
            );
            page.period = period_label(&report.filter.period, &report.offices);
            page.rows = report.page_rows().iter().map(ReportRowView::from).collect();
            page.total = report.rows.len();
            page.counts = report
                .counts
                .iter()
                .map(|(k, p, n)| format!("{}: {} – {n}", k.label(), p.label()))
                .collect();
            page.truncated = report.truncated;
            page.offices = report.offices;
            page.shown = true;
            Ok(render_with(StatusCode::OK, &page))
        }
        Err(e) => {
            page.errors = field_errors(AppError::Service(e))?;
            page.layout.title = format!("Error: {}", page.layout.title);
            let actor = user.actor.clone();
            page.offices = state
                .db(move |c| Ok(performance::offices(c, &actor)?))
                .await?;
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

/// `GET /reports/receipts.csv`.
pub async fn receipts_report_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let form = FormData::parse(q.unwrap_or_default().as_bytes());
    let (_, _, _, checked) = report_filter(&form);
    let filter = checked.map_err(|e| bad_filters(&e))?;
    let (actor, settings) = (user.actor.clone(), state.settings.clone());
    let (name, body) = state
        .db(move |c| {
            Ok(performance::late_messages_csv(
                c, &actor, &settings, &filter,
            )?)
        })
        .await?;
    Ok(csv_response(&name, body))
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

    #[test]
    fn no_dates_means_the_last_twelve_months() {
        let f = filters(&form(&[]));
        let checked = f
            .checked
            .unwrap_or_else(|_| PerformanceFilter::last_twelve_months(today()));
        assert_eq!(checked, PerformanceFilter::last_twelve_months(today()));
        assert!(!f.from.is_empty(), "the form shows the dates used");
    }

    #[test]
    fn dates_and_office_round_trip_through_the_query() {
        let f = filters(&form(&[
            ("from-day", "1"),
            ("from-month", "4"),
            ("from-year", "2026"),
            ("to-day", "31"),
            ("to-month", "3"),
            ("to-year", "2027"),
            ("office", "0190-abcd\"<x>"),
        ]));
        let checked = f.checked.ok();
        assert_eq!(
            checked
                .as_ref()
                .map(|c| (c.from, c.to, c.office_id.clone())),
            Some((
                NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or_default(),
                NaiveDate::from_ymd_opt(2027, 3, 31).unwrap_or_default(),
                Some("0190-abcd".to_string())
            ))
        );
        let q = checked.map(|c| query_of(&c, &[])).unwrap_or_default();
        assert_eq!(
            q,
            "from-day=1&from-month=4&from-year=2026&to-day=31&to-month=3&to-year=2027&office=0190-abcd"
        );
    }

    #[test]
    fn a_backwards_or_impossible_period_is_a_field_error() {
        let f = filters(&form(&[
            ("from-day", "2"),
            ("from-month", "4"),
            ("from-year", "2026"),
            ("to-day", "1"),
            ("to-month", "4"),
            ("to-year", "2026"),
        ]));
        let fields: Vec<String> = f
            .checked
            .err()
            .map(|e| e.iter().map(|x| x.field.clone()).collect())
            .unwrap_or_default();
        assert_eq!(fields, ["to"]);
        let f = filters(&form(&[
            ("from-day", "31"),
            ("from-month", "2"),
            ("from-year", "2026"),
        ]));
        assert!(f.checked.is_err());
    }
}

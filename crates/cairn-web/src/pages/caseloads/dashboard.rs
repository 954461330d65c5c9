//! Caseload dashboards: charts with their tables and CSV.
//!
//! `GET /caseloads?date-day=…&date-month=…&date-year=…&team=…&office=…&service=…` shows the
//! snapshot of the day (the latest on or before the date; the latest of all without one):
//! each section as inline SVG charts with the table beside them. `GET
//! /caseloads/{section}.csv` downloads one section's table with the same filters. `POST
//! /caseloads/snapshots` takes today's snapshot now. Plain GET forms: everything works
//! without JavaScript. The service decides who may see it and audits each view.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cairn_core::ServiceError;
use cairn_core::caseloads::dashboard::{
    self, Chart, Dashboard, DashboardFilter, GroupFigures, Row, SECTION_KEYS,
};
use cairn_core::caseloads::snapshots;
use cairn_domain::dates::{DateParts, format_long, parse_date_parts};
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;

use crate::admin::gate;
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::uk_time::today_in_england;
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/caseloads", get(show))
        .route("/caseloads/snapshots", post(take))
        .route("/caseloads/{file}", get(csv))
}

/// One section as the page shows it.
pub struct SectionView {
    pub key: &'static str,
    pub title: String,
    pub how_counted: String,
    pub summary: String,
    /// The accessible charts, drawn by `cairn_render::svg` (their text is escaped there).
    pub svgs: Vec<String>,
    pub headers: Vec<&'static str>,
    pub numeric: Vec<bool>,
    pub rows: Vec<Row>,
    pub total_rows: usize,
    pub truncated: bool,
    pub csv_href: String,
}

impl SectionView {
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

    /// The GOV.UK tag for column `i`'s cell when the column is the rating; empty otherwise.
    pub fn tag(&self, i: &usize, cell: &str) -> &'static str {
        if self.headers.get(*i).copied() != Some("Rating") {
            return "";
        }
        match cell {
            "Red" => "govuk-tag govuk-tag--red",
            "Amber" => "govuk-tag govuk-tag--orange",
            "Green" => "govuk-tag govuk-tag--green",
            _ => "",
        }
    }
}

/// The headline figures.
pub struct Headline {
    pub label: &'static str,
    pub value: String,
}

#[derive(askama::Template)]
#[template(path = "pages/caseloads/dashboard/show.html")]
pub struct DashboardPage {
    pub layout: Layout,
    pub errors: Errors,
    pub notice: String,
    pub date: DateParts,
    pub team: String,
    pub office: String,
    pub service: String,
    pub teams: Vec<(String, String)>,
    pub offices: Vec<(String, String)>,
    pub services: Vec<(String, String)>,
    pub may_take: bool,
    /// "Thursday 26 November 2026"; empty when no snapshot was found.
    pub taken_on: String,
    pub scope_label: String,
    pub headlines: Vec<Headline>,
    pub sections: Vec<SectionView>,
}

/// One filter's select box.
pub struct FilterSelect {
    pub name: &'static str,
    pub label: &'static str,
    pub every: &'static str,
    pub options: Vec<(String, String)>,
    pub selected: String,
}

impl DashboardPage {
    /// The team, office and service selects, in that order.
    pub fn selects(&self) -> Vec<FilterSelect> {
        vec![
            FilterSelect {
                name: "team",
                label: "Team",
                every: "Every team",
                options: self.teams.clone(),
                selected: self.team.clone(),
            },
            FilterSelect {
                name: "office",
                label: "Office",
                every: "Every office",
                options: self.offices.clone(),
                selected: self.office.clone(),
            },
            FilterSelect {
                name: "service",
                label: "Service",
                every: "Every service",
                options: self.services.clone(),
                selected: self.service.clone(),
            },
        ]
    }
}

/// An id from the query: a UUID, or nothing.
fn id_of(form: &FormData, name: &str) -> String {
    uuid::Uuid::parse_str(form.get(name).trim())
        .map(|u| u.hyphenated().to_string())
        .unwrap_or_default()
}

/// The filters as typed, and what they mean once checked.
struct Filters {
    date: DateParts,
    team: String,
    office: String,
    service: String,
    checked: Result<DashboardFilter, FieldErrors>,
}

fn filters(form: &FormData) -> Filters {
    let date = form.date("date");
    let team = id_of(form, "team");
    let office = id_of(form, "office");
    let service: String = form
        .get("service")
        .chars()
        .filter(|c| c.is_ascii_lowercase() || *c == '_')
        .take(40)
        .collect();
    let mut errors = FieldErrors::default();
    let day = if date.is_empty() {
        None
    } else {
        match parse_date_parts(&date, "Snapshot date") {
            Ok(d) => d,
            Err(e) => {
                errors.push("date", e.to_string());
                None
            }
        }
    };
    let some = |s: &String| (!s.is_empty()).then(|| s.clone());
    let checked = if errors.is_empty() {
        Ok(DashboardFilter {
            date: day,
            team_id: some(&team),
            office_id: some(&office),
            service: some(&service),
        })
    } else {
        Err(errors)
    };
    Filters {
        date,
        team,
        office,
        service,
        checked,
    }
}

/// The filters as a query string for the CSV links, pinned to the day shown.
fn query_of(d: &Dashboard) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if let Some(day) = d.taken_on.or(d.filter.date) {
        pairs.push(("date-day", day.format("%-d").to_string()));
        pairs.push(("date-month", day.format("%-m").to_string()));
        pairs.push(("date-year", day.format("%Y").to_string()));
    }
    pairs.push(("team", d.filter.team_id.clone().unwrap_or_default()));
    pairs.push(("office", d.filter.office_id.clone().unwrap_or_default()));
    pairs.push(("service", d.filter.service.clone().unwrap_or_default()));
    serde_urlencoded::to_string(&pairs).unwrap_or_default()
}

fn headlines(s: &GroupFigures) -> Vec<Headline> {
    let opt = |v: Option<i64>, suffix: &str| {
        v.map(|v| format!("{v}{suffix}"))
            .unwrap_or_else(|| "–".into())
    };
    vec![
        Headline {
            label: "Workers",
            value: s.workers.to_string(),
        },
        Headline {
            label: "Case-holding workers",
            value: s.case_holding_workers.to_string(),
        },
        Headline {
            label: "Cases (children)",
            value: s.cases.to_string(),
        },
        Headline {
            label: "Average cases per case-holding FTE (DfE workforce census)",
            value: s
                .cases_per_fte
                .map(|v| v.to_string())
                .unwrap_or_else(|| "–".into()),
        },
        Headline {
            label: "Average load (% of capacity)",
            value: opt(s.load_percent, "%"),
        },
        Headline {
            label: "Workers over red",
            value: s.red.to_string(),
        },
        Headline {
            label: "Workers at amber",
            value: s.amber.to_string(),
        },
        Headline {
            label: "Overdue recordings",
            value: s.overdue_recordings.to_string(),
        },
        Headline {
            label: "Overdue visits",
            value: s.overdue_visits.to_string(),
        },
        Headline {
            label: "Assessments in timescale (12 months)",
            value: format!(
                "{} ({} of {})",
                opt(s.timeliness_percent, "%"),
                s.assessments_in_time,
                s.assessments_completed
            ),
        },
        Headline {
            label: "Assessments rated good or better",
            value: format!(
                "{} ({} of {})",
                opt(s.good_percent, "%"),
                s.assessments_rated_good,
                s.assessments_rated
            ),
        },
    ]
}

fn section_views(d: &Dashboard) -> Vec<SectionView> {
    let query = query_of(d);
    dashboard::sections(d)
        .into_iter()
        .map(|s| SectionView {
            key: s.key,
            svgs: s
                .charts
                .iter()
                .map(|c| match c {
                    Chart::Bar(b) => cairn_render::svg::bar_chart(b),
                    Chart::Line(l) => cairn_render::svg::line_chart(l),
                })
                .collect(),
            csv_href: format!("/caseloads/{}.csv?{query}", s.key),
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

/// `GET /caseloads`
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let form = FormData::parse(q.unwrap_or_default().as_bytes());
    let f = filters(&form);
    let mut page = DashboardPage {
        layout: user.layout("Caseloads", "caseloads"),
        errors: Errors::default(),
        notice: String::new(),
        date: f.date,
        team: f.team,
        office: f.office,
        service: f.service,
        teams: Vec::new(),
        offices: Vec::new(),
        services: Vec::new(),
        may_take: user.actor.may(Action::TakeWorkloadSnapshot),
        taken_on: String::new(),
        scope_label: String::new(),
        headlines: Vec::new(),
        sections: Vec::new(),
    };
    if form.get("taken") == "1" {
        page.notice = "Today's workload snapshot has been taken.".into();
    }
    let actor = user.actor.clone();
    let result = match f.checked {
        Ok(filter) => {
            state
                .db(move |c| {
                    gate(c, &actor, Action::ViewCaseloads)?;
                    Ok(dashboard::dashboard(c, &actor, &filter))
                })
                .await?
        }
        Err(errors) => Err(ServiceError::Invalid(errors)),
    };
    match result {
        Ok(d) => {
            page.taken_on = d.taken_on.map(format_long).unwrap_or_default();
            page.scope_label = d.scope_label.clone();
            page.headlines = headlines(&d.summary);
            page.sections = if d.taken_on.is_some() {
                section_views(&d)
            } else {
                Vec::new()
            };
            page.teams = d.teams;
            page.offices = d.offices;
            page.services = d.services;
            Ok(render_with(StatusCode::OK, &page))
        }
        Err(ServiceError::Invalid(errors)) => {
            page.errors = Errors::from_fields(&errors);
            page.layout.title = format!("Error: {}", page.layout.title);
            let actor = user.actor.clone();
            let (teams, offices, services) = state
                .db(move |c| Ok(dashboard::choices(c, &actor)?))
                .await?;
            page.teams = teams;
            page.offices = offices;
            page.services = services;
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /caseloads/snapshots`: takes today's snapshot, then back to the dashboard.
pub async fn take(State(state): State<AppState>, form: VerifiedForm) -> Result<Response, AppError> {
    let actor = form.user.actor.clone();
    let today = today_in_england();
    state
        .db(move |c| {
            gate(c, &actor, Action::TakeWorkloadSnapshot)?;
            Ok(snapshots::take(c, &actor, today, &mut |_| {})?)
        })
        .await?;
    Ok(Redirect::to("/caseloads?taken=1").into_response())
}

use crate::pages::performance::csv_response;

/// `GET /caseloads/{section}.csv`
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
    let filter = filters(&form).checked.map_err(|errors| {
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
        .db(move |c| {
            gate(c, &actor, Action::ViewCaseloads)?;
            Ok(dashboard::section_csv(c, &actor, &filter, key)?)
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
    fn filters_keep_only_ids_and_codes() {
        let f = filters(&form(&[
            ("team", "not-an-id\"<x>"),
            ("office", "0190a1b2-0000-7000-8000-000000000001"),
            ("service", "children_in_need<script>"),
        ]));
        let checked = f.checked.ok();
        assert_eq!(checked.as_ref().and_then(|c| c.team_id.clone()), None);
        assert_eq!(
            checked
                .as_ref()
                .and_then(|c| c.office_id.clone())
                .as_deref(),
            Some("0190a1b2-0000-7000-8000-000000000001")
        );
        assert_eq!(
            checked.and_then(|c| c.service).as_deref(),
            Some("children_in_needscript")
        );
    }

    #[test]
    fn a_date_that_is_not_a_date_is_a_field_error() {
        let f = filters(&form(&[
            ("date-day", "31"),
            ("date-month", "2"),
            ("date-year", "2026"),
        ]));
        let fields: Vec<String> = f
            .checked
            .err()
            .map(|e| e.iter().map(|x| x.field.clone()).collect())
            .unwrap_or_default();
        assert_eq!(fields, ["date"]);
        assert!(!f.date.is_empty(), "what was typed is kept");
    }
}

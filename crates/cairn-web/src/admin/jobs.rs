//! Background jobs: how many are in each state, and the failed and retrying ones with a
//! "Retry now" button.
//!
//! Shows kinds, attempts, times and the technical error only; never a job's payload, which may
//! hold personal data.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::jobs;
use cairn_db::jobs::{JobCounts, JobFilter, JobRow, JobStatus};
use cairn_domain::policy::Action;

use super::{Tag, date_time, gate, path_id};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::Layout;
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

/// The most jobs listed on the page; an outage can fail thousands, and the counts say how many.
pub const PAGE_SIZE: i64 = 200;

pub struct JobLine {
    pub id: String,
    pub kind: String,
    pub status: Tag,
    pub attempts: String,
    pub last_error: String,
    /// When it will next run (queued), or when it failed.
    pub when: String,
    pub retryable: bool,
}

pub struct CountLine {
    pub label: &'static str,
    pub count: i64,
}

#[derive(askama::Template)]
#[template(path = "admin/jobs.html")]
pub struct JobsPage {
    pub layout: Layout,
    pub counts: Vec<CountLine>,
    pub rows: Vec<JobLine>,
    /// More jobs need attention than are listed.
    pub truncated: bool,
    pub notice: String,
}

fn count_lines(c: &JobCounts) -> Vec<CountLine> {
    vec![
        CountLine {
            label: "Waiting to run",
            count: c.queued - c.retrying,
        },
        CountLine {
            label: "Running",
            count: c.running,
        },
        CountLine {
            label: "Waiting to retry",
            count: c.retrying,
        },
        CountLine {
            label: "Failed",
            count: c.failed,
        },
        CountLine {
            label: "Done",
            count: c.done,
        },
    ]
}

fn line(job: &JobRow) -> JobLine {
    let failed = job.job_status() == Some(JobStatus::Failed);
    let (status, when) = if failed {
        (
            Tag::new("Failed", "govuk-tag--red"),
            format!(
                "Failed {}",
                date_time(job.finished_at.unwrap_or(job.updated_at))
            ),
        )
    } else {
        (
            Tag::new("Waiting to retry", "govuk-tag--yellow"),
            format!("Next try {}", date_time(job.run_after)),
        )
    };
    JobLine {
        id: job.id.clone(),
        kind: job.kind.clone(),
        status,
        attempts: format!("{} of {}", job.attempts, job.max_attempts),
        last_error: job.last_error.clone().unwrap_or_default(),
        when,
        retryable: failed,
    }
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let actor = user.actor.clone();
    let overview = state
        .db(move |c| {
            gate(c, &actor, Action::ViewJobs)?;
            Ok(jobs::list_jobs(
                c,
                &actor,
                JobFilter::NeedsAttention,
                PAGE_SIZE,
                0,
            )?)
        })
        .await?;
    let listed = overview.jobs.len() as i64;
    let page = JobsPage {
        layout: user.layout("Background jobs", "jobs"),
        counts: count_lines(&overview.counts),
        rows: overview.jobs.iter().map(line).collect(),
        truncated: overview.counts.failed + overview.counts.retrying > listed,
        notice: if query.get("retried") == "1" {
            "The job has been queued to run again now.".into()
        } else {
            String::new()
        },
    };
    Ok(render_with(StatusCode::OK, &page))
}

pub async fn retry(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = form.user.actor.clone();
    state
        .db(move |c| {
            gate(c, &actor, Action::ViewJobs)?;
            Ok(jobs::retry_job(c, &actor, &id)?)
        })
        .await?;
    // Run it now rather than at the next poll (when the worker runs in this process).
    state.jobs.notify();
    Ok(Redirect::to("/admin/jobs?retried=1").into_response())
}

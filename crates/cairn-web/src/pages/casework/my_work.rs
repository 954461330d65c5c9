//! "My work" (`GET /my-work`): everything due or overdue for the signed-in worker, most urgent
//! first, and for managers what waits for their sign-off; "Team work" (`GET /team-work`): the
//! same across a team, with counts per worker and a filter by worker.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use cairn_core::accounts;
use cairn_core::casework::child_status::ChildStatus;
use cairn_core::casework::my_work::{self, TeamWork, WorkItem};
use cairn_domain::dates::format_long;
use cairn_domain::roles::Role;

use crate::admin::path_id;
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::Layout;
use crate::pages::uk_time::today_in_england;
use crate::session::{CurrentUser, render_with};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/my-work", get(mine))
        .route("/team-work", get(team))
}

/// "1 day overdue", "12 days overdue"; empty when not overdue.
pub fn overdue_text(days: i64) -> String {
    match days {
        d if d <= 0 => String::new(),
        1 => "1 day overdue".into(),
        d => format!("{d} days overdue"),
    }
}

/// One line of work as the tables show it.
#[derive(Clone, Debug)]
pub struct WorkLine {
    pub child_id: String,
    pub child_name: String,
    pub what: String,
    pub href: String,
    pub due: String,
    pub basis: String,
    pub overdue: String,
    pub worker: String,
}

impl WorkLine {
    pub fn from_item(item: &WorkItem) -> WorkLine {
        WorkLine {
            child_id: item.person_id.clone(),
            child_name: item.child_name.clone(),
            what: item.what.clone(),
            href: item.href.clone(),
            due: format_long(item.due_on),
            basis: item.basis.clone(),
            overdue: overdue_text(item.days_overdue),
            worker: item.worker_name.clone(),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "pages/casework/my_work.html")]
pub struct MyWorkPage {
    pub layout: Layout,
    pub own: Vec<WorkLine>,
    pub to_authorise: Vec<WorkLine>,
    pub authorises: bool,
    pub overdue: usize,
}

async fn mine(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    let actor = user.actor.clone();
    let today = today_in_england();
    let work = state
        .db(move |c| Ok(my_work::for_user(c, &actor, today)?))
        .await?;
    let (to_authorise, own): (Vec<&WorkItem>, Vec<&WorkItem>) =
        work.items.iter().partition(|i| i.to_authorise());
    let page = MyWorkPage {
        layout: user.layout("My work", "my-work"),
        own: own.into_iter().map(WorkLine::from_item).collect(),
        to_authorise: to_authorise.into_iter().map(WorkLine::from_item).collect(),
        authorises: work.authorises,
        overdue: work.counts.overdue,
    };
    Ok(render_with(StatusCode::OK, &page))
}

/// One worker's counts, with the link that filters the list to them.
#[derive(Clone, Debug)]
pub struct WorkerLine {
    pub name: String,
    pub href: String,
    pub total: usize,
    pub overdue: usize,
    pub to_authorise: usize,
    pub chosen: bool,
}

#[derive(askama::Template)]
#[template(path = "pages/casework/team_work.html")]
pub struct TeamWorkPage {
    pub layout: Layout,
    pub team_id: String,
    pub team_name: String,
    /// Teams to choose from (service managers only).
    pub teams: Vec<(String, String)>,
    pub open_episodes: usize,
    pub workers: Vec<WorkerLine>,
    /// The chosen worker's id, "unallocated", or empty for everyone.
    pub worker: String,
    pub worker_name: String,
    pub lines: Vec<WorkLine>,
    pub overdue: usize,
}

/// Work belongs to the filter's worker; `unallocated` is work in episodes with no worker.
fn matches_worker(item: &WorkItem, worker: &str) -> bool {
    match worker {
        "" => true,
        UNALLOCATED => item.worker_id.is_none(),
        w => item.worker_id.as_deref() == Some(w),
    }
}

const UNALLOCATED: &str = "unallocated";

fn worker_href(team_id: &str, worker: &str) -> String {
    if worker.is_empty() {
        format!("/team-work?team={team_id}")
    } else {
        format!("/team-work?team={team_id}&worker={worker}")
    }
}

fn team_page(
    user: &CurrentUser,
    work: TeamWork,
    teams: Vec<(String, String)>,
    worker: String,
) -> TeamWorkPage {
    let workers: Vec<WorkerLine> = work
        .workers
        .iter()
        .map(|w| {
            let key = w.worker_id.clone().unwrap_or_else(|| UNALLOCATED.into());
            WorkerLine {
                name: w.name.clone(),
                href: worker_href(&work.team_id, &key),
                total: w.total,
                overdue: w.overdue,
                to_authorise: w.to_authorise,
                chosen: key == worker,
            }
        })
        .collect();
    let worker_name = workers
        .iter()
        .find(|w| w.chosen)
        .map(|w| w.name.clone())
        .unwrap_or_default();
    let chosen: Vec<&WorkItem> = work
        .items
        .iter()
        .filter(|i| matches_worker(i, &worker))
        .collect();
    TeamWorkPage {
        layout: user.layout(format!("Team work: {}", work.team_name), "team-work"),
        overdue: chosen
            .iter()
            .filter(|i| i.is_overdue() && !i.to_authorise())
            .count(),
        lines: chosen.into_iter().map(WorkLine::from_item).collect(),
        team_id: work.team_id,
        team_name: work.team_name,
        teams,
        open_episodes: work.open_episodes,
        workers,
        worker: if worker_name.is_empty() {
            String::new()
        } else {
            worker
        },
        worker_name,
    }
}

async fn team(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let team = path_id(query.get("team")).ok();
    let worker = match query.get("worker") {
        UNALLOCATED => UNALLOCATED.to_string(),
        other => path_id(other).unwrap_or_default(),
    };
    let actor = user.actor.clone();
    let chooses_team = actor.role == Role::ServiceManager;
    let today = today_in_england();
    let (work, teams) = state
        .db(move |c| {
            let teams: Vec<(String, String)> = if chooses_team {
                accounts::team_choices(c)?
                    .into_iter()
                    .filter(|t| t.team.active)
                    .map(|t| (t.team.id, format!("{} ({})", t.team.name, t.office_name)))
                    .collect()
            } else {
                Vec::new()
            };
            // A service manager outside any team starts with the first team to choose from.
            let team = team
                .or_else(|| actor.team_id.map(|t| t.to_string()))
                .or_else(|| teams.first().map(|(id, _)| id.clone()));
            let work = my_work::for_team(c, &actor, team.as_deref(), today)?;
            Ok((work, teams))
        })
        .await?;
    let page = team_page(&user, work, teams, worker);
    Ok(render_with(StatusCode::OK, &page))
}

/// A key date on a child's page.
#[derive(Clone, Debug)]
pub struct KeyDateLine {
    pub label: &'static str,
    pub what: String,
    pub due: String,
    pub basis: String,
    pub overdue: String,
    pub href: String,
}

/// A link to one casework record on a child's page.
#[derive(Clone, Debug)]
pub struct RecordLinkLine {
    pub date: String,
    pub what: String,
    pub status: String,
    pub href: String,
}

/// One episode of the child's history with its records.
#[derive(Clone, Debug)]
pub struct EpisodeLinks {
    pub href: String,
    pub title: String,
    pub records: Vec<RecordLinkLine>,
}

/// The "Current status" section of a child's page, in words.
#[derive(Clone, Debug, Default)]
pub struct ChildStatusView {
    pub episode_href: String,
    pub episode: String,
    pub worker: String,
    pub cp_plan: String,
    pub cp_href: String,
    pub cin_plan: String,
    pub cin_href: String,
    pub key_dates: Vec<KeyDateLine>,
    pub overdue: Vec<String>,
    pub episodes: Vec<EpisodeLinks>,
}

impl ChildStatusView {
    pub fn from_status(s: &ChildStatus) -> ChildStatusView {
        let mut v = ChildStatusView::default();
        if let Some(open) = &s.open_episode {
            v.episode_href = format!("/episodes/{}", open.referral_id);
            v.episode = format!(
                "Open since the referral on {} ({})",
                format_long(open.referral_date),
                open.team_name
            );
            v.worker = open
                .worker_name
                .clone()
                .unwrap_or_else(|| "Not yet allocated".into());
        }
        if let Some(p) = &s.cp_plan {
            v.cp_plan = format!("{}, since {}", s.cp_category(), format_long(p.started_on));
            v.cp_href = format!("/cp-plans/{}", p.id);
        }
        if let Some(p) = &s.cin_plan {
            v.cin_plan = format!("Since {}", format_long(p.started_on));
            v.cin_href = format!("/cin-plans/{}", p.id);
        }
        v.key_dates = s
            .key_dates
            .iter()
            .map(|i| KeyDateLine {
                label: i.kind.key_label(),
                what: i.what.clone(),
                due: format_long(i.due_on),
                basis: i.basis.clone(),
                overdue: overdue_text(i.days_overdue),
                href: i.href.clone(),
            })
            .collect();
        v.overdue = s
            .overdue
            .iter()
            .map(|i| format!("{}: {}", i.what, overdue_text(i.days_overdue)))
            .collect();
        v.episodes = s
            .episodes
            .iter()
            .map(|e| EpisodeLinks {
                href: format!("/episodes/{}", e.referral_id),
                title: match e.closed_on {
                    Some(closed) => format!(
                        "Episode from {} to {}{}",
                        format_long(e.referral_date),
                        format_long(closed),
                        if e.closure_label().is_empty() {
                            String::new()
                        } else {
                            format!(": {}", e.closure_label())
                        }
                    ),
                    None => format!("Episode from {} (open)", format_long(e.referral_date)),
                },
                records: e
                    .records
                    .iter()
                    .map(|r| RecordLinkLine {
                        date: format_long(r.date),
                        what: r.what.clone(),
                        status: r.status.clone(),
                        href: r.href.clone(),
                    })
                    .collect(),
            })
            .collect();
        v
    }
}

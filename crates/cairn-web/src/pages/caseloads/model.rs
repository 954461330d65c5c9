//! The published workload model (`GET /workload-model`): every worker may read the weights,
//! the capacities (and what they come to part time and newly qualified), the safe working
//! levels and every version.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use cairn_core::caseloads::model::{self, CAPACITY_ROLES, ModelVersion, PublishedModel};
use cairn_domain::caseloads::{CaseFactor, Service, WorkKind};
use cairn_domain::dates::format_long;
use cairn_domain::policy::Action;

use crate::admin::gate;
use crate::error::AppError;
use crate::layout::Layout;
use crate::pages::uk_time::{today_in_england, uk_time};
use crate::session::{CurrentUser, render_with};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/workload-model", get(show))
}

/// A label and its figure.
pub struct Figure {
    pub label: String,
    pub value: String,
}

/// A role's capacity: full time, half time, and newly qualified full time.
pub struct CapacityLine {
    pub role: String,
    pub full_time: String,
    pub half_time: String,
    pub newly_qualified: String,
}

pub struct LimitLine {
    pub service: String,
    pub amber: String,
    pub red: String,
}

pub struct VersionLine {
    pub name: String,
    pub effective_from: String,
    pub status: String,
    pub added: String,
}

#[derive(askama::Template)]
#[template(path = "pages/caseloads/model/show.html")]
pub struct ModelPage {
    pub layout: Layout,
    pub name: String,
    pub effective_from: String,
    pub notes: String,
    pub work: Vec<Figure>,
    pub factors: Vec<Figure>,
    pub capacities: Vec<CapacityLine>,
    pub limits: Vec<LimitLine>,
    pub newly_qualified: String,
    pub escalation: String,
    pub versions: Vec<VersionLine>,
    pub can_manage: bool,
}

fn points(p: cairn_domain::caseloads::points::Points) -> String {
    let s = p.to_string();
    if s == "1" {
        "1 point".into()
    } else {
        format!("{s} points")
    }
}

fn version_line(v: &ModelVersion) -> VersionLine {
    VersionLine {
        name: v.model.name.clone(),
        effective_from: format_long(v.model.effective_from),
        status: if v.in_force {
            "In force".into()
        } else if v.future {
            "Takes effect later".into()
        } else {
            "Superseded".into()
        },
        added: format!("{}, by {}", uk_time(v.created_at), v.created_by_name),
    }
}

pub fn page_of(user: &CurrentUser, p: &PublishedModel) -> ModelPage {
    let m = &p.current.model;
    ModelPage {
        layout: user.layout("Workload model", "workload-model"),
        name: m.name.clone(),
        effective_from: format_long(m.effective_from),
        notes: m.notes.clone(),
        work: WorkKind::ALL
            .iter()
            .map(|k| Figure {
                label: k.label().into(),
                value: points(m.work_weight(*k)),
            })
            .collect(),
        factors: CaseFactor::ALL
            .iter()
            .map(|f| Figure {
                label: f.label().into(),
                value: format!("+ {}", points(m.factor_weight(*f))),
            })
            .collect(),
        capacities: CAPACITY_ROLES
            .iter()
            .map(|r| CapacityLine {
                role: r.label().into(),
                full_time: points(p.capacity(*r, 100, false)),
                half_time: points(p.capacity(*r, 50, false)),
                newly_qualified: points(p.capacity(*r, 100, true)),
            })
            .collect(),
        limits: Service::ALL
            .iter()
            .map(|s| {
                let l = m.limits_for(*s);
                LimitLine {
                    service: s.label().into(),
                    amber: format!("{}%", l.amber_percent),
                    red: format!("over {}%", l.red_percent),
                }
            })
            .collect(),
        newly_qualified: format!(
            "{}% of their role's capacity for {} months from the day they qualify",
            m.newly_qualified_percent, m.newly_qualified_months
        ),
        escalation: format!(
            "A child waiting more than {} working days for allocation is escalated to the service manager",
            m.escalate_unallocated_after_working_days
        ),
        versions: p.versions.iter().map(version_line).collect(),
        can_manage: user.actor.may(Action::ManageWorkloadModel),
    }
}

/// `GET /workload-model`
pub async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    let actor = user.actor.clone();
    let p = state
        .db(move |c| {
            gate(c, &actor, Action::ViewWorkloadModel)?;
            Ok(model::published(c, &actor, today_in_england())?)
        })
        .await?;
    Ok(render_with(StatusCode::OK, &page_of(&user, &p)))
}

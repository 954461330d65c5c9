//! Strategy discussions: the form on an open episode
//! (`GET/POST /episodes/{referral_id}/strategy-discussions/new`) and the record
//! (`GET /strategy-discussions/{id}`).
//!
//! Police and health missing from the participants is a warning, shown when the form comes
//! back and on the record, never a refusal.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use cairn_core::casework::strategy::{self, EpisodeForm, ParticipantInput, StrategyInput};
use cairn_core::{Actor, ServiceError};
use cairn_domain::casework::{Agency, StrategyDecision};
use cairn_domain::dates::{DateParts, format_long};
use cairn_domain::validation::FieldErrors;

use super::actions::{
    ActionLine, ActionRowValues, action_date_errors, action_lines, action_row_values,
    blank_action_rows, in_page_order, lines, parse_action_rows,
};
use super::common::{load, query_of, with_recorder};
use crate::admin::{Answer, answer, path_id};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::labels::code_options;
use crate::pages::uk_time::{now_fields, parse_uk_time, uk_time};
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

/// Participant rows on a new form: the recorder first, then room for police, health and one
/// more.
const PARTICIPANT_ROWS: usize = 4;

/// One participant row as typed, with its field names.
#[derive(Clone, Debug, Default)]
pub struct ParticipantRow {
    pub legend: String,
    pub f_agency: String,
    pub f_name: String,
    pub f_role: String,
    pub agency: String,
    pub name: String,
    pub role: String,
}

impl ParticipantRow {
    fn read(n: usize, form: &FormData) -> ParticipantRow {
        let f = |part: &str| format!("participants-{n}-{part}");
        ParticipantRow {
            legend: format!("Participant {n}"),
            agency: form.string(&f("agency")),
            name: form.string(&f("name")),
            role: form.string(&f("role")),
            f_agency: f("agency"),
            f_name: f("name"),
            f_role: f("role"),
        }
    }
}

/// Everything on the form, as typed.
#[derive(Clone, Debug, Default)]
pub struct StrategyFormValues {
    pub held: DateParts,
    pub held_time: String,
    pub participants: Vec<ParticipantRow>,
    pub information_shared: String,
    pub decision: String,
    pub rationale: String,
    pub chair: String,
}

impl StrategyFormValues {
    fn blank(actor: &Actor) -> StrategyFormValues {
        let (held, held_time) = now_fields();
        let empty = FormData::default();
        let mut participants: Vec<ParticipantRow> = (1..=PARTICIPANT_ROWS)
            .map(|n| ParticipantRow::read(n, &empty))
            .collect();
        if let Some(first) = participants.first_mut() {
            first.agency = Agency::SocialCare.code().into();
            first.name = actor.display_name.clone();
            first.role = actor.role.label().into();
        }
        StrategyFormValues {
            held,
            held_time,
            participants,
            chair: actor.user_id_string().unwrap_or_default(),
            ..StrategyFormValues::default()
        }
    }

    fn from_form(f: &FormData) -> StrategyFormValues {
        let posted = (1..=strategy::MAX_PARTICIPANTS)
            .filter(|n| {
                let prefix = format!("participants-{n}-");
                f.0.iter().any(|(k, _)| k.starts_with(&prefix))
            })
            .max()
            .unwrap_or(0);
        StrategyFormValues {
            held: f.date("held"),
            held_time: f.string("held_time"),
            participants: (1..=posted.max(PARTICIPANT_ROWS))
                .map(|n| ParticipantRow::read(n, f))
                .collect(),
            information_shared: f.string("information_shared"),
            decision: f.string("decision"),
            rationale: f.string("rationale"),
            chair: f.string("chair"),
        }
    }

    fn participant_inputs(&self) -> Vec<ParticipantInput> {
        self.participants
            .iter()
            .map(|p| ParticipantInput {
                agency: p.agency.clone(),
                name: p.name.clone(),
                role: p.role.clone(),
            })
            .collect()
    }

    /// The warning for the agencies typed so far, once any have been.
    fn warning(&self) -> Option<String> {
        let agencies: Vec<Agency> = self
            .participants
            .iter()
            .filter_map(|p| Agency::from_code(&p.agency))
            .collect();
        if agencies.is_empty() {
            return None;
        }
        strategy::absence_warning(&strategy::missing_agencies(agencies))
    }
}

/// The order of the form's fields, for the error summary.
const FORM_ORDER: &[&str] = &[
    "held",
    "held_time",
    "participants",
    "participants-",
    "information_shared",
    "decision",
    "rationale",
    "chair",
    "actions-",
];

#[derive(askama::Template)]
#[template(path = "pages/casework/strategy_form.html")]
pub struct StrategyFormPage {
    pub layout: Layout,
    pub errors: Errors,
    pub referral_id: String,
    pub child_id: String,
    pub child_name: String,
    pub referral_date: String,
    pub v: StrategyFormValues,
    pub warning: String,
    pub agencies: Vec<(String, String)>,
    pub decisions: Vec<(String, String)>,
    pub chairs: Vec<(String, String)>,
    pub action_rows: Vec<ActionRowValues>,
    pub action_owners: Vec<(String, String)>,
}

/// The people who can chair or own: the episode's team, and the person recording if they
/// are not in it.
fn people_choices(ctx: &EpisodeForm, actor: &Actor) -> Vec<(String, String)> {
    with_recorder(ctx.team_members.clone(), actor)
}

fn form_page(
    user: &CurrentUser,
    ctx: &EpisodeForm,
    errors: Errors,
    v: StrategyFormValues,
    action_rows: Vec<ActionRowValues>,
) -> StrategyFormPage {
    let people = people_choices(ctx, &user.actor);
    StrategyFormPage {
        layout: user.layout(
            format!("{}Record a strategy discussion", errors.title_prefix()),
            "",
        ),
        errors,
        referral_id: ctx.referral_id.clone(),
        child_id: ctx.child.id.clone(),
        child_name: ctx.child.display_name.clone(),
        referral_date: format_long(ctx.referral_date),
        warning: v.warning().unwrap_or_default(),
        v,
        agencies: strategy::participant_agencies()
            .iter()
            .map(|a| (a.code().to_string(), a.label().to_string()))
            .collect(),
        decisions: code_options::<StrategyDecision>(),
        chairs: people.clone(),
        action_rows,
        action_owners: people,
    }
}

/// `GET /episodes/{referral_id}/strategy-discussions/new`
pub async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(referral_id): Path<String>,
) -> Result<Response, AppError> {
    let referral_id = path_id(&referral_id)?;
    let ctx = load(&state, &user.actor, referral_id, strategy::episode_form).await?;
    let v = StrategyFormValues::blank(&user.actor);
    let page = form_page(&user, &ctx, Errors::default(), v, blank_action_rows());
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /episodes/{referral_id}/strategy-discussions/new`: records the discussion (and any
/// enquiry it starts), or shows the form again with every problem and everything typed.
pub async fn create(
    State(state): State<AppState>,
    Path(referral_id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let referral_id = path_id(&referral_id)?;
    let v = StrategyFormValues::from_form(&form.data);
    let mut errors = FieldErrors::new();
    let held_at = parse_uk_time(
        &v.held,
        &v.held_time,
        "held",
        "the discussion was held",
        &mut errors,
    );
    action_date_errors(&form.data.0, &mut errors);
    let chair = v.chair.trim().to_string();
    let input = StrategyInput {
        held_at,
        participants: v.participant_inputs(),
        information_shared: v.information_shared.clone(),
        decision: v.decision.clone(),
        rationale: v.rationale.clone(),
        chair_user_id: (!chair.is_empty()).then_some(chair),
        actions: parse_action_rows(&form.data.0),
    };
    let actor = form.user.actor.clone();
    let rid = referral_id.clone();
    let outcome = state
        .db(move |c| {
            if errors.is_empty() {
                return answer(strategy::record(c, &actor, &rid, &input));
            }
            // Something on the page could not be read: list every other problem too.
            let time_unreadable =
                errors.for_field("held").is_some() || errors.for_field("held_time").is_some();
            if let Err(ServiceError::Invalid(more)) = strategy::check(c, &actor, &rid, &input) {
                for e in more
                    .iter()
                    .filter(|e| !(time_unreadable && e.field == "held"))
                {
                    errors.push(e.field.clone(), e.message.clone());
                }
            }
            Ok(Answer::Invalid(errors))
        })
        .await?;
    match outcome {
        Answer::Done(done) => Ok(Redirect::to(&format!(
            "/strategy-discussions/{}?recorded=1",
            done.id
        ))
        .into_response()),
        Answer::Invalid(errors) => {
            let ctx = load(
                &state,
                &form.user.actor,
                referral_id,
                strategy::episode_form,
            )
            .await?;
            let errors = Errors::from_fields(&in_page_order(&errors, FORM_ORDER));
            let rows = action_row_values(&form.data.0);
            let page = form_page(&form.user, &ctx, errors, v, rows);
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Answer::Conflict(m) => Err(ServiceError::Conflict(m).into()),
    }
}

pub struct ParticipantLine {
    pub agency: String,
    pub name: String,
    pub role: String,
}

#[derive(askama::Template)]
#[template(path = "pages/casework/strategy.html")]
pub struct StrategyPage {
    pub layout: Layout,
    pub notice: String,
    pub id: String,
    pub child_id: String,
    pub child_name: String,
    pub held: String,
    pub chair: String,
    pub decision: String,
    pub rationale: Vec<String>,
    pub information_shared: Vec<String>,
    pub participants: Vec<ParticipantLine>,
    pub warning: String,
    pub actions: Vec<ActionLine>,
    pub section47_id: String,
    pub section47_started: String,
}

/// `GET /strategy-discussions/{id}`
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let query = query_of(q);
    let view = load(&state, &user.actor, id, strategy::view).await?;
    let d = &view.discussion;
    let notice = match (query.get("recorded"), &view.section47) {
        ("1", Some(_)) => "Strategy discussion recorded and section 47 enquiry started".to_string(),
        ("1", None) => "Strategy discussion recorded".to_string(),
        _ => String::new(),
    };
    let page = StrategyPage {
        layout: user.layout(
            format!("Strategy discussion about {}", view.child.display_name),
            "",
        ),
        notice,
        id: d.id.clone(),
        child_id: view.child.id.clone(),
        child_name: view.child.display_name.clone(),
        held: uk_time(d.held_at),
        chair: view.chair_name.clone(),
        decision: StrategyDecision::from_code(&d.decision)
            .map_or_else(|| d.decision.clone(), |x| x.label().to_string()),
        rationale: lines(&d.rationale),
        information_shared: lines(&d.information_shared),
        participants: view
            .participants
            .iter()
            .map(|p| ParticipantLine {
                agency: Agency::from_code(&p.agency)
                    .map_or_else(|| p.agency.clone(), |a| a.label().to_string()),
                name: p.name.clone(),
                role: p.role.clone(),
            })
            .collect(),
        warning: view.warning.clone().unwrap_or_default(),
        actions: action_lines(&view.actions),
        section47_id: view
            .section47
            .as_ref()
            .map(|s| s.id.clone())
            .unwrap_or_default(),
        section47_started: view
            .section47
            .as_ref()
            .map(|s| format_long(s.started_on))
            .unwrap_or_default(),
    };
    Ok(render_with(StatusCode::OK, &page))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/episodes/{referral_id}/strategy-discussions/new",
            get(new_form).post(create),
        )
        .route("/strategy-discussions/{id}", get(show))
}

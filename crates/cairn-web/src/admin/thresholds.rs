//! Administering the threshold document: list versions, view one, start a draft (from nothing
//! or from any version), edit a draft, and record that the partnership agreed it.
//!
//! The edit form needs no JavaScript: each level's indicators are a textarea per Assessment
//! Framework domain with one indicator per line; "Add another level" posts the form and shows
//! it again with an empty level (nothing is saved); a level is removed by ticking "Remove this
//! level" and saving. Agreed and superseded versions are only ever shown read-only.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::thresholds::{self, ThresholdDocument, VersionSummary};
use cairn_domain::dates::{DateParts, format_long};
use cairn_domain::front_door::{ScreeningOutcome, ThresholdDomain, ThresholdStatus};
use cairn_domain::policy::Action;
use cairn_domain::thresholds::{AgreementDraft, LevelDraft, MAX_LEVELS, ThresholdDraft, field};

use super::{Answer, Tag, answer, date_time, gate, path_id};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::thresholds::{DocView, doc_view, status_tag};
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

/// Most level blocks read from a posted form. Above [`MAX_LEVELS`], so that too many levels
/// gets its proper message, but bounded so a forged `level_count` cannot make us loop.
const MAX_FORM_LEVELS: usize = MAX_LEVELS * 2;

const SECTION: &str = "thresholds";

// ---- list ----

pub struct VersionRow {
    pub id: String,
    pub version_label: String,
    pub title: String,
    pub status: Tag,
    pub agreed_on: String,
    pub based_on: String,
    pub updated: String,
}

#[derive(askama::Template)]
#[template(path = "admin/thresholds.html")]
pub struct ThresholdsAdminPage {
    pub layout: Layout,
    pub notice: String,
    pub rows: Vec<VersionRow>,
    /// The agreed version a new draft would usually start from.
    pub current: Option<(String, String)>,
}

fn version_rows(versions: &[VersionSummary]) -> Vec<VersionRow> {
    versions
        .iter()
        .map(|v| VersionRow {
            id: v.id.clone(),
            version_label: format!("Version {}", v.version_number),
            title: v.title.clone(),
            status: status_tag(v.status),
            agreed_on: v.agreed_on.map(format_long).unwrap_or_default(),
            based_on: v
                .based_on_number
                .map(|n| format!("Version {n}"))
                .unwrap_or_default(),
            updated: date_time(v.updated_at),
        })
        .collect()
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let actor = user.actor.clone();
    let versions = state
        .db(move |c| {
            gate(c, &actor, Action::ManageThresholds)?;
            Ok(thresholds::list_versions(c, &actor)?)
        })
        .await?;
    let agreed = query.get("agreed");
    let notice = versions
        .iter()
        .find(|v| !agreed.is_empty() && v.id == agreed)
        .map(|v| {
            format!(
                "Version {} has been agreed. Screening now uses it, and it is published at /thresholds.",
                v.version_number
            )
        })
        .unwrap_or_default();
    let current = versions
        .iter()
        .find(|v| v.status == ThresholdStatus::Agreed)
        .map(|v| (v.id.clone(), format!("version {}", v.version_number)));
    let page = ThresholdsAdminPage {
        layout: user.layout("Threshold document", SECTION),
        notice,
        rows: version_rows(&versions),
        current,
    };
    Ok(render_with(StatusCode::OK, &page))
}

// ---- view ----

#[derive(askama::Template)]
#[template(path = "admin/threshold.html")]
pub struct ThresholdViewPage {
    pub layout: Layout,
    pub notice: String,
    pub doc: DocView,
    pub is_draft: bool,
    pub based_on: String,
    pub updated: String,
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let actor = user.actor.clone();
    let (doc, versions) = state
        .db(move |c| {
            let doc = thresholds::get(c, &actor, &id)?;
            Ok((doc, thresholds::list_versions(c, &actor)?))
        })
        .await?;
    let based_on = doc
        .based_on
        .as_ref()
        .and_then(|b| versions.iter().find(|v| &v.id == b))
        .map(|v| format!("Version {}", v.version_number))
        .unwrap_or_default();
    let notice = if query.get("saved") == "yes" {
        "The draft has been saved.".to_string()
    } else {
        String::new()
    };
    let page = ThresholdViewPage {
        layout: user.layout(format!("{} ({})", doc.title, doc.version_label()), SECTION),
        notice,
        is_draft: doc.is_draft(),
        based_on,
        updated: date_time(doc.updated_at),
        doc: doc_view(&doc),
    };
    Ok(render_with(StatusCode::OK, &page))
}

// ---- starting drafts ----

pub async fn new_draft(
    State(state): State<AppState>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let actor = form.user.actor.clone();
    let id = state
        .db(move |c| {
            gate(c, &actor, Action::ManageThresholds)?;
            Ok(thresholds::create_first_draft(c, &actor)?)
        })
        .await?;
    Ok(Redirect::to(&format!("/admin/thresholds/{id}/edit")).into_response())
}

pub async fn copy(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = form.user.actor.clone();
    let new_id = state
        .db(move |c| {
            gate(c, &actor, Action::ManageThresholds)?;
            Ok(thresholds::create_draft_from(c, &actor, &id)?)
        })
        .await?;
    Ok(Redirect::to(&format!("/admin/thresholds/{new_id}/edit")).into_response())
}

// ---- editing a draft ----

pub struct DomainField {
    pub field: String,
    pub label: String,
    pub value: String,
}

pub struct LevelForm {
    pub number: usize,
    pub f_name: String,
    pub f_summary: String,
    pub f_response: String,
    pub f_outcomes: String,
    pub f_remove: String,
    pub label_name: String,
    pub label_summary: String,
    pub label_response: String,
    pub legend_outcomes: String,
    pub label_remove: String,
    pub name: String,
    pub summary: String,
    pub response: String,
    pub outcomes: Vec<String>,
    pub domains: Vec<DomainField>,
}

#[derive(askama::Template)]
#[template(path = "admin/threshold_form.html")]
pub struct ThresholdFormPage {
    pub layout: Layout,
    pub errors: Errors,
    /// Someone else saved first, or the version is no longer a draft.
    pub conflict: String,
    pub notice: String,
    pub id: String,
    pub version: i32,
    pub version_label: String,
    pub title: String,
    pub introduction: String,
    pub signatories: String,
    pub levels: Vec<LevelForm>,
    pub outcome_options: Vec<(String, String)>,
    pub can_add_level: bool,
}

fn level_forms(draft: &ThresholdDraft) -> Vec<LevelForm> {
    draft
        .levels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let n = i + 1;
            LevelForm {
                number: n,
                f_name: field::name(n),
                f_summary: field::summary(n),
                f_response: field::response(n),
                f_outcomes: field::outcomes(n),
                f_remove: format!("level-{n}-remove"),
                label_name: format!("Level {n}: name"),
                label_summary: format!("Level {n}: who is at this level"),
                label_response: format!("Level {n}: what happens at this level"),
                legend_outcomes: format!("Level {n}: screening outcomes that fit this level"),
                label_remove: format!("Remove level {n} when I save"),
                name: l.name.clone(),
                summary: l.summary.clone(),
                response: l.response.clone(),
                outcomes: l.outcomes.clone(),
                domains: ThresholdDomain::ALL
                    .iter()
                    .map(|d| DomainField {
                        field: field::indicators(n, *d),
                        label: format!("Level {n}: {}", d.label()),
                        value: l.indicators(*d).to_string(),
                    })
                    .collect(),
            }
        })
        .collect()
}

fn form_page(
    user: &CurrentUser,
    doc: &ThresholdDocument,
    draft: &ThresholdDraft,
    version: i32,
    errors: Errors,
) -> ThresholdFormPage {
    let heading = format!("Change draft {}", doc.version_label().to_lowercase());
    ThresholdFormPage {
        layout: user.layout(format!("{}{heading}", errors.title_prefix()), SECTION),
        errors,
        conflict: String::new(),
        notice: String::new(),
        id: doc.id.clone(),
        version,
        version_label: doc.version_label(),
        title: draft.title.clone(),
        introduction: draft.introduction.clone(),
        signatories: draft.signatories.clone(),
        levels: level_forms(draft),
        outcome_options: ScreeningOutcome::ALL
            .iter()
            .map(|o| (o.code().to_string(), o.label().to_string()))
            .collect(),
        can_add_level: draft.levels.len() < MAX_LEVELS,
    }
}

/// The edit form as posted. Levels ticked "Remove this level" are left out, so the levels
/// after them move up one place.
fn draft_from(data: &FormData) -> ThresholdDraft {
    let count = data
        .get("level_count")
        .trim()
        .parse::<usize>()
        .unwrap_or(0)
        .min(MAX_FORM_LEVELS);
    let levels = (1..=count)
        .filter(|n| !data.checked(&format!("level-{n}-remove")))
        .map(|n| LevelDraft {
            name: data.string(&field::name(n)),
            summary: data.string(&field::summary(n)),
            response: data.string(&field::response(n)),
            outcomes: data.all(&field::outcomes(n)),
            child_development: data
                .string(&field::indicators(n, ThresholdDomain::ChildDevelopment)),
            parenting_capacity: data
                .string(&field::indicators(n, ThresholdDomain::ParentingCapacity)),
            family_environment: data
                .string(&field::indicators(n, ThresholdDomain::FamilyEnvironment)),
        })
        .collect();
    ThresholdDraft {
        title: data.string(field::TITLE),
        introduction: data.string(field::INTRODUCTION),
        signatories: data.string(field::SIGNATORIES),
        levels,
    }
}

fn posted_version(data: &FormData) -> Result<i32, AppError> {
    data.get("version").trim().parse::<i32>().map_err(|_| {
        AppError::BadRequest(
            "The form was missing the document's version. Open the draft again and make your changes."
                .into(),
        )
    })
}

fn view_path(id: &str) -> String {
    format!("/admin/thresholds/{id}")
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = user.actor.clone();
    let doc = state
        .db(move |c| Ok(thresholds::get(c, &actor, &id)?))
        .await?;
    if !doc.is_draft() {
        // An agreed version is immutable: show it read-only, where "Create a new draft" is.
        return Ok(Redirect::to(&view_path(&doc.id)).into_response());
    }
    let draft = doc.to_draft();
    let page = form_page(&user, &doc, &draft, doc.version, Errors::default());
    Ok(render_with(StatusCode::OK, &page))
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let version = posted_version(&form.data)?;
    let mut typed = draft_from(&form.data);
    let adding = form.data.get("add_level") == "yes";
    let actor = form.user.actor.clone();
    let submitted = typed.clone();
    let (doc, result) = state
        .db(move |c| {
            let doc = thresholds::get(c, &actor, &id)?;
            if adding {
                return Ok((doc, None));
            }
            let result = answer(thresholds::update_draft(
                c, &actor, &id, &submitted, version,
            ))?;
            Ok((doc, Some(result)))
        })
        .await?;
    let Some(result) = result else {
        // "Add another level": show the form again with an empty level; nothing is saved.
        let errors = if typed.levels.len() >= MAX_LEVELS {
            Errors::one(
                field::LEVELS,
                &format!("A threshold document can have at most {MAX_LEVELS} levels"),
            )
        } else {
            typed.levels.push(LevelDraft::default());
            Errors::default()
        };
        let status = if errors.any() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        let mut page = form_page(&form.user, &doc, &typed, version, errors);
        if status == StatusCode::OK {
            page.notice = format!(
                "Level {} has been added at the end. Nothing has been saved yet.",
                typed.levels.len()
            );
        }
        return Ok(render_with(status, &page));
    };
    match result {
        Answer::Done(()) => {
            Ok(Redirect::to(&format!("{}?saved=yes", view_path(&doc.id))).into_response())
        }
        Answer::Invalid(errors) => {
            let page = form_page(
                &form.user,
                &doc,
                &typed,
                version,
                Errors::from_fields(&errors),
            );
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Answer::Conflict(message) => {
            // The form carries the latest version, so saving again overwrites on purpose.
            let mut page = form_page(&form.user, &doc, &typed, doc.version, Errors::default());
            page.layout.title = format!("Error: {}", page.layout.title);
            page.conflict = message;
            Ok(render_with(StatusCode::CONFLICT, &page))
        }
    }
}

// ---- agreeing ----

#[derive(askama::Template)]
#[template(path = "admin/threshold_agree.html")]
pub struct AgreePage {
    pub layout: Layout,
    pub errors: Errors,
    pub conflict: String,
    pub doc: DocView,
    pub is_draft: bool,
    pub version: i32,
    pub agreed_on: DateParts,
    pub signatories: String,
}

fn agree_page(
    user: &CurrentUser,
    doc: &ThresholdDocument,
    version: i32,
    typed: AgreementDraft,
    errors: Errors,
) -> AgreePage {
    AgreePage {
        layout: user.layout(
            format!(
                "{}Agree {}",
                errors.title_prefix(),
                doc.version_label().to_lowercase()
            ),
            SECTION,
        ),
        errors,
        conflict: String::new(),
        doc: doc_view(doc),
        is_draft: doc.is_draft(),
        version,
        agreed_on: typed.agreed_on,
        signatories: typed.signatories,
    }
}

pub async fn agree_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = user.actor.clone();
    let doc = state
        .db(move |c| Ok(thresholds::get(c, &actor, &id)?))
        .await?;
    if !doc.is_draft() {
        return Ok(Redirect::to(&view_path(&doc.id)).into_response());
    }
    let typed = AgreementDraft {
        agreed_on: DateParts::default(),
        signatories: doc.signatories.join("\n"),
    };
    let page = agree_page(&user, &doc, doc.version, typed, Errors::default());
    Ok(render_with(StatusCode::OK, &page))
}

pub async fn agree(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let version = posted_version(&form.data)?;
    let typed = AgreementDraft {
        agreed_on: form.data.date(field::AGREED_ON),
        signatories: form.data.string(field::SIGNATORIES),
    };
    let actor = form.user.actor.clone();
    let submitted = typed.clone();
    let (result, doc) = state
        .db(move |c| {
            let result = answer(thresholds::agree(c, &actor, &id, version, &submitted))?;
            // Read after the attempt, so a refusal shows the version as it is now.
            Ok((result, thresholds::get(c, &actor, &id)?))
        })
        .await?;
    match result {
        Answer::Done(()) => {
            Ok(Redirect::to(&format!("/admin/thresholds?agreed={}", doc.id)).into_response())
        }
        Answer::Invalid(errors) => {
            let page = agree_page(
                &form.user,
                &doc,
                version,
                typed,
                Errors::from_fields(&errors),
            );
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Answer::Conflict(message) => {
            let mut page = agree_page(&form.user, &doc, doc.version, typed, Errors::default());
            page.layout.title = format!("Error: {}", page.layout.title);
            page.conflict = message;
            Ok(render_with(StatusCode::CONFLICT, &page))
        }
    }
}

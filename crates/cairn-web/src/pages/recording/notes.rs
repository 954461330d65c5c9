//! Case note pages: write (with autosave), finalise, amend, history, the child's notes tab.
//!
//! - `GET /people/{id}/notes`: the child's notes tab (final notes, the reader's own drafts).
//! - `GET|POST /people/{id}/notes/new`: a new note; `GET|POST /notes/{id}/edit`: a draft.
//!   The form's buttons post `intent=draft` or `intent=finalise`; `note-autosave.js` posts the
//!   same form with `intent=autosave` every few seconds and gets JSON back.
//! - `GET|POST /notes/{id}/discard`, `GET /notes/{id}`, `GET|POST /notes/{id}/amend`.
//! - `GET /parked/{token}`: a note form kept when its session expired, handed back after
//!   sign-in to its author.
//!
//! Every page works without JavaScript; the script only saves drafts sooner.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use cairn_core::Actor;
use cairn_core::recording::notes::{
    self, Amendment, ChildChoice, DraftSaved, NoteChild, NoteContent, NoteList, NoteQuery,
    NoteView, ParkedNote, Restored,
};
use cairn_core::recording::parked_forms::{self, Posted};
use cairn_domain::dates::DateParts;
use cairn_domain::recording::NoteKind;
use cairn_domain::recording::notes::validate;
use cairn_domain::validation::FieldErrors;
use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Europe::London;
use serde_json::json;

use super::tabs::{RecordTab, RecordTabs};
use crate::admin::{Answer, answer, path_id};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::casework::actions::{in_page_order, lines};
use crate::pages::casework::common::query_of;
use crate::pages::labels::code_options;
use crate::pages::pagination::{Pagination, pagination};
use crate::pages::uk_time::{now_fields, parse_uk_time, uk_time};
use crate::session::{CurrentUser, VerifiedForm, render_with, request_id};
use crate::state::AppState;

/// How large a posted note form may be: a 100,000-character note is up to about 1.2 MB once
/// URL-encoded (a character outside ASCII takes up to twelve bytes), with room to spare so a
/// longer note reaches the check that says how long it may be.
pub const NOTE_FORM_BYTES: usize = 2 * 1024 * 1024;

// ---- which posts are note forms ----

/// The note form a path posts to, if it is one: `/people/{id}/notes/new`,
/// `/notes/{id}/edit` or `/notes/{id}/amend`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum NotePath {
    New(String),
    Edit(String),
    Amend(String),
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}

fn note_path(path: &str) -> Option<NotePath> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["people", id, "notes", "new"] if is_uuid(id) => Some(NotePath::New(id.to_string())),
        ["notes", id, "edit"] if is_uuid(id) => Some(NotePath::Edit(id.to_string())),
        ["notes", id, "amend"] if is_uuid(id) => Some(NotePath::Amend(id.to_string())),
        _ => None,
    }
}

/// The body limit for a posted form at `path`: note forms may be far larger than others.
pub fn body_limit(path: &str, default: usize) -> usize {
    if note_path(path).is_some() {
        NOTE_FORM_BYTES.max(default)
    } else {
        default
    }
}

fn is_autosave(data: &FormData) -> bool {
    data.get("intent") == "autosave"
}

/// A JSON answer for the autosave script.
fn json_answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// What happens to a note form posted after its session ended (called by the form
/// extractor): an autosave is told the session has gone; a form its author submitted is kept
/// and the browser sent to sign in, after which it is handed back. `None` for any other
/// form, or one that cannot be kept, which is then carried through the sign-in page instead.
pub async fn after_session_end(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
    data: &FormData,
) -> Option<Response> {
    note_path(path)?;
    if is_autosave(data) {
        return Some(json_answer(
            StatusCode::UNAUTHORIZED,
            json!({
                "error": "unauthorized",
                "message": "Your session has ended: copy your text or sign in in another tab",
            }),
        ));
    }
    let author = data.string("author");
    let csrf = data.string("csrf_token");
    let body = serde_urlencoded::to_string(data.without_csrf()).ok()?;
    let path = path.to_string();
    let rid = request_id(headers);
    let kept = state
        .db(move |c| {
            let posted = Posted {
                author_user_id: &author,
                csrf_token: &csrf,
                path: &path,
                body: &body,
                request_id: rid.as_deref(),
            };
            Ok(parked_forms::park(c, &posted)?)
        })
        .await;
    let token = match kept {
        Ok(token) => token?,
        Err(e) => {
            // The form still reaches the sign-in page with every value in it.
            tracing::warn!(error = %e, "could not keep a note form posted after its session ended");
            return None;
        }
    };
    let next = format!("/parked/{token}");
    let target = format!(
        "/sign-in?next={}",
        percent_encoding::utf8_percent_encode(&next, percent_encoding::NON_ALPHANUMERIC)
    );
    Some(Redirect::to(&target).into_response())
}

/// An autosave whose CSRF token is stale (the author signed in again in another tab) is told
/// the current token, so the page can carry on saving. Only a page of the same site can read
/// the answer, as it could read any page carrying the token.
pub fn stale_token_on_autosave(path: &str, data: &FormData, fresh: &str) -> Option<Response> {
    note_path(path)?;
    if !is_autosave(data) {
        return None;
    }
    Some(json_answer(
        StatusCode::FORBIDDEN,
        json!({
            "error": "stale_token",
            "message": "Your draft could not be saved: trying again",
            "csrf_token": fresh,
        }),
    ))
}

// ---- the form's values ----

/// Everything on a note form, as typed.
#[derive(Clone, Debug, Default)]
pub struct NoteFormValues {
    pub kind: String,
    pub occurred: DateParts,
    pub occurred_time: String,
    pub title: String,
    pub narrative: String,
    pub people_involved: String,
    pub significant: Vec<String>,
    pub about: Vec<String>,
    pub seen: Vec<String>,
    pub seen_alone: Vec<String>,
    pub reason: String,
    /// The child whose record the form was opened from.
    pub child: String,
}

const FORM_ORDER: &[&str] = &[
    "kind",
    "occurred",
    "occurred_time",
    "title",
    "narrative",
    "people_involved",
    "about",
    "significant",
    "reason",
];

fn uk_parts(at: NaiveDateTime) -> (DateParts, String) {
    let local = DateTime::<Utc>::from_naive_utc_and_offset(at, Utc).with_timezone(&London);
    (
        DateParts::from_date(local.date_naive()),
        local.format("%H:%M").to_string(),
    )
}

/// "14:05": the clock in England at a stored time.
fn clock(at: NaiveDateTime) -> String {
    uk_parts(at).1
}

impl NoteFormValues {
    fn blank(child: &str) -> NoteFormValues {
        let (occurred, occurred_time) = now_fields();
        NoteFormValues {
            occurred,
            occurred_time,
            about: vec![child.to_string()],
            child: child.to_string(),
            ..NoteFormValues::default()
        }
    }

    fn from_form(f: &FormData) -> NoteFormValues {
        NoteFormValues {
            kind: f.string("kind"),
            occurred: f.date("occurred"),
            occurred_time: f.string("occurred_time"),
            title: f.string("title"),
            narrative: f.string("narrative"),
            people_involved: f.string("people_involved"),
            significant: f.all("significant"),
            about: f.all("about"),
            seen: f.all("seen"),
            seen_alone: f.all("seen_alone"),
            reason: f.string("reason"),
            child: f.string("child"),
        }
    }

    fn from_content(content: &NoteContent, child: &str) -> NoteFormValues {
        let (occurred, occurred_time) = content.occurred_at.map(uk_parts).unwrap_or_default();
        let with = |pick: fn(&NoteChild) -> bool| {
            content
                .children
                .iter()
                .filter(|c| pick(c))
                .map(|c| c.person_id.clone())
                .collect()
        };
        NoteFormValues {
            kind: content.kind.clone(),
            occurred,
            occurred_time,
            title: content.title.clone(),
            narrative: content.narrative.clone(),
            people_involved: content.people_involved.clone(),
            significant: if content.significant {
                vec!["yes".into()]
            } else {
                Vec::new()
            },
            about: with(|_| true),
            seen: with(|c| c.child_seen),
            seen_alone: with(|c| c.child_seen_alone),
            reason: String::new(),
            child: child.to_string(),
        }
    }

    /// The event time as UTC; an unreadable one is a problem in `errors` (and `None`).
    fn occurred_at(&self, errors: &mut FieldErrors) -> Option<NaiveDateTime> {
        parse_uk_time(
            &self.occurred,
            &self.occurred_time,
            "occurred",
            "of the event",
            errors,
        )
    }

    fn to_content(&self, occurred_at: Option<NaiveDateTime>) -> NoteContent {
        NoteContent {
            kind: self.kind.clone(),
            occurred_at,
            title: self.title.clone(),
            narrative: self.narrative.clone(),
            people_involved: self.people_involved.clone(),
            significant: self.significant.iter().any(|s| s == "yes"),
            children: self
                .about
                .iter()
                .map(|id| NoteChild {
                    person_id: id.clone(),
                    child_seen: self.seen.contains(id),
                    child_seen_alone: self.seen_alone.contains(id),
                })
                .collect(),
        }
    }

    /// The content as a draft keeps it: an unreadable time is left as it was.
    fn draft_content(&self) -> NoteContent {
        let mut ignored = FieldErrors::new();
        let at = self.occurred_at(&mut ignored);
        self.to_content(at)
    }
}

/// One child on the form: whether the note is about them, and seen, seen alone.
pub struct ChildRow {
    pub id: String,
    pub name: String,
    pub relation: String,
    pub about_id: String,
    pub seen_id: String,
    pub alone_id: String,
    pub about: bool,
    pub seen: bool,
    pub alone: bool,
}

fn child_rows(choices: &[ChildChoice], v: &NoteFormValues) -> Vec<ChildRow> {
    choices
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let suffix = if i == 0 {
                String::new()
            } else {
                format!("-{}", i + 1)
            };
            let id = c.child.id.clone();
            ChildRow {
                about: v.about.contains(&id),
                seen: v.seen.contains(&id),
                alone: v.seen_alone.contains(&id),
                name: c.child.display_name.clone(),
                relation: c.relation.clone(),
                about_id: format!("about{suffix}"),
                seen_id: format!("seen{}", i + 1),
                alone_id: format!("seen_alone{}", i + 1),
                id,
            }
        })
        .collect()
}

/// What kind of note form is showing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormMode {
    New,
    Draft,
    Amend,
}

/// The version another person saved, shown above the form when an amendment met theirs.
pub struct TheirVersion {
    pub by: String,
    pub at: String,
    pub title: String,
    pub narrative: Vec<String>,
}

#[derive(askama::Template)]
#[template(path = "pages/recording/notes/form.html")]
pub struct NoteFormPage {
    pub layout: Layout,
    pub errors: Errors,
    pub mode: FormMode,
    pub notice: String,
    pub heading: String,
    pub action: String,
    pub back_href: String,
    pub back_label: String,
    pub author: String,
    pub version: String,
    pub note_id: String,
    pub v: NoteFormValues,
    pub kinds: Vec<(String, String)>,
    pub children: Vec<ChildRow>,
    pub significant_options: Vec<(String, String)>,
    pub standard: i32,
    pub max_chars: String,
    pub theirs: Option<TheirVersion>,
}

impl NoteFormPage {
    pub fn autosave(&self) -> bool {
        self.mode != FormMode::Amend
    }
}

struct FormSetup {
    mode: FormMode,
    note_id: String,
    version: String,
    choices: Vec<ChildChoice>,
    child_name: String,
    standard: i32,
}

fn form_page(
    user: &CurrentUser,
    setup: FormSetup,
    errors: Errors,
    notice: String,
    v: NoteFormValues,
) -> NoteFormPage {
    let (heading, action) = match setup.mode {
        FormMode::New => (
            "Write a case note".to_string(),
            format!("/people/{}/notes/new", v.child),
        ),
        FormMode::Draft => (
            "Carry on writing a case note".to_string(),
            format!("/notes/{}/edit", setup.note_id),
        ),
        FormMode::Amend => (
            "Amend a case note".to_string(),
            format!("/notes/{}/amend", setup.note_id),
        ),
    };
    NoteFormPage {
        layout: user.layout(format!("{}{heading}", errors.title_prefix()), ""),
        errors,
        mode: setup.mode,
        notice,
        heading,
        action,
        back_href: format!("/people/{}/notes", v.child),
        back_label: format!("{}'s case notes", setup.child_name),
        author: user.actor.user_id_string().unwrap_or_default(),
        version: setup.version,
        note_id: setup.note_id,
        kinds: code_options::<NoteKind>(),
        children: child_rows(&setup.choices, &v),
        significant_options: vec![(
            "yes".into(),
            "This is a significant event in the child's life".into(),
        )],
        standard: setup.standard,
        max_chars: "100,000".into(),
        theirs: None,
        v,
    }
}

// ---- loading what a form shows ----

/// The new-note form's setup for the child.
async fn new_setup(state: &AppState, actor: &Actor, child: &str) -> Result<FormSetup, AppError> {
    let actor = actor.clone();
    let child = child.to_string();
    let form = state
        .db(move |c| Ok(notes::new_note_form(c, &actor, &child)?))
        .await?;
    Ok(FormSetup {
        mode: FormMode::New,
        note_id: String::new(),
        version: String::new(),
        child_name: form.child.display_name.clone(),
        choices: form.choices,
        standard: form.standard,
    })
}

/// A draft or an amended note's setup, and the note as stored; the children offered are those
/// of the note and those related to them, plus any the form had ticked.
async fn note_setup(
    state: &AppState,
    actor: &Actor,
    note_id: &str,
    mode: FormMode,
    child: &str,
) -> Result<(FormSetup, NoteView), AppError> {
    let actor = actor.clone();
    let id = note_id.to_string();
    let child = child.to_string();
    state
        .db(move |c| {
            let view = match mode {
                FormMode::Amend => notes::for_amendment(c, &actor, &id)?,
                _ => notes::draft_for_edit(c, &actor, &id)?,
            };
            let choices = notes::choices_for(c, &actor, &view.content().children)?;
            let child_name = choices
                .iter()
                .find(|ch| ch.child.id == child)
                .or_else(|| choices.first())
                .map(|ch| ch.child.display_name.clone())
                .unwrap_or_default();
            let standard = view.delay.map_or(
                cairn_domain::recording::notes::DEFAULT_DELAY_STANDARD,
                |d| d.standard,
            );
            Ok((
                FormSetup {
                    mode,
                    note_id: id,
                    version: view.note.version.to_string(),
                    choices,
                    child_name,
                    standard,
                },
                view,
            ))
        })
        .await
}

/// The child the page is about: the one named in the form (or query), if the note is about
/// them, else the note's first child.
fn child_of(view: &NoteView, wanted: &str) -> String {
    view.children
        .iter()
        .find(|c| c.child.id == wanted)
        .or_else(|| view.children.first())
        .map(|c| c.child.id.clone())
        .unwrap_or_default()
}

// ---- new notes and drafts ----

/// `GET /people/{id}/notes/new`
pub async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let child = path_id(&id)?;
    let setup = new_setup(&state, &user.actor, &child).await?;
    let page = form_page(
        &user,
        setup,
        Errors::default(),
        String::new(),
        NoteFormValues::blank(&child),
    );
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /people/{id}/notes/new`
pub async fn create(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let child = path_id(&id)?;
    let mut v = NoteFormValues::from_form(&form.data);
    if v.child.is_empty() {
        v.child = child;
    }
    let intent = form.data.string("intent");
    submit(&state, &form.user, None, v, &intent).await
}

/// `GET /notes/{id}/edit`
pub async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let query = query_of(q);
    let (setup, view) = note_setup(
        &state,
        &user.actor,
        &id,
        FormMode::Draft,
        query.get("child"),
    )
    .await?;
    let child = child_of(&view, query.get("child"));
    let notice = if query.get("restored") == "1" {
        "Your session had expired; your note was kept as a draft".to_string()
    } else if query.get("saved") == "1" {
        format!("Draft saved at {}", clock(view.note.updated_at))
    } else {
        String::new()
    };
    let v = NoteFormValues::from_content(&view.content(), &child);
    let page = form_page(&user, setup, Errors::default(), notice, v);
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /notes/{id}/edit`
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let version = form
        .data
        .get("version")
        .trim()
        .parse::<i32>()
        .map_err(|_| {
            AppError::BadRequest(
                "The form was missing the draft's version: open the draft again".into(),
            )
        })?;
    let v = NoteFormValues::from_form(&form.data);
    let intent = form.data.string("intent");
    submit(&state, &form.user, Some((id, version)), v, &intent).await
}

/// What the buttons (and the autosave script) ask for.
async fn submit(
    state: &AppState,
    user: &CurrentUser,
    note: Option<(String, i32)>,
    v: NoteFormValues,
    intent: &str,
) -> Result<Response, AppError> {
    match intent {
        "autosave" => autosave(state, user, note, &v).await,
        "finalise" => finalise(state, user, note, v).await,
        _ => save_by_hand(state, user, note, v).await,
    }
}

async fn save_draft(
    state: &AppState,
    actor: &Actor,
    note: Option<(String, i32)>,
    content: NoteContent,
) -> Result<Answer<DraftSaved>, AppError> {
    let actor = actor.clone();
    state
        .db(move |c| {
            answer(match &note {
                Some((id, version)) => notes::save_draft(c, &actor, id, *version, &content),
                None => notes::create_draft(c, &actor, &content),
            })
        })
        .await
}

async fn autosave(
    state: &AppState,
    user: &CurrentUser,
    note: Option<(String, i32)>,
    v: &NoteFormValues,
) -> Result<Response, AppError> {
    let content = v.draft_content();
    Ok(match save_draft(state, &user.actor, note, content).await {
        Ok(Answer::Done(saved)) => json_answer(
            StatusCode::OK,
            json!({
                "note_id": saved.note_id,
                "version": saved.version,
                "saved_at": saved.saved_at,
                "edit_url": format!("/notes/{}/edit", saved.note_id),
                "message": format!("Draft saved at {}", clock(saved.saved_at)),
            }),
        ),
        Ok(Answer::Invalid(errors)) => json_answer(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({
                "error": "invalid",
                "message": format!("Your draft could not be saved: {}", first_message(&errors)),
            }),
        ),
        Ok(Answer::Conflict(m)) => json_answer(
            StatusCode::CONFLICT,
            json!({ "error": "conflict", "message": m }),
        ),
        Err(e) => json_answer(
            e.status(),
            json!({ "error": "failed", "message": "Your draft could not be saved just now" }),
        ),
    })
}

fn first_message(errors: &FieldErrors) -> String {
    errors
        .iter()
        .next()
        .map(|e| e.message.to_lowercase())
        .unwrap_or_default()
}

/// "Save draft" without the script: saved, then the draft's page again (so a reload never
/// posts twice).
async fn save_by_hand(
    state: &AppState,
    user: &CurrentUser,
    note: Option<(String, i32)>,
    v: NoteFormValues,
) -> Result<Response, AppError> {
    let mode = if note.is_some() {
        FormMode::Draft
    } else {
        FormMode::New
    };
    match save_draft(state, &user.actor, note.clone(), v.draft_content()).await? {
        Answer::Done(saved) => Ok(Redirect::to(&format!(
            "/notes/{}/edit?saved=1&child={}",
            saved.note_id, v.child
        ))
        .into_response()),
        Answer::Invalid(errors) => {
            refused(
                state,
                user,
                note,
                mode,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
                v,
            )
            .await
        }
        Answer::Conflict(m) => {
            refused(
                state,
                user,
                note,
                mode,
                one("form", &m),
                StatusCode::CONFLICT,
                v,
            )
            .await
        }
    }
}

fn one(field: &str, message: &str) -> FieldErrors {
    let mut e = FieldErrors::new();
    e.push(field, message);
    e
}

/// The form again with what was typed and what is wrong with it.
async fn refused(
    state: &AppState,
    user: &CurrentUser,
    note: Option<(String, i32)>,
    mode: FormMode,
    errors: FieldErrors,
    status: StatusCode,
    v: NoteFormValues,
) -> Result<Response, AppError> {
    let mut setup = match &note {
        Some((id, _)) => {
            note_setup(state, &user.actor, id, FormMode::Draft, &v.child)
                .await?
                .0
        }
        None => new_setup(state, &user.actor, &v.child).await?,
    };
    setup.mode = mode;
    if status == StatusCode::CONFLICT {
        // The form keeps the version it was opened at: the page says to copy the text and
        // open the draft again, rather than silently saving over the other window's work.
        if let Some((_, version)) = &note {
            setup.version = version.to_string();
        }
    }
    add_ticked(&mut setup.choices, state, &user.actor, &v).await;
    let errors = Errors::from_fields(&in_page_order(&errors, FORM_ORDER));
    let page = form_page(user, setup, errors, String::new(), v);
    Ok(render_with(status, &page))
}

/// Children ticked on the form who are not offered (for example a child added through the
/// API) are still shown, so that nothing ticked disappears.
async fn add_ticked(
    choices: &mut Vec<ChildChoice>,
    state: &AppState,
    actor: &Actor,
    v: &NoteFormValues,
) {
    let missing: Vec<NoteChild> = v
        .about
        .iter()
        .filter(|id| !choices.iter().any(|c| c.child.id == **id))
        .map(|id| NoteChild {
            person_id: id.clone(),
            ..NoteChild::default()
        })
        .collect();
    if missing.is_empty() {
        return;
    }
    let actor = actor.clone();
    let found = state
        .db(move |c| Ok(notes::choices_for(c, &actor, &missing)?))
        .await
        .unwrap_or_default();
    for more in found {
        if !choices.iter().any(|c| c.child.id == more.child.id) {
            choices.push(more);
        }
    }
}

/// "Finalise": checked, saved and finalised together; when something is wrong, what was
/// typed is kept as a draft and the form shown again with the problems.
async fn finalise(
    state: &AppState,
    user: &CurrentUser,
    note: Option<(String, i32)>,
    v: NoteFormValues,
) -> Result<Response, AppError> {
    let mut page_errors = FieldErrors::new();
    let occurred_at = v.occurred_at(&mut page_errors);
    let content = v.to_content(occurred_at);
    let outcome = if page_errors.is_empty() {
        let actor = user.actor.clone();
        let target = note.clone();
        let content = content.clone();
        state
            .db(move |c| {
                answer(notes::finalise_content(
                    c,
                    &actor,
                    target.as_ref().map(|(id, ver)| (id.as_str(), *ver)),
                    &content,
                ))
            })
            .await?
    } else {
        // The time could not be read, so nothing is finalised; the other problems are listed
        // too, as the service would have listed them.
        Answer::Invalid(
            validate(&content, cairn_db::now())
                .err()
                .unwrap_or_default(),
        )
    };
    match outcome {
        Answer::Done(done) => Ok(Redirect::to(&format!(
            "/notes/{}?finalised=1&child={}",
            done.note_id, v.child
        ))
        .into_response()),
        Answer::Conflict(m) => {
            let mode = mode_of(&note);
            refused(
                state,
                user,
                note,
                mode,
                one("form", &m),
                StatusCode::CONFLICT,
                v,
            )
            .await
        }
        Answer::Invalid(service) => {
            let mut errors = page_errors;
            let page_had_time = !errors.is_empty();
            for e in service {
                if !(page_had_time && e.field == "occurred") {
                    errors.push(e.field, e.message);
                }
            }
            keep_as_draft(state, user, note, v, errors).await
        }
    }
}

fn mode_of(note: &Option<(String, i32)>) -> FormMode {
    if note.is_some() {
        FormMode::Draft
    } else {
        FormMode::New
    }
}

/// A note that could not be finalised is kept as a draft, and the draft's form shown with the
/// problems (and the version the next save must name).
async fn keep_as_draft(
    state: &AppState,
    user: &CurrentUser,
    note: Option<(String, i32)>,
    v: NoteFormValues,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    match save_draft(state, &user.actor, note.clone(), v.draft_content()).await? {
        Answer::Done(saved) => {
            let mut setup = note_setup(
                state,
                &user.actor,
                &saved.note_id,
                FormMode::Draft,
                &v.child,
            )
            .await?
            .0;
            add_ticked(&mut setup.choices, state, &user.actor, &v).await;
            let errors = Errors::from_fields(&in_page_order(&errors, FORM_ORDER));
            let notice = format!(
                "The note has not been finalised. Your text was saved as a draft at {}",
                clock(saved.saved_at)
            );
            let page = form_page(user, setup, errors, notice, v);
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Answer::Invalid(more) => {
            let mut all = errors;
            for e in more {
                all.push(e.field, e.message);
            }
            let mode = mode_of(&note);
            refused(
                state,
                user,
                note,
                mode,
                all,
                StatusCode::UNPROCESSABLE_ENTITY,
                v,
            )
            .await
        }
        Answer::Conflict(m) => {
            let mode = mode_of(&note);
            refused(
                state,
                user,
                note,
                mode,
                one("form", &m),
                StatusCode::CONFLICT,
                v,
            )
            .await
        }
    }
}

// ---- discarding a draft ----

#[derive(askama::Template)]
#[template(path = "pages/recording/notes/discard.html")]
pub struct DiscardPage {
    pub layout: Layout,
    pub note_id: String,
    pub version: i32,
    pub title: String,
    pub child: String,
}

/// `GET /notes/{id}/discard`
pub async fn discard_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let query = query_of(q);
    let actor = user.actor.clone();
    let note = id.clone();
    let view = state
        .db(move |c| Ok(notes::draft_for_edit(c, &actor, &note)?))
        .await?;
    let page = DiscardPage {
        layout: user.layout("Discard this draft?", ""),
        note_id: id,
        version: view.note.version,
        title: if view.note.title.is_empty() {
            "Untitled draft".into()
        } else {
            view.note.title.clone()
        },
        child: child_of(&view, query.get("child")),
    };
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /notes/{id}/discard`
pub async fn discard(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let version = form.data.get("version").trim().parse::<i32>().unwrap_or(0);
    let child = path_id(form.data.get("child")).unwrap_or_default();
    let actor = form.user.actor.clone();
    let note = id.clone();
    state
        .db(move |c| Ok(notes::discard_draft(c, &actor, &note, version)?))
        .await?;
    let to = if child.is_empty() {
        "/".to_string()
    } else {
        format!("/people/{child}/notes?discarded=1")
    };
    Ok(Redirect::to(&to).into_response())
}

// ---- a note ----

pub struct ChildLine {
    pub id: String,
    pub name: String,
    pub seen: bool,
    pub alone: bool,
}

pub struct VersionLine {
    pub number: i32,
    pub saved: String,
    pub by: String,
    pub reason: String,
    pub changed: String,
    pub title: String,
    pub narrative: Vec<String>,
}

#[derive(askama::Template)]
#[template(path = "pages/recording/notes/show.html")]
pub struct NotePage {
    pub layout: Layout,
    pub notice: String,
    pub note_id: String,
    pub child: String,
    pub child_name: String,
    pub title: String,
    pub kind: String,
    pub occurred: String,
    pub recorded: String,
    pub delay: String,
    pub late: bool,
    pub author: String,
    pub amended: String,
    pub significant: bool,
    pub people_involved: String,
    pub children: Vec<ChildLine>,
    pub narrative: Vec<String>,
    pub may_amend: bool,
    pub versions: Vec<VersionLine>,
}

fn version_lines(view: &NoteView) -> Vec<VersionLine> {
    view.versions
        .iter()
        .rev()
        .map(|v| VersionLine {
            number: v.version.version,
            saved: uk_time(v.version.saved_at),
            by: v.saved_by_name.clone(),
            reason: v.version.reason.clone().unwrap_or_default(),
            changed: if v.version.version == 1 {
                "First finalised".into()
            } else if v.changed.is_empty() {
                "Nothing".into()
            } else {
                v.changed.join(", ")
            },
            title: v.version.title.clone(),
            narrative: lines(&v.version.narrative),
        })
        .collect()
}

/// `GET /notes/{id}`
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let query = query_of(q);
    let actor = user.actor.clone();
    let note = id.clone();
    let view = state
        .db(move |c| Ok(notes::view(c, &actor, &note)?))
        .await?;
    let child = child_of(&view, query.get("child"));
    if view.note.status == "draft" {
        return Ok(Redirect::to(&format!("/notes/{id}/edit?child={child}")).into_response());
    }
    let notice = match (query.get("finalised"), query.get("amended")) {
        ("1", _) => "The note has been finalised".to_string(),
        (_, "1") => "The note has been amended".to_string(),
        _ => String::new(),
    };
    let page = note_page(&user, &view, &child, notice);
    Ok(render_with(StatusCode::OK, &page))
}

fn note_page(user: &CurrentUser, view: &NoteView, child: &str, notice: String) -> NotePage {
    let n = &view.note;
    let child_name = view
        .children
        .iter()
        .find(|c| c.child.id == child)
        .map(|c| c.child.display_name.clone())
        .unwrap_or_default();
    NotePage {
        layout: user.layout(n.title.clone(), ""),
        notice,
        note_id: n.id.clone(),
        child: child.to_string(),
        child_name,
        title: n.title.clone(),
        kind: view.kind.label().to_string(),
        occurred: uk_time(n.occurred_at),
        recorded: n.recorded_at.map(uk_time).unwrap_or_default(),
        delay: view.delay.map(|d| d.describe()).unwrap_or_default(),
        late: view.delay.is_some_and(|d| d.is_late()),
        author: view.author_name.clone(),
        amended: match (&view.amended_by_name, n.amended_at) {
            (Some(by), Some(at)) => format!("{} by {by}", uk_time(at)),
            _ => String::new(),
        },
        significant: n.significant,
        people_involved: n.people_involved.clone(),
        children: view
            .children
            .iter()
            .map(|c| ChildLine {
                id: c.child.id.clone(),
                name: c.child.display_name.clone(),
                seen: c.child_seen,
                alone: c.child_seen_alone,
            })
            .collect(),
        narrative: lines(&n.narrative),
        may_amend: view.may_amend,
        versions: version_lines(view),
    }
}

// ---- amending ----

/// `GET /notes/{id}/amend`
pub async fn amend_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let query = query_of(q);
    let (setup, view) = note_setup(
        &state,
        &user.actor,
        &id,
        FormMode::Amend,
        query.get("child"),
    )
    .await?;
    let child = child_of(&view, query.get("child"));
    let v = NoteFormValues::from_content(&view.content(), &child);
    let page = form_page(&user, setup, Errors::default(), String::new(), v);
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /notes/{id}/amend`
pub async fn amend(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let version = form.data.get("version").trim().parse::<i32>().unwrap_or(0);
    let v = NoteFormValues::from_form(&form.data);
    let mut page_errors = FieldErrors::new();
    let occurred_at = v.occurred_at(&mut page_errors);
    let amendment = Amendment {
        version,
        content: v.to_content(occurred_at),
        reason: v.reason.clone(),
    };
    let actor = form.user.actor.clone();
    let note = id.clone();
    let outcome = state
        .db(move |c| answer(notes::amend(c, &actor, &note, &amendment)))
        .await?;
    match outcome {
        Answer::Done(_) if page_errors.is_empty() => {
            Ok(Redirect::to(&format!("/notes/{id}?amended=1&child={}", v.child)).into_response())
        }
        Answer::Done(_) => Err(AppError::Internal(
            "an amendment saved with an unreadable time".into(),
        )),
        Answer::Invalid(service) => {
            let had_time = !page_errors.is_empty();
            let mut errors = page_errors;
            for e in service {
                if !(had_time && e.field == "occurred") {
                    errors.push(e.field, e.message);
                }
            }
            amend_again(&state, &form.user, &id, v, errors, false).await
        }
        Answer::Conflict(m) => amend_again(&state, &form.user, &id, v, one("form", &m), true).await,
    }
}

/// The amendment form again, with what was typed; after a conflict, with the other person's
/// version above it and the version they saved in the form, so that saving again is a
/// deliberate choice made having seen theirs.
async fn amend_again(
    state: &AppState,
    user: &CurrentUser,
    note_id: &str,
    v: NoteFormValues,
    errors: FieldErrors,
    conflict: bool,
) -> Result<Response, AppError> {
    let (mut setup, view) =
        note_setup(state, &user.actor, note_id, FormMode::Amend, &v.child).await?;
    add_ticked(&mut setup.choices, state, &user.actor, &v).await;
    let errors = Errors::from_fields(&in_page_order(&errors, FORM_ORDER));
    let mut page = form_page(user, setup, errors, String::new(), v);
    let status = if conflict {
        page.theirs = Some(TheirVersion {
            by: view
                .amended_by_name
                .clone()
                .unwrap_or_else(|| view.author_name.clone()),
            at: uk_time(view.note.amended_at.unwrap_or(view.note.updated_at)),
            title: view.note.title.clone(),
            narrative: lines(&view.note.narrative),
        });
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_with(status, &page))
}

// ---- the child's notes tab ----

pub struct NoteRow {
    pub id: String,
    pub occurred: String,
    pub kind: String,
    pub title: String,
    pub author: String,
    pub delay: String,
    pub late: bool,
    pub significant: bool,
    pub amended: bool,
    pub others: usize,
    pub seen: &'static str,
}

pub struct DraftRow {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub saved: String,
}

#[derive(askama::Template)]
#[template(path = "pages/recording/notes/list.html")]
pub struct NotesTab {
    pub layout: Layout,
    pub tabs: RecordTabs,
    pub notice: String,
    pub child_id: String,
    pub child_name: String,
    pub local_id: String,
    pub may_record: bool,
    pub drafts: Vec<DraftRow>,
    pub notes: Vec<NoteRow>,
    pub total: i64,
    pub kinds: Vec<(String, String)>,
    pub kind: String,
    pub significant_only: bool,
    pub filtered: bool,
    pub pagination: Pagination,
}

fn note_query(q: &FormData) -> NoteQuery {
    NoteQuery {
        kind: NoteKind::from_code(q.get("kind")),
        significant_only: q.get("significant") == "yes",
        page: q.get("page").parse::<i64>().unwrap_or(1).max(1),
    }
}

fn seen_text(seen: bool, alone: bool) -> &'static str {
    match (seen, alone) {
        (true, true) => "Seen alone",
        (true, false) => "Seen",
        _ => "Not seen",
    }
}

fn list_href(child: &str, q: &NoteQuery, page: i64) -> String {
    let mut href = format!("/people/{child}/notes?page={page}");
    if let Some(k) = q.kind {
        href.push_str(&format!("&kind={}", k.code()));
    }
    if q.significant_only {
        href.push_str("&significant=yes");
    }
    href
}

fn notes_tab(user: &CurrentUser, list: NoteList, q: &NoteQuery, notice: String) -> NotesTab {
    let child = list.child.id.clone();
    let pager = pagination(list.page, list.pages, list.total, notes::PAGE_SIZE, |n| {
        list_href(&child, q, n)
    });
    NotesTab {
        layout: user.layout(
            format!("Case notes – {}", list.child.display_name),
            "people",
        ),
        tabs: RecordTabs::new(child.clone(), RecordTab::Notes),
        notice,
        child_name: list.child.display_name.clone(),
        local_id: list.child.local_id.clone(),
        may_record: list.may_record,
        drafts: list
            .drafts
            .iter()
            .map(|d| DraftRow {
                id: d.id.clone(),
                title: if d.title.is_empty() {
                    "Untitled draft".into()
                } else {
                    d.title.clone()
                },
                kind: d.kind.label().into(),
                saved: uk_time(d.updated_at),
            })
            .collect(),
        notes: list
            .notes
            .iter()
            .map(|n| NoteRow {
                id: n.id.clone(),
                occurred: uk_time(n.occurred_at),
                kind: n.kind.label().into(),
                title: n.title.clone(),
                author: n.author_name.clone(),
                delay: n.delay.map(|d| d.describe()).unwrap_or_default(),
                late: n.delay.is_some_and(|d| d.is_late()),
                significant: n.significant,
                amended: n.amended,
                others: n.children.saturating_sub(1),
                seen: seen_text(n.child_seen, n.child_seen_alone),
            })
            .collect(),
        total: list.total,
        kinds: code_options::<NoteKind>(),
        kind: q.kind.map(|k| k.code().to_string()).unwrap_or_default(),
        significant_only: q.significant_only,
        filtered: q.kind.is_some() || q.significant_only,
        pagination: pager,
        child_id: child,
    }
}

/// `GET /people/{id}/notes`
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let child = path_id(&id)?;
    let query = query_of(q);
    let nq = note_query(&query);
    let actor = user.actor.clone();
    let wanted = nq.clone();
    let list = state
        .db(move |c| Ok(notes::for_person(c, &actor, &child, &wanted)?))
        .await?;
    let notice = if query.get("discarded") == "1" {
        "The draft has been discarded".to_string()
    } else {
        String::new()
    };
    let page = notes_tab(&user, list, &nq, notice);
    Ok(render_with(StatusCode::OK, &page))
}

// ---- a form kept through an expired session ----

/// Reads a kept form back into the note it was.
fn parked_note(path: &str, body: &str) -> Option<ParkedNote> {
    let data = FormData::parse(body.as_bytes());
    let v = NoteFormValues::from_form(&data);
    Some(match note_path(path)? {
        NotePath::New(child) => {
            let mut content = v.draft_content();
            if content.children.is_empty() {
                content.children.push(NoteChild {
                    person_id: child,
                    ..NoteChild::default()
                });
            }
            ParkedNote::New(content)
        }
        NotePath::Edit(note_id) => ParkedNote::Draft {
            note_id,
            content: v.draft_content(),
        },
        NotePath::Amend(note_id) => ParkedNote::Amendment {
            note_id,
            amendment: Amendment {
                version: data.get("version").trim().parse().unwrap_or(0),
                content: v.draft_content(),
                reason: v.reason.clone(),
            },
        },
    })
}

/// `GET /parked/{token}`
pub async fn claim(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if token.len() > 100
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(AppError::NotFound);
    }
    let actor = user.actor.clone();
    let restored = state
        .db(move |c| Ok(parked_forms::claim_note(c, &actor, &token, parked_note)?))
        .await?;
    match restored {
        Restored::Draft(id) => {
            Ok(Redirect::to(&format!("/notes/{id}/edit?restored=1")).into_response())
        }
        Restored::Amendment { note_id, amendment } => {
            restored_amendment(&state, &user, &note_id, amendment).await
        }
    }
}

/// A kept amendment, shown in its form to be checked and saved.
async fn restored_amendment(
    state: &AppState,
    user: &CurrentUser,
    note_id: &str,
    amendment: Amendment,
) -> Result<Response, AppError> {
    let (mut setup, view) = note_setup(state, &user.actor, note_id, FormMode::Amend, "").await?;
    let child = child_of(&view, "");
    let mut v = NoteFormValues::from_content(&amendment.content, &child);
    v.reason = amendment.reason;
    add_ticked(&mut setup.choices, state, &user.actor, &v).await;
    if amendment.version > 0 && amendment.version != view.note.version {
        // Someone amended it meanwhile: say so, as a conflict would.
        let mut page = form_page(
            user,
            setup,
            Errors::from_fields(&one(
                "form",
                "Someone else changed this note after you opened it. Their version is shown; your text is kept below",
            )),
            String::new(),
            v,
        );
        page.theirs = Some(TheirVersion {
            by: view
                .amended_by_name
                .clone()
                .unwrap_or_else(|| view.author_name.clone()),
            at: uk_time(view.note.amended_at.unwrap_or(view.note.updated_at)),
            title: view.note.title.clone(),
            narrative: lines(&view.note.narrative),
        });
        return Ok(render_with(StatusCode::OK, &page));
    }
    let notice = "Your session had expired; your amendment was kept. It has not been saved yet: check it and save it".to_string();
    let page = form_page(user, setup, Errors::default(), notice, v);
    Ok(render_with(StatusCode::OK, &page))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/people/{id}/notes", get(list))
        .route("/people/{id}/notes/new", get(new_form).post(create))
        .route("/notes/{id}", get(show))
        .route("/notes/{id}/edit", get(edit_form).post(update))
        .route("/notes/{id}/discard", get(discard_form).post(discard))
        .route("/notes/{id}/amend", get(amend_form).post(amend))
        .route("/parked/{token}", get(claim))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_form_paths_are_recognised() {
        let id = uuid::Uuid::now_v7().to_string();
        assert_eq!(
            note_path(&format!("/people/{id}/notes/new")),
            Some(NotePath::New(id.clone()))
        );
        assert_eq!(
            note_path(&format!("/notes/{id}/edit")),
            Some(NotePath::Edit(id.clone()))
        );
        assert_eq!(note_path(&format!("/notes/{id}/discard")), None);
        assert_eq!(note_path("/notes/x/edit"), None);
        assert_eq!(body_limit("/people/new", 10), 10);
        assert_eq!(
            body_limit(&format!("/notes/{id}/amend"), 10),
            NOTE_FORM_BYTES
        );
    }

    #[test]
    fn a_kept_form_reads_back_as_its_note() {
        let child = uuid::Uuid::now_v7().to_string();
        let body = serde_urlencoded::to_string([
            ("kind", "visit"),
            ("title", "Home visit"),
            ("narrative", "Seen at home."),
            ("about", child.as_str()),
            ("seen", child.as_str()),
        ])
        .unwrap_or_default();
        let Some(ParkedNote::New(content)) =
            parked_note(&format!("/people/{child}/notes/new"), &body)
        else {
            panic!("a new note");
        };
        assert_eq!(content.title, "Home visit");
        assert_eq!(content.children.len(), 1);
        assert!(content.children[0].child_seen);
    }
}

//! Assessment pages.
//!
//! - `GET/POST /episodes/{id}/assessments/new`: start an assessment in an open episode.
//! - `GET /assessments/{id}`: the assessment for everyone who may see casework; to whoever
//!   records casework, the form while it is in progress or returned (`POST /assessments/{id}`
//!   saves a draft, `POST /assessments/{id}/submit` submits it); to a manager, the review form
//!   while it is submitted (`POST /assessments/{id}/review`); once authorised, "Update this
//!   assessment" (`POST /assessments/{id}/revise`).
//!
//! Every form carries the version it was shown at: if someone else saved first, the page says
//! so and shows what was typed rather than overwrite their work. Everything works without
//! JavaScript.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cairn_core::casework::assessments::{
    self, AssessmentView, Content, ContentInput, Identity, ReviewInput, StartContext, StartInput,
};
use cairn_core::{Actor, ServiceError, Settings};
use cairn_domain::casework::{
    AssessmentOutcome, AssessmentStatus, FrameworkArea, FrameworkDomain, QualityRating,
};
use cairn_domain::codes::AssessmentFactor;
use cairn_domain::dates::{DateParts, format_long};
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;
use chrono::NaiveDate;

use super::common::{load, query_of, read_date, version_of};
use crate::admin::{Tag, path_id};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::labels::{age_text, code_options};
use crate::pages::uk_time::{today_in_england, uk_time};
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

const SECTION: &str = "people";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/episodes/{id}/assessments/new", get(new_page).post(start))
        .route("/assessments/{id}", get(show).post(save))
        .route("/assessments/{id}/submit", post(submit))
        .route("/assessments/{id}/review", post(review))
        .route("/assessments/{id}/revise", post(revise))
}

fn status_tag(status: AssessmentStatus) -> Tag {
    let class = match status {
        AssessmentStatus::InProgress => "govuk-tag--blue",
        AssessmentStatus::Submitted => "govuk-tag--yellow",
        AssessmentStatus::Returned => "govuk-tag--orange",
        AssessmentStatus::Authorised => "govuk-tag--green",
    };
    Tag::new(status.label(), class)
}

/// Free text split into its paragraphs, for showing.
fn paragraphs(text: &Option<String>) -> Vec<String> {
    text.as_deref()
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn date_or(d: Option<NaiveDate>, none: &str) -> String {
    d.map(format_long).unwrap_or_else(|| none.to_string())
}

// ---- the due date, shown wherever the assessment is ----

pub struct DueView {
    pub date: String,
    pub basis: String,
    pub elapsed: String,
    pub overdue: bool,
    pub late: bool,
}

fn due_view(v: &AssessmentView) -> DueView {
    let t = &v.timeliness;
    let days = if t.working_days_elapsed == 1 {
        "1 working day".to_string()
    } else {
        format!("{} working days", t.working_days_elapsed)
    };
    let elapsed = match v.assessment.authorised_on {
        Some(_) => format!("Authorised after {days}, counted from {}", t.counted_from),
        None => format!("{days} so far, counted from {}", t.counted_from),
    };
    DueView {
        date: format_long(t.due.date),
        basis: t.due.basis.clone(),
        elapsed,
        overdue: t.overdue,
        late: t.authorised_late,
    }
}

// ---- the form ----

/// One box of the Assessment Framework.
pub struct AreaField {
    pub name: String,
    pub label: String,
    pub value: String,
}

/// One domain of the framework with its boxes (or, read-only, its text).
pub struct DomainGroup {
    pub id: String,
    pub heading: String,
    pub areas: Vec<AreaField>,
}

/// The assessment form as typed, every value kept for a re-render.
#[derive(Clone, Debug, Default)]
pub struct AssessmentForm {
    pub version: String,
    pub framework: Vec<(String, String)>,
    pub child_seen_on: DateParts,
    pub child_seen_alone_on: DateParts,
    pub child_views: String,
    pub child_views_not_obtained_reason: String,
    pub parent_views: String,
    pub parent_views_not_obtained_reason: String,
    pub identity: Identity,
    pub identity_confirmed: bool,
    pub analysis: String,
    pub factors: Vec<String>,
    pub outcome: String,
    pub outcome_detail: String,
    pub delay_reason: String,
}

fn area_field(area: FrameworkArea) -> String {
    format!("framework-{}", area.code())
}

impl AssessmentForm {
    pub fn from_form(data: &FormData) -> AssessmentForm {
        AssessmentForm {
            version: data.string("version"),
            framework: FrameworkArea::ALL
                .iter()
                .map(|a| (a.code().to_string(), data.string(&area_field(*a))))
                .collect(),
            child_seen_on: data.date("child_seen_on"),
            child_seen_alone_on: data.date("child_seen_alone_on"),
            child_views: data.string("child_views"),
            child_views_not_obtained_reason: data.string("child_views_not_obtained_reason"),
            parent_views: data.string("parent_views"),
            parent_views_not_obtained_reason: data.string("parent_views_not_obtained_reason"),
            identity: Identity {
                ethnicity: data.string("identity-ethnicity"),
                culture: data.string("identity-culture"),
                language: data.string("identity-language"),
                religion: data.string("identity-religion"),
                disability: data.string("identity-disability"),
            },
            identity_confirmed: data.checked("identity_confirmed"),
            analysis: data.string("analysis"),
            factors: data.all("factors"),
            outcome: data.string("outcome"),
            outcome_detail: data.string("outcome_detail"),
            delay_reason: data.string("delay_reason"),
        }
    }

    fn from_content(content: &Content, version: i32) -> AssessmentForm {
        let i = content.to_input();
        let date = |d: Option<NaiveDate>| d.map(DateParts::from_date).unwrap_or_default();
        AssessmentForm {
            version: version.to_string(),
            framework: i.framework.into_iter().collect(),
            child_seen_on: date(i.child_seen_on),
            child_seen_alone_on: date(i.child_seen_alone_on),
            child_views: i.child_views,
            child_views_not_obtained_reason: i.child_views_not_obtained_reason,
            parent_views: i.parent_views,
            parent_views_not_obtained_reason: i.parent_views_not_obtained_reason,
            identity: i.identity,
            identity_confirmed: i.identity_confirmed,
            analysis: i.analysis,
            factors: i.factors,
            outcome: i.outcome,
            outcome_detail: i.outcome_detail,
            delay_reason: i.delay_reason,
        }
    }

    /// What the service is given, and any date that could not be read.
    fn to_input(&self) -> (ContentInput, FieldErrors) {
        let mut e = FieldErrors::new();
        let seen = read_date(
            &self.child_seen_on,
            "child_seen_on",
            "The date the child was seen",
            &mut e,
        );
        let alone = read_date(
            &self.child_seen_alone_on,
            "child_seen_alone_on",
            "The date the child was seen alone",
            &mut e,
        );
        let input = ContentInput {
            framework: self
                .framework
                .iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .cloned()
                .collect(),
            child_seen_on: seen,
            child_seen_alone_on: alone,
            child_views: self.child_views.clone(),
            child_views_not_obtained_reason: self.child_views_not_obtained_reason.clone(),
            parent_views: self.parent_views.clone(),
            parent_views_not_obtained_reason: self.parent_views_not_obtained_reason.clone(),
            identity: self.identity.clone(),
            identity_confirmed: self.identity_confirmed,
            analysis: self.analysis.clone(),
            factors: self.factors.clone(),
            outcome: self.outcome.clone(),
            outcome_detail: self.outcome_detail.clone(),
            delay_reason: self.delay_reason.clone(),
        };
        (input, e)
    }

    fn area_value(&self, area: FrameworkArea) -> String {
        self.framework
            .iter()
            .find(|(code, _)| code == area.code())
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn groups(&self) -> Vec<DomainGroup> {
        FrameworkDomain::ALL
            .iter()
            .map(|d| DomainGroup {
                id: format!("domain-{}", d.code()),
                heading: d.label().to_string(),
                areas: FrameworkArea::of(*d)
                    .map(|a| AreaField {
                        name: area_field(a),
                        label: a.label().to_string(),
                        value: self.area_value(a),
                    })
                    .collect(),
            })
            .collect()
    }
}

/// The factor checkboxes: every current census code, with "No factors identified" apart.
pub struct FactorOption {
    pub id: String,
    pub code: String,
    pub label: String,
    pub checked: bool,
}

fn factor_options(chosen: &[String]) -> (Vec<FactorOption>, FactorOption) {
    let option = |i: usize, f: &AssessmentFactor| FactorOption {
        id: if i == 0 {
            "factors".to_string()
        } else {
            format!("factors-{}", i + 1)
        },
        code: f.code().to_string(),
        label: format!("{} ({})", f.label(), f.code()),
        checked: chosen.iter().any(|c| c == f.code()),
    };
    let all: Vec<FactorOption> = AssessmentFactor::ALL
        .iter()
        .filter(|f| **f != AssessmentFactor::NoFactorsIdentified)
        .enumerate()
        .map(|(i, f)| option(i, f))
        .collect();
    let none = option(all.len(), &AssessmentFactor::NoFactorsIdentified);
    (all, none)
}

/// The manager's review form as typed.
#[derive(Clone, Debug, Default)]
pub struct ReviewForm {
    pub decision: String,
    pub quality_rating: String,
    pub comments: String,
    pub authorised_on: DateParts,
}

impl ReviewForm {
    fn from_form(data: &FormData) -> ReviewForm {
        ReviewForm {
            decision: data.string("decision"),
            quality_rating: data.string("quality_rating"),
            comments: data.string("comments"),
            authorised_on: data.date("authorised_on"),
        }
    }

    fn to_input(&self) -> (ReviewInput, FieldErrors) {
        let mut e = FieldErrors::new();
        let on = read_date(
            &self.authorised_on,
            "authorised_on",
            "The authorisation date",
            &mut e,
        );
        let input = ReviewInput {
            decision: self.decision.clone(),
            quality_rating: self.quality_rating.clone(),
            comments: self.comments.clone(),
            authorised_on: on,
        };
        (input, e)
    }
}

// ---- the read-only assessment ----

pub struct Row {
    pub key: String,
    pub value: Vec<String>,
}

fn row(key: &str, value: Vec<String>) -> Row {
    Row {
        key: key.to_string(),
        value,
    }
}

fn text_or(text: &Option<String>, none: &str) -> Vec<String> {
    let p = paragraphs(text);
    if p.is_empty() {
        vec![none.to_string()]
    } else {
        p
    }
}

fn views_rows(c: &Content) -> Vec<Row> {
    let views = |views: &Option<String>, reason: &Option<String>| match (views, reason) {
        (Some(_), _) => paragraphs(views),
        (None, Some(_)) => {
            let mut p = vec!["Could not be obtained:".to_string()];
            p.extend(paragraphs(reason));
            p
        }
        (None, None) => vec!["Not recorded yet".to_string()],
    };
    vec![
        row(
            "Date the child was seen",
            vec![date_or(c.child_seen_on, "Not recorded")],
        ),
        row(
            "Date the child was seen alone",
            vec![date_or(c.child_seen_alone_on, "Not recorded")],
        ),
        row(
            "The child's wishes and feelings",
            views(&c.child_views, &c.child_views_not_obtained_reason),
        ),
        row(
            "Parents' or carers' views",
            views(&c.parent_views, &c.parent_views_not_obtained_reason),
        ),
    ]
}

fn identity_rows(c: &Content) -> Vec<Row> {
    let line = |v: &str| {
        vec![if v.trim().is_empty() {
            "Not recorded".to_string()
        } else {
            v.to_string()
        }]
    };
    vec![
        row("Ethnicity", line(&c.identity.ethnicity)),
        row("Culture", line(&c.identity.culture)),
        row("Language", line(&c.identity.language)),
        row("Religion", line(&c.identity.religion)),
        row("Disability", line(&c.identity.disability)),
        row(
            "Checked by the worker",
            vec![if c.identity_confirmed { "Yes" } else { "No" }.to_string()],
        ),
    ]
}

fn conclusion_rows(c: &Content) -> Vec<Row> {
    let factors = if c.factors.is_empty() {
        vec!["None selected yet".to_string()]
    } else {
        c.factors
            .iter()
            .map(|f| format!("{} ({})", f.label(), f.code()))
            .collect()
    };
    let mut outcome = vec![
        c.outcome
            .map_or("Not recorded yet", |o| o.label())
            .to_string(),
    ];
    outcome.extend(paragraphs(&c.outcome_detail));
    let mut rows = vec![
        row("Analysis", text_or(&c.analysis, "Not written yet")),
        row("Factors identified", factors),
        row("Outcome", outcome),
    ];
    if c.delay_reason.is_some() {
        rows.push(row("Reason for the delay", paragraphs(&c.delay_reason)));
    }
    rows
}

fn framework_groups(c: &Content) -> Vec<DomainGroup> {
    FrameworkDomain::ALL
        .iter()
        .map(|d| DomainGroup {
            id: format!("domain-{}", d.code()),
            heading: d.label().to_string(),
            areas: FrameworkArea::of(*d)
                .map(|a| AreaField {
                    name: area_field(a),
                    label: a.label().to_string(),
                    value: c.framework.get(a.code()).cloned().unwrap_or_default(),
                })
                .collect(),
        })
        .collect()
}

/// The content as read, in the order of the form.
pub struct ContentView {
    pub framework: Vec<DomainGroup>,
    pub views: Vec<Row>,
    pub identity: Vec<Row>,
    pub conclusion: Vec<Row>,
}

fn content_view(c: &Content) -> ContentView {
    ContentView {
        framework: framework_groups(c),
        views: views_rows(c),
        identity: identity_rows(c),
        conclusion: conclusion_rows(c),
    }
}

pub struct ReviewLine {
    pub heading: String,
    pub rating: String,
    pub comments: Vec<String>,
}

pub struct RevisionLine {
    pub summary: String,
    pub content: ContentView,
}

// ---- the assessment page ----

#[derive(askama::Template)]
#[template(path = "pages/casework/assessment.html")]
pub struct AssessmentPage {
    pub layout: Layout,
    pub errors: Errors,
    pub notice: String,
    pub id: String,
    pub heading: String,
    pub child_id: String,
    pub child_name: String,
    pub status: Tag,
    pub revision: i32,
    pub facts: Vec<Row>,
    pub due: DueView,
    pub content: ContentView,
    /// What was typed when the form can no longer be shown (someone else moved the
    /// assessment on), so that nothing typed is lost.
    pub unsaved: Option<ContentView>,
    pub show_form: bool,
    pub form: AssessmentForm,
    pub groups: Vec<DomainGroup>,
    pub identity_from_record: bool,
    pub factors: Vec<FactorOption>,
    pub no_factors: FactorOption,
    pub outcomes: Vec<(String, String)>,
    pub delay_hint: String,
    pub show_review: bool,
    /// Why a manager sees no review form, when they do not.
    pub review_blocked: String,
    pub review: ReviewForm,
    pub decisions: Vec<(String, String)>,
    pub ratings: Vec<(String, String)>,
    pub show_revise: bool,
    pub version: i32,
    pub strategy_link: String,
    pub reviews: Vec<ReviewLine>,
    /// The manager's reasons, while the assessment is back with the practitioner.
    pub returned: Option<ReviewLine>,
    pub revisions: Vec<RevisionLine>,
}

fn facts(v: &AssessmentView) -> Vec<Row> {
    let a = &v.assessment;
    let mut rows = vec![
        row("Kind", vec![v.kind.label().to_string()]),
        row("Referral date", vec![format_long(v.referral.referral_date)]),
        row("Started", vec![format_long(a.started_on)]),
        row("Worker", vec![v.worker_name.clone()]),
    ];
    if let (Some(at), Some(by)) = (a.submitted_at, &v.submitted_by_name) {
        rows.push(row(
            "Last submitted",
            vec![format!("{} by {by}", uk_time(at))],
        ));
    }
    if let Some(on) = a.authorised_on {
        let by = v.authorised_by_name.clone().unwrap_or_default();
        rows.push(row(
            "Authorised",
            vec![format!("{} by {by}", format_long(on))],
        ));
    }
    if let Some(r) = v.quality_rating {
        rows.push(row("Quality rating", vec![r.label().to_string()]));
    }
    rows
}

fn review_lines(v: &AssessmentView) -> Vec<ReviewLine> {
    v.reviews
        .iter()
        .map(|r| {
            let what = if r.review.decision == "authorised" {
                "Authorised"
            } else {
                "Returned"
            };
            ReviewLine {
                heading: format!(
                    "{what} by {}, {} (revision {})",
                    r.reviewer,
                    uk_time(r.review.reviewed_at),
                    r.review.revision
                ),
                rating: r
                    .quality_rating
                    .map(|q| q.label().to_string())
                    .unwrap_or_default(),
                comments: paragraphs(&Some(r.review.comments.clone())),
            }
        })
        .collect()
}

fn revision_lines(v: &AssessmentView) -> Vec<RevisionLine> {
    v.revisions
        .iter()
        .rev()
        .map(|r| RevisionLine {
            summary: format!(
                "Revision {} as submitted on {} by {}{}",
                r.revision,
                uk_time(r.submitted_at),
                r.submitted_by,
                if r.authorised { " (authorised)" } else { "" }
            ),
            content: content_view(&r.content),
        })
        .collect()
}

/// Why this manager may not review this assessment, if they may not.
fn review_blocked(settings: &Settings, actor: &Actor, v: &AssessmentView) -> String {
    match assessments::may_authorise(settings, actor, &v.assessment) {
        Ok(()) => String::new(),
        Err(ServiceError::Conflict(m)) => m,
        Err(_) => "You cannot authorise this assessment".into(),
    }
}

struct Typed {
    form: Option<AssessmentForm>,
    review: Option<ReviewForm>,
}

fn assessment_page(
    user: &CurrentUser,
    settings: &Settings,
    v: &AssessmentView,
    typed: Typed,
    errors: Errors,
    notice: String,
) -> AssessmentPage {
    let actor = &user.actor;
    let a = &v.assessment;
    let editable = matches!(
        v.status,
        AssessmentStatus::InProgress | AssessmentStatus::Returned
    );
    let show_form = editable && actor.may(Action::RecordCasework);
    let reviewing = v.status == AssessmentStatus::Submitted && actor.may(Action::AuthoriseCasework);
    let blocked = if reviewing {
        review_blocked(settings, actor, v)
    } else {
        String::new()
    };
    let unsaved = typed.form.as_ref().filter(|_| !show_form).map(|f| {
        let (input, _) = f.to_input();
        content_view(&assessments::check_content(&input, a.started_on, today_in_england()).0)
    });
    let form = typed
        .form
        .unwrap_or_else(|| AssessmentForm::from_content(&v.content, a.version));
    let (factors, no_factors) = factor_options(&form.factors);
    let strategy = v.status == AssessmentStatus::Authorised
        && v.content.outcome == Some(AssessmentOutcome::StrategyDiscussion);
    let heading = v.kind.label().to_string();
    AssessmentPage {
        layout: user.layout(
            format!(
                "{}{heading}: {}",
                errors.title_prefix(),
                v.child.display_name
            ),
            SECTION,
        ),
        errors,
        notice,
        id: a.id.clone(),
        heading,
        child_id: v.child.id.clone(),
        child_name: format!(
            "{} ({})",
            v.child.display_name,
            age_text(&v.child, today_in_england())
        ),
        status: status_tag(v.status),
        revision: a.revision,
        facts: facts(v),
        due: due_view(v),
        content: content_view(&v.content),
        unsaved,
        show_form,
        groups: form.groups(),
        identity_from_record: v.identity_from_record,
        factors,
        no_factors,
        outcomes: code_options::<AssessmentOutcome>(),
        delay_hint: format!(
            "Needed if the assessment is submitted after its due date, {}",
            format_long(v.timeliness.due.date)
        ),
        form,
        show_review: reviewing && blocked.is_empty(),
        review_blocked: blocked,
        review: typed.review.unwrap_or_default(),
        decisions: vec![
            ("authorise".into(), "Authorise the assessment".into()),
            ("return".into(), "Return it to the practitioner".into()),
        ],
        ratings: code_options::<QualityRating>(),
        show_revise: v.status == AssessmentStatus::Authorised && actor.may(Action::RecordCasework),
        version: a.version,
        strategy_link: if strategy {
            format!("/episodes/{}/strategy-discussions/new", a.referral_id)
        } else {
            String::new()
        },
        reviews: review_lines(v),
        returned: if v.status == AssessmentStatus::Returned {
            review_lines(v).pop()
        } else {
            None
        },
        revisions: revision_lines(v),
    }
}

fn notice_for(query: &FormData) -> String {
    let done = [
        ("started", "The assessment has been started."),
        ("saved", "Your changes have been saved."),
        (
            "submitted",
            "The assessment has been submitted for a manager to authorise.",
        ),
        ("authorised", "The assessment has been authorised."),
        (
            "returned",
            "The assessment has been returned to the practitioner.",
        ),
        (
            "revised",
            "A new revision has been started. The authorised assessment is kept below.",
        ),
    ];
    done.iter()
        .find(|(key, _)| query.get("done") == *key)
        .map(|(_, text)| text.to_string())
        .unwrap_or_default()
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    typed: Typed,
    errors: Errors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let view = load(state, &user.actor, id.to_string(), assessments::view).await?;
    let page = assessment_page(user, &state.settings, &view, typed, errors, String::new());
    Ok(render_with(status, &page))
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let query = query_of(q);
    let view = load(&state, &user.actor, id, assessments::view).await?;
    let typed = Typed {
        form: None,
        review: None,
    };
    let page = assessment_page(
        &user,
        &state.settings,
        &view,
        typed,
        Errors::default(),
        notice_for(&query),
    );
    Ok(render_with(StatusCode::OK, &page))
}

/// A refusal the user can act on, as errors on the page and its status; anything else fails
/// the request.
fn problem(e: ServiceError, anchor: &str) -> Result<(Errors, StatusCode), AppError> {
    match e {
        ServiceError::Invalid(f) => Ok((Errors::from_fields(&f), StatusCode::UNPROCESSABLE_ENTITY)),
        ServiceError::Conflict(m) => Ok((Errors::one(anchor, &m), StatusCode::CONFLICT)),
        other => Err(other.into()),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    Save,
    Submit,
}

async fn change(
    state: AppState,
    id: String,
    form: VerifiedForm,
    how: Change,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let version = version_of(&form.data, "assessment")?;
    let typed = AssessmentForm::from_form(&form.data);
    let (input, date_errors) = typed.to_input();
    let retyped = |errors, status| {
        let typed = Typed {
            form: Some(typed.clone()),
            review: None,
        };
        (typed, errors, status)
    };
    if !date_errors.is_empty() {
        let (t, e, s) = retyped(
            Errors::from_fields(&date_errors),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        return render(&state, &form.user, &id, t, e, s).await;
    }
    let actor = form.user.actor.clone();
    let aid = id.clone();
    let result = state
        .db(move |c| {
            Ok(match how {
                Change::Save => assessments::save(c, &actor, &aid, version, &input).map(|_| ()),
                Change::Submit => assessments::submit(c, &actor, &aid, version, Some(&input)),
            })
        })
        .await?;
    match result {
        Ok(()) => {
            let done = if how == Change::Save {
                "saved"
            } else {
                "submitted"
            };
            Ok(Redirect::to(&format!("/assessments/{id}?done={done}")).into_response())
        }
        Err(e) => {
            let (errors, status) = problem(e, "assessment-form")?;
            let (t, e, s) = retyped(errors, status);
            render(&state, &form.user, &id, t, e, s).await
        }
    }
}

pub async fn save(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    change(state, id, form, Change::Save).await
}

pub async fn submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    change(state, id, form, Change::Submit).await
}

pub async fn review(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let version = version_of(&form.data, "assessment")?;
    let typed = ReviewForm::from_form(&form.data);
    let (input, date_errors) = typed.to_input();
    let retyped = || Typed {
        form: None,
        review: Some(typed.clone()),
    };
    if !date_errors.is_empty() {
        let errors = Errors::from_fields(&date_errors);
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render(&state, &form.user, &id, retyped(), errors, status).await;
    }
    let actor = form.user.actor.clone();
    let settings = state.settings.clone();
    let aid = id.clone();
    let result = state
        .db(move |c| {
            Ok(assessments::review(
                c, &actor, &settings, &aid, version, &input,
            ))
        })
        .await?;
    match result {
        Ok(outcome) => {
            Ok(Redirect::to(&format!("/assessments/{id}?done={}", outcome.code())).into_response())
        }
        Err(e) => {
            let (errors, status) = problem(e, "assessment-status")?;
            render(&state, &form.user, &id, retyped(), errors, status).await
        }
    }
}

pub async fn revise(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let version = version_of(&form.data, "assessment")?;
    let actor = form.user.actor.clone();
    let aid = id.clone();
    let result = state
        .db(move |c| Ok(assessments::revise(c, &actor, &aid, version)))
        .await?;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/assessments/{id}?done=revised")).into_response()),
        Err(e) => {
            let (errors, status) = problem(e, "assessment-status")?;
            let typed = Typed {
                form: None,
                review: None,
            };
            render(&state, &form.user, &id, typed, errors, status).await
        }
    }
}

// ---- starting an assessment ----

pub struct SummaryLine {
    pub id: String,
    pub kind: String,
    pub status: Tag,
    pub started: String,
    pub due: String,
    pub overdue: bool,
    pub worker: String,
}

#[derive(askama::Template)]
#[template(path = "pages/casework/assessment_new.html")]
pub struct StartPage {
    pub layout: Layout,
    pub errors: Errors,
    pub referral_id: String,
    pub child_id: String,
    pub child_name: String,
    pub referral_date: String,
    pub profile_name: String,
    pub kinds: Vec<(String, String)>,
    pub kind: String,
    pub due: String,
    pub due_basis: String,
    pub workers: Vec<(String, String)>,
    pub worker: String,
    pub started_on: DateParts,
    pub unauthorised: Option<SummaryLine>,
    pub assessments: Vec<SummaryLine>,
}

fn summary_line(a: &assessments::AssessmentSummary) -> SummaryLine {
    SummaryLine {
        id: a.id.clone(),
        kind: a.kind.label().to_string(),
        status: status_tag(a.status),
        started: format_long(a.started_on),
        due: format_long(a.due.date),
        overdue: a.overdue,
        worker: a.worker_name.clone(),
    }
}

/// What the start form was given, kept for a re-render.
#[derive(Clone, Debug, Default)]
struct StartForm {
    kind: String,
    worker: String,
    started_on: DateParts,
}

fn start_page(
    user: &CurrentUser,
    ctx: &StartContext,
    typed: Option<StartForm>,
    errors: Errors,
) -> StartPage {
    let me = user.actor.user_id_string().unwrap_or_default();
    let mut workers = vec![(me.clone(), format!("Me ({})", user.actor.display_name))];
    if let Some((id, name)) = &ctx.episode_worker
        && *id != me
    {
        workers.push((
            id.clone(),
            format!("{name}, the episode's allocated worker"),
        ));
    }
    let typed = typed.unwrap_or_else(|| StartForm {
        kind: ctx
            .kinds
            .first()
            .map(|k| k.code().to_string())
            .unwrap_or_default(),
        worker: me,
        started_on: DateParts::from_date(today_in_england()),
    });
    let heading = "Start an assessment";
    StartPage {
        layout: user.layout(
            format!(
                "{}{heading}: {}",
                errors.title_prefix(),
                ctx.child.display_name
            ),
            SECTION,
        ),
        errors,
        referral_id: ctx.referral.id.clone(),
        child_id: ctx.child.id.clone(),
        child_name: format!(
            "{} ({})",
            ctx.child.display_name,
            age_text(&ctx.child, today_in_england())
        ),
        referral_date: format_long(ctx.referral.referral_date),
        profile_name: ctx.profile.name.clone(),
        kinds: ctx
            .kinds
            .iter()
            .map(|k| (k.code().to_string(), k.label().to_string()))
            .collect(),
        kind: typed.kind,
        due: format_long(ctx.due.date),
        due_basis: ctx.due.basis.clone(),
        workers,
        worker: typed.worker,
        started_on: typed.started_on,
        unauthorised: ctx.unauthorised.as_ref().map(summary_line),
        assessments: ctx.assessments.iter().map(summary_line).collect(),
    }
}

async fn render_start(
    state: &AppState,
    user: &CurrentUser,
    referral_id: &str,
    typed: Option<StartForm>,
    errors: Errors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let ctx = load(
        state,
        &user.actor,
        referral_id.to_string(),
        assessments::start_context,
    )
    .await?;
    Ok(render_with(status, &start_page(user, &ctx, typed, errors)))
}

pub async fn new_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    render_start(&state, &user, &id, None, Errors::default(), StatusCode::OK).await
}

pub async fn start(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let typed = StartForm {
        kind: form.data.string("kind"),
        worker: form.data.string("worker"),
        started_on: form.data.date("started_on"),
    };
    let mut date_errors = FieldErrors::new();
    let started_on = read_date(
        &typed.started_on,
        "started_on",
        "The start date",
        &mut date_errors,
    );
    if !date_errors.is_empty() {
        let errors = Errors::from_fields(&date_errors);
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_start(&state, &form.user, &id, Some(typed), errors, status).await;
    }
    let input = StartInput {
        kind: typed.kind.clone(),
        started_on,
        worker_id: Some(typed.worker.clone()).filter(|w| !w.trim().is_empty()),
    };
    let actor = form.user.actor.clone();
    let rid = id.clone();
    let result = state
        .db(move |c| Ok(assessments::start(c, &actor, &rid, &input)))
        .await?;
    match result {
        Ok(aid) => Ok(Redirect::to(&format!("/assessments/{aid}?done=started")).into_response()),
        Err(e) => {
            let (errors, status) = problem(e, "start-form")?;
            render_start(&state, &form.user, &id, Some(typed), errors, status).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_factors_is_offered_apart_and_legacy_codes_not_at_all() {
        let (factors, none) = factor_options(&["21".to_string(), "7A".to_string()]);
        assert_eq!(none.code, "21");
        assert!(none.checked);
        assert!(factors.iter().all(|f| f.code != "21"));
        assert!(factors.iter().all(|f| f.code != "18A" && f.code != "19A"));
        assert_eq!(factors[0].id, "factors");
        assert!(factors.iter().any(|f| f.code == "7A" && f.checked));
        assert_eq!(factors.len() + 1, AssessmentFactor::ALL.len());
    }
}

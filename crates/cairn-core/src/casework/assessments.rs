//! Assessments within a CIN episode: started from the open referral, written as the worker
//! goes (saved as a draft), submitted, then authorised by a manager with a quality rating or
//! returned with reasons. An authorised assessment can be updated: a new revision goes
//! through the same steps while the authorised one stays readable.
//!
//! The census counts the start date and the manager's authorisation date; census rule 8896
//! allows at most one unauthorised assessment per episode, and rule 8608 refuses an
//! authorisation before the start. Every assessment carries its due date (the profile in force
//! for the referral) with the sentence that explains it.

use std::collections::BTreeMap;

use cairn_db::DbConn;
use cairn_db::casework::assessments::{
    self as repo, AssessmentContent, AssessmentReviewRow, AssessmentRevisionRow, AssessmentRow,
};
use cairn_db::front_door::referrals::{self as referral_repo, ReferralRow};
use cairn_db::people::{self as people_repo, PersonRow};
use cairn_domain::casework::timescales::{AssessmentModel, Due, TimescaleProfile};
use cairn_domain::casework::{
    AssessmentKind, AssessmentOutcome, AssessmentStatus, FrameworkArea, QualityRating,
};
use cairn_domain::codes::{AssessmentFactor, Disability, Ethnicity, validate_assessment_factors};
use cairn_domain::dates::format_long;
use cairn_domain::ids::{AssessmentId, AssessmentReviewId, AssessmentRevisionId};
use cairn_domain::policy::Action;
use cairn_domain::validation::{FieldErrors, clean_line, clean_text};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Timescales, audit_after_read, may_sign_off, open_episode, record_event, today};
use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::error::{ServiceError, ServiceResult};
use crate::front_door::event;
use crate::search::PersonSummary;
use crate::settings::Settings;
use crate::tx;

/// Longest text in one box of the assessment, in characters: assessments are long documents.
pub const MAX_SECTION_LEN: usize = 20_000;
/// Longest identity detail, in characters.
pub const MAX_IDENTITY_LEN: usize = 500;

const STALE: &str = "Someone else saved this assessment while you were working on it, so your changes have not been saved. What you typed is shown below: copy anything you need, then open the assessment again to see their changes.";

// ---- content ----

/// The child's identity as the assessment records it (Assessment Framework: identity covers
/// ethnicity, culture, language, religion and disability).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Identity {
    pub ethnicity: String,
    pub culture: String,
    pub language: String,
    pub religion: String,
    pub disability: String,
}

impl Identity {
    pub fn is_blank(&self) -> bool {
        [
            &self.ethnicity,
            &self.culture,
            &self.language,
            &self.religion,
            &self.disability,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }

    /// What the child's record says, for the worker to confirm or correct.
    pub fn from_record(person: &PersonRow, disabilities: &[String]) -> Identity {
        let ethnicity = person
            .ethnicity
            .as_deref()
            .map(|code| Ethnicity::from_code(code).map_or(code.to_string(), |e| e.label().into()))
            .unwrap_or_default();
        let language = match (person.first_language.as_deref(), person.interpreter_needed) {
            (Some(l), true) => format!("{l} (interpreter needed)"),
            (Some(l), false) => l.to_string(),
            (None, true) => "Interpreter needed".to_string(),
            (None, false) => String::new(),
        };
        let disability = disabilities
            .iter()
            .map(|code| Disability::from_code(code).map_or(code.as_str(), |d| d.label()))
            .collect::<Vec<_>>()
            .join(", ");
        Identity {
            ethnicity,
            culture: String::new(),
            language,
            religion: person.religion.clone().unwrap_or_default(),
            disability,
        }
    }
}

/// The assessment as typed into the form or sent to the API: free text as typed, dates already
/// read from their inputs, codes as strings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContentInput {
    /// Assessment Framework sub-area code → what the worker found.
    pub framework: BTreeMap<String, String>,
    pub child_seen_on: Option<NaiveDate>,
    pub child_seen_alone_on: Option<NaiveDate>,
    pub child_views: String,
    pub child_views_not_obtained_reason: String,
    pub parent_views: String,
    pub parent_views_not_obtained_reason: String,
    pub identity: Identity,
    pub identity_confirmed: bool,
    pub analysis: String,
    /// Census `AssessmentFactors` codes.
    pub factors: Vec<String>,
    pub outcome: String,
    pub outcome_detail: String,
    pub delay_reason: String,
}

/// The assessment's content, checked: what is stored and what each submission snapshots.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Content {
    pub framework: BTreeMap<String, String>,
    pub child_seen_on: Option<NaiveDate>,
    pub child_seen_alone_on: Option<NaiveDate>,
    pub child_views: Option<String>,
    pub child_views_not_obtained_reason: Option<String>,
    pub parent_views: Option<String>,
    pub parent_views_not_obtained_reason: Option<String>,
    pub identity: Identity,
    pub identity_confirmed: bool,
    pub analysis: Option<String>,
    pub factors: Vec<AssessmentFactor>,
    pub outcome: Option<AssessmentOutcome>,
    pub outcome_detail: Option<String>,
    pub delay_reason: Option<String>,
}

fn corrupt(what: &str, id: &str) -> ServiceError {
    ServiceError::Internal(format!("assessment {id} has an unreadable {what}"))
}

impl Content {
    pub fn from_row(row: &AssessmentRow, factors: &[String]) -> ServiceResult<Content> {
        let framework: BTreeMap<String, String> =
            serde_json::from_str(&row.framework).map_err(|_| corrupt("framework", &row.id))?;
        let identity: Identity =
            serde_json::from_str(&row.identity).map_err(|_| corrupt("identity", &row.id))?;
        let factors = factors
            .iter()
            .map(|c| AssessmentFactor::from_code(c).ok_or_else(|| corrupt("factor", &row.id)))
            .collect::<ServiceResult<Vec<_>>>()?;
        let outcome = match row.outcome.as_deref() {
            Some(code) => Some(
                AssessmentOutcome::from_code(code).ok_or_else(|| corrupt("outcome", &row.id))?,
            ),
            None => None,
        };
        Ok(Content {
            framework,
            child_seen_on: row.child_seen_on,
            child_seen_alone_on: row.child_seen_alone_on,
            child_views: row.child_views.clone(),
            child_views_not_obtained_reason: row.child_views_not_obtained_reason.clone(),
            parent_views: row.parent_views.clone(),
            parent_views_not_obtained_reason: row.parent_views_not_obtained_reason.clone(),
            identity,
            identity_confirmed: row.identity_confirmed,
            analysis: row.analysis.clone(),
            factors,
            outcome,
            outcome_detail: row.outcome_detail.clone(),
            delay_reason: row.delay_reason.clone(),
        })
    }

    fn to_db(&self) -> ServiceResult<AssessmentContent> {
        Ok(AssessmentContent {
            child_seen_on: self.child_seen_on,
            child_seen_alone_on: self.child_seen_alone_on,
            child_views: self.child_views.clone(),
            child_views_not_obtained_reason: self.child_views_not_obtained_reason.clone(),
            parent_views: self.parent_views.clone(),
            parent_views_not_obtained_reason: self.parent_views_not_obtained_reason.clone(),
            framework: to_json(&self.framework)?,
            identity: to_json(&self.identity)?,
            identity_confirmed: self.identity_confirmed,
            analysis: self.analysis.clone(),
            outcome: self.outcome.map(|o| o.code().to_string()),
            outcome_detail: self.outcome_detail.clone(),
            delay_reason: self.delay_reason.clone(),
        })
    }

    fn factor_codes(&self) -> Vec<String> {
        self.factors.iter().map(|f| f.code().to_string()).collect()
    }

    /// The content as a form shows it, for editing.
    pub fn to_input(&self) -> ContentInput {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        ContentInput {
            framework: self.framework.clone(),
            child_seen_on: self.child_seen_on,
            child_seen_alone_on: self.child_seen_alone_on,
            child_views: text(&self.child_views),
            child_views_not_obtained_reason: text(&self.child_views_not_obtained_reason),
            parent_views: text(&self.parent_views),
            parent_views_not_obtained_reason: text(&self.parent_views_not_obtained_reason),
            identity: self.identity.clone(),
            identity_confirmed: self.identity_confirmed,
            analysis: text(&self.analysis),
            factors: self.factor_codes(),
            outcome: self
                .outcome
                .map(|o| o.code().to_string())
                .unwrap_or_default(),
            outcome_detail: text(&self.outcome_detail),
            delay_reason: text(&self.delay_reason),
        }
    }

    /// The names of the parts that differ, for the audit row (the text itself stays out of
    /// the audit log: it is in the assessment and its snapshots).
    fn changed_fields(&self, after: &Content) -> Vec<String> {
        let (Ok(b), Ok(a)) = (serde_json::to_value(self), serde_json::to_value(after)) else {
            return Vec::new();
        };
        audit_trail::diff(&b, &a)
            .into_iter()
            .map(|c| c.field)
            .collect()
    }
}

/// A value as stored in a JSON column.
fn to_json<T: Serialize>(value: &T) -> ServiceResult<String> {
    serde_json::to_string(value)
        .map_err(|e| ServiceError::Internal(format!("could not store JSON: {e}")))
}

fn text(
    field: &str,
    label: &str,
    value: &str,
    max: usize,
    errors: &mut FieldErrors,
) -> Option<String> {
    clean_text(field, label, value, max, false, errors)
}

fn check_date(
    field: &str,
    label: &str,
    date: Option<NaiveDate>,
    started_on: NaiveDate,
    today: NaiveDate,
    errors: &mut FieldErrors,
) -> Option<NaiveDate> {
    let d = date?;
    if d < started_on {
        errors.push(
            field,
            format!(
                "{label} must be on or after the date the assessment started ({})",
                format_long(started_on)
            ),
        );
        return None;
    }
    if d > today {
        errors.push(field, format!("{label} must be today or in the past"));
        return None;
    }
    Some(d)
}

fn check_framework(
    input: &BTreeMap<String, String>,
    errors: &mut FieldErrors,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (code, value) in input {
        let Some(area) = FrameworkArea::from_code(code.trim()) else {
            errors.push(
                "framework",
                format!("“{code}” is not an area of the Assessment Framework"),
            );
            continue;
        };
        let field = format!("framework-{}", area.code());
        if let Some(t) = text(&field, area.label(), value, MAX_SECTION_LEN, errors) {
            out.insert(area.code().to_string(), t);
        }
    }
    out
}

fn check_identity(input: &Identity, errors: &mut FieldErrors) -> Identity {
    let line = |field: &str, label: &str, value: &str, errors: &mut FieldErrors| {
        clean_line(field, label, value, MAX_IDENTITY_LEN, false, errors).unwrap_or_default()
    };
    Identity {
        ethnicity: line("identity-ethnicity", "Ethnicity", &input.ethnicity, errors),
        culture: line("identity-culture", "Culture", &input.culture, errors),
        language: line("identity-language", "Language", &input.language, errors),
        religion: line("identity-religion", "Religion", &input.religion, errors),
        disability: line(
            "identity-disability",
            "Disability",
            &input.disability,
            errors,
        ),
    }
}

fn check_factors(codes: &[String], errors: &mut FieldErrors) -> Vec<AssessmentFactor> {
    let mut factors = Vec::new();
    for code in codes.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        match AssessmentFactor::from_code(code) {
            Some(f) if !factors.contains(&f) => factors.push(f),
            Some(_) => {}
            None => errors.push("factors", "Select factors from the list"),
        }
    }
    if let Err(message) = validate_assessment_factors(&factors) {
        errors.push("factors", message);
    }
    factors
}

/// Checks what was typed, keeping whatever is valid: a draft may be incomplete, but what is
/// there must be right (dates in range, codes from their lists, "No factors" alone).
pub fn check_content(
    input: &ContentInput,
    started_on: NaiveDate,
    today: NaiveDate,
) -> (Content, FieldErrors) {
    let mut e = FieldErrors::new();
    let framework = check_framework(&input.framework, &mut e);
    let child_seen_on = check_date(
        "child_seen_on",
        "The date the child was seen",
        input.child_seen_on,
        started_on,
        today,
        &mut e,
    );
    let child_seen_alone_on = check_date(
        "child_seen_alone_on",
        "The date the child was seen alone",
        input.child_seen_alone_on,
        started_on,
        today,
        &mut e,
    );
    let t = |f: &str, l: &str, v: &str, e: &mut FieldErrors| text(f, l, v, MAX_SECTION_LEN, e);
    let content = Content {
        framework,
        child_seen_on,
        child_seen_alone_on,
        child_views: t(
            "child_views",
            "The child's wishes and feelings",
            &input.child_views,
            &mut e,
        ),
        child_views_not_obtained_reason: t(
            "child_views_not_obtained_reason",
            "Why the child's views could not be obtained",
            &input.child_views_not_obtained_reason,
            &mut e,
        ),
        parent_views: t(
            "parent_views",
            "The parents' or carers' views",
            &input.parent_views,
            &mut e,
        ),
        parent_views_not_obtained_reason: t(
            "parent_views_not_obtained_reason",
            "Why the parents' or carers' views could not be obtained",
            &input.parent_views_not_obtained_reason,
            &mut e,
        ),
        identity: check_identity(&input.identity, &mut e),
        identity_confirmed: input.identity_confirmed,
        analysis: t("analysis", "The analysis", &input.analysis, &mut e),
        factors: check_factors(&input.factors, &mut e),
        outcome: match input.outcome.trim() {
            "" => None,
            code => {
                let o = AssessmentOutcome::from_code(code);
                if o.is_none() {
                    e.push("outcome", "Select an outcome from the list");
                }
                o
            }
        },
        outcome_detail: t(
            "outcome_detail",
            "What the other outcome is",
            &input.outcome_detail,
            &mut e,
        ),
        delay_reason: t(
            "delay_reason",
            "The reason for the delay",
            &input.delay_reason,
            &mut e,
        ),
    };
    (content, e)
}

/// What a submission must have, beyond being valid: the analysis, the child's and the
/// parents' views (or why they could not be obtained), confirmed identity, the factors and
/// the outcome; and, once the due date has passed, the reason for the delay.
pub fn missing_for_submission(content: &Content, due: &Due, today: NaiveDate) -> FieldErrors {
    let mut e = FieldErrors::new();
    if content.analysis.is_none() {
        e.push(
            "analysis",
            "Enter the analysis: what the information means for the child, the risks and strengths, and what needs to change",
        );
    }
    if content.child_views.is_none() && content.child_views_not_obtained_reason.is_none() {
        e.push(
            "child_views",
            "Record the child's wishes and feelings, or why they could not be obtained",
        );
    }
    if content.parent_views.is_none() && content.parent_views_not_obtained_reason.is_none() {
        e.push(
            "parent_views",
            "Record the parents' or carers' views, or why they could not be obtained",
        );
    }
    if !content.identity_confirmed {
        e.push(
            "identity_confirmed",
            "Check the child's identity details and confirm they are right",
        );
    }
    if content.factors.is_empty() {
        e.push(
            "factors",
            "Select the factors identified at the end of the assessment, or ‘No factors identified’",
        );
    }
    match content.outcome {
        None => e.push("outcome", "Select the outcome of the assessment"),
        Some(AssessmentOutcome::Other) if content.outcome_detail.is_none() => {
            e.push("outcome_detail", "Enter what the other outcome is");
        }
        _ => {}
    }
    if due.is_overdue(today) && content.delay_reason.is_none() {
        e.push(
            "delay_reason",
            format!(
                "The assessment was due by {}: enter the reason for the delay",
                format_long(due.date)
            ),
        );
    }
    e
}

// ---- timeliness ----

/// An assessment's due date, how many working days it has taken so far (or took), and
/// whether it is (or was) late.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Timeliness {
    pub due: Due,
    /// What the working days count from: "the referral" or "the start of the core assessment".
    pub counted_from: String,
    /// Working days from that date to the authorisation, or to today while unauthorised.
    pub working_days_elapsed: i64,
    /// Not authorised and past the due date.
    pub overdue: bool,
    /// Authorised after the due date.
    pub authorised_late: bool,
}

/// The assessment kinds used under a profile: the single assessment from April 2013, the
/// initial and core assessments before.
pub fn kinds_for(profile: &TimescaleProfile) -> Vec<AssessmentKind> {
    match profile.assessment {
        AssessmentModel::Single { .. } => vec![AssessmentKind::Single],
        AssessmentModel::InitialAndCore { .. } => {
            vec![AssessmentKind::Initial, AssessmentKind::Core]
        }
    }
}

fn timeliness(
    timescales: &Timescales,
    kind: AssessmentKind,
    referral_date: NaiveDate,
    started_on: NaiveDate,
    authorised_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Timeliness {
    let profile = timescales.for_referral(referral_date);
    let due = profile.assessment_due(&timescales.calendar, kind, referral_date, started_on);
    let from_start = kind == AssessmentKind::Core
        && matches!(profile.assessment, AssessmentModel::InitialAndCore { .. });
    let (from, counted_from) = if from_start {
        (started_on, "the start of the core assessment")
    } else {
        (referral_date, "the referral")
    };
    let to = authorised_on.unwrap_or(today);
    Timeliness {
        working_days_elapsed: timescales.calendar.working_days_between(from, to),
        counted_from: counted_from.to_string(),
        overdue: authorised_on.is_none() && due.is_overdue(today),
        authorised_late: authorised_on.is_some_and(|a| a > due.date),
        due,
    }
}

fn kind_of(row: &AssessmentRow) -> ServiceResult<AssessmentKind> {
    AssessmentKind::from_code(&row.kind).ok_or_else(|| corrupt("kind", &row.id))
}

fn status_of(row: &AssessmentRow) -> ServiceResult<AssessmentStatus> {
    AssessmentStatus::from_code(&row.status).ok_or_else(|| corrupt("status", &row.id))
}

fn timeliness_of(
    timescales: &Timescales,
    row: &AssessmentRow,
    referral_date: NaiveDate,
    today: NaiveDate,
) -> ServiceResult<Timeliness> {
    Ok(timeliness(
        timescales,
        kind_of(row)?,
        referral_date,
        row.started_on,
        row.authorised_on,
        today,
    ))
}

// ---- permissions ----

/// Checks `action`; only when it is refused is the child looked up (by `person`), so that the
/// refusal names them when the record exists.
fn require_naming_child(
    conn: &mut DbConn,
    actor: &Actor,
    action: Action,
    person: impl FnOnce(&mut DbConn) -> ServiceResult<Option<String>>,
) -> ServiceResult<()> {
    if actor.may(action) {
        return Ok(());
    }
    match conn.read(person)? {
        Some(p) => tx::require_on_person(conn, actor, action, &p),
        None => tx::require(conn, actor, action),
    }
}

/// Checks `action` for work on an episode; a refusal names the child when the episode exists.
fn require_on_episode(
    conn: &mut DbConn,
    actor: &Actor,
    action: Action,
    referral_id: &str,
) -> ServiceResult<()> {
    require_naming_child(conn, actor, action, |c| {
        Ok(referral_repo::find(c, referral_id)?.map(|r| r.person_id))
    })
}

/// Checks `action` on an assessment; a refusal names the child when the assessment exists.
fn require_on_assessment(
    conn: &mut DbConn,
    actor: &Actor,
    action: Action,
    assessment_id: &str,
) -> ServiceResult<()> {
    require_naming_child(conn, actor, action, |c| {
        Ok(repo::find(c, assessment_id)?.map(|r| r.person_id))
    })
}

/// The child, unless marked entered in error and hidden from this actor.
fn visible_person(c: &mut DbConn, actor: &Actor, person_id: &str) -> ServiceResult<PersonRow> {
    match people_repo::find(c, person_id)? {
        Some(p) if p.entered_in_error_at.is_none() || actor.may(Action::ViewEnteredInError) => {
            Ok(p)
        }
        _ => Err(ServiceError::NotFound("The child")),
    }
}

/// Whether this manager may authorise this assessment: sign-off is a second pair of eyes, so
/// not work they are the worker on or submitted themselves, unless the settings allow it.
pub fn may_authorise(settings: &Settings, actor: &Actor, row: &AssessmentRow) -> ServiceResult<()> {
    may_sign_off(settings, actor, Some(&row.worker_id))?;
    may_sign_off(settings, actor, row.submitted_by.as_deref())
}

// ---- starting ----

/// How an assessment is started: the kind (empty means the first kind the profile in force
/// uses), the actual start date, and the worker (empty means the person starting it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StartInput {
    pub kind: String,
    pub started_on: Option<NaiveDate>,
    pub worker_id: Option<String>,
}

struct CheckedStart {
    kind: AssessmentKind,
    started_on: NaiveDate,
    worker_id: String,
}

fn check_start(
    actor: &Actor,
    referral: &ReferralRow,
    profile: &TimescaleProfile,
    input: &StartInput,
    today: NaiveDate,
) -> ServiceResult<CheckedStart> {
    let mut e = FieldErrors::new();
    let kinds = kinds_for(profile);
    let kind = match input.kind.trim() {
        "" => kinds.first().copied(),
        code => match AssessmentKind::from_code(code) {
            Some(k) if kinds.contains(&k) => Some(k),
            _ => {
                let names: Vec<&str> = kinds.iter().map(|k| k.label()).collect();
                e.push(
                    "kind",
                    format!(
                        "Choose {}: the kinds used under {}, in force on the referral date",
                        names.join(" or "),
                        profile.name
                    ),
                );
                None
            }
        },
    };
    let started_on = match input.started_on {
        None => {
            e.push("started_on", "Enter the date the assessment started");
            None
        }
        Some(d) if d < referral.referral_date => {
            e.push(
                "started_on",
                format!(
                    "The start date must be on or after the referral date ({})",
                    format_long(referral.referral_date)
                ),
            );
            None
        }
        Some(d) if d > today => {
            e.push("started_on", "The start date must be today or in the past");
            None
        }
        Some(d) => Some(d),
    };
    let me = actor.user_id_string();
    let chosen = input
        .worker_id
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_string);
    let worker_id = match chosen.or_else(|| me.clone()) {
        Some(w) if Some(&w) == me.as_ref() || Some(&w) == referral.worker_id.as_ref() => Some(w),
        _ => {
            e.push(
                "worker",
                "Choose yourself or the episode's allocated worker as the assessment's worker",
            );
            None
        }
    };
    match (kind, started_on, worker_id) {
        (Some(kind), Some(started_on), Some(worker_id)) if e.is_empty() => Ok(CheckedStart {
            kind,
            started_on,
            worker_id,
        }),
        _ => Err(ServiceError::Invalid(e)),
    }
}

fn open_assessment_conflict(open: &AssessmentRow) -> ServiceError {
    ServiceError::Conflict(format!(
        "This episode already has an assessment that has not been authorised (started {}). Finish that one first: an episode may have only one unauthorised assessment at a time.",
        format_long(open.started_on)
    ))
}

/// Starts an assessment in an open episode. The child's identity is copied from their record
/// for the worker to confirm.
pub fn start(
    conn: &mut DbConn,
    actor: &Actor,
    referral_id: &str,
    input: &StartInput,
) -> ServiceResult<AssessmentId> {
    require_on_episode(conn, actor, Action::RecordCasework, referral_id)?;
    let today = today();
    let id = AssessmentId::new();
    let assessment_id = id.to_string();
    tx::write(conn, actor, |c| {
        let referral = open_episode(c, referral_id)?;
        let person = visible_person(c, actor, &referral.person_id)?;
        let timescales = Timescales::load(c)?;
        let profile = timescales.for_referral(referral.referral_date);
        let checked = check_start(actor, &referral, profile, input, today)?;
        repo::lock_episode(c, referral_id)?;
        if let Some(open) = repo::unauthorised_in_referral(c, referral_id)?.first() {
            return Err(open_assessment_conflict(open));
        }
        let disabilities = people_repo::disabilities_of(c, &person.id)?;
        let identity = Identity::from_record(&person, &disabilities);
        let now = cairn_db::now();
        let row = AssessmentRow {
            id: assessment_id.clone(),
            referral_id: referral.id.clone(),
            person_id: person.id.clone(),
            kind: checked.kind.code().to_string(),
            status: AssessmentStatus::InProgress.code().to_string(),
            started_on: checked.started_on,
            worker_id: checked.worker_id.clone(),
            child_seen_on: None,
            child_seen_alone_on: None,
            child_views: None,
            child_views_not_obtained_reason: None,
            parent_views: None,
            parent_views_not_obtained_reason: None,
            framework: "{}".into(),
            identity: to_json(&identity)?,
            identity_confirmed: false,
            analysis: None,
            outcome: None,
            outcome_detail: None,
            delay_reason: None,
            submitted_at: None,
            submitted_by: None,
            authorised_on: None,
            authorised_at: None,
            authorised_by: None,
            quality_rating: None,
            revision: 1,
            version: 1,
            created_at: now,
            created_by: actor.author(),
        };
        repo::insert(c, &row)?;
        let data = json!({ "kind": row.kind, "started_on": row.started_on, "referral": referral.id, "worker": row.worker_id });
        record_event(
            c,
            actor,
            ("assessment.started", "assessment.start"),
            ("assessment", &assessment_id),
            &person.id,
            data,
        )?;
        Ok(())
    })?;
    Ok(id)
}

// ---- editing ----

fn not_editable(status: AssessmentStatus) -> ServiceError {
    ServiceError::Conflict(match status {
        AssessmentStatus::Submitted => "This assessment has been submitted for authorisation: it cannot be changed unless a manager returns it".into(),
        AssessmentStatus::Authorised => "This assessment has been authorised: choose ‘Update this assessment’ to start a new revision".into(),
        _ => "This assessment cannot be changed now".into(),
    })
}

/// The assessment, open for editing, at the version the user started from.
fn editable(
    c: &mut DbConn,
    actor: &Actor,
    id: &str,
    expected_version: i32,
) -> ServiceResult<(AssessmentRow, Content)> {
    let row = repo::find(c, id)?.ok_or(ServiceError::NotFound("The assessment"))?;
    visible_person(c, actor, &row.person_id)?;
    let status = status_of(&row)?;
    if !matches!(
        status,
        AssessmentStatus::InProgress | AssessmentStatus::Returned
    ) {
        return Err(not_editable(status));
    }
    if row.version != expected_version {
        return Err(ServiceError::Conflict(STALE.into()));
    }
    let factors = repo::factors_of(c, id)?;
    let content = Content::from_row(&row, &factors)?;
    Ok((row, content))
}

/// Writes new content at `expected_version`; false when someone else got there first.
fn write_content(
    c: &mut DbConn,
    id: &str,
    expected_version: i32,
    content: &Content,
) -> ServiceResult<()> {
    if !repo::save_content(c, id, expected_version, &content.to_db()?)? {
        return Err(ServiceError::Conflict(STALE.into()));
    }
    repo::replace_factors(c, id, &content.factor_codes())?;
    Ok(())
}

/// Saves a draft: whatever is typed, as long as what is there is right. Returns the new
/// version, for the form to carry.
pub fn save(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    expected_version: i32,
    input: &ContentInput,
) -> ServiceResult<i32> {
    require_on_assessment(conn, actor, Action::RecordCasework, id)?;
    let today = today();
    tx::write(conn, actor, |c| {
        let (row, before) = editable(c, actor, id, expected_version)?;
        let (content, errors) = check_content(input, row.started_on, today);
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        write_content(c, id, expected_version, &content)?;
        let fields = before.changed_fields(&content);
        record_event(
            c,
            actor,
            ("assessment.saved", "assessment.save"),
            ("assessment", id),
            &row.person_id,
            json!({ "revision": row.revision, "fields": fields }),
        )?;
        Ok(expected_version + 1)
    })
}

fn referral_of(c: &mut DbConn, row: &AssessmentRow) -> ServiceResult<ReferralRow> {
    referral_repo::find(c, &row.referral_id)?.ok_or(ServiceError::NotFound("The referral"))
}

/// Submits the assessment for a manager's authorisation, saving `input` first when given (the
/// form's "Submit" button sends what is on screen). Refused, with nothing saved, while
/// anything a submission needs is missing.
pub fn submit(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    expected_version: i32,
    input: Option<&ContentInput>,
) -> ServiceResult<()> {
    require_on_assessment(conn, actor, Action::RecordCasework, id)?;
    let today = today();
    tx::write(conn, actor, |c| {
        let (row, before) = editable(c, actor, id, expected_version)?;
        let referral = referral_of(c, &row)?;
        let timescales = Timescales::load(c)?;
        let due = timeliness_of(&timescales, &row, referral.referral_date, today)?.due;
        let (content, mut errors) = match input {
            Some(i) => check_content(i, row.started_on, today),
            None => (before.clone(), FieldErrors::new()),
        };
        for e in missing_for_submission(&content, &due, today) {
            errors.push(e.field, e.message);
        }
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let mut version = expected_version;
        if input.is_some() {
            write_content(c, id, version, &content)?;
            version += 1;
        }
        let now = cairn_db::now();
        if !repo::mark_submitted(c, id, version, &actor.author(), now)? {
            return Err(ServiceError::Conflict(STALE.into()));
        }
        repo::insert_revision(
            c,
            &AssessmentRevisionRow {
                id: AssessmentRevisionId::new().to_string(),
                assessment_id: id.to_string(),
                revision: row.revision,
                snapshot: to_json(&content)?,
                created_at: now,
                created_by: actor.author(),
            },
        )?;
        let overdue = due.is_overdue(today);
        cairn_db::events::append(
            c,
            &event(
                "assessment.submitted",
                Some(&row.person_id),
                "assessment",
                id,
                actor,
                json!({ "revision": row.revision, "outcome": content.outcome, "factors": content.factors, "overdue": overdue }),
            ),
        )?;
        audit_trail::write(
            c,
            actor,
            Record::ok("assessment.submit")
                .on("assessment", id)
                .person(&row.person_id)
                .detail(
                    json!({ "revision": row.revision, "fields": before.changed_fields(&content) }),
                ),
        )?;
        Ok(())
    })
}

// ---- review ----

/// A manager's review as entered: "authorise" (with a quality rating, optional comments and
/// the authorisation date, today when empty) or "return" (with the reasons, in `comments`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewInput {
    pub decision: String,
    pub quality_rating: String,
    pub comments: String,
    pub authorised_on: Option<NaiveDate>,
}

/// What the manager decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcome {
    Authorised,
    Returned,
}

impl ReviewOutcome {
    pub const fn code(&self) -> &'static str {
        match self {
            ReviewOutcome::Authorised => "authorised",
            ReviewOutcome::Returned => "returned",
        }
    }
}

enum CheckedReview {
    Authorise {
        rating: QualityRating,
        comments: String,
        on: NaiveDate,
    },
    Return {
        reasons: String,
    },
}

fn check_review(input: &ReviewInput, today: NaiveDate) -> ServiceResult<CheckedReview> {
    let mut e = FieldErrors::new();
    let comments = clean_text(
        "comments",
        "Your comments",
        &input.comments,
        MAX_SECTION_LEN,
        false,
        &mut e,
    );
    let checked = match input.decision.trim() {
        "authorise" => {
            let rating = QualityRating::from_code(input.quality_rating.trim());
            if rating.is_none() {
                e.push(
                    "quality_rating",
                    "Select your rating of the assessment's quality",
                );
            }
            let on = input.authorised_on.unwrap_or(today);
            if on > today {
                e.push(
                    "authorised_on",
                    "The authorisation date must be today or in the past",
                );
            }
            rating.map(|rating| CheckedReview::Authorise {
                rating,
                comments: comments.clone().unwrap_or_default(),
                on,
            })
        }
        "return" => {
            if comments.is_none() && e.for_field("comments").is_none() {
                e.push(
                    "comments",
                    "Enter why you are returning the assessment and what needs to change",
                );
            }
            comments
                .clone()
                .map(|reasons| CheckedReview::Return { reasons })
        }
        _ => {
            e.push(
                "decision",
                "Select whether to authorise the assessment or return it",
            );
            None
        }
    };
    match checked {
        Some(c) if e.is_empty() => Ok(c),
        _ => Err(ServiceError::Invalid(e)),
    }
}

/// What must still be true when a manager authorises: an assessment without an analysis or
/// the child's voice cannot be signed off, however it reached the manager.
fn authorisable(row: &AssessmentRow, on: NaiveDate) -> ServiceResult<()> {
    if on < row.started_on {
        return Err(ServiceError::invalid(
            "authorised_on",
            &format!(
                "The authorisation date must be on or after the date the assessment started ({}): an assessment cannot be authorised before it started",
                format_long(row.started_on)
            ),
        ));
    }
    let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
    if blank(&row.analysis) {
        return Err(ServiceError::invalid(
            "decision",
            "This assessment has no analysis, so it cannot be authorised: return it to the practitioner",
        ));
    }
    if blank(&row.child_views) && blank(&row.child_views_not_obtained_reason) {
        return Err(ServiceError::invalid(
            "decision",
            "This assessment does not record the child's wishes and feelings or why they could not be obtained, so it cannot be authorised: return it to the practitioner",
        ));
    }
    Ok(())
}

/// A manager authorises a submitted assessment with a quality rating, or returns it with
/// reasons. Every review is kept, so the history of returns stays on the assessment.
pub fn review(
    conn: &mut DbConn,
    actor: &Actor,
    settings: &Settings,
    id: &str,
    expected_version: i32,
    input: &ReviewInput,
) -> ServiceResult<ReviewOutcome> {
    require_on_assessment(conn, actor, Action::AuthoriseCasework, id)?;
    let checked = check_review(input, today())?;
    tx::write(conn, actor, |c| {
        let row = repo::find(c, id)?.ok_or(ServiceError::NotFound("The assessment"))?;
        visible_person(c, actor, &row.person_id)?;
        if status_of(&row)? != AssessmentStatus::Submitted {
            return Err(ServiceError::Conflict(
                "This assessment is not waiting for authorisation: it may already have been authorised or returned".into(),
            ));
        }
        if row.version != expected_version {
            return Err(ServiceError::Conflict(STALE.into()));
        }
        let now = cairn_db::now();
        let (outcome, comments, rating) = match &checked {
            CheckedReview::Authorise {
                rating,
                comments,
                on,
            } => {
                may_authorise(settings, actor, &row)?;
                authorisable(&row, *on)?;
                if !repo::mark_authorised(
                    c,
                    id,
                    expected_version,
                    *on,
                    now,
                    &actor.author(),
                    rating.code(),
                )? {
                    return Err(ServiceError::Conflict(STALE.into()));
                }
                (ReviewOutcome::Authorised, comments.clone(), Some(*rating))
            }
            CheckedReview::Return { reasons } => {
                if !repo::mark_returned(c, id, expected_version)? {
                    return Err(ServiceError::Conflict(STALE.into()));
                }
                (ReviewOutcome::Returned, reasons.clone(), None)
            }
        };
        repo::insert_review(
            c,
            &AssessmentReviewRow {
                id: AssessmentReviewId::new().to_string(),
                assessment_id: id.to_string(),
                revision: row.revision,
                decision: outcome.code().to_string(),
                comments,
                quality_rating: rating.map(|r| r.code().to_string()),
                reviewed_by: actor.author(),
                reviewed_at: now,
            },
        )?;
        let authorised_on = match &checked {
            CheckedReview::Authorise { on, .. } => Some(*on),
            CheckedReview::Return { .. } => None,
        };
        let data = json!({ "revision": row.revision, "quality_rating": rating, "authorised_on": authorised_on });
        let action = match outcome {
            ReviewOutcome::Authorised => "assessment.authorise",
            ReviewOutcome::Returned => "assessment.return",
        };
        record_event(
            c,
            actor,
            (&format!("assessment.{}", outcome.code()), action),
            ("assessment", id),
            &row.person_id,
            data,
        )?;
        Ok(outcome)
    })
}

/// Starts a new revision of an authorised assessment: the content carries over, the
/// authorised revision stays in the snapshots, and the new one goes through submission and
/// authorisation again.
pub fn revise(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    expected_version: i32,
) -> ServiceResult<i32> {
    require_on_assessment(conn, actor, Action::RecordCasework, id)?;
    tx::write(conn, actor, |c| {
        let row = repo::find(c, id)?.ok_or(ServiceError::NotFound("The assessment"))?;
        visible_person(c, actor, &row.person_id)?;
        if status_of(&row)? != AssessmentStatus::Authorised {
            return Err(ServiceError::Conflict(
                "Only an authorised assessment can be updated: this one is still being worked on"
                    .into(),
            ));
        }
        open_episode(c, &row.referral_id)?;
        if row.version != expected_version || !repo::start_revision(c, id, expected_version)? {
            return Err(ServiceError::Conflict(STALE.into()));
        }
        let revision = row.revision + 1;
        record_event(
            c,
            actor,
            ("assessment.revised", "assessment.revise"),
            ("assessment", id),
            &row.person_id,
            json!({ "revision": revision }),
        )?;
        Ok(revision)
    })
}

// ---- reading ----

/// One assessment as lists show it.
#[derive(Clone, Debug, Serialize)]
pub struct AssessmentSummary {
    pub id: String,
    pub person_id: String,
    pub referral_id: String,
    pub kind: AssessmentKind,
    pub status: AssessmentStatus,
    pub revision: i32,
    pub started_on: NaiveDate,
    pub authorised_on: Option<NaiveDate>,
    pub due: Due,
    pub working_days_elapsed: i64,
    pub overdue: bool,
    pub worker_id: String,
    pub worker_name: String,
    pub outcome: Option<AssessmentOutcome>,
}

fn summarise(
    row: &AssessmentRow,
    referral_date: NaiveDate,
    timescales: &Timescales,
    names: &std::collections::HashMap<String, String>,
    today: NaiveDate,
) -> ServiceResult<AssessmentSummary> {
    let t = timeliness_of(timescales, row, referral_date, today)?;
    Ok(AssessmentSummary {
        id: row.id.clone(),
        person_id: row.person_id.clone(),
        referral_id: row.referral_id.clone(),
        kind: kind_of(row)?,
        status: status_of(row)?,
        revision: row.revision,
        started_on: row.started_on,
        authorised_on: row.authorised_on,
        due: t.due,
        working_days_elapsed: t.working_days_elapsed,
        overdue: t.overdue,
        worker_id: row.worker_id.clone(),
        worker_name: names.get(&row.worker_id).cloned().unwrap_or_default(),
        outcome: match row.outcome.as_deref() {
            Some(code) => Some(
                AssessmentOutcome::from_code(code).ok_or_else(|| corrupt("outcome", &row.id))?,
            ),
            None => None,
        },
    })
}

fn summaries(
    c: &mut DbConn,
    referral: &ReferralRow,
    rows: &[AssessmentRow],
) -> ServiceResult<Vec<AssessmentSummary>> {
    let timescales = Timescales::load(c)?;
    let ids: Vec<String> = rows.iter().map(|r| r.worker_id.clone()).collect();
    let names = cairn_db::users::display_names(c, &ids)?;
    let today = today();
    rows.iter()
        .map(|r| summarise(r, referral.referral_date, &timescales, &names, today))
        .collect()
}

/// The assessments of one episode, oldest first, for pages that already audit their own
/// read of the child's record.
pub fn for_episode(
    conn: &mut DbConn,
    actor: &Actor,
    referral_id: &str,
) -> ServiceResult<Vec<AssessmentSummary>> {
    tx::require(conn, actor, Action::ViewCasework)?;
    tx::read(conn, actor, |c| {
        let referral =
            referral_repo::find(c, referral_id)?.ok_or(ServiceError::NotFound("The referral"))?;
        let rows = repo::for_referral(c, referral_id)?;
        summaries(c, &referral, &rows)
    })
}

/// A manager's review, with who made it.
#[derive(Clone, Debug, Serialize)]
pub struct ReviewView {
    pub review: AssessmentReviewRow,
    pub reviewer: String,
    pub quality_rating: Option<QualityRating>,
}

/// One submitted snapshot.
#[derive(Clone, Debug, Serialize)]
pub struct RevisionView {
    pub revision: i32,
    pub submitted_at: NaiveDateTime,
    pub submitted_by: String,
    /// This snapshot is what a manager authorised.
    pub authorised: bool,
    pub content: Content,
}

/// Everything the assessment page shows.
#[derive(Clone, Debug, Serialize)]
pub struct AssessmentView {
    pub assessment: AssessmentRow,
    pub kind: AssessmentKind,
    pub status: AssessmentStatus,
    pub content: Content,
    /// The identity shown is what the child's record says, not yet checked by the worker.
    pub identity_from_record: bool,
    pub referral: ReferralRow,
    pub child: PersonSummary,
    pub worker_name: String,
    pub submitted_by_name: Option<String>,
    pub authorised_by_name: Option<String>,
    pub quality_rating: Option<QualityRating>,
    pub profile_name: String,
    pub timeliness: Timeliness,
    pub reviews: Vec<ReviewView>,
    pub revisions: Vec<RevisionView>,
}

fn review_views(
    reviews: Vec<AssessmentReviewRow>,
    names: &std::collections::HashMap<String, String>,
) -> Vec<ReviewView> {
    reviews
        .into_iter()
        .map(|r| ReviewView {
            reviewer: names.get(&r.reviewed_by).cloned().unwrap_or_default(),
            quality_rating: r
                .quality_rating
                .as_deref()
                .and_then(QualityRating::from_code),
            review: r,
        })
        .collect()
}

fn revision_views(
    row: &AssessmentRow,
    revisions: Vec<AssessmentRevisionRow>,
    reviews: &[ReviewView],
    names: &std::collections::HashMap<String, String>,
) -> ServiceResult<Vec<RevisionView>> {
    // A revision can only be submitted again after a return, so the last snapshot of a
    // revision that was authorised is what the manager authorised.
    let authorised: Vec<i32> = reviews
        .iter()
        .filter(|r| r.review.decision == ReviewOutcome::Authorised.code())
        .map(|r| r.review.revision)
        .collect();
    let last_of = |rev: i32| {
        revisions
            .iter()
            .rfind(|r| r.revision == rev)
            .map(|r| r.id.clone())
    };
    let last_ids: Vec<String> = authorised.iter().filter_map(|rev| last_of(*rev)).collect();
    revisions
        .iter()
        .map(|r| {
            Ok(RevisionView {
                revision: r.revision,
                submitted_at: r.created_at,
                submitted_by: names.get(&r.created_by).cloned().unwrap_or_default(),
                authorised: last_ids.contains(&r.id),
                content: serde_json::from_str(&r.snapshot)
                    .map_err(|_| corrupt("snapshot", &row.id))?,
            })
        })
        .collect()
}

fn load_view(c: &mut DbConn, actor: &Actor, id: &str) -> ServiceResult<AssessmentView> {
    let row = repo::find(c, id)?.ok_or(ServiceError::NotFound("The assessment"))?;
    let person = visible_person(c, actor, &row.person_id)?;
    let referral = referral_of(c, &row)?;
    let factors = repo::factors_of(c, id)?;
    let mut content = Content::from_row(&row, &factors)?;
    let disabilities = people_repo::disabilities_of(c, &person.id)?;
    let on_record = Identity::from_record(&person, &disabilities);
    let identity_from_record = content.identity.is_blank()
        || (!content.identity_confirmed && content.identity == on_record);
    if content.identity.is_blank() {
        content.identity = on_record;
    }
    let reviews = repo::reviews_of(c, id)?;
    let revisions = repo::revisions_of(c, id)?;
    let mut user_ids = vec![row.worker_id.clone()];
    user_ids.extend(row.submitted_by.clone());
    user_ids.extend(row.authorised_by.clone());
    user_ids.extend(reviews.iter().map(|r| r.reviewed_by.clone()));
    user_ids.extend(revisions.iter().map(|r| r.created_by.clone()));
    let names = cairn_db::users::display_names(c, &user_ids)?;
    let timescales = Timescales::load(c)?;
    let timeliness = timeliness_of(&timescales, &row, referral.referral_date, today())?;
    let reviews = review_views(reviews, &names);
    let revisions = revision_views(&row, revisions, &reviews, &names)?;
    let name = |id: &Option<String>| id.as_ref().and_then(|u| names.get(u).cloned());
    Ok(AssessmentView {
        kind: kind_of(&row)?,
        status: status_of(&row)?,
        content,
        identity_from_record,
        child: PersonSummary::from_row(&person),
        worker_name: names.get(&row.worker_id).cloned().unwrap_or_default(),
        submitted_by_name: name(&row.submitted_by),
        authorised_by_name: name(&row.authorised_by),
        quality_rating: row
            .quality_rating
            .as_deref()
            .and_then(QualityRating::from_code),
        profile_name: timescales.for_referral(referral.referral_date).name.clone(),
        timeliness,
        reviews,
        revisions,
        referral,
        assessment: row,
    })
}

/// Reads one assessment and records the view against the child.
pub fn view(conn: &mut DbConn, actor: &Actor, id: &str) -> ServiceResult<AssessmentView> {
    require_on_assessment(conn, actor, Action::ViewCasework, id)?;
    let view = tx::read(conn, actor, |c| load_view(c, actor, id))?;
    audit_after_read(
        conn,
        actor,
        Record::ok("assessment.view")
            .on("assessment", id)
            .person(&view.assessment.person_id)
            .detail(
                json!({ "status": view.assessment.status, "revision": view.assessment.revision }),
            ),
    )?;
    Ok(view)
}

/// What the "start an assessment" page needs.
#[derive(Clone, Debug, Serialize)]
pub struct StartContext {
    pub referral: ReferralRow,
    pub child: PersonSummary,
    pub profile: TimescaleProfile,
    /// The kinds that may be started under the profile in force.
    pub kinds: Vec<AssessmentKind>,
    /// The due date of an assessment started today of the first kind.
    pub due: Due,
    pub episode_worker: Option<(String, String)>,
    pub assessments: Vec<AssessmentSummary>,
    /// The episode's assessment that is not yet authorised, which blocks starting another.
    pub unauthorised: Option<AssessmentSummary>,
}

/// The episode as the "start an assessment" page shows it; recorded against the child.
pub fn start_context(
    conn: &mut DbConn,
    actor: &Actor,
    referral_id: &str,
) -> ServiceResult<StartContext> {
    require_on_episode(conn, actor, Action::RecordCasework, referral_id)?;
    let ctx = tx::read(conn, actor, |c| {
        let referral = open_episode(c, referral_id)?;
        let person = visible_person(c, actor, &referral.person_id)?;
        let timescales = Timescales::load(c)?;
        let profile = timescales.for_referral(referral.referral_date).clone();
        let kinds = kinds_for(&profile);
        let first = kinds.first().copied().unwrap_or(AssessmentKind::Single);
        let due =
            profile.assessment_due(&timescales.calendar, first, referral.referral_date, today());
        let episode_worker = match &referral.worker_id {
            Some(w) => cairn_db::users::display_names(c, std::slice::from_ref(w))?
                .remove(w)
                .map(|name| (w.clone(), name)),
            None => None,
        };
        let rows = repo::for_referral(c, referral_id)?;
        let assessments = summaries(c, &referral, &rows)?;
        let unauthorised = assessments
            .iter()
            .find(|a| a.authorised_on.is_none())
            .cloned();
        Ok(StartContext {
            child: PersonSummary::from_row(&person),
            profile,
            kinds,
            due,
            episode_worker,
            assessments,
            unauthorised,
            referral,
        })
    })?;
    audit_after_read(
        conn,
        actor,
        Record::ok("assessment.start_view")
            .on("referral", referral_id)
            .person(&ctx.referral.person_id),
    )?;
    Ok(ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn due(date: NaiveDate) -> Due {
        Due {
            date,
            basis: "test".into(),
        }
    }

    fn fields(e: &FieldErrors) -> Vec<&str> {
        e.iter().map(|x| x.field.as_str()).collect()
    }

    #[test]
    fn an_empty_submission_lists_everything_missing() {
        let missing =
            missing_for_submission(&Content::default(), &due(d(2026, 6, 1)), d(2026, 5, 1));
        assert_eq!(
            fields(&missing),
            [
                "analysis",
                "child_views",
                "parent_views",
                "identity_confirmed",
                "factors",
                "outcome"
            ]
        );
    }

    #[test]
    fn a_reason_stands_in_for_views_and_delay_needs_a_reason_once_overdue() {
        let content = Content {
            analysis: Some("Analysis".into()),
            child_views_not_obtained_reason: Some("Baby of 4 months".into()),
            parent_views: Some("Mother wants help".into()),
            identity_confirmed: true,
            factors: vec![AssessmentFactor::NoFactorsIdentified],
            outcome: Some(AssessmentOutcome::Other),
            ..Content::default()
        };
        let on_time = missing_for_submission(&content, &due(d(2026, 6, 1)), d(2026, 6, 1));
        assert_eq!(fields(&on_time), ["outcome_detail"]);
        let late = missing_for_submission(&content, &due(d(2026, 6, 1)), d(2026, 6, 2));
        assert_eq!(fields(&late), ["outcome_detail", "delay_reason"]);
    }

    #[test]
    fn drafts_check_dates_codes_and_the_lone_no_factors_code() {
        let input = ContentInput {
            child_seen_on: Some(d(2026, 4, 30)),
            child_seen_alone_on: Some(d(2026, 6, 2)),
            factors: vec!["21".into(), "7A".into(), "18A".into()],
            outcome: "bogus".into(),
            framework: BTreeMap::from([
                ("health".into(), "  Well  ".into()),
                ("nonsense".into(), "x".into()),
                ("housing".into(), "   ".into()),
            ]),
            ..ContentInput::default()
        };
        let (content, errors) = check_content(&input, d(2026, 5, 1), d(2026, 6, 1));
        assert_eq!(
            fields(&errors),
            [
                "framework",
                "child_seen_on",
                "child_seen_alone_on",
                "factors",
                "outcome"
            ]
        );
        assert_eq!(
            content.framework,
            BTreeMap::from([("health".to_string(), "Well".to_string())])
        );
        assert_eq!(
            errors.for_field("factors"),
            Some("Select factors from the list"),
            "the legacy 18A is not offered"
        );
        let (_, lone) = check_content(
            &ContentInput {
                factors: vec!["21".into(), "7A".into()],
                ..ContentInput::default()
            },
            d(2026, 5, 1),
            d(2026, 6, 1),
        );
        assert!(
            lone.for_field("factors")
                .is_some_and(|m| m.contains("No factors identified"))
        );
    }
}

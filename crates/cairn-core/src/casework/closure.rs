//! Closing a child in need episode. The worker asks, with the closure date, the census reason
//! (RC1–RC9) and a summary; a manager authorises or returns the request. Only an authorised
//! request closes the referral.
//!
//! An episode cannot close while work in it is unfinished — an assessment not authorised
//! (census 8867), a section 47 enquiry with neither an initial conference nor an outcome that
//! needs none (8868), an open plan, an open action — and the closure date cannot come before
//! anything recorded in the episode (8565). The same checks run again when the manager
//! authorises, because work may have been added since the request.

use cairn_db::DbConn;
use cairn_db::casework::actions::{self as action_repo, CaseActionRow};
use cairn_db::casework::closures::{self as repo, EpisodeClosureRow};
use cairn_db::casework::work::{self as work_repo, EpisodeRecords};
use cairn_db::front_door::referrals::ReferralRow;
use cairn_db::people::PersonRow;
use cairn_domain::casework::{AssessmentKind, AssessmentStatus, ClosureStatus, ConferenceKind};
use cairn_domain::codes::ReasonForClosure;
use cairn_domain::dates::format_long;
use cairn_domain::ids::EpisodeClosureId;
use cairn_domain::policy::Action;
use cairn_domain::validation::{FieldError, FieldErrors, MAX_TEXT_LEN};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::my_work::needs_icpc;
use super::{may_sign_off, open_episode, record_event};
use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::error::{ServiceError, ServiceResult};
use crate::front_door::event;
use crate::settings::Settings;
use crate::tx;

/// The field under which a refused request lists what is still open.
pub const BLOCKERS_FIELD: &str = "closure";

/// Something that must be finished before the episode can close, and where to finish it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Blocker {
    pub what: String,
    pub href: String,
}

fn assessment_name(kind: &str) -> String {
    AssessmentKind::from_code(kind)
        .map_or_else(|| "assessment".to_string(), |k| k.label().to_lowercase())
}

/// Everything still open in the episode, in the order a worker would tackle it.
pub fn blockers(r: &EpisodeRecords, open_actions: &[CaseActionRow]) -> Vec<Blocker> {
    let mut out = Vec::new();
    for a in r
        .assessments
        .iter()
        .filter(|a| a.status != AssessmentStatus::Authorised.code())
    {
        let status =
            AssessmentStatus::from_code(&a.status).map_or(a.status.as_str(), |s| s.label());
        out.push(Blocker {
            what: format!(
                "The {} started on {} is not authorised ({})",
                assessment_name(&a.kind),
                format_long(a.started_on),
                status.to_lowercase()
            ),
            href: format!("/assessments/{}", a.id),
        });
    }
    for s in &r.section47 {
        let has_icpc = r.conferences.iter().any(|c| {
            c.kind == ConferenceKind::Initial.code() && c.section47_id.as_deref() == Some(&s.id)
        });
        if needs_icpc(s, has_icpc) {
            out.push(Blocker {
                what: format!(
                    "The section 47 enquiry started on {} has no initial child protection conference and no outcome saying one is not needed",
                    format_long(s.started_on)
                ),
                href: format!("/section47/{}", s.id),
            });
        }
    }
    for p in r.cp_plans.iter().filter(|p| p.ended_on.is_none()) {
        out.push(Blocker {
            what: format!(
                "The child protection plan started on {} is still open",
                format_long(p.started_on)
            ),
            href: format!("/cp-plans/{}", p.id),
        });
    }
    for p in r.cin_plans.iter().filter(|p| p.ended_on.is_none()) {
        out.push(Blocker {
            what: format!(
                "The child in need plan started on {} is still open",
                format_long(p.started_on)
            ),
            href: format!("/cin-plans/{}", p.id),
        });
    }
    for a in open_actions.iter().filter(|a| a.status == "open") {
        out.push(Blocker {
            what: format!(
                "The action \u{201c}{}\u{201d} ({}, due {}) is still open",
                a.description,
                a.owner_name,
                format_long(a.due_on)
            ),
            href: format!("/actions/{}", a.id),
        });
    }
    out
}

/// The latest date recorded in the episode, which the closure date may not precede (census
/// 8565), and what it is.
pub fn earliest_closure_date(referral: &ReferralRow, r: &EpisodeRecords) -> (NaiveDate, String) {
    let mut dates: Vec<(NaiveDate, String)> = vec![(referral.referral_date, "referral".into())];
    for a in &r.assessments {
        let name = assessment_name(&a.kind);
        dates.push((a.started_on, format!("start of the {name}")));
        if let Some(on) = a.authorised_on {
            dates.push((on, format!("authorisation of the {name}")));
        }
    }
    for s in &r.section47 {
        dates.push((s.started_on, "start of the section 47 enquiry".into()));
    }
    for c in r
        .conferences
        .iter()
        .filter(|c| c.kind == ConferenceKind::Initial.code())
    {
        dates.push((c.held_on, "initial child protection conference".into()));
    }
    for p in &r.cp_plans {
        if let Some(end) = p.ended_on {
            dates.push((end, "end of the child protection plan".into()));
        }
    }
    for p in &r.cin_plans {
        dates.push((p.started_on, "start of the child in need plan".into()));
        if let Some(end) = p.ended_on {
            dates.push((end, "end of the child in need plan".into()));
        }
    }
    // The first of equal dates keeps the simplest description ("referral" over later ones).
    dates
        .into_iter()
        .reduce(|best, d| if d.0 > best.0 { d } else { best })
        .unwrap_or((referral.referral_date, "referral".into()))
}

/// Why this reason cannot be used for this episode, if it cannot.
fn reason_problem(
    reason: ReasonForClosure,
    r: &EpisodeRecords,
    person: &PersonRow,
) -> Option<String> {
    match reason {
        ReasonForClosure::ClosedAfterAssessmentNoFurtherAction
        | ReasonForClosure::ClosedAfterAssessmentToEarlyHelp => {
            let code = reason.code();
            let has_icpc = r
                .conferences
                .iter()
                .any(|c| c.kind == ConferenceKind::Initial.code());
            if !r.section47.is_empty() || !r.cp_plans.is_empty() || !r.cin_plans.is_empty() || has_icpc
            {
                Some(format!(
                    "{code} cannot be used: the episode has a section 47 enquiry, a child protection conference or plan, or a child in need plan (census rule 2990). Choose another reason"
                ))
            } else if !r
                .assessments
                .iter()
                .any(|a| a.status == AssessmentStatus::Authorised.code())
            {
                Some(format!(
                    "{code} is for an episode closed after an assessment: it needs at least one authorised assessment (census rule 8825Q)"
                ))
            } else {
                None
            }
        }
        ReasonForClosure::Died if person.date_of_death.is_none() => Some(
            "Record the child's date of death on their record before closing for reason RC2 (census rule 8585Q)"
                .into(),
        ),
        _ => None,
    }
}

/// Every reason the episode cannot close on `closed_on` for `reason`: the date (8565), the
/// reason (2990, 8825Q, 8585Q) and each piece of open work, under [`BLOCKERS_FIELD`].
fn problems(
    referral: &ReferralRow,
    r: &EpisodeRecords,
    actions: &[CaseActionRow],
    person: &PersonRow,
    closed_on: NaiveDate,
    reason: ReasonForClosure,
) -> FieldErrors {
    let mut errors = FieldErrors::new();
    let (earliest, what) = earliest_closure_date(referral, r);
    if closed_on < earliest {
        errors.push(
            "closed_on",
            format!(
                "The closure date must be on or after {}, the date of the {what}",
                format_long(earliest)
            ),
        );
    }
    if let Some(problem) = reason_problem(reason, r, person) {
        errors.push("reason", problem);
    }
    // Each open piece of work is its own line, so the worker sees the whole list at once.
    errors
        .0
        .extend(blockers(r, actions).into_iter().map(|b| FieldError {
            field: BLOCKERS_FIELD.into(),
            message: b.what,
        }));
    errors
}

/// A closure request as typed; the date is already parsed by the form or API.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClosureInput {
    pub closed_on: Option<NaiveDate>,
    pub reason: String,
    pub summary: String,
}

fn validate(
    input: &ClosureInput,
    today: NaiveDate,
) -> Result<(NaiveDate, ReasonForClosure, String), FieldErrors> {
    let mut errors = FieldErrors::new();
    match input.closed_on {
        None => errors.push("closed_on", "Enter the date the episode closes"),
        Some(d) if d > today => {
            errors.push("closed_on", "The closure date cannot be in the future")
        }
        Some(_) => {}
    }
    let reason = ReasonForClosure::from_code(input.reason.trim());
    if reason.is_none() {
        errors.push("reason", "Select the reason for closure");
    }
    let summary = input.summary.trim();
    if summary.is_empty() {
        errors.push(
            "summary",
            "Enter a closing summary: what was done and why the episode can close",
        );
    } else if summary.chars().count() > MAX_TEXT_LEN {
        errors.push(
            "summary",
            format!("The summary must be {MAX_TEXT_LEN} characters or fewer"),
        );
    }
    match (input.closed_on, reason) {
        (Some(d), Some(r)) if errors.is_empty() => Ok((d, r, summary.to_string())),
        _ => Err(errors),
    }
}

struct Episode {
    records: EpisodeRecords,
    actions: Vec<CaseActionRow>,
    person: PersonRow,
}

fn load(c: &mut DbConn, referral: &ReferralRow) -> ServiceResult<Episode> {
    Ok(Episode {
        records: work_repo::for_referral(c, &referral.id)?,
        actions: action_repo::for_person(c, &referral.person_id)?
            .into_iter()
            .filter(|a| a.status == "open")
            .collect(),
        person: cairn_db::people::find(c, &referral.person_id)?
            .ok_or(ServiceError::NotFound("The child"))?,
    })
}

/// Asks for the episode to be closed. Refused, listing everything in the way, while work in
/// the episode is unfinished; otherwise the request waits for a manager. Returns its id.
pub fn request(
    conn: &mut DbConn,
    actor: &Actor,
    referral_id: &str,
    input: &ClosureInput,
    today: NaiveDate,
) -> ServiceResult<String> {
    tx::require(conn, actor, Action::RecordCasework)?;
    let (closed_on, reason, summary) = validate(input, today)?;
    tx::write(conn, actor, |c| {
        let referral = open_episode(c, referral_id)?;
        let earlier = repo::for_referrals(c, std::slice::from_ref(&referral.id))?;
        if earlier
            .iter()
            .any(|e| e.status == ClosureStatus::AwaitingAuthorisation.code())
        {
            return Err(ServiceError::Conflict(
                "A request to close this episode is already waiting for a manager".into(),
            ));
        }
        let episode = load(c, &referral)?;
        let errors = problems(
            &referral,
            &episode.records,
            &episode.actions,
            &episode.person,
            closed_on,
            reason,
        );
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let id = EpisodeClosureId::new().to_string();
        let by = actor.author();
        repo::insert(
            c,
            &EpisodeClosureRow {
                id: id.clone(),
                referral_id: referral.id.clone(),
                closed_on,
                reason: reason.code().to_string(),
                summary,
                status: ClosureStatus::AwaitingAuthorisation.code().to_string(),
                requested_by: by,
                requested_at: cairn_db::now(),
                decided_by: None,
                decided_at: None,
                comments: None,
            },
        )?;
        let detail =
            json!({ "referral": referral.id, "closed_on": closed_on, "reason": reason.code() });
        record_event(
            c,
            actor,
            ("episode.closure_requested", "episode.closure_request"),
            ("episode_closure", &id),
            &referral.person_id,
            detail,
        )?;
        Ok(id)
    })
}

/// A manager's decision on a closure request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosureDecision {
    Authorise,
    Return,
}

/// `expected_version` is the referral's version the manager was shown, so two managers
/// deciding at once cannot both act.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClosureReview {
    pub decision: ClosureDecision,
    pub comments: String,
    pub expected_version: i32,
}

/// Authorises a closure request (closing the referral) or returns it to the worker with
/// comments. A manager may not decide on their own request unless settings allow it.
pub fn review(
    conn: &mut DbConn,
    actor: &Actor,
    settings: &Settings,
    closure_id: &str,
    review: &ClosureReview,
    today: NaiveDate,
) -> ServiceResult<ClosureStatus> {
    tx::require(conn, actor, Action::AuthoriseCasework)?;
    let comments = review.comments.trim();
    if review.decision == ClosureDecision::Return && comments.is_empty() {
        return Err(ServiceError::invalid(
            "comments",
            "Enter what needs to change before the episode can close",
        ));
    }
    if comments.chars().count() > MAX_TEXT_LEN {
        return Err(ServiceError::invalid(
            "comments",
            &format!("Comments must be {MAX_TEXT_LEN} characters or fewer"),
        ));
    }
    tx::write(conn, actor, |c| {
        let closure =
            repo::find(c, closure_id)?.ok_or(ServiceError::NotFound("The closure request"))?;
        if closure.status != ClosureStatus::AwaitingAuthorisation.code() {
            return Err(ServiceError::Conflict(
                "This closure request has already been decided".into(),
            ));
        }
        may_sign_off(settings, actor, Some(&closure.requested_by))?;
        let referral = open_episode(c, &closure.referral_id)?;
        let comments = (!comments.is_empty()).then_some(comments);
        let status = match review.decision {
            ClosureDecision::Authorise => authorise(
                c,
                actor,
                &closure,
                &referral,
                review.expected_version,
                comments,
                today,
            )?,
            ClosureDecision::Return => {
                decide(c, &closure, ClosureStatus::Returned, actor, comments)?;
                ClosureStatus::Returned
            }
        };
        let kind = match status {
            ClosureStatus::Authorised => "episode.closure_authorised",
            _ => "episode.closure_returned",
        };
        cairn_db::events::append(
            c,
            &event(
                kind,
                Some(&referral.person_id),
                "episode_closure",
                closure_id,
                actor,
                json!({ "referral": referral.id, "comments": comments }),
            ),
        )?;
        audit_trail::write(
            c,
            actor,
            Record::ok(match status {
                ClosureStatus::Authorised => "episode.closure_authorise",
                _ => "episode.closure_return",
            })
            .on("episode_closure", closure_id)
            .person(&referral.person_id)
            .detail(json!({ "referral": referral.id })),
        )?;
        Ok(status)
    })
}

fn decide(
    c: &mut DbConn,
    closure: &EpisodeClosureRow,
    status: ClosureStatus,
    actor: &Actor,
    comments: Option<&str>,
) -> ServiceResult<()> {
    if !repo::decide(
        c,
        &closure.id,
        status.code(),
        &actor.author(),
        cairn_db::now(),
        comments,
    )? {
        return Err(ServiceError::Conflict(
            "Another manager decided on this closure request first".into(),
        ));
    }
    Ok(())
}

fn authorise(
    c: &mut DbConn,
    actor: &Actor,
    closure: &EpisodeClosureRow,
    referral: &ReferralRow,
    expected_version: i32,
    comments: Option<&str>,
    today: NaiveDate,
) -> ServiceResult<ClosureStatus> {
    let reason = ReasonForClosure::from_code(&closure.reason)
        .ok_or_else(|| ServiceError::Internal("a closure request has an unknown reason".into()))?;
    if closure.closed_on > today {
        return Err(ServiceError::Conflict(
            "The closure date is in the future: return the request so the worker can correct it"
                .into(),
        ));
    }
    let episode = load(c, referral)?;
    let errors = problems(
        referral,
        &episode.records,
        &episode.actions,
        &episode.person,
        closure.closed_on,
        reason,
    );
    if !errors.is_empty() {
        let list: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
        return Err(ServiceError::Conflict(format!(
            "The episode cannot close now: {}. Return the request to the worker.",
            list.join("; ")
        )));
    }
    decide(c, closure, ClosureStatus::Authorised, actor, comments)?;
    if !repo::close_referral(
        c,
        &referral.id,
        expected_version,
        closure.closed_on,
        reason.code(),
    )? {
        return Err(ServiceError::Conflict(
            "The episode changed while you were looking at it: open it again to see what changed"
                .into(),
        ));
    }
    cairn_db::events::append(
        c,
        &event(
            "referral.closed",
            Some(&referral.person_id),
            "referral",
            &referral.id,
            actor,
            json!({ "closed_on": closure.closed_on, "reason": reason.code() }),
        ),
    )?;
    Ok(ClosureStatus::Authorised)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn the_request_needs_a_past_date_a_reason_and_a_summary() {
        let today = d(2026, 3, 10);
        let errors = validate(
            &ClosureInput {
                closed_on: Some(d(2026, 3, 11)),
                reason: "RC10".into(),
                summary: "  ".into(),
            },
            today,
        )
        .err()
        .unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["closed_on", "reason", "summary"]);
        let ok = validate(
            &ClosureInput {
                closed_on: Some(today),
                reason: "RC7".into(),
                summary: "Support from school is enough.".into(),
            },
            today,
        );
        assert_eq!(ok.map(|(_, r, _)| r), Ok(ReasonForClosure::ServicesCeased));
    }
}

//! Child protection plans (core group, its meetings, actions, review conferences, the end) and
//! child in need plans (actions, reviews, the end), each with what is due next: the first core
//! group, the next review and the next statutory visit, every date with how it was worked out.
//!
//! A child has at most one open plan of each kind, and never both at once (census 4001,
//! 8935); one may start on the day the other ends.

use cairn_db::DbConn;
use cairn_db::casework::actions::CaseActionRow;
use cairn_db::casework::cin_plans::{self as cin_repo, CinPlanReviewRow, CinPlanRow};
use cairn_db::casework::conferences::{self as conference_repo, ConferenceRow};
use cairn_db::casework::cp_plans::{
    self as cp_repo, CoreGroupMeetingRow, CoreGroupMemberRow, CpPlanRow,
};
use cairn_db::front_door::referrals::{self as referral_repo, ReferralRow};
use cairn_domain::calendar::Calendar;
use cairn_domain::casework::timescales::{Due, PlanKind, TimescaleProfile};
use cairn_domain::casework::{
    ActionSource, Agency, CinPlanEndReason, CinPlanReviewDecision, CpPlanEndReason,
};
use cairn_domain::dates::format_long;
use cairn_domain::ids::CinPlanId;
use cairn_domain::policy::Action;
use cairn_domain::validation::{FieldErrors, MAX_NAME_LEN, MAX_TEXT_LEN, clean_line, clean_text};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::actions::{self, ActionInput};
use super::conferences::{
    Participant, PersonInRole, Timeliness, change_record, check_date, child_summary, episode_list,
    episode_person, member_rows, one_open_plan, read_record, refuse_ended, stale,
};
use super::{Timescales, open_episode, record_event, today};
use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::search::PersonSummary;
use crate::tx;

const CP_PLAN: &str = "The child protection plan";
const CIN_PLAN: &str = "The child in need plan";

/// The date in England of the latest visit at which the child was seen.
fn latest_seen_visit(c: &mut DbConn, person_id: &str) -> ServiceResult<Option<NaiveDate>> {
    Ok(cp_repo::latest_seen_visit(c, person_id)?
        .map(|t| cairn_domain::thresholds::date_in_england(crate::front_door::utc(t))))
}

fn profile_for<'a>(
    c: &mut DbConn,
    timescales: &'a Timescales,
    referral_id: &str,
) -> ServiceResult<(&'a TimescaleProfile, ReferralRow)> {
    let referral =
        referral_repo::find(c, referral_id)?.ok_or(ServiceError::NotFound("The referral"))?;
    Ok((timescales.for_referral(referral.referral_date), referral))
}

// ---- child protection plans: reading ----

/// A review conference with the date it was due by and whether it was held in time.
#[derive(Clone, Debug, Serialize)]
pub struct ReviewLine {
    pub conference: ConferenceRow,
    pub due: Due,
    pub timeliness: Timeliness,
}

#[derive(Clone, Debug, Serialize)]
pub struct CpPlanView {
    pub plan: CpPlanRow,
    pub child: PersonSummary,
    pub referral_date: NaiveDate,
    /// The timescales the plan is measured against.
    pub timescales: String,
    pub initial_conference: Option<ConferenceRow>,
    pub core_group: Vec<CoreGroupMemberRow>,
    pub meetings: Vec<CoreGroupMeetingRow>,
    pub first_core_group_due: Due,
    /// Whether the first core group met in time (or is still to meet).
    pub first_core_group: Timeliness,
    pub actions: Vec<CaseActionRow>,
    pub reviews: Vec<ReviewLine>,
    /// None once the plan has ended.
    pub next_review: Option<Due>,
    pub latest_seen_visit: Option<NaiveDate>,
    /// None once the plan has ended.
    pub next_visit: Option<Due>,
}

/// Each review against the date it was due (from the ICPC, then from the review before), and
/// the next one due while the plan is open.
fn review_lines(
    profile: &TimescaleProfile,
    calendar: &Calendar,
    plan: &CpPlanRow,
    reviews: Vec<ConferenceRow>,
) -> (Vec<ReviewLine>, Option<Due>) {
    let mut previous = None;
    let mut lines = Vec::new();
    for conference in reviews {
        let due = profile.review_conference_due(plan.started_on, previous);
        let timeliness = Timeliness::of(calendar, due.date, Some(conference.held_on), today());
        previous =
            Some(previous.map_or(conference.held_on, |p: NaiveDate| p.max(conference.held_on)));
        lines.push(ReviewLine {
            conference,
            due,
            timeliness,
        });
    }
    let next = plan
        .ended_on
        .is_none()
        .then(|| profile.review_conference_due(plan.started_on, previous));
    (lines, next)
}

fn latest_review(c: &mut DbConn, plan_id: &str) -> ServiceResult<Option<NaiveDate>> {
    Ok(conference_repo::reviews_for_plan(c, plan_id)?
        .iter()
        .map(|r| r.held_on)
        .max())
}

pub fn view_cp_plan(
    conn: &mut DbConn,
    actor: &Actor,
    cp_plan_id: &str,
) -> ServiceResult<CpPlanView> {
    read_record(
        conn,
        actor,
        Action::ViewCasework,
        ("cp_plan.view", "cp_plan", cp_plan_id),
        CP_PLAN,
        |c| cp_repo::find(c, cp_plan_id),
        |c, plan| {
            let timescales = Timescales::load(c)?;
            let (profile, referral) = profile_for(c, &timescales, &plan.referral_id)?;
            let calendar = &timescales.calendar;
            let meetings = cp_repo::meetings(c, &plan.id)?;
            let first_core_group_due = profile.first_core_group_due(calendar, plan.started_on);
            let first_core_group = Timeliness::of(
                calendar,
                first_core_group_due.date,
                meetings.first().map(|m| m.held_on),
                today(),
            );
            let reviews = conference_repo::reviews_for_plan(c, &plan.id)?;
            let (reviews, next_review) = review_lines(profile, calendar, &plan, reviews);
            let latest_seen = latest_seen_visit(c, &plan.person_id)?;
            let next_visit = plan.ended_on.is_none().then(|| {
                profile.visit_due(
                    calendar,
                    PlanKind::ChildProtection,
                    plan.started_on,
                    latest_seen,
                )
            });
            Ok(CpPlanView {
                child: child_summary(c, &plan.person_id)?,
                referral_date: referral.referral_date,
                timescales: profile.name.clone(),
                initial_conference: conference_repo::find(c, &plan.initial_conference_id)?,
                core_group: cp_repo::members(c, &plan.id)?,
                meetings,
                first_core_group_due,
                first_core_group,
                actions: actions::for_source(c, ActionSource::CpPlan, &plan.id)?,
                reviews,
                next_review,
                latest_seen_visit: latest_seen,
                next_visit,
                plan,
            })
        },
    )
}

// ---- child protection plans: changes ----

/// Runs a change to an open-or-closed plan: the actor must be able to record casework on the
/// child; `f` gets the plan as it is inside the transaction.
fn change_cp_plan<T>(
    conn: &mut DbConn,
    actor: &Actor,
    cp_plan_id: &str,
    f: impl FnOnce(&mut DbConn, CpPlanRow) -> ServiceResult<T>,
) -> ServiceResult<T> {
    change_record(conn, actor, CP_PLAN, |c| cp_repo::find(c, cp_plan_id), f)
}

/// Adds someone to an open plan's core group. Errors are on `name`, `agency` and `role`.
pub fn add_core_group_member(
    conn: &mut DbConn,
    actor: &Actor,
    cp_plan_id: &str,
    input: &PersonInRole,
) -> ServiceResult<String> {
    change_cp_plan(conn, actor, cp_plan_id, |c, plan| {
        refuse_ended(&plan)?;
        let mut errors = FieldErrors::new();
        let member = check_member(input, &mut errors);
        let (Some(member), true) = (member, errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        let rows = member_rows(&plan.id, std::slice::from_ref(&member));
        cp_repo::insert_members(c, &rows)?;
        let id = rows.first().map(|r| r.id.clone()).unwrap_or_default();
        record_event(
            c,
            actor,
            ("cp_plan.core_group_joined", "cp_plan.core_group_add"),
            ("cp_plan", &plan.id),
            &plan.person_id,
            json!({ "member_id": id, "agency": member.agency.code() }),
        )?;
        Ok(id)
    })
}

fn check_member(input: &PersonInRole, errors: &mut FieldErrors) -> Option<Participant> {
    let name = clean_line("name", "Name", &input.name, MAX_NAME_LEN, true, errors);
    let agency = Agency::from_code(input.agency.trim());
    if agency.is_none() {
        errors.push("agency", "Select their agency");
    }
    let role =
        clean_line("role", "Role", &input.role, MAX_NAME_LEN, false, errors).unwrap_or_default();
    Some(Participant {
        name: name?,
        agency: agency?,
        role,
    })
}

/// A core group meeting as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeetingInput {
    pub held_on: Option<NaiveDate>,
    pub summary: String,
}

/// Records a core group meeting: on or after the plan started, and not after it ended.
pub fn record_core_group_meeting(
    conn: &mut DbConn,
    actor: &Actor,
    cp_plan_id: &str,
    input: &MeetingInput,
) -> ServiceResult<String> {
    change_cp_plan(conn, actor, cp_plan_id, |c, plan| {
        let mut errors = FieldErrors::new();
        let before = format!(
            "A core group meeting cannot be before the plan started on {}",
            format_long(plan.started_on)
        );
        let held_on = check_date(
            "held_on",
            "the date the core group met",
            input.held_on,
            Some((plan.started_on, &before)),
            today(),
            &mut errors,
        );
        if let (Some(held), Some(end)) = (held_on, plan.ended_on)
            && held > end
        {
            errors.push(
                "held_on",
                format!(
                    "The plan ended on {}: a core group meeting cannot be after that",
                    format_long(end)
                ),
            );
        }
        let summary = clean_text(
            "summary",
            "A summary of the meeting",
            &input.summary,
            MAX_TEXT_LEN,
            true,
            &mut errors,
        );
        let (Some(held_on), Some(summary), true) = (held_on, summary, errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        let id = uuid::Uuid::now_v7().to_string();
        cp_repo::insert_meeting(
            c,
            &CoreGroupMeetingRow {
                id: id.clone(),
                cp_plan_id: plan.id.clone(),
                held_on,
                summary,
                created_at: cairn_db::now(),
                created_by: actor.author(),
            },
        )?;
        record_event(
            c,
            actor,
            ("cp_plan.core_group_met", "cp_plan.core_group_meeting"),
            ("cp_plan", &plan.id),
            &plan.person_id,
            json!({ "meeting_id": id, "held_on": held_on }),
        )?;
        Ok(id)
    })
}

fn checked_actions(rows: &[ActionInput]) -> ServiceResult<Vec<ActionInput>> {
    let mut errors = FieldErrors::new();
    let kept = actions::validate("actions", rows, &mut errors);
    if kept.is_empty() && errors.is_empty() {
        errors.push("actions-1-description", "Enter at least one action");
    }
    errors.into_result(kept).map_err(ServiceError::Invalid)
}

/// Adds actions (who will do what by when) to an open plan.
pub fn add_cp_actions(
    conn: &mut DbConn,
    actor: &Actor,
    cp_plan_id: &str,
    rows: &[ActionInput],
) -> ServiceResult<Vec<String>> {
    change_cp_plan(conn, actor, cp_plan_id, |c, plan| {
        refuse_ended(&plan)?;
        let kept = checked_actions(rows)?;
        actions::insert_all(
            c,
            actor,
            &plan.person_id,
            ActionSource::CpPlan,
            &plan.id,
            &kept,
        )
    })
}

/// The end of a plan as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EndInput {
    pub ended_on: Option<NaiveDate>,
    pub reason: String,
    /// The plan's version when the form was shown.
    pub version: i32,
}

/// An end date after the start (census 8925/8840 and 4011/4012) and not in the future.
fn check_end_date(
    input: &EndInput,
    started_on: NaiveDate,
    errors: &mut FieldErrors,
) -> Option<NaiveDate> {
    let before = format!(
        "The plan cannot end before it started on {}",
        format_long(started_on)
    );
    let ended_on = check_date(
        "ended_on",
        "the date the plan ended",
        input.ended_on,
        Some((started_on, &before)),
        today(),
        errors,
    )?;
    if ended_on == started_on {
        errors.push(
            "ended_on",
            format!(
                "A plan cannot end on the day it started ({}): the census does not accept it",
                format_long(started_on)
            ),
        );
        return None;
    }
    Some(ended_on)
}

/// Ends an open plan (a move away, becoming looked after, turning 18, …). A review conference
/// that decides to end the plan ends it instead, through [`super::conferences::record_review`].
pub fn end_cp_plan(
    conn: &mut DbConn,
    actor: &Actor,
    cp_plan_id: &str,
    input: &EndInput,
) -> ServiceResult<()> {
    change_cp_plan(conn, actor, cp_plan_id, |c, plan| {
        refuse_ended(&plan)?;
        let mut errors = FieldErrors::new();
        let ended_on = check_end_date(input, plan.started_on, &mut errors);
        if let (Some(end), Some(review)) = (ended_on, latest_review(c, &plan.id)?)
            && end < review
        {
            errors.push(
                "ended_on",
                format!(
                    "The plan cannot end before its last review conference on {}",
                    format_long(review)
                ),
            );
        }
        let reason = CpPlanEndReason::from_code(input.reason.trim());
        if reason.is_none() {
            errors.push("reason", "Select why the plan ended");
        }
        let (Some(ended_on), Some(reason), true) = (ended_on, reason, errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        if !cp_repo::end(c, &plan.id, input.version, ended_on, reason.code())? {
            return Err(stale("plan"));
        }
        record_event(
            c,
            actor,
            ("cp_plan.ended", "cp_plan.end"),
            ("cp_plan", &plan.id),
            &plan.person_id,
            json!({ "ended_on": ended_on, "reason": reason.code() }),
        )
    })
}

// ---- child in need plans ----

/// What the "start a child in need plan" form needs to show.
#[derive(Clone, Debug, Serialize)]
pub struct CinPlanForm {
    pub referral: ReferralRow,
    pub child: PersonSummary,
    pub open_cp_plan: Option<CpPlanRow>,
    pub open_cin_plan: Option<CinPlanRow>,
}

pub fn cin_plan_form(
    conn: &mut DbConn,
    actor: &Actor,
    referral_id: &str,
) -> ServiceResult<CinPlanForm> {
    read_record(
        conn,
        actor,
        Action::RecordCasework,
        ("cin_plan.form", "referral", referral_id),
        "The referral",
        |c| referral_repo::find(c, referral_id),
        |c, referral| {
            Ok(CinPlanForm {
                child: child_summary(c, &referral.person_id)?,
                open_cp_plan: cp_repo::open_for_person(c, &referral.person_id)?,
                open_cin_plan: cin_repo::open_for_person(c, &referral.person_id)?,
                referral,
            })
        },
    )
}

/// A child in need plan as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CinPlanInput {
    pub started_on: Option<NaiveDate>,
    pub actions: Vec<ActionInput>,
}

/// A new plan may not start inside a child protection plan (it may on the day one ended), nor
/// run into one that started later, nor into another child in need plan (census 4001, 4016,
/// 4014).
fn check_cin_start(
    c: &mut DbConn,
    person_id: &str,
    start: NaiveDate,
    errors: &mut FieldErrors,
) -> ServiceResult<()> {
    for cp in cp_repo::for_person(c, person_id)? {
        match cp.ended_on {
            None => {
                return Err(ServiceError::Conflict(format!(
                    "This child has an open child protection plan, started on {}. A child in need plan can start on the day that plan ends: end it first.",
                    format_long(cp.started_on)
                )));
            }
            Some(end) if start >= cp.started_on && start < end => errors.push(
                "started_on",
                format!(
                    "The child was on a child protection plan from {} to {}: a child in need plan can start on {} or later",
                    format_long(cp.started_on),
                    format_long(end),
                    format_long(end)
                ),
            ),
            Some(_) if start < cp.started_on => errors.push(
                "started_on",
                format!(
                    "A plan starting then would overlap the child protection plan that started on {}",
                    format_long(cp.started_on)
                ),
            ),
            Some(_) => {}
        }
    }
    for cin in cin_repo::for_person(c, person_id)? {
        match cin.ended_on {
            None => {
                return Err(ServiceError::Conflict(format!(
                    "This child already has an open child in need plan, started on {}.",
                    format_long(cin.started_on)
                )));
            }
            Some(end) if start < end => errors.push(
                "started_on",
                format!(
                    "The child's earlier child in need plan ran until {}: a new one cannot start before then",
                    format_long(end)
                ),
            ),
            Some(_) => {}
        }
    }
    Ok(())
}

/// Starts a child in need plan in an open episode, with its first actions.
pub fn start_cin_plan(
    conn: &mut DbConn,
    actor: &Actor,
    referral_id: &str,
    input: &CinPlanInput,
) -> ServiceResult<String> {
    let person = episode_person(conn, referral_id)?;
    tx::require_on_person(conn, actor, Action::RecordCasework, &person)?;
    tx::write(conn, actor, |c| {
        let referral = open_episode(c, referral_id)?;
        let mut errors = FieldErrors::new();
        let before = format!(
            "The plan cannot start before the referral on {}",
            format_long(referral.referral_date)
        );
        let started_on = check_date(
            "started_on",
            "the date the plan started",
            input.started_on,
            Some((referral.referral_date, &before)),
            today(),
            &mut errors,
        );
        if let Some(start) = started_on {
            check_cin_start(c, &referral.person_id, start, &mut errors)?;
        }
        let kept = actions::validate("actions", &input.actions, &mut errors);
        let (Some(started_on), true) = (started_on, errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        let id = CinPlanId::new().to_string();
        cin_repo::insert(
            c,
            &CinPlanRow {
                id: id.clone(),
                referral_id: referral.id.clone(),
                person_id: referral.person_id.clone(),
                started_on,
                ended_on: None,
                end_reason: None,
                version: 1,
                created_at: cairn_db::now(),
                created_by: actor.author(),
            },
        )
        .map_err(|e| one_open_plan(e, "child in need plan"))?;
        record_event(
            c,
            actor,
            ("cin_plan.started", "cin_plan.start"),
            ("cin_plan", &id),
            &referral.person_id,
            json!({ "started_on": started_on, "referral_id": referral.id }),
        )?;
        actions::insert_all(
            c,
            actor,
            &referral.person_id,
            ActionSource::CinPlan,
            &id,
            &kept,
        )?;
        Ok(id)
    })
}

/// A child in need plan review with the date it was due by.
#[derive(Clone, Debug, Serialize)]
pub struct CinReviewLine {
    pub review: CinPlanReviewRow,
    pub due: Due,
    pub timeliness: Timeliness,
}

#[derive(Clone, Debug, Serialize)]
pub struct CinPlanView {
    pub plan: CinPlanRow,
    pub child: PersonSummary,
    pub referral_date: NaiveDate,
    pub timescales: String,
    pub actions: Vec<CaseActionRow>,
    pub reviews: Vec<CinReviewLine>,
    /// None once the plan has ended.
    pub next_review: Option<Due>,
    pub latest_seen_visit: Option<NaiveDate>,
    /// None once the plan has ended.
    pub next_visit: Option<Due>,
}

fn cin_review_lines(
    profile: &TimescaleProfile,
    calendar: &Calendar,
    plan: &CinPlanRow,
    reviews: Vec<CinPlanReviewRow>,
) -> (Vec<CinReviewLine>, Option<Due>) {
    let mut previous: Option<NaiveDate> = None;
    let mut lines = Vec::new();
    for review in reviews {
        let due = profile.cin_review_due(plan.started_on, previous);
        let timeliness = Timeliness::of(calendar, due.date, Some(review.held_on), today());
        previous = Some(previous.map_or(review.held_on, |p| p.max(review.held_on)));
        lines.push(CinReviewLine {
            review,
            due,
            timeliness,
        });
    }
    let next = plan
        .ended_on
        .is_none()
        .then(|| profile.cin_review_due(plan.started_on, previous));
    (lines, next)
}

pub fn view_cin_plan(
    conn: &mut DbConn,
    actor: &Actor,
    cin_plan_id: &str,
) -> ServiceResult<CinPlanView> {
    read_record(
        conn,
        actor,
        Action::ViewCasework,
        ("cin_plan.view", "cin_plan", cin_plan_id),
        CIN_PLAN,
        |c| cin_repo::find(c, cin_plan_id),
        |c, plan| {
            let timescales = Timescales::load(c)?;
            let (profile, referral) = profile_for(c, &timescales, &plan.referral_id)?;
            let calendar = &timescales.calendar;
            let reviews = cin_repo::reviews(c, &plan.id)?;
            let (reviews, next_review) = cin_review_lines(profile, calendar, &plan, reviews);
            let latest_seen = latest_seen_visit(c, &plan.person_id)?;
            let next_visit = plan.ended_on.is_none().then(|| {
                profile.visit_due(
                    calendar,
                    PlanKind::ChildInNeed,
                    plan.started_on,
                    latest_seen,
                )
            });
            Ok(CinPlanView {
                child: child_summary(c, &plan.person_id)?,
                referral_date: referral.referral_date,
                timescales: profile.name.clone(),
                actions: actions::for_source(c, ActionSource::CinPlan, &plan.id)?,
                reviews,
                next_review,
                latest_seen_visit: latest_seen,
                next_visit,
                plan,
            })
        },
    )
}

fn change_cin_plan<T>(
    conn: &mut DbConn,
    actor: &Actor,
    cin_plan_id: &str,
    f: impl FnOnce(&mut DbConn, CinPlanRow) -> ServiceResult<T>,
) -> ServiceResult<T> {
    change_record(conn, actor, CIN_PLAN, |c| cin_repo::find(c, cin_plan_id), f)
}

fn refuse_cin_ended(plan: &CinPlanRow) -> ServiceResult<()> {
    match plan.ended_on {
        Some(d) => Err(ServiceError::Conflict(format!(
            "This child in need plan ended on {}.",
            format_long(d)
        ))),
        None => Ok(()),
    }
}

/// A child in need plan review as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CinReviewInput {
    pub held_on: Option<NaiveDate>,
    /// continue_plan, end_plan or step_up.
    pub decision: String,
    pub summary: String,
    /// The plan's version when the form was shown.
    pub version: i32,
}

/// Records a review of an open plan; a decision to end it ends it on the review date.
pub fn record_cin_review(
    conn: &mut DbConn,
    actor: &Actor,
    cin_plan_id: &str,
    input: &CinReviewInput,
) -> ServiceResult<String> {
    change_cin_plan(conn, actor, cin_plan_id, |c, plan| {
        refuse_cin_ended(&plan)?;
        let mut errors = FieldErrors::new();
        let before = format!(
            "A review cannot be before the plan started on {}",
            format_long(plan.started_on)
        );
        let held_on = check_date(
            "held_on",
            "the date of the review",
            input.held_on,
            Some((plan.started_on, &before)),
            today(),
            &mut errors,
        );
        let decision = CinPlanReviewDecision::from_code(input.decision.trim());
        if decision.is_none() {
            errors.push("decision", "Select what the review decided");
        }
        let ends = decision == Some(CinPlanReviewDecision::EndPlan);
        if ends && held_on == Some(plan.started_on) {
            errors.push(
                "held_on",
                "A plan cannot end on the day it started: the census does not accept it",
            );
        }
        let summary = clean_text(
            "summary",
            "A summary of the review",
            &input.summary,
            MAX_TEXT_LEN,
            true,
            &mut errors,
        );
        let (Some(held_on), Some(decision), Some(summary), true) =
            (held_on, decision, summary, errors.is_empty())
        else {
            return Err(ServiceError::Invalid(errors));
        };
        let reason = CinPlanEndReason::NoLongerInNeed.code();
        if !cin_repo::advance(
            c,
            &plan.id,
            input.version,
            ends.then_some((held_on, reason)),
        )? {
            return Err(stale("plan"));
        }
        let id = uuid::Uuid::now_v7().to_string();
        cin_repo::insert_review(
            c,
            &CinPlanReviewRow {
                id: id.clone(),
                cin_plan_id: plan.id.clone(),
                held_on,
                decision: decision.code().to_string(),
                summary,
                created_at: cairn_db::now(),
                created_by: actor.author(),
            },
        )?;
        record_event(
            c,
            actor,
            ("cin_plan.reviewed", "cin_plan.review"),
            ("cin_plan", &plan.id),
            &plan.person_id,
            json!({ "review_id": id, "held_on": held_on, "decision": decision.code() }),
        )?;
        if ends {
            record_event(
                c,
                actor,
                ("cin_plan.ended", "cin_plan.end"),
                ("cin_plan", &plan.id),
                &plan.person_id,
                json!({ "ended_on": held_on, "reason": reason }),
            )?;
        }
        Ok(id)
    })
}

/// Adds actions to an open child in need plan.
pub fn add_cin_actions(
    conn: &mut DbConn,
    actor: &Actor,
    cin_plan_id: &str,
    rows: &[ActionInput],
) -> ServiceResult<Vec<String>> {
    change_cin_plan(conn, actor, cin_plan_id, |c, plan| {
        refuse_cin_ended(&plan)?;
        let kept = checked_actions(rows)?;
        actions::insert_all(
            c,
            actor,
            &plan.person_id,
            ActionSource::CinPlan,
            &plan.id,
            &kept,
        )
    })
}

/// Ends an open child in need plan.
pub fn end_cin_plan(
    conn: &mut DbConn,
    actor: &Actor,
    cin_plan_id: &str,
    input: &EndInput,
) -> ServiceResult<()> {
    change_cin_plan(conn, actor, cin_plan_id, |c, plan| {
        refuse_cin_ended(&plan)?;
        let mut errors = FieldErrors::new();
        let ended_on = check_end_date(input, plan.started_on, &mut errors);
        let reason = CinPlanEndReason::from_code(input.reason.trim());
        if reason.is_none() {
            errors.push("reason", "Select why the plan ended");
        }
        let (Some(ended_on), Some(reason), true) = (ended_on, reason, errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        if !cin_repo::advance(c, &plan.id, input.version, Some((ended_on, reason.code())))? {
            return Err(stale("plan"));
        }
        record_event(
            c,
            actor,
            ("cin_plan.ended", "cin_plan.end"),
            ("cin_plan", &plan.id),
            &plan.person_id,
            json!({ "ended_on": ended_on, "reason": reason.code() }),
        )
    })
}

// ---- lists for other pages ----

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CpPlanSummary {
    pub id: String,
    pub person_id: String,
    pub referral_id: String,
    pub started_on: NaiveDate,
    pub initial_category: String,
    pub latest_category: String,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
}

impl CpPlanSummary {
    fn of(p: CpPlanRow) -> Self {
        CpPlanSummary {
            id: p.id,
            person_id: p.person_id,
            referral_id: p.referral_id,
            started_on: p.started_on,
            initial_category: p.initial_category,
            latest_category: p.latest_category,
            ended_on: p.ended_on,
            end_reason: p.end_reason,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CinPlanSummary {
    pub id: String,
    pub person_id: String,
    pub referral_id: String,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
}

impl CinPlanSummary {
    fn of(p: CinPlanRow) -> Self {
        CinPlanSummary {
            id: p.id,
            person_id: p.person_id,
            referral_id: p.referral_id,
            started_on: p.started_on,
            ended_on: p.ended_on,
            end_reason: p.end_reason,
        }
    }
}

/// The child protection plans of an episode, earliest first.
pub fn cp_plans_for_episode(
    conn: &mut DbConn,
    actor: &Actor,
    referral_id: &str,
) -> ServiceResult<Vec<CpPlanSummary>> {
    episode_list(
        conn,
        actor,
        "cp_plans.list",
        referral_id,
        cp_repo::for_episode,
        CpPlanSummary::of,
    )
}

/// The child in need plans of an episode, earliest first.
pub fn cin_plans_for_episode(
    conn: &mut DbConn,
    actor: &Actor,
    referral_id: &str,
) -> ServiceResult<Vec<CinPlanSummary>> {
    episode_list(
        conn,
        actor,
        "cin_plans.list",
        referral_id,
        cin_repo::for_episode,
        CinPlanSummary::of,
    )
}

/// A child's open plan and what is due on it next.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CurrentPlan {
    pub id: String,
    pub referral_id: String,
    pub started_on: NaiveDate,
    /// The latest category of abuse, for a child protection plan.
    pub category: Option<String>,
    pub next_visit: Due,
    pub next_review: Due,
}

/// The child's open plans, if any: at most one of each kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CurrentPlans {
    pub child_protection: Option<CurrentPlan>,
    pub child_in_need: Option<CurrentPlan>,
}

/// The child's open plans with their next visit and review due. For use inside another
/// service's read transaction: it neither checks permission nor writes an audit row, so the
/// caller must do both.
pub fn current_plans_for_person(c: &mut DbConn, person_id: &str) -> ServiceResult<CurrentPlans> {
    let cp = cp_repo::open_for_person(c, person_id)?;
    let cin = cin_repo::open_for_person(c, person_id)?;
    if cp.is_none() && cin.is_none() {
        return Ok(CurrentPlans::default());
    }
    let timescales = Timescales::load(c)?;
    let latest_seen = latest_seen_visit(c, person_id)?;
    let child_protection = match cp {
        Some(plan) => {
            let (profile, _) = profile_for(c, &timescales, &plan.referral_id)?;
            let latest = latest_review(c, &plan.id)?;
            Some(CurrentPlan {
                next_visit: profile.visit_due(
                    &timescales.calendar,
                    PlanKind::ChildProtection,
                    plan.started_on,
                    latest_seen,
                ),
                next_review: profile.review_conference_due(plan.started_on, latest),
                category: Some(plan.latest_category),
                id: plan.id,
                referral_id: plan.referral_id,
                started_on: plan.started_on,
            })
        }
        None => None,
    };
    let child_in_need = match cin {
        Some(plan) => {
            let (profile, _) = profile_for(c, &timescales, &plan.referral_id)?;
            let latest = cin_repo::reviews(c, &plan.id)?
                .iter()
                .map(|r| r.held_on)
                .max();
            Some(CurrentPlan {
                next_visit: profile.visit_due(
                    &timescales.calendar,
                    PlanKind::ChildInNeed,
                    plan.started_on,
                    latest_seen,
                ),
                next_review: profile.cin_review_due(plan.started_on, latest),
                category: None,
                id: plan.id,
                referral_id: plan.referral_id,
                started_on: plan.started_on,
            })
        }
        None => None,
    };
    Ok(CurrentPlans {
        child_protection,
        child_in_need,
    })
}

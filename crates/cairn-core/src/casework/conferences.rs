//! Child protection conferences: the initial conference (ICPC) after a section 47 enquiry,
//! which may start a child protection plan, and the review conferences of a plan.
//!
//! The census ties these together: an ICPC is on a weekday (8875) and not before the enquiry
//! started (8615); a plan starts on the date of its ICPC (2885); a child has at most one open
//! plan (8935); a review is after the plan started (8841).

use cairn_db::DbConn;
use cairn_db::casework::actions::CaseActionRow;
use cairn_db::casework::cin_plans::{self as cin_repo, CinPlanRow};
use cairn_db::casework::conferences::{self as repo, AttendeeRow, ConferenceRow, Section47Facts};
use cairn_db::casework::cp_plans::{self as cp_repo, CoreGroupMemberRow, CpPlanRow};
use cairn_db::front_door::referrals::{self as referral_repo, ReferralRow};
use cairn_domain::calendar::Calendar;
use cairn_domain::casework::timescales::Due;
use cairn_domain::casework::{
    ActionSource, Agency, CinPlanEndReason, ConferenceDecision, ConferenceKind, CpPlanEndReason,
    Section47Outcome,
};
use cairn_domain::codes::CategoryOfAbuse;
use cairn_domain::dates::format_long;
use cairn_domain::ids::{ConferenceId, CpPlanId};
use cairn_domain::policy::Action;
use cairn_domain::validation::{FieldErrors, MAX_NAME_LEN, MAX_TEXT_LEN, clean_line, clean_text};
use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::actions::{self, ActionInput};
use super::{Timescales, audit_after_read, open_episode, record_event, today};
use crate::actor::Actor;
use crate::audit_trail::Record;
use crate::error::{ServiceError, ServiceResult};
use crate::front_door::event;
use crate::search::PersonSummary;
use crate::tx;

/// Whether something due on a date was done in time, or is still to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "working_days", rename_all = "snake_case")]
pub enum Timeliness {
    /// Done on or before the due date.
    WithinTarget,
    /// Done this many working days after the due date (0 when the due date fell on a
    /// non-working day and it was done before the next one).
    Late(i64),
    /// Not done, and not yet due.
    NotYetDue,
    /// Not done, and the due date has passed by this many working days.
    Overdue(i64),
}

impl Timeliness {
    pub fn of(
        calendar: &Calendar,
        due: NaiveDate,
        done: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Self {
        match done {
            Some(d) if d <= due => Timeliness::WithinTarget,
            Some(d) => Timeliness::Late(calendar.working_days_between(due, d)),
            None if today <= due => Timeliness::NotYetDue,
            None => Timeliness::Overdue(calendar.working_days_between(due, today)),
        }
    }

    /// "Within target", "1 working day late", "Not yet due", "3 working days overdue".
    pub fn describe(&self) -> String {
        let days = |n: i64| {
            if n == 1 {
                "1 working day".to_string()
            } else {
                format!("{n} working days")
            }
        };
        match self {
            Timeliness::WithinTarget => "Within target".into(),
            Timeliness::Late(n) if *n > 0 => format!("{} late", days(*n)),
            Timeliness::Late(_) => "Late".into(),
            Timeliness::NotYetDue => "Not yet due".into(),
            Timeliness::Overdue(n) if *n > 0 => format!("{} overdue", days(*n)),
            Timeliness::Overdue(_) => "Overdue".into(),
        }
    }

    pub fn is_late(&self) -> bool {
        matches!(self, Timeliness::Late(_) | Timeliness::Overdue(_))
    }
}

/// Someone at a conference or in a core group, as typed. A row left wholly blank is a
/// form's spare row and is dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PersonInRole {
    pub name: String,
    pub agency: String,
    pub role: String,
}

impl PersonInRole {
    fn is_blank(&self) -> bool {
        self.name.trim().is_empty() && self.agency.trim().is_empty() && self.role.trim().is_empty()
    }
}

/// A checked [`PersonInRole`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Participant {
    pub name: String,
    pub agency: Agency,
    pub role: String,
}

/// Checks rows of people; errors go on `{prefix}-{n}-name`, `-agency` and `-role`, n from 1,
/// and call each row "{noun} {n}".
pub fn validate_people(
    prefix: &str,
    noun: &str,
    rows: &[PersonInRole],
    errors: &mut FieldErrors,
) -> Vec<Participant> {
    let mut kept = Vec::new();
    for (i, row) in rows.iter().enumerate().filter(|(_, r)| !r.is_blank()) {
        let n = i + 1;
        let name = clean_line(
            &format!("{prefix}-{n}-name"),
            &format!("The name of {noun} {n}"),
            &row.name,
            MAX_NAME_LEN,
            true,
            errors,
        );
        let agency = Agency::from_code(row.agency.trim());
        if agency.is_none() {
            errors.push(
                format!("{prefix}-{n}-agency"),
                format!("Select the agency of {noun} {n}"),
            );
        }
        let role = clean_line(
            &format!("{prefix}-{n}-role"),
            &format!("The role of {noun} {n}"),
            &row.role,
            MAX_NAME_LEN,
            false,
            errors,
        )
        .unwrap_or_default();
        if let (Some(name), Some(agency)) = (name, agency) {
            kept.push(Participant { name, agency, role });
        }
    }
    kept
}

fn attendee_rows(conference_id: &str, people: &[Participant]) -> Vec<AttendeeRow> {
    people
        .iter()
        .map(|p| AttendeeRow {
            id: uuid::Uuid::now_v7().to_string(),
            conference_id: conference_id.to_string(),
            name: p.name.clone(),
            agency: p.agency.code().to_string(),
            role: p.role.clone(),
        })
        .collect()
}

pub(crate) fn member_rows(cp_plan_id: &str, people: &[Participant]) -> Vec<CoreGroupMemberRow> {
    people
        .iter()
        .map(|p| CoreGroupMemberRow {
            id: uuid::Uuid::now_v7().to_string(),
            cp_plan_id: cp_plan_id.to_string(),
            name: p.name.clone(),
            agency: p.agency.code().to_string(),
            role: p.role.clone(),
        })
        .collect()
}

/// Checks a date something happened on: given, not in the future, and not before
/// `earliest` (with the reason shown when it is).
pub(crate) fn check_date(
    field: &str,
    what: &str,
    date: Option<NaiveDate>,
    earliest: Option<(NaiveDate, &str)>,
    today: NaiveDate,
    errors: &mut FieldErrors,
) -> Option<NaiveDate> {
    let Some(date) = date else {
        errors.push(field, format!("Enter {what}"));
        return None;
    };
    if date > today {
        errors.push(
            field,
            format!("{} must be today or in the past", capitalise(what)),
        );
        return None;
    }
    if let Some((floor, why)) = earliest
        && date < floor
    {
        errors.push(field, why.to_string());
        return None;
    }
    Some(date)
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What a conference decided, checked against its kind.
fn parse_decision(
    kind: ConferenceKind,
    code: &str,
    errors: &mut FieldErrors,
) -> Option<ConferenceDecision> {
    match ConferenceDecision::from_code(code.trim()) {
        Some(d) if d.fits(kind) => Some(d),
        _ => {
            errors.push("decision", "Select what the conference decided");
            None
        }
    }
}

fn parse_category(code: &str, required: bool, errors: &mut FieldErrors) -> Option<CategoryOfAbuse> {
    let code = code.trim();
    if code.is_empty() {
        if required {
            errors.push(
                "category",
                "Select the category of abuse: a child protection plan needs one",
            );
        }
        return None;
    }
    let category = CategoryOfAbuse::from_code(code);
    if category.is_none() {
        errors.push("category", "Select a category of abuse from the list");
    }
    category
}

// ---- the initial conference ----

/// An initial child protection conference as typed (the API's body and the form's fields).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IcpcInput {
    pub held_on: Option<NaiveDate>,
    pub chair: String,
    pub attendees: Vec<PersonInRole>,
    pub decision: String,
    /// The initial category of abuse; required when the decision is a plan.
    pub category: String,
    pub summary: String,
    /// The plan's core group, when the decision is a plan.
    pub core_group: Vec<PersonInRole>,
    /// Who will do what by when: the plan's actions, or the conference's own otherwise.
    pub actions: Vec<ActionInput>,
}

/// What recording an ICPC created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IcpcRecorded {
    pub conference_id: String,
    pub decision: ConferenceDecision,
    pub cp_plan_id: Option<String>,
    /// A child in need plan ended because the child stepped up to a protection plan.
    pub ended_cin_plan_id: Option<String>,
}

/// Why no ICPC may follow an enquiry, if none may.
fn not_needed(s47: &Section47Facts) -> Option<String> {
    let outcome = s47
        .outcome
        .as_deref()
        .and_then(Section47Outcome::from_code)?;
    outcome.icpc_not_required().then(|| {
        format!(
            "The section 47 enquiry concluded \"{}\", so no initial child protection conference is needed. If the risk has changed, hold a new strategy discussion.",
            outcome.label()
        )
    })
}

/// The ICPC target for an enquiry: the statutory working days from its start.
fn icpc_target(timescales: &Timescales, referral_date: NaiveDate, s47: &Section47Facts) -> Due {
    timescales
        .for_referral(referral_date)
        .icpc_due(&timescales.calendar, s47.started_on)
}

/// What the "record an ICPC" form needs to show.
#[derive(Clone, Debug, Serialize)]
pub struct IcpcContext {
    pub section47: Section47Facts,
    pub child: PersonSummary,
    pub referral_date: NaiveDate,
    pub target: Due,
    /// The ICPC already recorded for this enquiry, if any.
    pub existing_conference_id: Option<String>,
    /// Why no conference may be recorded, if it may not.
    pub refused: Option<String>,
    pub open_cp_plan_id: Option<String>,
    pub open_cin_plan_id: Option<String>,
}

pub(crate) fn child_summary(c: &mut DbConn, person_id: &str) -> ServiceResult<PersonSummary> {
    cairn_db::people::find(c, person_id)?
        .map(|p| PersonSummary::from_row(&p))
        .ok_or(ServiceError::NotFound("The child"))
}

/// A read of one child's casework: refused and audited unless the actor may do `action`;
/// the audit row naming the child is written once the read has succeeded.
pub(crate) fn audited_read<T>(
    conn: &mut DbConn,
    actor: &Actor,
    action: Action,
    audit: (&str, &str, &str),
    person_id: &str,
    f: impl FnOnce(&mut DbConn) -> ServiceResult<T>,
) -> ServiceResult<T> {
    let (audit_action, entity_type, entity_id) = audit;
    tx::require_on_person(conn, actor, action, person_id)?;
    let out = tx::read(conn, actor, f)?;
    audit_after_read(
        conn,
        actor,
        Record::ok(audit_action)
            .on(entity_type, entity_id)
            .person(person_id),
    )?;
    Ok(out)
}

/// Finds whose record something is before the permission check, so a refusal names the child.
pub(crate) fn person_of<T>(
    conn: &mut DbConn,
    what: &'static str,
    find: impl FnOnce(&mut DbConn) -> Result<Option<T>, cairn_db::DbError>,
    person: impl FnOnce(&T) -> String,
) -> ServiceResult<String> {
    let found = conn.read(|c| Ok::<_, ServiceError>(find(c)?))?;
    found
        .as_ref()
        .map(person)
        .ok_or(ServiceError::NotFound(what))
}

/// A record of a child's casework, which knows whose record it is.
pub(crate) trait ChildRecord {
    fn person_id(&self) -> &str;
}

impl ChildRecord for CpPlanRow {
    fn person_id(&self) -> &str {
        &self.person_id
    }
}

impl ChildRecord for CinPlanRow {
    fn person_id(&self) -> &str {
        &self.person_id
    }
}

impl ChildRecord for ConferenceRow {
    fn person_id(&self) -> &str {
        &self.person_id
    }
}

impl ChildRecord for Section47Facts {
    fn person_id(&self) -> &str {
        &self.person_id
    }
}

impl ChildRecord for ReferralRow {
    fn person_id(&self) -> &str {
        &self.person_id
    }
}

/// An audited read of one record (found by `find`, `what` when it is not): the permission
/// check names the child, and `f` gets the record as the read transaction sees it.
pub(crate) fn read_record<R: ChildRecord, T>(
    conn: &mut DbConn,
    actor: &Actor,
    action: Action,
    audit: (&str, &str, &str),
    what: &'static str,
    find: impl Fn(&mut DbConn) -> Result<Option<R>, cairn_db::DbError>,
    f: impl FnOnce(&mut DbConn, R) -> ServiceResult<T>,
) -> ServiceResult<T> {
    let person = person_of(conn, what, &find, |r| r.person_id().to_string())?;
    audited_read(conn, actor, action, audit, &person, |c| {
        let record = find(c)?.ok_or(ServiceError::NotFound(what))?;
        f(c, record)
    })
}

/// A change to one record (found by `find`, `what` when it is not): the actor must be able to
/// record casework on the child, and `f` gets the record as it is inside the write
/// transaction.
pub(crate) fn change_record<R: ChildRecord, T>(
    conn: &mut DbConn,
    actor: &Actor,
    what: &'static str,
    find: impl Fn(&mut DbConn) -> Result<Option<R>, cairn_db::DbError>,
    f: impl FnOnce(&mut DbConn, R) -> ServiceResult<T>,
) -> ServiceResult<T> {
    let person = person_of(conn, what, &find, |r| r.person_id().to_string())?;
    tx::require_on_person(conn, actor, Action::RecordCasework, &person)?;
    tx::write(conn, actor, |c| {
        let record = find(c)?.ok_or(ServiceError::NotFound(what))?;
        f(c, record)
    })
}

/// Whose episode a referral is, before the permission check, so a refusal names the child.
pub(crate) fn episode_person(conn: &mut DbConn, referral_id: &str) -> ServiceResult<String> {
    person_of(
        conn,
        "The referral",
        |c| referral_repo::find(c, referral_id),
        |r| r.person_id.clone(),
    )
}

/// An audited list of one episode's records, each loaded row made into its summary.
pub(crate) fn episode_list<R, S>(
    conn: &mut DbConn,
    actor: &Actor,
    audit_action: &str,
    referral_id: &str,
    load: impl FnOnce(&mut DbConn, &str) -> Result<Vec<R>, cairn_db::DbError>,
    summary: impl FnMut(R) -> S,
) -> ServiceResult<Vec<S>> {
    let person = episode_person(conn, referral_id)?;
    audited_read(
        conn,
        actor,
        Action::ViewCasework,
        (audit_action, "referral", referral_id),
        &person,
        |c| Ok(load(c, referral_id)?.into_iter().map(summary).collect()),
    )
}

const S47: &str = "The section 47 enquiry";

pub fn icpc_context(
    conn: &mut DbConn,
    actor: &Actor,
    section47_id: &str,
) -> ServiceResult<IcpcContext> {
    read_record(
        conn,
        actor,
        Action::RecordCasework,
        ("conference.icpc_form", "section47", section47_id),
        S47,
        |c| repo::section47(c, section47_id),
        |c, s47| {
            let referral = referral_repo::find(c, &s47.referral_id)?
                .ok_or(ServiceError::NotFound("The referral"))?;
            let timescales = Timescales::load(c)?;
            Ok(IcpcContext {
                child: child_summary(c, &s47.person_id)?,
                referral_date: referral.referral_date,
                target: icpc_target(&timescales, referral.referral_date, &s47),
                existing_conference_id: repo::initial_for_section47(c, section47_id)?.map(|r| r.id),
                refused: not_needed(&s47).or_else(|| {
                    referral
                        .closed_on
                        .map(|d| format!("This child's episode closed on {}: open a new referral to record more work.", format_long(d)))
                }),
                open_cp_plan_id: cp_repo::open_for_person(c, &s47.person_id)?.map(|p| p.id),
                open_cin_plan_id: cin_repo::open_for_person(c, &s47.person_id)?.map(|p| p.id),
                section47: s47,
            })
        },
    )
}

/// A conference's common answers, checked.
struct ConferenceDraft {
    held_on: NaiveDate,
    chair: String,
    attendees: Vec<Participant>,
    decision: ConferenceDecision,
    category: Option<CategoryOfAbuse>,
    summary: String,
}

struct Typed<'a> {
    chair: &'a str,
    attendees: &'a [PersonInRole],
    decision: &'a str,
    category: &'a str,
    summary: &'a str,
}

fn check_conference(
    kind: ConferenceKind,
    typed: &Typed<'_>,
    held_on: Option<NaiveDate>,
    errors: &mut FieldErrors,
) -> Option<ConferenceDraft> {
    let chair = clean_line(
        "chair",
        "Who chaired the conference",
        typed.chair,
        MAX_NAME_LEN,
        true,
        errors,
    );
    let attendees = validate_people("attendees", "attendee", typed.attendees, errors);
    let decision = parse_decision(kind, typed.decision, errors);
    let needs_category = decision == Some(ConferenceDecision::CpPlan);
    let category = match kind {
        ConferenceKind::Initial if !needs_category => None,
        ConferenceKind::Initial => parse_category(typed.category, true, errors),
        ConferenceKind::Review => parse_category(typed.category, false, errors),
    };
    let summary = clean_text(
        "summary",
        "A summary of the conference",
        typed.summary,
        MAX_TEXT_LEN,
        true,
        errors,
    );
    Some(ConferenceDraft {
        held_on: held_on?,
        chair: chair?,
        attendees,
        decision: decision?,
        category,
        summary: summary?,
    })
}

fn check_icpc_date(
    input: &IcpcInput,
    s47: &Section47Facts,
    today: NaiveDate,
    errors: &mut FieldErrors,
) -> Option<NaiveDate> {
    let before = format!(
        "The conference cannot be before the strategy discussion that started the section 47 enquiry on {}",
        format_long(s47.started_on)
    );
    let held_on = check_date(
        "held_on",
        "the date the conference was held",
        input.held_on,
        Some((s47.started_on, &before)),
        today,
        errors,
    )?;
    if matches!(held_on.weekday(), Weekday::Sat | Weekday::Sun) {
        errors.push(
            "held_on",
            format!(
                "The conference date must be a weekday: {} is a {}",
                format_long(held_on),
                held_on.format("%A")
            ),
        );
        return None;
    }
    Some(held_on)
}

/// A second open plan, or one overlapping an earlier plan, is refused (census 8935/8940).
fn refuse_overlapping_cp_plan(
    c: &mut DbConn,
    person_id: &str,
    start: NaiveDate,
) -> ServiceResult<()> {
    for plan in cp_repo::for_person(c, person_id)? {
        match plan.ended_on {
            None => {
                return Err(ServiceError::Conflict(format!(
                    "This child already has an open child protection plan, started on {}. A child can have only one: review or end that plan instead.",
                    format_long(plan.started_on)
                )));
            }
            Some(end) if end > start => {
                return Err(ServiceError::Conflict(format!(
                    "This child's earlier child protection plan ran until {}, after this conference date: plans cannot overlap.",
                    format_long(end)
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

pub(crate) fn one_open_plan(e: cairn_db::DbError, what: &str) -> ServiceError {
    if e.is_unique_violation() {
        ServiceError::Conflict(format!(
            "This child already has an open {what}. A child can have only one: reload the page to see it."
        ))
    } else {
        ServiceError::Db(e)
    }
}

/// Records the ICPC that follows a section 47 enquiry. A decision to make a plan starts the
/// plan in the same transaction, on the conference date, with its core group and actions;
/// an open child in need plan ends that day (the child stepped up).
pub fn record_icpc(
    conn: &mut DbConn,
    actor: &Actor,
    section47_id: &str,
    input: &IcpcInput,
) -> ServiceResult<IcpcRecorded> {
    change_record(
        conn,
        actor,
        S47,
        |c| repo::section47(c, section47_id),
        |c, s47| {
            let referral = open_episode(c, &s47.referral_id)?;
            if let Some(why) = not_needed(&s47) {
                return Err(ServiceError::Conflict(why));
            }
            if let Some(existing) = repo::initial_for_section47(c, section47_id)? {
                return Err(ServiceError::Conflict(format!(
                    "An initial child protection conference on {} is already recorded for this enquiry.",
                    format_long(existing.held_on)
                )));
            }
            let mut errors = FieldErrors::new();
            let held_on = check_icpc_date(input, &s47, today(), &mut errors);
            let typed = Typed {
                chair: &input.chair,
                attendees: &input.attendees,
                decision: &input.decision,
                category: &input.category,
                summary: &input.summary,
            };
            let draft = check_conference(ConferenceKind::Initial, &typed, held_on, &mut errors);
            let core_group = validate_people(
                "core_group",
                "core group member",
                &input.core_group,
                &mut errors,
            );
            let actions = actions::validate("actions", &input.actions, &mut errors);
            let draft = match draft {
                Some(d) if errors.is_empty() => d,
                _ => return Err(ServiceError::Invalid(errors)),
            };
            let conference_id = ConferenceId::new().to_string();
            let mut recorded = IcpcRecorded {
                conference_id: conference_id.clone(),
                decision: draft.decision,
                cp_plan_id: None,
                ended_cin_plan_id: None,
            };
            if let (ConferenceDecision::CpPlan, Some(category)) = (draft.decision, draft.category) {
                refuse_overlapping_cp_plan(c, &s47.person_id, draft.held_on)?;
                recorded.ended_cin_plan_id =
                    step_up_from_cin(c, actor, &s47.person_id, draft.held_on)?;
                let plan_id = start_cp_plan(
                    c,
                    actor,
                    &referral.id,
                    &s47.person_id,
                    &conference_id,
                    draft.held_on,
                    category,
                )?;
                cp_repo::insert_members(c, &member_rows(&plan_id, &core_group))?;
                actions::insert_all(
                    c,
                    actor,
                    &s47.person_id,
                    ActionSource::CpPlan,
                    &plan_id,
                    &actions,
                )?;
                recorded.cp_plan_id = Some(plan_id);
            } else {
                actions::insert_all(
                    c,
                    actor,
                    &s47.person_id,
                    ActionSource::Conference,
                    &conference_id,
                    &actions,
                )?;
            }
            insert_conference(
                c,
                actor,
                ConferenceRow {
                    id: conference_id.clone(),
                    referral_id: referral.id.clone(),
                    person_id: s47.person_id.clone(),
                    kind: ConferenceKind::Initial.code().to_string(),
                    section47_id: Some(s47.id.clone()),
                    cp_plan_id: recorded.cp_plan_id.clone(),
                    held_on: draft.held_on,
                    chair: draft.chair,
                    decision: draft.decision.code().to_string(),
                    category: draft.category.map(|k| k.code().to_string()),
                    summary: draft.summary,
                    created_at: cairn_db::now(),
                    created_by: actor.author(),
                },
                &draft.attendees,
            )?;
            Ok(recorded)
        },
    )
}

fn insert_conference(
    c: &mut DbConn,
    actor: &Actor,
    row: ConferenceRow,
    attendees: &[Participant],
) -> ServiceResult<()> {
    repo::insert(c, &row)?;
    repo::insert_attendees(c, &attendee_rows(&row.id, attendees))?;
    let detail = json!({
        "kind": row.kind, "held_on": row.held_on, "decision": row.decision,
        "category": row.category, "section47_id": row.section47_id, "cp_plan_id": row.cp_plan_id,
        "attendees": attendees.len(),
    });
    record_event(
        c,
        actor,
        ("conference.held", "conference.record"),
        ("conference", &row.id),
        &row.person_id,
        detail,
    )
}

fn start_cp_plan(
    c: &mut DbConn,
    actor: &Actor,
    referral_id: &str,
    person_id: &str,
    conference_id: &str,
    started_on: NaiveDate,
    category: CategoryOfAbuse,
) -> ServiceResult<String> {
    let id = CpPlanId::new().to_string();
    cp_repo::insert(
        c,
        &CpPlanRow {
            id: id.clone(),
            referral_id: referral_id.to_string(),
            person_id: person_id.to_string(),
            initial_conference_id: conference_id.to_string(),
            started_on,
            initial_category: category.code().to_string(),
            latest_category: category.code().to_string(),
            ended_on: None,
            end_reason: None,
            version: 1,
            created_at: cairn_db::now(),
            created_by: actor.author(),
        },
    )
    .map_err(|e| one_open_plan(e, "child protection plan"))?;
    record_event(
        c,
        actor,
        ("cp_plan.started", "cp_plan.start"),
        ("cp_plan", &id),
        person_id,
        json!({ "started_on": started_on, "category": category.code(), "conference_id": conference_id }),
    )?;
    Ok(id)
}

/// Ends the child's open child in need plan on the day a protection plan starts: the census
/// allows one to start on the day the other ends, never both open (4001).
fn step_up_from_cin(
    c: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    on: NaiveDate,
) -> ServiceResult<Option<String>> {
    let Some(cin) = cin_repo::open_for_person(c, person_id)? else {
        return Ok(None);
    };
    if cin.started_on >= on {
        return Err(ServiceError::Conflict(format!(
            "This child's child in need plan started on {}, not before the conference: end or correct that plan first.",
            format_long(cin.started_on)
        )));
    }
    let reason = CinPlanEndReason::SteppedUpToCp;
    if !cin_repo::advance(c, &cin.id, cin.version, Some((on, reason.code())))? {
        return Err(stale("child in need plan"));
    }
    record_event(
        c,
        actor,
        ("cin_plan.ended", "cin_plan.end"),
        ("cin_plan", &cin.id),
        person_id,
        json!({ "ended_on": on, "reason": reason.code() }),
    )?;
    Ok(Some(cin.id))
}

pub(crate) fn stale(what: &str) -> ServiceError {
    ServiceError::Conflict(format!(
        "Someone else changed this {what} while you were looking at it: reload the page to see what they did, then try again."
    ))
}

// ---- review conferences ----

/// A review conference as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReviewInput {
    pub held_on: Option<NaiveDate>,
    pub chair: String,
    pub attendees: Vec<PersonInRole>,
    /// continue_plan or end_plan.
    pub decision: String,
    /// The latest category of abuse if the conference changed it; blank keeps it.
    pub category: String,
    pub summary: String,
    /// The plan's version when the form was shown.
    pub version: i32,
}

const CP_PLAN: &str = "The child protection plan";

/// Records a review conference of an open plan. A decision to end the plan ends it on the
/// conference date, the child being no longer at continuing risk.
pub fn record_review(
    conn: &mut DbConn,
    actor: &Actor,
    cp_plan_id: &str,
    input: &ReviewInput,
) -> ServiceResult<String> {
    change_record(
        conn,
        actor,
        CP_PLAN,
        |c| cp_repo::find(c, cp_plan_id),
        |c, plan| {
            refuse_ended(&plan)?;
            let referral = open_episode(c, &plan.referral_id)?;
            let mut errors = FieldErrors::new();
            let after = format!(
                "A review conference must be after the plan started on {}",
                format_long(plan.started_on)
            );
            let held_on = check_date(
                "held_on",
                "the date the review conference was held",
                input.held_on,
                plan.started_on.succ_opt().map(|d| (d, after.as_str())),
                today(),
                &mut errors,
            );
            let typed = Typed {
                chair: &input.chair,
                attendees: &input.attendees,
                decision: &input.decision,
                category: &input.category,
                summary: &input.summary,
            };
            let draft = check_conference(ConferenceKind::Review, &typed, held_on, &mut errors);
            let draft = match draft {
                Some(d) if errors.is_empty() => d,
                _ => return Err(ServiceError::Invalid(errors)),
            };
            let latest = draft
                .category
                .map(|k| k.code().to_string())
                .unwrap_or_else(|| plan.latest_category.clone());
            let ends = draft.decision == ConferenceDecision::EndPlan;
            let reason = CpPlanEndReason::NoLongerAtRisk.code();
            let ended = ends.then_some((draft.held_on, reason));
            if !cp_repo::reviewed(c, &plan.id, input.version, &latest, ended)? {
                return Err(stale("plan"));
            }
            let conference_id = ConferenceId::new().to_string();
            insert_conference(
                c,
                actor,
                ConferenceRow {
                    id: conference_id.clone(),
                    referral_id: referral.id.clone(),
                    person_id: plan.person_id.clone(),
                    kind: ConferenceKind::Review.code().to_string(),
                    section47_id: None,
                    cp_plan_id: Some(plan.id.clone()),
                    held_on: draft.held_on,
                    chair: draft.chair,
                    decision: draft.decision.code().to_string(),
                    category: Some(latest.clone()),
                    summary: draft.summary,
                    created_at: cairn_db::now(),
                    created_by: actor.author(),
                },
                &draft.attendees,
            )?;
            let detail = json!({ "held_on": draft.held_on, "decision": draft.decision.code(), "latest_category": latest, "conference_id": conference_id });
            cairn_db::events::append(
                c,
                &event(
                    "cp_plan.reviewed",
                    Some(&plan.person_id),
                    "cp_plan",
                    &plan.id,
                    actor,
                    detail,
                ),
            )?;
            if ends {
                record_event(
                    c,
                    actor,
                    ("cp_plan.ended", "cp_plan.end"),
                    ("cp_plan", &plan.id),
                    &plan.person_id,
                    json!({ "ended_on": draft.held_on, "reason": reason }),
                )?;
            }
            Ok(conference_id)
        },
    )
}

pub(crate) fn refuse_ended(plan: &CpPlanRow) -> ServiceResult<()> {
    match plan.ended_on {
        Some(d) => Err(ServiceError::Conflict(format!(
            "This child protection plan ended on {}.",
            format_long(d)
        ))),
        None => Ok(()),
    }
}

// ---- reading conferences ----

/// One conference with who attended, its target (an ICPC's) and the actions agreed there.
#[derive(Clone, Debug, Serialize)]
pub struct ConferenceView {
    pub conference: ConferenceRow,
    pub attendees: Vec<AttendeeRow>,
    pub child: PersonSummary,
    /// For an ICPC: when it was due, and whether it was held in time.
    pub target: Option<Due>,
    pub timeliness: Option<Timeliness>,
    pub actions: Vec<CaseActionRow>,
    /// For a decision of a child in need plan: the child's open one, if started.
    pub open_cin_plan_id: Option<String>,
    /// Whether the episode is open (so a child in need plan could be started).
    pub episode_open: bool,
}

const CONFERENCE: &str = "The conference";

pub fn view(
    conn: &mut DbConn,
    actor: &Actor,
    conference_id: &str,
) -> ServiceResult<ConferenceView> {
    read_record(
        conn,
        actor,
        Action::ViewCasework,
        ("conference.view", "conference", conference_id),
        CONFERENCE,
        |c| repo::find(c, conference_id),
        |c, conference| {
            let referral = referral_repo::find(c, &conference.referral_id)?
                .ok_or(ServiceError::NotFound("The referral"))?;
            let s47 = match &conference.section47_id {
                Some(id) => repo::section47(c, id)?,
                None => None,
            };
            let timescales = Timescales::load(c)?;
            let target = s47
                .as_ref()
                .map(|s| icpc_target(&timescales, referral.referral_date, s));
            let timeliness = target.as_ref().map(|t| {
                Timeliness::of(
                    &timescales.calendar,
                    t.date,
                    Some(conference.held_on),
                    today(),
                )
            });
            let actions = actions::for_source(c, ActionSource::Conference, &conference.id)?;
            Ok(ConferenceView {
                attendees: repo::attendees(c, &conference.id)?,
                child: child_summary(c, &conference.person_id)?,
                target,
                timeliness,
                actions,
                open_cin_plan_id: cin_repo::open_for_person(c, &conference.person_id)?
                    .map(|p| p.id),
                episode_open: referral.closed_on.is_none(),
                conference,
            })
        },
    )
}

/// A conference in a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConferenceSummary {
    pub id: String,
    pub kind: String,
    pub held_on: NaiveDate,
    pub decision: String,
    pub category: Option<String>,
    pub section47_id: Option<String>,
    pub cp_plan_id: Option<String>,
}

impl ConferenceSummary {
    fn of(row: ConferenceRow) -> Self {
        ConferenceSummary {
            id: row.id,
            kind: row.kind,
            held_on: row.held_on,
            decision: row.decision,
            category: row.category,
            section47_id: row.section47_id,
            cp_plan_id: row.cp_plan_id,
        }
    }
}

/// The conferences of an episode, earliest first.
pub fn for_episode(
    conn: &mut DbConn,
    actor: &Actor,
    referral_id: &str,
) -> ServiceResult<Vec<ConferenceSummary>> {
    episode_list(
        conn,
        actor,
        "conferences.list",
        referral_id,
        repo::for_episode,
        ConferenceSummary::of,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn timeliness_counts_working_days() {
        let cal = Calendar::england_and_wales();
        let due = d(2024, 5, 28);
        assert_eq!(
            Timeliness::of(&cal, due, Some(due), due),
            Timeliness::WithinTarget
        );
        let late = Timeliness::of(&cal, due, Some(d(2024, 5, 29)), due);
        assert_eq!(late, Timeliness::Late(1));
        assert_eq!(late.describe(), "1 working day late");
        assert_eq!(
            Timeliness::of(&cal, due, None, d(2024, 5, 1)),
            Timeliness::NotYetDue
        );
        assert_eq!(
            Timeliness::of(&cal, due, None, d(2024, 6, 4)).describe(),
            "5 working days overdue"
        );
    }

    #[test]
    fn blank_rows_are_dropped_and_half_rows_explained() {
        let mut errors = FieldErrors::new();
        let kept = validate_people(
            "attendees",
            "attendee",
            &[
                PersonInRole::default(),
                PersonInRole {
                    name: "DC Jones".into(),
                    agency: "police".into(),
                    role: "Officer".into(),
                },
                PersonInRole {
                    name: String::new(),
                    agency: "health".into(),
                    role: String::new(),
                },
            ],
            &mut errors,
        );
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].agency, Agency::Police);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["attendees-3-name"]);
    }
}

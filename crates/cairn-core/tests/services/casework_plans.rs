//! Child protection conferences and plans, and child in need plans: the ICPC against its
//! target, the plan it starts, core groups, reviews, the end of a plan, and how the two kinds
//! of plan may follow each other.

use cairn_core::ServiceError;
use cairn_core::casework::actions::ActionInput;
use cairn_core::casework::conferences::{self, IcpcInput, PersonInRole, ReviewInput, Timeliness};
use cairn_core::casework::plans::{self, CinPlanInput, CinReviewInput, EndInput, MeetingInput};
use cairn_db::DbConn;
use cairn_db::both_backends;
use cairn_db::casework::cp_plans as cp_repo;
use cairn_db::schema::{section47_enquiries, visits};
use cairn_db::testing::TestDb;
use cairn_domain::casework::ConferenceDecision;
use cairn_domain::policy::Action;
use cairn_domain::roles::Role;
use chrono::NaiveDate;
use diesel::prelude::*;

use crate::support::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Wednesday 1 May 2024: the referral date used throughout.
fn referral_date() -> NaiveDate {
    d(2024, 5, 1)
}

/// A strategy discussion on `on` that started a section 47 enquiry the same day, written
/// straight into the tables (their own service is tested elsewhere); the enquiry's id.
fn section47(
    conn: &mut DbConn,
    team: &CaseTeam,
    case: &OpenCase,
    on: NaiveDate,
    outcome: Option<&str>,
) -> String {
    let now = cairn_db::now();
    let discussion = section47_discussion(conn, team, case, on);
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(section47_enquiries::table)
        .values((
            section47_enquiries::id.eq(&id),
            section47_enquiries::referral_id.eq(&case.referral),
            section47_enquiries::person_id.eq(&case.child),
            section47_enquiries::strategy_discussion_id.eq(&discussion),
            section47_enquiries::started_on.eq(on),
            section47_enquiries::outcome.eq(outcome),
            section47_enquiries::version.eq(1),
            section47_enquiries::created_at.eq(now),
            section47_enquiries::created_by.eq(&team.worker.user_id),
        ))
        .execute(conn)
        .unwrap();
    id
}

/// A section 47 enquiry from `on` whose outcome calls for an initial conference: where
/// most of these tests start.
fn enquiry_needing_icpc(
    conn: &mut DbConn,
    team: &CaseTeam,
    case: &OpenCase,
    on: NaiveDate,
) -> String {
    section47(conn, team, case, on, Some("continuing_risk_icpc"))
}

fn person(name: &str, agency: &str, role: &str) -> PersonInRole {
    PersonInRole {
        name: name.into(),
        agency: agency.into(),
        role: role.into(),
    }
}

fn icpc(held_on: NaiveDate, decision: &str, category: &str) -> IcpcInput {
    IcpcInput {
        held_on: Some(held_on),
        chair: "Jo Independent".into(),
        attendees: vec![
            person("DC Priya Jones", "police", "Investigating officer"),
            PersonInRole::default(),
            person("Sam Hughes", "family", "Mother"),
        ],
        decision: decision.into(),
        category: category.into(),
        summary: "Bruising explained inconsistently; continuing risk of physical harm.".into(),
        core_group: vec![
            person("Ms Shah", "education", "Designated safeguarding lead"),
            person("Health visitor Ng", "health", ""),
        ],
        actions: vec![ActionInput {
            description: "Arrange a paediatric assessment".into(),
            owner_user_id: None,
            owner_name: "Health visitor Ng".into(),
            due_on: Some(d(2024, 6, 7)),
        }],
    }
}

/// A child in need plan starting on `on`, with no actions.
fn start(on: NaiveDate) -> CinPlanInput {
    CinPlanInput {
        started_on: Some(on),
        actions: vec![],
    }
}

/// The end of a plan on `on` for `reason`, against `version`.
fn end(on: NaiveDate, reason: &str, version: i32) -> EndInput {
    EndInput {
        ended_on: Some(on),
        reason: reason.into(),
        version,
    }
}

fn field_errors(e: ServiceError) -> Vec<(String, String)> {
    match e {
        ServiceError::Invalid(errors) => errors
            .iter()
            .map(|f| (f.field.clone(), f.message.clone()))
            .collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn conflict(e: ServiceError) -> String {
    match e {
        ServiceError::Conflict(m) => m,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

/// An open case with an enquiry from Fri 3 May 2024 and an ICPC on Tue 28 May 2024 that
/// made a plan for physical abuse; (case, plan id).
fn case_with_plan(conn: &mut DbConn, team: &CaseTeam, given: &str) -> (OpenCase, String) {
    let case = open_case(conn, team, given, referral_date());
    let s47 = enquiry_needing_icpc(conn, team, &case, d(2024, 5, 3));
    let recorded = conferences::record_icpc(
        conn,
        &team.worker.actor,
        &s47,
        &icpc(d(2024, 5, 28), "cp_plan", "PHY"),
    )
    .unwrap();
    (case, recorded.cp_plan_id.unwrap())
}

both_backends!(an_icpc_is_measured_against_its_target, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let on_time = open_case(&mut conn, &team, "Amelia", referral_date());
    // Fri 3 May 2024: the target skips the two May bank holidays and lands on Tue 28 May.
    let s47 = section47(&mut conn, &team, &on_time, d(2024, 5, 3), None);
    let context = conferences::icpc_context(&mut conn, &team.worker.actor, &s47).unwrap();
    assert_eq!(context.target.date, d(2024, 5, 28));
    assert!(
        context.target.basis.contains("15 working days"),
        "{}",
        context.target.basis
    );
    assert_eq!(
        context.refused, None,
        "no outcome yet: a conference may be held"
    );

    let recorded = conferences::record_icpc(
        &mut conn,
        &team.worker.actor,
        &s47,
        &icpc(d(2024, 5, 28), "no_plan_cin", ""),
    )
    .unwrap();
    assert_eq!(recorded.decision, ConferenceDecision::NoPlanCin);
    assert_eq!(recorded.cp_plan_id, None);
    let view = conferences::view(&mut conn, &team.worker.actor, &recorded.conference_id).unwrap();
    assert_eq!(view.timeliness, Some(Timeliness::WithinTarget));
    assert_eq!(view.attendees.len(), 2, "the blank row is dropped");
    assert_eq!(view.conference.category, None, "no plan, no category");
    assert_eq!(view.actions.len(), 1, "the conference's own action");
    assert!(view.episode_open && view.open_cin_plan_id.is_none());

    let late = open_case(&mut conn, &team, "Noah", referral_date());
    let s47_late = enquiry_needing_icpc(&mut conn, &team, &late, d(2024, 5, 3));
    let recorded = conferences::record_icpc(
        &mut conn,
        &team.worker.actor,
        &s47_late,
        &icpc(d(2024, 5, 29), "no_plan_nfa", ""),
    )
    .unwrap();
    let view = conferences::view(&mut conn, &team.worker.actor, &recorded.conference_id).unwrap();
    assert_eq!(view.timeliness, Some(Timeliness::Late(1)));
    assert_eq!(view.timeliness.unwrap().describe(), "1 working day late");

    // One ICPC per enquiry.
    let again = conferences::record_icpc(
        &mut conn,
        &team.worker.actor,
        &s47_late,
        &icpc(d(2024, 5, 30), "no_plan_nfa", ""),
    )
    .unwrap_err();
    assert!(conflict(again).contains("already recorded"));
    let held = events_of_kind(&mut conn, "conference.held");
    assert_eq!(held.len(), 2);
    assert_eq!(audit_rows_for(&mut conn, "conference.view").len(), 2);
    assert_chain_intact(&mut conn);
});

both_backends!(impossible_conference_dates_are_refused, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let case = open_case(&mut conn, &team, "Amelia", referral_date());
    let s47 = enquiry_needing_icpc(&mut conn, &team, &case, d(2024, 5, 3));
    let before = event_count(&mut conn);

    // Saturday 1 June 2024 (census 8875).
    let saturday = conferences::record_icpc(
        &mut conn,
        &team.worker.actor,
        &s47,
        &icpc(d(2024, 6, 1), "cp_plan", "PHY"),
    )
    .unwrap_err();
    let errors = field_errors(saturday);
    assert_eq!(errors[0].0, "held_on");
    assert!(errors[0].1.contains("weekday"), "{}", errors[0].1);

    // Before the strategy discussion that started the enquiry (census 8615).
    let early = conferences::record_icpc(
        &mut conn,
        &team.worker.actor,
        &s47,
        &icpc(d(2024, 5, 2), "cp_plan", "PHY"),
    )
    .unwrap_err();
    let errors = field_errors(early);
    assert_eq!(errors[0].0, "held_on");
    assert!(
        errors[0].1.contains("before the strategy discussion"),
        "{}",
        errors[0].1
    );

    // In the future.
    let future = conferences::record_icpc(
        &mut conn,
        &team.worker.actor,
        &s47,
        &icpc(today() + chrono::Duration::days(7), "no_plan_nfa", ""),
    )
    .unwrap_err();
    assert_eq!(field_errors(future)[0].0, "held_on");

    // A plan needs a category; a review decision does not fit an ICPC.
    let mut no_category = icpc(d(2024, 5, 28), "cp_plan", "");
    no_category.chair = String::new();
    no_category.attendees[2].agency = "nowhere".into();
    let fields: Vec<String> = field_errors(
        conferences::record_icpc(&mut conn, &team.worker.actor, &s47, &no_category).unwrap_err(),
    )
    .into_iter()
    .map(|(f, _)| f)
    .collect();
    assert_eq!(fields, vec!["chair", "attendees-3-agency", "category"]);
    let wrong_kind = conferences::record_icpc(
        &mut conn,
        &team.worker.actor,
        &s47,
        &icpc(d(2024, 5, 28), "continue_plan", "PHY"),
    )
    .unwrap_err();
    assert_eq!(field_errors(wrong_kind)[0].0, "decision");
    assert_eq!(event_count(&mut conn), before, "nothing was recorded");
});

both_backends!(
    no_conference_after_an_enquiry_that_said_none_was_needed,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let case = open_case(&mut conn, &team, "Amelia", referral_date());
        let s47 = section47(
            &mut conn,
            &team,
            &case,
            d(2024, 5, 3),
            Some("not_substantiated"),
        );
        let context = conferences::icpc_context(&mut conn, &team.worker.actor, &s47).unwrap();
        assert!(context.refused.is_some());
        let refused = conferences::record_icpc(
            &mut conn,
            &team.worker.actor,
            &s47,
            &icpc(d(2024, 5, 28), "cp_plan", "PHY"),
        )
        .unwrap_err();
        assert!(
            conflict(refused).contains("Concerns not substantiated"),
            "the message names the outcome"
        );
        assert!(events_of_kind(&mut conn, "conference.held").is_empty());
    }
);

both_backends!(
    a_plan_starts_on_the_icpc_date_and_only_one_may_be_open,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let (case, plan_id) = case_with_plan(&mut conn, &team, "Amelia");
        let view = plans::view_cp_plan(&mut conn, &team.worker.actor, &plan_id).unwrap();
        assert_eq!(view.plan.started_on, d(2024, 5, 28), "census 2885");
        assert_eq!(view.plan.initial_category, "PHY");
        assert_eq!(view.plan.latest_category, "PHY");
        assert_eq!(view.core_group.len(), 2);
        assert_eq!(view.actions.len(), 1);
        assert_eq!(view.actions[0].owner_name, "Health visitor Ng");
        let icpc_row = view.initial_conference.clone().unwrap();
        assert_eq!(icpc_row.cp_plan_id.as_deref(), Some(plan_id.as_str()));
        // First core group within 10 working days of the ICPC: Tue 11 June 2024.
        assert_eq!(view.first_core_group_due.date, d(2024, 6, 11));
        assert!(
            matches!(view.first_core_group, Timeliness::Overdue(n) if n > 0),
            "no core group has met: {:?}",
            view.first_core_group
        );
        // First review within 3 months of the ICPC.
        assert_eq!(view.next_review.as_ref().unwrap().date, d(2024, 8, 28));
        assert!(
            view.next_review
                .as_ref()
                .unwrap()
                .basis
                .contains("3 months")
        );
        // No visit yet: ten working days from the start of the plan.
        assert_eq!(view.next_visit.as_ref().unwrap().date, d(2024, 6, 11));
        assert_eq!(events_of_kind(&mut conn, "cp_plan.started").len(), 1);
        assert_eq!(audit_rows_for(&mut conn, "cp_plan.start").len(), 1);

        // A second enquiry for the same child cannot start a second plan.
        let s47 = enquiry_needing_icpc(&mut conn, &team, &case, d(2024, 6, 3));
        let second = conferences::record_icpc(
            &mut conn,
            &team.worker.actor,
            &s47,
            &icpc(d(2024, 6, 10), "cp_plan", "NEG"),
        )
        .unwrap_err();
        assert!(conflict(second).contains("already has an open child protection plan"));
        assert_eq!(events_of_kind(&mut conn, "cp_plan.started").len(), 1);

        // The database refuses it too, and the refusal is a unique violation.
        let mut duplicate = view.plan.clone();
        duplicate.id = uuid::Uuid::now_v7().to_string();
        let e = cp_repo::insert(&mut conn, &duplicate).unwrap_err();
        assert!(e.is_unique_violation(), "{e}");
    }
);

both_backends!(
    core_group_meetings_and_reviews_follow_their_timescales,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let (_, plan_id) = case_with_plan(&mut conn, &team, "Amelia");
        let worker = &team.worker.actor;

        // The core group first met on Tue 11 June 2024: the last day in time.
        plans::record_core_group_meeting(
            &mut conn,
            worker,
            &plan_id,
            &MeetingInput {
                held_on: Some(d(2024, 6, 11)),
                summary: "Plan outlined with the family.".into(),
            },
        )
        .unwrap();
        let early = plans::record_core_group_meeting(
            &mut conn,
            worker,
            &plan_id,
            &MeetingInput {
                held_on: Some(d(2024, 5, 27)),
                summary: "x".into(),
            },
        )
        .unwrap_err();
        assert_eq!(field_errors(early)[0].0, "held_on");
        plans::add_core_group_member(
            &mut conn,
            worker,
            &plan_id,
            &person("Dr Patel", "health", "GP"),
        )
        .unwrap();
        let blank =
            plans::add_core_group_member(&mut conn, worker, &plan_id, &PersonInRole::default())
                .unwrap_err();
        let fields: Vec<String> = field_errors(blank).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, vec!["name", "agency"]);

        let view = plans::view_cp_plan(&mut conn, worker, &plan_id).unwrap();
        assert_eq!(view.first_core_group, Timeliness::WithinTarget);
        assert_eq!(view.core_group.len(), 3);
        assert_eq!(view.plan.version, 1);

        // A review on Tue 20 Aug 2024 (in time), moving the category to emotional abuse.
        let review = ReviewInput {
            held_on: Some(d(2024, 8, 20)),
            chair: "Jo Independent".into(),
            attendees: vec![person("Ms Shah", "education", "DSL")],
            decision: "continue_plan".into(),
            category: "EMO".into(),
            summary: "Progress, but emotional harm continues.".into(),
            version: view.plan.version,
        };
        conferences::record_review(&mut conn, worker, &plan_id, &review).unwrap();
        let view = plans::view_cp_plan(&mut conn, worker, &plan_id).unwrap();
        assert_eq!(view.plan.latest_category, "EMO");
        assert_eq!(view.plan.initial_category, "PHY");
        assert_eq!(view.reviews.len(), 1);
        assert_eq!(view.reviews[0].due.date, d(2024, 8, 28));
        assert_eq!(view.reviews[0].timeliness, Timeliness::WithinTarget);
        // Then within 6 months of that review.
        let next = view.next_review.clone().unwrap();
        assert_eq!(next.date, d(2025, 2, 20));
        assert!(next.basis.contains("6 months"), "{}", next.basis);

        // The same form sent again (its version is now stale) is refused, and changes nothing.
        let stale = conferences::record_review(&mut conn, worker, &plan_id, &review).unwrap_err();
        assert!(conflict(stale).contains("Someone else changed"));
        let after = plans::view_cp_plan(&mut conn, worker, &plan_id).unwrap();
        assert_eq!(after.reviews.len(), 1);
        assert_eq!(after.plan.version, 2);

        // A review on the plan's first day is refused (census 8841).
        let too_soon = ReviewInput {
            held_on: Some(d(2024, 5, 28)),
            version: 2,
            ..review.clone()
        };
        let errors = field_errors(
            conferences::record_review(&mut conn, worker, &plan_id, &too_soon).unwrap_err(),
        );
        assert_eq!(errors[0].0, "held_on");

        // A second review decides to end the plan: it ends that day.
        let ending = ReviewInput {
            held_on: Some(d(2024, 11, 19)),
            decision: "end_plan".into(),
            category: String::new(),
            version: 2,
            ..review
        };
        conferences::record_review(&mut conn, worker, &plan_id, &ending).unwrap();
        let ended = plans::view_cp_plan(&mut conn, worker, &plan_id).unwrap();
        assert_eq!(ended.plan.ended_on, Some(d(2024, 11, 19)));
        assert_eq!(ended.plan.end_reason.as_deref(), Some("no_longer_at_risk"));
        assert_eq!(
            ended.plan.latest_category, "EMO",
            "blank keeps the category"
        );
        assert_eq!(ended.reviews[1].due.date, d(2025, 2, 20));
        assert_eq!(ended.next_review, None);
        assert_eq!(ended.next_visit, None);
        assert_eq!(events_of_kind(&mut conn, "cp_plan.ended").len(), 1);
        assert_eq!(events_of_kind(&mut conn, "cp_plan.reviewed").len(), 2);
        assert_chain_intact(&mut conn);
    }
);

both_backends!(
    a_plan_cannot_end_before_or_on_the_day_it_started,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let (_, plan_id) = case_with_plan(&mut conn, &team, "Amelia");
        let worker = &team.worker.actor;
        let before = plans::end_cp_plan(
            &mut conn,
            worker,
            &plan_id,
            &end(d(2024, 5, 27), "moved_area", 1),
        )
        .unwrap_err();
        let errors = field_errors(before);
        assert_eq!(errors[0].0, "ended_on");
        assert!(errors[0].1.contains("before it started"), "{}", errors[0].1);
        let same_day = plans::end_cp_plan(
            &mut conn,
            worker,
            &plan_id,
            &end(d(2024, 5, 28), "moved_area", 1),
        )
        .unwrap_err();
        let errors = field_errors(same_day);
        assert!(
            errors[0].1.contains("on the day it started"),
            "{}",
            errors[0].1
        );
        let no_reason = plans::end_cp_plan(&mut conn, worker, &plan_id, &end(d(2024, 7, 1), "", 1))
            .unwrap_err();
        assert_eq!(field_errors(no_reason)[0].0, "reason");
        let stale = plans::end_cp_plan(
            &mut conn,
            worker,
            &plan_id,
            &end(d(2024, 7, 1), "moved_area", 7),
        )
        .unwrap_err();
        assert!(conflict(stale).contains("Someone else changed"));

        plans::end_cp_plan(
            &mut conn,
            worker,
            &plan_id,
            &end(d(2024, 7, 1), "moved_area", 1),
        )
        .unwrap();
        let view = plans::view_cp_plan(&mut conn, worker, &plan_id).unwrap();
        assert_eq!(view.plan.ended_on, Some(d(2024, 7, 1)));
        assert_eq!(view.plan.end_reason.as_deref(), Some("moved_area"));
        let again = plans::end_cp_plan(
            &mut conn,
            worker,
            &plan_id,
            &end(d(2024, 7, 2), "moved_area", 2),
        )
        .unwrap_err();
        assert!(conflict(again).contains("ended on 1 July 2024"));
    }
);

both_backends!(
    a_child_in_need_plan_may_start_only_when_no_protection_plan_is_open,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let (case, plan_id) = case_with_plan(&mut conn, &team, "Amelia");
        let worker = &team.worker.actor;
        let form = plans::cin_plan_form(&mut conn, worker, &case.referral).unwrap();
        assert_eq!(form.open_cp_plan.map(|p| p.id), Some(plan_id.clone()));
        let refused =
            plans::start_cin_plan(&mut conn, worker, &case.referral, &start(d(2024, 6, 3)))
                .unwrap_err();
        assert!(conflict(refused).contains("open child protection plan"));

        plans::end_cp_plan(&mut conn, worker, &plan_id, &end(d(2024, 9, 2), "other", 1)).unwrap();
        // Inside the ended plan's period: refused (census 4016).
        let inside =
            plans::start_cin_plan(&mut conn, worker, &case.referral, &start(d(2024, 8, 30)))
                .unwrap_err();
        let errors = field_errors(inside);
        assert_eq!(errors[0].0, "started_on");
        assert!(errors[0].1.contains("2 September 2024"), "{}", errors[0].1);
        // Before the referral: refused (census 4015).
        let early =
            plans::start_cin_plan(&mut conn, worker, &case.referral, &start(d(2024, 4, 30)))
                .unwrap_err();
        assert_eq!(field_errors(early)[0].0, "started_on");

        // On the day the protection plan ended: the step-down day.
        let cin = plans::start_cin_plan(
            &mut conn,
            worker,
            &case.referral,
            &CinPlanInput {
                started_on: Some(d(2024, 9, 2)),
                actions: vec![ActionInput {
                    description: "Family support worker to visit weekly".into(),
                    owner_user_id: Some(team.other_worker.user_id.clone()),
                    owner_name: String::new(),
                    due_on: Some(d(2024, 9, 16)),
                }],
            },
        )
        .unwrap();
        let second =
            plans::start_cin_plan(&mut conn, worker, &case.referral, &start(d(2024, 9, 3)))
                .unwrap_err();
        assert!(conflict(second).contains("already has an open child in need plan"));

        let view = plans::view_cin_plan(&mut conn, worker, &cin).unwrap();
        assert_eq!(view.plan.started_on, d(2024, 9, 2));
        assert_eq!(view.actions.len(), 1);
        assert_eq!(view.actions[0].owner_name, "Test other.worker");
        // Reviewed every 3 months; visited every 20 working days.
        assert_eq!(view.next_review.as_ref().unwrap().date, d(2024, 12, 2));
        assert_eq!(view.next_visit.as_ref().unwrap().date, d(2024, 9, 30));

        let summaries = plans::cin_plans_for_episode(&mut conn, worker, &case.referral).unwrap();
        assert_eq!(summaries.len(), 1);
        let cps = plans::cp_plans_for_episode(&mut conn, worker, &case.referral).unwrap();
        assert_eq!(cps[0].ended_on, Some(d(2024, 9, 2)));
        let conferences = conferences::for_episode(&mut conn, worker, &case.referral).unwrap();
        assert_eq!(conferences.len(), 1);
        assert_eq!(conferences[0].kind, "initial");
    }
);

both_backends!(
    child_in_need_reviews_and_the_end_of_the_plan,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let case = open_case(&mut conn, &team, "Amelia", referral_date());
        let worker = &team.worker.actor;
        let cin = plans::start_cin_plan(&mut conn, worker, &case.referral, &start(d(2024, 6, 3)))
            .unwrap();
        let review = CinReviewInput {
            held_on: Some(d(2024, 8, 30)),
            decision: "continue_plan".into(),
            summary: "Attendance improving.".into(),
            version: 1,
        };
        plans::record_cin_review(&mut conn, worker, &cin, &review).unwrap();
        let stale = plans::record_cin_review(&mut conn, worker, &cin, &review).unwrap_err();
        assert!(conflict(stale).contains("Someone else changed"));
        let view = plans::view_cin_plan(&mut conn, worker, &cin).unwrap();
        assert_eq!(view.reviews.len(), 1);
        assert_eq!(view.reviews[0].timeliness, Timeliness::WithinTarget);
        assert_eq!(view.next_review.as_ref().unwrap().date, d(2024, 11, 30));
        assert_eq!(view.plan.version, 2);

        let no_actions = plans::add_cin_actions(&mut conn, worker, &cin, &[]).unwrap_err();
        assert_eq!(field_errors(no_actions)[0].0, "actions-1-description");
        plans::add_cin_actions(
            &mut conn,
            worker,
            &cin,
            &[ActionInput {
                description: "Referral to the school nurse".into(),
                owner_user_id: None,
                owner_name: "Ms Shah".into(),
                due_on: Some(d(2024, 9, 13)),
            }],
        )
        .unwrap();

        let same_day = plans::end_cin_plan(
            &mut conn,
            worker,
            &cin,
            &end(d(2024, 6, 3), "no_longer_in_need", 2),
        )
        .unwrap_err();
        assert_eq!(field_errors(same_day)[0].0, "ended_on");
        plans::record_cin_review(
            &mut conn,
            worker,
            &cin,
            &CinReviewInput {
                held_on: Some(d(2024, 10, 31)),
                decision: "end_plan".into(),
                summary: "Needs met by universal services.".into(),
                version: 2,
            },
        )
        .unwrap();
        let view = plans::view_cin_plan(&mut conn, worker, &cin).unwrap();
        assert_eq!(view.plan.ended_on, Some(d(2024, 10, 31)));
        assert_eq!(view.plan.end_reason.as_deref(), Some("no_longer_in_need"));
        assert_eq!(view.actions.len(), 1);
        assert_eq!(view.next_review, None);
        assert_eq!(events_of_kind(&mut conn, "cin_plan.ended").len(), 1);
    }
);

both_backends!(
    a_protection_plan_ends_an_open_child_in_need_plan,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let case = open_case(&mut conn, &team, "Amelia", referral_date());
        let worker = &team.worker.actor;
        let cin = plans::start_cin_plan(&mut conn, worker, &case.referral, &start(d(2024, 5, 2)))
            .unwrap();
        let s47 = enquiry_needing_icpc(&mut conn, &team, &case, d(2024, 5, 3));
        let recorded = conferences::record_icpc(
            &mut conn,
            worker,
            &s47,
            &icpc(d(2024, 5, 28), "cp_plan", "NEG"),
        )
        .unwrap();
        assert_eq!(recorded.ended_cin_plan_id.as_deref(), Some(cin.as_str()));
        let view = plans::view_cin_plan(&mut conn, worker, &cin).unwrap();
        assert_eq!(view.plan.ended_on, Some(d(2024, 5, 28)));
        assert_eq!(view.plan.end_reason.as_deref(), Some("stepped_up_to_cp"));
        let current = plans::current_plans_for_person(&mut conn, &case.child).unwrap();
        assert!(current.child_in_need.is_none());
        assert_eq!(
            current.child_protection.map(|p| p.category),
            Some(Some("NEG".to_string()))
        );
    }
);

both_backends!(
    the_next_visit_counts_from_the_last_time_the_child_was_seen,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let (case, plan_id) = case_with_plan(&mut conn, &team, "Amelia");
        let visit = |conn: &mut DbConn, day: NaiveDate, seen: bool| {
            diesel::insert_into(visits::table)
                .values((
                    visits::id.eq(uuid::Uuid::now_v7().to_string()),
                    visits::person_id.eq(&case.child),
                    visits::referral_id.eq(&case.referral),
                    visits::visited_at.eq(day.and_hms_opt(10, 0, 0).unwrap()),
                    visits::kind.eq("announced"),
                    visits::child_seen.eq(seen),
                    visits::seen_alone.eq(false),
                    visits::bedroom_seen.eq(false),
                    visits::observations.eq("Observed at home."),
                    visits::worker_id.eq(&team.worker.user_id),
                    visits::created_at.eq(cairn_db::now()),
                    visits::created_by.eq(&team.worker.user_id),
                ))
                .execute(conn)
                .unwrap();
        };
        visit(&mut conn, d(2024, 6, 4), true);
        // A visit at which the child was not seen does not count.
        visit(&mut conn, d(2024, 6, 10), false);
        let current = plans::current_plans_for_person(&mut conn, &case.child).unwrap();
        let cp = current.child_protection.unwrap();
        assert_eq!(cp.id, plan_id);
        assert_eq!(
            cp.next_visit.date,
            d(2024, 6, 18),
            "10 working days from Tue 4 June"
        );
        assert!(
            cp.next_visit.basis.contains("last visit"),
            "{}",
            cp.next_visit.basis
        );
        assert_eq!(cp.next_review.date, d(2024, 8, 28));
        let view = plans::view_cp_plan(&mut conn, &team.worker.actor, &plan_id).unwrap();
        assert_eq!(view.latest_seen_visit, Some(d(2024, 6, 4)));
        let before = audit_count(&mut conn);
        plans::current_plans_for_person(&mut conn, &case.child).unwrap();
        assert_eq!(
            audit_count(&mut conn),
            before,
            "the caller audits its own read"
        );
    }
);

both_backends!(
    reads_are_audited_and_refusals_name_the_child,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let (case, plan_id) = case_with_plan(&mut conn, &team, "Amelia");
        let admin = staff(&mut conn, "admin.one", Role::Administrator);
        let inspector = staff(&mut conn, "inspector.one", Role::Inspector);

        plans::view_cp_plan(&mut conn, &inspector.actor, &plan_id).unwrap();
        let viewed = audit_rows_for(&mut conn, "cp_plan.view");
        assert_eq!(viewed.len(), 1);
        assert_eq!(viewed[0].person_id.as_deref(), Some(case.child.as_str()));
        assert_eq!(viewed[0].entity_id.as_deref(), Some(plan_id.as_str()));

        match plans::view_cp_plan(&mut conn, &admin.actor, &plan_id) {
            Err(ServiceError::Denied { action, .. }) => assert_eq!(action, Action::ViewCasework),
            other => panic!("administrators may not read casework: {other:?}"),
        }
        match plans::end_cp_plan(
            &mut conn,
            &inspector.actor,
            &plan_id,
            &end(d(2024, 7, 1), "other", 1),
        ) {
            Err(ServiceError::Denied { action, .. }) => assert_eq!(action, Action::RecordCasework),
            other => panic!("inspectors may not change plans: {other:?}"),
        }
        let denied = audit_rows_for(&mut conn, "access.denied");
        assert_eq!(denied.len(), 2);
        assert!(
            denied
                .iter()
                .all(|r| r.person_id.as_deref() == Some(case.child.as_str()))
        );
        let view = plans::view_cp_plan(&mut conn, &team.worker.actor, &plan_id).unwrap();
        assert_eq!(view.plan.ended_on, None, "the refused end changed nothing");
        assert!(matches!(
            plans::view_cp_plan(
                &mut conn,
                &team.worker.actor,
                &uuid::Uuid::now_v7().to_string()
            ),
            Err(ServiceError::NotFound(_))
        ));
        assert_chain_intact(&mut conn);
    }
);

//! Strategy discussions, section 47 enquiries and their sign-off, actions, visits and the
//! timescale versions, on both backends.

use cairn_core::casework::actions::{self, ActionInput};
use cairn_core::casework::section47::{self, OutcomeInput};
use cairn_core::casework::strategy::{self, ParticipantInput, StrategyInput};
use cairn_core::casework::timescales::{self, TimescaleInput};
use cairn_core::casework::visits::{self, VisitInput};
use cairn_core::{Actor, ServiceError, Settings};
use cairn_db::DbConn;
use cairn_db::both_backends;
use cairn_db::casework::actions as action_repo;
use cairn_db::casework::section47 as s47_repo;
use cairn_db::casework::visits as visit_repo;
use cairn_db::testing::TestDb;
use cairn_domain::casework::{ActionStatus, Agency, Section47Outcome, StrategyDecision};
use cairn_domain::roles::Role;
use chrono::{Duration, NaiveDate, NaiveDateTime};

use crate::support::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A UTC time: `hour` is UTC, so 09:00 in May is 10:00 in England.
fn utc(date: NaiveDate, hour: u32) -> NaiveDateTime {
    date.and_hms_opt(hour, 0, 0).unwrap()
}

fn person(agency: &str, name: &str) -> ParticipantInput {
    ParticipantInput {
        agency: agency.into(),
        name: name.into(),
        role: "Officer".into(),
    }
}

/// A discussion on Fri 3 May 2024 at 10:00 in England with social care, police and health,
/// deciding `decision`.
fn discussion(decision: StrategyDecision) -> StrategyInput {
    StrategyInput {
        held_at: Some(utc(d(2024, 5, 3), 9)),
        participants: vec![
            person("social_care", "Sam Worker"),
            person("police", "DC Jo Patel"),
            person("health", "Dr Ann Lee"),
        ],
        information_shared: "School reported a bruise; police hold a domestic abuse log.".into(),
        decision: decision.code().into(),
        rationale: "Reasonable cause to suspect significant harm.".into(),
        ..StrategyInput::default()
    }
}

fn fields_of(e: ServiceError) -> Vec<(String, String)> {
    match e {
        ServiceError::Invalid(errors) => errors
            .iter()
            .map(|f| (f.field.clone(), f.message.clone()))
            .collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn field_names(e: ServiceError) -> Vec<String> {
    fields_of(e).into_iter().map(|(f, _)| f).collect()
}

fn is_conflict(e: &ServiceError) -> bool {
    matches!(e, ServiceError::Conflict(_))
}

fn outcome(code: Section47Outcome, on: NaiveDate) -> OutcomeInput {
    OutcomeInput {
        outcome: code.code().into(),
        outcome_on: Some(on),
        notes: "Concluded after a home visit and a medical.".into(),
    }
}

/// Records a section 47 discussion on 3 May 2024; returns (discussion id, enquiry id).
fn start_enquiry(conn: &mut DbConn, actor: &Actor, referral: &str) -> (String, String) {
    let done = strategy::record(
        conn,
        actor,
        referral,
        &discussion(StrategyDecision::Section47),
    )
    .unwrap();
    let s47 = done.section47_id.expect("an enquiry started");
    (done.id, s47)
}

both_backends!(
    a_section_47_decision_starts_the_enquiry_on_the_discussion_date,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let case = open_case(&mut conn, &team, "Ava", d(2024, 5, 1));
        let done = strategy::record(
            &mut conn,
            &team.worker.actor,
            &case.referral,
            &discussion(StrategyDecision::Section47),
        )
        .unwrap();
        assert!(done.missing_agencies.is_empty());
        let s47_id = done.section47_id.clone().expect("an enquiry started");
        let row = s47_repo::find(&mut conn, &s47_id).unwrap().unwrap();
        assert_eq!(row.started_on, d(2024, 5, 3));
        assert_eq!(row.strategy_discussion_id, done.id);
        assert_eq!(row.person_id, case.child);
        assert_eq!(row.outcome, None);

        // 15 working days from Fri 3 May 2024, not counting the bank holidays on 6 and 27 May.
        let view = section47::view(&mut conn, &team.worker.actor, &s47_id).unwrap();
        assert_eq!(view.icpc_due.date, d(2024, 5, 28));
        assert!(
            view.icpc_due
                .basis
                .starts_with("15 working days from the strategy discussion"),
            "{}",
            view.icpc_due.basis
        );
        assert!(view.icpc_due.basis.contains("Fri 3 May 2024"));

        let held = events_of_kind(&mut conn, "strategy_discussion.held");
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].person_id.as_deref(), Some(case.child.as_str()));
        assert_eq!(events_of_kind(&mut conn, "section47.started").len(), 1);
        let recorded = audit_rows_for(&mut conn, "strategy_discussion.record");
        assert_eq!(recorded.len(), 1);
        assert_eq!(recorded[0].person_id.as_deref(), Some(case.child.as_str()));
        assert_eq!(audit_rows_for(&mut conn, "section47.start").len(), 1);

        // The discussion's page shows the enquiry it started and who took part.
        let sd = strategy::view(&mut conn, &team.worker.actor, &done.id).unwrap();
        assert_eq!(sd.participants.len(), 3);
        assert_eq!(sd.held_on, d(2024, 5, 3));
        assert_eq!(sd.section47.map(|s| s.id), Some(s47_id.clone()));
        assert_eq!(sd.warning, None);
        assert_eq!(sd.chair_name, "Test worker");

        let listed = section47::for_episode(&mut conn, &team.worker.actor, &case.referral).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].icpc_due.date, d(2024, 5, 28));
        let discussions =
            strategy::for_episode(&mut conn, &team.worker.actor, &case.referral).unwrap();
        assert_eq!(discussions.len(), 1);
        assert_eq!(
            discussions[0].section47_id.as_deref(),
            Some(s47_id.as_str())
        );
        assert_chain_intact(&mut conn);
    }
);

both_backends!(
    a_discussion_late_in_the_evening_starts_on_the_date_in_england,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let case = open_case(&mut conn, &team, "Ava", d(2024, 5, 1));
        // 23:30 UTC on 2 May is 00:30 on 3 May in England (BST).
        let input = StrategyInput {
            held_at: Some(d(2024, 5, 2).and_hms_opt(23, 30, 0).unwrap()),
            ..discussion(StrategyDecision::Section47)
        };
        let done = strategy::record(&mut conn, &team.worker.actor, &case.referral, &input).unwrap();
        let row = s47_repo::find(&mut conn, &done.section47_id.unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(row.started_on, d(2024, 5, 3));
    }
);

both_backends!(
    police_or_health_absent_is_a_warning_not_a_refusal,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let case = open_case(&mut conn, &team, "Ava", d(2024, 5, 1));
        let input = StrategyInput {
            participants: vec![
                person("social_care", "Sam Worker"),
                person("education", "Ms Priya Shah"),
            ],
            ..discussion(StrategyDecision::NoSection47)
        };
        let done = strategy::record(&mut conn, &team.worker.actor, &case.referral, &input).unwrap();
        assert_eq!(done.missing_agencies, vec![Agency::Police, Agency::Health]);
        assert_eq!(done.section47_id, None);
        let view = strategy::view(&mut conn, &team.worker.actor, &done.id).unwrap();
        assert_eq!(view.missing_agencies, vec![Agency::Police, Agency::Health]);
        let warning = view.warning.expect("a warning");
        assert!(
            warning.starts_with("Police and health did not take part"),
            "{warning}"
        );
        let listed = strategy::for_episode(&mut conn, &team.worker.actor, &case.referral).unwrap();
        assert!(listed[0].police_or_health_absent);

        // Health alone missing is named alone.
        let input = StrategyInput {
            participants: vec![
                person("social_care", "Sam Worker"),
                person("police", "DC Jo Patel"),
            ],
            ..discussion(StrategyDecision::NoSection47)
        };
        let done = strategy::record(&mut conn, &team.worker.actor, &case.referral, &input).unwrap();
        assert_eq!(done.missing_agencies, vec![Agency::Health]);
        assert!(
            strategy::absence_warning(&done.missing_agencies)
                .unwrap()
                .starts_with("Health did not take part")
        );

        // Social care alone is not a multi-agency discussion at all.
        let alone = StrategyInput {
            participants: vec![person("social_care", "Sam Worker")],
            ..discussion(StrategyDecision::NoSection47)
        };
        let e =
            strategy::record(&mut conn, &team.worker.actor, &case.referral, &alone).unwrap_err();
        assert_eq!(field_names(e), ["participants"]);
    }
);

both_backends!(
    bad_discussions_are_refused_with_every_problem,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let case = open_case(&mut conn, &team, "Ava", d(2024, 5, 1));
        let before = event_count(&mut conn);
        let input = StrategyInput {
            held_at: Some(utc(d(2024, 4, 30), 9)),
            participants: vec![
                person("social_care", "Sam Worker"),
                ParticipantInput::default(),
                person("family", "Mum"),
            ],
            information_shared: "  ".into(),
            decision: "maybe".into(),
            rationale: String::new(),
            actions: vec![
                ActionInput {
                    description: "Visit".into(),
                    ..ActionInput::default()
                },
                ActionInput::default(),
            ],
            ..StrategyInput::default()
        };
        let e =
            strategy::record(&mut conn, &team.worker.actor, &case.referral, &input).unwrap_err();
        let fields = fields_of(e);
        let names: Vec<&str> = fields.iter().map(|(f, _)| f.as_str()).collect();
        for expected in [
            "held",
            "participants-3-agency",
            "information_shared",
            "decision",
            "rationale",
            "actions-1-owner",
            "actions-1-due",
        ] {
            assert!(names.contains(&expected), "{expected} in {names:?}");
        }
        let held = &fields.iter().find(|(f, _)| f == "held").unwrap().1;
        assert!(held.contains("1 May 2024"), "{held}");

        // In the future.
        let future = StrategyInput {
            held_at: Some(cairn_db::now() + Duration::hours(2)),
            ..discussion(StrategyDecision::NoSection47)
        };
        let e =
            strategy::record(&mut conn, &team.worker.actor, &case.referral, &future).unwrap_err();
        assert_eq!(field_names(e), ["held"]);
        assert_eq!(event_count(&mut conn), before, "nothing was written");
    }
);

both_backends!(
    a_second_open_enquiry_is_refused_naming_the_open_one,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let case = open_case(&mut conn, &team, "Ava", d(2024, 5, 1));
        let (_, first) = start_enquiry(&mut conn, &team.worker.actor, &case.referral);
        let again = StrategyInput {
            held_at: Some(utc(d(2024, 5, 7), 9)),
            ..discussion(StrategyDecision::Section47)
        };
        let e =
            strategy::record(&mut conn, &team.worker.actor, &case.referral, &again).unwrap_err();
        let fields = fields_of(e);
        assert_eq!(fields[0].0, "decision");
        assert!(
            fields[0].1.contains("started on 3 May 2024"),
            "{}",
            fields[0].1
        );
        assert!(fields[0].1.contains("still open"));

        // A discussion that decides something else is still recorded.
        let other = StrategyInput {
            held_at: Some(utc(d(2024, 5, 7), 9)),
            ..discussion(StrategyDecision::PoliceSingleAgency)
        };
        strategy::record(&mut conn, &team.worker.actor, &case.referral, &other).unwrap();

        // Continuing risk is still open until its conference is held.
        section47::record_outcome(
            &mut conn,
            &team.worker.actor,
            &first,
            1,
            &outcome(Section47Outcome::ContinuingRiskIcpc, d(2024, 5, 10)),
        )
        .unwrap();
        let e =
            strategy::record(&mut conn, &team.worker.actor, &case.referral, &again).unwrap_err();
        assert!(
            fields_of(e)[0]
                .1
                .contains("initial child protection conference")
        );

        // Once concluded without a conference, a new enquiry may start, but not before the
        // last one concluded.
        section47::record_outcome(
            &mut conn,
            &team.worker.actor,
            &first,
            2,
            &outcome(Section47Outcome::NotSubstantiated, d(2024, 5, 10)),
        )
        .unwrap();
        let e =
            strategy::record(&mut conn, &team.worker.actor, &case.referral, &again).unwrap_err();
        let fields = fields_of(e);
        assert_eq!(fields[0].0, "held");
        assert!(fields[0].1.contains("10 May 2024"), "{}", fields[0].1);
        let later = StrategyInput {
            held_at: Some(utc(d(2024, 6, 3), 9)),
            ..discussion(StrategyDecision::Section47)
        };
        let done = strategy::record(&mut conn, &team.worker.actor, &case.referral, &later).unwrap();
        assert!(done.section47_id.is_some());
        assert_eq!(
            section47::for_episode(&mut conn, &team.worker.actor, &case.referral)
                .unwrap()
                .len(),
            2
        );
    }
);

both_backends!(
    an_outcome_must_fall_between_the_start_and_today,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let case = open_case(&mut conn, &team, "Ava", d(2024, 5, 1));
        let (_, s47) = start_enquiry(&mut conn, &team.worker.actor, &case.referral);
        let before = outcome(Section47Outcome::NotSubstantiated, d(2024, 5, 2));
        let e =
            section47::record_outcome(&mut conn, &team.worker.actor, &s47, 1, &before).unwrap_err();
        let fields = fields_of(e);
        assert_eq!(fields[0].0, "outcome_on");
        assert!(fields[0].1.contains("3 May 2024"), "{}", fields[0].1);
        let future = outcome(
            Section47Outcome::NotSubstantiated,
            today() + Duration::days(2),
        );
        let e =
            section47::record_outcome(&mut conn, &team.worker.actor, &s47, 1, &future).unwrap_err();
        assert_eq!(field_names(e), ["outcome_on"]);
        let blank = OutcomeInput::default();
        let e =
            section47::record_outcome(&mut conn, &team.worker.actor, &s47, 1, &blank).unwrap_err();
        assert_eq!(field_names(e), ["outcome", "outcome_on"]);
        // The same day as the start is fine.
        section47::record_outcome(
            &mut conn,
            &team.worker.actor,
            &s47,
            1,
            &outcome(Section47Outcome::NotSubstantiated, d(2024, 5, 3)),
        )
        .unwrap();
        let view = section47::view(&mut conn, &team.worker.actor, &s47).unwrap();
        assert_eq!(view.outcome, Some(Section47Outcome::NotSubstantiated));
        assert_eq!(view.icpc_not_required, Some(true));
        assert!(!view.needs_conference);
        assert_eq!(view.recorded_by_name.as_deref(), Some("Test worker"));
        assert_eq!(
            events_of_kind(&mut conn, "section47.outcome_recorded").len(),
            1
        );
    }
);

both_backends!(
    a_manager_signs_off_an_outcome_but_not_their_own,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let case = open_case(&mut conn, &team, "Ava", d(2024, 5, 1));
        let (_, s47) = start_enquiry(&mut conn, &team.worker.actor, &case.referral);
        let settings = Settings::default();

        // Nothing to sign off before an outcome.
        let e =
            section47::sign_off(&mut conn, &team.manager.actor, &settings, &s47, 1).unwrap_err();
        assert!(is_conflict(&e), "{e:?}");

        section47::record_outcome(
            &mut conn,
            &team.worker.actor,
            &s47,
            1,
            &outcome(Section47Outcome::ContinuingRiskIcpc, d(2024, 5, 10)),
        )
        .unwrap();
        // A social worker may not sign off; the refusal names the child.
        let e = section47::sign_off(&mut conn, &team.worker.actor, &settings, &s47, 2).unwrap_err();
        assert!(matches!(e, ServiceError::Denied { .. }), "{e:?}");
        let denied = audit_rows_for(&mut conn, "access.denied");
        assert_eq!(denied.len(), 1);
        assert_eq!(denied[0].person_id.as_deref(), Some(case.child.as_str()));
        assert_eq!(denied[0].outcome, "denied");

        section47::sign_off(&mut conn, &team.manager.actor, &settings, &s47, 2).unwrap();
        let row = s47_repo::find(&mut conn, &s47).unwrap().unwrap();
        assert_eq!(
            row.signed_off_by.as_deref(),
            Some(team.manager.user_id.as_str())
        );
        assert!(row.signed_off_at.is_some());
        assert_eq!(row.version, 3);
        let view = section47::view(&mut conn, &team.worker.actor, &s47).unwrap();
        assert!(view.needs_conference);
        assert_eq!(view.signed_off_by_name.as_deref(), Some("Test manager"));
        // Signed off: the outcome can no longer change, and it is not signed twice.
        let e = section47::record_outcome(
            &mut conn,
            &team.worker.actor,
            &s47,
            3,
            &outcome(Section47Outcome::NotSubstantiated, d(2024, 5, 10)),
        )
        .unwrap_err();
        assert!(is_conflict(&e));
        let e =
            section47::sign_off(&mut conn, &team.manager.actor, &settings, &s47, 3).unwrap_err();
        assert!(is_conflict(&e));
        assert_eq!(audit_rows_for(&mut conn, "section47.sign_off").len(), 1);
        assert_eq!(events_of_kind(&mut conn, "section47.signed_off").len(), 1);

        // A manager who recorded the outcome needs another manager, unless allowed.
        let other = open_case(&mut conn, &team, "Ben", d(2024, 5, 1));
        let (_, own) = start_enquiry(&mut conn, &team.manager.actor, &other.referral);
        section47::record_outcome(
            &mut conn,
            &team.manager.actor,
            &own,
            1,
            &outcome(Section47Outcome::NotSubstantiated, d(2024, 5, 10)),
        )
        .unwrap();
        let e =
            section47::sign_off(&mut conn, &team.manager.actor, &settings, &own, 2).unwrap_err();
        match e {
            ServiceError::Conflict(m) => assert!(m.contains("another manager"), "{m}"),
            other => panic!("expected a conflict, got {other:?}"),
        }
        let lenient = Settings {
            managers_may_authorise_own_work: true,
            ..Settings::default()
        };
        section47::sign_off(&mut conn, &team.manager.actor, &lenient, &own, 2).unwrap();
    }
);

both_backends!(a_stale_version_is_a_conflict, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let case = open_case(&mut conn, &team, "Ava", d(2024, 5, 1));
    let (_, s47) = start_enquiry(&mut conn, &team.worker.actor, &case.referral);
    let first = outcome(Section47Outcome::NotSubstantiated, d(2024, 5, 10));
    section47::record_outcome(&mut conn, &team.worker.actor, &s47, 1, &first).unwrap();
    // A colleague working from the page as it was before.
    let second = outcome(
        Section47Outcome::SubstantiatedNoContinuingRisk,
        d(2024, 5, 11),
    );
    let e = section47::record_outcome(&mut conn, &team.other_worker.actor, &s47, 1, &second)
        .unwrap_err();
    assert!(is_conflict(&e), "{e:?}");
    let row = s47_repo::find(&mut conn, &s47).unwrap().unwrap();
    assert_eq!(row.outcome.as_deref(), Some("not_substantiated"));
    assert_eq!(row.version, 2);
    let e = section47::sign_off(
        &mut conn,
        &team.manager.actor,
        &Settings::default(),
        &s47,
        1,
    )
    .unwrap_err();
    assert!(is_conflict(&e));
    assert!(
        s47_repo::find(&mut conn, &s47)
            .unwrap()
            .unwrap()
            .signed_off_at
            .is_none()
    );
});

both_backends!(
    actions_are_agreed_with_owners_and_closed_with_a_note,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let case = open_case(&mut conn, &team, "Ava", d(2024, 5, 1));
        let input = StrategyInput {
            actions: vec![
                ActionInput {
                    description: "Visit Ava at home with police".into(),
                    owner_user_id: Some(team.other_worker.user_id.clone()),
                    owner_name: String::new(),
                    due_on: Some(d(2024, 5, 4)),
                },
                ActionInput::default(),
                ActionInput {
                    description: "Share the domestic abuse log".into(),
                    owner_user_id: None,
                    owner_name: "DC Jo Patel".into(),
                    due_on: Some(d(2024, 5, 6)),
                },
            ],
            ..discussion(StrategyDecision::Section47)
        };
        let done = strategy::record(&mut conn, &team.worker.actor, &case.referral, &input).unwrap();
        let rows = action_repo::for_source(&mut conn, "strategy_discussion", &done.id).unwrap();
        assert_eq!(rows.len(), 2, "the blank row is dropped");
        assert_eq!(
            rows[0].owner_user_id.as_deref(),
            Some(team.other_worker.user_id.as_str())
        );
        assert_eq!(rows[0].owner_name, "Test other.worker");
        assert_eq!(rows[1].owner_user_id, None);
        assert_eq!(rows[1].owner_name, "DC Jo Patel");
        assert_eq!(rows[1].person_id, case.child);
        assert_eq!(events_of_kind(&mut conn, "action.agreed").len(), 2);
        let view = strategy::view(&mut conn, &team.worker.actor, &done.id).unwrap();
        assert_eq!(view.actions.len(), 2);

        // An action due before the discussion is a mistake.
        let early = StrategyInput {
            held_at: Some(utc(d(2024, 5, 8), 9)),
            actions: vec![ActionInput {
                description: "Too early".into(),
                owner_name: "Someone".into(),
                due_on: Some(d(2024, 5, 7)),
                ..ActionInput::default()
            }],
            ..discussion(StrategyDecision::NoSection47)
        };
        let e =
            strategy::record(&mut conn, &team.worker.actor, &case.referral, &early).unwrap_err();
        assert_eq!(field_names(e), ["actions-1-due"]);

        // Closed with a note; a second close from the same stale page is a conflict.
        let id = rows[0].id.clone();
        actions::close(
            &mut conn,
            &team.other_worker.actor,
            &id,
            1,
            ActionStatus::Done,
            "Visited on 4 May; Ava seen alone.",
        )
        .unwrap();
        let closed = action_repo::find(&mut conn, &id).unwrap().unwrap();
        assert_eq!(closed.status, "done");
        assert_eq!(
            closed.completion_note.as_deref(),
            Some("Visited on 4 May; Ava seen alone.")
        );
        assert_eq!(
            closed.completed_by.as_deref(),
            Some(team.other_worker.user_id.as_str())
        );
        let e = actions::close(
            &mut conn,
            &team.worker.actor,
            &id,
            1,
            ActionStatus::Cancelled,
            "No longer needed",
        )
        .unwrap_err();
        assert!(is_conflict(&e));
        let e = actions::close(
            &mut conn,
            &team.worker.actor,
            &rows[1].id,
            1,
            ActionStatus::Done,
            "  ",
        )
        .unwrap_err();
        assert_eq!(field_names(e), ["note"]);

        let shown = strategy::view_action(&mut conn, &team.worker.actor, &id).unwrap();
        assert_eq!(shown.status, ActionStatus::Done);
        assert_eq!(
            shown.completed_by_name.as_deref(),
            Some("Test other.worker")
        );
        let viewed = audit_rows_for(&mut conn, "action.view");
        assert_eq!(viewed.len(), 1);
        assert_eq!(viewed[0].person_id.as_deref(), Some(case.child.as_str()));
    }
);

fn seen_visit(at: NaiveDateTime) -> VisitInput {
    VisitInput {
        visited_at: Some(at),
        kind: "unannounced".into(),
        child_seen: Some(true),
        seen_alone: Some(true),
        bedroom_seen: Some(true),
        present: "Mother".into(),
        observations: "Ava was playing happily; the home was warm and clean.".into(),
        ..VisitInput::default()
    }
}

both_backends!(visits_are_recorded_and_checked, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let case = open_case(&mut conn, &team, "Ava", d(2024, 5, 1));
    let not_seen = VisitInput {
        child_seen: Some(false),
        seen_alone: None,
        ..seen_visit(utc(d(2024, 5, 20), 14))
    };
    let e = visits::record(&mut conn, &team.worker.actor, &case.referral, &not_seen).unwrap_err();
    assert_eq!(field_names(e), ["not_seen_reason"]);
    let future = seen_visit(cairn_db::now() + Duration::hours(3));
    let e = visits::record(&mut conn, &team.worker.actor, &case.referral, &future).unwrap_err();
    assert_eq!(field_names(e), ["visited"]);
    let early = seen_visit(utc(d(2024, 4, 20), 14));
    let e = visits::record(&mut conn, &team.worker.actor, &case.referral, &early).unwrap_err();
    assert_eq!(field_names(e), ["visited"]);
    let blank = VisitInput::default();
    let e = visits::record(&mut conn, &team.worker.actor, &case.referral, &blank).unwrap_err();
    assert_eq!(
        field_names(e),
        [
            "visited",
            "kind",
            "child_seen",
            "bedroom_seen",
            "observations"
        ]
    );
    let contradictory = VisitInput {
        child_seen: Some(false),
        not_seen_reason: "Nobody answered the door.".into(),
        ..seen_visit(utc(d(2024, 5, 20), 14))
    };
    let e = visits::record(
        &mut conn,
        &team.worker.actor,
        &case.referral,
        &contradictory,
    )
    .unwrap_err();
    assert_eq!(field_names(e), ["seen_alone"]);
    assert!(events_of_kind(&mut conn, "visit.recorded").is_empty());

    let seen = visits::record(
        &mut conn,
        &team.worker.actor,
        &case.referral,
        &seen_visit(utc(d(2024, 5, 10), 14)),
    )
    .unwrap();
    let missed = VisitInput {
        child_seen: Some(false),
        seen_alone: None,
        not_seen_reason: "Nobody answered the door.".into(),
        ..seen_visit(utc(d(2024, 5, 20), 14))
    };
    visits::record(&mut conn, &team.worker.actor, &case.referral, &missed).unwrap();
    assert_eq!(
        visits::latest_seen_visit(&mut conn, &case.child).unwrap(),
        Some(d(2024, 5, 10)),
        "a visit without the child seen does not count"
    );
    let other = open_case(&mut conn, &team, "Ben", d(2024, 5, 1));
    let latest =
        visit_repo::latest_seen_for_people(&mut conn, &[case.child.clone(), other.child.clone()])
            .unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[&case.child], utc(d(2024, 5, 10), 14));
    assert_eq!(
        visit_repo::for_referral(&mut conn, &case.referral)
            .unwrap()
            .len(),
        2
    );

    let view = visits::view(&mut conn, &team.worker.actor, &seen).unwrap();
    assert!(view.visit.child_seen && view.visit.seen_alone && view.visit.bedroom_seen);
    assert_eq!(view.worker_name, "Test worker");
    let listed = visits::for_episode(&mut conn, &team.worker.actor, &case.referral).unwrap();
    assert_eq!(listed.len(), 2);
    assert!(!listed[0].child_seen, "most recent first");
    assert_eq!(events_of_kind(&mut conn, "visit.recorded").len(), 2);
    let recorded = audit_rows_for(&mut conn, "visit.record");
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[0].person_id.as_deref(), Some(case.child.as_str()));
});

both_backends!(
    reads_are_audited_and_denials_name_the_child,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let case = open_case(&mut conn, &team, "Ava", d(2024, 5, 1));
        let (sd, s47) = start_enquiry(&mut conn, &team.worker.actor, &case.referral);
        let visit = visits::record(
            &mut conn,
            &team.worker.actor,
            &case.referral,
            &seen_visit(utc(d(2024, 5, 10), 14)),
        )
        .unwrap();
        strategy::view(&mut conn, &team.manager.actor, &sd).unwrap();
        section47::view(&mut conn, &team.manager.actor, &s47).unwrap();
        visits::view(&mut conn, &team.manager.actor, &visit).unwrap();
        for (action, entity) in [
            ("strategy_discussion.view", &sd),
            ("section47.view", &s47),
            ("visit.view", &visit),
        ] {
            let rows = audit_rows_for(&mut conn, action);
            assert_eq!(rows.len(), 1, "{action}");
            assert_eq!(rows[0].person_id.as_deref(), Some(case.child.as_str()));
            assert_eq!(rows[0].entity_id.as_deref(), Some(entity.as_str()));
            assert_eq!(
                rows[0].actor_user_id.as_deref(),
                Some(team.manager.user_id.as_str())
            );
        }

        // An administrator runs the system, not the casework.
        let admin = staff(&mut conn, "admin", Role::Administrator);
        let e = strategy::view(&mut conn, &admin.actor, &sd).unwrap_err();
        assert!(matches!(e, ServiceError::Denied { .. }));
        let e = section47::view(&mut conn, &admin.actor, &s47).unwrap_err();
        assert!(matches!(e, ServiceError::Denied { .. }));
        let e = visits::record(
            &mut conn,
            &admin.actor,
            &case.referral,
            &seen_visit(utc(d(2024, 5, 11), 14)),
        )
        .unwrap_err();
        assert!(matches!(e, ServiceError::Denied { .. }));
        let e = strategy::record(
            &mut conn,
            &admin.actor,
            &case.referral,
            &discussion(StrategyDecision::NoSection47),
        )
        .unwrap_err();
        assert!(matches!(e, ServiceError::Denied { .. }));
        let denied = audit_rows_for(&mut conn, "access.denied");
        assert_eq!(denied.len(), 4);
        assert!(
            denied
                .iter()
                .all(|r| r.person_id.as_deref() == Some(case.child.as_str()))
        );
        assert_eq!(
            audit_rows_for(&mut conn, "strategy_discussion.view").len(),
            1
        );
        assert_chain_intact(&mut conn);
    }
);

both_backends!(work_on_a_closed_episode_is_refused, |db: TestDb| {
    use cairn_db::schema::referrals;
    use diesel::prelude::*;
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let case = open_case(&mut conn, &team, "Ava", d(2024, 5, 1));
    diesel::update(referrals::table.find(&case.referral))
        .set((
            referrals::closed_on.eq(Some(d(2024, 6, 1))),
            referrals::closure_reason.eq(Some("RC8")),
        ))
        .execute(&mut conn)
        .unwrap();
    let e = strategy::record(
        &mut conn,
        &team.worker.actor,
        &case.referral,
        &discussion(StrategyDecision::NoSection47),
    )
    .unwrap_err();
    assert!(is_conflict(&e));
    let e = visits::record(
        &mut conn,
        &team.worker.actor,
        &case.referral,
        &seen_visit(utc(d(2024, 5, 10), 14)),
    )
    .unwrap_err();
    assert!(is_conflict(&e));
});

fn next_version(effective_from: NaiveDate) -> TimescaleInput {
    TimescaleInput {
        name: "Local standards 2030".into(),
        effective_from: Some(effective_from),
        assessment_model: "single".into(),
        single_assessment_working_days: Some(40),
        icpc_working_days: Some(15),
        first_review_months: Some(3),
        review_interval_months: Some(6),
        core_group_working_days: Some(10),
        cp_visit_working_days: Some(10),
        cin_visit_working_days: Some(20),
        cin_review_months: Some(3),
        notes: "Assessments within 40 working days.".into(),
        ..TimescaleInput::default()
    }
}

both_backends!(timescale_versions_are_added_never_edited, |db: TestDb| {
    let mut conn = db.conn();
    let service = staff(&mut conn, "service.manager", Role::ServiceManager);
    let worker = staff(&mut conn, "worker", Role::SocialWorker);
    let listed = timescales::list(&mut conn, &service.actor).unwrap();
    assert_eq!(listed.versions.len(), 3);
    let current = listed.current().unwrap();
    assert_eq!(current.profile.name, "Working Together 2013 onwards");
    assert!(listed.versions[0].in_force, "newest first");
    let prefilled = TimescaleInput::from_profile(&current.profile);
    assert_eq!(prefilled.single_assessment_working_days, Some(45));
    assert_eq!(prefilled.assessment_model, "single");

    // Zeros and blanks are refused against their fields.
    let zero = TimescaleInput {
        icpc_working_days: Some(0),
        cp_visit_working_days: None,
        single_assessment_working_days: Some(0),
        name: " ".into(),
        ..next_version(d(2030, 4, 1))
    };
    let e = timescales::add_version(&mut conn, &service.actor, &zero).unwrap_err();
    let names = field_names(e);
    for f in [
        "name",
        "single_assessment_working_days",
        "icpc_working_days",
        "cp_visit_working_days",
    ] {
        assert!(names.contains(&f.to_string()), "{f} in {names:?}");
    }
    let no_regime = TimescaleInput {
        assessment_model: String::new(),
        effective_from: None,
        ..next_version(d(2030, 4, 1))
    };
    let e = timescales::add_version(&mut conn, &service.actor, &no_regime).unwrap_err();
    assert_eq!(field_names(e), ["effective_from", "assessment_model"]);

    let id =
        timescales::add_version(&mut conn, &service.actor, &next_version(d(2030, 4, 1))).unwrap();
    let added = audit_rows_for(&mut conn, "timescales.add_version");
    assert_eq!(added.len(), 1);
    assert_eq!(added[0].entity_id.as_deref(), Some(id.as_str()));
    assert_eq!(
        events_of_kind(&mut conn, "timescales.version_added").len(),
        1
    );
    let listed = timescales::list(&mut conn, &service.actor).unwrap();
    assert_eq!(listed.versions.len(), 4);
    assert_eq!(listed.versions[0].profile.name, "Local standards 2030");
    assert!(!listed.versions[0].in_force, "not in force until 2030");
    assert_eq!(listed.versions[0].created_by_name, "Test service.manager");

    // The same date again is refused.
    let again = TimescaleInput {
        name: "Another".into(),
        ..next_version(d(2030, 4, 1))
    };
    let e = timescales::add_version(&mut conn, &service.actor, &again).unwrap_err();
    let fields = fields_of(e);
    assert_eq!(fields[0].0, "effective_from");
    assert!(fields[0].1.contains("1 April 2030"), "{}", fields[0].1);

    // Work referred from 2030 is measured against the new version.
    let loaded = cairn_core::casework::Timescales::load(&mut conn).unwrap();
    assert_eq!(
        loaded.for_referral(d(2030, 5, 1)).name,
        "Local standards 2030"
    );
    assert_eq!(
        loaded.for_referral(d(2029, 5, 1)).name,
        "Working Together 2013 onwards"
    );

    // Only those who manage timescales may add them; everyone in casework may read them.
    let e = timescales::add_version(&mut conn, &worker.actor, &next_version(d(2031, 4, 1)))
        .unwrap_err();
    assert!(matches!(e, ServiceError::Denied { .. }));
    let e = timescales::list(&mut conn, &worker.actor).unwrap_err();
    assert!(matches!(e, ServiceError::Denied { .. }));
    assert_eq!(audit_rows_for(&mut conn, "access.denied").len(), 2);
    let shown = timescales::in_force(&mut conn, &worker.actor).unwrap();
    assert_eq!(shown.profile.name, "Working Together 2013 onwards");
});

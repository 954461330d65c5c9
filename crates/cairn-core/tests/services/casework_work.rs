//! Closing an episode (what blocks it, the census date and reason rules, a manager's
//! authorisation and the race between two managers), "my work" and "team work" in order of
//! urgency, the navigation counts, and a child's current status. The casework records are
//! written straight into their tables: their own services are tested elsewhere.

use std::sync::{Arc, Barrier};

use cairn_core::casework::Timescales;
use cairn_core::casework::child_status;
use cairn_core::casework::closure::{
    self, BLOCKERS_FIELD, ClosureDecision, ClosureInput, ClosureReview,
};
use cairn_core::casework::my_work::{self, WorkKind};
use cairn_core::{Actor, ServiceError, Settings};
use cairn_db::DbConn;
use cairn_db::both_backends;
use cairn_db::schema::{
    assessments, case_actions, cin_plans, conferences, cp_plans, episode_closures, referrals,
    section47_enquiries, visits,
};
use cairn_db::testing::TestDb;
use cairn_domain::casework::AssessmentKind;
use cairn_domain::casework::timescales::PlanKind;
use cairn_domain::dates::format_long;
use cairn_domain::roles::Role;
use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use crate::support::*;

fn days_ago(n: i64) -> NaiveDate {
    today() - Duration::days(n)
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn assessment(
    conn: &mut DbConn,
    case: &OpenCase,
    worker: &str,
    status: &str,
    started_on: NaiveDate,
    authorised_on: Option<NaiveDate>,
) -> String {
    let id = new_id();
    diesel::insert_into(assessments::table)
        .values((
            assessments::id.eq(&id),
            assessments::referral_id.eq(&case.referral),
            assessments::person_id.eq(&case.child),
            assessments::kind.eq("single"),
            assessments::status.eq(status),
            assessments::started_on.eq(started_on),
            assessments::worker_id.eq(worker),
            assessments::submitted_by.eq((status == "submitted").then_some(worker)),
            assessments::authorised_on.eq(authorised_on),
            assessments::created_at.eq(cairn_db::now()),
            assessments::created_by.eq(worker),
        ))
        .execute(conn)
        .unwrap();
    id
}

/// A strategy discussion on `on` that started a section 47 enquiry; the enquiry's id.
fn section47(
    conn: &mut DbConn,
    team: &CaseTeam,
    case: &OpenCase,
    on: NaiveDate,
    outcome: Option<&str>,
) -> String {
    let discussion = section47_discussion(conn, team, case, on);
    let id = new_id();
    diesel::insert_into(section47_enquiries::table)
        .values((
            section47_enquiries::id.eq(&id),
            section47_enquiries::referral_id.eq(&case.referral),
            section47_enquiries::person_id.eq(&case.child),
            section47_enquiries::strategy_discussion_id.eq(&discussion),
            section47_enquiries::started_on.eq(on),
            section47_enquiries::outcome.eq(outcome),
            section47_enquiries::outcome_on.eq(outcome.map(|_| on)),
            section47_enquiries::recorded_by.eq(outcome.map(|_| team.worker.user_id.clone())),
            section47_enquiries::created_at.eq(cairn_db::now()),
            section47_enquiries::created_by.eq(&team.worker.user_id),
        ))
        .execute(conn)
        .unwrap();
    id
}

fn conference(
    conn: &mut DbConn,
    case: &OpenCase,
    kind: &str,
    section47_id: Option<&str>,
    cp_plan_id: Option<&str>,
    held_on: NaiveDate,
    decision: &str,
) -> String {
    let id = new_id();
    diesel::insert_into(conferences::table)
        .values((
            conferences::id.eq(&id),
            conferences::referral_id.eq(&case.referral),
            conferences::person_id.eq(&case.child),
            conferences::kind.eq(kind),
            conferences::section47_id.eq(section47_id),
            conferences::cp_plan_id.eq(cp_plan_id),
            conferences::held_on.eq(held_on),
            conferences::chair.eq("Independent chair"),
            conferences::decision.eq(decision),
            conferences::category.eq((decision == "cp_plan").then_some("NEG")),
            conferences::created_at.eq(cairn_db::now()),
            conferences::created_by.eq("test"),
        ))
        .execute(conn)
        .unwrap();
    id
}

fn cp_plan(
    conn: &mut DbConn,
    case: &OpenCase,
    icpc: &str,
    started_on: NaiveDate,
    ended_on: Option<NaiveDate>,
) -> String {
    let id = new_id();
    diesel::insert_into(cp_plans::table)
        .values((
            cp_plans::id.eq(&id),
            cp_plans::referral_id.eq(&case.referral),
            cp_plans::person_id.eq(&case.child),
            cp_plans::initial_conference_id.eq(icpc),
            cp_plans::started_on.eq(started_on),
            cp_plans::initial_category.eq("NEG"),
            cp_plans::latest_category.eq("NEG"),
            cp_plans::ended_on.eq(ended_on),
            cp_plans::end_reason.eq(ended_on.map(|_| "no_longer_at_risk")),
            cp_plans::created_at.eq(cairn_db::now()),
            cp_plans::created_by.eq("test"),
        ))
        .execute(conn)
        .unwrap();
    id
}

/// An enquiry from `enquiry_on` that called for an initial conference, the conference on
/// `conference_on` that made a neglect plan, and that plan, ended on `ended_on` if given;
/// (enquiry, conference, plan).
fn protection_plan(
    conn: &mut DbConn,
    team: &CaseTeam,
    case: &OpenCase,
    enquiry_on: NaiveDate,
    conference_on: NaiveDate,
    ended_on: Option<NaiveDate>,
) -> (String, String, String) {
    let s47 = section47(conn, team, case, enquiry_on, Some("continuing_risk_icpc"));
    let icpc = conference(
        conn,
        case,
        "initial",
        Some(&s47),
        None,
        conference_on,
        "cp_plan",
    );
    let plan = cp_plan(conn, case, &icpc, conference_on, ended_on);
    (s47, icpc, plan)
}

fn cin_plan(
    conn: &mut DbConn,
    case: &OpenCase,
    started_on: NaiveDate,
    ended_on: Option<NaiveDate>,
) -> String {
    let id = new_id();
    diesel::insert_into(cin_plans::table)
        .values((
            cin_plans::id.eq(&id),
            cin_plans::referral_id.eq(&case.referral),
            cin_plans::person_id.eq(&case.child),
            cin_plans::started_on.eq(started_on),
            cin_plans::ended_on.eq(ended_on),
            cin_plans::end_reason.eq(ended_on.map(|_| "no_longer_in_need")),
            cin_plans::created_at.eq(cairn_db::now()),
            cin_plans::created_by.eq("test"),
        ))
        .execute(conn)
        .unwrap();
    id
}

fn visit(conn: &mut DbConn, case: &OpenCase, worker: &str, on: NaiveDate, seen: bool) -> String {
    let id = new_id();
    diesel::insert_into(visits::table)
        .values((
            visits::id.eq(&id),
            visits::person_id.eq(&case.child),
            visits::referral_id.eq(&case.referral),
            visits::visited_at.eq(on.and_hms_opt(11, 0, 0).unwrap()),
            visits::kind.eq("announced"),
            visits::child_seen.eq(seen),
            visits::seen_alone.eq(false),
            visits::bedroom_seen.eq(false),
            visits::not_seen_reason.eq((!seen).then_some("Nobody answered the door")),
            visits::observations.eq("Home visit."),
            visits::worker_id.eq(worker),
            visits::created_at.eq(cairn_db::now()),
            visits::created_by.eq(worker),
        ))
        .execute(conn)
        .unwrap();
    id
}

fn action(conn: &mut DbConn, case: &OpenCase, owner: &Staff, due_on: NaiveDate) -> String {
    let id = new_id();
    diesel::insert_into(case_actions::table)
        .values((
            case_actions::id.eq(&id),
            case_actions::person_id.eq(&case.child),
            case_actions::source_kind.eq("strategy_discussion"),
            case_actions::source_id.eq(new_id()),
            case_actions::description.eq("Ask the school for attendance records"),
            case_actions::owner_user_id.eq(&owner.user_id),
            case_actions::owner_name.eq("Test worker"),
            case_actions::due_on.eq(due_on),
            case_actions::status.eq("open"),
            case_actions::created_at.eq(cairn_db::now()),
            case_actions::created_by.eq("test"),
        ))
        .execute(conn)
        .unwrap();
    id
}

fn close_input(closed_on: NaiveDate, reason: &str) -> ClosureInput {
    ClosureInput {
        closed_on: Some(closed_on),
        reason: reason.into(),
        summary: "The family is supported by the school; no further social care needed.".into(),
    }
}

/// Asks to close the episode on `closed_on` for `reason`, today, with the usual summary.
fn request_close(
    conn: &mut DbConn,
    actor: &Actor,
    referral: &str,
    closed_on: NaiveDate,
    reason: &str,
) -> Result<String, ServiceError> {
    closure::request(
        conn,
        actor,
        referral,
        &close_input(closed_on, reason),
        today(),
    )
}

/// A manager's authorisation of a closure request that nobody else has changed.
fn authorise_v1() -> ClosureReview {
    ClosureReview {
        decision: ClosureDecision::Authorise,
        comments: String::new(),
        expected_version: 1,
    }
}

/// The refusal's field errors, or a panic naming what came back instead.
fn refused(result: Result<String, ServiceError>) -> Vec<(String, String)> {
    match result {
        Err(ServiceError::Invalid(errors)) => errors
            .iter()
            .map(|e| (e.field.clone(), e.message.clone()))
            .collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn closure_rows(conn: &mut DbConn) -> i64 {
    episode_closures::table.count().get_result(conn).unwrap()
}

fn referral_closure(conn: &mut DbConn, id: &str) -> (Option<NaiveDate>, Option<String>, i32) {
    referrals::table
        .find(id)
        .select((
            referrals::closed_on,
            referrals::closure_reason,
            referrals::version,
        ))
        .first(conn)
        .unwrap()
}

both_backends!(
    closing_with_an_unauthorised_assessment_is_refused_and_lists_it,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let case = open_case(&mut conn, &team, "Ava", days_ago(60));
        let started = days_ago(55);
        let id = assessment(
            &mut conn,
            &case,
            &team.worker.user_id,
            "in_progress",
            started,
            None,
        );
        let problems = refused(request_close(
            &mut conn,
            &team.worker.actor,
            &case.referral,
            days_ago(1),
            "RC7",
        ));
        let blockers: Vec<&String> = problems
            .iter()
            .filter(|(f, _)| f == BLOCKERS_FIELD)
            .map(|(_, m)| m)
            .collect();
        assert_eq!(blockers.len(), 1, "{problems:?}");
        assert!(blockers[0].contains("is not authorised"), "{}", blockers[0]);
        assert!(
            blockers[0].contains(&format_long(started)),
            "{}",
            blockers[0]
        );
        assert_eq!(closure_rows(&mut conn), 0, "nothing is saved");
        // The episode page lists the same blocker, linked to the assessment.
        let view = my_work::episode(&mut conn, &team.worker.actor, &case.referral).unwrap();
        assert_eq!(view.blockers.len(), 1);
        assert_eq!(view.blockers[0].href, format!("/assessments/{id}"));
        let viewed = audit_rows_for(&mut conn, "episode.view");
        assert_eq!(viewed.len(), 1);
        assert_eq!(viewed[0].person_id.as_deref(), Some(case.child.as_str()));
    }
);

both_backends!(
    an_enquiry_needs_a_conference_or_an_outcome_that_needs_none,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let case = open_case(&mut conn, &team, "Ben", days_ago(60));
        let s47 = section47(
            &mut conn,
            &team,
            &case,
            days_ago(50),
            Some("continuing_risk_icpc"),
        );
        let problems = refused(request_close(
            &mut conn,
            &team.worker.actor,
            &case.referral,
            days_ago(1),
            "RC7",
        ));
        assert!(
            problems.iter().any(|(f, m)| f == BLOCKERS_FIELD
                && m.contains("section 47 enquiry")
                && m.contains("no initial child protection conference")),
            "{problems:?}"
        );
        // An outcome saying no conference is needed is enough.
        diesel::update(section47_enquiries::table.find(&s47))
            .set(section47_enquiries::outcome.eq("not_substantiated"))
            .execute(&mut conn)
            .unwrap();
        request_close(
            &mut conn,
            &team.worker.actor,
            &case.referral,
            days_ago(1),
            "RC7",
        )
        .expect("the enquiry concluded without a conference");
    }
);

both_backends!(
    an_initial_conference_settles_the_enquiry_but_an_open_plan_blocks,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let case = open_case(&mut conn, &team, "Cara", days_ago(90));
        let s47 = section47(&mut conn, &team, &case, days_ago(80), None);
        conference(
            &mut conn,
            &case,
            "initial",
            Some(&s47),
            None,
            days_ago(65),
            "no_plan_cin",
        );
        let plan = cin_plan(&mut conn, &case, days_ago(65), None);
        let problems = refused(request_close(
            &mut conn,
            &team.worker.actor,
            &case.referral,
            days_ago(1),
            "RC7",
        ));
        let blockers: Vec<&String> = problems
            .iter()
            .filter(|(f, _)| f == BLOCKERS_FIELD)
            .map(|(_, m)| m)
            .collect();
        assert_eq!(
            blockers.len(),
            1,
            "the conference settled the enquiry: {problems:?}"
        );
        assert!(
            blockers[0].contains("child in need plan"),
            "{}",
            blockers[0]
        );
        assert!(blockers[0].contains("still open"));
        diesel::update(cin_plans::table.find(&plan))
            .set((
                cin_plans::ended_on.eq(days_ago(5)),
                cin_plans::end_reason.eq("no_longer_in_need"),
            ))
            .execute(&mut conn)
            .unwrap();
        // The plan's end is now the latest date in the episode (census 8565).
        let early = refused(request_close(
            &mut conn,
            &team.worker.actor,
            &case.referral,
            days_ago(6),
            "RC7",
        ));
        assert_eq!(early.len(), 1, "{early:?}");
        assert_eq!(early[0].0, "closed_on");
        assert!(
            early[0].1.contains("end of the child in need plan"),
            "{}",
            early[0].1
        );
        request_close(
            &mut conn,
            &team.worker.actor,
            &case.referral,
            days_ago(5),
            "RC7",
        )
        .expect("nothing is open and the date is not early");
    }
);

both_backends!(open_actions_block_closure_and_are_listed, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let case = open_case(&mut conn, &team, "Dev", days_ago(30));
    action(&mut conn, &case, &team.worker, days_ago(2));
    let problems = refused(request_close(
        &mut conn,
        &team.worker.actor,
        &case.referral,
        today(),
        "RC7",
    ));
    assert!(
        problems.iter().any(
            |(f, m)| f == BLOCKERS_FIELD && m.contains("Ask the school for attendance records")
        ),
        "{problems:?}"
    );
});

both_backends!(
    the_closure_date_cannot_precede_an_authorisation_or_be_in_the_future,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let case = open_case(&mut conn, &team, "Eve", days_ago(60));
        let authorised = days_ago(5);
        assessment(
            &mut conn,
            &case,
            &team.worker.user_id,
            "authorised",
            days_ago(55),
            Some(authorised),
        );
        let problems = refused(request_close(
            &mut conn,
            &team.worker.actor,
            &case.referral,
            days_ago(10),
            "RC8",
        ));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0, "closed_on");
        assert!(
            problems[0].1.contains(&format_long(authorised)),
            "{}",
            problems[0].1
        );
        assert!(problems[0].1.contains("authorisation"), "{}", problems[0].1);
        let future = refused(request_close(
            &mut conn,
            &team.worker.actor,
            &case.referral,
            today() + Duration::days(1),
            "RC8",
        ));
        assert_eq!(future[0].0, "closed_on");
        assert!(future[0].1.contains("future"));
        request_close(
            &mut conn,
            &team.worker.actor,
            &case.referral,
            authorised,
            "RC8",
        )
        .expect("RC8 after an authorised assessment with no plan or enquiry");
    }
);

both_backends!(
    rc8_and_rc9_need_an_assessment_and_no_protection_work,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        // No assessment at all (census 8825Q).
        let bare = open_case(&mut conn, &team, "Finn", days_ago(40));
        let problems = refused(request_close(
            &mut conn,
            &team.worker.actor,
            &bare.referral,
            days_ago(1),
            "RC9",
        ));
        assert_eq!(problems[0].0, "reason");
        assert!(problems[0].1.contains("8825Q"), "{}", problems[0].1);
        // A child protection plan, ended, with its enquiry and conference (census 2990).
        let case = open_case(&mut conn, &team, "Gia", days_ago(200));
        assessment(
            &mut conn,
            &case,
            &team.worker.user_id,
            "authorised",
            days_ago(190),
            Some(days_ago(150)),
        );
        protection_plan(
            &mut conn,
            &team,
            &case,
            days_ago(180),
            days_ago(170),
            Some(days_ago(20)),
        );
        let problems = refused(request_close(
            &mut conn,
            &team.worker.actor,
            &case.referral,
            days_ago(1),
            "RC8",
        ));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0, "reason");
        assert!(problems[0].1.contains("2990"), "{}", problems[0].1);
        // RC2 needs the child's date of death.
        let died = refused(request_close(
            &mut conn,
            &team.worker.actor,
            &case.referral,
            days_ago(1),
            "RC2",
        ));
        assert!(died[0].1.contains("date of death"), "{}", died[0].1);
        request_close(
            &mut conn,
            &team.worker.actor,
            &case.referral,
            days_ago(1),
            "RC7",
        )
        .expect("RC7 fits an episode that had a plan");
    }
);

both_backends!(
    an_authorised_request_closes_the_episode_and_a_returned_one_goes_back,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let case = open_case(&mut conn, &team, "Hana", days_ago(60));
        assessment(
            &mut conn,
            &case,
            &team.worker.user_id,
            "authorised",
            days_ago(58),
            Some(days_ago(20)),
        );
        let first = request_close(
            &mut conn,
            &team.worker.actor,
            &case.referral,
            days_ago(3),
            "RC8",
        )
        .unwrap();
        // Only one request at a time.
        let again = request_close(
            &mut conn,
            &team.worker.actor,
            &case.referral,
            days_ago(3),
            "RC8",
        );
        assert!(matches!(again, Err(ServiceError::Conflict(_))), "{again:?}");
        // A worker cannot authorise.
        let denied = closure::review(
            &mut conn,
            &team.other_worker.actor,
            &settings(),
            &first,
            &authorise_v1(),
            today(),
        );
        assert!(
            matches!(denied, Err(ServiceError::Denied { .. })),
            "{denied:?}"
        );
        // Returning needs comments, then sends it back to the worker's list.
        let bare = ClosureReview {
            decision: ClosureDecision::Return,
            comments: " ".into(),
            expected_version: 1,
        };
        assert!(matches!(
            closure::review(
                &mut conn,
                &team.manager.actor,
                &settings(),
                &first,
                &bare,
                today()
            ),
            Err(ServiceError::Invalid(_))
        ));
        let returned = closure::review(
            &mut conn,
            &team.manager.actor,
            &settings(),
            &first,
            &ClosureReview {
                comments: "Say who told the school.".into(),
                ..bare
            },
            today(),
        )
        .unwrap();
        assert_eq!(returned.code(), "returned");
        let work = my_work::for_user(&mut conn, &team.worker.actor, today()).unwrap();
        assert!(
            work.items
                .iter()
                .any(|i| i.kind == WorkKind::ReturnedClosure
                    && i.href == format!("/episodes/{}/close", case.referral))
        );
        assert_eq!(referral_closure(&mut conn, &case.referral).0, None);

        let second = request_close(
            &mut conn,
            &team.worker.actor,
            &case.referral,
            days_ago(2),
            "RC8",
        )
        .unwrap();
        let status = closure::review(
            &mut conn,
            &team.manager.actor,
            &settings(),
            &second,
            &authorise_v1(),
            today(),
        )
        .unwrap();
        assert_eq!(status.code(), "authorised");
        let (closed_on, reason, version) = referral_closure(&mut conn, &case.referral);
        assert_eq!(closed_on, Some(days_ago(2)));
        assert_eq!(reason.as_deref(), Some("RC8"));
        assert_eq!(version, 2);
        assert_eq!(
            events_of_kind(&mut conn, "episode.closure_requested").len(),
            2
        );
        assert_eq!(
            events_of_kind(&mut conn, "episode.closure_returned").len(),
            1
        );
        assert_eq!(
            events_of_kind(&mut conn, "episode.closure_authorised").len(),
            1
        );
        let closed = events_of_kind(&mut conn, "referral.closed");
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].person_id.as_deref(), Some(case.child.as_str()));
        let audit = audit_rows_for(&mut conn, "episode.closure_authorise");
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].person_id.as_deref(), Some(case.child.as_str()));
        assert_eq!(audit_rows_for(&mut conn, "access.denied").len(), 1);
        // Nothing more can be recorded in a closed episode.
        let closed_again = request_close(
            &mut conn,
            &team.worker.actor,
            &case.referral,
            days_ago(1),
            "RC8",
        );
        assert!(matches!(closed_again, Err(ServiceError::Conflict(_))));
        assert_chain_intact(&mut conn);
    }
);

both_backends!(
    a_manager_may_not_authorise_their_own_request_by_default,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let case = open_case(&mut conn, &team, "Ivo", days_ago(30));
        let id = request_close(
            &mut conn,
            &team.manager.actor,
            &case.referral,
            days_ago(1),
            "RC7",
        )
        .unwrap();
        let review = authorise_v1();
        let own = closure::review(
            &mut conn,
            &team.manager.actor,
            &settings(),
            &id,
            &review,
            today(),
        );
        match own {
            Err(ServiceError::Conflict(m)) => assert!(m.contains("another manager"), "{m}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(referral_closure(&mut conn, &case.referral).0, None);
        let allowed = Settings {
            managers_may_authorise_own_work: true,
            ..settings()
        };
        closure::review(
            &mut conn,
            &team.manager.actor,
            &allowed,
            &id,
            &review,
            today(),
        )
        .expect("the authority allows it");
        assert_eq!(
            referral_closure(&mut conn, &case.referral).0,
            Some(days_ago(1))
        );
    }
);

both_backends!(
    of_two_managers_authorising_at_once_one_wins,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let second = staff_in_team(&mut conn, "second.manager", Role::TeamManager, &team.team);
        let case = open_case(&mut conn, &team, "Jude", days_ago(30));
        let id = request_close(
            &mut conn,
            &team.worker.actor,
            &case.referral,
            days_ago(1),
            "RC7",
        )
        .unwrap();
        let db = Arc::new(db);
        let barrier = Arc::new(Barrier::new(2));
        let handles: Vec<_> = [team.manager.actor.clone(), second.actor.clone()]
            .into_iter()
            .map(|actor| {
                let (db, barrier, id) = (db.clone(), barrier.clone(), id.clone());
                std::thread::spawn(move || {
                    let mut c = db.conn();
                    barrier.wait();
                    closure::review(&mut c, &actor, &settings(), &id, &authorise_v1(), today())
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let won = results.iter().filter(|r| r.is_ok()).count();
        let lost = results
            .iter()
            .filter(|r| matches!(r, Err(ServiceError::Conflict(_))))
            .count();
        assert_eq!((won, lost), (1, 1), "{results:?}");
        let mut conn = db.conn();
        let (closed_on, _, version) = referral_closure(&mut conn, &case.referral);
        assert_eq!(closed_on, Some(days_ago(1)));
        assert_eq!(version, 2, "closed exactly once");
        assert_eq!(events_of_kind(&mut conn, "referral.closed").len(), 1);
    }
);

both_backends!(my_work_puts_the_most_overdue_first, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let ts = Timescales::load(&mut conn).unwrap();
    // An assessment long past its 45 working days.
    let late = open_case(&mut conn, &team, "Kit", days_ago(120));
    let a = assessment(
        &mut conn,
        &late,
        &team.worker.user_id,
        "in_progress",
        days_ago(118),
        None,
    );
    let assessment_due = ts.for_referral(days_ago(120)).assessment_due(
        &ts.calendar,
        AssessmentKind::Single,
        days_ago(120),
        days_ago(118),
    );
    // A child in need plan whose only visit did not see the child.
    let planned = open_case(&mut conn, &team, "Lou", days_ago(60));
    cin_plan(&mut conn, &planned, days_ago(40), None);
    visit(
        &mut conn,
        &planned,
        &team.worker.user_id,
        days_ago(10),
        false,
    );
    let visit_due = ts.for_referral(days_ago(60)).visit_due(
        &ts.calendar,
        PlanKind::ChildInNeed,
        days_ago(40),
        None,
    );
    // Someone else's work is not in this list.
    let theirs = open_case(&mut conn, &team, "Max", days_ago(120));
    diesel::update(referrals::table.find(&theirs.referral))
        .set(referrals::worker_id.eq(&team.other_worker.user_id))
        .execute(&mut conn)
        .unwrap();
    assessment(
        &mut conn,
        &theirs,
        &team.other_worker.user_id,
        "in_progress",
        days_ago(118),
        None,
    );

    let work = my_work::for_user(&mut conn, &team.worker.actor, today()).unwrap();
    let kinds: Vec<WorkKind> = work.items.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        vec![
            WorkKind::Assessment,
            WorkKind::Visit,
            WorkKind::CinPlanReview
        ],
        "{:#?}",
        work.items
    );
    let first = &work.items[0];
    assert_eq!(first.href, format!("/assessments/{a}"));
    assert_eq!(first.child_name, "Kit Casework");
    assert_eq!(first.due_on, assessment_due.date);
    assert_eq!(first.basis, assessment_due.basis);
    assert_eq!(
        first.days_overdue,
        (today() - assessment_due.date).num_days()
    );
    let second = &work.items[1];
    assert_eq!(
        second.due_on, visit_due.date,
        "a visit without the child seen does not count"
    );
    assert!(second.days_overdue > 0 && second.days_overdue < first.days_overdue);
    assert!(
        second.basis.contains("start of the child in need plan"),
        "{}",
        second.basis
    );
    assert_eq!(work.items[2].days_overdue, 0);
    assert_eq!(work.counts.total, 3);
    assert_eq!(work.counts.overdue, 2);
    assert!(!work.authorises);
    assert_eq!(audit_rows_for(&mut conn, "work.view").len(), 1);

    // Seeing the child moves the next visit on.
    visit(&mut conn, &planned, &team.worker.user_id, days_ago(1), true);
    let work = my_work::for_user(&mut conn, &team.worker.actor, today()).unwrap();
    let next = work
        .items
        .iter()
        .find(|i| i.kind == WorkKind::Visit)
        .unwrap();
    assert_eq!(next.days_overdue, 0);
    assert!(
        next.basis.contains("last visit with the child seen"),
        "{}",
        next.basis
    );
    assert_eq!(
        my_work::counts_for_user(&mut conn, &team.worker.actor, today())
            .unwrap()
            .overdue,
        1
    );
});

both_backends!(team_work_shows_what_waits_for_a_manager, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let one = open_case(&mut conn, &team, "Nia", days_ago(30));
    assessment(
        &mut conn,
        &one,
        &team.worker.user_id,
        "submitted",
        days_ago(28),
        None,
    );
    let two = open_case(&mut conn, &team, "Oli", days_ago(40));
    let s47 = section47(
        &mut conn,
        &team,
        &two,
        days_ago(35),
        Some("not_substantiated"),
    );
    let three = open_case(&mut conn, &team, "Pip", days_ago(20));
    request_close(
        &mut conn,
        &team.worker.actor,
        &three.referral,
        days_ago(1),
        "RC7",
    )
    .unwrap();
    action(&mut conn, &one, &team.other_worker, days_ago(3));

    let tw = my_work::for_team(&mut conn, &team.manager.actor, None, today()).unwrap();
    assert_eq!(tw.team_id, team.team);
    assert_eq!(tw.open_episodes, 3);
    for kind in [
        WorkKind::AuthoriseAssessment,
        WorkKind::SignOffSection47,
        WorkKind::AuthoriseClosure,
        WorkKind::Action,
    ] {
        assert!(
            tw.items.iter().any(|i| i.kind == kind),
            "{kind:?} in {:#?}",
            tw.items
        );
    }
    assert!(
        tw.items
            .iter()
            .any(|i| i.href == format!("/section47/{s47}"))
    );
    let worker = tw
        .workers
        .iter()
        .find(|w| w.worker_id.as_deref() == Some(team.worker.user_id.as_str()))
        .unwrap();
    assert_eq!(worker.to_authorise, 3);
    let other = tw
        .workers
        .iter()
        .find(|w| w.worker_id.as_deref() == Some(team.other_worker.user_id.as_str()))
        .unwrap();
    assert_eq!((other.total, other.overdue), (1, 1));
    assert_eq!(audit_rows_for(&mut conn, "team_work.view").len(), 1);

    // The manager's own list has the same three to authorise; the worker's has none.
    let mine = my_work::for_user(&mut conn, &team.manager.actor, today()).unwrap();
    assert!(mine.authorises);
    assert_eq!(mine.counts.to_authorise, 3);
    let theirs = my_work::for_user(&mut conn, &team.worker.actor, today()).unwrap();
    assert_eq!(theirs.counts.to_authorise, 0);
    assert!(theirs.items.iter().all(|i| !i.to_authorise()));

    // The navigation counts agree, cheaply.
    let counts = my_work::counts_for_user(&mut conn, &team.manager.actor, today()).unwrap();
    assert_eq!(counts.to_authorise, 3);
    let other_counts =
        my_work::counts_for_user(&mut conn, &team.other_worker.actor, today()).unwrap();
    assert_eq!((other_counts.total, other_counts.overdue), (1, 1));
    let auditor = staff(&mut conn, "auditor.one", Role::Auditor);
    let none = my_work::counts_for_user(&mut conn, &auditor.actor, today()).unwrap();
    assert_eq!((none.total, none.to_authorise), (0, 0));

    // Workers cannot see the team view; a team manager sees only their own team.
    assert!(matches!(
        my_work::for_team(&mut conn, &team.worker.actor, None, today()),
        Err(ServiceError::Denied { .. })
    ));
    let elsewhere = make_team(&mut conn, "Elsewhere");
    assert!(matches!(
        my_work::for_team(&mut conn, &team.manager.actor, Some(&elsewhere), today()),
        Err(ServiceError::Denied { .. })
    ));
});

both_backends!(
    a_childs_status_shows_the_open_plan_and_the_next_visit,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let case = open_case(&mut conn, &team, "Quinn", days_ago(60));
        // An earlier, closed episode of the same child.
        let old = uuid::Uuid::now_v7().to_string();
        let mut row = cairn_db::front_door::referrals::find(&mut conn, &case.referral)
            .unwrap()
            .unwrap();
        row.id = old.clone();
        row.referral_date = days_ago(900);
        row.closed_on = Some(days_ago(800));
        row.closure_reason = Some("RC7".into());
        cairn_db::front_door::referrals::insert(&mut conn, &row).unwrap();
        let old_case = OpenCase {
            child: case.child.clone(),
            referral: old.clone(),
        };
        let old_assessment = assessment(
            &mut conn,
            &old_case,
            &team.worker.user_id,
            "authorised",
            days_ago(890),
            Some(days_ago(850)),
        );

        let (s47, icpc, plan) =
            protection_plan(&mut conn, &team, &case, days_ago(40), days_ago(25), None);
        visit(&mut conn, &case, &team.worker.user_id, days_ago(3), true);

        let status = child_status::for_person(&mut conn, &case.child, today()).unwrap();
        let open = status.open_episode.as_ref().unwrap();
        assert_eq!(open.referral_id, case.referral);
        assert_eq!(open.worker_name.as_deref(), Some("Test worker"));
        assert_eq!(
            status.cp_plan.as_ref().map(|p| p.id.clone()),
            Some(plan.clone())
        );
        assert_eq!(status.cp_category(), "Neglect");
        assert!(status.cin_plan.is_none());
        let ts = Timescales::load(&mut conn).unwrap();
        let expected = ts.for_referral(days_ago(60)).visit_due(
            &ts.calendar,
            PlanKind::ChildProtection,
            days_ago(25),
            Some(days_ago(3)),
        );
        let next_visit = status
            .key_dates
            .iter()
            .find(|k| k.kind == WorkKind::Visit)
            .unwrap();
        assert_eq!(next_visit.due_on, expected.date);
        assert_eq!(next_visit.basis, expected.basis);
        assert!(
            status
                .key_dates
                .iter()
                .any(|k| k.kind == WorkKind::ReviewConference)
        );
        // No core group has met: the first was due 10 working days after the conference.
        assert!(
            status
                .overdue
                .iter()
                .any(|k| k.kind == WorkKind::FirstCoreGroup),
            "{:#?}",
            status.overdue
        );
        assert_eq!(status.episodes.len(), 2);
        let links: Vec<&str> = status
            .episodes
            .iter()
            .flat_map(|e| e.records.iter().map(|r| r.href.as_str()))
            .collect();
        for href in [
            format!("/cp-plans/{plan}"),
            format!("/conferences/{icpc}"),
            format!("/section47/{s47}"),
            format!("/assessments/{old_assessment}"),
        ] {
            assert!(links.contains(&href.as_str()), "{href} in {links:?}");
        }
        assert_eq!(
            status.episodes[1].closure_label(),
            format!(
                "{} (RC7)",
                cairn_domain::codes::ReasonForClosure::ServicesCeased.label()
            )
        );

        // Through the person's page: one view row, and no casework for an administrator.
        let before = audit_rows_for(&mut conn, "person.view").len();
        let shown =
            child_status::view(&mut conn, &team.worker.actor, &case.child, today()).unwrap();
        assert!(shown.is_some());
        assert_eq!(audit_rows_for(&mut conn, "person.view").len(), before);
        let admin = staff(&mut conn, "admin.one", Role::Administrator);
        assert!(
            child_status::view(&mut conn, &admin.actor, &case.child, today())
                .unwrap()
                .is_none()
        );
    }
);

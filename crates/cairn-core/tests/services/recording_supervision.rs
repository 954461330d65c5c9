//! Recording: worker profiles, supervision sessions with case discussions written onto each
//! child's record, the private part of a session, and overdue supervision.
#![allow(clippy::unwrap_used)]

use cairn_core::ServiceError;
use cairn_core::casework::actions::ActionInput;
use cairn_core::casework::my_work;
use cairn_core::recording::oversight;
use cairn_core::recording::supervision::{self, DiscussionInput, ProfileInput, SessionInput};
use cairn_db::DbConn;
use cairn_db::both_backends;
use cairn_db::schema::{supervision_case_discussions, supervision_sessions};
use cairn_db::testing::TestDb;
use cairn_domain::recording::supervision::Frequency;
use cairn_domain::roles::Role;
use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use crate::support::*;

fn england_today() -> NaiveDate {
    cairn_domain::thresholds::date_in_england(chrono::Utc::now())
}

fn field_names(e: ServiceError) -> Vec<String> {
    match e {
        ServiceError::Invalid(errors) => errors.iter().map(|f| f.field.clone()).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn session(worker: &str, days_ago: i64) -> SessionInput {
    SessionInput {
        worker_user_id: worker.into(),
        held_on: Some(england_today() - Duration::days(days_ago)),
        duration_minutes: Some(90),
        reflective_discussion: "Talked through the impact of the Hughes case on her.".into(),
        wellbeing: "Tired after two late visits; taking leave next week.".into(),
        workload: "Eighteen cases: two to be reallocated.".into(),
        learning: "Booked on the neglect toolkit training.".into(),
        discussions: Vec::new(),
    }
}

fn session_count(conn: &mut DbConn) -> i64 {
    supervision_sessions::table
        .count()
        .get_result(conn)
        .unwrap()
}

both_backends!(a_worker_s_profile_is_checked, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let senior = staff_in_team(&mut conn, "senior", Role::SeniorPractitioner, &team.team);
    let today = england_today();
    let worker = team.worker.user_id.clone();
    let set = |conn: &mut DbConn, by: &cairn_core::Actor, supervisor: &str, version| {
        supervision::set_worker_profile(
            conn,
            by,
            &worker,
            &ProfileInput {
                supervisor_user_id: Some(supervisor.to_string()),
                employment_started_on: Some(today - Duration::days(30)),
                newly_qualified_from: Some(today - Duration::days(30)),
                version,
            },
        )
    };
    // A worker cannot supervise themself, nor can someone who does not record supervision.
    let own = set(&mut conn, &team.manager.actor, &worker, None).unwrap_err();
    assert_eq!(field_names(own), ["supervisor"]);
    let peer = set(
        &mut conn,
        &team.manager.actor,
        &team.other_worker.user_id,
        None,
    )
    .unwrap_err();
    assert_eq!(field_names(peer), ["supervisor"]);
    // An inactive supervisor is refused.
    cairn_db::users::set_active(&mut conn, &senior.user_id, false).unwrap();
    let inactive = set(&mut conn, &team.manager.actor, &senior.user_id, None).unwrap_err();
    assert_eq!(field_names(inactive), ["supervisor"]);
    cairn_db::users::set_active(&mut conn, &senior.user_id, true).unwrap();

    set(&mut conn, &team.manager.actor, &senior.user_id, None).unwrap();
    let view = supervision::worker_profile(&mut conn, &team.manager.actor, &worker, today).unwrap();
    let profile = view.profile.unwrap();
    assert_eq!(
        profile.supervisor_user_id.as_deref(),
        Some(senior.user_id.as_str())
    );
    assert_eq!(profile.version, 1);
    assert_eq!(view.status.supervisor_name, "Test senior");
    assert_eq!(
        view.status.due.frequency,
        Frequency::Weekly,
        "newly qualified"
    );
    assert!(view.status.overdue, "thirty days with no session");
    assert!(
        view.supervisors
            .iter()
            .any(|(id, _, _)| *id == senior.user_id)
    );
    assert!(!view.supervisors.iter().any(|(id, _, _)| *id == worker));

    // A stale version is a conflict; the current one saves.
    assert!(matches!(
        set(
            &mut conn,
            &team.manager.actor,
            &team.manager.user_id,
            Some(7)
        ),
        Err(ServiceError::Conflict(_))
    ));
    set(
        &mut conn,
        &team.manager.actor,
        &team.manager.user_id,
        Some(1),
    )
    .unwrap();
    let row = audit_rows_for(&mut conn, "worker_profile.set")
        .pop()
        .unwrap();
    assert_eq!(changed_fields(&row), ["supervisor_user_id"]);

    // Another team's manager and the worker's colleagues may not set it; refusals audited.
    let other_team = make_team(&mut conn, "Assessment");
    let other = staff_in_team(&mut conn, "other.manager", Role::TeamManager, &other_team);
    let before = audit_rows_for(&mut conn, "access.denied").len();
    assert!(matches!(
        set(&mut conn, &other.actor, &senior.user_id, Some(2)),
        Err(ServiceError::Denied { .. })
    ));
    assert!(matches!(
        supervision::worker_profile(&mut conn, &team.other_worker.actor, &worker, today),
        Err(ServiceError::Denied { .. })
    ));
    assert_eq!(audit_rows_for(&mut conn, "access.denied").len(), before + 2);
    // An administrator (who manages accounts) and a service manager may.
    let admin = staff(&mut conn, "admin.user", Role::Administrator);
    set(&mut conn, &admin.actor, &senior.user_id, Some(2)).unwrap();
    let sm = staff(&mut conn, "service.manager", Role::ServiceManager);
    set(&mut conn, &sm.actor, &team.manager.user_id, Some(3)).unwrap();
});

both_backends!(
    a_case_discussed_in_supervision_is_on_the_child_s_record,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let case = open_case(
            &mut conn,
            &team,
            "Amelia",
            england_today() - Duration::days(30),
        );
        let elsewhere = open_case(&mut conn, &team, "Other", england_today());
        // A child who is not in the worker's cases cannot be discussed with them.
        diesel::update(
            cairn_db::schema::referrals::table
                .filter(cairn_db::schema::referrals::id.eq(&elsewhere.referral)),
        )
        .set(cairn_db::schema::referrals::worker_id.eq(&team.other_worker.user_id))
        .execute(&mut conn)
        .unwrap();
        let due = england_today() + Duration::days(5);
        let discussed = DiscussionInput {
            person_id: case.child.clone(),
            discussion: "School attendance is still low; mother missed the core group.".into(),
            decisions: "Hold a professionals meeting before the review.".into(),
            actions: vec![ActionInput {
                description: "Arrange a professionals meeting".into(),
                owner_user_id: Some(team.worker.user_id.clone()),
                owner_name: String::new(),
                due_on: Some(due),
            }],
        };
        let refused = supervision::record_session(
            &mut conn,
            &team.manager.actor,
            &SessionInput {
                discussions: vec![DiscussionInput {
                    person_id: elsewhere.child.clone(),
                    ..discussed.clone()
                }],
                ..session(&team.worker.user_id, 1)
            },
        )
        .unwrap_err();
        assert_eq!(field_names(refused), ["cases-1-person"]);
        assert_eq!(session_count(&mut conn), 0);

        let recorded = supervision::record_session(
            &mut conn,
            &team.manager.actor,
            &SessionInput {
                duration_minutes: Some(45),
                discussions: vec![DiscussionInput::default(), discussed],
                ..session(&team.worker.user_id, 1)
            },
        )
        .unwrap();
        assert_eq!(
            recorded.discussion_ids.len(),
            1,
            "the blank block is dropped"
        );
        assert!(
            recorded.warning.is_some_and(|w| w.contains("90 minutes")),
            "shorter than the standard"
        );
        let person: String = supervision_case_discussions::table
            .find(&recorded.discussion_ids[0])
            .select(supervision_case_discussions::person_id)
            .first(&mut conn)
            .unwrap();
        assert_eq!(person, case.child);
        let event = events_of_kind(&mut conn, "supervision.discussed")
            .pop()
            .unwrap();
        assert_eq!(event.entity_type, "supervision_discussion");
        assert_eq!(event.entity_id, recorded.discussion_ids[0]);
        assert_eq!(event.person_id.as_deref(), Some(case.child.as_str()));
        assert!(
            !event.data.contains("Tired"),
            "the private part is not in the event"
        );
        let audit = audit_rows_for(&mut conn, "supervision.record")
            .pop()
            .unwrap();
        assert!(!audit.detail_json().to_string().contains("Tired"));

        // Anyone who sees casework reads the discussion on the child's record.
        let inspector = staff(&mut conn, "inspector", Role::Inspector);
        let tab =
            oversight::tab(&mut conn, &inspector.actor, &case.child, england_today()).unwrap();
        assert_eq!(tab.discussions.len(), 1);
        let d = &tab.discussions[0];
        assert_eq!(d.worker_name, "Test worker");
        assert_eq!(d.supervisor_name, "Test manager");
        assert_eq!(d.actions.len(), 1);
        assert!(d.discussion.decisions.contains("professionals meeting"));

        // The action is in the worker's work, leading to the child's record.
        let work = my_work::for_user(&mut conn, &team.worker.actor, england_today()).unwrap();
        let line = work
            .items
            .iter()
            .find(|i| i.what.contains("professionals meeting"))
            .expect("the action is in the owner's work");
        assert!(line.basis.contains("supervision"), "{}", line.basis);
        assert!(
            line.href
                .starts_with(&format!("/people/{}/oversight#action-", case.child))
        );

        // Nobody records their own supervision, and a social worker records none.
        let own = supervision::record_session(
            &mut conn,
            &team.manager.actor,
            &session(&team.manager.user_id, 0),
        )
        .unwrap_err();
        assert_eq!(field_names(own), ["worker"]);
        assert!(matches!(
            supervision::record_session(
                &mut conn,
                &team.worker.actor,
                &session(&team.other_worker.user_id, 0)
            ),
            Err(ServiceError::Denied { .. })
        ));
        assert_eq!(session_count(&mut conn), 1);
    }
);

both_backends!(
    the_private_part_is_for_the_two_people_and_their_line_management,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let senior = staff_in_team(&mut conn, "senior", Role::SeniorPractitioner, &team.team);
        let other_manager =
            staff_in_team(&mut conn, "deputy.manager", Role::TeamManager, &team.team);
        let recorded = supervision::record_session(
            &mut conn,
            &senior.actor,
            &session(&team.worker.user_id, 2),
        )
        .unwrap();
        let id = recorded.id;

        for reader in [
            &team.worker.actor,
            &senior.actor,
            &other_manager.actor,
            &team.manager.actor,
        ] {
            let view = supervision::view_session(&mut conn, reader, &id).unwrap();
            assert!(
                view.session.wellbeing.contains("Tired"),
                "{}",
                reader.username
            );
        }
        assert_eq!(audit_rows_for(&mut conn, "supervision.view").len(), 4);

        let other_team = make_team(&mut conn, "Assessment");
        let outsider = staff_in_team(
            &mut conn,
            "outsider.manager",
            Role::TeamManager,
            &other_team,
        );
        let inspector = staff(&mut conn, "inspector", Role::Inspector);
        let before = audit_rows_for(&mut conn, "access.denied").len();
        for reader in [&team.other_worker.actor, &inspector.actor, &outsider.actor] {
            assert!(
                matches!(
                    supervision::view_session(&mut conn, reader, &id),
                    Err(ServiceError::NotFound(_))
                ),
                "{} must not read it",
                reader.username
            );
        }
        let denied = audit_rows_for(&mut conn, "access.denied");
        assert_eq!(denied.len(), before + 3);
        let last = denied.last().unwrap();
        assert_eq!(last.entity_type.as_deref(), Some("supervision_session"));
        assert_eq!(last.entity_id.as_deref(), Some(id.as_str()));

        // The session lists show no private text, and show it to both people in it.
        let mine = supervision::my_sessions(&mut conn, &team.worker.actor).unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].supervisor_name, "Test senior");
        assert!(
            supervision::my_sessions(&mut conn, &team.other_worker.actor)
                .unwrap()
                .is_empty()
        );
    }
);

both_backends!(overdue_supervision_is_listed_for_managers, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let today = england_today();
    let nq = staff_in_team(&mut conn, "new.worker", Role::SocialWorker, &team.team);
    // The worker's last session was forty days ago: overdue at the standard 31 days.
    supervision::record_session(
        &mut conn,
        &team.manager.actor,
        &session(&team.worker.user_id, 40),
    )
    .unwrap();
    // The other worker had a session five days ago: not due yet.
    supervision::record_session(
        &mut conn,
        &team.manager.actor,
        &session(&team.other_worker.user_id, 5),
    )
    .unwrap();
    // Newly qualified three weeks ago, last seen ten days ago: weekly, so overdue.
    supervision::set_worker_profile(
        &mut conn,
        &team.manager.actor,
        &nq.user_id,
        &ProfileInput {
            supervisor_user_id: Some(team.manager.user_id.clone()),
            employment_started_on: Some(today - Duration::days(21)),
            newly_qualified_from: Some(today - Duration::days(21)),
            version: None,
        },
    )
    .unwrap();
    supervision::record_session(&mut conn, &team.manager.actor, &session(&nq.user_id, 10)).unwrap();

    let overdue = supervision::overdue_supervision(&mut conn, &team.manager.actor, today).unwrap();
    let names: Vec<&str> = overdue.iter().map(|s| s.worker_name.as_str()).collect();
    assert_eq!(
        names,
        ["Test worker", "Test new.worker"],
        "most overdue first"
    );
    assert_eq!(overdue[0].days_overdue, 9);
    assert_eq!(overdue[0].last_session, Some(today - Duration::days(40)));
    assert_eq!(overdue[1].due.frequency, Frequency::Weekly);
    assert_eq!(overdue[1].days_overdue, 3);
    assert_eq!(overdue[1].supervisor_name, "Test manager");

    // The supervisor's page lists their supervisees; the team manager sees the team's overdue.
    let dash = supervision::dashboard(&mut conn, &team.manager.actor, today).unwrap();
    assert_eq!(dash.supervisees.len(), 1);
    assert_eq!(dash.supervisees[0].worker_id, nq.user_id);
    assert_eq!(dash.team_overdue.unwrap().len(), 2);
    let everyone: Vec<String> = dash
        .team
        .unwrap()
        .into_iter()
        .map(|s| s.worker_name)
        .collect();
    assert_eq!(
        everyone,
        [
            "Test manager",
            "Test new.worker",
            "Test other.worker",
            "Test worker"
        ],
        "everyone in the team who holds cases, by name"
    );
    assert_eq!(dash.sessions.len(), 3);

    // Another team's manager sees none of them; a service manager all; a worker is refused.
    let other_team = make_team(&mut conn, "Assessment");
    let other = staff_in_team(&mut conn, "other.manager", Role::TeamManager, &other_team);
    assert!(
        supervision::overdue_supervision(&mut conn, &other.actor, today)
            .unwrap()
            .is_empty()
    );
    let sm = staff(&mut conn, "service.manager", Role::ServiceManager);
    let all = supervision::overdue_supervision(&mut conn, &sm.actor, today).unwrap();
    assert!(all.iter().any(|s| s.worker_id == team.worker.user_id));
    assert!(matches!(
        supervision::overdue_supervision(&mut conn, &team.worker.actor, today),
        Err(ServiceError::Denied { .. })
    ));
});

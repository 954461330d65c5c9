//! Recording: the recording standards and their versions, management oversight (decisions,
//! their actions in the owner's work, the pinned decision) and the missing or overdue
//! oversight report.
#![allow(clippy::unwrap_used)]

use cairn_core::ServiceError;
use cairn_core::casework::actions::ActionInput;
use cairn_core::casework::my_work;
use cairn_core::recording::oversight::{self, GapKind, OversightInput};
use cairn_core::recording::standards::{self, StandardsInput};
use cairn_db::DbConn;
use cairn_db::both_backends;
use cairn_db::schema::{cin_plans, oversight_records};
use cairn_db::testing::TestDb;
use cairn_domain::recording::OversightPoint;
use cairn_domain::recording::standards::RecordingStandards;
use cairn_domain::roles::Role;
use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use crate::support::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn england_today() -> NaiveDate {
    cairn_domain::thresholds::date_in_england(chrono::Utc::now())
}

fn field_names(e: ServiceError) -> Vec<String> {
    match e {
        ServiceError::Invalid(errors) => errors.iter().map(|f| f.field.clone()).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn decision(point: OversightPoint) -> OversightInput {
    OversightInput {
        point: point.code().into(),
        decision: "Keep the child in need plan; visit weekly.".into(),
        rationale: "School attendance has improved and mother is engaging.".into(),
        ..OversightInput::default()
    }
}

fn oversight_count(conn: &mut DbConn) -> i64 {
    oversight_records::table.count().get_result(conn).unwrap()
}

/// A decision about `child` made `days_ago` days ago, written through the service.
fn decided_days_ago(conn: &mut DbConn, team: &CaseTeam, child: &str, days_ago: i64) -> String {
    let at = cairn_db::now() - Duration::days(days_ago);
    oversight::record(
        conn,
        &team.manager.actor,
        child,
        &OversightInput {
            decided_at: Some(at),
            ..decision(OversightPoint::Periodic)
        },
    )
    .unwrap()
    .id
}

both_backends!(
    the_standards_in_force_follow_their_versions,
    |db: TestDb| {
        let mut conn = db.conn();
        // The built-in version is in force from 2000.
        let built_in = standards::in_force(&mut conn, d(2024, 5, 1)).unwrap();
        assert_eq!(built_in.oversight_interval_working_days, 20);
        assert_eq!(built_in.note_delay_working_days, 2);
        assert!(built_in.requires(OversightPoint::Allocation));
        assert_eq!(
            standards::in_force(&mut conn, d(1990, 1, 1)).unwrap().name,
            built_in.name,
            "a day before every version is measured against the earliest"
        );

        let sm = staff(&mut conn, "service.manager", Role::ServiceManager);
        let mut input = StandardsInput::from_standards(&RecordingStandards::defaults());
        input.name = "Tighter oversight from 2030".into();
        input.effective_from = Some(d(2030, 1, 1));
        input.oversight_interval_working_days = Some(15);
        input.oversight_points = vec!["closure".into(), "allocation".into()];
        let id = standards::add_version(&mut conn, &sm.actor, &input).unwrap();
        assert!(!id.is_empty());
        assert_eq!(
            standards::in_force(&mut conn, d(2029, 12, 31))
                .unwrap()
                .oversight_interval_working_days,
            20
        );
        let new = standards::in_force(&mut conn, d(2030, 1, 2)).unwrap();
        assert_eq!(new.oversight_interval_working_days, 15);
        assert_eq!(
            new.oversight_points,
            vec![OversightPoint::Allocation, OversightPoint::Closure],
            "kept in list order"
        );
        let listed = standards::list(&mut conn, &sm.actor).unwrap();
        assert_eq!(listed.versions.len(), 2);
        assert_eq!(
            listed.versions[0].standards.name,
            "Tighter oversight from 2030"
        );
        assert!(
            listed
                .current()
                .is_some_and(|v| v.standards.name == built_in.name)
        );
        assert_eq!(
            audit_rows_for(&mut conn, "recording_standards.add_version").len(),
            1
        );
        assert_eq!(
            events_of_kind(&mut conn, "recording_standards.version_added").len(),
            1
        );

        // Versions are never changed: the same date again is refused.
        let again = standards::add_version(&mut conn, &sm.actor, &input).unwrap_err();
        assert_eq!(field_names(again), ["effective_from"]);

        // A zero interval, a negative-free but zero supervision interval and a missing count are
        // each refused against their field.
        let mut bad = input.clone();
        bad.effective_from = Some(d(2031, 1, 1));
        bad.oversight_interval_working_days = Some(0);
        bad.supervision_interval_days = Some(0);
        bad.supervision_minimum_minutes = None;
        let fields = field_names(standards::add_version(&mut conn, &sm.actor, &bad).unwrap_err());
        for f in [
            "oversight_interval_working_days",
            "supervision_interval_days",
            "supervision_minimum_minutes",
        ] {
            assert!(fields.contains(&f.to_string()), "{f}: {fields:?}");
        }

        // Only those who manage the standards may add one; the refusal is audited.
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let before = audit_rows_for(&mut conn, "access.denied").len();
        assert!(matches!(
            standards::add_version(&mut conn, &sw.actor, &input),
            Err(ServiceError::Denied { .. })
        ));
        assert_eq!(audit_rows_for(&mut conn, "access.denied").len(), before + 1);
        // Any member of staff may read the version in force.
        assert_eq!(
            standards::current(&mut conn, &sw.actor)
                .unwrap()
                .standards
                .name,
            built_in.name
        );
    }
);

both_backends!(a_decision_without_a_rationale_is_refused, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let case = open_case(&mut conn, &team, "Amelia", england_today());
    let refused = oversight::record(
        &mut conn,
        &team.manager.actor,
        &case.child,
        &OversightInput {
            rationale: "   ".into(),
            ..decision(OversightPoint::Allocation)
        },
    )
    .unwrap_err();
    assert_eq!(field_names(refused), ["rationale"]);
    let no_point = oversight::record(
        &mut conn,
        &team.manager.actor,
        &case.child,
        &OversightInput {
            point: "whenever".into(),
            decided_at: Some(cairn_db::now() + Duration::days(2)),
            ..decision(OversightPoint::Allocation)
        },
    )
    .unwrap_err();
    assert_eq!(field_names(no_point), ["point", "decided"]);
    assert_eq!(oversight_count(&mut conn), 0, "nothing was written");

    // A social worker may not record a management decision; the refusal names the child.
    let denied = oversight::record(
        &mut conn,
        &team.worker.actor,
        &case.child,
        &decision(OversightPoint::Allocation),
    );
    assert!(matches!(denied, Err(ServiceError::Denied { .. })));
    let row = audit_rows_for(&mut conn, "access.denied").pop().unwrap();
    assert_eq!(row.person_id.as_deref(), Some(case.child.as_str()));
    assert_eq!(oversight_count(&mut conn), 0);
});

both_backends!(
    a_decision_s_actions_are_in_the_owner_s_work,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let case = open_case(
            &mut conn,
            &team,
            "Noah",
            england_today() - Duration::days(3),
        );
        let due = england_today() + Duration::days(7);
        let recorded = oversight::record(
            &mut conn,
            &team.manager.actor,
            &case.child,
            &OversightInput {
                actions: vec![
                    ActionInput {
                        description: "Visit the school and speak to the head".into(),
                        owner_user_id: Some(team.worker.user_id.clone()),
                        owner_name: String::new(),
                        due_on: Some(due),
                    },
                    ActionInput::default(),
                    ActionInput {
                        description: "Share the health assessment".into(),
                        owner_user_id: None,
                        owner_name: "Health visitor Ng".into(),
                        due_on: Some(due),
                    },
                ],
                ..decision(OversightPoint::Allocation)
            },
        )
        .unwrap();
        assert_eq!(recorded.action_ids.len(), 2, "the blank row is dropped");

        let row = oversight_records::table
            .find(&recorded.id)
            .select(oversight_records::referral_id)
            .first::<Option<String>>(&mut conn)
            .unwrap();
        assert_eq!(
            row.as_deref(),
            Some(case.referral.as_str()),
            "the open episode"
        );
        let event = events_of_kind(&mut conn, "oversight.recorded")
            .pop()
            .unwrap();
        assert_eq!(event.entity_type, "oversight_record");
        assert_eq!(event.entity_id, recorded.id);
        assert_eq!(event.person_id.as_deref(), Some(case.child.as_str()));
        let audit = audit_rows_for(&mut conn, "oversight.record").pop().unwrap();
        assert_eq!(audit.person_id.as_deref(), Some(case.child.as_str()));

        // The worker's list has the action, leading to where it was agreed.
        let work = my_work::for_user(&mut conn, &team.worker.actor, england_today()).unwrap();
        let line = work
            .items
            .iter()
            .find(|i| i.what.contains("Visit the school"))
            .expect("the action is in the owner's work");
        assert_eq!(line.due_on, due);
        assert_eq!(
            line.href,
            format!(
                "/people/{}/oversight#action-{}",
                case.child, recorded.action_ids[0]
            )
        );
        assert!(line.basis.contains("management decision"), "{}", line.basis);
        assert!(
            !work
                .items
                .iter()
                .any(|i| i.what.contains("health assessment")),
            "an action owned by someone outside Cairn is nobody's work here"
        );

        // The tab lists the decision with its actions; the read is audited.
        let tab =
            oversight::tab(&mut conn, &team.worker.actor, &case.child, england_today()).unwrap();
        assert_eq!(tab.decisions.len(), 1);
        assert_eq!(tab.decisions[0].actions.len(), 2);
        assert_eq!(tab.decisions[0].manager_name, "Test manager");
        assert_eq!(
            audit_rows_for(&mut conn, "oversight.tab_view")
                .pop()
                .unwrap()
                .person_id
                .as_deref(),
            Some(case.child.as_str())
        );

        // Closing the action with a note works as for any other action.
        cairn_core::casework::actions::close(
            &mut conn,
            &team.worker.actor,
            &recorded.action_ids[0],
            1,
            cairn_domain::casework::ActionStatus::Done,
            "Visited on Tuesday; attendance is 96%.",
        )
        .unwrap();
        let work = my_work::for_user(&mut conn, &team.worker.actor, england_today()).unwrap();
        assert!(
            !work
                .items
                .iter()
                .any(|i| i.what.contains("Visit the school"))
        );
    }
);

both_backends!(the_pinned_decision_is_the_latest, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let case = open_case(
        &mut conn,
        &team,
        "Isla",
        england_today() - Duration::days(60),
    );
    let worker = team.worker.actor.clone();

    let none = oversight::pinned(&mut conn, &worker, &case.child, england_today())
        .unwrap()
        .unwrap();
    assert!(none.latest.is_none());
    let due = none.due.expect("an open case has a decision due");
    assert!(due.overdue, "sixty days without a decision");
    assert!(due.due.basis.contains("referral"), "{}", due.due.basis);

    decided_days_ago(&mut conn, &team, &case.child, 10);
    let later = oversight::record(
        &mut conn,
        &team.manager.actor,
        &case.child,
        &OversightInput {
            decision: "Step down to early help".into(),
            decided_at: Some(
                (england_today() - Duration::days(2))
                    .and_hms_opt(12, 0, 0)
                    .unwrap(),
            ),
            ..decision(OversightPoint::StepDown)
        },
    )
    .unwrap();
    // An earlier decision recorded afterwards does not displace the latest.
    decided_days_ago(&mut conn, &team, &case.child, 20);

    let pinned = oversight::pinned(&mut conn, &worker, &case.child, england_today())
        .unwrap()
        .unwrap();
    let latest = pinned.latest.unwrap();
    assert_eq!(latest.record.id, later.id);
    assert_eq!(latest.record.decision, "Step down to early help");
    assert_eq!(latest.point, OversightPoint::StepDown);
    assert!(!pinned.due.unwrap().overdue);

    // Administrators do not see casework: nothing is pinned for them.
    let admin = staff(&mut conn, "admin.user", Role::Administrator);
    assert!(
        oversight::pinned(&mut conn, &admin.actor, &case.child, england_today())
            .unwrap()
            .is_none()
    );
});

both_backends!(
    the_report_finds_overdue_and_missing_oversight,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let today = england_today();
        // Referred long ago with no decision: overdue, and missing at allocation.
        let old = open_case(&mut conn, &team, "Olivia", today - Duration::days(60));
        // Referred today: allocation is missing, nothing is overdue yet.
        let new = open_case(&mut conn, &team, "Freddie", today);
        // A decision ten days ago answers the allocation and is within the interval, but a
        // child in need plan started since needs its own decision.
        let planned = open_case(&mut conn, &team, "Grace", today - Duration::days(60));
        decided_days_ago(&mut conn, &team, &planned.child, 10);
        // Allocation happened at the referral's insertion (now); backdate it so the decision
        // ten days ago comes after it.
        diesel::update(
            cairn_db::schema::referrals::table
                .filter(cairn_db::schema::referrals::id.eq(&planned.referral)),
        )
        .set(
            cairn_db::schema::referrals::assigned_at
                .eq((today - Duration::days(59)).and_hms_opt(9, 0, 0).unwrap()),
        )
        .execute(&mut conn)
        .unwrap();
        diesel::insert_into(cin_plans::table)
            .values((
                cin_plans::id.eq(uuid::Uuid::now_v7().to_string()),
                cin_plans::referral_id.eq(&planned.referral),
                cin_plans::person_id.eq(&planned.child),
                cin_plans::started_on.eq(today - Duration::days(3)),
                cin_plans::version.eq(1),
                cin_plans::created_at.eq(cairn_db::now()),
                cin_plans::created_by.eq(&team.worker.user_id),
            ))
            .execute(&mut conn)
            .unwrap();

        let gaps = oversight::oversight_gaps(&mut conn, &team.manager.actor, today).unwrap();
        let of = |child: &str| -> Vec<(GapKind, Option<OversightPoint>)> {
            let mut v: Vec<_> = gaps
                .iter()
                .filter(|g| g.person_id == child)
                .map(|g| (g.kind, g.point))
                .collect();
            v.sort_by_key(|(k, p)| (format!("{k:?}"), p.map(|p| p.code())));
            v
        };
        assert_eq!(
            of(&old.child),
            vec![
                (GapKind::Missing, Some(OversightPoint::Allocation)),
                (GapKind::Overdue, None),
            ]
        );
        assert_eq!(
            of(&new.child),
            vec![(GapKind::Missing, Some(OversightPoint::Allocation))]
        );
        assert_eq!(
            of(&planned.child),
            vec![(GapKind::Missing, Some(OversightPoint::PlanStart))]
        );
        let overdue = gaps.iter().find(|g| g.kind == GapKind::Overdue).unwrap();
        assert_eq!(overdue.child_name, "Olivia Casework");
        assert_eq!(overdue.worker_name, "Test worker");
        assert_eq!(overdue.managers, "Test manager");
        assert_eq!(overdue.team_name, "Children in need");
        assert!(overdue.days_overdue > 0);
        assert_eq!(gaps[0].person_id, old.child, "the most overdue comes first");

        // A decision today answers both of the old case's gaps.
        decided_days_ago(&mut conn, &team, &old.child, 0);
        let gaps = oversight::oversight_gaps(&mut conn, &team.manager.actor, today).unwrap();
        assert!(!gaps.iter().any(|g| g.person_id == old.child));

        // The report counts them by team and manager and audits the children it names.
        let report = oversight::report(&mut conn, &team.manager.actor, None, today).unwrap();
        assert_eq!(report.open_episodes, 3);
        assert_eq!(report.by_team.len(), 1);
        assert_eq!(report.by_team[0].children, 2);
        assert_eq!(report.by_team[0].missing, 2);
        assert_eq!(report.by_manager[0].name, "Test manager");
        let audit = audit_rows_for(&mut conn, "oversight_report.view")
            .pop()
            .unwrap();
        assert_eq!(audit.detail_json()["children"].as_array().unwrap().len(), 2);

        // Another team's manager sees none of these children and may not ask for this team.
        let other_team = make_team(&mut conn, "Assessment");
        let other = staff_in_team(&mut conn, "other.manager", Role::TeamManager, &other_team);
        assert!(
            oversight::oversight_gaps(&mut conn, &other.actor, today)
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            oversight::report(&mut conn, &other.actor, Some(&team.team), today),
            Err(ServiceError::Denied { .. })
        ));
        // A service manager sees every team; a social worker is refused.
        let sm = staff(&mut conn, "service.manager", Role::ServiceManager);
        assert_eq!(
            oversight::oversight_gaps(&mut conn, &sm.actor, today)
                .unwrap()
                .len(),
            2
        );
        assert!(matches!(
            oversight::oversight_gaps(&mut conn, &team.worker.actor, today),
            Err(ServiceError::Denied { .. })
        ));
    }
);

both_backends!(
    oversight_is_overdue_after_twenty_working_days,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        // Referred Wed 1 May 2024: twenty working days (bank holidays on 6 and 27 May) end on
        // Fri 31 May.
        let case = open_case(&mut conn, &team, "Jacob", d(2024, 5, 1));
        let mut at = |day: NaiveDate| {
            oversight::oversight_gaps(&mut conn, &team.manager.actor, day)
                .unwrap()
                .into_iter()
                .filter(|g| g.person_id == case.child && g.kind == GapKind::Overdue)
                .count()
        };
        assert_eq!(at(d(2024, 5, 31)), 0);
        assert_eq!(at(d(2024, 6, 3)), 1);
    }
);

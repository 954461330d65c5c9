//! The workload model versions, worker availability and the reallocation list, workload alerts.

#[allow(unused_imports)]
use super::*;

use cairn_core::ServiceError;
use cairn_core::caseloads::alerts::{self, Affected, BACK_UNDER};
use cairn_core::caseloads::availability::{self, AvailabilityInput};
use cairn_core::caseloads::model::{self, ModelInput};
use cairn_core::caseloads::notifications;
use cairn_db::DbConn;
use cairn_db::both_backends;
use cairn_db::caseloads::alerts::AlertRow;
use cairn_db::schema::{
    allocations, jobs, notifications as notifications_t, workload_alerts, workload_models,
};
use cairn_db::testing::TestDb;
use cairn_domain::caseloads::Rating;
use cairn_domain::caseloads::model::WorkloadModel;
use cairn_domain::caseloads::points::Points;
use cairn_domain::roles::Role;
use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use crate::support::*;

fn today_uk() -> NaiveDate {
    cairn_core::casework::today()
}

fn field_names(e: ServiceError) -> Vec<String> {
    match e {
        ServiceError::Invalid(errors) => errors.iter().map(|f| f.field.clone()).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn field_message(e: &ServiceError, field: &str) -> String {
    match e {
        ServiceError::Invalid(errors) => errors.for_field(field).unwrap_or_default().to_string(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

/// `n` open cases held by `worker` in the team, with their allocation rows.
fn give_cases(conn: &mut DbConn, team: &CaseTeam, worker: &str, n: usize) -> Vec<OpenCase> {
    (0..n)
        .map(|i| {
            let case = open_case(
                conn,
                team,
                &format!("Child{i}"),
                today_uk() - Duration::days(30),
            );
            // Opening a case may already record its allocation to the team's worker: hand it
            // to `worker`, or record it.
            let moved = diesel::update(
                allocations::table
                    .filter(allocations::work_id.eq(&case.referral))
                    .filter(allocations::ends_on.is_null()),
            )
            .set((
                allocations::worker_id.eq(worker),
                allocations::starts_on.eq(today_uk() - Duration::days(30)),
            ))
            .execute(conn)
            .unwrap();
            if moved == 0 {
                diesel::insert_into(allocations::table)
                    .values((
                        allocations::id.eq(uuid::Uuid::now_v7().to_string()),
                        allocations::person_id.eq(&case.child),
                        allocations::referral_id.eq(&case.referral),
                        allocations::work_kind.eq("case"),
                        allocations::work_id.eq(&case.referral),
                        allocations::team_id.eq(&team.team),
                        allocations::worker_id.eq(worker),
                        allocations::starts_on.eq(today_uk() - Duration::days(30)),
                        allocations::created_at.eq(cairn_db::now()),
                        allocations::created_by.eq("test"),
                    ))
                    .execute(conn)
                    .unwrap();
            }
            case
        })
        .collect()
}

/// Ends the allocations of these cases yesterday: they no longer count today.
fn end_cases(conn: &mut DbConn, cases: &[OpenCase]) {
    for case in cases {
        diesel::update(allocations::table.filter(allocations::work_id.eq(&case.referral)))
            .set(allocations::ends_on.eq(Some(today_uk())))
            .execute(conn)
            .unwrap();
    }
}

fn hours(conn: &mut DbConn, manager: &Staff, worker: &str, fte: &str) {
    let version = cairn_db::caseloads::availability::find(conn, worker)
        .unwrap()
        .map_or(0, |a| a.version);
    let current = cairn_db::caseloads::availability::find(conn, worker)
        .unwrap()
        .map(|a| AvailabilityInput::from_row(&a))
        .unwrap_or_default();
    availability::save(
        conn,
        &manager.actor,
        worker,
        &AvailabilityInput {
            fte: fte.into(),
            version,
            ..current
        },
        today_uk(),
    )
    .unwrap();
}

fn alerts_for(conn: &mut DbConn, subject: &str) -> Vec<AlertRow> {
    workload_alerts::table
        .filter(workload_alerts::subject_id.eq(subject))
        .order(workload_alerts::raised_at.asc())
        .select(AlertRow::as_select())
        .load(conn)
        .unwrap()
}

fn notified(conn: &mut DbConn, user: &str, kind: &str) -> i64 {
    notifications_t::table
        .filter(notifications_t::user_id.eq(user))
        .filter(notifications_t::kind.eq(kind))
        .count()
        .get_result(conn)
        .unwrap()
}

fn email_jobs(conn: &mut DbConn) -> i64 {
    jobs::table
        .filter(jobs::kind.eq(notifications::JOB_KIND))
        .count()
        .get_result(conn)
        .unwrap()
}

fn reevaluate(conn: &mut DbConn, actor: &cairn_core::Actor, worker: &str, team: &str) {
    conn.write(|c| {
        alerts::reevaluate(
            c,
            actor,
            &Affected::worker(worker, Some(team)),
            "allocation",
            today_uk(),
        )
    })
    .unwrap();
}

fn model_count(conn: &mut DbConn) -> i64 {
    workload_models::table.count().get_result(conn).unwrap()
}

both_backends!(
    model_versions_refuse_bad_weights_field_by_field,
    |db: TestDb| {
        let mut conn = db.conn();
        let manager = staff(&mut conn, "service.manager", Role::ServiceManager);
        let worker = staff(&mut conn, "worker", Role::SocialWorker);
        let today = today_uk();

        let mut input = ModelInput::from_model(&WorkloadModel::defaults());
        input.work.insert("case".into(), "-1".into());
        input.factor.insert("interpreter".into(), "  ".into());
        input.work.insert("cp_plan".into(), "lots".into());
        input
            .capacity
            .insert("social_worker".into(), "18.125".into());
        input.amber.insert("children_in_need".into(), "90".into());
        input.red.insert("children_in_need".into(), "80".into());
        let err = model::add_version(&mut conn, &manager.actor, &input, today).unwrap_err();
        assert_eq!(
            field_message(&err, "work.case"),
            "A weight cannot be negative"
        );
        assert!(field_message(&err, "factor.interpreter").starts_with("Enter a weight"));
        assert!(field_message(&err, "work.cp_plan").contains("as a number"));
        assert!(field_message(&err, "capacity.social_worker").contains("two decimal places"));
        let mut fields = field_names(err);
        fields.sort();
        assert_eq!(
            fields,
            vec![
                "capacity.social_worker",
                "effective_from",
                "factor.interpreter",
                "name",
                "red.children_in_need",
                "work.case",
                "work.cp_plan",
            ]
        );
        assert_eq!(model_count(&mut conn), 1, "nothing was stored");

        // A worker may read the model but not change it.
        let good = ModelInput {
            name: "2027 model".into(),
            effective_from: Some(today + Duration::days(30)),
            ..ModelInput::from_model(&WorkloadModel::defaults())
        };
        assert!(matches!(
            model::add_version(&mut conn, &worker.actor, &good, today),
            Err(ServiceError::Denied { .. })
        ));
        assert_eq!(
            model::published(&mut conn, &worker.actor, today)
                .unwrap()
                .versions
                .len(),
            1
        );

        // A future version is stored but not in force; a second on the same day is refused.
        model::add_version(&mut conn, &manager.actor, &good, today).unwrap();
        let published = model::published(&mut conn, &worker.actor, today).unwrap();
        assert_eq!(published.versions.len(), 2);
        assert!(published.versions[0].future);
        assert_eq!(published.current.model.name, "Cairn default workload model");
        let again = model::add_version(&mut conn, &manager.actor, &good, today).unwrap_err();
        assert_eq!(field_names(again), vec!["effective_from"]);
        assert_eq!(
            audit_rows_for(&mut conn, "workload_model.add_version").len(),
            1
        );
    }
);

both_backends!(
    a_new_version_in_force_changes_loads_and_alerts,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let service_manager = staff(&mut conn, "service.manager", Role::ServiceManager);
        let today = today_uk();
        // A quarter-time worker: capacity 4.5 points; five plain cases are 3.75 (83%, green).
        hours(&mut conn, &team.manager, &team.worker.user_id, "0.25");
        give_cases(&mut conn, &team, &team.worker.user_id, 5);
        reevaluate(
            &mut conn,
            &team.manager.actor,
            &team.worker.user_id,
            &team.team,
        );
        assert!(alerts_for(&mut conn, &team.worker.user_id).is_empty());

        // An open case now weighs 1 point: 5 against 4.5 is over the red level.
        let mut input = ModelInput::from_model(&WorkloadModel::defaults());
        input.name = "Heavier cases".into();
        input.effective_from = Some(today);
        input.work.insert("case".into(), "1".into());
        model::add_version(&mut conn, &service_manager.actor, &input, today).unwrap();

        let m = cairn_db::caseloads::model::in_force(&mut conn, today)
            .unwrap()
            .model;
        assert_eq!(m.name, "Heavier cases");
        let workers = cairn_db::caseloads::load::workers(
            &mut conn,
            cairn_db::caseloads::load::Workers::Ids(std::slice::from_ref(&team.worker.user_id)),
        )
        .unwrap();
        let load = cairn_db::caseloads::load::loads(&mut conn, &m, workers, today)
            .unwrap()
            .pop()
            .unwrap()
            .load;
        assert_eq!(
            (load.weighted, load.capacity),
            (Points::whole(5), Points::from_centi(450))
        );
        assert_eq!(load.rating, Rating::Red);

        let raised = alerts_for(&mut conn, &team.worker.user_id);
        assert_eq!(raised.len(), 1);
        assert_eq!(
            (raised[0].level.as_str(), raised[0].cause.as_str()),
            ("red", "weights changed")
        );
        assert_eq!(raised[0].load_percent, Some(111));
        assert_eq!(
            notified(&mut conn, &team.manager.user_id, "workload_alert"),
            1
        );
        assert_eq!(
            notified(&mut conn, &service_manager.user_id, "workload_alert"),
            1
        );
        assert_eq!(
            notified(&mut conn, &team.other_worker.user_id, "workload_alert"),
            0
        );
        assert!(email_jobs(&mut conn) >= 2);
    }
);

both_backends!(
    hours_set_to_zero_and_newly_qualified_protection,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let today = today_uk();
        give_cases(&mut conn, &team, &team.other_worker.user_id, 1);

        // Bad hours are refused against the field.
        for (typed, expect) in [
            ("", "Enter"),
            ("most", "number"),
            ("1.5", "between 0 and 1"),
            ("-0.5", "between 0 and 1"),
            ("0.333", "two decimal"),
        ] {
            let err = availability::save(
                &mut conn,
                &team.manager.actor,
                &team.other_worker.user_id,
                &AvailabilityInput {
                    fte: typed.into(),
                    ..AvailabilityInput::default()
                },
                today,
            )
            .unwrap_err();
            assert!(
                field_message(&err, "fte").contains(expect),
                "{typed}: {err:?}"
            );
        }

        // Hours of zero: no capacity, so the one case makes the worker red.
        hours(&mut conn, &team.manager, &team.other_worker.user_id, "0");
        let d = availability::detail(
            &mut conn,
            &team.manager.actor,
            &team.other_worker.user_id,
            today,
        )
        .unwrap();
        assert_eq!(d.line.load.capacity, Points::ZERO);
        assert_eq!(d.line.load.rating, Rating::Red);
        assert_eq!(d.availability.fte_centi, 0);
        let raised = alerts_for(&mut conn, &team.other_worker.user_id);
        assert_eq!(raised.len(), 1);
        assert_eq!(raised[0].cause, "hours reduced");
        assert_eq!(raised[0].load_percent, None);
        let audit = audit_rows_for(&mut conn, "worker_availability.set");
        assert!(changed_fields(audit.last().unwrap()).contains(&"fte_centi".to_string()));

        // Back to full time: the alert clears.
        hours(&mut conn, &team.manager, &team.other_worker.user_id, "1");
        let after = alerts_for(&mut conn, &team.other_worker.user_id);
        assert_eq!(after[0].cleared_reason.as_deref(), Some(BACK_UNDER));

        // Newly qualified a month ago: 90% of 18 points.
        let a = cairn_db::caseloads::availability::find(&mut conn, &team.worker.user_id).unwrap();
        assert!(a.is_none(), "no profile yet");
        availability::save(
            &mut conn,
            &team.manager.actor,
            &team.worker.user_id,
            &AvailabilityInput {
                fte: "1".into(),
                newly_qualified_from: Some(today - Duration::days(30)),
                ..AvailabilityInput::default()
            },
            today,
        )
        .unwrap();
        let d = availability::detail(&mut conn, &team.manager.actor, &team.worker.user_id, today)
            .unwrap();
        assert_eq!(d.line.load.capacity, Points::from_centi(1620));
        assert!(d.line.newly_qualified_now);
        assert_eq!(d.full_time_capacity, Points::whole(18));

        // A stale form is refused.
        let stale = availability::save(
            &mut conn,
            &team.manager.actor,
            &team.worker.user_id,
            &AvailabilityInput {
                fte: "0.5".into(),
                version: 0,
                ..AvailabilityInput::default()
            },
            today,
        );
        assert!(matches!(stale, Err(ServiceError::Conflict(_))));

        // A social worker may not change anyone's hours.
        let denied = availability::save(
            &mut conn,
            &team.worker.actor,
            &team.other_worker.user_id,
            &AvailabilityInput {
                fte: "0.5".into(),
                ..AvailabilityInput::default()
            },
            today,
        );
        assert!(matches!(denied, Err(ServiceError::Denied { .. })));
    }
);

both_backends!(leaving_produces_a_reallocation_list, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let today = today_uk();
    let cases = give_cases(&mut conn, &team, &team.worker.user_id, 3);

    // Short leave lists nothing; long leave does.
    let short = availability::save(
        &mut conn,
        &team.manager.actor,
        &team.worker.user_id,
        &AvailabilityInput {
            fte: "1".into(),
            absent_from: Some(today),
            absent_until: Some(today + Duration::days(2)),
            absence_reason: "Annual leave".into(),
            ..AvailabilityInput::default()
        },
        today,
    );
    short.unwrap();
    let list = availability::list(&mut conn, &team.manager.actor, None, today).unwrap();
    assert_eq!(
        list.team_id.as_deref(),
        Some(team.team.as_str()),
        "the manager's own team"
    );
    let line = list
        .workers
        .iter()
        .find(|w| w.worker.user_id == team.worker.user_id)
        .unwrap();
    assert_eq!(line.to_reallocate, 0);
    assert!(line.on_leave_today);

    // Leave with no reason is refused.
    let a = cairn_db::caseloads::availability::find(&mut conn, &team.worker.user_id)
        .unwrap()
        .unwrap();
    let err = availability::save(
        &mut conn,
        &team.manager.actor,
        &team.worker.user_id,
        &AvailabilityInput {
            absence_reason: String::new(),
            ..AvailabilityInput::from_row(&a)
        },
        today,
    )
    .unwrap_err();
    assert_eq!(field_names(err), vec!["absence_reason"]);

    // A leaving date: every case is listed, and the team manager is told.
    let leaving = today + Duration::days(14);
    availability::save(
        &mut conn,
        &team.manager.actor,
        &team.worker.user_id,
        &AvailabilityInput {
            absent_from: None,
            absent_until: None,
            absence_reason: String::new(),
            left_on: Some(leaving),
            ..AvailabilityInput::from_row(&a)
        },
        today,
    )
    .unwrap();
    let list = availability::list(&mut conn, &team.manager.actor, Some(&team.team), today).unwrap();
    let line = list
        .workers
        .iter()
        .find(|w| w.worker.user_id == team.worker.user_id)
        .unwrap();
    assert_eq!(line.to_reallocate, 3);
    assert!(
        line.reallocate_because
            .as_deref()
            .unwrap()
            .starts_with("Leaving on")
    );
    assert_eq!(
        notified(&mut conn, &team.manager.user_id, "worker_leaving"),
        1
    );

    let r = availability::reallocation(&mut conn, &team.manager.actor, &team.worker.user_id, today)
        .unwrap();
    assert_eq!(r.items.len(), 3);
    assert_eq!(r.cases(), 3);
    let mut children: Vec<String> = r.items.iter().map(|i| i.child.id.clone()).collect();
    children.sort();
    let mut expected: Vec<String> = cases.iter().map(|c| c.child.clone()).collect();
    expected.sort();
    assert_eq!(children, expected);
    // The list names children: each is audited against the child.
    let audited: Vec<String> = audit_rows_for(&mut conn, "workers.reallocation_view")
        .into_iter()
        .filter_map(|r| r.person_id)
        .collect();
    assert_eq!(audited.len(), 3);

    // Administrators manage hours but do not see children; social workers see neither.
    let admin = staff(&mut conn, "admin", Role::Administrator);
    assert!(availability::list(&mut conn, &admin.actor, Some(&team.team), today).is_ok());
    assert!(matches!(
        availability::reallocation(&mut conn, &admin.actor, &team.worker.user_id, today),
        Err(ServiceError::Denied { .. })
    ));
    assert!(matches!(
        availability::list(&mut conn, &team.worker.actor, None, today),
        Err(ServiceError::Denied { .. })
    ));
});

both_backends!(
    alerts_rise_escalate_clear_and_close_on_a_decision,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let service_manager = staff(&mut conn, "service.manager", Role::ServiceManager);
        let w = team.worker.user_id.clone();
        // A quarter-time worker: 4.5 points. Six plain cases are 4.5 (100%: amber), seven red.
        hours(&mut conn, &team.manager, &w, "0.25");
        let first = give_cases(&mut conn, &team, &w, 6);
        reevaluate(&mut conn, &team.manager.actor, &w, &team.team);
        let a = alerts_for(&mut conn, &w);
        assert_eq!(a.len(), 1);
        assert_eq!(
            (a[0].level.as_str(), a[0].load_percent),
            ("amber", Some(100))
        );
        assert!(a[0].is_open());
        assert_eq!(a[0].team_id.as_deref(), Some(team.team.as_str()));
        assert_eq!(
            notified(&mut conn, &team.manager.user_id, "workload_alert"),
            1
        );
        assert_eq!(
            notified(&mut conn, &service_manager.user_id, "workload_alert"),
            1
        );
        let jobs_after_raise = email_jobs(&mut conn);
        assert_eq!(jobs_after_raise, 2);
        assert_eq!(audit_rows_for(&mut conn, "workload_alert.raise").len(), 1);

        // The same level again: nobody is told twice.
        reevaluate(&mut conn, &team.manager.actor, &w, &team.team);
        assert_eq!(
            notified(&mut conn, &team.manager.user_id, "workload_alert"),
            1
        );

        // A seventh case: escalated to red, and both managers told again.
        let _seventh = give_cases(&mut conn, &team, &w, 1);
        reevaluate(&mut conn, &team.manager.actor, &w, &team.team);
        let a = alerts_for(&mut conn, &w);
        assert_eq!(a.len(), 1, "the same alert, escalated");
        assert_eq!(a[0].level, "red");
        assert_eq!(
            notified(&mut conn, &team.manager.user_id, "workload_alert"),
            2
        );
        assert_eq!(
            notified(&mut conn, &service_manager.user_id, "workload_alert"),
            2
        );
        assert_eq!(email_jobs(&mut conn), 4);
        assert_eq!(
            audit_rows_for(&mut conn, "workload_alert.escalate").len(),
            1
        );

        // Back under (five cases): cleared.
        end_cases(&mut conn, &first[..2]);
        reevaluate(&mut conn, &team.manager.actor, &w, &team.team);
        let a = alerts_for(&mut conn, &w);
        assert_eq!(a[0].cleared_reason.as_deref(), Some(BACK_UNDER));
        assert!(a[0].cleared_at.is_some());
        assert_eq!(audit_rows_for(&mut conn, "workload_alert.clear").len(), 1);

        // Amber again: a new alert, which a manager closes with a decision.
        give_cases(&mut conn, &team, &w, 1);
        reevaluate(&mut conn, &team.manager.actor, &w, &team.team);
        let a = alerts_for(&mut conn, &w);
        assert_eq!(a.len(), 2);
        let open = a.iter().find(|x| x.is_open()).unwrap().clone();
        assert_eq!(open.level, "amber");
        let empty = alerts::decide(&mut conn, &team.manager.actor, &open.id, "  ").unwrap_err();
        assert_eq!(field_names(empty), vec!["decision"]);
        alerts::decide(
            &mut conn,
            &team.manager.actor,
            &open.id,
            "Agreed with the worker: no new cases for a month.",
        )
        .unwrap();
        let decided = alerts_for(&mut conn, &w)
            .into_iter()
            .find(|x| x.id == open.id)
            .unwrap();
        assert_eq!(
            decided.decided_by.as_deref(),
            Some(team.manager.user_id.as_str())
        );
        assert!(!decided.is_open());
        assert!(decided.cleared_at.is_none());
        assert_eq!(audit_rows_for(&mut conn, "workload_alert.decide").len(), 1);
        // A second decision on the closed alert is refused.
        assert!(matches!(
            alerts::decide(&mut conn, &service_manager.actor, &open.id, "Too late"),
            Err(ServiceError::Conflict(_))
        ));

        // Still amber: the decision stands and nothing is raised.
        reevaluate(&mut conn, &team.manager.actor, &w, &team.team);
        assert_eq!(alerts_for(&mut conn, &w).len(), 2);
        let page = alerts::page(&mut conn, &service_manager.actor, None).unwrap();
        assert!(page.open.iter().all(|v| v.alert.subject_id != w));
        assert!(page.closed.iter().any(|v| v.alert.id == open.id));
        assert!(page.may_decide);

        // Red after the decision: a new alert.
        give_cases(&mut conn, &team, &w, 1);
        reevaluate(&mut conn, &team.manager.actor, &w, &team.team);
        let a = alerts_for(&mut conn, &w);
        assert_eq!(a.len(), 3);
        assert_eq!(a.iter().filter(|x| x.is_open()).count(), 1);
        assert_eq!(a.iter().find(|x| x.is_open()).unwrap().level, "red");
        let page = alerts::page(&mut conn, &service_manager.actor, Some(&team.team)).unwrap();
        assert_eq!(page.open.len(), 1);
        assert_eq!(page.open[0].subject_name, "Test worker");
    }
);

both_backends!(team_alerts_follow_the_teams_total, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let today = today_uk();
    // Two full-time workers: 36 points. Seven cases (5.25) are well within it.
    give_cases(&mut conn, &team, &team.worker.user_id, 7);
    conn.write(|c| {
        alerts::reevaluate(
            c,
            &team.manager.actor,
            &Affected {
                workers: vec![],
                teams: vec![team.team.clone()],
            },
            "allocation",
            today,
        )
    })
    .unwrap();
    assert!(alerts_for(&mut conn, &team.team).is_empty());
    // Both workers down to a tenth: 3.6 points against 5.25 is red for the team too.
    hours(&mut conn, &team.manager, &team.worker.user_id, "0.1");
    hours(&mut conn, &team.manager, &team.other_worker.user_id, "0.1");
    let t = alerts_for(&mut conn, &team.team);
    assert_eq!(t.len(), 1);
    assert_eq!(
        (t[0].subject_kind.as_str(), t[0].level.as_str()),
        ("team", "red")
    );
    assert_eq!(t[0].cause, "hours reduced");
    assert_eq!(t[0].load_percent, Some(145));
});

both_backends!(only_those_who_see_caseloads_see_alerts, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let performance = staff(&mut conn, "performance", Role::PerformanceOfficer);
    hours(&mut conn, &team.manager, &team.worker.user_id, "0");
    give_cases(&mut conn, &team, &team.worker.user_id, 1);
    reevaluate(
        &mut conn,
        &team.manager.actor,
        &team.worker.user_id,
        &team.team,
    );
    let id = alerts_for(&mut conn, &team.worker.user_id)[0].id.clone();

    assert!(matches!(
        alerts::page(&mut conn, &team.worker.actor, None),
        Err(ServiceError::Denied { .. })
    ));
    assert!(matches!(
        alerts::decide(&mut conn, &team.worker.actor, &id, "Fine"),
        Err(ServiceError::Denied { .. })
    ));
    let page = alerts::page(&mut conn, &performance.actor, None).unwrap();
    assert_eq!(page.open.len(), 1);
    assert!(!page.may_decide);
    assert!(matches!(
        alerts::decide(&mut conn, &performance.actor, &id, "Fine"),
        Err(ServiceError::Denied { .. })
    ));
    assert!(!audit_rows_for(&mut conn, "access.denied").is_empty());
});

both_backends!(notifications_are_each_users_own, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    for title in ["First", "Second"] {
        conn.write(|c| {
            notifications::notify(
                c,
                &notifications::Notice {
                    user_id: team.worker.user_id.clone(),
                    kind: "allocation",
                    title: title.into(),
                    body: "A body".into(),
                    href: "/caseloads".into(),
                    source_kind: "allocation",
                    source_id: "x".into(),
                    email: title == "Second",
                },
            )
        })
        .unwrap();
    }
    assert_eq!(
        email_jobs(&mut conn),
        1,
        "only the one asked for is emailed"
    );
    let inbox = notifications::inbox(&mut conn, &team.worker.actor).unwrap();
    assert_eq!(inbox.unread, 2);
    assert_eq!(inbox.notifications[0].title, "Second", "newest first");
    let id = inbox.notifications[1].id.clone();

    // Someone else cannot read or mark it.
    assert!(
        notifications::inbox(&mut conn, &team.manager.actor)
            .unwrap()
            .notifications
            .is_empty()
    );
    assert!(matches!(
        notifications::mark_read(&mut conn, &team.manager.actor, &id),
        Err(ServiceError::NotFound(_))
    ));
    notifications::mark_read(&mut conn, &team.worker.actor, &id).unwrap();
    assert_eq!(
        notifications::unread_count(&mut conn, &team.worker.actor).unwrap(),
        1
    );
    assert_eq!(
        notifications::mark_all_read(&mut conn, &team.worker.actor).unwrap(),
        1
    );
    assert_eq!(
        notifications::unread_count(&mut conn, &team.worker.actor).unwrap(),
        0
    );

    // The email says there is something in Cairn, and links to it.
    let row = cairn_db::caseloads::notifications::find(&mut conn, &id)
        .unwrap()
        .unwrap();
    let (subject, body) = notifications::email_text(&settings(), &row);
    assert!(subject.contains("First"));
    assert!(body.starts_with("You have a new notification in Cairn: First"));
    assert!(body.contains("http://127.0.0.1:8080/notifications"));
});

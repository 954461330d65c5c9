//! Workload snapshots and the dashboard figures.
#![allow(clippy::unwrap_used)]

#[allow(unused_imports)]
use super::*;

use cairn_core::ServiceError;
use cairn_core::caseloads::dashboard::{self, DashboardFilter};
use cairn_core::caseloads::snapshots::{self, Progress};
use cairn_db::DbConn;
use cairn_db::both_backends;
use cairn_db::caseloads::snapshots::{self as repo, Scope, SnapshotRow};
use cairn_db::schema::{
    allocations, assessments, case_notes, cin_plans, jobs, worker_profiles, workload_snapshots,
};
use cairn_db::testing::TestDb;
use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use crate::support::*;

fn no_progress(_: Progress) {}

/// Allocates `case`'s child to `worker` from `starts_on`, straight into the table (the
/// allocation service is tested on its own).
fn allocate(
    conn: &mut DbConn,
    team: &CaseTeam,
    case: &OpenCase,
    worker: &str,
    starts_on: NaiveDate,
) {
    // The case may already be allocated by the fixture: give it to this worker from
    // this day, or allocate it if it is not.
    let moved = diesel::update(
        allocations::table
            .filter(allocations::work_id.eq(&case.referral))
            .filter(allocations::ends_on.is_null()),
    )
    .set((
        allocations::worker_id.eq(worker),
        allocations::starts_on.eq(starts_on),
    ))
    .execute(conn)
    .expect("move the allocation");
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
                allocations::starts_on.eq(starts_on),
                allocations::reason.eq("Test"),
                allocations::back_dated.eq(false),
                allocations::created_at.eq(cairn_db::now()),
                allocations::created_by.eq("test"),
                allocations::version.eq(1),
            ))
            .execute(conn)
            .unwrap();
    }
}

/// `n` open cases referred 90 days ago, each allocated to `worker` from then.
fn cases(
    conn: &mut DbConn,
    team: &CaseTeam,
    worker: &str,
    n: usize,
    prefix: &str,
) -> Vec<OpenCase> {
    let referred = today() - Duration::days(90);
    (0..n)
        .map(|i| {
            let case = open_case(conn, team, &format!("{prefix}{i}"), referred);
            allocate(conn, team, &case, worker, referred);
            case
        })
        .collect()
}

fn set_fte(conn: &mut DbConn, user: &str, fte_centi: i32) {
    diesel::insert_into(worker_profiles::table)
        .values((
            worker_profiles::user_id.eq(user),
            worker_profiles::version.eq(1),
            worker_profiles::updated_at.eq(cairn_db::now()),
            worker_profiles::updated_by.eq("test"),
            worker_profiles::fte_centi.eq(fte_centi),
        ))
        .execute(conn)
        .unwrap();
}

fn rows_on(conn: &mut DbConn, on: NaiveDate) -> Vec<SnapshotRow> {
    repo::on_day(conn, on, &Scope::default()).unwrap()
}

fn row_of<'a>(rows: &'a [SnapshotRow], user: &str) -> &'a SnapshotRow {
    rows.iter().find(|r| r.worker_id == user).unwrap()
}

fn snapshot_count(conn: &mut DbConn) -> i64 {
    workload_snapshots::table.count().get_result(conn).unwrap()
}

fn admin() -> cairn_core::Actor {
    cairn_core::Actor::command_line()
}

both_backends!(
    a_snapshot_holds_each_workers_weighted_load_and_rating,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let worker = team.worker.user_id.clone();
        let other = team.other_worker.user_id.clone();
        cases(&mut conn, &team, &worker, 3, "Light");
        // 25 open cases at 0.75 points: 18.75 against a capacity of 18 is over red.
        cases(&mut conn, &team, &other, 25, "Heavy");
        let on = today();
        let summary =
            snapshots::take(&mut conn, &team.manager.actor, on, &mut no_progress).unwrap();
        assert_eq!((summary.workers, summary.red, summary.amber), (3, 1, 0));
        let rows = rows_on(&mut conn, on);
        assert_eq!(rows.len(), 3, "one row per member of the team");
        let light = row_of(&rows, &worker);
        assert_eq!(
            (light.cases, light.weighted_centi, light.capacity_centi),
            (3, 225, 1800)
        );
        assert_eq!(light.rating, "green");
        assert!(light.case_holding);
        assert_eq!(light.team_id.as_deref(), Some(team.team.as_str()));
        assert_eq!(light.service.as_deref(), Some("children_in_need"));
        let heavy = row_of(&rows, &other);
        assert_eq!(
            (heavy.cases, heavy.weighted_centi, heavy.rating.as_str()),
            (25, 1875, "red")
        );
        let manager = row_of(&rows, &team.manager.user_id);
        assert!(
            !manager.case_holding,
            "a team manager has no capacity in the default model"
        );
        assert_eq!((manager.cases, manager.rating.as_str()), (0, "green"));
        let audit = audit_rows_for(&mut conn, "workload_snapshot.take");
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].entity_id.as_deref(), Some(on.to_string().as_str()));
        assert_chain_intact(&mut conn);
    }
);

both_backends!(taking_a_day_again_updates_it_in_place, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let worker = team.worker.user_id.clone();
    cases(&mut conn, &team, &worker, 2, "First");
    let on = today();
    snapshots::take(&mut conn, &admin(), on, &mut no_progress).unwrap();
    let before = rows_on(&mut conn, on);
    assert_eq!(row_of(&before, &worker).weighted_centi, 150);
    cases(&mut conn, &team, &worker, 1, "Third");
    snapshots::take(&mut conn, &admin(), on, &mut no_progress).unwrap();
    let after = rows_on(&mut conn, on);
    assert_eq!(snapshot_count(&mut conn), 3, "no duplicate rows");
    let (b, a) = (row_of(&before, &worker), row_of(&after, &worker));
    assert_eq!(a.id, b.id, "the same row, updated");
    assert_eq!((a.cases, a.weighted_centi), (3, 225));
    let audit = audit_rows_for(&mut conn, "workload_snapshot.take");
    assert_eq!(audit.len(), 2);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&audit[1].detail).unwrap()["retake"],
        serde_json::json!(true)
    );
});

both_backends!(
    a_back_dated_change_retakes_the_days_it_changes,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let worker = team.worker.user_id.clone();
        cases(&mut conn, &team, &worker, 1, "Held");
        let today = today();
        let (d1, d3) = (today - Duration::days(3), today - Duration::days(1));
        for day in [d1, d3, today] {
            snapshots::take(&mut conn, &admin(), day, &mut no_progress).unwrap();
        }
        let count = snapshot_count(&mut conn);
        // Recorded now, starting two days ago: days 1 and 3 ago are stale, today too.
        let late = open_case(&mut conn, &team, "Late", today - Duration::days(20));
        allocate(&mut conn, &team, &late, &worker, today - Duration::days(2));
        conn.write(|c| snapshots::schedule_retake(c, today - Duration::days(2)))
            .unwrap();
        let queued: Vec<String> = jobs::table
            .filter(jobs::kind.eq(snapshots::RETAKE_JOB))
            .select(jobs::payload)
            .load(&mut conn)
            .unwrap();
        assert_eq!(queued.len(), 1);
        assert!(queued[0].contains(&(today - Duration::days(2)).to_string()));
        let registry = cairn_core::jobs::default_registry(&settings());
        let report = cairn_core::jobs::run_one(&mut conn, &registry, "test-worker")
            .unwrap()
            .unwrap();
        assert_eq!(report.outcome, cairn_core::jobs::RunOutcome::Done);
        assert_eq!(
            snapshot_count(&mut conn),
            count,
            "no day invented, nothing deleted"
        );
        assert_eq!(
            row_of(&rows_on(&mut conn, d1), &worker).cases,
            1,
            "before the change"
        );
        assert_eq!(row_of(&rows_on(&mut conn, d3), &worker).cases, 2);
        assert_eq!(row_of(&rows_on(&mut conn, today), &worker).cases, 2);
    }
);

both_backends!(
    the_daily_schedule_queues_one_snapshot_a_day,
    |db: TestDb| {
        let mut conn = db.conn();
        case_team(&mut conn);
        let on = today();
        assert!(snapshots::queue_daily(&mut conn, on).unwrap());
        assert!(
            !snapshots::queue_daily(&mut conn, on).unwrap(),
            "already queued"
        );
        let registry = cairn_core::jobs::default_registry(&settings());
        let report = cairn_core::jobs::run_one(&mut conn, &registry, "test-worker")
            .unwrap()
            .unwrap();
        assert_eq!(report.kind, snapshots::TAKE_JOB);
        assert_eq!(report.outcome, cairn_core::jobs::RunOutcome::Done);
        assert!(repo::has_day(&mut conn, on).unwrap());
        assert_eq!(snapshot_count(&mut conn), 3);
        assert!(
            !snapshots::queue_daily(&mut conn, on).unwrap(),
            "today is taken"
        );
    }
);

both_backends!(
    overdue_work_and_assessments_sit_beside_the_caseload,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let worker = team.worker.user_id.clone();
        let held = cases(&mut conn, &team, &worker, 2, "Plan");
        let now = cairn_db::now();
        let on = today();
        // A draft about a visit ten days ago: overdue against the two-day standard. A draft
        // about this morning is not.
        for (days, title) in [(10, "Old visit"), (0, "Today")] {
            let rowid = cairn_db::recording::notes::reserve_search_rowids(&mut conn, 1).unwrap();
            diesel::insert_into(case_notes::table)
                .values((
                    case_notes::id.eq(uuid::Uuid::now_v7().to_string()),
                    case_notes::search_rowid.eq(rowid),
                    case_notes::status.eq("draft"),
                    case_notes::kind.eq("visit"),
                    case_notes::occurred_at.eq(now - Duration::days(days)),
                    case_notes::title.eq(title),
                    case_notes::narrative.eq("Notes"),
                    case_notes::significant.eq(false),
                    case_notes::author_user_id.eq(&worker),
                    case_notes::created_at.eq(now - Duration::days(days)),
                    case_notes::updated_at.eq(now),
                ))
                .execute(&mut conn)
                .unwrap();
        }
        // A child in need plan from 60 days ago with no visit since: its visit is overdue.
        diesel::insert_into(cin_plans::table)
            .values((
                cin_plans::id.eq(uuid::Uuid::now_v7().to_string()),
                cin_plans::referral_id.eq(&held[0].referral),
                cin_plans::person_id.eq(&held[0].child),
                cin_plans::started_on.eq(on - Duration::days(60)),
                cin_plans::version.eq(1),
                cin_plans::created_at.eq(now),
                cin_plans::created_by.eq("test"),
            ))
            .execute(&mut conn)
            .unwrap();
        // Two assessments authorised this year: one within 45 working days and rated good,
        // one 80 days after the referral and rated inadequate; one from two years ago.
        let referred = on - Duration::days(90);
        for (authorised, rating) in [
            (referred + Duration::days(30), Some("good")),
            (referred + Duration::days(80), Some("inadequate")),
            (on - Duration::days(800), None),
        ] {
            diesel::insert_into(assessments::table)
                .values((
                    assessments::id.eq(uuid::Uuid::now_v7().to_string()),
                    assessments::referral_id.eq(&held[1].referral),
                    assessments::person_id.eq(&held[1].child),
                    assessments::kind.eq("single"),
                    assessments::status.eq("authorised"),
                    assessments::started_on.eq(referred),
                    assessments::worker_id.eq(&worker),
                    assessments::framework.eq("{}"),
                    assessments::identity.eq("{}"),
                    assessments::identity_confirmed.eq(true),
                    assessments::authorised_on.eq(authorised),
                    assessments::quality_rating.eq(rating),
                    assessments::revision.eq(1),
                    assessments::version.eq(1),
                    assessments::created_at.eq(now),
                    assessments::created_by.eq("test"),
                ))
                .execute(&mut conn)
                .unwrap();
        }
        snapshots::take(&mut conn, &admin(), on, &mut no_progress).unwrap();
        let rows = rows_on(&mut conn, on);
        let w = row_of(&rows, &worker);
        assert_eq!(w.overdue_recordings, 1);
        assert_eq!(w.overdue_visits, 1);
        assert_eq!(
            (
                w.assessments_completed,
                w.assessments_in_time,
                w.assessments_rated,
                w.assessments_rated_good
            ),
            (2, 1, 2, 1)
        );
        let other = row_of(&rows, &team.other_worker.user_id);
        assert_eq!(
            (
                other.overdue_recordings,
                other.overdue_visits,
                other.assessments_completed
            ),
            (0, 0, 0)
        );
    }
);

both_backends!(
    the_dashboard_reads_the_snapshot_and_gives_the_census_figure,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let worker = team.worker.user_id.clone();
        let other = team.other_worker.user_id.clone();
        // Full time with 6 cases, half time with 6: 12 cases over 1.5 FTE is 8 per FTE.
        set_fte(&mut conn, &other, 50);
        cases(&mut conn, &team, &worker, 6, "Full");
        cases(&mut conn, &team, &other, 6, "Half");
        let empty =
            dashboard::dashboard(&mut conn, &team.manager.actor, &DashboardFilter::default())
                .unwrap();
        assert_eq!(empty.taken_on, None, "nothing before the first snapshot");
        let on = today();
        snapshots::take(&mut conn, &admin(), on, &mut no_progress).unwrap();
        // A change after the snapshot does not show until the next one: the page reads
        // snapshots only.
        cases(&mut conn, &team, &worker, 4, "Later");
        let d = dashboard::dashboard(&mut conn, &team.manager.actor, &DashboardFilter::default())
            .unwrap();
        assert_eq!(d.taken_on, Some(on));
        assert_eq!(d.summary.workers, 3);
        assert_eq!(d.summary.case_holding_workers, 2);
        assert_eq!(d.summary.cases, 12);
        assert_eq!(d.summary.cases_per_fte, Some(8.0));
        assert_eq!(d.summary.average_cases, Some(6.0));
        // 6 × 0.75 = 4.5 of 18 (25%), and of 9 (50%); 9 of 27 together is 33%.
        let full = d.workers.iter().find(|w| w.worker_id == worker).unwrap();
        assert_eq!(full.load_percent, Some(25));
        let half = d.workers.iter().find(|w| w.worker_id == other).unwrap();
        assert_eq!(half.load_percent, Some(50));
        assert_eq!(d.workers[0].worker_id, other, "most loaded first");
        assert_eq!(d.summary.load_percent, Some(33));
        assert_eq!(d.by_team.len(), 1);
        assert_eq!(d.by_team[0].name, "Children in need");
        assert_eq!(d.by_team[0].cases_per_fte, Some(8.0));
        assert_eq!(d.by_service[0].name, "Children in need");
        assert_eq!(d.trend.len(), 1);
        assert_eq!(d.trend[0].load_percent, Some(33));
        let bands: Vec<(String, i64)> = d
            .distribution
            .iter()
            .filter(|b| b.workers > 0)
            .map(|b| (b.label.clone(), b.workers))
            .collect();
        assert_eq!(
            bands,
            vec![("20–29%".to_string(), 1), ("50–59%".to_string(), 1)]
        );
        let audit = audit_rows_for(&mut conn, "caseloads.dashboard_view");
        assert_eq!(audit.len(), 2);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&audit[1].detail).unwrap()["taken_on"],
            serde_json::json!(on.to_string())
        );

        let (name, body) = dashboard::section_csv(
            &mut conn,
            &team.manager.actor,
            &DashboardFilter::default(),
            "workers",
        )
        .unwrap();
        assert_eq!(name, format!("caseloads-workers-{on}.csv"));
        let lines: Vec<&str> = body.lines().collect();
        assert!(lines[0].starts_with(
            "Worker,Team,Cases,Other pieces of work,Weighted load,Capacity,Load,Rating"
        ));
        assert_eq!(lines.len(), 4);
        assert!(
            lines[1].starts_with("Test other.worker,Children in need,6,0,4.5,9,50,green,0,0,0,,0,"),
            "{}",
            lines[1]
        );
        let (_, teams) = dashboard::section_csv(
            &mut conn,
            &team.manager.actor,
            &DashboardFilter::default(),
            "teams",
        )
        .unwrap();
        assert!(
            teams
                .lines()
                .nth(1)
                .unwrap()
                .starts_with("Children in need,3,1.5,12,8,9,27,33,0,0,"),
            "{teams}"
        );
        assert_eq!(
            audit_rows_for(&mut conn, "caseloads.dashboard_download").len(),
            2
        );
        assert!(matches!(
            dashboard::section_csv(
                &mut conn,
                &team.manager.actor,
                &DashboardFilter::default(),
                "nope"
            ),
            Err(ServiceError::NotFound(_))
        ));
    }
);

both_backends!(
    filters_narrow_the_dashboard_and_unknown_ones_are_refused,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let other_team = make_team(&mut conn, "Child protection");
        let elsewhere = staff_in_team(
            &mut conn,
            "elsewhere",
            cairn_domain::roles::Role::SocialWorker,
            &other_team,
        );
        cases(&mut conn, &team, &team.worker.user_id, 2, "Ours");
        let on = today();
        snapshots::take(&mut conn, &admin(), on, &mut no_progress).unwrap();
        let all = dashboard::dashboard(&mut conn, &team.manager.actor, &DashboardFilter::default())
            .unwrap();
        assert_eq!(all.summary.workers, 4);
        assert_eq!(all.by_team.len(), 2);
        let theirs = dashboard::dashboard(
            &mut conn,
            &team.manager.actor,
            &DashboardFilter {
                team_id: Some(other_team.clone()),
                ..DashboardFilter::default()
            },
        )
        .unwrap();
        assert_eq!(theirs.summary.workers, 1);
        assert_eq!(theirs.workers[0].worker_id, elsewhere.user_id);
        assert_eq!(theirs.scope_label, "Child protection");
        let bad = dashboard::dashboard(
            &mut conn,
            &team.manager.actor,
            &DashboardFilter {
                team_id: Some("no-such-team".into()),
                service: Some("nonsense".into()),
                ..DashboardFilter::default()
            },
        );
        match bad {
            Err(ServiceError::Invalid(errors)) => {
                let fields: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
                assert_eq!(fields, ["team", "service"]);
            }
            other => panic!("expected field errors, got {other:?}"),
        }
        // A day before the first snapshot has none; a later day shows the latest before it.
        let before = dashboard::dashboard(
            &mut conn,
            &team.manager.actor,
            &DashboardFilter {
                date: Some(on - Duration::days(1)),
                ..DashboardFilter::default()
            },
        )
        .unwrap();
        assert_eq!((before.taken_on, before.workers.len()), (None, 0));
        let later = dashboard::dashboard(
            &mut conn,
            &team.manager.actor,
            &DashboardFilter {
                date: Some(on + Duration::days(5)),
                ..DashboardFilter::default()
            },
        )
        .unwrap();
        assert_eq!(later.taken_on, Some(on));
    }
);

both_backends!(
    a_social_worker_may_neither_see_the_dashboard_nor_take_a_snapshot,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let before = snapshot_count(&mut conn);
        assert!(matches!(
            dashboard::dashboard(&mut conn, &team.worker.actor, &DashboardFilter::default()),
            Err(ServiceError::Denied { .. })
        ));
        assert!(matches!(
            dashboard::trend(&mut conn, &team.worker.actor, &DashboardFilter::default()),
            Err(ServiceError::Denied { .. })
        ));
        assert!(matches!(
            snapshots::take(&mut conn, &team.worker.actor, today(), &mut no_progress),
            Err(ServiceError::Denied { .. })
        ));
        assert_eq!(snapshot_count(&mut conn), before);
        assert_eq!(audit_rows_for(&mut conn, "access.denied").len(), 3);
        assert!(audit_rows_for(&mut conn, "caseloads.dashboard_view").is_empty());
    }
);

both_backends!(
    the_stored_day_totals_agree_with_the_workers_rows,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let worker = team.worker.user_id.clone();
        let other = team.other_worker.user_id.clone();
        cases(&mut conn, &team, &worker, 2, "Light");
        cases(&mut conn, &team, &other, 25, "Heavy");
        let today = today();
        let days = [today - Duration::days(2), today - Duration::days(1), today];
        for day in days {
            snapshots::take(&mut conn, &admin(), day, &mut no_progress).unwrap();
        }
        // Today taken again after a change: its totals follow.
        cases(&mut conn, &team, &worker, 1, "Third");
        snapshots::take(&mut conn, &admin(), today, &mut no_progress).unwrap();
        let row = row_of(&rows_on(&mut conn, today), &worker).clone();
        let scopes = [
            Scope::default(),
            Scope {
                team_id: Some(team.team.clone()),
                ..Scope::default()
            },
            Scope {
                office_id: row.office_id.clone(),
                ..Scope::default()
            },
            Scope {
                service: row.service.clone(),
                ..Scope::default()
            },
        ];
        for scope in &scopes {
            let stored = repo::trend(&mut conn, days[0], today, scope).unwrap();
            let grouped = repo::trend_grouped(&mut conn, days[0], today, scope).unwrap();
            assert_eq!(stored, grouped, "{scope:?}");
            assert_eq!(stored.len(), 3, "{scope:?}");
            let last = stored.last().unwrap();
            assert_eq!(
                (last.case_holding, last.cases, last.red),
                (2, 28, 1),
                "{scope:?}"
            );
        }
        let elsewhere = Scope {
            team_id: Some("no-such-team".into()),
            ..Scope::default()
        };
        assert!(
            repo::trend(&mut conn, days[0], today, &elsewhere)
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            repo::recent_days(&mut conn, today, 2).unwrap(),
            days[1..].to_vec(),
            "the latest days, oldest first"
        );
    }
);

//! Allocation, reallocation, overrides, factors, unallocated work and escalation, notifications.

#[allow(unused_imports)]
use super::*;

use cairn_core::ServiceError;
use cairn_core::caseloads::allocation::{self, AllocationInput, EndInput};
use cairn_core::caseloads::factors::{self, FactorsInput};
use cairn_core::caseloads::unallocated;
use cairn_db::DbConn;
use cairn_db::both_backends;
use cairn_db::schema::{
    allocations, notifications, referrals, relationships, users, worker_profiles, workload_alerts,
};
use cairn_db::testing::TestDb;
use cairn_domain::caseloads::Rating;
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

/// A child with an open referral to the team that nobody holds yet.
fn waiting_case(
    conn: &mut DbConn,
    team: &CaseTeam,
    given: &str,
    referral_date: NaiveDate,
) -> OpenCase {
    let case = open_case_without_allocation(conn, team, given, referral_date);
    diesel::update(referrals::table.find(&case.referral))
        .set((
            referrals::worker_id.eq(None::<String>),
            referrals::assigned_at.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(conn)
        .unwrap();
    case
}

fn to(team: &CaseTeam, worker: &Staff) -> AllocationInput {
    AllocationInput {
        work: "case".into(),
        team_id: team.team.clone(),
        worker_id: worker.user_id.clone(),
        reason: "Knows the family from a previous assessment.".into(),
        ..AllocationInput::default()
    }
}

fn holder(conn: &mut DbConn, referral: &str) -> Option<String> {
    referrals::table
        .find(referral)
        .select(referrals::worker_id)
        .first(conn)
        .unwrap()
}

fn open_rows(conn: &mut DbConn, referral: &str) -> Vec<(String, String)> {
    allocations::table
        .filter(allocations::work_id.eq(referral))
        .filter(allocations::ends_on.is_null())
        .select((allocations::id, allocations::worker_id))
        .load(conn)
        .unwrap()
}

fn profile(conn: &mut DbConn, user: &str, fte: i32, left_on: Option<NaiveDate>) {
    diesel::insert_into(worker_profiles::table)
        .values((
            worker_profiles::user_id.eq(user),
            worker_profiles::version.eq(1),
            worker_profiles::updated_at.eq(cairn_db::now()),
            worker_profiles::updated_by.eq("test"),
            worker_profiles::fte_centi.eq(fte),
            worker_profiles::left_on.eq(left_on),
        ))
        .execute(conn)
        .unwrap();
}

fn siblings(conn: &mut DbConn, a: &str, b: &str) {
    diesel::insert_into(relationships::table)
        .values((
            relationships::id.eq(uuid::Uuid::now_v7().to_string()),
            relationships::person_a.eq(a),
            relationships::person_b.eq(b),
            relationships::kind.eq("sibling"),
            relationships::lives_together.eq(true),
            relationships::created_at.eq(cairn_db::now()),
            relationships::created_by.eq("test"),
        ))
        .execute(conn)
        .unwrap();
}

fn notifications_of(conn: &mut DbConn, user: &str, kind: &str) -> i64 {
    notifications::table
        .filter(notifications::user_id.eq(user))
        .filter(notifications::kind.eq(kind))
        .count()
        .get_result(conn)
        .unwrap()
}

both_backends!(allocate_reallocate_and_history, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let today = today_uk();
    let case = waiting_case(&mut conn, &team, "Amelia", today - Duration::days(3));

    let screen = allocation::screen(
        &mut conn,
        &team.manager.actor,
        &case.child,
        "case",
        None,
        today,
    )
    .unwrap();
    assert_eq!(screen.team_id, team.team);
    assert!(screen.current.is_none());
    assert_eq!(
        screen.adds.weight,
        Points::from_centi(75),
        "an open case with nothing under way"
    );
    let names: Vec<&str> = screen
        .candidates
        .iter()
        .map(|c| c.worker.user_id.as_str())
        .collect();
    assert!(names.contains(&team.worker.user_id.as_str()));
    assert!(names.contains(&team.other_worker.user_id.as_str()));
    assert!(
        !names.contains(&team.manager.user_id.as_str()),
        "managers hold no cases"
    );

    let done = allocation::allocate(
        &mut conn,
        &team.manager.actor,
        &case.child,
        &AllocationInput {
            expected_version: Some(screen.expected_version),
            ..to(&team, &team.worker)
        },
        today,
    )
    .unwrap();
    assert_eq!(done.ids.len(), 1);
    assert_eq!(done.rating, Rating::Green);
    assert!(!done.back_dated);
    assert_eq!(
        holder(&mut conn, &case.referral).as_deref(),
        Some(team.worker.user_id.as_str())
    );
    assert_eq!(open_rows(&mut conn, &case.referral).len(), 1);
    assert_eq!(audit_rows_for(&mut conn, "allocation.start").len(), 1);
    assert_eq!(events_of_kind(&mut conn, "referral.assigned").len(), 1);
    assert_eq!(
        notifications_of(&mut conn, &team.worker.user_id, "allocation"),
        1
    );
    let row: (Option<i32>, Option<i32>, Option<String>) = allocations::table
        .find(&done.ids[0])
        .select((
            allocations::load_before_centi,
            allocations::load_after_centi,
            allocations::rating,
        ))
        .first(&mut conn)
        .unwrap();
    assert_eq!(row, (Some(0), Some(75), Some("green".into())));

    // Reallocating needs a reason.
    let e = allocation::allocate(
        &mut conn,
        &team.manager.actor,
        &case.child,
        &AllocationInput {
            reason: "  ".into(),
            ..to(&team, &team.other_worker)
        },
        today,
    )
    .unwrap_err();
    assert_eq!(field_names(e), vec!["reason"]);
    // Nor to the worker who holds it already.
    let e = allocation::allocate(
        &mut conn,
        &team.manager.actor,
        &case.child,
        &to(&team, &team.worker),
        today,
    )
    .unwrap_err();
    assert_eq!(field_names(e), vec!["worker"]);

    let again = allocation::allocate(
        &mut conn,
        &team.manager.actor,
        &case.child,
        &to(&team, &team.other_worker),
        today,
    )
    .unwrap();
    assert_eq!(
        holder(&mut conn, &case.referral).as_deref(),
        Some(team.other_worker.user_id.as_str())
    );
    let open = open_rows(&mut conn, &case.referral);
    assert_eq!(
        open,
        vec![(again.ids[0].clone(), team.other_worker.user_id.clone())]
    );
    let ended: (Option<NaiveDate>, Option<String>, Option<String>) = allocations::table
        .find(&done.ids[0])
        .select((
            allocations::ends_on,
            allocations::end_reason,
            allocations::ended_by,
        ))
        .first(&mut conn)
        .unwrap();
    assert_eq!(ended.0, Some(today));
    assert!(ended.1.is_some());
    assert_eq!(ended.2.as_deref(), Some(team.manager.user_id.as_str()));
    assert_eq!(events_of_kind(&mut conn, "allocation.ended").len(), 1);

    let (_, history) = allocation::history(&mut conn, &team.manager.actor, &case.child).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].row.id, again.ids[0], "newest first");
    assert_eq!(history[0].worker_name, "Test other.worker");
    assert!(history[1].row.ends_on.is_some());

    // Named under another child's address, the allocation is not found.
    let e = allocation::end(
        &mut conn,
        &team.manager.actor,
        &again.ids[0],
        &EndInput {
            reason: "Worker moving to the court team.".into(),
            person_id: Some(uuid::Uuid::now_v7().to_string()),
            ..EndInput::default()
        },
        today,
    )
    .unwrap_err();
    assert!(matches!(e, ServiceError::NotFound(_)), "{e:?}");
    assert_eq!(
        holder(&mut conn, &case.referral).as_deref(),
        Some(team.other_worker.user_id.as_str())
    );

    // Ending the allocation puts the child back on the unallocated list.
    allocation::end(
        &mut conn,
        &team.manager.actor,
        &again.ids[0],
        &EndInput {
            reason: "Worker moving to the court team.".into(),
            person_id: Some(case.child.clone()),
            ..EndInput::default()
        },
        today,
    )
    .unwrap();
    assert_eq!(holder(&mut conn, &case.referral), None);
    let list = unallocated::list(&mut conn, &team.manager.actor, None, today).unwrap();
    assert!(list.children.iter().any(|c| c.referral_id == case.referral));
    assert_chain_intact(&mut conn);
});

both_backends!(
    refuses_disabled_departed_and_other_teams_workers,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let today = today_uk();
        let case = waiting_case(&mut conn, &team, "Amelia", today - Duration::days(3));

        diesel::update(users::table.find(&team.other_worker.user_id))
            .set(users::active.eq(false))
            .execute(&mut conn)
            .unwrap();
        let e = allocation::allocate(
            &mut conn,
            &team.manager.actor,
            &case.child,
            &to(&team, &team.other_worker),
            today,
        )
        .unwrap_err();
        match e {
            ServiceError::Invalid(errors) => {
                assert!(
                    errors.for_field("worker").unwrap().contains("disabled"),
                    "{errors:?}"
                );
            }
            other => panic!("{other:?}"),
        }

        profile(&mut conn, &team.worker.user_id, 100, Some(today));
        let e = allocation::allocate(
            &mut conn,
            &team.manager.actor,
            &case.child,
            &to(&team, &team.worker),
            today,
        )
        .unwrap_err();
        match e {
            ServiceError::Invalid(errors) => {
                assert!(
                    errors.for_field("worker").unwrap().contains("left on"),
                    "{errors:?}"
                );
            }
            other => panic!("{other:?}"),
        }
        // The screen shows why they cannot be chosen.
        let screen = allocation::screen(
            &mut conn,
            &team.manager.actor,
            &case.child,
            "case",
            None,
            today,
        )
        .unwrap();
        let w = screen
            .candidates
            .iter()
            .find(|c| c.worker.user_id == team.worker.user_id)
            .unwrap();
        assert!(w.unavailable.as_deref().unwrap().starts_with("Left on"));

        let elsewhere = make_team(&mut conn, "Court team");
        let stranger = staff_in_team(&mut conn, "stranger", Role::SocialWorker, &elsewhere);
        let e = allocation::allocate(
            &mut conn,
            &team.manager.actor,
            &case.child,
            &to(&team, &stranger),
            today,
        )
        .unwrap_err();
        assert_eq!(field_names(e), vec!["worker"]);
        // A team manager cannot place work in another team.
        let e = allocation::allocate(
            &mut conn,
            &team.manager.actor,
            &case.child,
            &AllocationInput {
                team_id: elsewhere.clone(),
                ..to(&team, &stranger)
            },
            today,
        )
        .unwrap_err();
        assert!(matches!(e, ServiceError::Denied { .. }), "{e:?}");
        assert_eq!(holder(&mut conn, &case.referral), None);
        assert!(open_rows(&mut conn, &case.referral).is_empty());

        // A closed episode cannot be allocated.
        diesel::update(referrals::table.find(&case.referral))
            .set(referrals::closed_on.eq(Some(today)))
            .execute(&mut conn)
            .unwrap();
        let worker3 = staff_in_team(&mut conn, "third.worker", Role::SocialWorker, &team.team);
        let e = allocation::allocate(
            &mut conn,
            &team.manager.actor,
            &case.child,
            &to(&team, &worker3),
            today,
        )
        .unwrap_err();
        assert!(matches!(e, ServiceError::Conflict(_)), "{e:?}");
    }
);

both_backends!(red_needs_an_override_with_a_reason, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let today = today_uk();
    let case = waiting_case(&mut conn, &team, "Amelia", today - Duration::days(3));
    // No hours: any work is over the red level.
    profile(&mut conn, &team.worker.user_id, 0, None);

    let screen = allocation::screen(
        &mut conn,
        &team.manager.actor,
        &case.child,
        "case",
        None,
        today,
    )
    .unwrap();
    let w = screen
        .candidates
        .iter()
        .find(|c| c.worker.user_id == team.worker.user_id)
        .unwrap();
    assert_eq!(
        (w.load.rating, w.result.rating),
        (Rating::Green, Rating::Red)
    );

    let e = allocation::allocate(
        &mut conn,
        &team.manager.actor,
        &case.child,
        &to(&team, &team.worker),
        today,
    )
    .unwrap_err();
    assert_eq!(field_names(e), vec!["override_reason"]);
    assert!(open_rows(&mut conn, &case.referral).is_empty());

    // A social worker may not allocate at all, let alone override.
    let e = allocation::allocate(
        &mut conn,
        &team.other_worker.actor,
        &case.child,
        &AllocationInput {
            override_reason: "Nobody else".into(),
            ..to(&team, &team.worker)
        },
        today,
    )
    .unwrap_err();
    assert!(matches!(e, ServiceError::Denied { .. }), "{e:?}");
    assert!(!audit_rows_for(&mut conn, "access.denied").is_empty());

    let done = allocation::allocate(
        &mut conn,
        &team.manager.actor,
        &case.child,
        &AllocationInput {
            override_reason: "Only worker who speaks the family's language; reviewed in two weeks."
                .into(),
            ..to(&team, &team.worker)
        },
        today,
    )
    .unwrap();
    assert!(done.overridden);
    assert_eq!(done.rating, Rating::Red);
    let row: (Option<String>, Option<String>, Option<String>) = allocations::table
        .find(&done.ids[0])
        .select((
            allocations::override_reason,
            allocations::overridden_by,
            allocations::rating,
        ))
        .first(&mut conn)
        .unwrap();
    assert!(row.0.unwrap().starts_with("Only worker"));
    assert_eq!(row.1.as_deref(), Some(team.manager.user_id.as_str()));
    assert_eq!(row.2.as_deref(), Some("red"));
    let audited = audit_rows_for(&mut conn, "allocation.override");
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].person_id.as_deref(), Some(case.child.as_str()));

    let report = allocation::overrides(
        &mut conn,
        &team.manager.actor,
        Some(&team.team),
        today - Duration::days(7),
        today,
    )
    .unwrap();
    assert_eq!(report.len(), 1);
    assert_eq!(report[0].overridden_by_name, "Test manager");
    assert_eq!(report[0].child_name, "Amelia Casework");
});

both_backends!(two_managers_at_once_one_wins, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let service = staff_in_team(
        &mut conn,
        "service.manager",
        Role::ServiceManager,
        &team.team,
    );
    let today = today_uk();
    let case = waiting_case(&mut conn, &team, "Amelia", today - Duration::days(3));
    let seen = allocation::screen(
        &mut conn,
        &team.manager.actor,
        &case.child,
        "case",
        None,
        today,
    )
    .unwrap()
    .expected_version;

    let mut handles = Vec::new();
    for (actor, worker) in [
        (team.manager.actor.clone(), team.worker.user_id.clone()),
        (service.actor.clone(), team.other_worker.user_id.clone()),
    ] {
        let mut c = db.conn();
        let (child, team_id) = (case.child.clone(), team.team.clone());
        handles.push(std::thread::spawn(move || {
            allocation::allocate(
                &mut c,
                &actor,
                &child,
                &AllocationInput {
                    work: "case".into(),
                    team_id,
                    worker_id: worker,
                    expected_version: Some(seen),
                    ..AllocationInput::default()
                },
                today,
            )
        }));
    }
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let wins = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "{results:?}");
    let lost = results.into_iter().find_map(Result::err).unwrap();
    let holder_id = holder(&mut conn, &case.referral).unwrap();
    match lost {
        ServiceError::Conflict(message) => {
            let name = if holder_id == team.worker.user_id {
                "Test worker"
            } else {
                "Test other.worker"
            };
            assert!(
                message.contains(name),
                "the loser is told who holds it: {message}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(open_rows(&mut conn, &case.referral).len(), 1);

    // A stale version on one connection after the other has saved is refused too.
    let third = staff_in_team(&mut conn, "third.worker", Role::SocialWorker, &team.team);
    let e = allocation::allocate(
        &mut conn,
        &team.manager.actor,
        &case.child,
        &AllocationInput {
            expected_version: Some(seen),
            reason: "Rebalancing".into(),
            ..to(&team, &third)
        },
        today,
    )
    .unwrap_err();
    assert!(matches!(e, ServiceError::Conflict(_)), "{e:?}");
    assert_eq!(open_rows(&mut conn, &case.referral).len(), 1);
});

both_backends!(
    back_dated_allocations_are_flagged_audited_and_retaken,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let today = today_uk();
        let case = waiting_case(&mut conn, &team, "Amelia", today - Duration::days(30));

        let e = allocation::allocate(
            &mut conn,
            &team.manager.actor,
            &case.child,
            &AllocationInput {
                starts_on: Some(today + Duration::days(1)),
                ..to(&team, &team.worker)
            },
            today,
        )
        .unwrap_err();
        assert_eq!(field_names(e), vec!["started_on"]);
        let e = allocation::allocate(
            &mut conn,
            &team.manager.actor,
            &case.child,
            &AllocationInput {
                starts_on: Some(today - Duration::days(31)),
                ..to(&team, &team.worker)
            },
            today,
        )
        .unwrap_err();
        assert_eq!(
            field_names(e),
            vec!["started_on"],
            "not before the referral"
        );

        let jobs_before: i64 = cairn_db::schema::jobs::table
            .count()
            .get_result(&mut conn)
            .unwrap();
        let started = today - Duration::days(10);
        let done = allocation::allocate(
            &mut conn,
            &team.manager.actor,
            &case.child,
            &AllocationInput {
                starts_on: Some(started),
                ..to(&team, &team.worker)
            },
            today,
        )
        .unwrap();
        assert!(done.back_dated);
        let row: (NaiveDate, bool) = allocations::table
            .find(&done.ids[0])
            .select((allocations::starts_on, allocations::back_dated))
            .first(&mut conn)
            .unwrap();
        assert_eq!(row, (started, true));
        let audited = audit_rows_for(&mut conn, "allocation.start");
        assert!(
            audited[0].detail.contains("\"back_dated\":true"),
            "{}",
            audited[0].detail
        );
        let jobs_after: i64 = cairn_db::schema::jobs::table
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert!(
            jobs_after > jobs_before,
            "a retake of the snapshots is queued"
        );
        // The worker's load counts it from the day it started.
        let model = cairn_db::caseloads::model::in_force(&mut conn, today)
            .unwrap()
            .model;
        let workers = cairn_db::caseloads::load::workers(
            &mut conn,
            cairn_db::caseloads::load::Workers::Ids(std::slice::from_ref(&team.worker.user_id)),
        )
        .unwrap();
        let then =
            cairn_db::caseloads::load::loads(&mut conn, &model, workers.clone(), started).unwrap();
        assert_eq!(then[0].load.cases, 1);
        let before = cairn_db::caseloads::load::loads(
            &mut conn,
            &model,
            workers,
            started - Duration::days(1),
        )
        .unwrap();
        assert_eq!(before[0].load.cases, 0);
    }
);

both_backends!(siblings_are_allocated_together, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let today = today_uk();
    let amelia = waiting_case(&mut conn, &team, "Amelia", today - Duration::days(3));
    let noah = waiting_case(&mut conn, &team, "Noah", today - Duration::days(3));
    let held = open_case_without_allocation(&mut conn, &team, "Held", today - Duration::days(3));
    siblings(&mut conn, &amelia.child, &noah.child);
    siblings(&mut conn, &held.child, &amelia.child);
    // Held's case is allocated to someone else than Amelia's (nobody): not offered.
    allocation::allocate(
        &mut conn,
        &team.manager.actor,
        &held.child,
        &to(&team, &team.other_worker),
        today,
    )
    .unwrap();

    let screen = allocation::screen(
        &mut conn,
        &team.manager.actor,
        &amelia.child,
        "case",
        None,
        today,
    )
    .unwrap();
    let offered: Vec<&str> = screen
        .siblings
        .iter()
        .map(|s| s.person_id.as_str())
        .collect();
    assert_eq!(offered, vec![noah.child.as_str()]);
    // Both have an open sibling: the sibling group factor counts.
    assert_eq!(screen.adds.weight, Points::from_centi(100));

    let done = allocation::allocate(
        &mut conn,
        &team.manager.actor,
        &amelia.child,
        &AllocationInput {
            siblings: vec![noah.child.clone()],
            ..to(&team, &team.worker)
        },
        today,
    )
    .unwrap();
    assert_eq!(
        done.ids.len(),
        2,
        "a case is a child: two siblings are two cases"
    );
    assert_eq!(
        holder(&mut conn, &amelia.referral).as_deref(),
        Some(team.worker.user_id.as_str())
    );
    assert_eq!(
        holder(&mut conn, &noah.referral).as_deref(),
        Some(team.worker.user_id.as_str())
    );
    let after: Vec<Option<i32>> = allocations::table
        .filter(allocations::id.eq_any(&done.ids))
        .order(allocations::load_after_centi.asc())
        .select(allocations::load_after_centi)
        .load(&mut conn)
        .unwrap();
    assert_eq!(after, vec![Some(100), Some(200)]);

    // A child who is not an offered sibling is refused.
    let stranger = waiting_case(&mut conn, &team, "Stranger", today - Duration::days(3));
    let e = allocation::allocate(
        &mut conn,
        &team.manager.actor,
        &stranger.child,
        &AllocationInput {
            siblings: vec![held.child.clone()],
            ..to(&team, &team.worker)
        },
        today,
    )
    .unwrap_err();
    assert_eq!(field_names(e), vec!["siblings"]);
});

both_backends!(
    factors_change_the_weight_and_are_cleared_not_deleted,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let today = today_uk();
        let case = waiting_case(&mut conn, &team, "Amelia", today - Duration::days(3));
        allocation::allocate(
            &mut conn,
            &team.manager.actor,
            &case.child,
            &to(&team, &team.worker),
            today,
        )
        .unwrap();
        let view = factors::view(&mut conn, &team.manager.actor, &case.child, today).unwrap();
        assert_eq!(view.weight.unwrap().weight, Points::from_centi(75));

        let e = factors::set(
            &mut conn,
            &team.manager.actor,
            &case.child,
            &FactorsInput {
                set: vec!["nonsense".into()],
                ..FactorsInput::default()
            },
            today,
        )
        .unwrap_err();
        assert_eq!(field_names(e), vec!["set"]);

        let changed = factors::set(
            &mut conn,
            &team.manager.actor,
            &case.child,
            &FactorsInput {
                set: vec!["complexity".into(), "court_work".into()],
                notes: [(
                    "complexity".to_string(),
                    "Three agencies, conflicting accounts".to_string(),
                )]
                .into_iter()
                .collect(),
            },
            today,
        )
        .unwrap();
        assert_eq!(changed.set.len(), 2);
        let view = factors::view(&mut conn, &team.manager.actor, &case.child, today).unwrap();
        // Court work (2) plus complexity (0.5).
        assert_eq!(view.weight.unwrap().weight, Points::from_centi(250));
        let other = waiting_case(&mut conn, &team, "Other", today - Duration::days(1));
        let screen = allocation::screen(
            &mut conn,
            &team.manager.actor,
            &other.child,
            "case",
            None,
            today,
        )
        .unwrap();
        let w = screen
            .candidates
            .iter()
            .find(|c| c.worker.user_id == team.worker.user_id)
            .unwrap();
        assert_eq!(
            w.load.weighted,
            Points::from_centi(250),
            "the holder's load follows the factors"
        );

        let changed = factors::set(
            &mut conn,
            &team.manager.actor,
            &case.child,
            &FactorsInput {
                set: vec!["complexity".into()],
                ..FactorsInput::default()
            },
            today,
        )
        .unwrap();
        assert_eq!(changed.cleared, vec!["court_work".to_string()]);
        let view = factors::view(&mut conn, &team.manager.actor, &case.child, today).unwrap();
        assert_eq!(view.history.len(), 2, "cleared, never deleted");
        assert!(view.history.iter().any(|h| h.cleared_at.is_some()));
        assert_eq!(
            audit_rows_for(&mut conn, "workload_factors.change").len(),
            2
        );

        let e = factors::set(
            &mut conn,
            &team.worker.actor,
            &case.child,
            &FactorsInput::default(),
            today,
        )
        .unwrap_err();
        assert!(matches!(e, ServiceError::Denied { .. }));
    }
);

both_backends!(
    unallocated_list_counts_working_days_oldest_first,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let today = today_uk();
        let older = waiting_case(&mut conn, &team, "Older", today - Duration::days(20));
        let newer = waiting_case(&mut conn, &team, "Newer", today - Duration::days(2));
        let held = waiting_case(&mut conn, &team, "Held", today - Duration::days(40));
        allocation::allocate(
            &mut conn,
            &team.manager.actor,
            &held.child,
            &to(&team, &team.worker),
            today,
        )
        .unwrap();

        let list = unallocated::list(&mut conn, &team.manager.actor, None, today).unwrap();
        assert_eq!(list.team_id.as_deref(), Some(team.team.as_str()));
        let ids: Vec<&str> = list
            .children
            .iter()
            .map(|c| c.referral_id.as_str())
            .collect();
        assert_eq!(ids, vec![older.referral.as_str(), newer.referral.as_str()]);
        let calendar = cairn_domain::calendar::Calendar::england_and_wales();
        assert_eq!(
            list.children[0].working_days,
            calendar.working_days_between(today - Duration::days(20), today)
        );
        assert!(
            list.children[0].working_days < 20,
            "weekends are not working days"
        );
        assert!(list.children[0].escalated);
        assert!(!list.children[1].escalated);
        assert_eq!(list.children[0].risk, "Not rated");

        let e = unallocated::list(&mut conn, &team.worker.actor, None, today).unwrap_err();
        assert!(matches!(e, ServiceError::Denied { .. }));
    }
);

both_backends!(
    escalation_raises_once_and_clears_on_allocation,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let service = staff(&mut conn, "service.manager", Role::ServiceManager);
        let today = today_uk();
        let waiting = waiting_case(&mut conn, &team, "Waiting", today - Duration::days(21));
        waiting_case(&mut conn, &team, "Recent", today);

        let first = unallocated::escalate_waiting(&mut conn, today).unwrap();
        assert_eq!(first.raised, 1);
        let again = unallocated::escalate_waiting(&mut conn, today).unwrap();
        assert_eq!(again.raised, 0, "one alert per child");
        let open: Vec<(String, String)> = workload_alerts::table
            .filter(workload_alerts::cleared_at.is_null())
            .select((workload_alerts::subject_kind, workload_alerts::subject_id))
            .load(&mut conn)
            .unwrap();
        assert_eq!(
            open,
            vec![("unallocated".to_string(), waiting.referral.clone())]
        );
        assert_eq!(
            notifications_of(&mut conn, &service.user_id, "unallocated_waiting"),
            1
        );

        allocation::allocate(
            &mut conn,
            &team.manager.actor,
            &waiting.child,
            &to(&team, &team.worker),
            today,
        )
        .unwrap();
        let open: i64 = workload_alerts::table
            .filter(workload_alerts::subject_kind.eq("unallocated"))
            .filter(workload_alerts::cleared_at.is_null())
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(open, 0, "allocating the child clears the alert");

        // The job runs the same escalation.
        use cairn_core::jobs::JobHandler;
        unallocated::EscalateUnallocated
            .run(&mut conn, &serde_json::json!({}))
            .unwrap();
        let all: i64 = workload_alerts::table
            .filter(workload_alerts::subject_kind.eq("unallocated"))
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(all, 1);
    }
);

both_backends!(
    front_door_assignment_keeps_the_allocations_in_step,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let today = today_uk();
        let case = waiting_case(&mut conn, &team, "Amelia", today - Duration::days(3));
        cairn_core::front_door::referrals::assign(
            &mut conn,
            &team.manager.actor,
            &case.referral,
            &team.team,
            &team.worker.user_id,
            1,
        )
        .unwrap();
        assert_eq!(
            open_rows(&mut conn, &case.referral)
                .iter()
                .map(|r| r.1.clone())
                .collect::<Vec<_>>(),
            vec![team.worker.user_id.clone()]
        );
        cairn_core::front_door::referrals::assign(
            &mut conn,
            &team.manager.actor,
            &case.referral,
            &team.team,
            &team.other_worker.user_id,
            2,
        )
        .unwrap();
        assert_eq!(
            open_rows(&mut conn, &case.referral)
                .iter()
                .map(|r| r.1.clone())
                .collect::<Vec<_>>(),
            vec![team.other_worker.user_id.clone()]
        );
        let all: i64 = allocations::table
            .filter(allocations::work_id.eq(&case.referral))
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(all, 2, "the first is ended, not deleted");
        let list = unallocated::list(&mut conn, &team.manager.actor, None, today).unwrap();
        assert!(list.children.iter().all(|c| c.referral_id != case.referral));
    }
);

both_backends!(
    the_screen_shows_the_overdue_work_the_team_list_shows,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let today = today_uk();
        // Referred long ago, allocated to the worker, with an assessment long past its 45
        // working days: overdue in their list.
        for name in ["Late", "Later"] {
            let late = open_case(&mut conn, &team, name, today - Duration::days(120));
            diesel::insert_into(cairn_db::schema::assessments::table)
                .values((
                    cairn_db::schema::assessments::id.eq(uuid::Uuid::now_v7().to_string()),
                    cairn_db::schema::assessments::referral_id.eq(&late.referral),
                    cairn_db::schema::assessments::person_id.eq(&late.child),
                    cairn_db::schema::assessments::kind.eq("single"),
                    cairn_db::schema::assessments::status.eq("in_progress"),
                    cairn_db::schema::assessments::started_on.eq(today - Duration::days(118)),
                    cairn_db::schema::assessments::worker_id.eq(&team.worker.user_id),
                    cairn_db::schema::assessments::created_at.eq(cairn_db::now()),
                    cairn_db::schema::assessments::created_by.eq(&team.worker.user_id),
                ))
                .execute(&mut conn)
                .unwrap();
        }
        let case = waiting_case(&mut conn, &team, "Amelia", today - Duration::days(3));
        let screen = allocation::screen(
            &mut conn,
            &team.manager.actor,
            &case.child,
            "case",
            None,
            today,
        )
        .unwrap();
        let listed =
            cairn_core::casework::my_work::for_team(&mut conn, &team.manager.actor, None, today)
                .unwrap();
        for candidate in &screen.candidates {
            let expected = listed
                .workers
                .iter()
                .find(|w| w.worker_id.as_deref() == Some(candidate.worker.user_id.as_str()))
                .map_or(0, |w| w.overdue);
            assert_eq!(
                candidate.overdue,
                Some(expected),
                "{}",
                candidate.worker.user_id
            );
        }
        let worker = screen
            .candidates
            .iter()
            .find(|c| c.worker.user_id == team.worker.user_id)
            .unwrap();
        assert!(worker.overdue.unwrap_or(0) >= 2, "{:?}", worker.overdue);

        // A social worker may allocate nothing; a team manager of another team sees the
        // screen of their own team only, so nobody's overdue work leaks across teams.
        let other = make_team(&mut conn, "Elsewhere");
        let elsewhere = staff_in_team(&mut conn, "elsewhere.manager", Role::TeamManager, &other);
        if let Ok(screen) = allocation::screen(
            &mut conn,
            &elsewhere.actor,
            &case.child,
            "case",
            Some(&team.team),
            today,
        ) {
            assert!(screen.candidates.iter().all(|c| c.overdue.is_none()));
        }
    }
);

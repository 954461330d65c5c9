//! The demo's caseloads: every assigned case has its allocation (with some history), one
//! office's children in need team is overloaded under the default workload model with children
//! waiting for allocation, and a seed always gives the same allocations.

use std::collections::{HashMap, HashSet};

use cairn_db::caseloads::allocations::AllocationRow;
use cairn_db::caseloads::load::{self, Workers};
use cairn_db::schema::{
    allocations, case_workload_factors, referrals, teams, worker_profiles, workload_alerts,
    workload_snapshots,
};
use cairn_db::testing::TestDb;
use cairn_db::{DbConn, both_backends};
use cairn_demo::{DemoOptions, DemoSummary, GENERATED_AT};
use cairn_domain::calendar::Calendar;
use cairn_domain::caseloads::Rating;
use chrono::NaiveDate;
use diesel::prelude::*;

fn generate(conn: &mut DbConn, children: u64, seed: u64) -> DemoSummary {
    let options = DemoOptions {
        children,
        seed,
        password: "demo-password-for-tests".to_string(),
        local_id_prefix: "DC".to_string(),
    };
    cairn_demo::generate(conn, &options, &mut |_| {}).expect("generate")
}

fn today() -> NaiveDate {
    GENERATED_AT.date()
}

fn all_allocations(c: &mut DbConn) -> Vec<AllocationRow> {
    allocations::table
        .select(AllocationRow::as_select())
        .order(allocations::id.asc())
        .load(c)
        .expect("allocations")
}

both_backends!(
    every_assigned_case_has_its_allocation_and_one_team_is_overloaded,
    |db: TestDb| {
        let mut c = db.conn();
        let summary = generate(&mut c, 1_200, 5);
        let written = &summary.caseloads;

        // Allocations: one open case row for each open referral with a worker, in its team,
        // and an ended one for each closed referral; a reallocation ends one row where the
        // next begins, in the same team, with the reasons recorded.
        let rows = all_allocations(&mut c);
        assert_eq!(rows.len() as u64, written.allocations);
        let referrals: Vec<(String, String, Option<String>, Option<NaiveDate>)> = referrals::table
            .select((
                referrals::id,
                referrals::team_id,
                referrals::worker_id,
                referrals::closed_on,
            ))
            .load(&mut c)
            .expect("referrals");
        let mut by_referral: HashMap<&str, Vec<&AllocationRow>> = HashMap::new();
        for r in &rows {
            assert_eq!(r.work_kind, "case");
            assert_eq!(r.work_id, r.referral_id);
            assert!(r.ends_on.is_none_or(|e| e >= r.starts_on));
            by_referral
                .entry(r.referral_id.as_str())
                .or_default()
                .push(r);
        }
        let mut assigned = 0;
        for (id, team, worker, closed) in &referrals {
            let Some(worker) = worker else {
                assert!(!by_referral.contains_key(id.as_str()));
                continue;
            };
            assigned += 1;
            let mut history = by_referral.remove(id.as_str()).expect("an allocation");
            history.sort_by_key(|r| r.starts_on);
            let last = history.last().expect("a row");
            assert_eq!(&last.worker_id, worker);
            assert_eq!(last.ends_on, *closed);
            assert!(history.iter().all(|r| &r.team_id == team));
            for pair in history.windows(2) {
                assert_eq!(pair[0].ends_on, Some(pair[1].starts_on));
                assert_ne!(pair[0].worker_id, pair[1].worker_id);
                assert!(pair[0].end_reason.as_deref().is_some_and(|r| !r.is_empty()));
                assert!(!pair[1].reason.is_empty());
            }
        }
        assert!(by_referral.is_empty(), "allocations without a referral");
        assert!(assigned > 200, "{assigned} assigned referrals");
        assert!(
            written.reallocations > 5,
            "{} reallocated",
            written.reallocations
        );
        let open: HashSet<&str> = rows
            .iter()
            .filter(|r| r.ends_on.is_none())
            .map(|r| r.work_id.as_str())
            .collect();
        assert_eq!(
            open.len(),
            rows.iter().filter(|r| r.ends_on.is_none()).count(),
            "one open row per case"
        );

        // Hours and factors.
        let part_time: i64 = worker_profiles::table
            .filter(worker_profiles::fte_centi.lt(100))
            .count()
            .get_result(&mut c)
            .expect("hours");
        assert_eq!(part_time as u64, written.part_time_workers);
        assert!(part_time > 0);
        let factors: Vec<(String, Option<chrono::NaiveDateTime>)> = case_workload_factors::table
            .select((
                case_workload_factors::factor,
                case_workload_factors::cleared_at,
            ))
            .load(&mut c)
            .expect("factors");
        assert_eq!(factors.len() as u64, written.factors);
        let kinds: HashSet<&str> = factors.iter().map(|f| f.0.as_str()).collect();
        assert!(
            kinds.contains("complexity") && kinds.len() >= 2,
            "{kinds:?}"
        );

        // The overloaded team: the Central office's children in need team, every worker at
        // least amber under the default model, a third or more over red.
        let name = written.overloaded_team.clone().expect("an overloaded team");
        let (team_id, service): (String, String) = teams::table
            .filter(teams::name.eq(&name))
            .select((teams::id, teams::service))
            .first(&mut c)
            .expect("the team");
        assert_eq!(name, "Central Children in Need");
        assert_eq!(service, "children_in_need");
        let model = cairn_db::caseloads::model::in_force(&mut c, today())
            .expect("model")
            .model;
        let members = load::workers(&mut c, Workers::Team(&team_id)).expect("workers");
        let loads = load::loads(&mut c, &model, members, today()).expect("loads");
        let holding: Vec<_> = loads
            .iter()
            .filter(|l| model.holds_cases(l.worker.role))
            .collect();
        assert!(holding.len() >= 2, "{} workers", holding.len());
        let red = holding
            .iter()
            .filter(|l| l.load.rating == Rating::Red)
            .count();
        let amber = holding
            .iter()
            .filter(|l| l.load.rating == Rating::Amber)
            .count();
        assert!(
            red >= 1 && red * 3 >= holding.len(),
            "{red} red of {}",
            holding.len()
        );
        assert_eq!(red + amber, holding.len(), "every worker at amber or over");
        // Elsewhere in the county most workers are within capacity.
        let everyone = load::workers(&mut c, Workers::All).expect("everyone");
        let county = load::loads(&mut c, &model, everyone, today()).expect("county");
        let elsewhere: Vec<_> = county
            .iter()
            .filter(|l| {
                model.holds_cases(l.worker.role) && l.worker.team_id.as_deref() != Some(&team_id)
            })
            .collect();
        let green = elsewhere
            .iter()
            .filter(|l| l.load.rating == Rating::Green)
            .count();
        assert!(
            green * 2 > elsewhere.len(),
            "{green} green of {}",
            elsewhere.len()
        );

        // Children waiting for allocation in that team, some past five working days.
        let waiting =
            cairn_db::caseloads::unallocated::waiting(&mut c, Some(&team_id)).expect("waiting");
        assert_eq!(waiting.len() as u64, written.unallocated);
        let cal = Calendar::england_and_wales();
        let long = waiting
            .iter()
            .filter(|w| cal.working_days_between(w.waiting_since, today()) > 5)
            .count();
        assert!(
            long >= 2 && long < waiting.len(),
            "{long} of {}",
            waiting.len()
        );

        // Snapshots for the last days, and the alerts the dashboards and managers see.
        let days: Vec<NaiveDate> = workload_snapshots::table
            .select(workload_snapshots::taken_on)
            .distinct()
            .load(&mut c)
            .expect("days");
        assert_eq!(days.len() as u64, written.snapshot_days);
        assert!(days.contains(&today()));
        let red_today: Vec<String> = workload_snapshots::table
            .filter(workload_snapshots::taken_on.eq(today()))
            .filter(workload_snapshots::rating.eq("red"))
            .select(workload_snapshots::worker_id)
            .load(&mut c)
            .expect("red");
        for l in holding.iter().filter(|l| l.load.rating == Rating::Red) {
            assert!(red_today.contains(&l.worker.user_id));
        }
        let alerts: Vec<(String, String, String)> = workload_alerts::table
            .filter(workload_alerts::cleared_at.is_null())
            .select((
                workload_alerts::subject_kind,
                workload_alerts::subject_id,
                workload_alerts::level,
            ))
            .load(&mut c)
            .expect("alerts");
        assert_eq!(alerts.len() as u64, written.open_alerts);
        assert!(alerts.contains(&("team".to_string(), team_id.clone(), "red".to_string())));
        for l in holding.iter().filter(|l| l.load.rating == Rating::Red) {
            assert!(alerts.contains(&(
                "worker".to_string(),
                l.worker.user_id.clone(),
                "red".to_string()
            )));
        }
        assert!(alerts.iter().any(|a| a.0 == "unallocated"));
    }
);

both_backends!(the_same_seed_gives_the_same_allocations, |db: TestDb| {
    let other = TestDb::sqlite();
    let mut a = db.conn();
    let mut b = other.conn();
    generate(&mut a, 400, 17);
    generate(&mut b, 400, 17);
    let first = all_allocations(&mut a);
    assert!(!first.is_empty());
    assert_eq!(first, all_allocations(&mut b));
    let factors = |c: &mut DbConn| -> Vec<(String, String, String)> {
        case_workload_factors::table
            .select((
                case_workload_factors::id,
                case_workload_factors::person_id,
                case_workload_factors::factor,
            ))
            .order(case_workload_factors::id.asc())
            .load(c)
            .expect("factors")
    };
    assert_eq!(factors(&mut a), factors(&mut b));
});

both_backends!(
    the_work_list_rows_give_the_same_workload_facts_as_a_fresh_read,
    |db: TestDb| {
        let mut c = db.conn();
        generate(&mut c, 1_200, 5);
        let team_ids: Vec<String> = teams::table
            .select(teams::id)
            .order(teams::id.asc())
            .load(&mut c)
            .expect("teams");
        let episodes_of = |c: &mut DbConn, team: &str| {
            cairn_db::casework::work::open_episodes_for_team(c, team).expect("episodes")
        };
        let mut kinds_seen = std::collections::BTreeSet::new();
        let mut compared = 0;
        for (i, team) in team_ids.iter().enumerate() {
            // The allocation screen reads the chosen team's open work, then weighs cases
            // both inside and outside it: here, this team's and the next team's.
            let episodes = episodes_of(&mut c, team);
            let ids: Vec<String> = episodes.iter().map(|e| e.id.clone()).collect();
            let records = cairn_db::casework::work::for_open_work(&mut c, &ids).expect("records");
            let read_ids: HashSet<String> = ids.into_iter().collect();
            let next = &team_ids[(i + 1) % team_ids.len()];
            let cases: Vec<(String, String)> = episodes
                .iter()
                .chain(episodes_of(&mut c, next).iter())
                .map(|e| (e.person_id.clone(), e.id.clone()))
                .collect();
            let read = load::OpenWorkRead {
                episodes: &read_ids,
                records: &records,
            };
            let fresh = load::case_facts(&mut c, &cases, today()).expect("fresh");
            let reused =
                load::case_facts_with(&mut c, &cases, today(), Some(read)).expect("reused");
            assert_eq!(reused, fresh, "team {team}");
            kinds_seen.extend(fresh.values().flat_map(|f| f.kinds.iter().copied()));
            compared += cases.len();
        }
        assert!(compared > 100, "{compared} cases compared");
        use cairn_domain::caseloads::WorkKind;
        for kind in [
            WorkKind::Assessment,
            WorkKind::Section47,
            WorkKind::CpPlan,
            WorkKind::CinPlan,
        ] {
            assert!(kinds_seen.contains(&kind), "no {kind:?} among the cases");
        }
    }
);

//! Casework, in-process: a manager's team work page for a 12-worker team holding 300 open
//! cases, each worker's own my-work page, and the child's page for a child with ten years of
//! history.
//!
//! `cargo run --release -p cairn-bench --bin casework_bench -- [DATABASE] [CHILDREN] [ROUNDS]`
//! (defaults: /tmp/cairn-bench/casework-20k.db, 20000, 200). DATABASE may be a PostgreSQL URL
//! naming an existing, empty database. The demo authority is generated once and reused; the
//! first run then adds the benchmark team ("Bench Children in Need": `bench.manager` and
//! `bench.worker1` to `bench.worker12`, password `demo-password-123`), gives it 300 open cases
//! with the work such a caseload carries, and gives one more child a ten-year history.
//! `--prepare` stops there and prints the team and child ids, for the HTTP load test
//! (bench/casework-pages.sh).
//!
//! Every timing is the whole service call a page makes, including its policy check and audit
//! row where the page writes one. Prints numbers; asserts nothing.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use cairn_bench::{Summary, actor, demo_database};
use cairn_core::accounts::{self, AccountForm, TeamForm};
use cairn_core::casework::{child_status, my_work};
use cairn_core::{Actor, people};
use cairn_db::DbConn;
use cairn_db::schema::{
    assessments, case_actions, cin_plan_reviews, cin_plans, conferences, core_group_meetings,
    cp_plans, episode_closures, people as people_t, referrals, section47_enquiries,
    strategy_discussions, teams, users, visits,
};
use diesel::prelude::*;

const TEAM: &str = "Bench Children in Need";
const WORKERS: usize = 12;
const OPEN_CASES: usize = 300;
const HISTORY_EPISODES: u32 = 9;
const PASSWORD: &str = "demo-password-123";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().filter(|a| a != "--prepare").collect();
    let prepare_only = std::env::args().any(|a| a == "--prepare");
    let url = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "/tmp/cairn-bench/casework-20k.db".into());
    let children: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let rounds: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(200);
    let mut conn = demo_database(&url, children)?;
    let backend = conn.backend().name();
    let (team_id, child_id) = prepare(&mut conn)?;
    if conn.backend() == cairn_db::Backend::Postgres {
        use diesel::connection::SimpleConnection;
        conn.batch_execute("VACUUM ANALYZE")?;
    }
    if prepare_only {
        println!("team {team_id}");
        println!("child {child_id}");
        return Ok(());
    }

    let manager = actor(&mut conn, "bench.manager")?;
    let today = my_work::today();
    let open: i64 = referrals::table
        .filter(referrals::team_id.eq(&team_id))
        .filter(referrals::closed_on.is_null())
        .count()
        .get_result(&mut conn)?;
    let team = my_work::for_team(&mut conn, &manager, Some(&team_id), today)?;
    println!(
        "\n{backend}: team work for {TEAM}: {WORKERS} workers, {open} open cases, {} lines of work",
        team.items.len()
    );
    let mut samples = time(rounds, || {
        my_work::for_team(&mut conn, &manager, Some(&team_id), today).map(|_| ())
    })?;
    println!("{}", Summary::of(&mut samples).line("team work (manager)"));

    let workers: Vec<Actor> = (1..=WORKERS)
        .map(|n| actor(&mut conn, &format!("bench.worker{n}")))
        .collect::<Result<_>>()?;
    let mut i = 0;
    let mut samples = time(rounds, || {
        i += 1;
        my_work::for_user(&mut conn, &workers[i % workers.len()], today).map(|_| ())
    })?;
    println!(
        "{}",
        Summary::of(&mut samples).line("my work (a worker, 25 cases)")
    );
    let mut samples = time(rounds, || {
        my_work::counts_for_user(&mut conn, &manager, today).map(|_| ())
    })?;
    println!(
        "{}",
        Summary::of(&mut samples).line("navigation counts (manager)")
    );

    let records = history_size(&mut conn, &child_id)?;
    let first: Option<chrono::NaiveDate> = referrals::table
        .filter(referrals::person_id.eq(&child_id))
        .select(diesel::dsl::min(referrals::referral_date))
        .first(&mut conn)?;
    let years = first.map_or(0, |d| (today - d).num_days() / 365);
    println!(
        "\n{backend}: the child's page, a child with {records} casework records over {years} years"
    );
    let worker = &workers[0];
    let mut samples = time(rounds, || {
        people::view(&mut conn, worker, &child_id, "bench")?;
        child_status::view(&mut conn, worker, &child_id, today).map(|_| ())
    })?;
    println!(
        "{}",
        Summary::of(&mut samples).line("child's page (record + status)")
    );
    Ok(())
}

fn time(
    rounds: usize,
    mut f: impl FnMut() -> Result<(), cairn_core::ServiceError>,
) -> Result<Vec<Duration>> {
    for _ in 0..rounds.min(20) {
        f()?;
    }
    let mut samples = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        f()?;
        samples.push(started.elapsed());
    }
    Ok(samples)
}

/// Adds the benchmark team, its caseload and the long-history child, once.
fn prepare(conn: &mut DbConn) -> Result<(String, String)> {
    let existing: Option<String> = teams::table
        .filter(teams::name.eq(TEAM))
        .select(teams::id)
        .first(conn)
        .optional()?;
    let admin = Actor::command_line();
    let team_id = match existing {
        Some(id) => id,
        None => {
            let office_id: String = teams::table
                .select(teams::office_id)
                .order(teams::name.asc())
                .first(conn)?;
            let team_id = accounts::create_team(
                conn,
                &admin,
                &TeamForm {
                    name: TEAM.into(),
                    office_id,
                    active: "yes".into(),
                },
            )?;
            let mut workers = Vec::new();
            for n in 0..=WORKERS {
                let (username, role) = if n == 0 {
                    ("bench.manager".to_string(), "team_manager")
                } else {
                    (format!("bench.worker{n}"), "social_worker")
                };
                let created = accounts::create_account(
                    conn,
                    &admin,
                    &AccountForm {
                        username: username.clone(),
                        display_name: format!("Bench {username}"),
                        email: format!("{username}@bench.example"),
                        role: role.into(),
                        team_id: team_id.clone(),
                        access_expires_on: String::new(),
                        active: String::new(),
                    },
                    Some(PASSWORD),
                )?;
                if n > 0 {
                    workers.push(created.user_id);
                }
            }
            // Accounts an administrator creates must choose their own password on first
            // sign-in; these are test accounts for the HTTP load test, which signs straight in.
            diesel::update(users::table.filter(users::username.like("bench.%")))
                .set(users::must_change_password.eq(false))
                .execute(conn)?;
            // Children the demo's year left alone, so none already has an open case.
            let free: Vec<String> = people_t::table
                .filter(people_t::kind.eq("child"))
                .filter(people_t::id.ne_all(referrals::table.select(referrals::person_id)))
                .select(people_t::id)
                .order(people_t::id.desc())
                .limit(i64::try_from(OPEN_CASES + 1).unwrap_or(i64::MAX))
                .load(conn)?;
            let (history_child, cases) = free.split_first().context("enough children")?;
            let now = cairn_db::now();
            conn.write(|c| {
                cairn_demo::add_open_cases(c, 11, now, &team_id, &workers, cases)?;
                cairn_demo::add_history(c, 12, now, history_child, HISTORY_EPISODES)?;
                // The cases' holders, so they count in the workers' loads.
                cairn_demo::add_allocations(c, 13, now).map(|_| ())
            })?;
            team_id
        }
    };
    let child_id = long_history_child(conn)?;
    Ok((team_id, child_id))
}

/// The child with the most visits: the one given the long history.
fn long_history_child(conn: &mut DbConn) -> Result<String> {
    let child: Option<(String, i64)> = visits::table
        .group_by(visits::person_id)
        .select((visits::person_id, diesel::dsl::count_star()))
        .order(diesel::dsl::count_star().desc())
        .first(conn)
        .optional()?;
    child
        .map(|(id, _)| id)
        .context("no child has visits: was the demo loaded?")
}

/// The child's casework records: episodes, assessments, strategy discussions, enquiries,
/// conferences, plans and their reviews and core groups, visits, actions and closures.
fn history_size(conn: &mut DbConn, child: &str) -> Result<i64> {
    let counts = [
        referrals::table
            .filter(referrals::person_id.eq(child))
            .count()
            .get_result::<i64>(conn)?,
        assessments::table
            .filter(assessments::person_id.eq(child))
            .count()
            .get_result(conn)?,
        conferences::table
            .filter(conferences::person_id.eq(child))
            .count()
            .get_result(conn)?,
        cp_plans::table
            .filter(cp_plans::person_id.eq(child))
            .count()
            .get_result(conn)?,
        visits::table
            .filter(visits::person_id.eq(child))
            .count()
            .get_result(conn)?,
        case_actions::table
            .filter(case_actions::person_id.eq(child))
            .count()
            .get_result(conn)?,
        strategy_discussions::table
            .filter(strategy_discussions::person_id.eq(child))
            .count()
            .get_result(conn)?,
        section47_enquiries::table
            .filter(section47_enquiries::person_id.eq(child))
            .count()
            .get_result(conn)?,
        cin_plans::table
            .filter(cin_plans::person_id.eq(child))
            .count()
            .get_result(conn)?,
        core_group_meetings::table
            .inner_join(cp_plans::table)
            .filter(cp_plans::person_id.eq(child))
            .count()
            .get_result(conn)?,
        cin_plan_reviews::table
            .inner_join(cin_plans::table)
            .filter(cin_plans::person_id.eq(child))
            .count()
            .get_result(conn)?,
        episode_closures::table
            .inner_join(referrals::table)
            .filter(referrals::person_id.eq(child))
            .count()
            .get_result(conn)?,
    ];
    Ok(counts.iter().sum())
}

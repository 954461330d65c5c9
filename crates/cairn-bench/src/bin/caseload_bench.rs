//! Caseloads, in-process: the caseload dashboard for a county of about 1,500 staff holding
//! 40,000 open cases (county-wide, and for one team), and the allocation screen for a child
//! waiting in the demo's overloaded children in need team.
//!
//! `cargo run --release -p cairn-bench --bin caseload_bench -- [--prepare] [--cases N]
//! [DATABASE] [CHILDREN] [ROUNDS]` (defaults: `cairn-bench/caseloads-60k.db` in the system's
//! temporary directory, 60000 children, which gives 1,500 staff, 40000 open cases, 200 rounds).
//! DATABASE may be a PostgreSQL URL naming an existing, empty database. The demo authority is
//! generated once and reused (with its 90 days of workload snapshots); the first run then opens
//! cases for children with no recent episode, shared between the case-holding workers of every
//! casework team, until N cases are open, allocates them, and retakes today's snapshot.
//! Later runs reuse all of it. `--prepare` stops there.
//!
//! Every timing is the whole service call a page makes, including its policy check and audit
//! row. Prints numbers; asserts nothing. With `CAIRN_BENCH_SAMPLES=FILE`, each measurement
//! writes its timings in order to FILE (the last measurement's remain), to see runs of slow
//! calls apart from single ones.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use cairn_bench::{Summary, actor, demo_database};
use cairn_core::caseloads::{allocation, dashboard, snapshots};
use cairn_db::caseloads::unallocated;
use cairn_db::schema::{allocations, people, referrals, teams, users};
use cairn_db::{Backend, DbConn};
use chrono::Duration as Days;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

const DEFAULT_CASES: i64 = 40_000;
/// First seed for the cases the benchmark adds to the demo (one more per batch).
const CASES_SEED: u64 = 31;
/// Children per call that opens cases: one team's share at a time.
const TEAM_BATCH: usize = 2_000;

struct Args {
    prepare_only: bool,
    cases: i64,
    url: String,
    children: u64,
    rounds: usize,
}

fn args() -> Result<Args> {
    let mut prepare_only = false;
    let mut cases = DEFAULT_CASES;
    let mut positional = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--prepare" => prepare_only = true,
            "--cases" => {
                cases = it
                    .next()
                    .and_then(|n| n.replace('_', "").parse().ok())
                    .context("--cases needs a number")?;
            }
            _ => positional.push(a),
        }
    }
    let default_url = std::env::temp_dir()
        .join("cairn-bench")
        .join("caseloads-60k.db")
        .to_string_lossy()
        .into_owned();
    Ok(Args {
        prepare_only,
        cases,
        url: positional.first().cloned().unwrap_or(default_url),
        children: positional
            .get(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(60_000),
        rounds: positional
            .get(2)
            .and_then(|s| s.parse().ok())
            .unwrap_or(200),
    })
}

fn main() -> Result<()> {
    let args = args()?;
    let mut conn = demo_database(&args.url, args.children)?;
    let backend = conn.backend().name();
    prepare(&mut conn, args.cases)?;
    let staff: i64 = users::table.count().get_result(&mut conn)?;
    let open = open_cases(&mut conn)?;
    println!("\n{backend}: {}", args.url);
    println!("  staff                 {staff}");
    println!("  open case allocations {open}");
    if args.prepare_only {
        return Ok(());
    }

    let manager = actor(&mut conn, "service.manager")?;
    let rounds = args.rounds;
    println!("\n{backend}: the caseload dashboard (latest snapshot day)");
    let county = dashboard::DashboardFilter::default();
    let mut samples = time(rounds, || {
        dashboard::dashboard(&mut conn, &manager, &county).map(|_| ())
    })?;
    println!(
        "{}",
        Summary::of(&mut samples).line("dashboard, whole county")
    );

    let (team_id, team_name, child) = waiting_child(&mut conn)?;
    let one_team = dashboard::DashboardFilter {
        team_id: Some(team_id.clone()),
        ..dashboard::DashboardFilter::default()
    };
    let mut samples = time(rounds, || {
        dashboard::dashboard(&mut conn, &manager, &one_team).map(|_| ())
    })?;
    println!("{}", Summary::of(&mut samples).line("dashboard, one team"));

    let today = cairn_demo::GENERATED_AT.date();
    let candidates: i64 = users::table
        .filter(users::team_id.eq(&team_id))
        .count()
        .get_result(&mut conn)?;
    println!(
        "\n{backend}: the allocation screen, a child waiting in {team_name} ({candidates} members)"
    );
    let mut samples = time(rounds, || {
        allocation::screen(&mut conn, &manager, &child, "case", Some(&team_id), today).map(|_| ())
    })?;
    println!("{}", Summary::of(&mut samples).line("allocation screen"));
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
    if let Ok(path) = std::env::var("CAIRN_BENCH_SAMPLES") {
        let text: Vec<String> = samples
            .iter()
            .map(|d| format!("{:.3}", d.as_secs_f64() * 1000.0))
            .collect();
        std::fs::write(path, text.join("\n")).ok();
    }
    Ok(samples)
}

fn open_cases(conn: &mut DbConn) -> Result<i64> {
    Ok(allocations::table
        .filter(allocations::work_kind.eq("case"))
        .filter(allocations::ends_on.is_null())
        .count()
        .get_result(conn)?)
}

/// Opens cases until `target` are held, once: for children with no episode in the last
/// ten months, shared round-robin between the case-holding workers of each casework team;
/// then allocates them and retakes today's snapshot.
fn prepare(conn: &mut DbConn, target: i64) -> Result<()> {
    let open = open_cases(conn)?;
    if open >= target {
        return Ok(());
    }
    let as_at = cairn_demo::GENERATED_AT;
    let today = as_at.date();
    let recent = today - Days::days(310);
    let busy = referrals::table
        .filter(
            referrals::closed_on
                .is_null()
                .or(referrals::closed_on.ge(recent)),
        )
        .select(referrals::person_id);
    let free: Vec<String> = people::table
        .filter(people::kind.eq("child"))
        .filter(people::entered_in_error_at.is_null())
        .filter(people::date_of_birth.is_not_null())
        .filter(people::id.ne_all(busy))
        .select(people::id)
        .order(people::id.asc())
        .limit(target - open)
        .load(conn)?;
    let workers: Vec<(String, Option<String>)> = users::table
        .filter(users::active.eq(true))
        .filter(users::role.eq_any(["social_worker", "senior_practitioner"]))
        .select((users::id, users::team_id))
        .order(users::id.asc())
        .load(conn)?;
    let mut by_team: HashMap<String, Vec<String>> = HashMap::new();
    for (id, team) in workers {
        if let Some(team) = team {
            by_team.entry(team).or_default().push(id);
        }
    }
    let mut team_ids: Vec<String> = teams::table
        .select(teams::id)
        .order(teams::id.asc())
        .load::<String>(conn)?
        .into_iter()
        .filter(|t| by_team.contains_key(t))
        .collect();
    team_ids.sort();
    let holders: usize = by_team.values().map(Vec::len).sum();
    eprintln!(
        "Opening {} cases for {holders} case-holding workers (once; reused on later runs)…",
        free.len()
    );
    // Each team's share, in proportion to its workers.
    let mut rest: &[String] = &free;
    // Each call its own seed: a seed gives the same ids every time.
    let mut seed = CASES_SEED;
    for (i, team) in team_ids.iter().enumerate() {
        let workers = &by_team[team];
        let share = if i + 1 == team_ids.len() {
            rest.len()
        } else {
            (free.len() * workers.len())
                .div_ceil(holders)
                .min(rest.len())
        };
        let (mine, others) = rest.split_at(share);
        rest = others;
        for chunk in mine.chunks(TEAM_BATCH) {
            seed += 1;
            conn.write(|c| {
                cairn_demo::add_open_cases(c, seed, as_at, team, workers, chunk).map(|_| ())
            })?;
        }
    }
    conn.write(|c| cairn_demo::add_allocations(c, CASES_SEED, as_at).map(|_| ()))?;
    if conn.backend() == Backend::Postgres {
        conn.batch_execute("VACUUM ANALYZE")?;
    } else {
        conn.batch_execute("PRAGMA analysis_limit = 1000; ANALYZE;")?;
    }
    eprintln!("Retaking today's workload snapshot…");
    snapshots::take(conn, &snapshots::system_actor(), today, &mut |_| {})?;
    Ok(())
}

/// The benchmark's child: the longest-waiting child in the demo's overloaded team (the team
/// with the most children waiting).
fn waiting_child(conn: &mut DbConn) -> Result<(String, String, String)> {
    let waiting = unallocated::waiting(conn, None)?;
    let mut per_team: HashMap<&str, usize> = HashMap::new();
    for w in &waiting {
        *per_team.entry(w.referral.team_id.as_str()).or_default() += 1;
    }
    let overloaded: Option<String> = teams::table
        .filter(teams::name.eq("Central Children in Need"))
        .select(teams::id)
        .first(conn)
        .optional()?;
    let team = overloaded
        .or_else(|| {
            per_team
                .iter()
                .max_by_key(|(t, n)| (**n, *t))
                .map(|(t, _)| (*t).to_string())
        })
        .context("no team has a child waiting")?;
    let child = waiting
        .iter()
        .find(|w| w.referral.team_id == team)
        .map(|w| w.referral.person_id.clone())
        .context("no child waiting in the team")?;
    let name: String = teams::table.find(&team).select(teams::name).first(conn)?;
    Ok((team, name, child))
}

//! Recording, in-process: the chronology of a child with 5,000 entries (the first page of the
//! chronology tab, and the whole chronology as a PDF), and full-text search in case notes over
//! millions of notes, within one child's record and across every record.
//!
//! `cargo run --release -p cairn-bench --bin recording_bench -- [--prepare] [--notes N]
//! [--no-pdf] [DATABASE] [CHILDREN] [ROUNDS]` (defaults: `cairn-bench/recording-20k.db` in the
//! system's temporary directory, 20000 children, 5000000 notes, 200 rounds). DATABASE may be a
//! PostgreSQL URL naming an existing, empty database. The demo authority is generated once and
//! reused; the first run then gives the child with the longest chronology more entries, up to
//! 5,000, and adds final case notes until the database holds N of them (notes in bulk: on
//! SQLite the full-text index is rebuilt from them; on PostgreSQL the GIN index is built once
//! after the load). Later runs reuse all of it, and a larger N adds only the difference.
//! `--prepare` stops there and prints the child's id; `--no-pdf` leaves out the PDF export.
//!
//! Every timing is the whole service call a page makes, including its policy check and audit
//! row. Prints numbers; asserts nothing.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use cairn_bench::{Summary, actor, demo_database};
use cairn_core::Settings;
use cairn_core::recording::chronology::{self, Filters};
use cairn_core::recording::search;
use cairn_db::schema::{case_notes, chronology_entries};
use cairn_db::{Backend, DbConn};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

/// The chronology the benchmark reads: as long as a child's record gets.
const CHRONOLOGY_ENTRIES: i64 = 5_000;
const DEFAULT_NOTES: u64 = 5_000_000;
const PDF_RUNS: usize = 5;
/// Seeds for what the benchmark adds to the demo.
const CHRONOLOGY_SEED: u64 = 21;
const NOTES_SEED: u64 = 22;

/// Searches a practitioner makes: a rare word, a common one, two words, a phrase.
const QUERIES: &[(&str, &str)] = &[
    ("rare word", "xylophone"),
    ("common word", "school"),
    ("two words", "mother tired"),
    ("phrase", "\"seen alone\""),
];

struct Args {
    prepare_only: bool,
    /// Skip the PDF export (minutes in a debug build).
    no_pdf: bool,
    notes: u64,
    url: String,
    children: u64,
    rounds: usize,
}

fn args() -> Result<Args> {
    let mut prepare_only = false;
    let mut no_pdf = false;
    let mut notes = DEFAULT_NOTES;
    let mut positional = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--prepare" => prepare_only = true,
            "--no-pdf" => no_pdf = true,
            "--notes" => {
                notes = it
                    .next()
                    .and_then(|n| n.replace('_', "").parse().ok())
                    .context("--notes needs a number")?;
            }
            _ => positional.push(a),
        }
    }
    let default_url = std::env::temp_dir()
        .join("cairn-bench")
        .join("recording-20k.db")
        .to_string_lossy()
        .into_owned();
    Ok(Args {
        prepare_only,
        no_pdf,
        notes,
        url: positional.first().cloned().unwrap_or(default_url),
        children: positional
            .get(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(20_000),
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
    let child = prepare(&mut conn, args.notes)?;
    let notes: i64 = case_notes::table
        .filter(case_notes::status.eq("final"))
        .count()
        .get_result(&mut conn)?;
    let entries: i64 = chronology_entries::table
        .filter(chronology_entries::person_id.eq(&child))
        .count()
        .get_result(&mut conn)?;
    println!("\n{backend}: {}", args.url);
    println!("  final case notes      {notes}");
    println!("  the child's chronology {entries} entries ({child})");
    println!(
        "  database size         {}",
        database_size(&mut conn, &args.url)?
    );
    if args.prepare_only {
        println!("child {child}");
        return Ok(());
    }

    let worker = actor(&mut conn, "social.worker")?;
    let rounds = args.rounds;
    println!("\n{backend}: the chronology of a child with {entries} entries");
    for (label, newest_first) in [
        ("first page, oldest first", false),
        ("first page, newest first", true),
    ] {
        let filters = Filters {
            newest_first,
            ..Filters::default()
        };
        let mut samples = time(rounds, || {
            chronology::for_child(&mut conn, &worker, &child, &filters, 1).map(|_| ())
        })?;
        println!("{}", Summary::of(&mut samples).line(label));
    }
    if !args.no_pdf {
        let settings = Settings::default();
        let mut bytes = 0;
        let mut export = || {
            let (_, pdf) =
                chronology::export_pdf(&mut conn, &worker, &settings, &child, &Filters::default())?;
            bytes = pdf.len();
            Ok(())
        };
        // The first export is the one to judge: typst memoises layout across renders (the
        // renderer keeps recent cache generations), so exporting the same chronology again is far
        // quicker than exporting it the first time.
        let mut first = time_after(0, 1, &mut export)?;
        println!(
            "{}",
            Summary::of(&mut first).line("PDF export (every entry), first")
        );
        let mut samples = time_after(0, PDF_RUNS, &mut export)?;
        println!(
            "{}   ({} kB)",
            Summary::of(&mut samples).line("PDF export again, warm caches"),
            bytes / 1024
        );
    }

    println!("\n{backend}: full-text search over {notes} final notes (first page of 20)");
    let mut everyone = Vec::new();
    let mut within = Vec::new();
    for (label, q) in QUERIES {
        let mut total = 0;
        let mut samples = time(rounds, || {
            total = search::across_records(&mut conn, &worker, q, 1)?.total;
            Ok(())
        })?;
        everyone.extend_from_slice(&samples);
        println!(
            "{}   ({total}{} found)",
            Summary::of(&mut samples).line(&format!("all records: {label}")),
            if total >= search_cap() { "+" } else { "" }
        );
        let mut samples = time(rounds, || {
            total = search::in_child_record(&mut conn, &worker, &child, q, 1)?.total;
            Ok(())
        })?;
        within.extend_from_slice(&samples);
        println!(
            "{}   ({total} found)",
            Summary::of(&mut samples).line(&format!("one child: {label}"))
        );
    }
    println!(
        "{}",
        Summary::of(&mut everyone).line("all records: every query")
    );
    println!(
        "{}",
        Summary::of(&mut within).line("one child: every query")
    );
    Ok(())
}

/// The count at which the search service stops counting ("more than …").
fn search_cap() -> usize {
    search::RESULT_CAP
}

/// Times `rounds` calls of `f` after a few unmeasured ones (fewer for slow calls).
fn time(
    rounds: usize,
    f: impl FnMut() -> Result<(), cairn_core::ServiceError>,
) -> Result<Vec<Duration>> {
    time_after(rounds.min(20), rounds, f)
}

fn time_after(
    warm_up: usize,
    rounds: usize,
    mut f: impl FnMut() -> Result<(), cairn_core::ServiceError>,
) -> Result<Vec<Duration>> {
    for _ in 0..warm_up {
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

/// Gives the child with the longest chronology up to [`CHRONOLOGY_ENTRIES`] entries and the
/// database `notes` final case notes, adding only what is missing. Returns the child's id.
fn prepare(conn: &mut DbConn, notes: u64) -> Result<String> {
    let (child, entries) = longest_chronology(conn)?;
    let now = cairn_db::now();
    if entries < CHRONOLOGY_ENTRIES {
        let missing = usize::try_from(CHRONOLOGY_ENTRIES - entries).unwrap_or(0);
        let started = Instant::now();
        cairn_demo::add_chronology(conn, CHRONOLOGY_SEED, now, &child, missing)?;
        eprintln!(
            "Added {missing} chronology entries in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let have: i64 = case_notes::table
        .filter(case_notes::status.eq("final"))
        .count()
        .get_result(conn)?;
    let have = u64::try_from(have).unwrap_or(0);
    if have < notes {
        let missing = notes - have;
        eprintln!("Adding {missing} case notes (once; reused on later runs)…");
        let started = Instant::now();
        let mut last = Instant::now();
        cairn_demo::add_notes(conn, NOTES_SEED, now, missing, &mut |done| {
            if last.elapsed() > Duration::from_secs(10) || done == missing {
                eprintln!(
                    "  {done} of {missing} notes written ({:.0} s)",
                    started.elapsed().as_secs_f64()
                );
                last = Instant::now();
            }
        })?;
        eprintln!(
            "Added {missing} notes, with the full-text index, in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        if conn.backend() == Backend::Postgres {
            let started = Instant::now();
            // One statement each: PostgreSQL runs a multi-statement string as one
            // transaction, and VACUUM refuses to run inside one.
            conn.batch_execute("VACUUM ANALYZE case_notes")?;
            conn.batch_execute("VACUUM ANALYZE case_note_children")?;
            eprintln!("Vacuumed in {:.1} s", started.elapsed().as_secs_f64());
        }
    }
    Ok(child)
}

/// The child with the most chronology entries: after the first run, the benchmark's child.
fn longest_chronology(conn: &mut DbConn) -> Result<(String, i64)> {
    chronology_entries::table
        .group_by(chronology_entries::person_id)
        .select((chronology_entries::person_id, diesel::dsl::count_star()))
        .order((
            diesel::dsl::count_star().desc(),
            chronology_entries::person_id.asc(),
        ))
        .first::<(String, i64)>(conn)
        .optional()?
        .context("no child has a chronology: was the demo loaded?")
}

#[derive(QueryableByName)]
struct Size {
    #[diesel(sql_type = BigInt)]
    bytes: i64,
}

/// The database's size on disk, with the full-text index's share where the database says.
fn database_size(conn: &mut DbConn, url: &str) -> Result<String> {
    let mb = |b: u64| format!("{:.0} MB", b as f64 / 1_048_576.0);
    Ok(match conn.backend() {
        Backend::Sqlite => {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            let file = |p: &str| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            mb(file(path) + file(&format!("{path}-wal")))
        }
        Backend::Postgres => {
            let total: Size =
                diesel::sql_query("SELECT pg_database_size(current_database()) AS bytes")
                    .get_result(conn)?;
            let gin: Size = diesel::sql_query(
                "SELECT coalesce(pg_relation_size(to_regclass('case_notes_fts_vector_idx')), 0) AS bytes",
            )
            .get_result(conn)?;
            let to_u = |b: i64| u64::try_from(b).unwrap_or(0);
            format!(
                "{} (full-text index {})",
                mb(to_u(total.bytes)),
                mb(to_u(gin.bytes))
            )
        }
    })
}

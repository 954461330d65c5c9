//! Measures the demo generator: `demo_speed [CHILDREN] [DATABASE_URL]`.
//!
//! Without a URL it writes a fresh SQLite file in a temporary directory, removed afterwards; a
//! SQLite path is used as it is and kept. A PostgreSQL URL gets a throw-away schema, dropped
//! afterwards. Prints the counts, the time, rows written per second and, for SQLite, the size
//! of the database file. Build it in release mode: the debug build is several times slower.

use std::time::Instant;

use cairn_db::{Backend, DbConn};
use cairn_demo::{DemoOptions, Progress};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let children: u64 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100_000);
    let url_arg = args.next();

    let dir = tempfile::tempdir()?;
    let (url, pg_schema) = match &url_arg {
        Some(u) if Backend::from_url(u) == Backend::Postgres => {
            let schema = format!("demo_speed_{}", std::process::id());
            let mut admin = DbConn::open(u)?;
            admin.batch_execute(&format!("CREATE SCHEMA {schema}"))?;
            let sep = if u.contains('?') { '&' } else { '?' };
            (
                format!("{u}{sep}options=-c%20search_path%3D{schema}"),
                Some((u.clone(), schema)),
            )
        }
        Some(u) => (u.clone(), None),
        None => (
            dir.path().join("demo.db").to_string_lossy().into_owned(),
            None,
        ),
    };

    let result = run(&url, children);
    if let Some((admin_url, schema)) = pg_schema {
        let mut admin = DbConn::open(&admin_url)?;
        admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))?;
    }
    result
}

fn run(url: &str, children: u64) -> Result<(), Box<dyn std::error::Error>> {
    let mut conn = DbConn::open(url)?;
    conn.run_migrations()?;
    let opts = DemoOptions {
        children,
        ..DemoOptions::default()
    };
    let started = Instant::now();
    let mut last_stage = "";
    let summary = cairn_demo::generate(&mut conn, &opts, &mut |p: Progress| {
        if p.stage != last_stage || p.done == p.total || p.done % 200_000 < 20_000 {
            eprintln!(
                "{:>7.1}s  {:<12} {:>9} / {}",
                started.elapsed().as_secs_f64(),
                p.stage,
                p.done,
                p.total
            );
            last_stage = p.stage;
        }
    })?;
    let secs = summary.elapsed.as_secs_f64();
    let rows = count_rows(&mut conn)?;
    println!("backend        {}", conn.backend().name());
    println!("children       {}", summary.children);
    println!("adults         {}", summary.adults);
    println!("relationships  {}", summary.relationships);
    println!("addresses      {}", summary.addresses);
    println!(
        "users          {} in {} teams",
        summary.users, summary.teams
    );
    println!("rows           {rows}");
    println!("time           {secs:.1} s");
    println!("rows/s         {:.0}", rows as f64 / secs);
    println!(
        "people/s       {:.0}",
        (summary.children + summary.adults) as f64 / secs
    );
    if conn.backend() == Backend::Sqlite {
        let size = std::fs::metadata(url)?.len();
        println!("database size  {:.1} MB", size as f64 / 1e6);
    }
    Ok(())
}

fn count_rows(conn: &mut DbConn) -> Result<i64, Box<dyn std::error::Error>> {
    let mut total = 0;
    for table in [
        "offices",
        "teams",
        "users",
        "people",
        "person_names",
        "person_disabilities",
        "person_versions",
        "addresses",
        "relationships",
    ] {
        let n: Count =
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result(conn)?;
        total += n.n;
    }
    Ok(total)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

//! The front door at county scale, in-process: the screening queue with 5,000 open contacts,
//! and the front-door performance page over a year of contacts.
//!
//! `cargo run --release -p cairn-bench --bin front_door_bench -- [DATABASE] [CHILDREN] [ROUNDS]`
//! (defaults: /tmp/cairn-bench/front-door-100k.db, 100000, 20). DATABASE may be a PostgreSQL
//! URL naming an existing, empty database. The demo authority is generated once and reused: at
//! 100,000 children it holds a year of about 30,000 contacts, a large county's year. The queue
//! is then topped up to 5,000 contacts waiting for screening (rows marked `CT-BENCH-`, added
//! once). `--prepare` stops there, for the HTTP load test (bench/front-door-queue.sh).
//!
//! Every timing is the whole service call a page makes: the policy check, the read in its own
//! transaction and the audit row written afterwards. Prints numbers; asserts nothing.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use cairn_bench::{Summary, actor, demo_database};
use cairn_core::front_door::performance::{self, FIGURE_KEYS, PerformanceFilter};
use cairn_core::front_door::queue::{self, QueueView};
use cairn_core::{Actor, Settings};
use cairn_db::DbConn;
use cairn_db::front_door::contacts::{
    self as contact_repo, ContactChildRow, ContactRow, ReferrerRow,
};
use cairn_db::schema::{contacts, people};
use chrono::Duration as TimeDelta;
use diesel::prelude::*;

const OPEN_CONTACTS: i64 = 5_000;

/// Adds contacts waiting for screening until there are `OPEN_CONTACTS`: received over the last
/// two days, one child each, a third of them claimed, red, amber and green.
fn top_up_queue(conn: &mut DbConn, recorder: &Actor) -> Result<()> {
    let open: i64 = contacts::table
        .filter(contacts::status.eq("screening"))
        .count()
        .get_result(conn)?;
    let missing = OPEN_CONTACTS - open;
    if missing <= 0 {
        println!("Queue: {open} contacts waiting for screening");
        return Ok(());
    }
    let children: Vec<String> = people::table
        .filter(people::kind.eq("child"))
        .order(people::id.desc())
        .limit(missing)
        .select(people::id)
        .load(conn)?;
    if children.is_empty() {
        bail!("the demo has no children");
    }
    let office = cairn_db::organisation::list_offices(conn)?
        .into_iter()
        .next()
        .context("an office")?
        .id;
    let author = recorder.author();
    let now = cairn_db::now();
    let (mut rows, mut referrers, mut links) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..missing {
        let id = uuid::Uuid::now_v7().to_string();
        let received = now - TimeDelta::minutes(i * 2_880 / missing.max(1));
        let rag = ["red", "amber", "green", "green"][(i % 4) as usize];
        let claimed = i % 3 == 0;
        rows.push(ContactRow {
            id: id.clone(),
            reference: format!("CT-BENCH-{i:06}"),
            received_at: received,
            recorded_at: received,
            recorded_by: author.clone(),
            backdate_reason: None,
            channel: "phone".into(),
            referral_source: "2A".into(),
            concern: "Benchmark contact.".into(),
            categories: "neglect".into(),
            consent: "given".into(),
            consent_reason: None,
            immediate_safety: false,
            office_id: office.clone(),
            out_of_hours: false,
            rag: rag.into(),
            decision_due_at: received + TimeDelta::hours(if rag == "green" { 24 } else { 4 }),
            status: "screening".into(),
            claimed_by: claimed.then(|| author.clone()),
            claimed_at: claimed.then_some(now),
            claim_active_at: claimed.then_some(now),
            decided_at: None,
            handover_acknowledged_by: None,
            handover_acknowledged_at: None,
            version: 1,
            updated_at: received,
            updated_by: author.clone(),
        });
        referrers.push(ReferrerRow {
            contact_id: id.clone(),
            kind: "professional".into(),
            name: Some("Bench Referrer".into()),
            role: None,
            organisation: Some("Benchmark School".into()),
            agency: Some("school".into()),
            phone: None,
            email: None,
            address: None,
            wants_feedback: true,
        });
        let child = &children[(i as usize) % children.len()];
        links.push(ContactChildRow {
            id: uuid::Uuid::now_v7().to_string(),
            contact_id: id,
            person_id: child.clone(),
            position: 0,
            routed_to: "screening".into(),
            open_referral_id: None,
            allocated_worker_id: None,
            worker_acknowledged_at: None,
            decision_id: None,
            referral_id: None,
            added_at: received,
            added_by: author.clone(),
        });
    }
    conn.write(|c| contact_repo::insert_many(c, &rows, &referrers, &links))?;
    println!("Queue: added {missing} contacts, {OPEN_CONTACTS} now wait for screening");
    Ok(())
}

fn time<T>(f: impl FnOnce() -> Result<T>) -> Result<(Duration, T)> {
    let started = Instant::now();
    let out = f()?;
    Ok((started.elapsed(), out))
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().filter(|a| a != "--prepare").collect();
    let prepare_only = std::env::args().any(|a| a == "--prepare");
    let url = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "/tmp/cairn-bench/front-door-100k.db".into());
    let children: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let rounds: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(20);
    let mut conn = demo_database(&url, children)?;
    let backend = conn.backend().name();
    let frontdoor = actor(&mut conn, "frontdoor")?;
    let manager = actor(&mut conn, "performance")?;
    top_up_queue(&mut conn, &frontdoor)?;
    if conn.backend() == cairn_db::Backend::Postgres {
        // A database loaded in one go has no visibility map until autovacuum gets to it, so
        // index-only scans still visit the table. Do now what autovacuum would do shortly.
        use diesel::connection::SimpleConnection;
        conn.batch_execute("VACUUM ANALYZE")?;
    }
    if prepare_only {
        return Ok(());
    }
    let settings = Settings::default();

    // (a) The screening queue, 50 contacts a page.
    let first = queue::page(
        &mut conn,
        &frontdoor,
        &settings,
        QueueView::Screening,
        None,
        1,
    )?;
    println!(
        "\n{backend}: screening queue, {} open contacts, {} pages of {}",
        first.total,
        first.pages,
        queue::PAGE_SIZE
    );
    let mut first_pages = Vec::new();
    let mut all_pages = Vec::new();
    for _ in 0..rounds {
        for page in 1..=first.pages {
            let (took, _) = time(|| {
                Ok(queue::page(
                    &mut conn,
                    &frontdoor,
                    &settings,
                    QueueView::Screening,
                    None,
                    page,
                )?)
            })?;
            all_pages.push(took);
            if page == 1 {
                first_pages.push(took);
            }
        }
    }
    // The first page again, many times: the page a screener reloads all day.
    for _ in 0..(rounds * 50) {
        let (took, _) = time(|| {
            Ok(queue::page(
                &mut conn,
                &frontdoor,
                &settings,
                QueueView::Screening,
                None,
                1,
            )?)
        })?;
        first_pages.push(took);
    }
    println!(
        "{}",
        Summary::of(&mut first_pages).line("queue, first page")
    );
    println!(
        "{}",
        Summary::of(&mut all_pages).line("queue, every page in turn")
    );

    // (b) The performance page over the demo's year (its "today" is fixed).
    let today = cairn_demo::GENERATED_AT.date();
    let filter = PerformanceFilter::last_twelve_months(today);
    let scope = filter.scope();
    let in_year: i64 = contacts::table
        .filter(contacts::received_at.ge(scope.from))
        .filter(contacts::received_at.lt(scope.to))
        .count()
        .get_result(&mut conn)?;
    println!(
        "\n{backend}: front-door performance, {} to {}, {in_year} contacts",
        filter.from, filter.to
    );
    let mut page_times = Vec::new();
    for _ in 0..rounds.max(10) {
        let (took, p) = time(|| {
            Ok(performance::figures(
                &mut conn, &manager, &settings, &filter,
            )?)
        })?;
        page_times.push(took);
        std::hint::black_box(p);
    }
    println!(
        "{}",
        Summary::of(&mut page_times).line("performance page, all offices")
    );
    let office = cairn_db::organisation::list_offices(&mut conn)?
        .into_iter()
        .next()
        .context("an office")?;
    let one_office = PerformanceFilter {
        office_id: Some(office.id),
        ..filter.clone()
    };
    let mut office_times = Vec::new();
    for _ in 0..rounds.max(10) {
        let (took, _) = time(|| {
            Ok(performance::figures(
                &mut conn,
                &manager,
                &settings,
                &one_office,
            )?)
        })?;
        office_times.push(took);
    }
    println!(
        "{}",
        Summary::of(&mut office_times).line(&format!("performance page, {}", office.name))
    );
    for key in FIGURE_KEYS {
        let mut t = Vec::new();
        for _ in 0..5 {
            let (took, _) = time(|| {
                Ok(performance::figure_csv(
                    &mut conn, &manager, &settings, &filter, key,
                )?)
            })?;
            t.push(took);
        }
        println!(
            "{}",
            Summary::of(&mut t).line(&format!("  one table as CSV: {key}"))
        );
    }
    let report = performance::ReportFilter {
        period: filter.clone(),
        kind: None,
        problem: None,
    };
    let mut report_times = Vec::new();
    let mut rows = 0;
    for _ in 0..rounds.max(10) {
        let (took, r) = time(|| {
            Ok(performance::late_messages(
                &mut conn, &manager, &settings, &report,
            )?)
        })?;
        rows = r.rows.len();
        report_times.push(took);
    }
    println!(
        "{}",
        Summary::of(&mut report_times).line(&format!("late receipts report ({rows} rows)"))
    );
    Ok(())
}

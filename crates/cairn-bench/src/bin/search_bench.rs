//! Person search over a large demo authority, in-process.
//!
//! `cargo run --release -p cairn-bench --bin search_bench -- [DATABASE] [CHILDREN] [QUERIES]`
//! (defaults: /tmp/cairn-bench/search-1m.db, 1000000, 2000). The database is generated once and
//! reused. Queries are built from people sampled from the database, in the shapes practitioners
//! type: exact names, misspelt names, names with a date of birth, swapped day and month, NHS
//! number, UPN, postcode. Each shape is timed through the full service (ranking plus its audit
//! row, in a write transaction) and through the ranking alone.

use std::time::Instant;

use anyhow::Result;
use cairn_bench::{Summary, demo_database};
use cairn_core::Actor;
use cairn_core::search::{self, SearchCriteria};
use cairn_db::people::PersonRow;
use cairn_db::schema::{addresses, people};
use cairn_domain::identifiers::{NhsNumber, Upn};
use cairn_domain::roles::Role;
use diesel::prelude::*;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "/tmp/cairn-bench/search-1m.db".into());
    let children: u64 = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let queries: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(2_000);
    let mut conn = demo_database(&url, children)?;
    let total: i64 = people::table.count().get_result(&mut conn)?;
    println!("Database: {url} ({total} people)");

    // A spread sample: every k-th child by local id.
    let step = (total / queries as i64).max(1);
    let sample: Vec<PersonRow> = people::table
        .filter(people::kind.eq("child"))
        .filter(people::date_of_birth.is_not_null())
        .order(people::local_id.asc())
        .select(PersonRow::as_select())
        .load(&mut conn)?
        .into_iter()
        .step_by(step as usize / 2 + 1)
        .take(queries)
        .collect();
    let postcodes: Vec<Option<String>> = sample
        .iter()
        .map(|p| {
            addresses::table
                .filter(addresses::person_id.eq(&p.id))
                .filter(addresses::to_date.is_null())
                .select(addresses::postcode)
                .first::<Option<String>>(&mut conn)
                .ok()
                .flatten()
        })
        .collect();
    println!("Sampled {} people", sample.len());

    let misspell = |s: &str| {
        let mut c: Vec<char> = s.chars().collect();
        if c.len() > 4 {
            c.remove(c.len() / 2);
        }
        c.into_iter().collect::<String>()
    };
    type Shape = (
        &'static str,
        Box<dyn Fn(usize, &PersonRow) -> Option<SearchCriteria>>,
    );
    let pcs = postcodes.clone();
    let shapes: Vec<Shape> = vec![
        (
            "full name",
            Box::new(|_, p| {
                Some(SearchCriteria {
                    name: format!("{} {}", p.given_names, p.family_name),
                    ..Default::default()
                })
            }),
        ),
        (
            "misspelt family name + given",
            Box::new(move |_, p| {
                Some(SearchCriteria {
                    name: format!("{} {}", p.given_names, misspell(&p.family_name)),
                    ..Default::default()
                })
            }),
        ),
        (
            "name + date of birth",
            Box::new(|_, p| {
                Some(SearchCriteria {
                    name: format!("{} {}", p.given_names, p.family_name),
                    date_of_birth: p.date_of_birth,
                    ..Default::default()
                })
            }),
        ),
        (
            "name + day/month swapped",
            Box::new(|_, p| {
                Some(SearchCriteria {
                    name: format!("{} {}", p.given_names, p.family_name),
                    date_of_birth: p
                        .date_of_birth
                        .and_then(cairn_domain::dates::swapped_day_month),
                    ..Default::default()
                })
            }),
        ),
        (
            "date of birth only",
            Box::new(|_, p| {
                Some(SearchCriteria {
                    date_of_birth: p.date_of_birth,
                    ..Default::default()
                })
            }),
        ),
        (
            "NHS number",
            Box::new(|_, p| {
                Some(SearchCriteria {
                    nhs_number: NhsNumber::parse(p.nhs_number.as_deref()?).ok(),
                    ..Default::default()
                })
            }),
        ),
        (
            "UPN",
            Box::new(|_, p| {
                Some(SearchCriteria {
                    upn: Upn::parse(p.upn.as_deref()?).ok(),
                    ..Default::default()
                })
            }),
        ),
        (
            "postcode",
            Box::new(move |i, _| {
                Some(SearchCriteria {
                    postcode: pcs.get(i).cloned().flatten(),
                    ..Default::default()
                })
            }),
        ),
    ];

    let actor = Actor {
        user_id: None,
        username: "benchmark".into(),
        display_name: "Benchmark".into(),
        role: Role::SocialWorker,
        team_id: None,
        session_id: None,
        request_id: None,
        channel: cairn_core::Channel::Web,
        scopes: Vec::new(),
    };
    let mut all_service = Vec::new();
    let mut all_ranking = Vec::new();
    let mut found_self = 0usize;
    let mut asked = 0usize;
    for (label, make) in &shapes {
        let mut service = Vec::new();
        let mut ranking = Vec::new();
        let (mut shape_found, mut shape_asked) = (0usize, 0usize);
        for (i, p) in sample.iter().enumerate() {
            let Some(criteria) = make(i, p) else { continue };
            let t = Instant::now();
            let results = search::search(&mut conn, &criteria, false)?;
            ranking.push(t.elapsed());
            let t = Instant::now();
            let _ = cairn_core::people::search(&mut conn, &actor, &criteria)?;
            service.push(t.elapsed());
            asked += 1;
            shape_asked += 1;
            if results.hits.iter().any(|h| h.person.id == p.id) {
                found_self += 1;
                shape_found += 1;
            }
        }
        println!(
            "{}",
            Summary::of(&mut service.clone()).line(&format!("{label} (service)"))
        );
        println!(
            "{}",
            Summary::of(&mut ranking.clone()).line(&format!("{label} (ranking only)"))
        );
        println!("{label:<34} the sampled person was found in {shape_found} of {shape_asked}");
        all_service.extend(service);
        all_ranking.extend(ranking);
    }
    println!(
        "{}",
        Summary::of(&mut all_service).line("ALL SHAPES (service, audited)")
    );
    println!(
        "{}",
        Summary::of(&mut all_ranking).line("ALL SHAPES (ranking only)")
    );
    println!("The sampled person was among the results in {found_self} of {asked} searches");
    Ok(())
}

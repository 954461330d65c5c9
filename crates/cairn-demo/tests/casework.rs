//! The demo's casework obeys the rules the services enforce and the CIN census checks, so the
//! demo shows what a well-kept record looks like (with some work late, as in life).

use std::collections::{HashMap, HashSet};

use cairn_db::schema::{
    assessments, conferences, cp_plans, episode_closures, referrals, section47_enquiries, visits,
};
use cairn_db::testing::TestDb;
use cairn_db::{DbConn, both_backends};
use cairn_demo::DemoOptions;
use chrono::{Datelike, NaiveDate, Weekday};
use diesel::prelude::*;

fn generate(conn: &mut DbConn) {
    let options = DemoOptions {
        children: 1_500,
        seed: 7,
        password: "demo-password-for-tests".to_string(),
        local_id_prefix: "DC".to_string(),
    };
    cairn_demo::generate(conn, &options, &mut |_| {}).expect("generate");
}

both_backends!(demo_casework_follows_the_census_rules, |db: TestDb| {
    let mut c = db.conn();
    generate(&mut c);

    let episodes: Vec<(String, String, NaiveDate, Option<NaiveDate>)> = referrals::table
        .select((
            referrals::id,
            referrals::person_id,
            referrals::referral_date,
            referrals::closed_on,
        ))
        .load(&mut c)
        .expect("referrals");
    let by_id: HashMap<&str, (NaiveDate, Option<NaiveDate>)> = episodes
        .iter()
        .map(|(id, _, r, closed)| (id.as_str(), (*r, *closed)))
        .collect();

    // Assessments: started on or after the referral; authorised after starting; a closed
    // episode's assessments are all authorised before the closure (8565, 8608, 8867).
    let rows: Vec<(String, NaiveDate, Option<NaiveDate>, String)> = assessments::table
        .select((
            assessments::referral_id,
            assessments::started_on,
            assessments::authorised_on,
            assessments::status,
        ))
        .load(&mut c)
        .expect("assessments");
    assert!(rows.len() > 300, "{} assessments", rows.len());
    let mut late_or_open = 0;
    for (referral, started, authorised, status) in &rows {
        let (referral_date, closed) = by_id[referral.as_str()];
        assert!(*started >= referral_date);
        if let Some(a) = authorised {
            assert!(a >= started);
            assert_eq!(status, "authorised");
        } else {
            late_or_open += 1;
        }
        if let Some(closed) = closed {
            let a = authorised.expect("closed episodes have authorised assessments");
            assert!(a <= closed, "authorised {a} after closure {closed}");
        }
    }
    assert!(late_or_open > 0, "some assessments are still in progress");

    // Every concluded s47 in a closed episode has an ICPC or says one was not required (8868).
    let s47s: Vec<(String, String, NaiveDate, Option<String>)> = section47_enquiries::table
        .select((
            section47_enquiries::id,
            section47_enquiries::referral_id,
            section47_enquiries::started_on,
            section47_enquiries::outcome,
        ))
        .load(&mut c)
        .expect("s47s");
    assert!(!s47s.is_empty());
    let icpcs: HashMap<String, NaiveDate> = conferences::table
        .filter(conferences::kind.eq("initial"))
        .select((conferences::section47_id, conferences::held_on))
        .load::<(Option<String>, NaiveDate)>(&mut c)
        .expect("conferences")
        .into_iter()
        .filter_map(|(s, d)| s.map(|s| (s, d)))
        .collect();
    for (id, referral, started, outcome) in &s47s {
        if let Some(icpc) = icpcs.get(id) {
            assert!(icpc >= started, "ICPC before the s47 started");
            assert!(!matches!(icpc.weekday(), Weekday::Sat | Weekday::Sun));
        }
        if by_id[referral.as_str()].1.is_some() {
            let flagged = outcome
                .as_deref()
                .is_some_and(|o| o != "continuing_risk_icpc");
            assert!(icpcs.contains_key(id) || flagged, "closed with an open s47");
        }
    }

    // CP plans start on their ICPC's date (2885); at most one open plan per child (8935).
    let plans: Vec<(String, NaiveDate, Option<NaiveDate>, String)> = cp_plans::table
        .select((
            cp_plans::person_id,
            cp_plans::started_on,
            cp_plans::ended_on,
            cp_plans::initial_conference_id,
        ))
        .load(&mut c)
        .expect("plans");
    assert!(!plans.is_empty());
    let conference_dates: HashMap<String, NaiveDate> = conferences::table
        .select((conferences::id, conferences::held_on))
        .load(&mut c)
        .expect("conferences")
        .into_iter()
        .collect();
    let mut open = HashSet::new();
    for (person, start, end, icpc) in &plans {
        assert_eq!(conference_dates[icpc], *start);
        if let Some(end) = end {
            assert!(end > start);
        } else {
            assert!(
                open.insert(person.clone()),
                "two open CP plans for one child"
            );
        }
    }

    // Visits happen, and some children's visits are overdue; authorised closures match the
    // episodes they closed.
    let visit_count: i64 = visits::table.count().get_result(&mut c).expect("visits");
    assert!(visit_count > 500, "{visit_count} visits");
    let closures: Vec<(String, NaiveDate, String)> = episode_closures::table
        .filter(episode_closures::status.eq("authorised"))
        .select((
            episode_closures::referral_id,
            episode_closures::closed_on,
            episode_closures::reason,
        ))
        .load(&mut c)
        .expect("closures");
    for (referral, closed_on, _) in &closures {
        assert_eq!(by_id[referral.as_str()].1, Some(*closed_on));
    }
});

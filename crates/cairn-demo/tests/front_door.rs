//! The demo's year of front-door work, on both databases: the mixes it promises, the queue at
//! its "today", and that a seed always gives the same contacts.

use cairn_core::front_door::performance::{self, PerformanceFilter, Problem, ReportFilter};
use cairn_core::{Actor, Settings};
use cairn_db::front_door::contacts::ContactRow;
use cairn_db::schema::{
    contacts, out_of_hours_actions, referrals, referrer_messages, screening_decisions,
};
use cairn_db::testing::TestDb;
use cairn_db::{DbConn, both_backends};
use cairn_demo::{DemoOptions, GENERATED_AT};
use cairn_domain::ids::UserId;
use cairn_domain::roles::Role;
use diesel::prelude::*;

fn generate(conn: &mut DbConn, children: u64, seed: u64) {
    let opts = DemoOptions {
        children,
        seed,
        password: "demo-password-for-tests".into(),
        local_id_prefix: "DC".into(),
    };
    cairn_demo::generate(conn, &opts, &mut |_| {}).expect("generate");
}

fn contact_rows(conn: &mut DbConn) -> Vec<ContactRow> {
    contacts::table
        .order(contacts::id)
        .select(ContactRow::as_select())
        .load(conn)
        .expect("contacts")
}

fn count_where(conn: &mut DbConn, status: &str) -> usize {
    contact_rows(conn)
        .iter()
        .filter(|c| c.status == status)
        .count()
}

fn performance_officer(conn: &mut DbConn) -> Actor {
    let u = cairn_db::users::find_by_username(conn, "performance")
        .expect("read")
        .expect("the demo performance officer");
    Actor {
        user_id: UserId::parse(&u.id).ok(),
        username: u.username,
        display_name: u.display_name,
        role: Role::PerformanceOfficer,
        team_id: None,
        session_id: None,
        request_id: None,
        channel: cairn_core::Channel::Web,
        scopes: Vec::new(),
    }
}

both_backends!(a_year_of_contacts_with_the_promised_mix, |db: TestDb| {
    let mut conn = db.conn();
    generate(&mut conn, 1_000, 2009);
    let all = contact_rows(&mut conn);
    // Three contacts a year for every ten children.
    assert_eq!(all.len(), 300);
    let today = GENERATED_AT;
    assert!(
        all.iter()
            .all(|c| c.received_at < today && c.received_at > today - chrono::Duration::days(366))
    );
    let share =
        |f: &dyn Fn(&ContactRow) -> bool| all.iter().filter(|c| f(c)).count() * 100 / all.len();
    let police = share(&|c| c.referral_source == "6");
    let schools = share(&|c| c.referral_source.starts_with('2'));
    let ooh = share(&|c| c.out_of_hours);
    assert!((22..=38).contains(&police), "police {police}%");
    assert!((14..=27).contains(&schools), "schools {schools}%");
    assert!((14..=28).contains(&ooh), "out of hours {ooh}%");

    // At "today": contacts waiting in the queue, some claimed; decisions waiting for a
    // manager; last night's out-of-hours contacts with what the EDT did, not yet handed over.
    assert!(count_where(&mut conn, "screening") >= 6);
    assert!(count_where(&mut conn, "awaiting_authorisation") >= 3);
    let waiting: Vec<&ContactRow> = all.iter().filter(|c| c.status == "screening").collect();
    let last_night: Vec<&&ContactRow> = waiting
        .iter()
        .filter(|c| c.out_of_hours && c.received_at > today - chrono::Duration::hours(12))
        .collect();
    assert!(
        last_night.len() >= 2,
        "{} contacts from last night",
        last_night.len()
    );
    assert!(
        last_night
            .iter()
            .all(|c| c.handover_acknowledged_at.is_none())
    );
    for c in &last_night {
        let actions: i64 = out_of_hours_actions::table
            .filter(out_of_hours_actions::contact_id.eq(&c.id))
            .count()
            .get_result(&mut conn)
            .expect("count");
        assert!(actions >= 1, "EDT actions on {}", c.reference);
    }

    // Referrals: about a quarter of decisions; some re-referrals; closures with RC8 and RC7.
    let decisions: i64 = screening_decisions::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    let referred: i64 = screening_decisions::table
        .filter(screening_decisions::outcome.eq("referral"))
        .count()
        .get_result(&mut conn)
        .expect("count");
    let pct = referred * 100 / decisions;
    assert!((15..=35).contains(&pct), "referral {pct}%");
    let reasons: Vec<Option<String>> = referrals::table
        .select(referrals::closure_reason)
        .load(&mut conn)
        .expect("reasons");
    for code in ["RC8", "RC7"] {
        assert!(
            reasons.iter().any(|r| r.as_deref() == Some(code)),
            "a referral closed {code}"
        );
    }
    let re: i64 = referrals::table
        .filter(referrals::re_referral.eq(true))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert!(re > 0);
    let failed: i64 = referrer_messages::table
        .filter(referrer_messages::status.eq("failed"))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert!(failed > 0);

    // The performance page and the report find something in every figure that needs it.
    let actor = performance_officer(&mut conn);
    let filter = PerformanceFilter::last_twelve_months(today.date());
    let page =
        performance::figures(&mut conn, &actor, &Settings::default(), &filter).expect("figures");
    for f in &page.figures {
        assert!(f.rows.iter().any(|r| r.count > 0), "{} has data", f.key);
    }
    let closed = page
        .figures
        .iter()
        .find(|f| f.key == "closed-no-further-action")
        .expect("figure");
    assert!(
        closed
            .rows
            .iter()
            .any(|r| r.label.ends_with("(RC8)") && r.count > 0)
    );
    let timely = page
        .figures
        .iter()
        .find(|f| f.key == "decided-in-time")
        .expect("figure");
    let within = timely.rows[0].percent.unwrap_or_default();
    assert!((75.0..98.0).contains(&within), "{within}% decided in time");
    let report = performance::late_messages(
        &mut conn,
        &actor,
        &Settings::default(),
        &ReportFilter {
            period: filter,
            kind: None,
            problem: None,
        },
    )
    .expect("report");
    for p in [Problem::Missing, Problem::Late] {
        assert!(
            report.rows.iter().any(|r| r.problem == p),
            "the report finds {p:?}"
        );
    }
});

both_backends!(a_seed_always_gives_the_same_contacts, |db: TestDb| {
    let other = TestDb::new(db.backend);
    let different = TestDb::new(db.backend);
    let (mut a, mut b, mut c) = (db.conn(), other.conn(), different.conn());
    generate(&mut a, 300, 7);
    generate(&mut b, 300, 7);
    generate(&mut c, 300, 8);
    let (ra, rb, rc) = (
        contact_rows(&mut a),
        contact_rows(&mut b),
        contact_rows(&mut c),
    );
    assert_eq!(ra, rb);
    assert_ne!(ra, rc);
});

//! The front-door performance figures and the report of late and missing receipts and
//! feedback, over a small set of contacts made through the real services, with the few
//! message states the services cannot reach in a test (sent late, failed) set on the rows.

use cairn_core::front_door::contacts::{self, ContactInput, ReferrerInput};
use cairn_core::front_door::performance::{
    self, Figure, PerformanceFilter, Problem, ReportFilter, ReportKind,
};
use cairn_core::front_door::queue;
use cairn_core::front_door::screening::{self, DecisionInput, Review};
use cairn_core::{ServiceError, Settings};
use cairn_db::DbConn;
use cairn_db::both_backends;
use cairn_db::front_door::referrals as referral_repo;
use cairn_db::schema::{referrals as referrals_t, referrer_messages as messages_t};
use cairn_db::testing::TestDb;
use cairn_domain::roles::Role;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::support::*;

/// The shared two-level document (level 1 and level 4), by the names these tests use.
struct Levels {
    doc: String,
    universal: String,
    statutory: String,
}

fn thresholds(conn: &mut DbConn) -> Levels {
    let t = agreed_thresholds(conn, 1);
    Levels {
        doc: t.doc,
        universal: t.level1,
        statutory: t.level4,
    }
}

fn office_id(conn: &mut DbConn, name: &str) -> String {
    cairn_db::organisation::list_offices(conn)
        .unwrap()
        .into_iter()
        .find(|o| o.name == name)
        .map(|o| o.id)
        .unwrap()
}

/// A contact; `agency` empty with kind "family" or "anonymous" for those referrers.
fn contact(
    child: &str,
    office: &str,
    kind: &str,
    agency: &str,
    channel: &str,
    days_ago: i64,
) -> ContactInput {
    let anonymous = kind == "anonymous";
    ContactInput {
        received_at: (days_ago > 0).then(|| cairn_db::now() - Duration::days(days_ago)),
        backdate_reason: if days_ago > 0 {
            "Found in the shared inbox.".into()
        } else {
            String::new()
        },
        channel: channel.into(),
        referrer: ReferrerInput {
            kind: kind.into(),
            name: if anonymous {
                String::new()
            } else {
                "Sam Referrer".into()
            },
            organisation: if kind == "professional" {
                "Demton services".into()
            } else {
                String::new()
            },
            agency: agency.into(),
            ..ReferrerInput::default()
        },
        children: vec![child.to_string()],
        concern: "Worried about the child's care at home.".into(),
        categories: vec!["neglect".into()],
        consent: "given".into(),
        office_id: office.into(),
        ..ContactInput::default()
    }
}

fn decision(l: &Levels, outcome: &str, team: &str) -> DecisionInput {
    let referral = outcome == "referral";
    DecisionInput {
        threshold_document_id: l.doc.clone(),
        level_id: if referral {
            l.statutory.clone()
        } else {
            l.universal.clone()
        },
        rationale: "Considered against the thresholds.".into(),
        rag: "green".into(),
        outcome: outcome.into(),
        receiving_team_id: if referral { team.into() } else { String::new() },
        primary_need: if referral { "N1".into() } else { String::new() },
        ..DecisionInput::default()
    }
}

/// Claims and decides; a decision that needs a manager is authorised when `manager` is given.
fn decide(
    conn: &mut DbConn,
    screener: &Staff,
    manager: Option<&Staff>,
    contact: &str,
    input: &DecisionInput,
) {
    queue::claim(conn, &screener.actor, &settings(), contact).unwrap();
    let id = screening::decide(conn, &screener.actor, &settings(), contact, input)
        .unwrap()
        .to_string();
    let needs = settings()
        .outcomes_needing_authorisation
        .contains(&input.outcome);
    if let (true, Some(m)) = (needs, manager) {
        screening::review(
            conn,
            &m.actor,
            &settings(),
            &id,
            Review::Authorise,
            "Agreed.",
        )
        .unwrap();
    }
}

fn message_id(conn: &mut DbConn, contact: &str, kind: &str) -> String {
    messages_t::table
        .filter(messages_t::contact_id.eq(contact))
        .filter(messages_t::kind.eq(kind))
        .select(messages_t::id)
        .first(conn)
        .unwrap()
}

fn due_of(conn: &mut DbConn, id: &str) -> NaiveDateTime {
    messages_t::table
        .find(id)
        .select(messages_t::due_at)
        .first(conn)
        .unwrap()
}

fn rows(f: &Figure) -> Vec<(Option<String>, String, i64, i64)> {
    f.rows
        .iter()
        .map(|r| (r.group.clone(), r.label.clone(), r.count, r.of))
        .collect()
}

fn find<'a>(figures: &'a [Figure], key: &str) -> &'a Figure {
    figures.iter().find(|f| f.key == key).unwrap()
}

fn count(f: &Figure, group: Option<&str>, label: &str) -> (i64, i64) {
    f.rows
        .iter()
        .find(|r| r.group.as_deref() == group && r.label == label)
        .map(|r| (r.count, r.of))
        .unwrap_or_else(|| panic!("no row {group:?} {label:?} in {}: {:?}", f.key, rows(f)))
}

struct World {
    manager: Staff,
    office_a: String,
    office_b: String,
    /// Contacts C1..C6 in order.
    contacts: Vec<String>,
}

/// Six contacts:
/// - C1 office A, school, now: no further action, authorised now — in time. Its feedback
///   row is removed (missing, but not yet due, so not reported).
/// - C2 office A, police, now: referral, authorised now — in time. A re-referral (the child
///   had a referral six months ago); later closed RC7. Receipt and feedback sent late.
/// - C3 office B, family member, now: information and advice (no manager) — in time. Its
///   receipt failed and is past due.
/// - C4 office A, GP, received 10 days ago: no further action, authorised now — late. Its
///   receipt row is removed (missing, past due).
/// - C5 office B, anonymous, now: undecided, not yet due. No receipt (anonymous).
/// - C6 office A, school, now: decided by the screener, waiting for a manager — not decided.
fn world(conn: &mut DbConn) -> World {
    let a_team = make_team(conn, "Alpha");
    make_team(conn, "Beta");
    let office_a = office_id(conn, "Alpha office");
    let office_b = office_id(conn, "Beta office");
    let fd = staff(conn, "front.door", Role::FrontDoorPractitioner);
    let senior = staff(conn, "senior", Role::SeniorPractitioner);
    let manager = staff(conn, "manager", Role::TeamManager);
    let levels = thresholds(conn);
    let kids: Vec<String> = ["Ava", "Ben", "Cara", "Dan", "Eve", "Finn"]
        .iter()
        .enumerate()
        .map(|(i, n)| create_child(conn, &fd.actor, &draft(n, "Jones", (1, 1 + i as u32, 2018))))
        .collect();
    // Child 2 had a referral six months ago, closed after assessment with no further action.
    let six_months_ago = cairn_db::now().date() - Duration::days(182);
    referral_repo::insert(
        conn,
        &referral_repo::ReferralRow {
            id: uuid::Uuid::now_v7().to_string(),
            person_id: kids[1].clone(),
            contact_id: None,
            decision_id: None,
            referral_date: six_months_ago,
            referral_source: "6".into(),
            primary_need: "N1".into(),
            team_id: a_team.clone(),
            worker_id: None,
            assigned_at: None,
            re_referral: false,
            previous_referral_id: None,
            closed_on: Some(six_months_ago + Duration::days(40)),
            closure_reason: Some("RC8".into()),
            version: 1,
            created_at: cairn_db::now(),
            created_by: "test".into(),
        },
    )
    .unwrap();

    let specs = [
        (0, &office_a, "professional", "school", "phone", 0),
        (
            1,
            &office_a,
            "professional",
            "police",
            "police_notification",
            0,
        ),
        (2, &office_b, "family", "", "phone", 0),
        (3, &office_a, "professional", "gp", "email", 10),
        (4, &office_b, "anonymous", "", "phone", 0),
        (5, &office_a, "professional", "school", "online_form", 0),
    ];
    let mut ids = Vec::new();
    for (child, office, kind, agency, channel, days) in specs {
        let input = contact(&kids[child], office, kind, agency, channel, days);
        ids.push(
            contacts::record(conn, &fd.actor, &settings(), &input)
                .unwrap()
                .to_string(),
        );
    }
    decide(
        conn,
        &fd,
        Some(&manager),
        &ids[0],
        &decision(&levels, "no_further_action", &a_team),
    );
    decide(
        conn,
        &fd,
        Some(&manager),
        &ids[1],
        &decision(&levels, "referral", &a_team),
    );
    decide(
        conn,
        &senior,
        None,
        &ids[2],
        &decision(&levels, "information_advice", &a_team),
    );
    decide(
        conn,
        &fd,
        Some(&manager),
        &ids[3],
        &decision(&levels, "no_further_action", &a_team),
    );
    decide(
        conn,
        &fd,
        None,
        &ids[5],
        &decision(&levels, "no_further_action", &a_team),
    );

    // C2's receipt and feedback went an hour late.
    for kind in ["receipt", "feedback"] {
        let m = message_id(conn, &ids[1], kind);
        let due = due_of(conn, &m);
        diesel::update(messages_t::table.find(&m))
            .set((
                messages_t::status.eq("sent"),
                messages_t::sent_at.eq(due + Duration::hours(1)),
            ))
            .execute(conn)
            .unwrap();
    }
    // C3's receipt failed, and its due time has passed.
    let m = message_id(conn, &ids[2], "receipt");
    diesel::update(messages_t::table.find(&m))
        .set((
            messages_t::status.eq("failed"),
            messages_t::due_at.eq(cairn_db::now() - Duration::hours(2)),
        ))
        .execute(conn)
        .unwrap();
    // C4's receipt was never written; C1's feedback neither (but that is not due yet).
    let m = message_id(conn, &ids[3], "receipt");
    diesel::delete(messages_t::table.find(&m))
        .execute(conn)
        .unwrap();
    let m = message_id(conn, &ids[0], "feedback");
    diesel::delete(messages_t::table.find(&m))
        .execute(conn)
        .unwrap();
    // C2's new referral was closed: services ceased.
    diesel::update(referrals_t::table.filter(referrals_t::contact_id.eq(&ids[1])))
        .set((
            referrals_t::closed_on.eq(cairn_db::now().date()),
            referrals_t::closure_reason.eq("RC7"),
        ))
        .execute(conn)
        .unwrap();
    World {
        manager,
        office_a,
        office_b,
        contacts: ids,
    }
}

fn all_offices() -> PerformanceFilter {
    PerformanceFilter::last_twelve_months(today())
}

both_backends!(figures_count_a_known_set_of_contacts, |db: TestDb| {
    let mut conn = db.conn();
    let w = world(&mut conn);
    let before = audit_count(&mut conn);
    let page =
        performance::figures(&mut conn, &w.manager.actor, &settings(), &all_offices()).unwrap();
    let figs = &page.figures;
    assert_eq!(figs.len(), performance::FIGURE_KEYS.len());

    let sources = find(figs, "sources");
    assert_eq!(sources.rows.iter().map(|r| r.count).sum::<i64>(), 6);
    assert_eq!(count(sources, None, "Schools (2A)"), (2, 6));
    assert_eq!(count(sources, None, "Police (6)"), (1, 6));
    assert_eq!(count(sources, None, "Anonymous (9)"), (1, 6));
    assert_eq!(sources.rows[0].label, "Schools (2A)", "largest first");

    let channels = find(figs, "channels");
    assert_eq!(count(channels, None, "Phone"), (3, 6));
    assert_eq!(count(channels, None, "Letter"), (0, 6));

    // 3 of the 4 decided contacts were decided in time: 75%. C5 (not yet due) and C6
    // (waiting for a manager, not yet due) are left out.
    let timely = find(figs, "decided-in-time");
    assert_eq!(
        count(timely, None, "Decided within one working day"),
        (3, 4)
    );
    assert_eq!(count(timely, None, "Decided later"), (1, 4));
    assert_eq!(
        count(timely, None, "Not decided yet, past the deadline"),
        (0, 4)
    );
    assert_eq!(timely.rows[0].percent, Some(75.0));
    assert!(timely.summary.contains("75%"), "{}", timely.summary);

    // Identifiable referrers: C1, C2, C3, C4, C6. On time: C1 and C6 (letters produced at once).
    let receipts = find(figs, "receipts-in-time");
    assert_eq!(count(receipts, None, "Sent within one working day"), (2, 5));
    assert_eq!(count(receipts, None, "Sent late"), (1, 5));
    assert_eq!(count(receipts, None, "Not sent, past the deadline"), (1, 5));
    assert_eq!(count(receipts, None, "No receipt recorded"), (1, 5));
    assert_eq!(receipts.rows[0].percent, Some(40.0));

    let levels = find(figs, "outcomes-by-level");
    assert_eq!(
        count(levels, Some("Level 1: Universal"), "No further action"),
        (2, 3)
    );
    assert_eq!(
        count(levels, Some("Level 1: Universal"), "Information and advice"),
        (1, 3)
    );
    assert_eq!(
        count(
            levels,
            Some("Level 4: Children's social care"),
            "Referral to children's social care"
        ),
        (1, 1)
    );

    let offices = find(figs, "outcomes-by-office");
    assert_eq!(
        count(offices, Some("Alpha office"), "No further action"),
        (2, 3)
    );
    assert_eq!(
        count(offices, Some("Beta office"), "Information and advice"),
        (1, 1)
    );

    let screeners = find(figs, "outcomes-by-screener");
    assert_eq!(
        count(screeners, Some("Test front.door"), "No further action"),
        (2, 3)
    );
    assert_eq!(
        count(
            screeners,
            Some("Test front.door"),
            "Referral to children's social care"
        ),
        (1, 3)
    );
    assert_eq!(
        count(screeners, Some("Test senior"), "Information and advice"),
        (1, 1)
    );
    let bars: Vec<(String, f64)> = screeners
        .chart
        .bars
        .iter()
        .map(|b| (b.label.clone(), (b.value * 10.0).round() / 10.0))
        .collect();
    assert_eq!(
        bars,
        [
            ("Test front.door".to_string(), 33.3),
            ("Test senior".to_string(), 0.0)
        ]
    );

    let conversion = find(figs, "conversion");
    assert_eq!(
        count(conversion, None, "Referral to children's social care"),
        (1, 6)
    );
    assert_eq!(count(conversion, None, "Another outcome"), (3, 6));
    assert_eq!(count(conversion, None, "Waiting for a decision"), (2, 6));

    let re = find(figs, "re-referrals");
    assert_eq!(
        count(
            re,
            None,
            "Re-referral (a previous referral within 12 months)"
        ),
        (1, 2)
    );

    let closed = find(figs, "closed-no-further-action");
    let rc8 = "Case closed after assessment, no further action (RC8)";
    let rc7 = "Services ceased for any other reason, including child no longer in need (RC7)";
    assert_eq!(count(closed, Some("Alpha office"), rc7), (1, 1));
    assert_eq!(count(closed, Some("Alpha office"), rc8), (0, 1));
    assert_eq!(count(closed, Some("No contact recorded"), rc8), (1, 1));

    // The view is audited once, with the filters and nothing about anyone.
    assert_eq!(audit_count(&mut conn), before + 1);
    let row = audit_rows_for(&mut conn, "front_door_performance.view")
        .pop()
        .unwrap();
    assert_eq!(row.person_id, None);
    let detail = row.detail_json();
    assert_eq!(detail["from"], serde_json::json!(all_offices().from));
    assert_eq!(detail["office"], serde_json::Value::Null);
    assert_chain_intact(&mut conn);
});

both_backends!(the_office_filter_counts_one_office, |db: TestDb| {
    let mut conn = db.conn();
    let w = world(&mut conn);
    let filter = PerformanceFilter {
        office_id: Some(w.office_b.clone()),
        ..all_offices()
    };
    let page = performance::figures(&mut conn, &w.manager.actor, &settings(), &filter).unwrap();
    let figs = &page.figures;
    assert_eq!(
        find(figs, "sources")
            .rows
            .iter()
            .map(|r| r.count)
            .sum::<i64>(),
        2
    );
    assert_eq!(
        count(
            find(figs, "decided-in-time"),
            None,
            "Decided within one working day"
        ),
        (1, 1)
    );
    assert_eq!(
        count(
            find(figs, "receipts-in-time"),
            None,
            "Not sent, past the deadline"
        ),
        (1, 1)
    );
    assert!(
        find(figs, "outcomes-by-office")
            .rows
            .iter()
            .all(|r| r.group.as_deref() == Some("Beta office"))
    );
    assert_eq!(find(figs, "re-referrals").rows[0].of, 0);
    assert_eq!(find(figs, "re-referrals").rows[0].percent_text(), "–");

    // An office that does not exist is a field error, not an empty page.
    let bad = PerformanceFilter {
        office_id: Some("no-such-office".into()),
        ..all_offices()
    };
    assert!(matches!(
        performance::figures(&mut conn, &w.manager.actor, &settings(), &bad),
        Err(ServiceError::Invalid(_))
    ));
    // So is a period that ends before it starts.
    let backwards = PerformanceFilter {
        from: today(),
        to: today() - Duration::days(1),
        office_id: None,
    };
    assert!(matches!(
        performance::figures(&mut conn, &w.manager.actor, &settings(), &backwards),
        Err(ServiceError::Invalid(_))
    ));
    // A period that ended before any contact has nothing in it.
    let old = PerformanceFilter {
        from: today() - Duration::days(800),
        to: today() - Duration::days(400),
        office_id: None,
    };
    let page = performance::figures(&mut conn, &w.manager.actor, &settings(), &old).unwrap();
    assert!(find(&page.figures, "sources").rows.is_empty());
    assert_eq!(find(&page.figures, "decided-in-time").rows[0].percent, None);
    let _ = w.office_a;
});

both_backends!(each_table_downloads_as_csv, |db: TestDb| {
    let mut conn = db.conn();
    let w = world(&mut conn);
    let (name, csv) = performance::figure_csv(
        &mut conn,
        &w.manager.actor,
        &settings(),
        &all_offices(),
        "decided-in-time",
    )
    .unwrap();
    assert!(
        name.starts_with("front-door-decided-in-time-") && name.ends_with(".csv"),
        "{name}"
    );
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(lines[0], "Decision,Contacts,Out of,Percent");
    assert_eq!(lines[1], "Decided within one working day,3,4,75.0");
    assert_eq!(lines[2], "Decided later,1,4,25.0");
    assert_eq!(lines[3], "\"Not decided yet, past the deadline\",0,4,0.0");

    let (_, csv) = performance::figure_csv(
        &mut conn,
        &w.manager.actor,
        &settings(),
        &all_offices(),
        "outcomes-by-office",
    )
    .unwrap();
    assert!(
        csv.starts_with("Office,Outcome,Decisions,Out of,Percent\r\n"),
        "{csv}"
    );
    assert!(
        csv.contains("Beta office,Information and advice,1,1,100.0\r\n"),
        "{csv}"
    );
    for key in performance::FIGURE_KEYS {
        performance::figure_csv(
            &mut conn,
            &w.manager.actor,
            &settings(),
            &all_offices(),
            key,
        )
        .unwrap();
    }
    assert!(matches!(
        performance::figure_csv(
            &mut conn,
            &w.manager.actor,
            &settings(),
            &all_offices(),
            "nope"
        ),
        Err(ServiceError::NotFound(_))
    ));
    let downloads = audit_rows_for(&mut conn, "front_door_performance.download");
    assert_eq!(downloads.len(), 2 + performance::FIGURE_KEYS.len());
    assert_eq!(downloads[0].detail_json()["table"], "decided-in-time");
});

both_backends!(
    the_report_lists_exactly_the_late_and_missing_messages,
    |db: TestDb| {
        let mut conn = db.conn();
        let w = world(&mut conn);
        let all = ReportFilter {
            period: all_offices(),
            kind: None,
            problem: None,
        };
        let report =
            performance::late_messages(&mut conn, &w.manager.actor, &settings(), &all).unwrap();
        let mut found: Vec<(String, ReportKind, Problem)> = report
            .rows
            .iter()
            .map(|r| (r.contact_id.clone(), r.kind, r.problem))
            .collect();
        found.sort_by(|a, b| {
            (&a.0, a.kind_code(), a.2.code()).cmp(&(&b.0, b.kind_code(), b.2.code()))
        });
        let c = &w.contacts;
        let mut expected = vec![
            (c[1].clone(), ReportKind::Receipt, Problem::Late),
            (c[1].clone(), ReportKind::Feedback, Problem::Late),
            (c[2].clone(), ReportKind::Receipt, Problem::Unsent),
            (c[3].clone(), ReportKind::Receipt, Problem::Missing),
        ];
        expected.sort_by(|a, b| {
            (&a.0, a.kind_code(), a.2.code()).cmp(&(&b.0, b.kind_code(), b.2.code()))
        });
        assert_eq!(found, expected);
        let late = report
            .rows
            .iter()
            .find(|r| r.contact_id == c[1] && r.kind == ReportKind::Receipt)
            .unwrap();
        assert_eq!(late.sent_at, Some(late.due_at + Duration::hours(1)));
        assert_eq!(late.referrer, "Sam Referrer");
        assert_eq!(late.office, "Alpha office");
        let failed = report.rows.iter().find(|r| r.contact_id == c[2]).unwrap();
        assert_eq!(failed.status, "Could not be sent");
        // Oldest contact first: C4 was received ten days ago.
        assert_eq!(report.rows[0].contact_id, c[3]);

        // Filters: receipts only; missing only; one office.
        let receipts = ReportFilter {
            kind: Some(ReportKind::Receipt),
            ..all.clone()
        };
        assert_eq!(
            performance::late_messages(&mut conn, &w.manager.actor, &settings(), &receipts)
                .unwrap()
                .rows
                .len(),
            3
        );
        let missing = ReportFilter {
            problem: Some(Problem::Missing),
            ..all.clone()
        };
        let only =
            performance::late_messages(&mut conn, &w.manager.actor, &settings(), &missing).unwrap();
        assert_eq!(
            only.rows
                .iter()
                .map(|r| r.contact_id.clone())
                .collect::<Vec<_>>(),
            [c[3].clone()]
        );
        let office_b = ReportFilter {
            period: PerformanceFilter {
                office_id: Some(w.office_b.clone()),
                ..all_offices()
            },
            ..all.clone()
        };
        let b = performance::late_messages(&mut conn, &w.manager.actor, &settings(), &office_b)
            .unwrap();
        assert_eq!(
            b.rows
                .iter()
                .map(|r| r.contact_id.clone())
                .collect::<Vec<_>>(),
            [c[2].clone()]
        );

        // CSV: a header and one line per row.
        let (name, csv) =
            performance::late_messages_csv(&mut conn, &w.manager.actor, &settings(), &all).unwrap();
        assert!(name.ends_with(".csv"));
        let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
        assert_eq!(
            lines[0],
            "Contact reference,Received,Office,Referrer,Organisation,Message,Problem,Due,Sent,Status"
        );
        assert_eq!(lines.len(), 5);
        assert!(lines[1].contains(",Receipt,Missing,"), "{}", lines[1]);

        // Audited without names: filters and a row count.
        let row = audit_rows_for(&mut conn, "receipts_report.view")
            .into_iter()
            .next()
            .unwrap();
        assert_eq!(row.detail_json()["rows"], 4);
        assert!(!row.detail.contains("Sam Referrer"));
        assert_eq!(
            audit_rows_for(&mut conn, "receipts_report.download").len(),
            1
        );
    }
);

both_backends!(
    a_social_worker_may_not_see_performance_and_is_recorded,
    |db: TestDb| {
        let mut conn = db.conn();
        make_team(&mut conn, "Alpha");
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let err =
            performance::figures(&mut conn, &sw.actor, &settings(), &all_offices()).unwrap_err();
        assert!(matches!(err, ServiceError::Denied { .. }), "{err:?}");
        let err =
            performance::figure_csv(&mut conn, &sw.actor, &settings(), &all_offices(), "sources")
                .unwrap_err();
        assert!(matches!(err, ServiceError::Denied { .. }), "{err:?}");
        let report = ReportFilter {
            period: all_offices(),
            kind: None,
            problem: None,
        };
        let err =
            performance::late_messages(&mut conn, &sw.actor, &settings(), &report).unwrap_err();
        assert!(matches!(err, ServiceError::Denied { .. }), "{err:?}");
        let denials = audit_rows_for(&mut conn, "access.denied");
        assert_eq!(denials.len(), 3);
        assert!(
            denials
                .iter()
                .all(|d| d.detail_json()["attempted"] == "ViewFrontDoorPerformance")
        );
        assert!(audit_rows_for(&mut conn, "front_door_performance.view").is_empty());
        // Read-only roles that report on performance may.
        let inspector = staff(&mut conn, "inspector", Role::PerformanceOfficer);
        performance::figures(
            &mut conn,
            &inspector.actor,
            &Settings::default(),
            &all_offices(),
        )
        .unwrap();
    }
);

trait KindCode {
    fn kind_code(&self) -> &'static str;
}

impl KindCode for (String, ReportKind, Problem) {
    fn kind_code(&self) -> &'static str {
        self.1.code()
    }
}

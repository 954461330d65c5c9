//! Search in case notes and the recording-quality page through the real router: the search
//! forms and their results (highlighted, escaped, paged), queries that try to break them, the
//! child's record tab, the quality page's charts, tables and CSV downloads, and who may see
//! them.

use axum::http::{StatusCode, header};
use cairn_core::recording::notes;
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::recording::notes::{NoteChild, NoteContent};
use cairn_domain::roles::Role;
use chrono::Duration;

use crate::support::*;

/// A final note about `child` by `session`'s user; its id.
fn final_note(db: &TestDb, session: &Session, child: &str, title: &str, narrative: &str) -> String {
    let mut c = db.conn();
    notes::finalise_content(
        &mut c,
        &session.actor,
        None,
        &NoteContent {
            kind: "visit".into(),
            occurred_at: Some(cairn_db::now() - Duration::minutes(1)),
            title: title.into(),
            narrative: narrative.into(),
            people_involved: String::new(),
            significant: true,
            children: vec![NoteChild {
                person_id: child.to_string(),
                child_seen: true,
                child_seen_alone: true,
            }],
        },
    )
    .expect("a final note")
    .note_id
}

fn encoded(q: &str) -> String {
    serde_urlencoded::to_string([("q", q)]).expect("encode")
}

both_backends!(searching_case_notes, |db: TestDb| {
    let app = app(&db);
    let t = case_team(&db);
    let amelia = open_case(&db, &t, "Amelia", days_ago(10)).child;
    let noah = open_case(&db, &t, "Noah", days_ago(10)).child;
    let visit = final_note(
        &db,
        &t.worker,
        &amelia,
        "Home visit",
        "Mum wrote <script>alert('x')</script> on the fridge; Amelia had a bruise on her arm.",
    );
    final_note(
        &db,
        &t.worker,
        &noah,
        "School meeting",
        "Attendance is improving.",
    );
    runtime().block_on(async {
        let form = send(&app, get("/notes/search", &t.worker)).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert_accessible(&form, "the search form");
        assert!(form.body.contains("type=\"search\""));
        assert!(
            form.body.contains("aria-current=\"page\""),
            "the navigation shows where we are"
        );
        assert!(!form.body.contains("Results"));

        let page = send(&app, get("/notes/search?q=bruise", &t.worker)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_accessible(&page, "search results");
        assert!(page.body.contains("<mark>bruise</mark>"), "{}", page.body);
        assert!(has(&page.body, "1 note matches"));
        assert!(page.body.contains(&format!("href=\"/notes/{visit}\"")));
        assert!(page.body.contains(&format!("href=\"/people/{amelia}\"")));
        assert!(page.body.contains("Significant"));
        assert!(
            !page.body.contains("<script>alert"),
            "the note's text is escaped"
        );
        assert!(
            page.body.contains("value=\"bruise\""),
            "the query stays in the box"
        );

        let none = send(&app, get("/notes/search?q=zebra", &t.worker)).await;
        assert_eq!(none.status, StatusCode::OK);
        assert!(none.body.contains("No notes match"));

        let empty = send(&app, get("/notes/search?q=+", &t.worker)).await;
        assert_eq!(
            empty.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            empty.body
        );
        assert!(empty.body.contains("govuk-error-summary"));
        assert!(empty.body.contains("href=\"#q\""));
        assert!(empty.body.contains("Enter words to search for"));
        assert!(empty.body.contains("<title>Error: "));
        assert_accessible(&empty, "the search form with an error");
        let long = send(
            &app,
            get(
                &format!("/notes/search?{}", encoded(&"a".repeat(300))),
                &t.worker,
            ),
        )
        .await;
        assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(long.body.contains("Search for 200 characters or fewer"));

        for q in [
            "\"",
            "*",
            "NEAR(",
            "OR",
            "-",
            "'",
            "' OR '1'='1",
            "\"; DROP TABLE x; --",
        ] {
            for path in [
                format!("/notes/search?{}", encoded(q)),
                format!("/people/{amelia}/notes/search?{}", encoded(q)),
            ] {
                let answer = send(&app, get(&path, &t.worker)).await;
                assert!(
                    matches!(
                        answer.status,
                        StatusCode::OK | StatusCode::UNPROCESSABLE_ENTITY
                    ),
                    "{q:?}: {} {}",
                    answer.status,
                    answer.body
                );
            }
        }

        // Within the child's record: the Case notes tab is current, and only their notes.
        let child_form = send(
            &app,
            get(&format!("/people/{amelia}/notes/search"), &t.worker),
        )
        .await;
        assert_eq!(child_form.status, StatusCode::OK, "{}", child_form.body);
        assert_accessible(&child_form, "the child's search form");
        assert!(child_form.body.contains("Amelia Casework"));
        assert!(child_form.body.contains(&format!(
            "aria-current=\"page\" href=\"/people/{amelia}/notes\""
        )));
        let mine = send(
            &app,
            get(
                &format!("/people/{amelia}/notes/search?q=bruise"),
                &t.worker,
            ),
        )
        .await;
        assert_eq!(mine.status, StatusCode::OK);
        assert!(mine.body.contains("<mark>bruise</mark>"));
        let not_mine = send(
            &app,
            get(&format!("/people/{noah}/notes/search?q=bruise"), &t.worker),
        )
        .await;
        assert!(not_mine.body.contains("No notes match"));
        let bad = send(
            &app,
            get(&format!("/people/{amelia}/notes/search?q="), &t.worker),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body.contains("Amelia Casework"),
            "the child is still shown"
        );

        let missing = send(&app, get("/people/not-an-id/notes/search?q=x", &t.worker)).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);

        // Administrators run the system, not casework.
        let admin = signed_in(&db, "admin", Role::Administrator);
        let refused = send(&app, get("/notes/search?q=bruise", &admin)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let refused = send(&app, get("/notes/search", &admin)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    });
    let searches = audit_rows(&db, "note.search");
    assert!(searches.len() >= 5);
    for row in &searches {
        assert!(
            !row.detail.contains("bruise"),
            "no query in the audit log: {}",
            row.detail
        );
    }
});

both_backends!(search_results_are_paged, |db: TestDb| {
    let app = app(&db);
    let t = case_team(&db);
    let amelia = open_case(&db, &t, "Amelia", days_ago(10)).child;
    for i in 0..23 {
        final_note(
            &db,
            &t.worker,
            &amelia,
            &format!("Visit {i}"),
            "We went to the library.",
        );
    }
    runtime().block_on(async {
        let first = send(&app, get("/notes/search?q=library", &t.worker)).await;
        assert_eq!(first.status, StatusCode::OK);
        assert!(has(&first.body, "23 notes match"));
        assert_eq!(first.body.matches("<mark>library</mark>").count(), 20);
        assert!(first.body.contains("Showing 1 to 20 of 23 results"));
        assert!(first.body.contains(">Visit 22<"), "newest first");
        let second = send(&app, get("/notes/search?q=library&page=2", &t.worker)).await;
        assert_eq!(second.body.matches("<mark>library</mark>").count(), 3);
        assert!(second.body.contains(">Visit 0<"));
        assert!(second.body.contains("aria-current=\"page\">2<"));
    });
});

both_backends!(the_recording_quality_page, |db: TestDb| {
    let app = app(&db);
    let t = case_team(&db);
    let quiet = open_case(&db, &t, "Quiet", days_ago(120)).child;
    final_note(&db, &t.worker, &quiet, "Call", "Phoned the school.");
    runtime().block_on(async {
        let page = send(&app, get("/reports/recording-quality", &t.manager)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_accessible(&page, "the recording-quality page");
        for text in [
            "Recording delay by worker",
            "Recording delay by team",
            "Notes overdue",
            "Children without a chronology entry in 20 working days",
            "Children with no management oversight in 20 working days",
            "Supervision overdue",
            "Children in need (your team)",
            "<svg",
            "role=\"img\"",
            "<caption",
            "Test worker",
            "/reports/recording-quality/delay-by-worker.csv?",
            "/reports/recording-quality/no-oversight.csv?",
        ] {
            assert!(has(&page.body, text), "the page shows {text}");
        }
        assert!(page.body.contains(&format!("href=\"/people/{quiet}/oversight\"")));
        assert_eq!(page.body.matches("<table").count(), 6);

        let csv_href = link(&page.body, "Download CSV");
        assert!(csv_href.contains("/delay-by-worker.csv?"), "{csv_href}");
        let csv = send(&app, get(&csv_href, &t.manager)).await;
        assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
        assert!(csv.header(header::CONTENT_TYPE).starts_with("text/csv"));
        assert!(csv.header(header::CONTENT_DISPOSITION).contains("recording-quality-delay-by-worker-"));
        assert!(
            csv.body.starts_with("Worker,Team,Notes,Median (working days),90th percentile (working days),Within the standard\r\nTest worker,Children in need,1,"),
            "{}",
            csv.body
        );
        let quiet_csv = send(
            &app,
            get("/reports/recording-quality/no-oversight.csv", &t.manager),
        )
        .await;
        assert!(quiet_csv.body.contains("Quiet Casework"), "{}", quiet_csv.body);

        let bad = send(
            &app,
            get("/reports/recording-quality?chronology_days=ten&to-day=40", &t.manager),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert!(bad.body.contains("href=\"#chronology_days\""));
        assert!(bad.body.contains("href=\"#to-day\""));
        assert_accessible(&bad, "the recording-quality page with errors");

        let unknown = send(&app, get("/reports/recording-quality/secrets.csv", &t.manager)).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);

        let refused = send(&app, get("/reports/recording-quality", &t.worker)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let refused = send(
            &app,
            get("/reports/recording-quality/notes-overdue.csv", &t.worker),
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);

        // A service manager chooses the team.
        let head = signed_in(&db, "head", Role::ServiceManager);
        let all = send(&app, get("/reports/recording-quality", &head)).await;
        assert_eq!(all.status, StatusCode::OK);
        assert!(all.body.contains("<option value=\"\" selected") || all.body.contains("Every team"));
        assert!(all.body.contains(&format!("<option value=\"{}\"", t.team)));
    });
    let views = audit_rows(&db, "recording_quality.view");
    assert_eq!(views.len(), 2);
    assert!(
        views.iter().any(|r| r.detail.contains(&quiet)),
        "the listed child is named"
    );
    assert_eq!(audit_rows(&db, "recording_quality.download").len(), 2);
});

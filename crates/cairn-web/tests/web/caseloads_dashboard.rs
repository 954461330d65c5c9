//! Dashboard pages, CSV and API.

#[allow(unused_imports)]
use super::*;

use axum::http::{Method, StatusCode, header};
use cairn_db::both_backends;
use cairn_db::schema::{allocations, workload_snapshots};
use cairn_db::testing::TestDb;
use diesel::prelude::*;

use crate::support::*;

/// `n` open cases referred 30 days ago, allocated to the team's worker from then.
fn allocated_cases(db: &TestDb, t: &CaseTeam, n: usize) {
    for i in 0..n {
        let case = open_case(db, t, &format!("Child{i}"), days_ago(30));
        let mut c = db.conn();
        // The case may already be allocated by the fixture: give it to this worker from
        // this day, or allocate it if it is not.
        let moved = diesel::update(
            allocations::table
                .filter(allocations::work_id.eq(&case.referral))
                .filter(allocations::ends_on.is_null()),
        )
        .set((
            allocations::worker_id.eq(&t.worker.user_id),
            allocations::starts_on.eq(days_ago(30)),
        ))
        .execute(&mut c)
        .expect("move the allocation");
        if moved == 0 {
            diesel::insert_into(allocations::table)
                .values((
                    allocations::id.eq(uuid::Uuid::now_v7().to_string()),
                    allocations::person_id.eq(&case.child),
                    allocations::referral_id.eq(&case.referral),
                    allocations::work_kind.eq("case"),
                    allocations::work_id.eq(&case.referral),
                    allocations::team_id.eq(&t.team),
                    allocations::worker_id.eq(&t.worker.user_id),
                    allocations::starts_on.eq(days_ago(30)),
                    allocations::reason.eq("Test"),
                    allocations::back_dated.eq(false),
                    allocations::created_at.eq(cairn_db::now()),
                    allocations::created_by.eq("test"),
                    allocations::version.eq(1),
                ))
                .execute(&mut c)
                .expect("allocate a case");
        }
    }
}

fn snapshot_rows(db: &TestDb) -> i64 {
    let mut c = db.conn();
    workload_snapshots::table
        .count()
        .get_result(&mut c)
        .expect("count snapshots")
}

both_backends!(
    a_manager_takes_a_snapshot_and_reads_the_dashboard,
    |db: TestDb| {
        let app = app(&db);
        let t = case_team(&db);
        // 24 cases at 0.75: 18 points, exactly the capacity: amber, not red.
        allocated_cases(&db, &t, 24);
        runtime().block_on(async {
            let empty = send(&app, get("/caseloads", &t.manager)).await;
            assert_eq!(empty.status, StatusCode::OK, "{}", empty.body);
            assert_accessible(&empty, "the dashboard before any snapshot");
            assert!(has(&empty.body, "No workload snapshot has been taken"));
            assert!(empty.body.contains("action=\"/caseloads/snapshots\""));

            let taken = send(&app, post("/caseloads/snapshots", &t.manager, &[])).await;
            assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
            assert_eq!(taken.location(), "/caseloads?taken=1");
            assert_eq!(snapshot_rows(&db), 2);
            assert_eq!(audit_rows(&db, "workload_snapshot.take").len(), 1);

            let page = send(&app, get("/caseloads?taken=1", &t.manager)).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            assert_accessible(&page, "the dashboard");
            assert!(has(&page.body, "Today's workload snapshot has been taken."));
            assert!(has(
                &page.body,
                "Average cases per case-holding FTE (DfE workforce census)"
            ));
            // One case-holding worker (the manager has no capacity) with 24 cases.
            assert!(
                page.body
                    .contains("<dd class=\"govuk-summary-list__value\">24</dd>"),
                "{}",
                page.body
            );
            assert!(page.body.contains("<svg"), "charts are drawn");
            assert!(page.body.contains("<title"), "charts have titles");
            assert!(has(&page.body, "Test worker"));
            assert!(
                page.body
                    .contains("<strong class=\"govuk-tag govuk-tag--orange\">Amber</strong>")
            );
            assert!(
                page.body
                    .contains("href=\"/caseloads/workers.csv?date-day=")
            );
            for key in [
                "distribution",
                "workers",
                "over-limits",
                "teams",
                "offices",
                "services",
                "trend",
            ] {
                assert!(
                    page.body.contains(&format!("id=\"section-{key}\"")),
                    "section {key}"
                );
            }
            assert_eq!(audit_rows(&db, "caseloads.dashboard_view").len(), 2);

            let csv = send(&app, get("/caseloads/workers.csv", &t.manager)).await;
            assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
            assert!(csv.header(header::CONTENT_TYPE).starts_with("text/csv"));
            assert!(
                csv.header(header::CONTENT_DISPOSITION)
                    .contains("caseloads-workers-")
            );
            let lines: Vec<&str> = csv.body.lines().collect();
            assert_eq!(lines.len(), 3, "{}", csv.body);
            assert!(
                lines[1].starts_with("Test worker,Children in need,24,0,18,18,100,amber,"),
                "{}",
                lines[1]
            );
            let over = send(&app, get("/caseloads/over-limits.csv", &t.manager)).await;
            assert_eq!(over.body.lines().count(), 2, "{}", over.body);
            assert_eq!(audit_rows(&db, "caseloads.dashboard_download").len(), 2);
            let unknown = send(&app, get("/caseloads/nonsense.csv", &t.manager)).await;
            assert_eq!(unknown.status, StatusCode::NOT_FOUND);

            // Filtering to another team shows none of ours.
            let other = team(&db, "Assessment");
            let filtered = send(&app, get(&format!("/caseloads?team={other}"), &t.manager)).await;
            assert_eq!(filtered.status, StatusCode::OK);
            assert!(!has(&filtered.body, "Test worker"));
        });
    }
);

both_backends!(bad_filters_are_shown_with_what_was_typed, |db: TestDb| {
    let app = app(&db);
    let t = case_team(&db);
    runtime().block_on(async {
        let page = send(
            &app,
            get(
                "/caseloads?date-day=31&date-month=2&date-year=2026",
                &t.manager,
            ),
        )
        .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            page.body
        );
        assert!(page.body.contains("govuk-error-summary"));
        assert!(
            page.body
                .contains("name=\"date-day\" type=\"text\" inputmode=\"numeric\" value=\"31\"")
        );
        assert!(
            page.body.contains(&format!("<option value=\"{}\"", t.team)),
            "the filters are offered again"
        );
        let unknown = send(&app, get("/caseloads?service=nonsense", &t.manager)).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(has(&unknown.body, "Choose a service from the list"));
    });
});

both_backends!(a_social_worker_is_refused, |db: TestDb| {
    let app = app(&db);
    let t = case_team(&db);
    runtime().block_on(async {
        let page = send(&app, get("/caseloads", &t.worker)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        let csv = send(&app, get("/caseloads/workers.csv", &t.worker)).await;
        assert_eq!(csv.status, StatusCode::FORBIDDEN);
        let take = send(&app, post("/caseloads/snapshots", &t.worker, &[])).await;
        assert_eq!(take.status, StatusCode::FORBIDDEN);
        assert_eq!(snapshot_rows(&db), 0);
        assert!(!audit_rows(&db, "access.denied").is_empty());
        assert!(audit_rows(&db, "caseloads.dashboard_view").is_empty());
    });
});

both_backends!(the_api_gives_the_same_figures, |db: TestDb| {
    let app = app(&db);
    let t = case_team(&db);
    allocated_cases(&db, &t, 6);
    let admin = cairn_core::Actor::command_line();
    let reader = casework_token(&db, &admin, &t.manager.user_id, &["workload:read"]);
    let worker = casework_token(&db, &admin, &t.worker.user_id, &["workload:read"]);
    let wrong_scope = casework_token(&db, &admin, &t.manager.user_id, &["casework:read"]);
    runtime().block_on(async {
        let none = send(
            &app,
            api_request(Method::GET, "/caseloads/dashboard", &reader, None),
        )
        .await;
        assert_eq!(none.status, StatusCode::OK, "{}", none.body);
        assert!(none.json()["taken_on"].is_null());
        send(&app, post("/caseloads/snapshots", &t.manager, &[])).await;
        let d = send(
            &app,
            api_request(
                Method::GET,
                &format!("/caseloads/dashboard?team={}", t.team),
                &reader,
                None,
            ),
        )
        .await;
        assert_eq!(d.status, StatusCode::OK, "{}", d.body);
        let body = d.json();
        assert_eq!(body["taken_on"], serde_json::json!(days_ago(0).to_string()));
        assert_eq!(body["summary"]["cases"], serde_json::json!(6));
        assert_eq!(body["summary"]["cases_per_fte"], serde_json::json!(6.0));
        assert_eq!(body["summary"]["load_percent"], serde_json::json!(25));
        assert_eq!(body["workers"][0]["name"], serde_json::json!("Test worker"));
        assert_eq!(body["workers"][0]["weighted"], serde_json::json!(4.5));
        assert_eq!(
            body["by_team"][0]["name"],
            serde_json::json!("Children in need")
        );
        let trend = send(
            &app,
            api_request(Method::GET, "/caseloads/trend", &reader, None),
        )
        .await;
        assert_eq!(trend.status, StatusCode::OK, "{}", trend.body);
        assert_eq!(trend.json()["days"].as_array().map(Vec::len), Some(1));
        assert_eq!(audit_rows(&db, "caseloads.trend_view").len(), 1);
        let bad = send(
            &app,
            api_request(
                Method::GET,
                "/caseloads/dashboard?date=26/11/2026",
                &reader,
                None,
            ),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        for token in [&worker, &wrong_scope] {
            let refused = send(
                &app,
                api_request(Method::GET, "/caseloads/dashboard", token, None),
            )
            .await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        }
        let doc = send(
            &app,
            api_request(Method::GET, "/openapi.json", &reader, None),
        )
        .await;
        let doc = doc.json();
        assert!(doc["paths"]["/caseloads/dashboard"]["get"].is_object());
        assert!(doc["paths"]["/caseloads/trend"]["get"].is_object());
        assert!(doc["components"]["schemas"]["CaseloadDashboard"].is_object());
    });
});

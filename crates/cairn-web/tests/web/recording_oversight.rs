//! Recording pages and API: management oversight (the form, the child's tab, the decision
//! pinned on the child's page, the report and its CSV), the recording standards pages, and
//! the oversight API, through the real router with real sign-in, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)]

use axum::http::{Method, StatusCode, header};
use cairn_core::recording::oversight::{self, OversightInput};
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::roles::Role;
use chrono::Duration;
use serde_json::json;

use crate::support::*;

fn decision_form(point: &str, rationale: &str) -> Vec<(String, String)> {
    let due = days_ago(-7);
    let mut form = owned_fields(&[
        ("point", point),
        (
            "decision",
            "Allocate to Test worker; visit within five working days.",
        ),
        ("rationale", rationale),
        ("decided_time", ""),
        ("actions-1-description", "Visit the family at home"),
        ("actions-1-owner", ""),
        ("actions-1-owner-name", ""),
    ]);
    for (k, v) in date_fields("actions-1-due", due) {
        form.push((k, v));
    }
    for k in ["decided-day", "decided-month", "decided-year"] {
        form.push((k.to_string(), String::new()));
    }
    form
}

fn with(mut form: Vec<(String, String)>, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    for (k, v) in changes {
        match form.iter_mut().find(|(name, _)| name == k) {
            Some(pair) => pair.1 = v.to_string(),
            None => form.push((k.to_string(), v.to_string())),
        }
    }
    form
}

both_backends!(
    a_manager_records_a_decision_and_it_is_pinned,
    |db: TestDb| {
        let app = app(&db);
        let team = case_team(&db);
        let case = open_case(&db, &team, "Ava", days_ago(40));
        let new_path = format!("/people/{}/oversight/new", case.child);
        runtime().block_on(async {
            // Before any decision, the child's page says so and that one is due.
            let page = send(&app, get(&format!("/people/{}", case.child), &team.worker)).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            assert!(has(&page.body, "Latest management decision"));
            assert!(has(&page.body, "No management decision recorded"));
            assert!(has(&page.body, "A management decision was due by"));

            let form = send(
                &app,
                get(&format!("{new_path}?point=allocation"), &team.manager),
            )
            .await;
            assert_eq!(form.status, StatusCode::OK, "{}", form.body);
            assert_accessible(&form, "the decision form");
            assert!(form.body.contains("value=\"allocation\" checked"));
            assert!(has(&form.body, "Record a management decision"));

            // A social worker may not open it.
            let refused = send(&app, get(&new_path, &team.worker)).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN);

            // No rationale: refused with the error against the field, everything kept.
            let owner = team.worker.user_id.clone();
            let bad = with(
                decision_form("allocation", ""),
                &[("actions-1-owner", owner.as_str())],
            );
            let answer = send(&app, post_fields(&new_path, &team.manager, &bad)).await;
            assert_eq!(
                answer.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}",
                answer.body
            );
            assert_accessible(&answer, "the decision form with errors");
            assert!(answer.body.contains("href=\"#rationale\""));
            assert!(has(&answer.body, "Enter the rationale for the decision"));
            assert!(has(&answer.body, "Visit the family at home"));

            let good = with(
                decision_form(
                    "allocation",
                    "The referral meets the threshold for assessment.",
                ),
                &[("actions-1-owner", owner.as_str())],
            );
            let done = send(&app, post_fields(&new_path, &team.manager, &good)).await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
            assert_eq!(
                done.location(),
                format!("/people/{}/oversight?recorded=1", case.child)
            );

            // The tab lists it with its action.
            let tab = send(&app, get(done.location(), &team.worker)).await;
            assert_eq!(tab.status, StatusCode::OK, "{}", tab.body);
            assert_accessible(&tab, "the oversight tab");
            assert!(tab.body.contains("aria-current=\"page\""));
            assert!(has(&tab.body, "The management decision has been recorded."));
            assert!(has(
                &tab.body,
                "The referral meets the threshold for assessment."
            ));
            assert!(has(&tab.body, "Visit the family at home"));
            assert!(tab.body.contains("id=\"action-"));
            assert!(
                !has(&tab.body, "Record a management decision</a>"),
                "no button for a social worker"
            );

            // The child's page pins it.
            let page = send(&app, get(&format!("/people/{}", case.child), &team.worker)).await;
            assert!(has(
                &page.body,
                "Allocate to Test worker; visit within five working days."
            ));
            assert!(has(&page.body, "Test manager"));
            assert!(has(&page.body, "The next management decision is due by"));
            assert!(!has(&page.body, "No management decision recorded"));

            // The action is in the worker's work, linking to its place on the tab.
            let work = send(&app, get("/my-work", &team.worker)).await;
            assert!(has(&work.body, "Action: Visit the family at home"));
            assert!(
                work.body
                    .contains(&format!("/people/{}/oversight#action-", case.child))
            );

            // A decision's own address goes to its place on the tab.
            let id = tab
                .body
                .split("id=\"decision-")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap()
                .to_string();
            let show = send(&app, get(&format!("/oversight/{id}"), &team.worker)).await;
            assert_eq!(show.status, StatusCode::SEE_OTHER);
            assert_eq!(
                show.location(),
                format!("/people/{}/oversight#decision-{id}", case.child)
            );
        });
        assert_eq!(audit_rows(&db, "oversight.record").len(), 1);
        assert!(!audit_rows(&db, "oversight.tab_view").is_empty());
    }
);

both_backends!(the_report_lists_children_and_downloads, |db: TestDb| {
    let app = app(&db);
    let team = case_team(&db);
    let late = open_case(&db, &team, "Late", days_ago(60));
    let fine = open_case(&db, &team, "Fine", days_ago(60));
    {
        let mut c = db.conn();
        oversight::record(
            &mut c,
            &team.manager.actor,
            &fine.child,
            &OversightInput {
                point: "periodic".into(),
                decision: "Continue".into(),
                rationale: "Progress is good.".into(),
                ..OversightInput::default()
            },
        )
        .expect("a decision");
    }
    runtime().block_on(async {
        let page = send(&app, get("/reports/oversight", &team.manager)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_accessible(&page, "the oversight report");
        assert!(has(&page.body, "Late Casework"));
        assert!(!has(&page.body, "Fine Casework"));
        assert!(has(&page.body, "Missing at allocation"));
        assert!(page.body.contains("<caption"));
        assert!(page.body.contains(&format!(
            "/people/{}/oversight/new?point=periodic",
            late.child
        )));

        let csv = send(&app, get("/reports/oversight.csv", &team.manager)).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.header(header::CONTENT_TYPE).starts_with("text/csv"));
        let lines: Vec<&str> = csv.body.lines().collect();
        assert!(lines[0].starts_with("child_id,child,gap,point"));
        assert_eq!(lines.len(), 3, "header, overdue, missing at allocation");
        assert!(
            lines
                .iter()
                .any(|l| l.contains("overdue") && l.contains("Late Casework"))
        );

        let refused = send(&app, get("/reports/oversight", &team.worker)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    });
    assert_eq!(audit_rows(&db, "oversight_report.view").len(), 2);
});

both_backends!(the_recording_standards_pages, |db: TestDb| {
    let app = app(&db);
    let sm = signed_in(&db, "service.manager", Role::ServiceManager);
    let worker = signed_in(&db, "worker.one", Role::SocialWorker);
    runtime().block_on(async {
        let page = send(&app, get("/admin/recording-standards", &sm)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_accessible(&page, "the recording standards admin page");
        assert!(has(&page.body, "Cairn default recording standards"));
        assert!(page.body.contains("value=\"20\""));

        let mut form = owned_fields(&[
            ("name", "Local standards 2030"),
            ("effective_from-day", "1"),
            ("effective_from-month", "4"),
            ("effective_from-year", "2030"),
            ("note_delay_working_days", "-1"),
            ("oversight_interval_working_days", "0"),
            ("oversight_points", "allocation"),
            ("oversight_points", "closure"),
            ("newly_qualified_weekly_weeks", "6"),
            ("newly_qualified_fortnightly_months", "6"),
            ("supervision_interval_days", "28"),
            ("supervision_minimum_minutes", "60"),
            ("notes", ""),
        ]);
        let bad = send(&app, post_fields("/admin/recording-standards", &sm, &form)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert!(has(&bad.body, "Enter a number that is 0 or more"));
        assert!(has(
            &bad.body,
            "Oversight interval working days must be between 1 and 130"
        ));
        form[4].1 = "1".into();
        form[5].1 = "15".into();
        let ok = send(&app, post_fields("/admin/recording-standards", &sm, &form)).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let page = send(&app, get("/admin/recording-standards?added=1", &sm)).await;
        assert!(has(&page.body, "Local standards 2030"));
        assert!(has(&page.body, "Not yet in force"));

        let public = send(&app, get("/recording-standards", &worker)).await;
        assert_eq!(public.status, StatusCode::OK);
        assert_accessible(&public, "the recording standards page");
        assert!(has(&public.body, "20 working days"));
        let refused = send(&app, get("/admin/recording-standards", &worker)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    });
});

both_backends!(the_oversight_api, |db: TestDb| {
    let app = app(&db);
    let team = case_team(&db);
    let admin = signed_in(&db, "admin.user", Role::Administrator);
    let case = open_case(&db, &team, "Api", days_ago(3));
    let (worker_token, manager_token) = team_tokens(&db, &admin.actor, &team);
    {
        let mut c = db.conn();
        oversight::record(
            &mut c,
            &team.manager.actor,
            &case.child,
            &OversightInput {
                point: "allocation".into(),
                decision: "Allocate".into(),
                rationale: "Meets the threshold.".into(),
                ..OversightInput::default()
            },
        )
        .expect("a decision");
    }
    runtime().block_on(async {
        let path = format!("/people/{}/oversight", case.child);
        let list = send(&app, api_request(Method::GET, &path, &worker_token, None)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        let body = list.json();
        assert_eq!(body["decisions"][0]["rationale"], "Meets the threshold.");
        assert_eq!(body["decisions"][0]["manager"]["name"], "Test manager");
        assert!(body["next_decision_due"]["due_on"].is_string());
        let id = body["decisions"][0]["id"].as_str().unwrap().to_string();
        let one = send(
            &app,
            api_request(
                Method::GET,
                &format!("/oversight/{id}"),
                &worker_token,
                None,
            ),
        )
        .await;
        assert_eq!(one.status, StatusCode::OK);
        assert_eq!(one.json()["point"], "allocation");

        let gaps = send(
            &app,
            api_request(Method::GET, "/reports/oversight", &manager_token, None),
        )
        .await;
        assert_eq!(gaps.status, StatusCode::OK, "{}", gaps.body);
        assert!(gaps.json()["gaps"].is_array());
        let denied = send(
            &app,
            api_request(Method::GET, "/reports/oversight", &worker_token, None),
        )
        .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);

        // A worker may not record a decision over the API either.
        let refused = send(
            &app,
            api_request(
                Method::POST,
                &path,
                &worker_token,
                Some(json!({ "point": "periodic", "decision": "x", "rationale": "y" })),
            ),
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);

        let doc = send(
            &app,
            api_request(Method::GET, "/openapi.json", &worker_token, None),
        )
        .await
        .json();
        assert!(doc["paths"]["/people/{id}/oversight"]["post"].is_object());
        for schema in ["ManagementDecision", "ChildOversight", "OversightGaps"] {
            assert!(
                doc["components"]["schemas"].get(schema).is_some(),
                "{schema}"
            );
        }
    });
});

both_backends!(a_manager_records_a_decision_over_the_api, |db: TestDb| {
    let app = app(&db);
    let team = case_team(&db);
    let admin = signed_in(&db, "admin.user", Role::Administrator);
    let case = open_case(&db, &team, "Api", days_ago(3));
    let (_, manager_token) = team_tokens(&db, &admin.actor, &team);
    runtime().block_on(async {
        let path = format!("/people/{}/oversight", case.child);
        let no_rationale = send(
            &app,
            api_request(
                Method::POST,
                &path,
                &manager_token,
                Some(json!({ "point": "periodic", "decision": "Continue", "rationale": "" })),
            ),
        )
        .await;
        assert_eq!(no_rationale.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", no_rationale.body);
        assert_eq!(no_rationale.json()["fields"][0]["field"], "rationale");
        let due = (cairn_db::now().date() + Duration::days(5)).to_string();
        let created = send(
            &app,
            api_request(
                Method::POST,
                &path,
                &manager_token,
                Some(json!({
                    "point": "periodic",
                    "decision": "Continue the plan",
                    "rationale": "Attendance is up.",
                    "actions": [{ "description": "Call the school", "owner_user_id": team.worker.user_id, "due_on": due }],
                })),
            ),
        )
        .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        assert!(created.location().starts_with("/api/v1/oversight/"));
        assert_eq!(created.json()["action_ids"].as_array().unwrap().len(), 1);
    });
});

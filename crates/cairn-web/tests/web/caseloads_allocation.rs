//! Allocation pages and API.
#![allow(clippy::unwrap_used)]

#[allow(unused_imports)]
use super::*;

use axum::http::{Method, StatusCode, header};
use cairn_db::both_backends;
use cairn_db::schema::{allocations, referrals, worker_profiles};
use cairn_db::testing::TestDb;
use cairn_domain::roles::Role;
use diesel::prelude::*;
use serde_json::json;

use crate::support::*;

/// A child with an open referral to the team that nobody holds yet.
fn waiting_case(db: &TestDb, team: &CaseTeam, given: &str, days: i64) -> OpenCase {
    let case = open_case_without_allocation(db, team, given, days_ago(days));
    let mut c = db.conn();
    diesel::update(referrals::table.find(&case.referral))
        .set((
            referrals::worker_id.eq(None::<String>),
            referrals::assigned_at.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(&mut c)
        .unwrap();
    case
}

/// No hours: any work takes this worker over the red level.
fn no_hours(db: &TestDb, user: &str) {
    let mut c = db.conn();
    diesel::insert_into(worker_profiles::table)
        .values((
            worker_profiles::user_id.eq(user),
            worker_profiles::version.eq(1),
            worker_profiles::updated_at.eq(cairn_db::now()),
            worker_profiles::updated_by.eq("test"),
            worker_profiles::fte_centi.eq(0),
        ))
        .execute(&mut c)
        .unwrap();
}

fn open_holder(db: &TestDb, referral: &str) -> Vec<String> {
    let mut c = db.conn();
    allocations::table
        .filter(allocations::work_id.eq(referral))
        .filter(allocations::ends_on.is_null())
        .select(allocations::worker_id)
        .load(&mut c)
        .unwrap()
}

both_backends!(
    the_screen_shows_loads_and_needs_an_override_over_red,
    |db: TestDb| {
        let app = app(&db);
        let team = case_team(&db);
        let other = signed_in_with_team(&db, "other.worker", Role::SocialWorker, &team.team);
        no_hours(&db, &team.worker.user_id);
        let case = waiting_case(&db, &team, "Ava", 10);
        let post_path = format!("/people/{}/allocate", case.child);
        runtime().block_on(async {
            // The unallocated list leads to the screen.
            let list = send(&app, get("/unallocated", &team.manager)).await;
            assert_eq!(list.status, StatusCode::OK, "{}", list.body);
            assert_accessible(&list, "the unallocated list");
            assert!(has(&list.body, "Ava Casework"));
            let href = link(&list.body, "Allocate");
            assert!(
                href.starts_with(&format!("/people/{}/allocate", case.child)),
                "{href}"
            );

            let page = send(&app, get(&href, &team.manager)).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            assert_accessible(&page, "the allocation screen");
            assert!(has(&page.body, "Test worker"));
            assert!(has(&page.body, "Test other.worker"));
            assert!(
                page.body.contains("govuk-tag--red"),
                "the worker with no hours would go red"
            );
            assert!(page.body.contains("govuk-tag--green"));
            assert!(has(&page.body, "0.75 points"));
            let version = {
                let at = page
                    .body
                    .find("name=\"expected_version\" value=\"")
                    .unwrap()
                    + 31;
                page.body[at..].split('"').next().unwrap().to_string()
            };

            // Without the CSRF token nothing happens.
            let forged = send(
                &app,
                post_without_csrf(
                    &post_path,
                    &team.manager,
                    &[("worker", &team.worker.user_id)],
                ),
            )
            .await;
            assert_eq!(forged.status, StatusCode::FORBIDDEN);

            // Red without a reason: the error against the field, what was typed kept.
            let mut form = owned_fields(&[
                ("work", "case"),
                ("team", &team.team),
                ("expected_version", &version),
                ("worker", &team.worker.user_id),
                ("reason", "Knows the family well"),
                ("override_reason", ""),
            ]);
            form.extend(date_fields("started_on", days_ago(0)));
            let bad = send(&app, post_fields(&post_path, &team.manager, &form)).await;
            assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
            assert!(bad.body.contains("href=\"#override_reason\""));
            assert!(
                has(&bad.body, "Knows the family well"),
                "typed text is kept"
            );
            assert!(
                bad.body
                    .contains(&format!("value=\"{}\" checked", team.worker.user_id))
            );
            assert!(open_holder(&db, &case.referral).is_empty());

            // A start date in the future is refused against the date.
            let mut future = form.clone();
            future.retain(|(k, _)| !k.starts_with("started_on"));
            future.extend(date_fields("started_on", days_ago(-3)));
            let bad = send(&app, post_fields(&post_path, &team.manager, &future)).await;
            assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(bad.body.contains("href=\"#started_on-day\""));

            // With a reason it is recorded and reported.
            for pair in form.iter_mut() {
                if pair.0 == "override_reason" {
                    pair.1 = "Only worker with the family's language".into();
                }
            }
            let done = send(&app, post_fields(&post_path, &team.manager, &form)).await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
            assert_eq!(
                done.location(),
                format!("/people/{}/allocations?allocated=1", case.child)
            );
            assert_eq!(
                open_holder(&db, &case.referral),
                vec![team.worker.user_id.clone()]
            );
            let history = send(&app, get(done.location(), &team.manager)).await;
            assert_eq!(history.status, StatusCode::OK);
            assert_accessible(&history, "the allocation history");
            assert!(has(&history.body, "Only worker with the family's language"));
            let report = send(&app, get("/caseloads/overrides", &team.manager)).await;
            assert_eq!(report.status, StatusCode::OK, "{}", report.body);
            assert_accessible(&report, "the overrides report");
            assert!(has(&report.body, "Ava Casework"));
            let csv = send(&app, get("/caseloads/overrides.csv", &team.manager)).await;
            assert!(csv.header(header::CONTENT_TYPE).starts_with("text/csv"));
            assert!(csv.body.contains("Only worker with the family's language"));
            assert_eq!(audit_rows(&db, "allocation.override").len(), 1);
            // The child's page says who holds the case.
            let person = send(&app, get(&format!("/people/{}", case.child), &team.manager)).await;
            assert_eq!(person.status, StatusCode::OK);
            assert!(has(&person.body, "Case held by"));
            assert!(has(&person.body, "Test worker (Children in need)"));
            assert!(person.body.contains(&format!(
                "href=\"/people/{}/allocate?work=case\"",
                case.child
            )));

            // A second manager posting the version they saw is told who holds it now.
            let stale = owned_fields(&[
                ("work", "case"),
                ("team", &team.team),
                ("expected_version", &version),
                ("worker", &other.user_id),
                ("reason", "Rebalancing"),
            ]);
            let lost = send(&app, post_fields(&post_path, &team.manager, &stale)).await;
            assert_eq!(lost.status, StatusCode::CONFLICT, "{}", lost.body);
            assert!(has(&lost.body, "it is now held by Test worker"));
            assert_eq!(
                open_holder(&db, &case.referral),
                vec![team.worker.user_id.clone()]
            );
        });
    }
);

both_backends!(social_workers_are_refused, |db: TestDb| {
    let app = app(&db);
    let team = case_team(&db);
    let case = waiting_case(&db, &team, "Ava", 3);
    runtime().block_on(async {
        for path in [
            format!("/people/{}/allocate", case.child),
            "/unallocated".to_string(),
            "/caseloads/overrides".to_string(),
            format!("/people/{}/workload-factors", case.child),
        ] {
            let refused = send(&app, get(&path, &team.worker)).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
        }
        let refused = send(
            &app,
            post(
                &format!("/people/{}/allocate", case.child),
                &team.worker,
                &[
                    ("work", "case"),
                    ("team", &team.team),
                    ("worker", &team.worker.user_id),
                ],
            ),
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(open_holder(&db, &case.referral).is_empty());
        assert!(!audit_rows(&db, "access.denied").is_empty());
    });
});

both_backends!(factors_are_set_on_their_page, |db: TestDb| {
    let app = app(&db);
    let team = case_team(&db);
    let case = waiting_case(&db, &team, "Ava", 3);
    let path = format!("/people/{}/workload-factors", case.child);
    runtime().block_on(async {
        let page = send(&app, get(&path, &team.manager)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_accessible(&page, "the factors page");
        assert!(has(&page.body, "0.75 points"));
        let saved = send(
            &app,
            post(
                &path,
                &team.manager,
                &[
                    ("factors", "complexity"),
                    ("note-complexity", "Several agencies"),
                ],
            ),
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let page = send(&app, get(saved.location(), &team.manager)).await;
        assert!(has(&page.body, "1.25 points"));
        assert!(has(&page.body, "Several agencies"));
        let bad = send(&app, post(&path, &team.manager, &[("factors", "nonsense")])).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    });
});

both_backends!(the_api_round_trip, |db: TestDb| {
    let app = app(&db);
    let team = case_team(&db);
    let other = signed_in_with_team(&db, "other.worker", Role::SocialWorker, &team.team);
    let case = waiting_case(&db, &team, "Ava", 3);
    let admin = cairn_core::Actor::command_line();
    let token = casework_token(
        &db,
        &admin,
        &team.manager.user_id,
        &["casework:read", "workload:read", "workload:write"],
    );
    let read_only = casework_token(&db, &admin, &team.manager.user_id, &["workload:read"]);
    runtime().block_on(async {
        let waiting = send(
            &app,
            api_request(Method::GET, &format!("/teams/{}/unallocated", team.team), &token, None),
        )
        .await;
        assert_eq!(waiting.status, StatusCode::OK, "{}", waiting.body);
        assert_eq!(waiting.json()["children"][0]["referral_id"], case.referral.as_str());

        let screen = send(
            &app,
            api_request(
                Method::GET,
                &format!("/people/{}/allocation-candidates?work=case", case.child),
                &token,
                None,
            ),
        )
        .await;
        assert_eq!(screen.status, StatusCode::OK, "{}", screen.body);
        let s = screen.json();
        assert_eq!(s["adds"]["weight_centi"], 75);
        assert_eq!(s["candidates"].as_array().unwrap().len(), 2);
        let version = s["expected_version"].as_i64().unwrap();

        let body = json!({
            "person_id": case.child,
            "work": "case",
            "team_id": team.team,
            "worker_id": team.worker.user_id,
            "expected_version": version,
        });
        // The scope is checked: a read-only token cannot allocate.
        let denied = send(&app, api_request(Method::POST, "/allocations", &read_only, Some(body.clone()))).await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);
        let made = send(&app, api_request(Method::POST, "/allocations", &token, Some(body.clone()))).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let id = made.json()["ids"][0].as_str().unwrap().to_string();
        // The same body again is stale.
        let again = send(&app, api_request(Method::POST, "/allocations", &token, Some(body))).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);

        let missing_reason = send(
            &app,
            api_request(
                Method::POST,
                &format!("/allocations/{id}/reallocate"),
                &token,
                Some(json!({ "team_id": team.team, "worker_id": other.user_id })),
            ),
        )
        .await;
        assert_eq!(missing_reason.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", missing_reason.body);
        let moved = send(
            &app,
            api_request(
                Method::POST,
                &format!("/allocations/{id}/reallocate"),
                &token,
                Some(json!({ "team_id": team.team, "worker_id": other.user_id, "reason": "Rebalancing", "expected_version": 1 })),
            ),
        )
        .await;
        assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.body);
        let new_id = moved.json()["ids"][0].as_str().unwrap().to_string();

        let history = send(
            &app,
            api_request(Method::GET, &format!("/people/{}/allocations", case.child), &token, None),
        )
        .await;
        assert_eq!(history.status, StatusCode::OK, "{}", history.body);
        let h = history.json();
        assert_eq!(h["allocations"].as_array().unwrap().len(), 2);
        assert_eq!(h["allocations"][0]["worker"]["id"], other.user_id.as_str());
        assert!(h["allocations"][1]["ends_on"].is_string());

        let ended = send(
            &app,
            api_request(
                Method::POST,
                &format!("/allocations/{new_id}/end"),
                &token,
                Some(json!({ "reason": "Worker leaving the team" })),
            ),
        )
        .await;
        assert_eq!(ended.status, StatusCode::NO_CONTENT, "{}", ended.body);
        assert!(open_holder(&db, &case.referral).is_empty());

        let doc = send(&app, api_request(Method::GET, "/openapi.json", &token, None)).await;
        if doc.status == StatusCode::OK {
            let d = doc.json();
            assert!(d["paths"]["/allocations"]["post"].is_object());
            assert!(d["components"]["schemas"]["AllocationInput"].is_object());
        }
    });
});

both_backends!(
    a_manager_ends_an_allocation_from_the_history,
    |db: TestDb| {
        let app = app(&db);
        let team = case_team(&db);
        let case = open_case(&db, &team, "Ava", days_ago(30));
        let history_path = format!("/people/{}/allocations", case.child);
        runtime().block_on(async {
            let history = send(&app, get(&history_path, &team.manager)).await;
            assert_eq!(history.status, StatusCode::OK, "{}", history.body);
            let href = link(&history.body, "End");
            assert!(href.ends_with("/end"), "{href}");
            // A social worker may not end it.
            let refused = send(&app, get(&href, &team.worker)).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN);

            let page = send(&app, get(&href, &team.manager)).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            assert_accessible(&page, "ending an allocation");
            assert!(has(&page.body, "goes back on the team's unallocated list"));
            let version = {
                let at = page
                    .body
                    .find("name=\"expected_version\" value=\"")
                    .unwrap()
                    + 31;
                page.body[at..].split('"').next().unwrap().to_string()
            };

            // No reason and a date in the future: both errors, the date typed kept.
            let mut form = owned_fields(&[("expected_version", &version), ("reason", "")]);
            form.extend(date_fields("ended_on", days_ago(-2)));
            let bad = send(&app, post_fields(&href, &team.manager, &form)).await;
            assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
            assert_accessible(&bad, "ending an allocation, with errors");
            assert!(bad.body.contains("href=\"#ended_on-day\""), "{}", bad.body);
            assert_eq!(
                open_holder(&db, &case.referral),
                vec![team.worker.user_id.clone()]
            );

            let mut form = owned_fields(&[
                ("expected_version", &version),
                ("reason", "Worker has left; waiting for a new worker"),
            ]);
            form.extend(date_fields("ended_on", days_ago(0)));
            let done = send(&app, post_fields(&href, &team.manager, &form)).await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
            assert_eq!(done.location(), format!("{history_path}?ended=1"));
            assert!(open_holder(&db, &case.referral).is_empty());
            let history = send(&app, get(done.location(), &team.manager)).await;
            assert!(has(&history.body, "The allocation has been ended."));
            assert!(has(
                &history.body,
                "Worker has left; waiting for a new worker"
            ));
            assert_eq!(audit_rows(&db, "allocation.end").len(), 1);

            // Ended once: the same form again finds no open allocation.
            let again = send(&app, post_fields(&href, &team.manager, &form)).await;
            assert_ne!(again.status, StatusCode::SEE_OTHER);
            let list = send(&app, get("/unallocated", &team.manager)).await;
            assert!(
                has(&list.body, "Ava Casework"),
                "back on the unallocated list"
            );
        });
    }
);

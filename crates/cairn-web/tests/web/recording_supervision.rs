//! Recording pages and API: supervision (the supervisor's page, the session form with case
//! discussions, a session's private part, worker profiles) and the supervision API, through
//! the real router with real sign-in, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)]

use axum::http::{Method, StatusCode};
use cairn_core::recording::supervision::{self, SessionInput};
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::roles::Role;
use serde_json::json;

use crate::support::*;

fn session_form(worker: &str, child: &str, owner: &str) -> Vec<(String, String)> {
    let mut form = owned_fields(&[
        ("worker", worker),
        ("duration_minutes", "60"),
        ("reflective_discussion", "Reflected on a hard home visit."),
        ("wellbeing", "Sleeping badly since the visit."),
        ("workload", "Sixteen cases."),
        ("learning", ""),
        ("cases-1-person", child),
        (
            "cases-1-discussion",
            "Mother has not engaged with the parenting course.",
        ),
        ("cases-1-decisions", "Escalate to a child in need review."),
        ("cases-1-actions-1-description", "Book the review meeting"),
        ("cases-1-actions-1-owner", owner),
        ("cases-1-actions-1-owner-name", ""),
        ("cases-2-person", ""),
        ("cases-2-discussion", ""),
    ]);
    form.extend(date_fields("held_on", days_ago(1)));
    form.extend(date_fields("cases-1-actions-1-due", days_ago(-10)));
    form
}

both_backends!(
    a_session_is_recorded_and_its_case_goes_on_the_child_s_record,
    |db: TestDb| {
        let app = app(&db);
        let team = case_team(&db);
        let case = open_case(&db, &team, "Ava", days_ago(20));
        let other = signed_in_with_team(&db, "other.worker", Role::SocialWorker, &team.team);
        let inspector = signed_in(&db, "inspector", Role::Inspector);
        runtime().block_on(async {
            let dash = send(&app, get("/supervision", &team.manager)).await;
            assert_eq!(dash.status, StatusCode::OK, "{}", dash.body);
            assert_accessible(&dash, "the supervision page");
            assert!(has(&dash.body, "Record a session with"));
            assert!(has(&dash.body, "Supervision overdue in your team"));

            let path = format!("/supervision/new?worker={}", team.worker.user_id);
            let form = send(&app, get(&path, &team.manager)).await;
            assert_eq!(form.status, StatusCode::OK, "{}", form.body);
            assert_accessible(&form, "the session form");
            assert!(
                has(&form.body, "Ava Casework"),
                "the worker's cases to choose from"
            );
            assert!(form.body.contains("name=\"cases-2-actions-2-due-day\""));

            // Asking for another case keeps what was typed and adds a block.
            let mut more = session_form(&team.worker.user_id, &case.child, &team.worker.user_id);
            more.push(("more".into(), "case".into()));
            let more = send(&app, post_fields("/supervision/new", &team.manager, &more)).await;
            assert_eq!(more.status, StatusCode::OK);
            assert!(more.body.contains("name=\"cases-3-person\""));
            assert!(has(
                &more.body,
                "Mother has not engaged with the parenting course."
            ));

            // A missing reflective discussion is refused against its field.
            let mut bad = session_form(&team.worker.user_id, &case.child, &team.worker.user_id);
            bad.retain(|(k, _)| k != "reflective_discussion");
            let bad = send(&app, post_fields("/supervision/new", &team.manager, &bad)).await;
            assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
            assert!(bad.body.contains("href=\"#reflective_discussion\""));
            assert_accessible(&bad, "the session form with errors");

            let good = session_form(&team.worker.user_id, &case.child, &team.worker.user_id);
            let done = send(&app, post_fields("/supervision/new", &team.manager, &good)).await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
            let location = done.location().to_string();
            assert!(location.ends_with("?recorded=1&short=1"), "{location}");

            let session = send(&app, get(&location, &team.worker)).await;
            assert_eq!(session.status, StatusCode::OK, "{}", session.body);
            assert_accessible(&session, "a session");
            assert!(has(&session.body, "Sleeping badly since the visit."));
            assert!(has(&session.body, "the standard is at least 90 minutes"));

            // The private part: not for a colleague or an inspector, who are told it is not
            // there.
            let path = location.split('?').next().unwrap_or_default().to_string();
            for outsider in [&other, &inspector] {
                let refused = send(&app, get(&path, outsider)).await;
                assert_eq!(refused.status, StatusCode::NOT_FOUND);
                assert!(!has(&refused.body, "Sleeping badly"));
            }
            let seen = send(&app, get(&path, &team.manager)).await;
            assert_eq!(seen.status, StatusCode::OK);

            // The case discussion is on the child's record, for anyone who sees casework.
            let tab = send(
                &app,
                get(&format!("/people/{}/oversight", case.child), &inspector),
            )
            .await;
            assert_eq!(tab.status, StatusCode::OK, "{}", tab.body);
            assert!(has(&tab.body, "Escalate to a child in need review."));
            assert!(has(&tab.body, "Book the review meeting"));
            assert!(!has(&tab.body, "Sleeping badly"));

            // The action is in the worker's work.
            let work = send(&app, get("/my-work", &team.worker)).await;
            assert!(has(&work.body, "Action: Book the review meeting"));
            assert!(has(&work.body, "Agreed in supervision"));
        });
        assert_eq!(audit_rows(&db, "supervision.record").len(), 1);
        assert_eq!(
            audit_rows(&db, "access.denied")
                .iter()
                .filter(|r| r.entity_type.as_deref() == Some("supervision_session"))
                .count(),
            2
        );
    }
);

both_backends!(a_manager_sets_a_worker_s_profile, |db: TestDb| {
    let app = app(&db);
    let team = case_team(&db);
    let senior = signed_in_with_team(&db, "senior", Role::SeniorPractitioner, &team.team);
    let path = format!("/supervision/workers/{}", team.worker.user_id);
    runtime().block_on(async {
        let page = send(&app, get(&path, &team.manager)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_accessible(&page, "the worker profile page");
        assert!(has(&page.body, "Test senior (Senior practitioner)"));

        let mut form = owned_fields(&[("version", ""), ("supervisor", &team.worker.user_id)]);
        form.extend(date_fields("newly_qualified_from", days_ago(10)));
        form.extend(owned_fields(&[
            ("employment_started_on-day", ""),
            ("employment_started_on-month", ""),
            ("employment_started_on-year", ""),
        ]));
        let own = send(&app, post_fields(&path, &team.manager, &form)).await;
        assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", own.body);
        assert!(has(&own.body, "A worker cannot supervise themself"));
        assert!(own.body.contains("href=\"#supervisor\""));

        form[1].1 = senior.user_id.clone();
        let saved = send(&app, post_fields(&path, &team.manager, &form)).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let page = send(&app, get(saved.location(), &team.manager)).await;
        assert!(has(&page.body, "The profile has been saved."));
        assert!(has(&page.body, "Weekly (newly qualified)"));

        // The senior practitioner now sees the worker among their supervisees.
        let dash = send(&app, get("/supervision", &senior)).await;
        assert!(has(&dash.body, "Your supervisees"));
        assert!(has(&dash.body, "Test worker"));

        let refused = send(&app, get(&path, &senior)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    });
});

both_backends!(the_supervision_api, |db: TestDb| {
    let app = app(&db);
    let team = case_team(&db);
    let admin = signed_in(&db, "admin.user", Role::Administrator);
    let case = open_case(&db, &team, "Api", days_ago(5));
    let (worker_token, manager_token) = team_tokens(&db, &admin.actor, &team);
    let other = signed_in_with_team(&db, "other.worker", Role::SocialWorker, &team.team);
    let other_token = casework_token(&db, &admin.actor, &other.user_id, CASEWORK_SCOPES);
    let id = {
        let mut c = db.conn();
        supervision::record_session(
            &mut c,
            &team.manager.actor,
            &SessionInput {
                worker_user_id: team.worker.user_id.clone(),
                held_on: Some(days_ago(40)),
                duration_minutes: Some(90),
                reflective_discussion: "Reflection".into(),
                wellbeing: "Private wellbeing note".into(),
                discussions: vec![supervision::DiscussionInput {
                    person_id: case.child.clone(),
                    discussion: "Discussed the plan".into(),
                    ..supervision::DiscussionInput::default()
                }],
                ..SessionInput::default()
            },
        )
        .expect("a session")
        .id
    };
    runtime().block_on(async {
        let mine = send(&app, api_request(Method::GET, "/supervision/sessions", &worker_token, None)).await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
        assert_eq!(mine.json()["sessions"][0]["id"], id.as_str());
        assert!(!mine.body.contains("Private wellbeing note"));

        let path = format!("/supervision/sessions/{id}");
        let one = send(&app, api_request(Method::GET, &path, &worker_token, None)).await;
        assert_eq!(one.status, StatusCode::OK, "{}", one.body);
        assert_eq!(one.json()["private"]["wellbeing"], "Private wellbeing note");
        assert_eq!(one.json()["discussions"][0]["person_id"], case.child.as_str());
        let hidden = send(&app, api_request(Method::GET, &path, &other_token, None)).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND);
        assert!(!hidden.body.contains("Private wellbeing note"));

        let overdue = send(&app, api_request(Method::GET, "/supervision/overdue", &manager_token, None)).await;
        assert_eq!(overdue.status, StatusCode::OK, "{}", overdue.body);
        let list = overdue.json()["overdue"].as_array().cloned().unwrap_or_default();
        assert!(list.iter().any(|s| s["worker"]["id"] == team.worker.user_id.as_str()));
        let denied = send(&app, api_request(Method::GET, "/supervision/overdue", &worker_token, None)).await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);

        // A social worker records no supervision, over the API as on the pages.
        let refused = send(
            &app,
            api_request(
                Method::POST,
                "/supervision/sessions",
                &worker_token,
                Some(json!({ "worker_user_id": other.user_id, "held_on": days_ago(0), "duration_minutes": 60, "reflective_discussion": "x" })),
            ),
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    });
});

both_backends!(a_supervisor_records_a_session_over_the_api, |db: TestDb| {
    let app = app(&db);
    let team = case_team(&db);
    let admin = signed_in(&db, "admin.user", Role::Administrator);
    let case = open_case(&db, &team, "Api", days_ago(5));
    let (_, manager_token) = team_tokens(&db, &admin.actor, &team);
    runtime().block_on(async {
        let body = json!({
            "worker_user_id": team.worker.user_id,
            "held_on": days_ago(1),
            "duration_minutes": 90,
            "reflective_discussion": "Reflection",
            "discussions": [{ "person_id": case.child, "discussion": "Discussed the plan" }],
        });
        let created = send(
            &app,
            api_request(
                Method::POST,
                "/supervision/sessions",
                &manager_token,
                Some(body),
            ),
        )
        .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        assert_eq!(
            created.json()["discussion_ids"].as_array().unwrap().len(),
            1
        );
        assert!(created.json()["warning"].is_null());
    });
});

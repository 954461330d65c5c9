//! Workload model, workers and alerts pages and API.
#![allow(clippy::unwrap_used)]

#[allow(unused_imports)]
use super::*;

use axum::http::StatusCode;
use cairn_core::caseloads::notifications::{Notice, notify};
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::roles::Role;

use crate::support::*;

fn model_form(changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let m = cairn_core::caseloads::model::ModelInput::from_model(
        &cairn_domain::caseloads::model::WorkloadModel::defaults(),
    );
    let mut form: Vec<(String, String)> = Vec::new();
    for (prefix, map) in [
        ("work", &m.work),
        ("factor", &m.factor),
        ("capacity", &m.capacity),
        ("amber", &m.amber),
        ("red", &m.red),
    ] {
        for (k, v) in map {
            form.push((format!("{prefix}.{k}"), v.clone()));
        }
    }
    form.push(("name".into(), "Next year".into()));
    form.push((
        "newly_qualified_percent".into(),
        m.newly_qualified_percent.clone(),
    ));
    form.push((
        "newly_qualified_months".into(),
        m.newly_qualified_months.clone(),
    ));
    form.push((
        "escalate_unallocated_after_working_days".into(),
        m.escalate_unallocated_after_working_days.clone(),
    ));
    form.push(("notes".into(), String::new()));
    for (k, v) in date_fields("effective_from", days_ago(-60)) {
        form.push((k, v));
    }
    for (k, v) in changes {
        match form.iter_mut().find(|(name, _)| name == k) {
            Some(pair) => pair.1 = v.to_string(),
            None => form.push((k.to_string(), v.to_string())),
        }
    }
    form
}

both_backends!(
    the_model_is_published_and_versions_are_checked,
    |db: TestDb| {
        let app = app(&db);
        let team = case_team(&db);
        let service_manager = signed_in(&db, "service.manager", Role::ServiceManager);
        runtime().block_on(async {
            let page = send(&app, get("/workload-model", &team.worker)).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            assert!(has(&page.body, "Cairn default workload model"));
            assert!(has(&page.body, "Child protection plan"));
            assert!(
                has(&page.body, "16.2 points"),
                "a newly qualified social worker's capacity"
            );
            assert!(
                has(&page.body, "9 points"),
                "a half-time social worker's capacity"
            );
            assert!(!has(&page.body, "Add a version"));
            let denied = send(&app, get("/admin/workload-model/new", &team.worker)).await;
            assert_eq!(denied.status, StatusCode::FORBIDDEN);

            let form = send(&app, get("/admin/workload-model/new", &service_manager)).await;
            assert_eq!(form.status, StatusCode::OK, "{}", form.body);
            assert!(
                has(&form.body, "value=\"0.75\""),
                "prefilled from the version in force"
            );

            // Negative, missing and unreadable weights: each against its field, nothing lost.
            let bad = model_form(&[
                ("work.case", "-1"),
                ("factor.interpreter", ""),
                ("work.cp_plan", "lots"),
            ]);
            let answer = send(
                &app,
                post_fields("/admin/workload-model/new", &service_manager, &bad),
            )
            .await;
            assert_eq!(
                answer.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}",
                answer.body
            );
            assert!(has(&answer.body, "There is a problem"));
            assert!(has(&answer.body, "A weight cannot be negative"));
            assert!(has(&answer.body, "href=\"#work.cp_plan\""));
            assert!(has(&answer.body, "href=\"#factor.interpreter\""));
            assert!(
                has(&answer.body, "value=\"lots\""),
                "what was typed is kept"
            );
            assert!(has(&answer.body, "value=\"Next year\""));

            // Without the CSRF token nothing is saved.
            let good = model_form(&[]);
            let pairs: Vec<(&str, &str)> =
                good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let forged = send(
                &app,
                post_without_csrf("/admin/workload-model/new", &service_manager, &pairs),
            )
            .await;
            assert_ne!(forged.status, StatusCode::SEE_OTHER);

            let saved = send(
                &app,
                post_fields("/admin/workload-model/new", &service_manager, &good),
            )
            .await;
            assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
            let page = send(&app, get("/workload-model", &team.worker)).await;
            assert!(has(&page.body, "Next year"));
            assert!(has(&page.body, "Takes effect later"));
        });
    }
);

both_backends!(alerts_and_notifications_pages, |db: TestDb| {
    let app = app(&db);
    let team = case_team(&db);
    {
        let mut c = db.conn();
        c.write(|c| {
            notify(
                c,
                &Notice {
                    user_id: team.worker.user_id.clone(),
                    kind: "allocation",
                    title: "A case was allocated to you".into(),
                    body: "Open it from your work list.".into(),
                    href: "/my-work".into(),
                    source_kind: "allocation",
                    source_id: "x".into(),
                    email: false,
                },
            )
        })
        .unwrap();
    }
    runtime().block_on(async {
        // A social worker may not see the alerts.
        let denied = send(&app, get("/caseloads/alerts", &team.worker)).await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
        let page = send(&app, get("/caseloads/alerts", &team.manager)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(has(&page.body, "There are no open alerts."));

        let page = send(&app, get("/notifications", &team.worker)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(has(&page.body, "1 unread"));
        assert!(has(&page.body, "A case was allocated to you"));
        let id = {
            let mut c = db.conn();
            cairn_db::caseloads::notifications::for_user(&mut c, &team.worker.user_id, 10).unwrap()
                [0]
            .id
            .clone()
        };
        let path = format!("/notifications/{id}/read");
        let forged = send(&app, post_without_csrf(&path, &team.worker, &[])).await;
        assert_ne!(forged.status, StatusCode::SEE_OTHER);
        // Someone else's notification is not found.
        let other = send(&app, post(&path, &team.manager, &[])).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);
        let read = send(&app, post(&path, &team.worker, &[])).await;
        assert_eq!(read.status, StatusCode::SEE_OTHER);
        let page = send(&app, get("/notifications", &team.worker)).await;
        assert!(has(&page.body, "You have no unread notifications."));
    });
});

both_backends!(workers_hours_form_keeps_what_was_typed, |db: TestDb| {
    let app = app(&db);
    let team = case_team(&db);
    let path = format!("/workers/{}", team.worker.user_id);
    runtime().block_on(async {
        let list = send(&app, get("/workers", &team.manager)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        assert!(has(&list.body, "Test worker"));
        assert_eq!(
            send(&app, get("/workers", &team.worker)).await.status,
            StatusCode::FORBIDDEN
        );

        let bad = send(
            &app,
            post(
                &path,
                &team.manager,
                &[
                    ("fte", "1.5"),
                    ("version", "0"),
                    ("absence_reason", "Annual leave"),
                ],
            ),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert!(has(&bad.body, "Hours must be between 0 and 1"));
        assert!(has(&bad.body, "value=\"1.5\""));
        assert!(has(&bad.body, "value=\"Annual leave\""));

        let ok = send(
            &app,
            post(&path, &team.manager, &[("fte", "0"), ("version", "0")]),
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let form = send(&app, get(&path, &team.manager)).await;
        assert!(has(&form.body, "value=\"0\""));
    });
});

/// The entry of `list` whose `key` is `value`.
fn entry<'a>(list: &'a serde_json::Value, key: &str, value: &str) -> &'a serde_json::Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|e| e.pointer(key).and_then(|v| v.as_str()) == Some(value))
        .unwrap_or_else(|| panic!("no entry with {key} = {value} in {list}"))
}

both_backends!(
    the_workload_api_gives_the_model_loads_and_alerts,
    |db: TestDb| {
        use axum::http::Method;
        let app = app(&db);
        let team = case_team(&db);
        open_case(&db, &team, "Ava", days_ago(10));
        let admin = cairn_core::Actor::command_line();
        let reader = casework_token(&db, &admin, &team.manager.user_id, &["workload:read"]);
        let worker = casework_token(&db, &admin, &team.worker.user_id, &["workload:read"]);
        let wrong_scope = casework_token(&db, &admin, &team.manager.user_id, &["casework:read"]);
        let team_path = format!("/teams/{}/workload", team.team);
        runtime().block_on(async {
            // The model is published to everyone with the scope, a social worker too.
            let model = send(
                &app,
                api_request(Method::GET, "/workload/model", &worker, None),
            )
            .await;
            assert_eq!(model.status, StatusCode::OK, "{}", model.body);
            let m = model.json();
            assert_eq!(m["name"], "Cairn default workload model");
            assert_eq!(
                entry(&m["work_weights"], "/code", "case")["weight_centi"],
                75
            );
            assert_eq!(
                entry(&m["capacities"], "/role", "social_worker")["capacity_centi"],
                1800
            );
            assert_eq!(m["newly_qualified_percent"], 90);
            let denied = send(
                &app,
                api_request(Method::GET, "/workload/model", &wrong_scope, None),
            )
            .await;
            assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);

            // A full-time worker holding one case.
            let load = send(&app, api_request(Method::GET, &team_path, &reader, None)).await;
            assert_eq!(load.status, StatusCode::OK, "{}", load.body);
            let l = load.json();
            assert_eq!(l["team"]["id"], team.team.as_str());
            assert_eq!(l["service"], "children_in_need");
            let w = entry(&l["workers"], "/worker/id", &team.worker.user_id);
            assert_eq!(w["load"]["cases"], 1);
            assert_eq!(w["load"]["weighted_centi"], 75);
            assert_eq!(w["load"]["capacity_centi"], 1800);
            assert_eq!(w["load"]["rating"], "green");
            assert_eq!(w["available"], true);
            assert_eq!(l["total"]["weighted_centi"], 75);
            assert!(!audit_rows(&db, "workload.team_view").is_empty());

            // Nothing is open yet.
            let alerts = send(
                &app,
                api_request(Method::GET, "/workload/alerts", &reader, None),
            )
            .await;
            assert_eq!(alerts.status, StatusCode::OK, "{}", alerts.body);
            assert_eq!(alerts.json()["alerts"].as_array().unwrap().len(), 0);

            // Hours set to zero: the case is over a capacity of nothing, and an alert is raised.
            let path = format!("/workers/{}", team.worker.user_id);
            let zero = send(
                &app,
                post(&path, &team.manager, &[("fte", "0"), ("version", "0")]),
            )
            .await;
            assert_eq!(zero.status, StatusCode::SEE_OTHER, "{}", zero.body);
            let load = send(&app, api_request(Method::GET, &team_path, &reader, None)).await;
            let l = load.json();
            let w = entry(&l["workers"], "/worker/id", &team.worker.user_id);
            assert_eq!(w["fte_centi"], 0);
            assert_eq!(w["load"]["capacity_centi"], 0);
            assert_eq!(w["load"]["rating"], "red");
            let alerts = send(
                &app,
                api_request(Method::GET, "/workload/alerts", &reader, None),
            )
            .await;
            assert_eq!(alerts.status, StatusCode::OK, "{}", alerts.body);
            let a = alerts.json();
            let raised = entry(&a["alerts"], "/subject/id", &team.worker.user_id);
            assert_eq!(raised["subject"]["kind"], "worker");
            assert_eq!(raised["level"], "red");
            assert_eq!(raised["subject"]["name"], "Test worker");
            let one_team = send(
                &app,
                api_request(
                    Method::GET,
                    &format!("/workload/alerts?team={}", team.team),
                    &reader,
                    None,
                ),
            )
            .await;
            assert!(!one_team.json()["alerts"].as_array().unwrap().is_empty());

            // A social worker's token, or a token without the scope, is refused.
            for (token, what) in [
                (&worker, "a social worker"),
                (&wrong_scope, "no workload:read"),
            ] {
                for p in [team_path.as_str(), "/workload/alerts"] {
                    let denied = send(&app, api_request(Method::GET, p, token, None)).await;
                    assert_eq!(
                        denied.status,
                        StatusCode::FORBIDDEN,
                        "{what} on {p}: {}",
                        denied.body
                    );
                }
            }
            let unknown = format!("/teams/{}/workload", uuid::Uuid::now_v7());
            let missing = send(&app, api_request(Method::GET, &unknown, &reader, None)).await;
            assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.body);

            // The document lists the paths.
            let doc = send(
                &app,
                api_request(Method::GET, "/openapi.json", &reader, None),
            )
            .await;
            assert_eq!(doc.status, StatusCode::OK, "{}", doc.body);
            let d = doc.json();
            assert!(d["paths"]["/teams/{id}/workload"]["get"].is_object());
            assert!(d["paths"]["/workload/model"]["get"].is_object());
            assert!(d["components"]["schemas"]["WorkloadAlerts"].is_object());
        });
    }
);

both_backends!(the_team_form_records_the_service, |db: TestDb| {
    let app = app(&db);
    let team = case_team(&db);
    let admin = signed_in(&db, "admin", Role::Administrator);
    let office = {
        let mut c = db.conn();
        cairn_db::organisation::find_team(&mut c, &team.team)
            .unwrap()
            .unwrap()
            .office_id
    };
    let path = format!("/admin/teams/{}", team.team);
    runtime().block_on(async {
        let form = send(&app, get(&path, &admin)).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert!(has(&form.body, "value=\"children_in_need\" selected"));

        let bad = send(
            &app,
            post(
                &path,
                &admin,
                &[
                    ("name", "Child protection north"),
                    ("office_id", office.as_str()),
                    ("active", "yes"),
                    ("service", "nonsense"),
                ],
            ),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert!(has(&bad.body, "There is a problem"));
        assert!(has(&bad.body, "href=\"#service\""));
        assert!(has(&bad.body, "Select the service the team belongs to"));
        assert!(
            has(&bad.body, "value=\"Child protection north\""),
            "what was typed is kept"
        );
        {
            let mut c = db.conn();
            let row = cairn_db::organisation::find_team(&mut c, &team.team)
                .unwrap()
                .unwrap();
            assert_eq!(row.service, "children_in_need");
            assert_eq!(row.name, "Children in need");
        }

        let saved = send(
            &app,
            post(
                &path,
                &admin,
                &[
                    ("name", "Child protection north"),
                    ("office_id", office.as_str()),
                    ("active", "yes"),
                    ("service", "child_protection"),
                ],
            ),
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        {
            let mut c = db.conn();
            let row = cairn_db::organisation::find_team(&mut c, &team.team)
                .unwrap()
                .unwrap();
            assert_eq!(row.service, "child_protection");
        }
        let list = send(&app, get("/admin/teams", &admin)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        assert!(has(
            &list.body,
            "<td class=\"govuk-table__cell\">Child protection</td>"
        ));

        // A new team in a service; an unknown service is refused with what was typed kept.
        let bad_new = send(
            &app,
            post(
                "/admin/teams",
                &admin,
                &[
                    ("name", "Looked after east"),
                    ("office_id", office.as_str()),
                    ("service", "x"),
                ],
            ),
        )
        .await;
        assert_eq!(
            bad_new.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            bad_new.body
        );
        assert!(has(&bad_new.body, "href=\"#service\""));
        assert!(has(&bad_new.body, "value=\"Looked after east\""));
        let made = send(
            &app,
            post(
                "/admin/teams",
                &admin,
                &[
                    ("name", "Looked after east"),
                    ("office_id", office.as_str()),
                    ("service", "looked_after"),
                ],
            ),
        )
        .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let list = send(&app, get("/admin/teams", &admin)).await;
        assert!(has(
            &list.body,
            "<td class=\"govuk-table__cell\">Children looked after</td>"
        ));
    });
});

both_backends!(leave_date_errors_link_to_the_day_box, |db: TestDb| {
    let app = app(&db);
    let team = case_team(&db);
    let path = format!("/workers/{}", team.worker.user_id);
    runtime().block_on(async {
        // A last day of leave with no first day: the summary links to the first day's day box.
        let mut fields = vec![
            ("fte".to_string(), "1".to_string()),
            ("version".into(), "0".into()),
        ];
        fields.extend(date_fields("absent_until", days_ago(-5)));
        let bad = send(&app, post_fields(&path, &team.manager, &fields)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert!(has(&bad.body, "href=\"#absent_from-day\""), "{}", bad.body);
    });
});

//! Strategy discussions, section 47 enquiries, visits, actions and the timescales pages, and
//! the same work over the JSON API, through the real router with real sign-in, on SQLite and
//! PostgreSQL.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::roles::Role;
use chrono::NaiveDate;
use serde_json::json;

use crate::support::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("a date")
}

/// A strategy discussion on Fri 3 May 2024 at 10:00 with social care, police and health,
/// deciding on a section 47 enquiry, with one action owned by a police officer.
fn discussion_form() -> Vec<(String, String)> {
    owned_fields(&[
        ("held-day", "3"),
        ("held-month", "5"),
        ("held-year", "2024"),
        ("held_time", "10:00"),
        ("participants-1-agency", "social_care"),
        ("participants-1-name", "Sam Worker"),
        ("participants-2-agency", "police"),
        ("participants-2-name", "DC Jo Patel"),
        ("participants-3-agency", "health"),
        ("participants-3-name", "Dr Ann Lee"),
        ("participants-4-agency", ""),
        ("participants-4-name", ""),
        (
            "information_shared",
            "Police hold a domestic abuse log from April.",
        ),
        ("decision", "section_47"),
        ("rationale", "Reasonable cause to suspect significant harm."),
        ("chair", ""),
        ("actions-1-description", "Share the domestic abuse log"),
        ("actions-1-owner", ""),
        ("actions-1-owner-name", "DC Jo Patel, police"),
        ("actions-1-due-day", "6"),
        ("actions-1-due-month", "5"),
        ("actions-1-due-year", "2024"),
    ])
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

/// The id in a redirect such as `/strategy-discussions/{id}?recorded=1`.
fn id_in(location: &str, prefix: &str) -> String {
    location
        .strip_prefix(prefix)
        .and_then(|rest| rest.split('?').next())
        .unwrap_or_else(|| panic!("{location} does not start with {prefix}"))
        .to_string()
}

both_backends!(
    a_strategy_discussion_is_recorded_and_starts_an_enquiry,
    |db: TestDb| {
        let app = app(&db);
        let team = case_team(&db);
        let case = open_case(&db, &team, "Ava", d(2024, 5, 1));
        let new_path = format!("/episodes/{}/strategy-discussions/new", case.referral);
        runtime().block_on(async {
            let form = send(&app, get(&new_path, &team.worker)).await;
            assert_eq!(form.status, StatusCode::OK, "{}", form.body);
            assert_accessible(&form, "the strategy discussion form");
            for text in [
                "Record a strategy discussion",
                "Ava Casework",
                "referred 1 May 2024",
                "name=\"participants-1-agency\"",
                "value=\"Test worker\"",
                "name=\"actions-3-due-day\"",
                "Owner with a Cairn account",
                "Start a section 47 enquiry",
            ] {
                assert!(has(&form.body, text), "the form shows {text}");
            }

            // Police and health missing, no date and a bad action date: 422, everything kept.
            let bad = with(
                discussion_form(),
                &[
                    ("held-day", ""),
                    ("held-month", ""),
                    ("held-year", ""),
                    ("held_time", ""),
                    ("participants-2-agency", "education"),
                    ("participants-2-name", "Ms Priya Shah"),
                    ("participants-3-agency", ""),
                    ("participants-3-name", ""),
                    ("actions-1-due-day", "31"),
                    ("actions-1-due-month", "2"),
                ],
            );
            let answer = send(&app, post_fields(&new_path, &team.worker, &bad)).await;
            assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
            assert_accessible(&answer, "the strategy form with errors");
            for text in [
                "govuk-error-summary",
                "href=\"#held-day\"",
                "href=\"#actions-1-due-day\"",
                "Enter the date the strategy discussion was held",
                "Police and health did not take part",
                "value=\"Ms Priya Shah\"",
                "Police hold a domestic abuse log from April.",
                "value=\"Share the domestic abuse log\"",
                "value=\"DC Jo Patel, police\"",
                "value=\"31\"",
                "<title>Error: Record a strategy discussion",
            ] {
                assert!(has(&answer.body, text), "the 422 page shows {text}");
            }
            assert!(audit_rows(&db, "strategy_discussion.record").is_empty());

            let done = send(&app, post_fields(&new_path, &team.worker, &discussion_form())).await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
            let sd = id_in(done.location(), "/strategy-discussions/");
            let page = send(&app, get(done.location(), &team.worker)).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            assert_accessible(&page, "the strategy discussion");
            for text in [
                "Strategy discussion recorded and section 47 enquiry started",
                "3 May 2024 at 10:00",
                "DC Jo Patel",
                "Dr Ann Lee",
                "Share the domestic abuse log",
                "6 May 2024",
                "Started 3 May 2024",
            ] {
                assert!(has(&page.body, text), "the record shows {text}");
            }
            assert!(!page.body.contains("govuk-warning-text"), "police and health took part");
            let viewed = audit_rows(&db, "strategy_discussion.view");
            assert_eq!(viewed.len(), 1);
            assert_eq!(viewed[0].person_id.as_deref(), Some(case.child.as_str()));

            // The enquiry: its conference target and how it was computed.
            let s47_path = link(&page.body, "Started 3 May 2024");
            let s47 = send(&app, get(&s47_path, &team.worker)).await;
            assert_eq!(s47.status, StatusCode::OK, "{}", s47.body);
            assert_accessible(&s47, "the section 47 enquiry");
            for text in [
                "Enquiry in progress",
                "28 May 2024",
                "15 working days from the strategy discussion that started the section 47 enquiry on Fri 3 May 2024",
                "Record the outcome",
            ] {
                assert!(has(&s47.body, text), "the enquiry shows {text}");
            }
            let s47_id = id_in(&s47_path, "/section47/");

            // An outcome before the enquiry started: 422, with the notes kept.
            let outcome_path = format!("/section47/{s47_id}/outcome");
            let early = send(
                &app,
                post(
                    &outcome_path,
                    &team.worker,
                    &[
                        ("version", "1"),
                        ("outcome", "continuing_risk_icpc"),
                        ("outcome_on-day", "2"),
                        ("outcome_on-month", "5"),
                        ("outcome_on-year", "2024"),
                        ("notes", "Medical found non-accidental injuries."),
                    ],
                ),
            )
            .await;
            assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", early.body);
            assert_accessible(&early, "the enquiry with an outcome error");
            assert!(has(&early.body, "href=\"#outcome_on-day\""));
            assert!(has(&early.body, "The enquiry cannot conclude before it started, on 3 May 2024"));
            assert!(has(&early.body, "Medical found non-accidental injuries."));
            assert!(has(&early.body, "value=\"continuing_risk_icpc\" checked"));

            let fields = [
                ("version", "1"),
                ("outcome", "continuing_risk_icpc"),
                ("outcome_on-day", "10"),
                ("outcome_on-month", "5"),
                ("outcome_on-year", "2024"),
                ("notes", "Medical found non-accidental injuries."),
            ];
            let saved = send(&app, post(&outcome_path, &team.worker, &fields)).await;
            assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
            // The same form sent again is stale.
            let stale = send(&app, post(&outcome_path, &team.worker, &fields)).await;
            assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
            assert!(has(&stale.body, "href=\"#record-outcome\""));
            assert_accessible(&stale, "the enquiry after a stale save");

            // The worker cannot sign off; the manager can.
            let worker_view = send(&app, get(&s47_path, &team.worker)).await;
            assert!(!worker_view.body.contains("Sign off the outcome"));
            assert!(has(&worker_view.body, "Record the initial child protection conference"));
            assert!(worker_view.body.contains(&format!("href=\"/section47/{s47_id}/icpc/new\"")));
            let manager_view = send(&app, get(&s47_path, &team.manager)).await;
            assert!(manager_view.body.contains("Sign off the outcome"));
            let denied = send(
                &app,
                post(&format!("/section47/{s47_id}/sign-off"), &team.worker, &[("version", "2")]),
            )
            .await;
            assert_eq!(denied.status, StatusCode::FORBIDDEN);
            let signed = send(
                &app,
                post(&format!("/section47/{s47_id}/sign-off"), &team.manager, &[("version", "2")]),
            )
            .await;
            assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
            let after = send(&app, get(signed.location(), &team.worker)).await;
            assert!(has(&after.body, "The outcome has been signed off"));
            assert!(has(&after.body, "Test manager"));
            assert!(!after.body.contains("Save the outcome"), "signed off: no more changes");
            assert_eq!(audit_rows(&db, "section47.sign_off").len(), 1);

            // A discussion without police or health carries the warning on its record.
            let no_police = with(
                discussion_form(),
                &[
                    ("held-day", "20"),
                    ("decision", "no_section_47"),
                    ("participants-2-agency", "education"),
                    ("participants-3-agency", ""),
                    ("participants-3-name", ""),
                    ("actions-1-description", ""),
                    ("actions-1-owner-name", ""),
                    ("actions-1-due-day", ""),
                    ("actions-1-due-month", ""),
                    ("actions-1-due-year", ""),
                ],
            );
            let warned = send(&app, post_fields(&new_path, &team.worker, &no_police)).await;
            assert_eq!(warned.status, StatusCode::SEE_OTHER, "{}", warned.body);
            let record = send(&app, get(warned.location(), &team.worker)).await;
            assert!(has(&record.body, "Police and health did not take part"));
            assert!(has(&record.body, "No actions were recorded"));
            assert_ne!(id_in(warned.location(), "/strategy-discussions/"), sd);
        });
    }
);

both_backends!(visits_are_recorded_through_the_form, |db: TestDb| {
    let app = app(&db);
    let team = case_team(&db);
    let case = open_case(&db, &team, "Ava", d(2024, 5, 1));
    let path = format!("/episodes/{}/visits/new", case.referral);
    runtime().block_on(async {
        let form = send(&app, get(&path, &team.worker)).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert_accessible(&form, "the visit form");
        assert!(has(&form.body, "Was the child seen?"));

        let mut fields = vec![
            ("visited-day", "20"),
            ("visited-month", "5"),
            ("visited-year", "2024"),
            ("visited_time", "14:30"),
            ("kind", "unannounced"),
            ("child_seen", "no"),
            ("not_seen_reason", ""),
            ("bedroom_seen", "no"),
            ("present", "Mother"),
            (
                "observations",
                "Curtains drawn; nobody answered for ten minutes.",
            ),
        ];
        let bad = send(&app, post(&path, &team.worker, &fields)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert_accessible(&bad, "the visit form with errors");
        assert!(has(&bad.body, "href=\"#not_seen_reason\""));
        assert!(has(
            &bad.body,
            "Curtains drawn; nobody answered for ten minutes."
        ));
        assert!(has(
            &bad.body,
            "id=\"child_seen-2\" name=\"child_seen\" type=\"radio\" value=\"no\" checked"
        ));

        // A time that cannot be read, with everything else also missing: every problem listed.
        let unreadable = send(
            &app,
            post(
                &path,
                &team.worker,
                &[
                    ("visited-day", "20"),
                    ("visited-month", "5"),
                    ("visited-year", "2024"),
                    ("visited_time", "25:99"),
                ],
            ),
        )
        .await;
        assert_eq!(unreadable.status, StatusCode::UNPROCESSABLE_ENTITY);
        for anchor in [
            "#visited_time",
            "#kind",
            "#child_seen",
            "#bedroom_seen",
            "#observations",
        ] {
            assert!(
                has(&unreadable.body, &format!("href=\"{anchor}\"")),
                "{anchor}"
            );
        }
        assert!(!has(&unreadable.body, "Enter the date of the visit"));

        fields[6] = ("not_seen_reason", "Nobody answered the door.");
        let done = send(&app, post(&path, &team.worker, &fields)).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let page = send(&app, get(done.location(), &team.worker)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_accessible(&page, "the visit");
        for text in [
            "The visit has been recorded",
            "Visit on 20 May 2024 at 14:30",
            "Unannounced",
            "Nobody answered the door.",
            "Test worker",
        ] {
            assert!(has(&page.body, text), "the visit shows {text}");
        }
        assert_eq!(audit_rows(&db, "visit.view").len(), 1);
    });
});

both_backends!(
    an_action_has_its_own_page_and_is_closed_there,
    |db: TestDb| {
        let app = app(&db);
        let team = case_team(&db);
        let case = open_case(&db, &team, "Ava", d(2024, 5, 1));
        runtime().block_on(async {
            let new_path = format!("/episodes/{}/strategy-discussions/new", case.referral);
            let form = with(
                discussion_form(),
                &[
                    ("actions-1-owner", team.manager.user_id.as_str()),
                    ("actions-1-owner-name", ""),
                ],
            );
            let done = send(&app, post_fields(&new_path, &team.worker, &form)).await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
            let page = send(&app, get(done.location(), &team.worker)).await;
            let action_path = link(&page.body, "Share the domestic abuse log");
            let action = send(&app, get(&action_path, &team.worker)).await;
            assert_eq!(action.status, StatusCode::OK, "{}", action.body);
            assert_accessible(&action, "the action");
            for text in [
                "Test manager",
                "6 May 2024",
                "Overdue",
                "Strategy discussion",
                "Close this action",
            ] {
                assert!(has(&action.body, text), "the action shows {text}");
            }
            let close_path = format!("{action_path}/close");
            let bad = send(
                &app,
                post(
                    &close_path,
                    &team.worker,
                    &[("version", "1"), ("status", "done"), ("note", " ")],
                ),
            )
            .await;
            assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(has(&bad.body, "href=\"#note\""));
            assert!(has(&bad.body, "value=\"done\" checked"));
            let fields = [
                ("version", "1"),
                ("status", "done"),
                ("note", "Log shared on 6 May."),
            ];
            let closed = send(&app, post(&close_path, &team.worker, &fields)).await;
            assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
            let shown = send(&app, get(closed.location(), &team.worker)).await;
            assert!(has(&shown.body, "The action has been closed."));
            assert!(has(&shown.body, "Log shared on 6 May."));
            assert!(!shown.body.contains("Close this action"));
            let stale = send(&app, post(&close_path, &team.worker, &fields)).await;
            assert_eq!(stale.status, StatusCode::CONFLICT);
        });
    }
);

both_backends!(the_timescales_pages, |db: TestDb| {
    let app = app(&db);
    let service = signed_in(&db, "service.manager", Role::ServiceManager);
    let worker = signed_in(&db, "worker", Role::SocialWorker);
    runtime().block_on(async {
        let list = send(&app, get("/admin/timescales", &service)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        assert_accessible(&list, "the timescales admin page");
        for text in [
            "Working Together 2006",
            "Working Together 2010",
            "Working Together 2013 onwards",
            "In force today",
            "45 working days",
            "Add a new version",
            "name=\"icpc_working_days\" type=\"text\" value=\"15\"",
        ] {
            assert!(has(&list.body, text), "the admin page shows {text}");
        }

        let mut fields = vec![
            ("name", "Local standards 2030"),
            ("effective_from-day", "1"),
            ("effective_from-month", "4"),
            ("effective_from-year", "2030"),
            ("assessment_model", "single"),
            ("single_assessment_working_days", "40"),
            ("icpc_working_days", "0"),
            ("core_group_working_days", "10"),
            ("first_review_months", "3"),
            ("review_interval_months", "6"),
            ("cp_visit_working_days", "ten"),
            ("cin_visit_working_days", "20"),
            ("cin_review_months", "3"),
            ("notes", "Agreed by the partnership."),
        ];
        let bad = send(&app, post("/admin/timescales", &service, &fields)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert_accessible(&bad, "the timescales form with errors");
        for text in [
            "href=\"#icpc_working_days\"",
            "Conference working days must be between 1 and 100",
            "href=\"#cp_visit_working_days\"",
            "Enter a whole number",
            "value=\"ten\"",
            "value=\"Local standards 2030\"",
            "Agreed by the partnership.",
        ] {
            assert!(has(&bad.body, text), "the 422 page shows {text}");
        }
        fields[6] = ("icpc_working_days", "15");
        fields[10] = ("cp_visit_working_days", "10");
        let added = send(&app, post("/admin/timescales", &service, &fields)).await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        let again = send(&app, post("/admin/timescales", &service, &fields)).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(has(
            &again.body,
            "A version already takes effect on 1 April 2030"
        ));
        assert!(has(&again.body, "href=\"#effective_from-day\""));
        let listed = send(&app, get("/admin/timescales?added=1", &service)).await;
        assert!(has(&listed.body, "Local standards 2030"));
        assert!(has(&listed.body, "Not yet in force"));
        assert_eq!(audit_rows(&db, "timescales.add_version").len(), 1);

        let refused = send(&app, get("/admin/timescales", &worker)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let posted = send(&app, post("/admin/timescales", &worker, &fields)).await;
        assert_eq!(posted.status, StatusCode::FORBIDDEN);
        assert_eq!(audit_rows(&db, "access.denied").len(), 2);

        let public = send(&app, get("/timescales", &worker)).await;
        assert_eq!(public.status, StatusCode::OK, "{}", public.body);
        assert_accessible(&public, "the timescales page");
        for text in [
            "Working Together 2013 onwards",
            "Every due date shows how it was computed",
            "Initial child protection conference",
            "15 working days",
            "Tuesday 28 May 2024",
        ] {
            assert!(has(&public.body, text), "the staff page shows {text}");
        }
        assert!(!public.body.contains("href=\"/admin/timescales\""));
    });
});

both_backends!(the_api_round_trip, |db: TestDb| {
    let app = app(&db);
    let team = case_team(&db);
    let case = open_case(&db, &team, "Ava", d(2024, 5, 1));
    let admin = signed_in(&db, "admin", Role::Administrator);
    let (worker, manager) = team_tokens(&db, &admin.actor, &team);
    runtime().block_on(async {
        let doc = send(&app, Request::get("/api/v1/openapi.json").body(Body::empty()).expect("request")).await;
        let doc = doc.json();
        for path in [
            "/episodes/{id}/strategy-discussions",
            "/strategy-discussions/{id}",
            "/section47/{id}",
            "/section47/{id}/outcome",
            "/section47/{id}/sign-off",
            "/episodes/{id}/visits",
            "/visits/{id}",
            "/actions/{id}/close",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path} is documented");
        }
        assert!(doc["components"]["schemas"].get("StrategyDiscussionInput").is_some());

        let body = json!({
            "held_at": "2024-05-03T10:00:00+01:00",
            "participants": [
                { "agency": "social_care", "name": "Sam Worker" },
                { "agency": "education", "name": "Ms Priya Shah", "role": "Designated safeguarding lead" }
            ],
            "information_shared": "School reported a bruise.",
            "decision": "section_47",
            "rationale": "Reasonable cause to suspect significant harm.",
            "actions": [{ "description": "Medical", "owner_name": "Dr Ann Lee", "due_on": "2024-05-04" }]
        });
        let path = format!("/episodes/{}/strategy-discussions", case.referral);
        let bad = send(&app, api_request(Method::POST, &path, &worker, Some(json!({ "held_at": "yesterday" })))).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert_eq!(bad.json()["fields"][0]["field"], "held_at");
        let created = send(&app, api_request(Method::POST, &path, &worker, Some(body))).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let c = created.json();
        assert_eq!(c["missing_agencies"], json!(["police", "health"]));
        assert!(c["warning"].as_str().unwrap_or_default().starts_with("Police and health"));
        let sd = c["id"].as_str().expect("an id").to_string();
        let s47 = c["section47_id"].as_str().expect("an enquiry").to_string();

        let shown = send(&app, api_request(Method::GET, &format!("/strategy-discussions/{sd}"), &worker, None)).await;
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
        let v = shown.json();
        assert_eq!(v["held_on"], "2024-05-03");
        assert_eq!(v["section47_id"], s47.as_str());
        assert_eq!(v["actions"][0]["owner_name"], "Dr Ann Lee");
        let action = v["actions"][0]["id"].as_str().expect("an action").to_string();

        let enquiry = send(&app, api_request(Method::GET, &format!("/section47/{s47}"), &worker, None)).await;
        assert_eq!(enquiry.status, StatusCode::OK, "{}", enquiry.body);
        let e = enquiry.json();
        assert_eq!(e["started_on"], "2024-05-03");
        assert_eq!(e["icpc_target"]["date"], "2024-05-28");
        assert_eq!(e["version"], 1);

        let outcome = json!({ "version": 1, "outcome": "not_substantiated", "outcome_on": "2024-05-10", "notes": "No injuries found." });
        let saved = send(&app, api_request(Method::POST, &format!("/section47/{s47}/outcome"), &worker, Some(outcome.clone()))).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
        assert_eq!(saved.json()["version"], 2);
        let stale = send(&app, api_request(Method::POST, &format!("/section47/{s47}/outcome"), &worker, Some(outcome))).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        let own = send(&app, api_request(Method::POST, &format!("/section47/{s47}/sign-off"), &worker, Some(json!({ "version": 2 })))).await;
        assert_eq!(own.status, StatusCode::FORBIDDEN);
        let signed = send(&app, api_request(Method::POST, &format!("/section47/{s47}/sign-off"), &manager, Some(json!({ "version": 2 })))).await;
        assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
        assert_eq!(signed.json()["signed_off"], true);

        let visit = json!({
            "visited_at": "2024-05-20T14:30:00+01:00",
            "kind": "announced",
            "child_seen": true,
            "seen_alone": true,
            "bedroom_seen": true,
            "observations": "Ava showed me her room."
        });
        let recorded = send(&app, api_request(Method::POST, &format!("/episodes/{}/visits", case.referral), &worker, Some(visit))).await;
        assert_eq!(recorded.status, StatusCode::CREATED, "{}", recorded.body);
        let visit_id = recorded.json()["id"].as_str().expect("an id").to_string();
        let read = send(&app, api_request(Method::GET, &format!("/visits/{visit_id}"), &worker, None)).await;
        assert_eq!(read.status, StatusCode::OK);
        assert_eq!(read.json()["visited_on"], "2024-05-20");
        assert_eq!(read.json()["seen_alone"], true);

        let close = json!({ "version": 1, "status": "done", "note": "Medical completed." });
        let closed = send(&app, api_request(Method::POST, &format!("/actions/{action}/close"), &worker, Some(close))).await;
        assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
        assert_eq!(closed.json()["status"], "done");
        assert_eq!(closed.json()["version"], 2);

        assert_eq!(audit_rows(&db, "section47.view").len(), 1);
        assert_eq!(audit_rows(&db, "visit.view").len(), 1);
    });
});

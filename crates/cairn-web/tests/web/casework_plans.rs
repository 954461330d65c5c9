//! Conferences and plans through the real router: the ICPC form against its target, the plan
//! it starts, the plan pages and their forms, child in need plans, and the JSON API.

use axum::http::{Method, StatusCode};
use cairn_core::Actor;
use cairn_db::both_backends;
use cairn_db::schema::section47_enquiries;
use cairn_db::testing::TestDb;
use cairn_domain::roles::Role;
use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::json;

use crate::support::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("a real date")
}

/// A section 47 enquiry started on Fri 3 May 2024 by a strategy discussion that day, written
/// straight into the tables; its id.
fn section47(db: &TestDb, t: &CaseTeam, case: &OpenCase, outcome: Option<&str>) -> String {
    let mut c = db.conn();
    let now = cairn_db::now();
    let on = d(2024, 5, 3);
    let discussion = section47_discussion(&mut c, t, case, on);
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(section47_enquiries::table)
        .values((
            section47_enquiries::id.eq(&id),
            section47_enquiries::referral_id.eq(&case.referral),
            section47_enquiries::person_id.eq(&case.child),
            section47_enquiries::strategy_discussion_id.eq(&discussion),
            section47_enquiries::started_on.eq(on),
            section47_enquiries::outcome.eq(outcome),
            section47_enquiries::version.eq(1),
            section47_enquiries::created_at.eq(now),
            section47_enquiries::created_by.eq(&t.worker.user_id),
        ))
        .execute(&mut c)
        .expect("an enquiry");
    id
}

/// A complete ICPC form deciding on a plan for physical abuse, held on `day` May 2024.
fn icpc_form(day: &str) -> Vec<(String, String)> {
    owned_fields(&[
        ("held_on-day", day),
        ("held_on-month", "5"),
        ("held_on-year", "2024"),
        ("chair", "Jo Independent, conference chair"),
        ("attendees-1-name", "DC Priya Jones"),
        ("attendees-1-agency", "police"),
        ("attendees-1-role", "Investigating officer"),
        ("attendees-2-name", ""),
        ("attendees-2-agency", ""),
        ("attendees-2-role", ""),
        ("decision", "cp_plan"),
        ("category", "PHY"),
        ("summary", "Bruising explained inconsistently."),
        ("core_group-1-name", "Ms Shah"),
        ("core_group-1-agency", "education"),
        ("core_group-1-role", "Designated safeguarding lead"),
        ("actions-1-description", "Arrange a paediatric assessment"),
        ("actions-1-owner", ""),
        ("actions-1-owner-name", "Health visitor Ng"),
        ("actions-1-due-day", "7"),
        ("actions-1-due-month", "6"),
        ("actions-1-due-year", "2024"),
    ])
}

/// Posts the complete ICPC form (held on `day` May 2024) for enquiry `s47` as `session`: the
/// way most tests get a plan to work on.
async fn record_icpc(app: &axum::Router, session: &Session, s47: &str, day: &str) -> Answer {
    send(
        app,
        post_fields(
            &format!("/section47/{s47}/icpc/new"),
            session,
            &icpc_form(day),
        ),
    )
    .await
}

fn with(mut form: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    form.retain(|(k, _)| k != name);
    form.push((name.to_string(), value.to_string()));
    form
}

/// The plan id in a `/cp-plans/{id}?…` redirect.
fn plan_id(location: &str) -> String {
    location
        .trim_start_matches("/cp-plans/")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_string()
}

both_backends!(
    the_icpc_form_checks_its_date_and_starts_a_plan,
    |db: TestDb| {
        let app = app(&db);
        let t = case_team(&db);
        let case = open_case(&db, &t, "Amelia", d(2024, 5, 1));
        let s47 = section47(&db, &t, &case, None);
        let path = format!("/section47/{s47}/icpc/new");
        runtime().block_on(async {
            let form = send(&app, get(&path, &t.worker)).await;
            assert_eq!(form.status, StatusCode::OK, "{}", form.body);
            assert_accessible(&form, "the ICPC form");
            for text in [
                "Record an initial child protection conference",
                "28 May 2024",
                "15 working days from the strategy discussion",
                "Multiple is discouraged",
                "name=\"attendees-6-name\"",
                "name=\"core_group-4-agency\"",
                "name=\"actions-3-description\"",
            ] {
                assert!(has(&form.body, text), "the form shows {text}");
            }

            // Saturday 1 June: refused, with everything typed kept.
            let saturday = with(
                with(
                    with(icpc_form("1"), "held_on-month", "6"),
                    "chair",
                    "<b>Jo</b>",
                ),
                "attendees-2-name",
                "Sam Hughes",
            );
            let bad = send(&app, post_fields(&path, &t.worker, &saturday)).await;
            assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
            assert!(bad.body.contains("govuk-error-summary"));
            assert!(has(&bad.body, "must be a weekday"), "{}", bad.body);
            assert!(bad.body.contains("href=\"#held_on-day\""));
            assert!(
                bad.body.contains("href=\"#attendees-2-agency\""),
                "a half-filled row"
            );
            assert!(
                bad.body.contains("&#60;b&#62;Jo&#60;/b&#62;") || bad.body.contains("&lt;b&gt;Jo")
            );
            assert!(bad.body.contains("value=\"Sam Hughes\""));
            assert!(
                bad.body
                    .contains("value=\"Arrange a paediatric assessment\"")
            );
            assert!(bad.body.contains("<title>Error: "));
            assert_accessible(&bad, "the ICPC form with errors");

            // An unreadable due date is the page's own problem: the rest are listed, nothing saved.
            let unreadable = with(icpc_form("28"), "actions-1-due-month", "13");
            let unreadable = with(unreadable, "summary", "");
            let bad = send(&app, post_fields(&path, &t.worker, &unreadable)).await;
            assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
            assert!(bad.body.contains("href=\"#actions-1-due-day\""));
            assert!(bad.body.contains("href=\"#summary\""));
            assert!(
                !bad.body.contains("href=\"#held_on-day\""),
                "the date was fine"
            );

            let done = send(&app, post_fields(&path, &t.worker, &icpc_form("28"))).await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
            assert!(
                done.location().starts_with("/cp-plans/"),
                "{}",
                done.location()
            );
            let plan = plan_id(done.location());

            let page = send(&app, get(done.location(), &t.worker)).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            assert_accessible(&page, "the plan page");
            for text in [
                "Conference recorded and child protection plan started",
                "Child protection plan",
                "28 May 2024",
                "Physical abuse",
                "Ms Shah",
                "Designated safeguarding lead",
                "11 June 2024",
                "28 August 2024",
                "10 working days from the initial child protection conference",
                "Arrange a paediatric assessment",
                "href=\"/actions/",
                &format!("action=\"/cp-plans/{plan}/end\""),
                &format!("href=\"/cp-plans/{plan}/reviews/new\""),
            ] {
                assert!(has(&page.body, text), "the plan page shows {text}");
            }

            // The conference's own page says it was in time.
            let again = send(&app, get(&path, &t.worker)).await;
            let conference = link(&again.body, "View the conference");
            let record = send(&app, get(&conference, &t.worker)).await;
            assert_eq!(record.status, StatusCode::OK);
            assert_accessible(&record, "the conference");
            assert!(has(&record.body, "Within target"));
            assert!(has(&record.body, "DC Priya Jones"));

            // A second conference for the same child cannot start a second plan.
            let other = section47(&db, &t, &case, Some("continuing_risk_icpc"));
            let second = record_icpc(&app, &t.worker, &other, "29").await;
            assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.body);
            assert!(has(
                &second.body,
                "already has an open child protection plan"
            ));
            assert!(second.body.contains("href=\"#conference-form\""));
            assert_accessible(&second, "the refused second plan");
        });
        assert_eq!(audit_rows(&db, "cp_plan.start").len(), 1);
        let viewed = audit_rows(&db, "cp_plan.view");
        assert!(
            viewed
                .iter()
                .all(|r| r.person_id.as_deref() == Some(case.child.as_str()))
        );
    }
);

both_backends!(
    no_conference_when_the_enquiry_said_none_was_needed,
    |db: TestDb| {
        let app = app(&db);
        let t = case_team(&db);
        let case = open_case(&db, &t, "Amelia", d(2024, 5, 1));
        let s47 = section47(&db, &t, &case, Some("icpc_not_required"));
        let path = format!("/section47/{s47}/icpc/new");
        runtime().block_on(async {
            let form = send(&app, get(&path, &t.worker)).await;
            assert_eq!(form.status, StatusCode::OK);
            assert!(has(
                &form.body,
                "no initial child protection conference is needed"
            ));
            assert!(
                !form.body.contains("name=\"held_on-day\""),
                "no form to fill in"
            );
            assert_accessible(&form, "the refused ICPC form");
            let refused = send(&app, post_fields(&path, &t.worker, &icpc_form("28"))).await;
            assert_eq!(refused.status, StatusCode::CONFLICT);
        });
    }
);

both_backends!(the_plan_page_forms_keep_what_was_typed, |db: TestDb| {
    let app = app(&db);
    let t = case_team(&db);
    let case = open_case(&db, &t, "Amelia", d(2024, 5, 1));
    let s47 = section47(&db, &t, &case, Some("continuing_risk_icpc"));
    runtime().block_on(async {
        let done = record_icpc(&app, &t.worker, &s47, "28").await;
        let plan = plan_id(done.location());
        let base = format!("/cp-plans/{plan}");

        let meeting = send(
            &app,
            post(
                &format!("{base}/core-group-meetings"),
                &t.worker,
                &[
                    ("meeting-held_on-day", "27"),
                    ("meeting-held_on-month", "5"),
                    ("meeting-held_on-year", "2024"),
                    ("meeting-summary", "Met with the family at school."),
                ],
            ),
        )
        .await;
        assert_eq!(
            meeting.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            meeting.body
        );
        assert!(has(
            &meeting.body,
            "cannot be before the plan started on 28 May 2024"
        ));
        assert!(meeting.body.contains("href=\"#meeting-held_on-day\""));
        assert!(has(&meeting.body, "Met with the family at school."));
        assert_accessible(&meeting, "the plan page with a meeting error");
        let meeting = send(
            &app,
            post(
                &format!("{base}/core-group-meetings"),
                &t.worker,
                &[
                    ("meeting-held_on-day", "11"),
                    ("meeting-held_on-month", "6"),
                    ("meeting-held_on-year", "2024"),
                    ("meeting-summary", "Met with the family at school."),
                ],
            ),
        )
        .await;
        assert_eq!(meeting.status, StatusCode::SEE_OTHER);
        assert_eq!(meeting.location(), format!("{base}?done=meeting"));

        let member = send(
            &app,
            post(
                &format!("{base}/core-group"),
                &t.worker,
                &[
                    ("member-name", "Dr Patel"),
                    ("member-agency", ""),
                    ("member-role", "GP"),
                ],
            ),
        )
        .await;
        assert_eq!(member.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(member.body.contains("href=\"#member-agency\""));
        assert!(member.body.contains("value=\"Dr Patel\""));

        let actions = send(
            &app,
            post(
                &format!("{base}/actions"),
                &t.worker,
                &[
                    (
                        "actions-1-description",
                        "Home visit with the health visitor",
                    ),
                    ("actions-1-owner", &t.worker.user_id),
                    ("actions-1-owner-name", ""),
                    ("actions-1-due-day", "31"),
                    ("actions-1-due-month", "2"),
                    ("actions-1-due-year", "2024"),
                ],
            ),
        )
        .await;
        assert_eq!(actions.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(actions.body.contains("href=\"#actions-1-due-day\""));
        assert!(
            actions
                .body
                .contains("value=\"Home visit with the health visitor\"")
        );

        // Ending on the day it started is refused (census 8840); a stale form conflicts.
        let same_day = send(
            &app,
            post(
                &format!("{base}/end"),
                &t.worker,
                &[
                    ("version", "1"),
                    ("end-ended_on-day", "28"),
                    ("end-ended_on-month", "5"),
                    ("end-ended_on-year", "2024"),
                    ("end-reason", "moved_area"),
                ],
            ),
        )
        .await;
        assert_eq!(same_day.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(has(&same_day.body, "cannot end on the day it started"));
        assert!(same_day.body.contains("href=\"#end-ended_on-day\""));
        assert!(same_day.body.contains("value=\"moved_area\" checked"));

        let review_form = send(&app, get(&format!("{base}/reviews/new"), &t.worker)).await;
        assert_eq!(review_form.status, StatusCode::OK);
        assert_accessible(&review_form, "the review form");
        assert!(has(&review_form.body, "No change (Physical abuse)"));
        let review = send(
            &app,
            post(
                &format!("{base}/reviews/new"),
                &t.worker,
                &[
                    ("version", "1"),
                    ("held_on-day", "20"),
                    ("held_on-month", "8"),
                    ("held_on-year", "2024"),
                    ("chair", "Jo Independent"),
                    ("decision", "continue_plan"),
                    ("category", "EMO"),
                    ("summary", "Progress, but emotional harm continues."),
                ],
            ),
        )
        .await;
        assert_eq!(review.status, StatusCode::SEE_OTHER, "{}", review.body);
        let stale_end = send(
            &app,
            post(
                &format!("{base}/end"),
                &t.worker,
                &[
                    ("version", "1"),
                    ("end-ended_on-day", "2"),
                    ("end-ended_on-month", "9"),
                    ("end-ended_on-year", "2024"),
                    ("end-reason", "moved_area"),
                ],
            ),
        )
        .await;
        assert_eq!(stale_end.status, StatusCode::CONFLICT, "{}", stale_end.body);
        assert!(has(&stale_end.body, "Someone else changed this plan"));
        assert!(stale_end.body.contains("href=\"#end-form\""));

        let page = send(&app, get(&base, &t.worker)).await;
        for text in [
            "Emotional abuse",
            "20 August 2024",
            "20 February 2025",
            "6 months from the last review conference",
        ] {
            assert!(has(&page.body, text), "the plan shows {text}");
        }
    });
});

both_backends!(child_in_need_plans_through_the_pages, |db: TestDb| {
    let app = app(&db);
    let t = case_team(&db);
    let case = open_case(&db, &t, "Amelia", d(2024, 5, 1));
    let blocked = open_case(&db, &t, "Noah", d(2024, 5, 1));
    let s47 = section47(&db, &t, &blocked, Some("continuing_risk_icpc"));
    runtime().block_on(async {
        let plan = record_icpc(&app, &t.worker, &s47, "28").await;
        assert_eq!(plan.status, StatusCode::SEE_OTHER);
        let refused_form = send(
            &app,
            get(
                &format!("/episodes/{}/cin-plans/new", blocked.referral),
                &t.worker,
            ),
        )
        .await;
        assert!(has(&refused_form.body, "has an open"));
        let refused = send(
            &app,
            post(
                &format!("/episodes/{}/cin-plans/new", blocked.referral),
                &t.worker,
                &[
                    ("started_on-day", "3"),
                    ("started_on-month", "6"),
                    ("started_on-year", "2024"),
                ],
            ),
        )
        .await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
        assert!(has(&refused.body, "can start on the day that plan ends"));

        let path = format!("/episodes/{}/cin-plans/new", case.referral);
        let form = send(&app, get(&path, &t.worker)).await;
        assert_eq!(form.status, StatusCode::OK);
        assert_accessible(&form, "the new child in need plan form");
        let early = send(
            &app,
            post(
                &path,
                &t.worker,
                &[
                    ("started_on-day", "30"),
                    ("started_on-month", "4"),
                    ("started_on-year", "2024"),
                ],
            ),
        )
        .await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(has(
            &early.body,
            "cannot start before the referral on 1 May 2024"
        ));
        assert!(early.body.contains("value=\"30\""));
        assert_accessible(&early, "the form with an error");
        let started = send(
            &app,
            post(
                &path,
                &t.worker,
                &[
                    ("started_on-day", "3"),
                    ("started_on-month", "6"),
                    ("started_on-year", "2024"),
                ],
            ),
        )
        .await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
        let page = send(&app, get(started.location(), &t.worker)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_accessible(&page, "the child in need plan");
        for text in [
            "Child in need plan started",
            "3 June 2024",
            "3 September 2024",
            "3 months from the start of the child in need plan",
            "1 July 2024",
        ] {
            assert!(has(&page.body, text), "the plan shows {text}");
        }
        let cin = started
            .location()
            .trim_start_matches("/cin-plans/")
            .split('?')
            .next()
            .unwrap_or_default()
            .to_string();
        let review = send(
            &app,
            post(
                &format!("/cin-plans/{cin}/reviews"),
                &t.worker,
                &[
                    ("version", "1"),
                    ("review-held_on-day", "30"),
                    ("review-held_on-month", "8"),
                    ("review-held_on-year", "2024"),
                    ("review-decision", ""),
                    ("review-summary", "Attendance improving."),
                ],
            ),
        )
        .await;
        assert_eq!(review.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(review.body.contains("href=\"#review-decision\""));
        assert!(has(&review.body, "Attendance improving."));
        assert_accessible(&review, "the plan with a review error");
        let ended = send(
            &app,
            post(
                &format!("/cin-plans/{cin}/end"),
                &t.worker,
                &[
                    ("version", "1"),
                    ("end-ended_on-day", "31"),
                    ("end-ended_on-month", "10"),
                    ("end-ended_on-year", "2024"),
                    ("end-reason", "no_longer_in_need"),
                ],
            ),
        )
        .await;
        assert_eq!(ended.status, StatusCode::SEE_OTHER, "{}", ended.body);
        let page = send(&app, get(&format!("/cin-plans/{cin}"), &t.worker)).await;
        assert!(has(
            &page.body,
            "Ended on 31 October 2024: No longer in need"
        ));
        assert!(
            !page.body.contains("id=\"end-form\""),
            "no forms on an ended plan"
        );
    });
});

both_backends!(
    administrators_cannot_see_plans_and_the_refusal_is_audited,
    |db: TestDb| {
        let app = app(&db);
        let t = case_team(&db);
        let case = open_case(&db, &t, "Amelia", d(2024, 5, 1));
        let s47 = section47(&db, &t, &case, None);
        let admin = signed_in(&db, "admin.one", Role::Administrator);
        runtime().block_on(async {
            let done = record_icpc(&app, &t.worker, &s47, "28").await;
            let refused = send(&app, get(done.location(), &admin)).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN);
            let form = send(&app, get(&format!("/section47/{s47}/icpc/new"), &admin)).await;
            assert_eq!(form.status, StatusCode::FORBIDDEN);
        });
        let denied = audit_rows(&db, "access.denied");
        assert_eq!(denied.len(), 2);
        assert!(
            denied
                .iter()
                .all(|r| r.person_id.as_deref() == Some(case.child.as_str()))
        );
    }
);

both_backends!(
    conferences_and_plans_round_trip_through_the_api,
    |db: TestDb| {
        let app = app(&db);
        let t = case_team(&db);
        let case = open_case(&db, &t, "Amelia", d(2024, 5, 1));
        let s47 = section47(&db, &t, &case, Some("continuing_risk_icpc"));
        let writer = casework_token(
            &db,
            &Actor::command_line(),
            &t.worker.user_id,
            CASEWORK_SCOPES,
        );
        let reader = casework_token(
            &db,
            &Actor::command_line(),
            &t.worker.user_id,
            &["casework:read"],
        );
        let icpc = json!({
            "held_on": "2024-05-29",
            "chair": "Jo Independent",
            "attendees": [{ "name": "DC Priya Jones", "agency": "police", "role": "Officer" }],
            "decision": "cp_plan",
            "category": "NEG",
            "summary": "Neglect of basic care.",
            "core_group": [{ "name": "Ms Shah", "agency": "education" }],
            "actions": [{ "description": "Nursery place", "owner_name": "Early years team", "due_on": "2024-06-14" }]
        });
        runtime().block_on(async {
        let bad_date = send(
            &app,
            api_request(
                Method::POST,
                &format!("/section47/{s47}/icpc"),
                &writer,
                Some(json!({ "held_on": "29/05/2024" })),
            ),
        )
        .await;
        assert_eq!(bad_date.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad_date.json()["fields"][0]["field"], "held_on");

        let read_only = send(
            &app,
            api_request(Method::POST, &format!("/section47/{s47}/icpc"), &reader, Some(icpc.clone())),
        )
        .await;
        assert_eq!(read_only.status, StatusCode::FORBIDDEN);

        let recorded = send(
            &app,
            api_request(Method::POST, &format!("/section47/{s47}/icpc"), &writer, Some(icpc.clone())),
        )
        .await;
        assert_eq!(recorded.status, StatusCode::CREATED, "{}", recorded.body);
        let body = recorded.json();
        let conference = body["conference_id"].as_str().expect("an id").to_string();
        let plan = body["cp_plan_id"].as_str().expect("a plan").to_string();
        assert_eq!(recorded.location(), format!("/api/v1/conferences/{conference}"));

        let read = send(&app, api_request(Method::GET, &format!("/conferences/{conference}"), &reader, None)).await;
        assert_eq!(read.status, StatusCode::OK);
        let c = read.json();
        assert_eq!(c["target"]["date"], "2024-05-28");
        assert_eq!(c["timeliness"]["status"], "late");
        assert_eq!(c["timeliness"]["working_days"], 1);

        let read = send(&app, api_request(Method::GET, &format!("/cp-plans/{plan}"), &reader, None)).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.body);
        let p = read.json();
        assert_eq!(p["plan"]["started_on"], "2024-05-29");
        assert_eq!(p["plan"]["initial_category"], "NEG");
        assert_eq!(p["next_review"]["date"], "2024-08-29");
        assert_eq!(p["actions"][0]["description"], "Nursery place");

        let meeting = send(
            &app,
            api_request(
                Method::POST,
                &format!("/cp-plans/{plan}/core-group-meetings"),
                &writer,
                Some(json!({ "held_on": "2024-06-10", "summary": "First core group." })),
            ),
        )
        .await;
        assert_eq!(meeting.status, StatusCode::CREATED, "{}", meeting.body);

        let review = send(
            &app,
            api_request(
                Method::POST,
                &format!("/cp-plans/{plan}/reviews"),
                &writer,
                Some(json!({ "held_on": "2024-08-20", "chair": "Jo Independent", "decision": "continue_plan", "summary": "Continuing.", "version": 1 })),
            ),
        )
        .await;
        assert_eq!(review.status, StatusCode::CREATED, "{}", review.body);
        let stale = send(
            &app,
            api_request(
                Method::POST,
                &format!("/cp-plans/{plan}/end"),
                &writer,
                Some(json!({ "ended_on": "2024-09-02", "reason": "moved_area", "version": 1 })),
            ),
        )
        .await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert_eq!(stale.json()["error"], "conflict");

        let cin_refused = send(
            &app,
            api_request(
                Method::POST,
                &format!("/episodes/{}/cin-plans", case.referral),
                &writer,
                Some(json!({ "started_on": "2024-06-03" })),
            ),
        )
        .await;
        assert_eq!(cin_refused.status, StatusCode::CONFLICT);

        let ended = send(
            &app,
            api_request(
                Method::POST,
                &format!("/cp-plans/{plan}/end"),
                &writer,
                Some(json!({ "ended_on": "2024-09-02", "reason": "moved_area", "version": 2 })),
            ),
        )
        .await;
        assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);

        let cin = send(
            &app,
            api_request(
                Method::POST,
                &format!("/episodes/{}/cin-plans", case.referral),
                &writer,
                Some(json!({ "started_on": "2024-09-02" })),
            ),
        )
        .await;
        assert_eq!(cin.status, StatusCode::CREATED, "{}", cin.body);
        let cin_id = cin.json()["cin_plan_id"].as_str().expect("an id").to_string();
        let review = send(
            &app,
            api_request(
                Method::POST,
                &format!("/cin-plans/{cin_id}/reviews"),
                &writer,
                Some(json!({ "held_on": "2024-10-01", "decision": "continue_plan", "summary": "Going well.", "version": 1 })),
            ),
        )
        .await;
        assert_eq!(review.status, StatusCode::CREATED, "{}", review.body);
        let read = send(&app, api_request(Method::GET, &format!("/cin-plans/{cin_id}"), &reader, None)).await;
        assert_eq!(read.json()["next_review"]["date"], "2025-01-01");
        let end = send(
            &app,
            api_request(
                Method::POST,
                &format!("/cin-plans/{cin_id}/end"),
                &writer,
                Some(json!({ "ended_on": "2024-09-02", "reason": "other", "version": 2 })),
            ),
        )
        .await;
        assert_eq!(end.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(end.json()["fields"][0]["field"], "ended_on");

        let doc = send(&app, api_request(Method::GET, "/openapi.json", &reader, None)).await.json();
        for path in ["/section47/{id}/icpc", "/cp-plans/{id}", "/cin-plans/{id}/end", "/episodes/{id}/cin-plans"] {
            assert!(doc["paths"][path].is_object(), "the document describes {path}");
        }
        assert!(doc["components"]["schemas"]["IcpcInput"].is_object());
    });
    }
);

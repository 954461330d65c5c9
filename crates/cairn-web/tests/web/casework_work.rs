//! The episode page, closing an episode, "my work", "team work", the navigation badge, a
//! child's current status on their page, and the same through the API, through the real
//! router with real sign-in, on SQLite and PostgreSQL. Casework records are written straight
//! into their tables: their own pages are tested elsewhere.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use cairn_core::Actor;
use cairn_db::DbConn;
use cairn_db::both_backends;
use cairn_db::schema::{
    assessments, case_actions, cin_plans, conferences, cp_plans, section47_enquiries, visits,
};
use cairn_db::testing::TestDb;
use cairn_domain::roles::Role;
use chrono::NaiveDate;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::json;

use crate::support::*;

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn assessment(
    c: &mut DbConn,
    case: &OpenCase,
    worker: &str,
    status: &str,
    started: NaiveDate,
) -> String {
    let id = new_id();
    diesel::insert_into(assessments::table)
        .values((
            assessments::id.eq(&id),
            assessments::referral_id.eq(&case.referral),
            assessments::person_id.eq(&case.child),
            assessments::kind.eq("single"),
            assessments::status.eq(status),
            assessments::started_on.eq(started),
            assessments::worker_id.eq(worker),
            assessments::submitted_by.eq((status == "submitted").then_some(worker)),
            assessments::authorised_on.eq((status == "authorised").then_some(started)),
            assessments::created_at.eq(cairn_db::now()),
            assessments::created_by.eq(worker),
        ))
        .execute(c)
        .expect("insert an assessment");
    id
}

/// A strategy discussion and the section 47 enquiry it started; (discussion, enquiry).
fn section47(c: &mut DbConn, t: &CaseTeam, case: &OpenCase, on: NaiveDate) -> (String, String) {
    let discussion = section47_discussion(c, t, case, on);
    let id = new_id();
    diesel::insert_into(section47_enquiries::table)
        .values((
            section47_enquiries::id.eq(&id),
            section47_enquiries::referral_id.eq(&case.referral),
            section47_enquiries::person_id.eq(&case.child),
            section47_enquiries::strategy_discussion_id.eq(&discussion),
            section47_enquiries::started_on.eq(on),
            section47_enquiries::outcome.eq("continuing_risk_icpc"),
            section47_enquiries::outcome_on.eq(on),
            section47_enquiries::recorded_by.eq(&t.worker.user_id),
            section47_enquiries::signed_off_by.eq(&t.manager.user_id),
            section47_enquiries::signed_off_at.eq(cairn_db::now()),
            section47_enquiries::created_at.eq(cairn_db::now()),
            section47_enquiries::created_by.eq(&t.worker.user_id),
        ))
        .execute(c)
        .expect("insert an enquiry");
    (discussion, id)
}

/// An initial conference on the enquiry that started a child protection plan; (conference,
/// plan).
fn cp_plan(c: &mut DbConn, case: &OpenCase, s47: &str, on: NaiveDate) -> (String, String) {
    let conference = new_id();
    diesel::insert_into(conferences::table)
        .values((
            conferences::id.eq(&conference),
            conferences::referral_id.eq(&case.referral),
            conferences::person_id.eq(&case.child),
            conferences::kind.eq("initial"),
            conferences::section47_id.eq(s47),
            conferences::held_on.eq(on),
            conferences::chair.eq("Independent chair"),
            conferences::decision.eq("cp_plan"),
            conferences::category.eq("NEG"),
            conferences::created_at.eq(cairn_db::now()),
            conferences::created_by.eq("test"),
        ))
        .execute(c)
        .expect("insert a conference");
    let plan = new_id();
    diesel::insert_into(cp_plans::table)
        .values((
            cp_plans::id.eq(&plan),
            cp_plans::referral_id.eq(&case.referral),
            cp_plans::person_id.eq(&case.child),
            cp_plans::initial_conference_id.eq(&conference),
            cp_plans::started_on.eq(on),
            cp_plans::initial_category.eq("NEG"),
            cp_plans::latest_category.eq("NEG"),
            cp_plans::created_at.eq(cairn_db::now()),
            cp_plans::created_by.eq("test"),
        ))
        .execute(c)
        .expect("insert a plan");
    (conference, plan)
}

fn cin_plan(c: &mut DbConn, case: &OpenCase, started: NaiveDate) -> String {
    let id = new_id();
    diesel::insert_into(cin_plans::table)
        .values((
            cin_plans::id.eq(&id),
            cin_plans::referral_id.eq(&case.referral),
            cin_plans::person_id.eq(&case.child),
            cin_plans::started_on.eq(started),
            cin_plans::created_at.eq(cairn_db::now()),
            cin_plans::created_by.eq("test"),
        ))
        .execute(c)
        .expect("insert a plan");
    id
}

fn visit(c: &mut DbConn, case: &OpenCase, worker: &str, on: NaiveDate) -> String {
    let id = new_id();
    diesel::insert_into(visits::table)
        .values((
            visits::id.eq(&id),
            visits::person_id.eq(&case.child),
            visits::referral_id.eq(&case.referral),
            visits::visited_at.eq(on.and_hms_opt(11, 0, 0).expect("a time")),
            visits::kind.eq("unannounced"),
            visits::child_seen.eq(true),
            visits::seen_alone.eq(true),
            visits::bedroom_seen.eq(true),
            visits::observations.eq("Home warm and tidy."),
            visits::worker_id.eq(worker),
            visits::created_at.eq(cairn_db::now()),
            visits::created_by.eq(worker),
        ))
        .execute(c)
        .expect("insert a visit");
    id
}

fn action(c: &mut DbConn, case: &OpenCase, owner: &str, due: NaiveDate) -> String {
    let id = new_id();
    diesel::insert_into(case_actions::table)
        .values((
            case_actions::id.eq(&id),
            case_actions::person_id.eq(&case.child),
            case_actions::source_kind.eq("cp_plan"),
            case_actions::source_id.eq(new_id()),
            case_actions::description.eq("Health visitor to check weight"),
            case_actions::owner_user_id.eq(owner),
            case_actions::owner_name.eq("Test worker"),
            case_actions::due_on.eq(due),
            case_actions::status.eq("open"),
            case_actions::created_at.eq(cairn_db::now()),
            case_actions::created_by.eq("test"),
        ))
        .execute(c)
        .expect("insert an action");
    id
}

fn closure_fields(on: NaiveDate, reason: &str) -> Vec<(String, String)> {
    let mut fields = date_fields("closed_on", on);
    fields.extend(owned_fields(&[
        ("reason", reason),
        (
            "summary",
            "Attendance is good and the family no longer needs social care.",
        ),
    ]));
    fields
}

both_backends!(the_episode_page_links_every_record, |db: TestDb| {
    let app = app(&db);
    let t = case_team(&db);
    let case = open_case(&db, &t, "Rosa", days_ago(60));
    let mut c = db.conn();
    let a = assessment(
        &mut c,
        &case,
        &t.worker.user_id,
        "in_progress",
        days_ago(58),
    );
    let (discussion, s47) = section47(&mut c, &t, &case, days_ago(40));
    let (conference, plan) = cp_plan(&mut c, &case, &s47, days_ago(30));
    let v = visit(&mut c, &case, &t.worker.user_id, days_ago(4));
    let act = action(&mut c, &case, &t.worker.user_id, days_ago(2));
    let admin = signed_in(&db, "admin.one", Role::Administrator);
    runtime().block_on(async {
        let page = send(
            &app,
            get(&format!("/episodes/{}", case.referral), &t.worker),
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_accessible(&page, "the episode page");
        for text in [
            format!("href=\"/people/{}\"", case.child),
            format!("href=\"/assessments/{a}\""),
            format!("href=\"/strategy-discussions/{discussion}\""),
            format!("href=\"/section47/{s47}\""),
            format!("href=\"/conferences/{conference}\""),
            format!("href=\"/cp-plans/{plan}\""),
            format!("href=\"/visits/{v}\""),
            format!("href=\"/actions/{act}\""),
            format!("href=\"/episodes/{}/assessments/new\"", case.referral),
            format!(
                "href=\"/episodes/{}/strategy-discussions/new\"",
                case.referral
            ),
            format!("href=\"/episodes/{}/visits/new\"", case.referral),
            format!("href=\"/episodes/{}/cin-plans/new\"", case.referral),
            format!("href=\"/episodes/{}/close\"", case.referral),
            "Rosa Casework".to_string(),
            "Test worker".to_string(),
            "Due in this episode".to_string(),
            "45 working days from the referral".to_string(),
            "days overdue".to_string(),
            "Child seen alone".to_string(),
        ] {
            assert!(has(&page.body, &text), "the episode page shows {text}");
        }
        let viewed = audit_rows(&db, "episode.view");
        assert_eq!(viewed.len(), 1);
        assert_eq!(viewed[0].person_id.as_deref(), Some(case.child.as_str()));
        // The referral's page leads to the episode.
        let referral = send(
            &app,
            get(&format!("/referrals/{}", case.referral), &t.manager),
        )
        .await;
        assert_eq!(referral.status, StatusCode::OK, "{}", referral.body);
        assert!(has(
            &referral.body,
            &format!("href=\"/episodes/{}\"", case.referral)
        ));
        // Administrators run the system, not the casework.
        let refused = send(&app, get(&format!("/episodes/{}", case.referral), &admin)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let missing = send(&app, get("/episodes/not-an-id", &t.worker)).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
    });
});

both_backends!(a_refused_closure_lists_what_is_open, |db: TestDb| {
    let app = app(&db);
    let t = case_team(&db);
    let case = open_case(&db, &t, "Sami", days_ago(50));
    let a = {
        let mut c = db.conn();
        assessment(
            &mut c,
            &case,
            &t.worker.user_id,
            "in_progress",
            days_ago(45),
        )
    };
    let path = format!("/episodes/{}/close", case.referral);
    runtime().block_on(async {
        let form = send(&app, get(&path, &t.worker)).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert_accessible(&form, "the closure form");
        assert!(has(&form.body, "Finish this work first"));
        let refused = send(
            &app,
            post_fields(&path, &t.worker, &closure_fields(days_ago(1), "RC7")),
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert_accessible(&refused, "the refused closure");
        assert!(has(&refused.body, "govuk-error-summary"));
        assert!(has(&refused.body, "href=\"#blockers\""));
        assert!(has(&refused.body, "is not authorised"));
        assert!(has(&refused.body, &format!("href=\"/assessments/{a}\"")));
        assert!(
            has(
                &refused.body,
                "Attendance is good and the family no longer needs social care."
            ),
            "what was typed is kept"
        );
        assert!(has(&refused.body, "value=\"RC7\" checked"));
        assert!(audit_rows(&db, "episode.closure_request").is_empty());

        // A bad date is pointed out at its first box.
        let mut bad = closure_fields(days_ago(1), "RC7");
        bad[1].1 = "13".into();
        let bad = send(&app, post_fields(&path, &t.worker, &bad)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(has(&bad.body, "href=\"#closed_on-day\""));
        assert!(has(&bad.body, "The closure date must be a real date"));
    });
});

both_backends!(an_episode_closes_through_the_pages, |db: TestDb| {
    let app = app(&db);
    let t = case_team(&db);
    let case = open_case(&db, &t, "Tam", days_ago(50));
    {
        let mut c = db.conn();
        assessment(&mut c, &case, &t.worker.user_id, "authorised", days_ago(45));
    }
    let path = format!("/episodes/{}/close", case.referral);
    runtime().block_on(async {
        let sent = send(
            &app,
            post_fields(&path, &t.worker, &closure_fields(days_ago(1), "RC8")),
        )
        .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        assert_eq!(
            sent.location(),
            format!("/episodes/{}?closure=requested", case.referral)
        );
        // The manager sees it waiting, in the badge and in the episode.
        let home = send(&app, get("/", &t.manager)).await;
        assert!(
            has(&home.body, "moj-notification-badge\">1 to authorise"),
            "{}",
            home.body
        );
        let review = send(&app, get(&path, &t.manager)).await;
        assert_eq!(review.status, StatusCode::OK);
        assert_accessible(&review, "the closure review");
        assert!(has(&review.body, "Waiting for a manager"));
        let action = review
            .body
            .split("action=\"/closures/")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the review form")
            .to_string();
        let unchosen = send(
            &app,
            post(
                &format!("/closures/{action}"),
                &t.manager,
                &[("version", "1")],
            ),
        )
        .await;
        assert_eq!(unchosen.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(has(&unchosen.body, "href=\"#decision\""));
        let decided = send(
            &app,
            post(
                &format!("/closures/{action}"),
                &t.manager,
                &[("decision", "authorise"), ("version", "1")],
            ),
        )
        .await;
        assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
        let episode = send(&app, get(decided.location(), &t.worker)).await;
        assert!(has(&episode.body, "the episode is closed"));
        assert!(has(&episode.body, "Closed</strong> on"));
        assert!(!has(&episode.body, "Close the episode</a>"));
        // A second decision on the same request is refused.
        let again = send(
            &app,
            post(
                &format!("/closures/{action}"),
                &t.manager,
                &[("decision", "authorise"), ("version", "1")],
            ),
        )
        .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    });
});

both_backends!(
    my_work_and_team_work_put_the_most_urgent_first,
    |db: TestDb| {
        let app = app(&db);
        let t = case_team(&db);
        let late = open_case(&db, &t, "Uma", days_ago(120));
        let planned = open_case(&db, &t, "Vic", days_ago(60));
        let waiting = open_case(&db, &t, "Wyn", days_ago(20));
        {
            let mut c = db.conn();
            assessment(
                &mut c,
                &late,
                &t.worker.user_id,
                "in_progress",
                days_ago(118),
            );
            cin_plan(&mut c, &planned, days_ago(40));
            assessment(
                &mut c,
                &waiting,
                &t.worker.user_id,
                "submitted",
                days_ago(18),
            );
        }
        let other = signed_in_with_team(&db, "other.worker", Role::SocialWorker, &t.team);
        runtime().block_on(async {
            let mine = send(&app, get("/my-work", &t.worker)).await;
            assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
            assert_accessible(&mine, "my work");
            let uma = mine.body.find("Uma Casework").expect("the late assessment");
            let vic = mine.body.find("Vic Casework").expect("the overdue visit");
            assert!(uma < vic, "the most overdue first");
            assert!(has(&mine.body, "days overdue"));
            assert!(has(&mine.body, "How this date was worked out"));
            assert!(has(&mine.body, "start of the child in need plan"));
            assert!(
                !has(&mine.body, "Wyn Casework"),
                "waiting for a manager, not the worker"
            );
            assert!(
                has(&mine.body, "moj-notification-badge\">2 overdue"),
                "the badge"
            );

            let team = send(&app, get("/team-work", &t.manager)).await;
            assert_eq!(team.status, StatusCode::OK, "{}", team.body);
            assert_accessible(&team, "team work");
            assert!(has(&team.body, "Work by worker"));
            assert!(has(&team.body, "Wyn Casework"));
            assert!(has(&team.body, "Authorise the child and family assessment"));
            assert!(has(&team.body, &format!("worker={}", t.worker.user_id)));
            let theirs = send(
                &app,
                get(
                    &format!("/team-work?team={}&worker={}", t.team, other.user_id),
                    &t.manager,
                ),
            )
            .await;
            assert_eq!(theirs.status, StatusCode::OK);
            assert!(has(&theirs.body, "Showing the work of Test other.worker"));
            assert!(has(&theirs.body, "Nothing is due."));
            let mine_as_manager = send(&app, get("/my-work", &t.manager)).await;
            assert!(has(&mine_as_manager.body, "Waiting for you to authorise"));
            assert!(has(&mine_as_manager.body, "Wyn Casework"));

            let refused = send(&app, get("/team-work", &t.worker)).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN);
        });
    }
);

both_backends!(
    pages_still_render_when_work_cannot_be_counted,
    |db: TestDb| {
        let app = app(&db);
        let t = case_team(&db);
        let case = open_case(&db, &t, "Xan", days_ago(60));
        {
            let mut c = db.conn();
            cin_plan(&mut c, &case, days_ago(40));
            // Something the counts and the status read is missing.
            c.batch_execute("DROP TABLE visits").expect("drop a table");
        }
        runtime().block_on(async {
            let home = send(&app, get("/", &t.worker)).await;
            assert_eq!(home.status, StatusCode::OK, "{}", home.body);
            assert!(has(&home.body, "href=\"/my-work\""));
            assert!(!has(&home.body, "moj-notification-badge"));
            let person = send(&app, get(&format!("/people/{}", case.child), &t.worker)).await;
            assert_eq!(person.status, StatusCode::OK, "{}", person.body);
            assert!(has(&person.body, "could not be shown just now"));
        });
    }
);

both_backends!(the_childs_page_shows_their_current_status, |db: TestDb| {
    let app = app(&db);
    let t = case_team(&db);
    let case = open_case(&db, &t, "Yara", days_ago(60));
    let plan = {
        let mut c = db.conn();
        let (_, s47) = section47(&mut c, &t, &case, days_ago(40));
        let (_, plan) = cp_plan(&mut c, &case, &s47, days_ago(25));
        visit(&mut c, &case, &t.worker.user_id, days_ago(3));
        plan
    };
    let admin = signed_in(&db, "admin.two", Role::Administrator);
    runtime().block_on(async {
        let page = send(&app, get(&format!("/people/{}", case.child), &t.worker)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_accessible(&page, "the child's page");
        for text in [
            "Current status".to_string(),
            format!("href=\"/episodes/{}\"", case.referral),
            format!("href=\"/cp-plans/{plan}\""),
            "Neglect, since".to_string(),
            "Allocated worker".to_string(),
            "Next visit due".to_string(),
            "last visit with the child seen".to_string(),
            "Next review due".to_string(),
            "First core group due".to_string(),
            "Casework records".to_string(),
        ] {
            assert!(has(&page.body, &text), "the child's page shows {text}");
        }
        let views: Vec<_> = audit_rows(&db, "person.view")
            .into_iter()
            .filter(|r| r.person_id.as_deref() == Some(case.child.as_str()))
            .collect();
        assert_eq!(views.len(), 1, "one audited view for the whole page");
        let for_admin = send(&app, get(&format!("/people/{}", case.child), &admin)).await;
        assert_eq!(for_admin.status, StatusCode::OK);
        assert!(!has(&for_admin.body, "Current status"));
    });
});

both_backends!(
    episodes_and_work_round_trip_through_the_api,
    |db: TestDb| {
        let app = app(&db);
        let t = case_team(&db);
        let case = open_case(&db, &t, "Zed", days_ago(40));
        let a = {
            let mut c = db.conn();
            assessment(
                &mut c,
                &case,
                &t.worker.user_id,
                "in_progress",
                days_ago(38),
            )
        };
        let (worker, manager) = team_tokens(&db, &Actor::command_line(), &t);
        let episode_path = format!("/episodes/{}", case.referral);
        let closure_path = format!("/episodes/{}/closure", case.referral);
        let body = json!({ "closed_on": days_ago(1).to_string(), "reason": "RC8", "summary": "Assessed; no further action." });
        runtime().block_on(async {
            let read = send(&app, api_request(Method::GET, &episode_path, &worker, None)).await;
            assert_eq!(read.status, StatusCode::OK, "{}", read.body);
            let v = read.json();
            assert_eq!(v["referral"]["id"], case.referral);
            assert_eq!(v["assessments"][0]["id"], a);
            assert_eq!(v["blockers"][0]["href"], format!("/assessments/{a}"));
            assert!(
                v["due"][0]["basis"]
                    .as_str()
                    .is_some_and(|b| b.contains("working days"))
            );

            let refused = send(
                &app,
                api_request(Method::POST, &closure_path, &worker, Some(body.clone())),
            )
            .await;
            assert_eq!(
                refused.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}",
                refused.body
            );
            let fields = refused.json()["fields"].clone();
            assert!(
                fields
                    .as_array()
                    .is_some_and(|f| f.iter().any(|e| e["field"] == "closure")),
                "{fields}"
            );
            {
                let mut c = db.conn();
                diesel::update(assessments::table.find(&a))
                    .set((
                        assessments::status.eq("authorised"),
                        assessments::authorised_on.eq(days_ago(2)),
                    ))
                    .execute(&mut c)
                    .expect("authorise");
            }
            let sent = send(
                &app,
                api_request(Method::POST, &closure_path, &worker, Some(body)),
            )
            .await;
            assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
            let closure = sent.json()["id"].as_str().expect("an id").to_string();

            let work = send(&app, api_request(Method::GET, "/my-work", &manager, None)).await;
            assert_eq!(work.status, StatusCode::OK, "{}", work.body);
            assert_eq!(work.json()["counts"]["to_authorise"], 1);
            let team = send(&app, api_request(Method::GET, "/team-work", &manager, None)).await;
            assert_eq!(team.status, StatusCode::OK, "{}", team.body);
            assert_eq!(team.json()["items"][0]["kind"], "authorise_closure");
            let not_for_workers =
                send(&app, api_request(Method::GET, "/team-work", &worker, None)).await;
            assert_eq!(not_for_workers.status, StatusCode::FORBIDDEN);

            let review_path = format!("/closures/{closure}/review");
            let stale = send(
                &app,
                api_request(
                    Method::POST,
                    &review_path,
                    &manager,
                    Some(json!({ "decision": "authorise", "version": 7 })),
                ),
            )
            .await;
            assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
            let done = send(
                &app,
                api_request(
                    Method::POST,
                    &review_path,
                    &manager,
                    Some(json!({ "decision": "authorise", "version": 1 })),
                ),
            )
            .await;
            assert_eq!(done.status, StatusCode::OK, "{}", done.body);
            assert_eq!(done.json()["status"], "authorised");
            let closed = send(&app, api_request(Method::GET, &episode_path, &worker, None))
                .await
                .json();
            assert_eq!(closed["referral"]["closure_reason"], "RC8");

            let doc = send(
                &app,
                Request::get("/api/v1/openapi.json")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .json();
            for path in [
                "/episodes/{id}",
                "/episodes/{id}/closure",
                "/closures/{id}/review",
                "/my-work",
                "/team-work",
            ] {
                assert!(doc["paths"].get(path).is_some(), "{path} is documented");
            }
            for schema in ["Episode", "WorkItem", "MyWork", "TeamWork", "ClosureInput"] {
                assert!(
                    doc["components"]["schemas"].get(schema).is_some(),
                    "{schema}"
                );
            }
        });
    }
);

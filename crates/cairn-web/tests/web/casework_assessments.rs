//! Assessment pages and their API, through the real router with real sign-in, on SQLite and
//! PostgreSQL: starting one, saving and submitting (and what a refused submission keeps), a
//! manager's authorisation, a stale form, and the API round trip.

use axum::http::{Method, StatusCode};
use cairn_core::Actor;
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::roles::Role;
use chrono::NaiveDate;
use serde_json::json;

use crate::support::*;

/// The assessment form, complete, at `version`, concluding with `outcome`.
fn complete_form(version: i32, outcome: &str) -> Vec<(String, String)> {
    let mut f = owned_fields(&[
        ("framework-health", "Immunisations up to date."),
        ("framework-housing", "Damp in the bedroom."),
        ("child_views", "Says she likes school and misses her gran."),
        ("parent_views", "Mother wants help with routines."),
        ("identity-ethnicity", "White British"),
        ("identity_confirmed", "yes"),
        (
            "analysis",
            "Neglect of routines; strengths in the wider family. Needs a plan.",
        ),
        ("factors", "16A"),
        ("factors", "4B"),
        ("outcome", outcome),
    ]);
    f.push(("version".into(), version.to_string()));
    f.extend(date_fields("child_seen_on", days_ago(2)));
    f
}

/// Posts `fields` as `session` to assessment `id`'s page: `suffix` "" saves, "/submit"
/// submits and "/review" is a manager's review.
async fn post_assessment(
    app: &axum::Router,
    session: &Session,
    id: &str,
    suffix: &str,
    fields: &[(String, String)],
) -> Answer {
    send(
        app,
        post_fields(&format!("/assessments/{id}{suffix}"), session, fields),
    )
    .await
}

/// Starts an assessment through the page; its id.
async fn start_through_page(
    app: &axum::Router,
    worker: &Session,
    referral: &str,
    started: NaiveDate,
) -> String {
    let mut f = owned_fields(&[("kind", "single"), ("worker", worker.user_id.as_str())]);
    f.extend(date_fields("started_on", started));
    let started = send(
        app,
        post_fields(&format!("/episodes/{referral}/assessments/new"), worker, &f),
    )
    .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let location = started.location().to_string();
    assert!(location.ends_with("?done=started"), "{location}");
    location
        .trim_start_matches("/assessments/")
        .trim_end_matches("?done=started")
        .to_string()
}

both_backends!(
    an_assessment_is_started_written_submitted_and_authorised_through_the_pages,
    |db: TestDb| {
        let app = app(&db);
        let t = case_team(&db);
        let case = open_case(&db, &t, "Maya", days_ago(10));
        runtime().block_on(async {
            let new = send(
                &app,
                get(
                    &format!("/episodes/{}/assessments/new", case.referral),
                    &t.worker,
                ),
            )
            .await;
            assert_eq!(new.status, StatusCode::OK, "{}", new.body);
            assert_accessible(&new, "the start page");
            for text in [
                "Start an assessment",
                "Child and family assessment",
                "45 working days from the referral",
                "Working Together 2013 onwards",
                &format!("href=\"/people/{}\"", case.child),
                "Maya Casework",
                "Me (Test worker)",
            ] {
                assert!(has(&new.body, text), "the start page shows {text}");
            }

            // A start date before the referral is refused and the typed date kept.
            let mut early =
                owned_fields(&[("kind", "single"), ("worker", t.worker.user_id.as_str())]);
            early.extend(date_fields("started_on", days_ago(12)));
            let refused = send(
                &app,
                post_fields(
                    &format!("/episodes/{}/assessments/new", case.referral),
                    &t.worker,
                    &early,
                ),
            )
            .await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(refused.body.contains("href=\"#started_on-day\""));
            assert!(has(&refused.body, "on or after the referral date"));
            assert_accessible(&refused, "the start page with an error");

            let id = start_through_page(&app, &t.worker, &case.referral, days_ago(5)).await;
            let again = send(
                &app,
                get(
                    &format!("/episodes/{}/assessments/new", case.referral),
                    &t.worker,
                ),
            )
            .await;
            assert!(has(
                &again.body,
                "already has an assessment that is not yet authorised"
            ));
            assert!(again.body.contains(&format!("href=\"/assessments/{id}\"")));
            assert!(!again.body.contains("Start the assessment</button>"));

            let page = send(
                &app,
                get(&format!("/assessments/{id}?done=started"), &t.worker),
            )
            .await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            assert_accessible(&page, "the assessment form");
            for text in [
                "The assessment has been started.",
                "Child's developmental needs",
                "Parenting capacity",
                "Family and environmental factors",
                "name=\"framework-health\"",
                "name=\"framework-community_resources\"",
                "name=\"version\" value=\"1\"",
                "value=\"White British\"",
                "Filled in from the child's record",
                "Due by",
                "45 working days from the referral",
                "working days so far, counted from the referral",
                "No factors identified (21): only when no other factor applies",
                "Save as draft",
                &format!("formaction=\"/assessments/{id}/submit\""),
            ] {
                assert!(has(&page.body, text), "the assessment page shows {text}");
            }
            assert!(
                !page.body.contains("value=\"18A\""),
                "legacy codes are not offered"
            );

            // Submitting without an analysis: 422, the summary, and every typed value kept.
            let mut no_analysis = complete_form(1, "cin_plan");
            no_analysis.retain(|(k, _)| k != "analysis");
            no_analysis.push(("delay_reason".into(), "Typed & kept <safely>".into()));
            let refused = post_assessment(&app, &t.worker, &id, "/submit", &no_analysis).await;
            assert_eq!(
                refused.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}",
                refused.body
            );
            assert!(refused.body.contains("govuk-error-summary"));
            assert!(refused.body.contains("<title>Error: "));
            assert!(refused.body.contains("href=\"#analysis\""));
            for kept in [
                "Immunisations up to date.",
                "Says she likes school and misses her gran.",
                "value=\"16A\" checked",
                "value=\"cin_plan\" checked",
                "name=\"identity_confirmed\" type=\"checkbox\" value=\"yes\" checked",
            ] {
                assert!(has(&refused.body, kept), "the form keeps {kept}");
            }
            assert!(unescape(&refused.body).contains("Typed & kept <safely>"));
            assert!(!refused.body.contains("<safely>"), "typed text is escaped");
            assert_accessible(&refused, "the assessment form with errors");
            {
                let mut c = db.conn();
                let row = cairn_db::casework::assessments::find(&mut c, &id)
                    .expect("read")
                    .expect("the assessment");
                assert_eq!(row.status, "in_progress");
                assert_eq!(row.version, 1, "nothing was saved");
            }

            // Save as a draft, then submit.
            let saved = post_assessment(
                &app,
                &t.worker,
                &id,
                "",
                &complete_form(1, "strategy_discussion"),
            )
            .await;
            assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
            assert_eq!(saved.location(), format!("/assessments/{id}?done=saved"));
            let after = send(&app, get(saved.location(), &t.worker)).await;
            assert!(has(&after.body, "Your changes have been saved."));
            assert!(after.body.contains("name=\"version\" value=\"2\""));
            let submitted = post_assessment(
                &app,
                &t.worker,
                &id,
                "/submit",
                &complete_form(2, "strategy_discussion"),
            )
            .await;
            assert_eq!(
                submitted.status,
                StatusCode::SEE_OTHER,
                "{}",
                submitted.body
            );
            let read = send(&app, get(submitted.location(), &t.worker)).await;
            assert!(has(&read.body, "Submitted for authorisation"));
            assert!(!read.body.contains("Save as draft"), "no longer editable");
            assert!(!read.body.contains("Authorise or return"));
            assert!(has(&read.body, "Neglect of routines"));
            assert_accessible(&read, "the submitted assessment");

            // The manager reviews it.
            let review = send(&app, get(&format!("/assessments/{id}"), &t.manager)).await;
            assert!(has(&review.body, "Authorise or return"));
            assert!(review.body.contains("name=\"version\" value=\"4\""));
            assert_accessible(&review, "the review form");
            let no_rating = post_assessment(
                &app,
                &t.manager,
                &id,
                "/review",
                &owned_fields(&[
                    ("version", "4"),
                    ("decision", "authorise"),
                    ("comments", "Kept comment"),
                ]),
            )
            .await;
            assert_eq!(no_rating.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(no_rating.body.contains("href=\"#quality_rating\""));
            assert!(no_rating.body.contains("Kept comment"));
            assert!(no_rating.body.contains("value=\"authorise\" checked"));
            assert_accessible(&no_rating, "the review form with errors");

            // Returned with reasons: the practitioner sees them above the form, and resubmits.
            let returned = post_assessment(
                &app,
                &t.manager,
                &id,
                "/review",
                &owned_fields(&[
                    ("version", "4"),
                    ("decision", "return"),
                    ("comments", "Add the father's views."),
                ]),
            )
            .await;
            assert_eq!(returned.status, StatusCode::SEE_OTHER, "{}", returned.body);
            let back = send(&app, get(&format!("/assessments/{id}"), &t.worker)).await;
            assert!(has(&back.body, "Returned for changes"));
            assert!(has(&back.body, "Returned by Test manager"));
            assert!(has(&back.body, "Add the father's views."));
            assert!(back.body.contains("name=\"version\" value=\"5\""));
            assert_accessible(&back, "the returned assessment");
            let resubmitted = post_assessment(
                &app,
                &t.worker,
                &id,
                "/submit",
                &complete_form(5, "strategy_discussion"),
            )
            .await;
            assert_eq!(
                resubmitted.status,
                StatusCode::SEE_OTHER,
                "{}",
                resubmitted.body
            );

            let authorised = post_assessment(
                &app,
                &t.manager,
                &id,
                "/review",
                &owned_fields(&[
                    ("version", "7"),
                    ("decision", "authorise"),
                    ("quality_rating", "good"),
                ]),
            )
            .await;
            assert_eq!(
                authorised.status,
                StatusCode::SEE_OTHER,
                "{}",
                authorised.body
            );
            assert_eq!(
                authorised.location(),
                format!("/assessments/{id}?done=authorised")
            );
            let done = send(&app, get(authorised.location(), &t.worker)).await;
            for text in [
                "The assessment has been authorised.",
                "Quality rating",
                "Authorised by Test manager",
                "Record the strategy discussion",
                &format!(
                    "href=\"/episodes/{}/strategy-discussions/new\"",
                    case.referral
                ),
                "Update this assessment",
                "Revision 1 as submitted on",
                "Managers' reviews",
            ] {
                assert!(
                    has(&done.body, text),
                    "the authorised assessment shows {text}"
                );
            }
            assert_accessible(&done, "the authorised assessment");
            assert!(!audit_rows(&db, "assessment.view").is_empty());
            assert_eq!(audit_rows(&db, "assessment.authorise").len(), 1);
        });
    }
);

both_backends!(
    a_stale_form_says_so_and_keeps_what_was_typed,
    |db: TestDb| {
        let app = app(&db);
        let t = case_team(&db);
        let case = open_case(&db, &t, "Leo", days_ago(10));
        runtime().block_on(async {
            let id = start_through_page(&app, &t.worker, &case.referral, days_ago(5)).await;
            let first = post_assessment(
                &app,
                &t.manager,
                &id,
                "",
                &owned_fields(&[("version", "1"), ("analysis", "The manager's words")]),
            )
            .await;
            assert_eq!(first.status, StatusCode::SEE_OTHER);
            let stale = post_assessment(
                &app,
                &t.worker,
                &id,
                "",
                &owned_fields(&[("version", "1"), ("analysis", "The worker's later words")]),
            )
            .await;
            assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
            assert!(has(&stale.body, "Someone else saved this assessment"));
            assert!(stale.body.contains("href=\"#assessment-form\""));
            assert!(has(&stale.body, "The worker's later words"));
            assert_accessible(&stale, "the stale form");

            // An inspector reads the assessment but has no form, and a forged post is refused.
            let inspector = signed_in(&db, "inspector", Role::Inspector);
            let read = send(&app, get(&format!("/assessments/{id}"), &inspector)).await;
            assert_eq!(read.status, StatusCode::OK, "{}", read.body);
            assert!(has(&read.body, "The manager's words"));
            assert!(!read.body.contains("Save as draft"));
            assert_accessible(&read, "the assessment as an inspector reads it");
            let refused = post_assessment(
                &app,
                &inspector,
                &id,
                "",
                &owned_fields(&[("version", "2"), ("analysis", "Not mine to write")]),
            )
            .await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN);
            let denied = audit_rows(&db, "access.denied");
            assert_eq!(denied.len(), 1);
            assert_eq!(denied[0].person_id.as_deref(), Some(case.child.as_str()));
        });
    }
);

both_backends!(assessments_round_trip_through_the_api, |db: TestDb| {
    let app = app(&db);
    let t = case_team(&db);
    let case = open_case(&db, &t, "Isla", days_ago(10));
    let (worker, manager) = team_tokens(&db, &Actor::command_line(), &t);
    runtime().block_on(async {
        let started = send(
            &app,
            api_request(
                Method::POST,
                &format!("/episodes/{}/assessments", case.referral),
                &worker,
                Some(json!({ "started_on": days_ago(5).to_string() })),
            ),
        )
        .await;
        assert_eq!(started.status, StatusCode::CREATED, "{}", started.body);
        let id = started.json()["id"].as_str().expect("an id").to_string();
        assert_eq!(started.location(), format!("/api/v1/assessments/{id}"));

        let read = send(
            &app,
            api_request(Method::GET, &format!("/assessments/{id}"), &worker, None),
        )
        .await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.body);
        let body = read.json();
        assert_eq!(body["status"], "in_progress");
        assert_eq!(body["kind"], "single");
        assert_eq!(body["version"], 1);
        assert!(
            body["due"]["basis"]
                .as_str()
                .is_some_and(|b| b.contains("45 working days")),
            "{body}"
        );
        assert_eq!(body["content"]["identity"]["ethnicity"], "White British");

        let content = json!({
            "version": 1,
            "framework": { "health": "Well" },
            "child_views": "Wants to stay at home.",
            "parent_views": "Father agrees to the plan.",
            "identity_confirmed": true,
            "factors": ["21"],
            "outcome": "no_further_action",
        });
        let saved = send(
            &app,
            api_request(
                Method::PUT,
                &format!("/assessments/{id}"),
                &worker,
                Some(content.clone()),
            ),
        )
        .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
        assert_eq!(saved.json()["version"], 2);
        let stale = send(
            &app,
            api_request(
                Method::PUT,
                &format!("/assessments/{id}"),
                &worker,
                Some(content.clone()),
            ),
        )
        .await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert_eq!(stale.json()["error"], "conflict");
        let mut unknown = content.clone();
        unknown["version"] = json!(2);
        unknown["risk_score"] = json!(7);
        let refused = send(
            &app,
            api_request(
                Method::PUT,
                &format!("/assessments/{id}"),
                &worker,
                Some(unknown),
            ),
        )
        .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);

        // No analysis yet: the submission is refused, naming the field.
        let refused = send(
            &app,
            api_request(
                Method::POST,
                &format!("/assessments/{id}/submit"),
                &worker,
                Some(json!({ "version": 2 })),
            ),
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.json()["fields"][0]["field"], "analysis");

        let mut with_analysis = content;
        with_analysis["version"] = json!(2);
        with_analysis["analysis"] = json!("No risks found; family coping well.");
        let saved = send(
            &app,
            api_request(
                Method::PUT,
                &format!("/assessments/{id}"),
                &worker,
                Some(with_analysis),
            ),
        )
        .await;
        assert_eq!(saved.json()["version"], 3);
        let submitted = send(
            &app,
            api_request(
                Method::POST,
                &format!("/assessments/{id}/submit"),
                &worker,
                Some(json!({ "version": 3 })),
            ),
        )
        .await;
        assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.body);
        assert_eq!(submitted.json()["version"], 4);

        // The worker may not authorise; the manager may.
        let denied = send(
            &app,
            api_request(
                Method::POST,
                &format!("/assessments/{id}/review"),
                &worker,
                Some(json!({ "version": 4, "decision": "authorise", "quality_rating": "good" })),
            ),
        )
        .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
        let reviewed = send(
            &app,
            api_request(
                Method::POST,
                &format!("/assessments/{id}/review"),
                &manager,
                Some(json!({ "version": 4, "decision": "authorise", "quality_rating": "good" })),
            ),
        )
        .await;
        assert_eq!(reviewed.status, StatusCode::OK, "{}", reviewed.body);
        assert_eq!(reviewed.json()["status"], "authorised");

        let read = send(
            &app,
            api_request(Method::GET, &format!("/assessments/{id}"), &worker, None),
        )
        .await;
        let body = read.json();
        assert_eq!(body["status"], "authorised");
        assert_eq!(body["quality_rating"], "good");
        assert_eq!(body["reviews"].as_array().map(Vec::len), Some(1));
        assert_eq!(body["revisions"][0]["authorised"], true);
        assert_eq!(body["content"]["factors"], json!(["21"]));

        let doc = send(
            &app,
            api_request(Method::GET, "/openapi.json", &worker, None),
        )
        .await;
        let doc = doc.json();
        assert!(doc["paths"]["/assessments/{id}"]["put"].is_object());
        assert!(doc["components"]["schemas"]["AssessmentSave"].is_object());
    });
});

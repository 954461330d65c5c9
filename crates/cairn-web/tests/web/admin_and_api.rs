//! The administration pages and the JSON API, through the real router, on SQLite and PostgreSQL.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use cairn_core::Actor;
use cairn_core::accounts;
use cairn_core::api_tokens::{self, TokenForm};
use cairn_db::audit::{self, AuditRow};
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::roles::Role;
use serde_json::{Value, json};

use crate::support::*;

/// A token acting as `user_id` with these scopes, created by `admin`; returns the secret.
fn token(db: &TestDb, admin: &Actor, user_id: &str, scopes: &[&str]) -> String {
    let mut c = db.conn();
    api_tokens::create(
        &mut c,
        admin,
        &TokenForm {
            name: "Test system".into(),
            user_id: user_id.into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            days: "30".into(),
        },
    )
    .expect("create a token")
    .secret
}

fn api(method: Method, path: &str, token: Option<&str>, body: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder()
        .method(method)
        .uri(format!("/api/v1{path}"));
    if let Some(t) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if body.is_some() {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    builder
        .body(
            body.map(|b| Body::from(b.to_string()))
                .unwrap_or_else(Body::empty),
        )
        .expect("request")
}

fn amelia_body() -> Value {
    json!({
        "kind": "child",
        "given_names": "Amelia",
        "family_name": "Hughes",
        "date_of_birth": "2019-03-05",
        "sex": "F",
        "ethnicity": "WBRI",
        "nhs_number": "943 476 5919",
        "interpreter_needed": false,
        "disabilities": ["AUT"],
        "other_names": ["Amy Hughes"]
    })
}

both_backends!(an_administrator_adds_a_user_with_the_form, |db: TestDb| {
    let app = app(&db);
    let admin = signed_in(&db, "admin.one", Role::Administrator);
    runtime().block_on(async {
        let form = send(&app, get("/admin/users/new", &admin)).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(
            form.body
                .contains("<h1 class=\"govuk-heading-l\">Add a user</h1>")
        );
        assert!(form.body.contains("Required for inspectors"));
        assert!(
            form.body
                .contains(&format!("name=\"csrf_token\" value=\"{}\"", admin.csrf))
        );

        // Bad input: 422, error summary, typed values kept (and escaped).
        let bad = send(
            &app,
            post(
                "/admin/users/new",
                &admin,
                &[
                    ("username", "new.worker"),
                    ("display_name", "<b>Nia</b> Evans"),
                    ("email", ""),
                    ("role", "inspector"),
                ],
            ),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("govuk-error-summary"));
        assert!(bad.body.contains("<title>Error: Add a user"));
        assert!(bad.body.contains("href=\"#email\""));
        assert!(
            bad.body.contains("href=\"#access_expires_on\""),
            "inspectors need an end date"
        );
        assert!(bad.body.contains("value=\"new.worker\""));
        assert!(!bad.body.contains("<b>Nia</b>"));
        assert!(bad.body.contains("Nia"));

        let done = send(
            &app,
            post(
                "/admin/users/new",
                &admin,
                &[
                    ("username", "New.Worker"),
                    ("display_name", "Nia Evans"),
                    ("email", "nia.evans@example.gov.uk"),
                    ("role", "social_worker"),
                    ("team_id", ""),
                    ("access_expires_on", ""),
                ],
            ),
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(done.body.contains("User added"));
        assert!(done.body.contains("Temporary password"));
        assert!(done.body.contains("new.worker"));
        assert!(done.body.contains("govuk-inset-text"));

        let mut c = db.conn();
        let user = cairn_db::users::find_by_username(&mut c, "new.worker")
            .expect("query")
            .expect("the user exists");
        assert_eq!(user.display_name, "Nia Evans");
        assert_eq!(user.role, "social_worker");
        assert!(user.must_change_password);
        let created = audit_rows(&db, "user.create");
        let row = created
            .iter()
            .find(|r| r.entity_id.as_deref() == Some(user.id.as_str()))
            .expect("audit row user.create");
        assert_eq!(row.actor_user_id.as_deref(), Some(admin.user_id.as_str()));
        assert_eq!(row.outcome, "ok");

        let list = send(&app, get("/admin/users", &admin)).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("Nia Evans"));
        assert!(list.body.contains("Temporary password"));
        assert!(list.body.contains("<caption"));

        // The password shown once works, and must then be changed.
        let reset = send(
            &app,
            post(
                &format!("/admin/users/{}/reset-password", user.id),
                &admin,
                &[],
            ),
        )
        .await;
        assert_eq!(reset.status, StatusCode::OK);
        assert!(reset.body.contains("Password reset"));
        assert_eq!(audit_rows(&db, "user.password_reset").len(), 1);
    });
});

both_backends!(
    a_social_worker_is_refused_the_admin_pages_and_it_is_audited,
    |db: TestDb| {
        let app = app(&db);
        let sw = signed_in(&db, "sw.one", Role::SocialWorker);
        runtime().block_on(async {
            for path in [
                "/admin/users",
                "/admin/users/new",
                "/admin/teams",
                "/admin/api-tokens",
                "/admin/audit",
            ] {
                let page = send(&app, get(path, &sw)).await;
                assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
                assert!(page.body.contains("You do not have permission"), "{path}");
            }
            let post = send(
                &app,
                post(
                    "/admin/users/new",
                    &sw,
                    &[
                        ("username", "sneaky"),
                        ("display_name", "S"),
                        ("email", "s@example.gov.uk"),
                        ("role", "administrator"),
                    ],
                ),
            )
            .await;
            assert_eq!(post.status, StatusCode::FORBIDDEN);
            let mut c = db.conn();
            assert!(
                cairn_db::users::find_by_username(&mut c, "sneaky")
                    .expect("query")
                    .is_none()
            );

            let denied: Vec<AuditRow> = audit_rows(&db, "access.denied")
                .into_iter()
                .filter(|r| r.actor_user_id.as_deref() == Some(sw.user_id.as_str()))
                .collect();
            assert_eq!(denied.len(), 6, "every refusal is recorded");
            assert!(denied.iter().all(|r| r.outcome == "denied"));
            assert!(denied.iter().any(|r| r.detail.contains("ManageUsers")));
            assert!(denied.iter().any(|r| r.detail.contains("ViewAuditLog")));

            // Without a session the pages ask for sign-in.
            let signed_out = send(&app, anonymous("/admin/users")).await;
            assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
        });
    }
);

both_backends!(
    a_stale_account_edit_is_refused_and_keeps_what_was_typed,
    |db: TestDb| {
        let app = app(&db);
        let admin = signed_in(&db, "admin.two", Role::Administrator);
        let target = account(&db, "target.user", Role::SocialWorker);
        let version = {
            let mut c = db.conn();
            cairn_db::users::find(&mut c, &target)
                .expect("query")
                .expect("exists")
                .version
                .to_string()
        };
        runtime().block_on(async {
            let form = send(&app, get(&format!("/admin/users/{target}"), &admin)).await;
            assert_eq!(form.status, StatusCode::OK);
            assert!(
                form.body
                    .contains(&format!("name=\"version\" value=\"{version}\""))
            );
            assert!(form.body.contains("Reset password"));

            let fields = |name: &'static str| {
                vec![
                    ("version", version.clone()),
                    ("display_name", name.to_string()),
                    ("email", "target.user@example.gov.uk".to_string()),
                    ("role", "social_worker".to_string()),
                    ("team_id", String::new()),
                    ("access_expires_on", String::new()),
                    ("active", "yes".to_string()),
                ]
            };
            let first = fields("Changed Once");
            let pairs: Vec<(&str, &str)> = first.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let saved = send(
                &app,
                post(&format!("/admin/users/{target}"), &admin, &pairs),
            )
            .await;
            assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
            assert_eq!(
                saved
                    .headers
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok()),
                Some(format!("/admin/users?saved={target}").as_str())
            );
            let list = send(&app, get(&format!("/admin/users?saved={target}"), &admin)).await;
            assert!(
                list.body
                    .contains("The account for Changed Once has been saved.")
            );

            // The same starting version again: someone else has saved since.
            let second = fields("My Typed Name");
            let pairs: Vec<(&str, &str)> = second.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let stale = send(
                &app,
                post(&format!("/admin/users/{target}"), &admin, &pairs),
            )
            .await;
            assert_eq!(stale.status, StatusCode::CONFLICT);
            assert!(stale.body.contains("Someone else changed this account"));
            assert!(
                stale.body.contains("value=\"My Typed Name\""),
                "what was typed is kept"
            );
            assert!(
                stale.body.contains("Changed Once"),
                "what is saved now is shown"
            );
            assert!(stale.body.contains("govuk-error-summary"));

            let mut c = db.conn();
            let now = cairn_db::users::find(&mut c, &target)
                .expect("query")
                .expect("exists");
            assert_eq!(now.display_name, "Changed Once");
            assert!(
                stale
                    .body
                    .contains(&format!("name=\"version\" value=\"{}\"", now.version))
            );
            assert_eq!(audit_rows(&db, "user.update").len(), 1);

            // Invalid input on edit: 422 with the field error.
            let mut bad = fields("");
            bad[0].1 = now.version.to_string();
            let pairs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let invalid = send(
                &app,
                post(&format!("/admin/users/{target}"), &admin, &pairs),
            )
            .await;
            assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(invalid.body.contains("href=\"#display_name\""));
        });
    }
);

both_backends!(
    teams_and_tokens_are_managed_from_their_pages,
    |db: TestDb| {
        let app = app(&db);
        let admin = signed_in(&db, "admin.three", Role::Administrator);
        let sw = account(&db, "sw.tokens", Role::SocialWorker);
        runtime().block_on(async {
            let office = send(
                &app,
                post(
                    "/admin/offices",
                    &admin,
                    &[("office_name", "North locality")],
                ),
            )
            .await;
            assert_eq!(office.status, StatusCode::SEE_OTHER);
            let no_office = send(
                &app,
                post(
                    "/admin/teams",
                    &admin,
                    &[("name", "Assessment team"), ("office_id", "")],
                ),
            )
            .await;
            assert_eq!(no_office.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(no_office.body.contains("href=\"#office_id\""));
            assert!(no_office.body.contains("value=\"Assessment team\""));
            let office_id = {
                let mut c = db.conn();
                cairn_db::organisation::list_offices(&mut c).expect("offices")[0]
                    .id
                    .clone()
            };
            let team = send(
                &app,
                post(
                    "/admin/teams",
                    &admin,
                    &[("name", "Assessment team"), ("office_id", &office_id)],
                ),
            )
            .await;
            assert_eq!(team.status, StatusCode::SEE_OTHER);
            let teams = send(&app, get("/admin/teams?done=team", &admin)).await;
            assert_eq!(teams.status, StatusCode::OK);
            assert!(teams.body.contains("Assessment team"));
            assert!(teams.body.contains("North locality"));
            assert!(teams.body.contains("The team has been added."));

            let page = send(&app, get("/admin/api-tokens", &admin)).await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(page.body.contains("people:read"));
            let bad = send(
                &app,
                post(
                    "/admin/api-tokens",
                    &admin,
                    &[("name", "Sync"), ("user_id", &sw), ("days", "900")],
                ),
            )
            .await;
            assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(bad.body.contains("href=\"#scopes\""));
            assert!(bad.body.contains("href=\"#days\""));
            let made = send(
                &app,
                post(
                    "/admin/api-tokens",
                    &admin,
                    &[
                        ("name", "Sync"),
                        ("user_id", &sw),
                        ("scopes", "people:read"),
                        ("days", "30"),
                    ],
                ),
            )
            .await;
            assert_eq!(made.status, StatusCode::OK);
            let marker = "id=\"token-secret\">";
            let start = made.body.find(marker).expect("the secret is shown") + marker.len();
            let secret: String = made.body[start..]
                .chars()
                .take_while(|c| *c != '<')
                .collect();
            assert!(secret.starts_with("cairn_"), "{secret}");
            let works = send(
                &app,
                api(
                    Method::GET,
                    "/people/search?name=Hughes",
                    Some(&secret),
                    None,
                ),
            )
            .await;
            assert_eq!(works.status, StatusCode::OK, "{}", works.body);

            let token_id = {
                let mut c = db.conn();
                cairn_db::tokens::list(&mut c).expect("tokens")[0]
                    .id
                    .clone()
            };
            let revoked = send(
                &app,
                post(&format!("/admin/api-tokens/{token_id}/revoke"), &admin, &[]),
            )
            .await;
            assert_eq!(revoked.status, StatusCode::SEE_OTHER);
            let refused = send(
                &app,
                api(
                    Method::GET,
                    "/people/search?name=Hughes",
                    Some(&secret),
                    None,
                ),
            )
            .await;
            assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
            assert_eq!(audit_rows(&db, "api_token.revoke").len(), 1);
        });
    }
);

both_backends!(the_api_needs_a_valid_token, |db: TestDb| {
    let app = app(&db);
    runtime().block_on(async {
        let none = send(
            &app,
            api(Method::GET, "/people/search?name=Hughes", None, None),
        )
        .await;
        assert_eq!(none.status, StatusCode::UNAUTHORIZED);
        let body = none.json();
        assert_eq!(body["error"], "unauthorized");
        assert!(body["request_id"].as_str().is_some_and(|s| !s.is_empty()));
        assert_eq!(body["fields"], json!([]));
        assert_eq!(
            none.headers
                .get(header::WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok()),
            Some("Bearer")
        );
        assert_eq!(
            none.headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok()),
            body["request_id"].as_str()
        );

        let wrong = send(
            &app,
            api(
                Method::GET,
                "/people/search?name=Hughes",
                Some("cairn_not-a-real-token"),
                None,
            ),
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.json()["error"], "unauthorized");
        assert!(
            audit_rows(&db, "api.authenticate")
                .iter()
                .any(|r| r.outcome == "failed")
        );

        let unknown = send(&app, api(Method::GET, "/nothing-here", None, None)).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        assert_eq!(unknown.json()["error"], "not_found");
        let wrong_method = send(&app, api(Method::DELETE, "/people", None, None)).await;
        assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(wrong_method.json()["error"], "method_not_allowed");
    });
});

both_backends!(the_api_records_reads_changes_and_refusals, |db: TestDb| {
    let app = app(&db);
    let sw = account(&db, "sw.api", Role::SocialWorker);
    let moved = account(&db, "moved.to.audit", Role::SocialWorker);
    let token_admin = signed_in(&db, "admin.tokens", Role::Administrator).actor;
    let write = token(&db, &token_admin, &sw, &["people:read", "people:write"]);
    let read_only = token(&db, &token_admin, &sw, &["people:read"]);
    let moved_token = token(&db, &token_admin, &moved, &["people:read"]);
    {
        // The token's account later becomes an auditor, a role that reads through the pages only.
        let mut c = db.conn();
        let version = cairn_db::users::find(&mut c, &moved)
            .expect("query")
            .expect("exists")
            .version;
        accounts::update_account(
            &mut c,
            &token_admin,
            &moved,
            version,
            &account_form("moved.to.audit", Role::Auditor),
        )
        .expect("role changed");
    }
    let admin = signed_in(&db, "admin.audit", Role::Administrator);
    runtime().block_on(async {
        let amelia = amelia_body().to_string();

        // A read-only token may not create.
        let refused = send(
            &app,
            api(Method::POST, "/people", Some(&read_only), Some(&amelia)),
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(refused.json()["error"], "forbidden");
        assert!(
            audit_rows(&db, "access.denied")
                .iter()
                .any(|r| r.detail.contains("CreatePerson"))
        );
        // Auditors and inspectors read through the pages, not the API.
        let auditor_refused = send(
            &app,
            api(
                Method::GET,
                "/people/search?name=Hughes",
                Some(&moved_token),
                None,
            ),
        )
        .await;
        assert_eq!(auditor_refused.status, StatusCode::FORBIDDEN);
        assert_eq!(auditor_refused.json()["error"], "forbidden");
        assert!(
            audit_rows(&db, "api.authenticate")
                .iter()
                .any(|r| r.outcome == "failed" && r.detail.contains("NotPermitted"))
        );

        // Malformed JSON and unknown fields: 400 with the structured error.
        let malformed = send(
            &app,
            api(
                Method::POST,
                "/people",
                Some(&write),
                Some("{\"kind\": \"child\","),
            ),
        )
        .await;
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
        assert_eq!(malformed.json()["error"], "bad_request");
        assert!(malformed.json()["request_id"].is_string());
        let unknown = send(
            &app,
            api(
                Method::POST,
                "/people",
                Some(&write),
                Some("{\"kind\": \"child\", \"dob\": \"2019-03-05\"}"),
            ),
        )
        .await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST);

        // A bad NHS number: 422 naming the field.
        let mut bad = amelia_body();
        bad["nhs_number"] = json!("943 476 5910");
        let invalid = send(
            &app,
            api(
                Method::POST,
                "/people",
                Some(&write),
                Some(&bad.to_string()),
            ),
        )
        .await;
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        let body = invalid.json();
        assert_eq!(body["error"], "invalid");
        assert_eq!(body["fields"][0]["field"], "nhs_number");

        // Create, then read back.
        let created = send(
            &app,
            api(Method::POST, "/people", Some(&write), Some(&amelia)),
        )
        .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let body = created.json();
        let id = body["id"].as_str().expect("id").to_string();
        let local_id = body["local_id"].as_str().expect("local_id").to_string();
        assert!(local_id.starts_with('C'));
        assert_eq!(
            created
                .headers
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok()),
            Some(format!("/api/v1/people/{id}").as_str())
        );

        let read = send(
            &app,
            api(
                Method::GET,
                &format!("/people/{id}"),
                Some(&read_only),
                None,
            ),
        )
        .await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.body);
        let person = read.json();
        assert_eq!(person["id"], id.as_str());
        assert_eq!(person["local_id"], local_id.as_str());
        assert_eq!(person["kind"], "child");
        assert_eq!(person["display_name"], "Amelia Hughes");
        assert_eq!(person["family_name"], "Hughes");
        assert_eq!(person["date_of_birth"], "2019-03-05");
        assert_eq!(person["sex"], "F");
        assert_eq!(person["ethnicity"]["code"], "WBRI");
        assert!(person["ethnicity"]["label"].is_string());
        assert_eq!(person["disabilities"][0]["code"], "AUT");
        assert_eq!(person["other_names"], json!(["Amy Hughes"]));
        assert_eq!(person["nhs_number"], "9434765919");
        assert_eq!(person["interpreter_needed"], false);
        assert_eq!(person["version"], 1);
        assert_eq!(person["addresses"], json!([]));
        assert_eq!(person["relationships"], json!([]));
        let views = audit_rows(&db, "person.view");
        assert!(
            views
                .iter()
                .any(|r| r.person_id.as_deref() == Some(id.as_str()) && r.detail.contains("api"))
        );

        let missing = send(
            &app,
            api(
                Method::GET,
                &format!("/people/{}", uuid::Uuid::now_v7()),
                Some(&read_only),
                None,
            ),
        )
        .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        let garbage = send(
            &app,
            api(Method::GET, "/people/not-an-id", Some(&read_only), None),
        )
        .await;
        assert_eq!(garbage.status, StatusCode::NOT_FOUND);

        // Search finds her, with reasons.
        let found = send(
            &app,
            api(
                Method::GET,
                "/people/search?name=Amelia%20Hughes&dob=2019-03-05",
                Some(&read_only),
                None,
            ),
        )
        .await;
        assert_eq!(found.status, StatusCode::OK);
        let found = found.json();
        assert_eq!(found["truncated"], false);
        assert_eq!(found["results"][0]["person"]["id"], id.as_str());
        assert!(found["results"][0]["score"].as_u64().is_some_and(|s| s > 0));
        assert!(
            found["results"][0]["reasons"]
                .as_array()
                .is_some_and(|r| !r.is_empty())
        );
        let bad_search = send(
            &app,
            api(
                Method::GET,
                "/people/search?nhs_number=123",
                Some(&read_only),
                None,
            ),
        )
        .await;
        assert_eq!(bad_search.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad_search.json()["fields"][0]["field"], "nhs_number");

        // The same child again: possible duplicates, 409, until confirmed.
        let dup = send(
            &app,
            api(Method::POST, "/people", Some(&write), Some(&amelia)),
        )
        .await;
        assert_eq!(dup.status, StatusCode::CONFLICT);
        let dup = dup.json();
        assert_eq!(dup["error"], "possible_duplicates");
        assert_eq!(dup["possible_duplicates"][0]["person"]["id"], id.as_str());
        let mut confirmed = amelia_body();
        confirmed["confirm_new"] = json!(true);
        let forced = send(
            &app,
            api(
                Method::POST,
                "/people",
                Some(&write),
                Some(&confirmed.to_string()),
            ),
        )
        .await;
        assert_eq!(forced.status, StatusCode::CREATED);

        // Replace with the version read; then the same version again is stale.
        let mut changed = amelia_body();
        changed["family_name"] = json!("Hughes-Smith");
        changed["version"] = json!(1);
        let put = send(
            &app,
            api(
                Method::PUT,
                &format!("/people/{id}"),
                Some(&write),
                Some(&changed.to_string()),
            ),
        )
        .await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.body);
        assert_eq!(put.json()["version"], 2);
        let stale = send(
            &app,
            api(
                Method::PUT,
                &format!("/people/{id}"),
                Some(&write),
                Some(&changed.to_string()),
            ),
        )
        .await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert_eq!(stale.json()["error"], "conflict");
        let mut no_version = amelia_body();
        no_version["family_name"] = json!("Other");
        let missing_version = send(
            &app,
            api(
                Method::PUT,
                &format!("/people/{id}"),
                Some(&write),
                Some(&no_version.to_string()),
            ),
        )
        .await;
        assert_eq!(missing_version.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(missing_version.json()["fields"][0]["field"], "version");
        let read_only_put = send(
            &app,
            api(
                Method::PUT,
                &format!("/people/{id}"),
                Some(&read_only),
                Some(&changed.to_string()),
            ),
        )
        .await;
        assert_eq!(read_only_put.status, StatusCode::FORBIDDEN);

        // The audit page, filtered to this person (by record id, then by LA child ID).
        let page = send(&app, get(&format!("/admin/audit?person={id}"), &admin)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body
                .contains("Who has viewed or changed Amelia Hughes-Smith")
        );
        assert!(page.body.contains("Viewed the record"));
        assert!(page.body.contains("sw.api"));
        assert!(page.body.contains("Family name: Hughes → Hughes-Smith"));
        assert!(page.body.contains("Recorded a new person"));
        assert!(page.body.contains("<caption"));
        let by_local = send(
            &app,
            get(
                &format!("/admin/audit?person={local_id}&kind=person.view"),
                &admin,
            ),
        )
        .await;
        assert_eq!(by_local.status, StatusCode::OK);
        assert!(by_local.body.contains("Viewed the record"));
        assert!(!by_local.body.contains("Recorded a new person"));
        let audited = audit_rows(&db, "audit.view");
        assert!(
            audited
                .iter()
                .any(|r| r.person_id.as_deref() == Some(id.as_str())
                    && r.actor_user_id.as_deref() == Some(admin.user_id.as_str()))
        );

        let by_user = send(
            &app,
            get("/admin/audit?user=sw.api&kind=person.update", &admin),
        )
        .await;
        assert_eq!(by_user.status, StatusCode::OK);
        assert!(
            by_user.body.contains("Changed the person&#39;s details")
                || by_user.body.contains("Changed the person")
        );

        let bad_filters = send(
            &app,
            get(
                "/admin/audit?person=C999999&user=nobody&from_date=31%2F02%2F2025",
                &admin,
            ),
        )
        .await;
        assert_eq!(bad_filters.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad_filters.body.contains("href=\"#person\""));
        assert!(bad_filters.body.contains("href=\"#user\""));
        assert!(bad_filters.body.contains("href=\"#from_date\""));
        assert!(bad_filters.body.contains("value=\"C999999\""));
    });
});

both_backends!(
    the_audit_log_pages_back_through_older_entries,
    |db: TestDb| {
        let app = app(&db);
        let admin = signed_in(&db, "admin.pages", Role::Administrator);
        for i in 0..60 {
            let mut c = db.conn();
            c.write(|c| {
                audit::append(
                    c,
                    &audit::NewAuditEntry {
                        actor_user_id: None,
                        actor_label: format!("filler-{i}"),
                        session_id: None,
                        request_id: Some(format!("req-{i}")),
                        action: "person.view".into(),
                        outcome: audit::Outcome::Ok,
                        entity_type: None,
                        entity_id: None,
                        person_id: None,
                        detail: json!({"purpose": "test"}),
                    },
                )
            })
            .expect("append");
        }
        runtime().block_on(async {
            let first = send(&app, get("/admin/audit?kind=person.view", &admin)).await;
            assert_eq!(first.status, StatusCode::OK);
            assert!(first.body.contains("filler-59"));
            assert!(!first.body.contains("filler-9<"));
            let start = first
                .body
                .find("href=\"/admin/audit?kind=person.view&#38;before=")
                .expect("an older-entries link")
                + 6;
            let href: String = first.body[start..]
                .chars()
                .take_while(|c| *c != '"')
                .collect();
            let older = send(&app, get(&href.replace("&#38;", "&"), &admin)).await;
            assert_eq!(older.status, StatusCode::OK);
            assert!(older.body.contains("filler-9<"));
            assert!(!older.body.contains("filler-59"));
            assert!(older.body.contains("Newest entries"));
        });
    }
);

both_backends!(the_openapi_document_describes_the_api, |db: TestDb| {
    let app = app(&db);
    runtime().block_on(async {
        let doc = send(&app, api(Method::GET, "/openapi.json", None, None)).await;
        assert_eq!(doc.status, StatusCode::OK);
        let doc = doc.json();
        assert!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1"))
        );
        for path in ["/people/{id}", "/people", "/people/search"] {
            assert!(doc["paths"].get(path).is_some(), "{path}");
        }
        assert!(doc["paths"]["/people/{id}"].get("put").is_some());
        assert_eq!(
            doc["components"]["securitySchemes"]["bearerAuth"]["scheme"],
            "bearer"
        );
        for schema in ["Person", "PersonSummary", "SearchHit", "Error"] {
            assert!(
                doc["components"]["schemas"].get(schema).is_some(),
                "{schema}"
            );
        }
    });
});

both_backends!(
    refused_person_forms_are_audited_against_the_person,
    |db: TestDb| {
        let app = app(&db);
        let sw = signed_in(&db, "sw.maker", Role::SocialWorker);
        // An auditor reads records but changes none.
        let auditor = signed_in(&db, "auditor.one", Role::Auditor);
        runtime().block_on(async {
            // A social worker records a child through the page, then an auditor tries each
            // change form for that child.
            let created = send(
                &app,
                post(
                    "/people/new",
                    &sw,
                    &[
                        ("kind", "child"),
                        ("given_names", "Orla"),
                        ("family_name", "Pennyworth"),
                        ("dob-day", "3"),
                        ("dob-month", "4"),
                        ("dob-year", "2017"),
                        ("sex", "F"),
                        ("interpreter_needed", "no"),
                    ],
                ),
            )
            .await;
            assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
            let location = created.headers[axum::http::header::LOCATION]
                .to_str()
                .expect("a redirect to the person")
                .to_string();
            let person_id = location.trim_start_matches("/people/").to_string();
            for suffix in [
                "edit",
                "entered-in-error",
                "addresses/new",
                "relationships/new",
            ] {
                let path = format!("{location}/{suffix}");
                let page = send(&app, get(&path, &auditor)).await;
                assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
            }
            let denied: Vec<AuditRow> = audit_rows(&db, "access.denied")
                .into_iter()
                .filter(|r| r.person_id.as_deref() == Some(person_id.as_str()))
                .collect();
            assert_eq!(denied.len(), 4, "each refusal is audited against the child");
            assert!(
                denied
                    .iter()
                    .all(|r| r.outcome == "denied" && r.actor_label == "auditor.one")
            );
            let new_form = send(&app, get("/people/new", &auditor)).await;
            assert_eq!(new_form.status, StatusCode::FORBIDDEN);
            assert_eq!(audit_rows(&db, "access.denied").len(), 5);
        });
    }
);

both_backends!(
    the_jobs_page_lists_failures_without_payloads_and_retries_them,
    |db: TestDb| {
        use cairn_db::jobs as store;
        let app = app(&db);
        let admin = signed_in(&db, "admin.jobs", Role::Administrator);
        let sw = signed_in(&db, "sw.jobs", Role::SocialWorker);
        // One job failed for good, one waiting to retry, one done; payloads hold personal data.
        let payload = json!({ "referrer": "Amelia Hughes", "email": "amelia@example.org" });
        let (failed, retrying) = {
            let mut c = db.conn();
            let now = cairn_db::now();
            let ids: Vec<_> = (0..3)
                .map(|_| {
                    c.write(|w| store::enqueue(w, "referrer_message.send", &payload, now, 3))
                        .expect("enqueue")
                })
                .collect();
            for _ in 0..3 {
                store::claim_next(&mut c, "w", now, chrono::Duration::minutes(10))
                    .expect("claim")
                    .expect("a job");
            }
            c.write(|w| {
                store::fail(
                    w,
                    &ids[0],
                    "the mail server refused the message (SMTP 550)",
                    now,
                )?;
                store::reschedule(w, &ids[1], "SMTP 421 (try again later)", now)?;
                store::complete(w, &ids[2], now)
            })
            .expect("outcomes");
            (ids[0].to_string(), ids[1].to_string())
        };
        runtime().block_on(async {
            let refused = send(&app, get("/admin/jobs", &sw)).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN);

            let page = send(&app, get("/admin/jobs", &admin)).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            assert!(
                page.body
                    .contains("<h1 class=\"govuk-heading-l\">Background jobs</h1>")
            );
            assert!(
                page.body.contains("href=\"/admin/jobs\""),
                "linked from the navigation"
            );
            assert!(page.body.contains("referrer_message.send"));
            assert!(
                page.body
                    .contains("the mail server refused the message (SMTP 550)")
            );
            assert!(page.body.contains("SMTP 421 (try again later)"));
            assert!(page.body.contains("1 of 3"));
            assert!(!page.body.contains("Amelia") && !page.body.contains("amelia@"));
            assert!(
                page.body
                    .contains(&format!("action=\"/admin/jobs/{failed}/retry\""))
            );
            assert!(!page.body.contains(&format!("/admin/jobs/{retrying}/retry")));
            assert!(
                page.body
                    .contains(&format!("name=\"csrf_token\" value=\"{}\"", admin.csrf))
            );

            // Without the CSRF token nothing happens.
            let forged = post_without_csrf(&format!("/admin/jobs/{failed}/retry"), &admin, &[]);
            assert_eq!(send(&app, forged).await.status, StatusCode::FORBIDDEN);
            let denied = send(&app, post(&format!("/admin/jobs/{failed}/retry"), &sw, &[])).await;
            assert_eq!(denied.status, StatusCode::FORBIDDEN);

            let retried = send(
                &app,
                post(&format!("/admin/jobs/{failed}/retry"), &admin, &[]),
            )
            .await;
            assert_eq!(retried.status, StatusCode::SEE_OTHER);
            assert_eq!(
                retried
                    .headers
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok()),
                Some("/admin/jobs?retried=1")
            );
            let after = send(&app, get("/admin/jobs?retried=1", &admin)).await;
            assert!(after.body.contains("queued to run again"));
            assert!(!after.body.contains(&format!("/admin/jobs/{failed}/retry")));
            let again = send(
                &app,
                post(&format!("/admin/jobs/{failed}/retry"), &admin, &[]),
            )
            .await;
            assert_eq!(again.status, StatusCode::NOT_FOUND);
            let bad_id = send(&app, post("/admin/jobs/not-an-id/retry", &admin, &[])).await;
            assert_eq!(bad_id.status, StatusCode::NOT_FOUND);
        });
        let mut c = db.conn();
        let job = store::get(&mut c, &failed.parse().expect("an id"))
            .expect("read")
            .expect("the job");
        assert_eq!((job.status.as_str(), job.attempts), ("queued", 0));
        let audit = audit_rows(&db, "job.retry");
        assert_eq!(audit.len(), 1);
        assert_eq!(
            audit[0].actor_user_id.as_deref(),
            Some(admin.user_id.as_str())
        );
    }
);

/// A child recorded through the API with a people:write token; returns its id.
async fn api_child(app: &Router, token: &str, given: &str) -> String {
    let mut body = amelia_body();
    body["given_names"] = json!(given);
    body["nhs_number"] = Value::Null;
    body["confirm_new"] = json!(true);
    let created = send(
        app,
        api(
            Method::POST,
            "/people",
            Some(token),
            Some(&body.to_string()),
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.json()["id"].as_str().expect("id").to_string()
}

fn school_contact_body(children: &[String]) -> Value {
    json!({
        "channel": "phone",
        "referrer": {
            "kind": "professional",
            "name": "Ms Priya Shah",
            "organisation": "Demton Primary School",
            "agency": "school",
            "email": "dsl@demton-primary.example.org"
        },
        "children": children,
        "concern": "Bruise on her cheek; said her dad hit her.",
        "categories": ["physical_abuse"],
        "consent": "not_sought",
        "consent_reason": "Would put the child at greater risk."
    })
}

both_backends!(
    contacts_over_the_api_are_scoped_recorded_and_claimed_once,
    |db: TestDb| {
        runtime().block_on(async {
        let app = app(&db);
        let admin = signed_in(&db, "admin", Role::Administrator).actor;
        let office = {
            let mut c = db.conn();
            accounts::create_office(&mut c, &Actor::command_line(), "Demton").expect("office")
        };
        let first = account(&db, "first", Role::FrontDoorPractitioner);
        let second = account(&db, "second", Role::FrontDoorPractitioner);
        let all = ["people:read", "people:write", "contacts:read", "contacts:write"];
        let t1 = token(&db, &admin, &first, &all);
        let t2 = token(&db, &admin, &second, &all);
        let read_only = token(&db, &admin, &first, &["people:read", "contacts:read"]);

        let child = api_child(&app, &t1, "Amelia").await;
        let mut body = school_contact_body(std::slice::from_ref(&child));
        body["office_id"] = json!(office);

        // A token without contacts:write may not record, and the refusal is audited.
        let refused = send(&app, api(Method::POST, "/contacts", Some(&read_only), Some(&body.to_string()))).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert!(!audit_rows(&db, "access.denied").is_empty());

        // Bad input: every problem named, nothing written.
        let bad = json!({ "channel": "carrier pigeon", "referrer": { "kind": "professional" }, "concern": "", "categories": [], "consent": "given", "received_at": "yesterday" });
        let answer = send(&app, api(Method::POST, "/contacts", Some(&t1), Some(&bad.to_string()))).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
        assert_eq!(answer.json()["fields"][0]["field"], "received_at");
        let bad = json!({ "channel": "carrier pigeon", "referrer": { "kind": "professional" }, "concern": "", "categories": [], "consent": "given" });
        let answer = send(&app, api(Method::POST, "/contacts", Some(&t1), Some(&bad.to_string()))).await;
        let fields: Vec<String> = answer.json()["fields"].as_array().expect("fields").iter().map(|f| f["field"].as_str().unwrap_or_default().to_string()).collect();
        for f in ["channel", "referrer_name", "referrer_organisation", "concern", "categories"] {
            assert!(fields.contains(&f.to_string()), "{f} missing from {fields:?}");
        }
        let unknown = send(&app, api(Method::POST, "/contacts", Some(&t1), Some("{\"channel\":\"phone\",\"colour\":\"red\"}"))).await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "unknown fields are refused: {}", unknown.body);

        let created = send(&app, api(Method::POST, "/contacts", Some(&t1), Some(&body.to_string()))).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.json()["id"].as_str().expect("id").to_string();
        assert!(created.json()["reference"].as_str().unwrap_or_default().starts_with("CT-"));
        assert_eq!(created.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()), Some(format!("/api/v1/contacts/{id}").as_str()));

        let shown = send(&app, api(Method::GET, &format!("/contacts/{id}"), Some(&read_only), None)).await;
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
        let shown = shown.json();
        assert_eq!(shown["children"][0]["person"]["id"], json!(child));
        assert_eq!(shown["messages"][0]["kind"], "receipt");
        assert_eq!(shown["contact"]["referral_source"], "2A");

        let queue = send(&app, api(Method::GET, "/contacts/queue", Some(&read_only), None)).await.json();
        assert_eq!(queue["total"], 1);
        assert_eq!(queue["rows"][0]["contact_id"], json!(id));

        let claimed = send(&app, api(Method::POST, &format!("/contacts/{id}/claim"), Some(&t1), None)).await;
        assert_eq!(claimed.status, StatusCode::OK, "{}", claimed.body);
        let lost = send(&app, api(Method::POST, &format!("/contacts/{id}/claim"), Some(&t2), None)).await;
        assert_eq!(lost.status, StatusCode::CONFLICT, "{}", lost.body);
        assert!(lost.json()["message"].as_str().unwrap_or_default().contains("Test first has already claimed"));

        let undecidable = send(&app, api(Method::POST, &format!("/contacts/{id}/decisions"), Some(&t1), Some("{\"rationale\":\"\"}"))).await;
        assert_eq!(undecidable.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", undecidable.body);

        let history = send(&app, api(Method::GET, &format!("/contacts/{id}/screening"), Some(&t1), None)).await;
        assert_eq!(history.status, StatusCode::OK, "{}", history.body);
        assert_eq!(history.json()["held_by_me"], true);

        let missing = send(&app, api(Method::GET, "/contacts/not-a-uuid", Some(&t1), None)).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        let doc = send(&app, api(Method::GET, "/openapi.json", None, None)).await.json();
        assert!(doc["paths"]["/contacts/{id}/decisions"]["post"].is_object());
    });
    }
);

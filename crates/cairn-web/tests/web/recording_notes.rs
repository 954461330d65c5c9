//! Recording pages and API: notes. Writing a note for two siblings and finalising it, drafts
//! saved by the button and by the script, a 100,000-character note, amendments (by whom, with
//! a reason, and two at once), a note kept through an expired session, and the JSON API.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use cairn_core::recording::notes::{self, Amendment, NoteChild, NoteContent};
use cairn_core::relationships::{self, NewRelationship};
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::relationships::RelationshipKind;
use cairn_domain::roles::Role;
use serde_json::json;

use crate::support::*;

/// A team and two siblings, Amelia and Noah, recorded as brother and sister.
struct Family {
    t: CaseTeam,
    amelia: String,
    noah: String,
}

fn family(db: &TestDb) -> Family {
    let t = case_team(db);
    let amelia = child(db, &t.manager.actor, "Amelia", "Hughes");
    let noah = child(db, &t.manager.actor, "Noah", "Hughes");
    let mut c = db.conn();
    relationships::add(
        &mut c,
        &t.manager.actor,
        &NewRelationship {
            person_id: amelia.clone(),
            other_id: noah.clone(),
            kind: RelationshipKind::Sibling,
            lives_together: true,
            started_on: None,
        },
    )
    .expect("siblings");
    Family { t, amelia, noah }
}

/// A complete visit note about Amelia and Noah (Noah seen alone), as the form posts it.
fn note_form(f: &Family, author: &Session, intent: &str) -> Vec<(String, String)> {
    owned_fields(&[
        ("author", author.user_id.as_str()),
        ("child", f.amelia.as_str()),
        ("kind", "visit"),
        ("occurred-day", "1"),
        ("occurred-month", "5"),
        ("occurred-year", "2024"),
        ("occurred_time", "10:30"),
        ("title", "Home visit to Amelia and Noah"),
        (
            "narrative",
            "Amelia showed me her bedroom.\r\nNoah talked about school.",
        ),
        ("people_involved", "Mother"),
        ("significant", "yes"),
        ("about", f.amelia.as_str()),
        ("seen", f.amelia.as_str()),
        ("about", f.noah.as_str()),
        ("seen_alone", f.noah.as_str()),
        ("intent", intent),
    ])
}

fn with(mut form: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    form.retain(|(k, _)| k != name);
    form.push((name.to_string(), value.to_string()));
    form
}

/// The note id in a `/notes/{id}…` location.
fn note_id(location: &str) -> String {
    location
        .trim_start_matches("/notes/")
        .split(['/', '?'])
        .next()
        .unwrap_or_default()
        .to_string()
}

both_backends!(
    a_note_about_two_siblings_is_written_and_finalised,
    |db: TestDb| {
        let app = app(&db);
        let f = family(&db);
        let new = format!("/people/{}/notes/new", f.amelia);
        runtime().block_on(async {
            let form = send(&app, get(&new, &f.t.worker)).await;
            assert_eq!(form.status, StatusCode::OK, "{}", form.body);
            assert_accessible(&form, "the note form");
            for text in [
                "Write a case note",
                "Also about Noah Hughes",
                "Sibling",
                "note-autosave.js",
                "aria-live=\"polite\"",
                &format!("name=\"author\" value=\"{}\"", f.t.worker.user_id),
            ] {
                assert!(
                    has(&form.body, text),
                    "the form shows {text}: {}",
                    form.body
                );
            }

            // Nothing chosen: refused, the text kept as a draft, every problem listed.
            let bad = with(
                with(note_form(&f, &f.t.worker, "finalise"), "kind", ""),
                "title",
                "",
            );
            let refused = send(&app, post_fields(&new, &f.t.worker, &bad)).await;
            assert_eq!(
                refused.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}",
                refused.body
            );
            assert!(refused.body.contains("govuk-error-summary"));
            assert!(has(&refused.body, "Select what kind of note this is"));
            assert!(has(&refused.body, "Enter a title"));
            assert!(has(&refused.body, "saved as a draft"));
            assert!(refused.body.contains("Noah talked about school."));

            let done = send(
                &app,
                post_fields(&new, &f.t.worker, &note_form(&f, &f.t.worker, "finalise")),
            )
            .await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
            let id = note_id(done.location());
            let page = send(&app, get(done.location(), &f.t.worker)).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            assert_accessible(&page, "the note");
            for text in [
                "The note has been finalised",
                "Home visit to Amelia and Noah",
                "Significant event",
                "1 May 2024 at 10:30",
                "working days after the event; the standard is 2",
                "Recorded late",
                "seen alone",
                "Amend this note",
                "Version history",
            ] {
                assert!(has(&page.body, text), "the note shows {text}");
            }

            // On both children's notes tabs, with the tab marked current.
            for person in [&f.amelia, &f.noah] {
                let tab = send(&app, get(&format!("/people/{person}/notes"), &f.t.manager)).await;
                assert_eq!(tab.status, StatusCode::OK, "{}", tab.body);
                assert_accessible(&tab, "the notes tab");
                assert!(tab.body.contains(&format!("/notes/{id}?child={person}")));
                assert!(tab.body.contains("aria-current=\"page\" href=\"/people/"));
                assert!(has(&tab.body, "Also about 1 other child"));
                assert!(tab.body.contains(&format!("/people/{person}/notes/search")));
            }
            // Filtered to phone calls: not there.
            let phone = send(
                &app,
                get(
                    &format!("/people/{}/notes?kind=phone_call", f.amelia),
                    &f.t.manager,
                ),
            )
            .await;
            assert!(!phone.body.contains(&format!("/notes/{id}?")));
            assert!(has(&phone.body, "No notes match the filter"));
        });
        assert_eq!(audit_rows(&db, "note.finalise").len(), 2, "one per child");
        assert!(!audit_rows(&db, "note.list").is_empty());
        assert!(!audit_rows(&db, "note.view").is_empty());
    }
);

both_backends!(
    drafts_are_saved_by_the_button_and_the_script_and_seen_by_their_author_only,
    |db: TestDb| {
        let app = app(&db);
        let f = family(&db);
        let new = format!("/people/{}/notes/new", f.amelia);
        runtime().block_on(async {
            // The script's first save starts the draft and says where later saves go.
            let auto = send(
                &app,
                post_fields(&new, &f.t.worker, &note_form(&f, &f.t.worker, "autosave")),
            )
            .await;
            assert_eq!(auto.status, StatusCode::OK, "{}", auto.body);
            let answer = auto.json();
            assert!(
                answer["message"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("Draft saved at ")
            );
            let edit = answer["edit_url"].as_str().unwrap_or_default().to_string();
            let id = note_id(&edit);
            assert_eq!(answer["version"], 1);

            // Saved again by the script, then by the button (no script needed).
            let form = with(
                with(note_form(&f, &f.t.worker, "autosave"), "version", "1"),
                "narrative",
                "Second thoughts",
            );
            let again = send(&app, post_fields(&edit, &f.t.worker, &form)).await;
            assert_eq!(again.json()["version"], 2, "{}", again.body);
            // A window still at version 1 is told, in JSON.
            let stale = send(&app, post_fields(&edit, &f.t.worker, &form)).await;
            assert_eq!(stale.status, StatusCode::CONFLICT);
            assert_eq!(stale.json()["error"], "conflict");
            let by_hand = with(
                with(with(form, "version", "2"), "intent", "draft"),
                "narrative",
                "Third thoughts",
            );
            let saved = send(&app, post_fields(&edit, &f.t.worker, &by_hand)).await;
            assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
            let page = send(&app, get(saved.location(), &f.t.worker)).await;
            assert_eq!(page.status, StatusCode::OK);
            assert_accessible(&page, "the draft");
            assert!(has(&page.body, "Draft saved at "));
            assert!(page.body.contains("Third thoughts"));
            assert!(page.body.contains("name=\"version\" value=\"3\""));

            // "My drafts" for the author; nothing for anyone else, who cannot open it either.
            let mine = send(
                &app,
                get(&format!("/people/{}/notes", f.amelia), &f.t.worker),
            )
            .await;
            assert!(has(&mine.body, "My drafts"));
            assert!(mine.body.contains(&format!("/notes/{id}/edit")));
            let theirs = send(
                &app,
                get(&format!("/people/{}/notes", f.amelia), &f.t.manager),
            )
            .await;
            assert!(!has(&theirs.body, "My drafts"));
            let peek = send(&app, get(&edit, &f.t.manager)).await;
            assert_eq!(peek.status, StatusCode::NOT_FOUND);

            // Discarded after a confirmation: gone from the list, kept in the database.
            let confirm = send(
                &app,
                get(
                    &format!("/notes/{id}/discard?child={}", f.amelia),
                    &f.t.worker,
                ),
            )
            .await;
            assert_eq!(confirm.status, StatusCode::OK);
            assert_accessible(&confirm, "discard");
            let gone = send(
                &app,
                post(
                    &format!("/notes/{id}/discard"),
                    &f.t.worker,
                    &[("version", "3"), ("child", f.amelia.as_str())],
                ),
            )
            .await;
            assert_eq!(gone.status, StatusCode::SEE_OTHER);
            let after = send(&app, get(gone.location(), &f.t.worker)).await;
            assert!(has(&after.body, "The draft has been discarded"));
            assert!(!has(&after.body, "My drafts"));
        });
        let mut c = db.conn();
        let row = cairn_db::recording::notes::find(&mut c, &note_id_of_first(&db))
            .expect("read")
            .expect("kept");
        assert_eq!(row.status, "discarded");
    }
);

fn note_id_of_first(db: &TestDb) -> String {
    use cairn_db::schema::case_notes;
    use diesel::prelude::*;
    let mut c = db.conn();
    case_notes::table
        .select(case_notes::id)
        .first(&mut c)
        .expect("a note")
}

both_backends!(
    a_note_of_one_hundred_thousand_characters_is_accepted,
    |db: TestDb| {
        let app = app(&db);
        let f = family(&db);
        let new = format!("/people/{}/notes/new", f.amelia);
        // Characters outside ASCII: the form body is about 600 KB, larger than other forms may be.
        let long = "é".repeat(100_000);
        runtime().block_on(async {
            let form = with(note_form(&f, &f.t.worker, "finalise"), "narrative", &long);
            let done = send(&app, post_fields(&new, &f.t.worker, &form)).await;
            assert_eq!(
                done.status,
                StatusCode::SEE_OTHER,
                "{}",
                &done.body[..done.body.len().min(2000)]
            );
            let too_long = with(form, "narrative", &format!("{long}x"));
            let refused = send(&app, post_fields(&new, &f.t.worker, &too_long)).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(has(
                &refused.body,
                "The note must be 100,000 characters or fewer"
            ));
        });
        let mut c = db.conn();
        let stored: Vec<String> = {
            use cairn_db::schema::case_notes;
            use diesel::prelude::*;
            case_notes::table
                .filter(case_notes::status.eq("final"))
                .select(case_notes::narrative)
                .load(&mut c)
                .expect("read")
        };
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].chars().count(), 100_000);
    }
);

/// Finalises a note about Amelia through the service as the team's worker; its id.
fn finalised_note(db: &TestDb, f: &Family) -> String {
    let mut c = db.conn();
    let content = NoteContent {
        kind: "phone_call".into(),
        occurred_at: Some(cairn_db::now() - chrono::Duration::hours(1)),
        title: "Call with school".into(),
        narrative: "The school said Amelia was tired.".into(),
        people_involved: "Ms Shah".into(),
        significant: false,
        children: vec![NoteChild {
            person_id: f.amelia.clone(),
            ..NoteChild::default()
        }],
    };
    notes::finalise_content(&mut c, &f.t.worker.actor, None, &content)
        .expect("finalised")
        .note_id
}

fn amend_form(f: &Family, version: &str, narrative: &str, reason: &str) -> Vec<(String, String)> {
    owned_fields(&[
        ("author", ""),
        ("child", f.amelia.as_str()),
        ("version", version),
        ("kind", "phone_call"),
        ("occurred-day", &days_ago(0).format("%-d").to_string()),
        ("occurred-month", &days_ago(0).format("%-m").to_string()),
        ("occurred-year", &days_ago(0).format("%Y").to_string()),
        ("occurred_time", "00:00"),
        ("title", "Call with school"),
        ("narrative", narrative),
        ("about", f.amelia.as_str()),
        ("reason", reason),
    ])
}

both_backends!(
    amendments_need_a_reason_and_the_right_person,
    |db: TestDb| {
        let app = app(&db);
        let f = family(&db);
        let other = signed_in_with_team(&db, "other.worker", Role::SocialWorker, &f.t.team);
        let id = finalised_note(&db, &f);
        let path = format!("/notes/{id}/amend");
        runtime().block_on(async {
            // Someone else's note: no button, and the form is refused (and audited).
            let page = send(&app, get(&format!("/notes/{id}"), &other)).await;
            assert!(!has(&page.body, "Amend this note"));
            let refused = send(&app, get(&path, &other)).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN);
            let posted = send(
                &app,
                post_fields(&path, &other, &amend_form(&f, "1", "Changed.", "Because")),
            )
            .await;
            assert_eq!(posted.status, StatusCode::FORBIDDEN);

            // The author: a reason is needed.
            let form = send(&app, get(&path, &f.t.worker)).await;
            assert_eq!(form.status, StatusCode::OK, "{}", form.body);
            assert_accessible(&form, "the amendment form");
            assert!(has(&form.body, "Reason for the amendment"));
            assert!(
                !form.body.contains("note-autosave.js"),
                "an amendment is not a draft"
            );
            let no_reason = send(
                &app,
                post_fields(
                    &path,
                    &f.t.worker,
                    &amend_form(&f, "1", "The school said Amelia was very tired.", ""),
                ),
            )
            .await;
            assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(has(&no_reason.body, "Enter the reason for the amendment"));
            let done = send(
                &app,
                post_fields(
                    &path,
                    &f.t.worker,
                    &amend_form(
                        &f,
                        "1",
                        "The school said Amelia was very tired.",
                        "Left out a word",
                    ),
                ),
            )
            .await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
            let shown = send(&app, get(done.location(), &f.t.worker)).await;
            assert!(has(&shown.body, "The note has been amended"));
            assert!(has(&shown.body, "Left out a word"));
            assert!(has(&shown.body, "Version 1 as it read"));
            assert!(
                shown.body.contains("The school said Amelia was tired."),
                "the first version is kept"
            );

            // Two at once: the manager saves first; the worker, still at version 2, is told,
            // with the manager's version shown and their own text kept.
            let mut c = db.conn();
            let manager_text = "The school said Amelia was very tired and hungry.";
            let mut content = notes::view(&mut c, &f.t.manager.actor, &id)
                .expect("view")
                .content();
            content.narrative = manager_text.into();
            notes::amend(
                &mut c,
                &f.t.manager.actor,
                &id,
                &Amendment {
                    version: 2,
                    content,
                    reason: "Added from my call with the school".into(),
                },
            )
            .expect("the manager's amendment");
            let late = send(
                &app,
                post_fields(
                    &path,
                    &f.t.worker,
                    &amend_form(&f, "2", "My own late correction.", "Mine"),
                ),
            )
            .await;
            assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
            assert_accessible(&late, "the conflict");
            assert!(has(&late.body, "Someone else changed this note"));
            assert!(late.body.contains(manager_text));
            assert!(late.body.contains("My own late correction."));
            assert!(late.body.contains("name=\"version\" value=\"3\""));
        });
        let denied = audit_rows(&db, "access.denied");
        assert!(
            denied
                .iter()
                .any(|r| r.entity_id.as_deref() == Some(id.as_str())
                    && r.person_id.as_deref() == Some(f.amelia.as_str()))
        );
        assert_eq!(audit_rows(&db, "note.amend").len(), 2);
    }
);

/// The value of a cookie set by a response.
fn set_cookie(answer: &Answer, name: &str) -> String {
    answer
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .to_string()
}

/// Signs in through the sign-in page, as a browser would, going on to `next`; the session
/// cookie header and where sign-in led.
async fn sign_in_page(app: &axum::Router, username: &str, next: &str) -> (String, String) {
    let shown = send(
        app,
        anonymous(&format!("/sign-in?next={}", urlencode(next))),
    )
    .await;
    let signin = set_cookie(&shown, "cairn_signin");
    let body = serde_urlencoded::to_string([
        ("signin_token", signin.as_str()),
        ("next", next),
        ("resume_action", ""),
        ("username", username),
        ("password", PASSWORD),
    ])
    .expect("encode");
    let mut req = Request::post("/sign-in")
        .header(header::COOKIE, format!("cairn_signin={signin}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .expect("request");
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    let signed = send(app, req).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    (
        format!("cairn_session={}", set_cookie(&signed, "cairn_session")),
        signed.location().to_string(),
    )
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)])
        .expect("encode")
        .trim_start_matches("x=")
        .to_string()
}

/// A form posted with no session cookie (it expired), carrying the page's CSRF token.
fn post_without_session(path: &str, fields: &[(String, String)]) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(
            serde_urlencoded::to_string(fields).expect("encode"),
        ))
        .expect("request")
}

both_backends!(
    a_note_posted_after_the_session_expired_is_kept_for_its_author,
    |db: TestDb| {
        let app = app(&db);
        let f = family(&db);
        let other = signed_in_with_team(&db, "other.worker", Role::SocialWorker, &f.t.team);
        let new = format!("/people/{}/notes/new", f.amelia);
        let mut form = note_form(&f, &f.t.worker, "finalise");
        form.insert(0, ("csrf_token".into(), f.t.worker.csrf.clone()));
        runtime().block_on(async {
            // The script finds the session gone: told so, in JSON.
            let auto = send(
                &app,
                post_without_session(&new, &with(form.clone(), "intent", "autosave")),
            )
            .await;
            assert_eq!(auto.status, StatusCode::UNAUTHORIZED);
            assert!(
                auto.json()["message"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("Your session has ended")
            );

            // The button: the form is kept, and the browser sent to sign in.
            let kept = send(&app, post_without_session(&new, &form)).await;
            assert_eq!(kept.status, StatusCode::SEE_OTHER, "{}", kept.body);
            let location = kept.location().to_string();
            assert!(
                location.starts_with("/sign-in?next=%2Fparked%2F"),
                "{location}"
            );
            let parked = location
                .trim_start_matches("/sign-in?next=")
                .replace("%2F", "/");

            // Someone else signing in with the link is refused, and that is audited.
            let (theirs, to) = sign_in_page(&app, "other.worker", &parked).await;
            assert_eq!(to, parked);
            let refused = send(
                &app,
                Request::get(&parked)
                    .header(header::COOKIE, &theirs)
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN);
            let _ = &other;

            // The author signs in again and gets the note back as a draft.
            let (cookie, to) = sign_in_page(&app, "worker", &parked).await;
            assert_eq!(to, parked);
            let claimed = send(
                &app,
                Request::get(&parked)
                    .header(header::COOKIE, &cookie)
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
            assert_eq!(claimed.status, StatusCode::SEE_OTHER, "{}", claimed.body);
            assert!(
                claimed.location().ends_with("/edit?restored=1"),
                "{}",
                claimed.location()
            );
            let draft = send(
                &app,
                Request::get(claimed.location())
                    .header(header::COOKIE, &cookie)
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
            assert_eq!(draft.status, StatusCode::OK, "{}", draft.body);
            assert!(has(
                &draft.body,
                "Your session had expired; your note was kept as a draft"
            ));
            assert!(draft.body.contains("Noah talked about school."));
            assert!(draft.body.contains("Home visit to Amelia and Noah"));

            // A forged post (no token of the author's) is not kept: it goes the ordinary way.
            let forged = with(form.clone(), "csrf_token", "forged");
            let ordinary = send(&app, post_without_session(&new, &forged)).await;
            assert_eq!(ordinary.status, StatusCode::UNAUTHORIZED);
            assert!(has(&ordinary.body, "Sign in again"));
        });
        let denied = audit_rows(&db, "access.denied");
        assert!(
            denied
                .iter()
                .any(|r| r.entity_type.as_deref() == Some("parked_form"))
        );
        assert_eq!(audit_rows(&db, "form.claim").len(), 1);
    }
);

both_backends!(
    the_api_writes_finalises_amends_and_reads_notes,
    |db: TestDb| {
        let app = app(&db);
        let f = family(&db);
        let admin = signed_in(&db, "admin", Role::Administrator);
        let (worker, manager) = team_tokens(&db, &admin.actor, &f.t);
        let reader = casework_token(&db, &admin.actor, &f.t.worker.user_id, &["casework:read"]);
        runtime().block_on(async {
            let body = json!({
                "kind": "visit",
                "occurred_at": "2024-05-01T10:30:00+01:00",
                "title": "Home visit",
                "narrative": "Both children seen.",
                "significant": true,
                "children": [{ "person_id": f.noah, "child_seen": true, "child_seen_alone": true }]
            });
            // Read-only scope: refused.
            let denied = send(&app, api_request(Method::POST, &format!("/people/{}/notes", f.amelia), &reader, Some(body.clone()))).await;
            assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);

            let created = send(&app, api_request(Method::POST, &format!("/people/{}/notes", f.amelia), &worker, Some(body.clone()))).await;
            assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
            let id = created.json()["note_id"].as_str().unwrap_or_default().to_string();
            assert_eq!(created.header(header::LOCATION), format!("/api/v1/notes/{id}"));

            let mut changed = body.clone();
            changed["narrative"] = json!("Both children seen at home.");
            let saved = send(&app, api_request(Method::PUT, &format!("/notes/{id}"), &worker, Some(json!({ "version": 1, "note": changed })))).await;
            assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
            assert_eq!(saved.json()["version"], 2);
            let stale = send(&app, api_request(Method::POST, &format!("/notes/{id}/finalise"), &worker, Some(json!({ "version": 1 })))).await;
            assert_eq!(stale.status, StatusCode::CONFLICT);
            let done = send(&app, api_request(Method::POST, &format!("/notes/{id}/finalise"), &worker, Some(json!({ "version": 2 })))).await;
            assert_eq!(done.status, StatusCode::OK, "{}", done.body);
            assert!(done.json()["recording_delay"]["working_days"].as_i64().unwrap_or(0) > 2);

            let amended = send(&app, api_request(Method::POST, &format!("/notes/{id}/amendments"), &manager, Some(json!({
                "version": 1, "reason": "Noah was not seen alone", "note": {
                    "kind": "visit", "occurred_at": "2024-05-01T10:30:00+01:00", "title": "Home visit",
                    "narrative": "Both children seen at home.", "significant": true,
                    "children": [
                        { "person_id": f.amelia, "child_seen": true },
                        { "person_id": f.noah, "child_seen": true }
                    ]
                }
            })))).await;
            assert_eq!(amended.status, StatusCode::CREATED, "{}", amended.body);
            assert_eq!(amended.json()["version"], 2);
            let missing = send(&app, api_request(Method::POST, &format!("/notes/{id}/amendments"), &manager, Some(json!({ "version": 2, "reason": "", "note": { "children": [] } })))).await;
            assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
            let named: Vec<String> = missing.json()["fields"].as_array().cloned().unwrap_or_default().iter().filter_map(|f| f["field"].as_str().map(str::to_string)).collect();
            assert!(named.contains(&"reason".to_string()) && named.contains(&"occurred_at".to_string()), "{named:?}");

            let read = send(&app, api_request(Method::GET, &format!("/notes/{id}"), &reader, None)).await;
            assert_eq!(read.status, StatusCode::OK, "{}", read.body);
            let note = read.json();
            assert_eq!(note["versions"].as_array().map(Vec::len), Some(2));
            assert_eq!(note["versions"][1]["reason"], "Noah was not seen alone");
            assert_eq!(note["versions"][1]["changed"], json!(["Children, seen and seen alone"]));
            assert_eq!(note["children"].as_array().map(Vec::len), Some(2));

            let list = send(&app, api_request(Method::GET, &format!("/people/{}/notes?significant=true", f.noah), &reader, None)).await;
            assert_eq!(list.status, StatusCode::OK, "{}", list.body);
            assert_eq!(list.json()["total"], 1);
            assert_eq!(list.json()["notes"][0]["id"], id.as_str());

            let doc = send(&app, anonymous("/api/v1/openapi.json")).await;
            let doc = doc.json();
            assert!(doc["paths"]["/notes/{id}/amendments"]["post"].is_object());
            assert!(doc["components"]["schemas"]["NoteInput"].is_object());
        });
    }
);

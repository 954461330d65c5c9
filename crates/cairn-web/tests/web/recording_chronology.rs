//! Recording pages and API: chronology. The Chronology tab (numbered entries, filters, order,
//! pages, links to each record), the family chronology, entries from other sources added and
//! amended through the forms, the CSV and PDF exports, and the JSON API.

use axum::http::{Method, StatusCode, header};
use cairn_core::casework::visits::{self, VisitInput};
use cairn_core::recording::chronology::{self as chronology, ManualInput};
use cairn_core::relationships::{self, NewRelationship};
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::relationships::RelationshipKind;
use cairn_domain::roles::Role;
use chrono::NaiveDate;
use serde_json::json;

use crate::support::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("a real date")
}

/// An unannounced visit on 3 June 2024 at 14:30 UK time, through the visits service; its id.
fn visit(db: &TestDb, t: &CaseTeam, case: &OpenCase) -> String {
    let mut c = db.conn();
    visits::record(
        &mut c,
        &t.worker.actor,
        &case.referral,
        &VisitInput {
            visited_at: d(2024, 6, 3).and_hms_opt(13, 30, 0),
            kind: "unannounced".into(),
            child_seen: Some(true),
            seen_alone: Some(true),
            bedroom_seen: Some(true),
            observations: "Maya showed me her room.".into(),
            ..VisitInput::default()
        },
    )
    .expect("a visit")
}

/// An entry from another source, through the service; its id.
fn manual(db: &TestDb, t: &CaseTeam, case: &OpenCase, on: NaiveDate, title: &str) -> String {
    let mut c = db.conn();
    chronology::add_manual(
        &mut c,
        &t.worker.actor,
        &case.child,
        &ManualInput {
            occurred_on: Some(on),
            time: String::new(),
            title: title.into(),
            summary: "Police attended; the children were present.".into(),
            source: "Police: PNC record 2004".into(),
            significant: true,
        },
    )
    .expect("a manual entry")
}

fn entry_form(day: &str, title: &str, reason: &str) -> Vec<(String, String)> {
    owned_fields(&[
        ("occurred-day", day),
        ("occurred-month", "6"),
        ("occurred-year", "2004"),
        ("occurred_time", ""),
        ("title", title),
        (
            "summary",
            "Police called to a domestic incident; mother injured.",
        ),
        ("source", "Police: PNC record 2004"),
        ("significant", "yes"),
        ("reason", reason),
    ])
}

both_backends!(
    the_chronology_tab_numbers_entries_filters_them_and_links_each_record,
    |db: TestDb| {
        let app = app(&db);
        let rt = runtime();
        let t = case_team(&db);
        let case = open_case(&db, &t, "Maya", d(2024, 5, 1));
        let visit = visit(&db, &t, &case);
        manual(
            &db,
            &t,
            &case,
            d(2004, 6, 12),
            "Police called to the family home",
        );
        rt.block_on(async {
            let page = send(
                &app,
                get(&format!("/people/{}/chronology", case.child), &t.worker),
            )
            .await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            assert_accessible(&page, "chronology");
            assert!(
                page.body.contains("aria-current=\"page\" href=\"/people/"),
                "the Chronology tab is current"
            );
            assert!(
                has(
                    &page.body,
                    "Chronology of Maya Casework, oldest first (2 entries)"
                ),
                "{}",
                page.body
            );
            // Oldest first: the police record is entry 1, the visit entry 2.
            let police = page
                .body
                .find("Police called to the family home")
                .expect("the manual entry");
            let visited = page.body.find("Unannounced visit").expect("the visit");
            assert!(police < visited);
            assert!(
                page.body.contains(&format!("href=\"/visits/{visit}\"")),
                "a link to the visit record"
            );
            assert!(page.body.contains("3 June 2024") && page.body.contains("14:30"));
            assert!(page.body.contains("Child seen alone; bedroom seen."));
            assert!(page.body.contains("Police: PNC record 2004"));

            let newest = send(
                &app,
                get(
                    &format!("/people/{}/chronology?order=newest", case.child),
                    &t.worker,
                ),
            )
            .await;
            assert!(
                newest.body.find("Unannounced visit")
                    < newest.body.find("Police called to the family home")
            );
            assert!(has(&newest.body, "newest first"));

            let only_visits = send(
                &app,
                get(
                    &format!("/people/{}/chronology?category=visit", case.child),
                    &t.worker,
                ),
            )
            .await;
            assert!(only_visits.body.contains("Unannounced visit"));
            assert!(
                !only_visits
                    .body
                    .contains("Police called to the family home")
            );
            let significant = send(
                &app,
                get(
                    &format!("/people/{}/chronology?significant=yes", case.child),
                    &t.worker,
                ),
            )
            .await;
            assert!(!significant.body.contains("Unannounced visit"));
            assert!(
                significant
                    .body
                    .contains("Police called to the family home")
            );
            let range = send(
                &app,
                get(
                    &format!(
                        "/people/{}/chronology?from-day=1&from-month=1&from-year=2024",
                        case.child
                    ),
                    &t.worker,
                ),
            )
            .await;
            assert!(range.body.contains("Unannounced visit"));
            assert!(!range.body.contains("Police called to the family home"));

            let bad = send(
                &app,
                get(
                    &format!(
                        "/people/{}/chronology?to-day=40&to-month=1&to-year=2024",
                        case.child
                    ),
                    &t.worker,
                ),
            )
            .await;
            assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(
                bad.body.contains("href=\"#to-day\""),
                "the error summary links to the field"
            );
            assert_accessible(&bad, "chronology with a filter problem");

            let stranger = signed_in(&db, "admin", Role::Administrator);
            let refused = send(
                &app,
                get(&format!("/people/{}/chronology", case.child), &stranger),
            )
            .await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN);
        });
        let views = audit_rows(&db, "chronology.view");
        assert!(views.len() >= 5);
        assert!(
            views
                .iter()
                .all(|r| r.person_id.as_deref() == Some(case.child.as_str()))
        );
    }
);

both_backends!(
    withdrawn_entries_are_hidden_until_asked_for_then_struck_through,
    |db: TestDb| {
        let app = app(&db);
        let rt = runtime();
        let t = case_team(&db);
        let case = open_case(&db, &t, "Maya", d(2024, 5, 1));
        {
            let mut c = db.conn();
            let adult = child(&db, &t.manager.actor, "Sam", "Casework");
            let rel = relationships::add(
                &mut c,
                &t.manager.actor,
                &NewRelationship {
                    person_id: case.child.clone(),
                    other_id: adult.clone(),
                    kind: RelationshipKind::Mother,
                    lives_together: true,
                    started_on: None,
                },
            )
            .expect("a relationship");
            relationships::mark_entered_in_error(
                &mut c,
                &t.manager.actor,
                &case.child,
                &rel,
                "Wrong person",
            )
            .expect("entered in error");
        }
        rt.block_on(async {
            let page = send(
                &app,
                get(&format!("/people/{}/chronology", case.child), &t.worker),
            )
            .await;
            assert!(!page.body.contains("Relationship recorded"));
            let shown = send(
                &app,
                get(
                    &format!("/people/{}/chronology?withdrawn=yes", case.child),
                    &t.worker,
                ),
            )
            .await;
            assert!(
                shown
                    .body
                    .contains("<del><a class=\"govuk-link govuk-!-font-weight-bold\"")
            );
            assert!(shown.body.contains("Entered in error: Wrong person"));
        });
    }
);

both_backends!(
    an_entry_from_another_source_is_added_and_amended_through_the_forms,
    |db: TestDb| {
        let app = app(&db);
        let rt = runtime();
        let t = case_team(&db);
        let other = signed_in_with_team(&db, "other.worker", Role::SocialWorker, &t.team);
        let case = open_case(&db, &t, "Maya", d(2024, 5, 1));
        rt.block_on(async {
            let path = format!("/people/{}/chronology/new", case.child);
            let form = send(&app, get(&path, &t.worker)).await;
            assert_eq!(form.status, StatusCode::OK);
            assert_accessible(&form, "manual entry form");

            let refused = send(&app, post_fields(&path, &t.worker, &entry_form("", "", ""))).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(refused.body.contains("href=\"#occurred-day\""));
            assert!(refused.body.contains("href=\"#title\""));
            assert_accessible(&refused, "manual entry form with errors");

            let done = send(
                &app,
                post_fields(&path, &t.worker, &entry_form("12", "Domestic incident", "")),
            )
            .await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
            let list = send(&app, get(done.location(), &t.worker)).await;
            assert!(
                list.body
                    .contains("The entry has been added to the chronology")
            );
            assert!(list.body.contains("12 June 2004"));
            let entry_href = link(&list.body, "Domestic incident");
            assert!(entry_href.starts_with("/chronology/"));

            let entry = send(&app, get(&entry_href, &t.worker)).await;
            assert_eq!(entry.status, StatusCode::OK);
            assert_accessible(&entry, "chronology entry");
            assert!(
                entry
                    .body
                    .contains("This entry has not changed since it was recorded.")
            );
            let amend_path = format!("{entry_href}/amend");
            let amend_form = send(&app, get(&amend_path, &t.worker)).await;
            assert_eq!(amend_form.status, StatusCode::OK);
            assert_accessible(&amend_form, "amend form");
            assert!(
                amend_form.body.contains("value=\"12\""),
                "prefilled with the entry"
            );

            // Another worker may not amend it.
            let other_form = send(&app, get(&amend_path, &other)).await;
            assert_eq!(other_form.status, StatusCode::FORBIDDEN);
            let mut fields = entry_form(
                "13",
                "Domestic incident",
                "The police record gives the 13th",
            );
            fields.push(("version".into(), "1".into()));
            let other_post = send(&app, post_fields(&amend_path, &other, &fields)).await;
            assert_eq!(other_post.status, StatusCode::FORBIDDEN);

            let mut no_reason = entry_form("13", "Domestic incident", "");
            no_reason.push(("version".into(), "1".into()));
            let refused = send(&app, post_fields(&amend_path, &t.worker, &no_reason)).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(refused.body.contains("href=\"#reason\""));

            let amended = send(&app, post_fields(&amend_path, &t.worker, &fields)).await;
            assert_eq!(amended.status, StatusCode::SEE_OTHER, "{}", amended.body);
            let entry = send(&app, get(amended.location(), &t.worker)).await;
            assert!(entry.body.contains("its earlier version is kept below"));
            assert!(entry.body.contains("13 June 2004"));
            assert!(entry.body.contains("Version 1"));
            assert!(entry.body.contains("The police record gives the 13th"));

            // Two people amending at once: the second is told and keeps what they typed.
            let mut stale = entry_form("14", "Domestic incident (second try)", "Another reason");
            stale.push(("version".into(), "1".into()));
            let conflict = send(&app, post_fields(&amend_path, &t.manager, &stale)).await;
            assert_eq!(conflict.status, StatusCode::CONFLICT);
            assert!(conflict.body.contains("Someone else amended this entry"));
            assert!(conflict.body.contains("Domestic incident (second try)"));
            assert!(conflict.body.contains("name=\"version\" value=\"2\""));
        });
        assert_eq!(audit_rows(&db, "chronology.manual_add").len(), 1);
        assert_eq!(audit_rows(&db, "chronology.manual_amend").len(), 1);
    }
);

both_backends!(the_chronology_downloads_as_csv_and_pdf, |db: TestDb| {
    let app = app(&db);
    let rt = runtime();
    let t = case_team(&db);
    let case = open_case(&db, &t, "Maya", d(2024, 5, 1));
    visit(&db, &t, &case);
    manual(
        &db,
        &t,
        &case,
        d(2004, 6, 12),
        "Police called to the family home",
    );
    rt.block_on(async {
        let csv = send(
            &app,
            get(
                &format!("/people/{}/chronology.csv?significant=yes", case.child),
                &t.worker,
            ),
        )
        .await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.header(header::CONTENT_TYPE).starts_with("text/csv"));
        assert!(
            csv.header(header::CONTENT_DISPOSITION)
                .contains("chronology-")
        );
        let lines: Vec<&str> = csv.body.lines().collect();
        assert_eq!(
            lines[0],
            "number,date,time,category,title,summary,source,author,recorded,amended"
        );
        assert_eq!(lines.len(), 2, "significant only: {}", csv.body);
        assert!(lines[1].starts_with(
            "1,12 June 2004,,Entry from another source,Police called to the family home,"
        ));

        let pdf = send(
            &app,
            get(&format!("/people/{}/chronology.pdf", case.child), &t.worker),
        )
        .await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert_eq!(pdf.header(header::CONTENT_TYPE), "application/pdf");
        assert!(pdf.bytes.starts_with(b"%PDF"));

        let bad = send(
            &app,
            get(
                &format!("/people/{}/chronology.csv?category=nonsense", case.child),
                &t.worker,
            ),
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    });
    assert_eq!(audit_rows(&db, "chronology.export_csv").len(), 1);
    let pdfs = audit_rows(&db, "chronology.export_pdf");
    assert_eq!(pdfs.len(), 1);
    assert_eq!(pdfs[0].person_id.as_deref(), Some(case.child.as_str()));
});

both_backends!(
    the_family_chronology_names_the_child_on_each_entry,
    |db: TestDb| {
        let app = app(&db);
        let rt = runtime();
        let t = case_team(&db);
        let maya = open_case(&db, &t, "Maya", d(2024, 5, 1));
        let noah = open_case(&db, &t, "Noah", d(2024, 5, 1));
        {
            let mut c = db.conn();
            relationships::add(
                &mut c,
                &t.manager.actor,
                &NewRelationship {
                    person_id: maya.child.clone(),
                    other_id: noah.child.clone(),
                    kind: RelationshipKind::Sibling,
                    lives_together: true,
                    started_on: None,
                },
            )
            .expect("siblings");
        }
        manual(&db, &t, &maya, d(2010, 1, 5), "Maya's early record");
        manual(&db, &t, &noah, d(2011, 2, 6), "Noah's early record");
        rt.block_on(async {
            let page = send(
                &app,
                get(
                    &format!("/people/{}/chronology/family", maya.child),
                    &t.worker,
                ),
            )
            .await;
            assert_eq!(page.status, StatusCode::OK);
            assert_accessible(&page, "family chronology");
            assert!(page.body.contains("Family chronology"));
            assert!(
                page.body.contains("Maya&#39;s early record")
                    || page.body.contains("Maya's early record")
            );
            assert!(has(&page.body, "Noah's early record"));
            assert!(
                page.body
                    .contains("<td class=\"govuk-table__cell\">Noah Casework</td>")
            );
            let own = send(
                &app,
                get(&format!("/people/{}/chronology", maya.child), &t.worker),
            )
            .await;
            assert!(!has(&own.body, "Noah's early record"));
        });
        assert_eq!(audit_rows(&db, "chronology.family_view").len(), 2);
    }
);

both_backends!(
    the_api_reads_filters_adds_and_amends_entries,
    |db: TestDb| {
        let app = app(&db);
        let rt = runtime();
        let t = case_team(&db);
        let (worker, manager) = team_tokens(&db, &cairn_core::Actor::command_line(), &t);
        let reader = casework_token(
            &db,
            &cairn_core::Actor::command_line(),
            &t.worker.user_id,
            &["casework:read"],
        );
        let case = open_case(&db, &t, "Maya", d(2024, 5, 1));
        visit(&db, &t, &case);
        rt.block_on(async {
        let path = format!("/people/{}/chronology", case.child);
        let added = send(
            &app,
            api_request(
                Method::POST,
                &path,
                &worker,
                Some(json!({
                    "occurred_on": "2004-06-12",
                    "time": "23:30",
                    "title": "Domestic incident",
                    "summary": "Police attended.",
                    "source": "Police: PNC record 2004",
                    "significant": true
                })),
            ),
        )
        .await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
        let id = added.json()["id"].as_str().expect("an id").to_string();
        assert_eq!(added.location(), format!("/api/v1/chronology/{id}"));

        let refused = send(&app, api_request(Method::POST, &path, &reader, Some(json!({ "title": "x" })))).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "read scope cannot add");
        let invalid = send(&app, api_request(Method::POST, &path, &worker, Some(json!({ "occurred_on": "12/06/2004" })))).await;
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);

        let list = send(&app, api_request(Method::GET, &path, &reader, None)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        let body = list.json();
        assert_eq!(body["total"], json!(2));
        assert_eq!(body["entries"][0]["number"], json!(1));
        assert_eq!(body["entries"][0]["title"], json!("Domestic incident"));
        assert_eq!(body["entries"][0]["time"], json!("23:30"));
        assert_eq!(body["entries"][1]["category"]["code"], json!("visit"));
        assert_eq!(body["entries"][1]["source_kind"], json!("visit"));

        let filtered = send(&app, api_request(Method::GET, &format!("{path}?category=manual&order=newest&from=2000-01-01&to=2010-01-01"), &reader, None)).await;
        assert_eq!(filtered.json()["total"], json!(1));
        let bad = send(&app, api_request(Method::GET, &format!("{path}?from=yesterday"), &reader, None)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.json()["fields"][0]["field"], json!("from"));

        let amend = format!("/chronology/{id}/amend");
        let no_reason = send(&app, api_request(Method::POST, &amend, &manager, Some(json!({
            "occurred_on": "2004-06-13", "title": "Domestic incident", "summary": "Police attended.",
            "source": "Police: PNC record 2004", "version": 1
        })))).await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        let amended = send(&app, api_request(Method::POST, &amend, &manager, Some(json!({
            "occurred_on": "2004-06-13", "title": "Domestic incident", "summary": "Police attended.",
            "source": "Police: PNC record 2004", "reason": "Date corrected", "version": 1
        })))).await;
        assert_eq!(amended.status, StatusCode::OK, "{}", amended.body);
        assert_eq!(amended.json()["version"], json!(2));
        let stale = send(&app, api_request(Method::POST, &amend, &worker, Some(json!({
            "occurred_on": "2004-06-14", "title": "Domestic incident", "summary": "Police attended.",
            "source": "Police: PNC record 2004", "reason": "Another", "version": 1
        })))).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);

        let entry = send(&app, api_request(Method::GET, &format!("/chronology/{id}"), &reader, None)).await;
        let e = entry.json();
        assert_eq!(e["entry"]["version"], json!(2));
        assert_eq!(e["entry"]["date"], json!("13 June 2004"));
        assert_eq!(e["versions"][0]["reason"], json!("Date corrected"));
        assert_eq!(e["versions"][0]["date"], json!("12 June 2004"));

        let family = send(&app, api_request(Method::GET, &format!("{path}/family"), &reader, None)).await;
        assert_eq!(family.status, StatusCode::OK);
        assert_eq!(family.json()["children"].as_array().map(Vec::len), Some(1));

        let doc = send(&app, api_request(Method::GET, "/openapi.json", &reader, None)).await.json();
        for p in ["/people/{id}/chronology", "/people/{id}/chronology/family", "/chronology/{id}", "/chronology/{id}/amend"] {
            assert!(doc["paths"][p].is_object(), "{p} documented");
        }
        assert!(doc["components"]["schemas"]["ChronologyEntry"].is_object());
    });
        let added = audit_rows(&db, "chronology.manual_add");
        assert_eq!(added.len(), 1);
        assert_eq!(added[0].person_id.as_deref(), Some(case.child.as_str()));
    }
);

//! The front-door performance page and the late receipts report through the real router, on
//! SQLite and PostgreSQL: a chart and a table for every figure, CSV downloads, the filters,
//! and who may see them.

use axum::http::{StatusCode, header};
use cairn_core::accounts::{self, TeamForm};
use cairn_core::front_door::contacts::{self, ContactInput, ReferrerInput};
use cairn_core::front_door::performance::FIGURE_KEYS;
use cairn_core::people::{NewPerson, PersonKind};
use cairn_core::{Actor, Settings};
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::dates::DateParts;
use cairn_domain::person::PersonDraft;
use cairn_domain::roles::Role;
use chrono::Duration;

use crate::support::*;

/// An office with a team, and a contact from a school received two days ago (its receipt,
/// a letter to post, was produced late, so the report has a row).
fn a_contact(db: &TestDb) -> String {
    let mut c = db.conn();
    let admin = Actor::command_line();
    let office = accounts::create_office(&mut c, &admin, "Northtown office").expect("office");
    accounts::create_team(
        &mut c,
        &admin,
        &TeamForm {
            name: "Front door".into(),
            office_id: office.clone(),
            active: String::new(),
        },
    )
    .expect("team");
    let recorder = signed_in(db, "front.door", Role::FrontDoorPractitioner);
    let draft = PersonDraft {
        given_names: "Amelia".into(),
        family_name: "Hughes".into(),
        dob: DateParts::new("5", "3", "2019"),
        sex: "F".into(),
        ..PersonDraft::default()
    };
    let today = cairn_db::now().date();
    let child = cairn_core::people::create(
        &mut c,
        &recorder.actor,
        &NewPerson {
            kind: PersonKind::Child,
            details: draft.validate(today).expect("a valid child"),
            address: None,
        },
        true,
        "C",
    )
    .expect("create a child");
    contacts::record(
        &mut c,
        &recorder.actor,
        &Settings::default(),
        &ContactInput {
            received_at: Some(cairn_db::now() - Duration::days(4)),
            backdate_reason: "Found in the post room.".into(),
            channel: "letter".into(),
            referrer: ReferrerInput {
                kind: "professional".into(),
                name: "Ms Priya Shah".into(),
                organisation: "Demton Primary School".into(),
                agency: "school".into(),
                ..ReferrerInput::default()
            },
            children: vec![child],
            concern: "Amelia said she is often left alone at night.".into(),
            categories: vec!["neglect".into()],
            consent: "given".into(),
            office_id: office.clone(),
            ..ContactInput::default()
        },
    )
    .expect("record a contact");
    office
}

both_backends!(
    the_page_shows_a_chart_and_a_table_for_every_figure,
    |db: TestDb| {
        let office = a_contact(&db);
        let manager = signed_in(&db, "manager", Role::TeamManager);
        let app = app(&db);
        runtime().block_on(async {
        let page = send(&app, get("/performance/front-door", &manager)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let charts = page.body.matches("<svg").count();
        assert_eq!(charts, FIGURE_KEYS.len(), "one chart per figure");
        assert_eq!(page.body.matches(r#"role="img""#).count(), FIGURE_KEYS.len());
        assert_eq!(page.body.matches(r#"<table class="govuk-table"#).count(), FIGURE_KEYS.len(), "one table per figure");
        for key in FIGURE_KEYS {
            assert!(page.body.contains(&format!("/performance/front-door/{key}.csv?")), "CSV link for {key}");
        }
        assert!(page.body.contains("Schools (2A)"), "the contact is counted by source");
        assert!(page.body.contains(r#"href="/performance/front-door""#), "in the navigation");
        // The default period is shown in the date inputs.
        assert!(page.body.contains(r#"name="to-year""#));

        // The office filter and a CSV with the same filters.
        let today = cairn_db::now().date();
        let q = format!(
            "from-day=1&from-month=1&from-year=2024&to-day={}&to-month={}&to-year={}&office={office}",
            chrono::Datelike::day(&today),
            chrono::Datelike::month(&today),
            chrono::Datelike::year(&today)
        );
        let page = send(&app, get(&format!("/performance/front-door?{q}"), &manager)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Northtown office"));
        let csv = send(&app, get(&format!("/performance/front-door/sources.csv?{q}"), &manager)).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert_eq!(
            csv.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()),
            Some("text/csv; charset=utf-8")
        );
        assert!(
            csv.headers
                .get(header::CONTENT_DISPOSITION)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("attachment; filename=\"front-door-sources-")),
        );
        assert_eq!(csv.body, "Referral source,Contacts,Out of,Percent\r\nSchools (2A),1,1,100.0\r\n");

        // Unknown tables and bad dates.
        assert_eq!(send(&app, get("/performance/front-door/nope.csv", &manager)).await.status, StatusCode::NOT_FOUND);
        assert_eq!(send(&app, get("/performance/front-door/sources", &manager)).await.status, StatusCode::NOT_FOUND);
        let bad = send(&app, get("/performance/front-door?from-day=31&from-month=2&from-year=2026", &manager)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("govuk-error-summary"));
        let bad_csv = send(&app, get("/performance/front-door/sources.csv?to-day=1&to-month=1&to-year=2001", &manager)).await;
        assert_eq!(bad_csv.status, StatusCode::BAD_REQUEST);
    });
    }
);

both_backends!(the_receipts_report_lists_the_late_letter, |db: TestDb| {
    a_contact(&db);
    let manager = signed_in(&db, "manager", Role::ServiceManager);
    let app = app(&db);
    runtime().block_on(async {
        let page = send(&app, get("/reports/receipts", &manager)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains("1 late or missing message"),
            "{}",
            page.body
        );
        assert!(page.body.contains("Ms Priya Shah"));
        assert!(page.body.contains("Sent late"));
        let only_missing = send(&app, get("/reports/receipts?problem=missing", &manager)).await;
        assert!(only_missing.body.contains("No late or missing messages"));
        let csv = send(&app, get("/reports/receipts.csv?kind=receipt", &manager)).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert_eq!(
            csv.headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some("text/csv; charset=utf-8")
        );
        assert!(csv.body.starts_with("Contact reference,Received,Office,"));
        assert_eq!(csv.body.trim_end().lines().count(), 2);
        let bad = send(&app, get("/reports/receipts?problem=lost", &manager)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    });
});

both_backends!(a_social_worker_is_refused, |db: TestDb| {
    let sw = signed_in(&db, "social.worker", Role::SocialWorker);
    let app = app(&db);
    runtime().block_on(async {
        let home = send(&app, get("/", &sw)).await;
        assert!(
            !home.body.contains("/performance/front-door"),
            "not in their navigation"
        );
        for path in [
            "/performance/front-door",
            "/performance/front-door/sources.csv",
            "/reports/receipts",
            "/reports/receipts.csv",
        ] {
            assert_eq!(
                send(&app, get(path, &sw)).await.status,
                StatusCode::FORBIDDEN,
                "{path}"
            );
        }
    });
    let mut c = db.conn();
    let denied = cairn_db::audit::count(&mut c).expect("count");
    assert!(denied >= 4);
});

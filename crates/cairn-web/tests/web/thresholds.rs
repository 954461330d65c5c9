//! The threshold document through the real router, on SQLite and PostgreSQL: the public page
//! and PDF without sign-in, and administrators drafting and agreeing a version with the forms.

use axum::http::{StatusCode, header};
use cairn_core::{Actor, thresholds};
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::dates::DateParts;
use cairn_domain::front_door::{ThresholdDomain, ThresholdStatus};
use cairn_domain::roles::Role;
use cairn_domain::thresholds::{AgreementDraft, ThresholdDraft, field};
use chrono::Datelike;

use crate::support::*;

fn pair(k: impl Into<String>, v: impl Into<String>) -> (String, String) {
    (k.into(), v.into())
}

/// The edit form's fields for `draft`.
fn form_pairs(draft: &ThresholdDraft, version: i32) -> Vec<(String, String)> {
    let mut pairs = vec![
        pair("version", version.to_string()),
        pair("level_count", draft.levels.len().to_string()),
        pair(field::TITLE, &draft.title),
        pair(field::INTRODUCTION, &draft.introduction),
        pair(field::SIGNATORIES, &draft.signatories),
    ];
    for (i, level) in draft.levels.iter().enumerate() {
        let n = i + 1;
        pairs.push(pair(field::name(n), &level.name));
        pairs.push(pair(field::summary(n), &level.summary));
        pairs.push(pair(field::response(n), &level.response));
        for o in &level.outcomes {
            pairs.push(pair(field::outcomes(n), o));
        }
        for d in ThresholdDomain::ALL {
            // Browsers post textarea line breaks as CR LF.
            pairs.push(pair(
                field::indicators(n, *d),
                level.indicators(*d).replace('\n', "\r\n"),
            ));
        }
    }
    pairs
}

fn agreement_pairs(days_ago: i64, signatories: &str, version: i32) -> Vec<(String, String)> {
    let d = cairn_db::now().date() - chrono::Duration::days(days_ago);
    vec![
        pair("version", version.to_string()),
        pair("agreed_on-day", d.day().to_string()),
        pair("agreed_on-month", d.month().to_string()),
        pair("agreed_on-year", d.year().to_string()),
        pair("signatories", signatories),
    ]
}

both_backends!(the_public_page_and_pdf_need_no_sign_in, |db: TestDb| {
    let app = app(&db);
    let admin = signed_in(&db, "admin.public", Role::Administrator);
    runtime().block_on(async {
        // A fresh installation has nothing agreed, and says so.
        let empty = send(&app, anonymous("/thresholds")).await;
        assert_eq!(empty.status, StatusCode::OK);
        assert!(
            empty
                .body
                .contains("No threshold document has been agreed yet")
        );
        assert_eq!(
            send(&app, anonymous("/thresholds.pdf")).await.status,
            StatusCode::NOT_FOUND
        );

        let first = agreed_thresholds(&db, &admin.actor).id;
        let page = send(&app, anonymous("/thresholds")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for text in [
            "<h1 class=\"govuk-heading-l\">Right help at the right time</h1>",
            "Version 1",
            "Agreed on",
            "Test Integrated Care Board",
            "Universal",
            "Targeted early help",
            "Children&#39;s social care and protection",
            "Significant harm in parenting",
            "Family and environmental factors",
            "href=\"/thresholds.pdf\"",
            "How partners recognise need.",
        ] {
            assert!(
                page.body.contains(text) || page.body.contains(&text.replace("&#39;", "&#x27;")),
                "the page shows {text}"
            );
        }
        assert!(!page.body.contains("Sign out"), "nobody is signed in");

        let pdf = send(&app, anonymous("/thresholds.pdf")).await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert_eq!(
            pdf.headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some("application/pdf")
        );
        assert!(pdf.bytes.starts_with(b"%PDF"));
        assert!(pdf.bytes.len() > 1000);

        // A newer version supersedes the first, which stays readable as history.
        let mut c = db.conn();
        let copy = thresholds::create_draft_from(&mut c, &admin.actor, &first).expect("copy");
        let mut second = threshold_draft();
        second.title = "Right help, second edition".into();
        thresholds::update_draft(&mut c, &admin.actor, &copy, &second, 1).expect("save");
        thresholds::agree(
            &mut c,
            &admin.actor,
            &copy,
            2,
            &AgreementDraft {
                agreed_on: DateParts::from_date(cairn_db::now().date()),
                signatories: "Test County Council".into(),
            },
        )
        .expect("agree");
        let draft = thresholds::create_draft_from(&mut c, &admin.actor, &copy).expect("draft");

        let page = send(&app, anonymous("/thresholds")).await;
        assert!(page.body.contains("Right help, second edition"));
        assert!(
            page.body
                .contains(&format!("href=\"/thresholds/versions/{first}\""))
        );
        let old = send(&app, anonymous(&format!("/thresholds/versions/{first}"))).await;
        assert_eq!(old.status, StatusCode::OK);
        assert!(old.body.contains("This version is no longer in use"));
        assert!(old.body.contains("Superseded"));
        let old_pdf = send(
            &app,
            anonymous(&format!("/thresholds/versions/{first}/pdf")),
        )
        .await;
        assert_eq!(old_pdf.status, StatusCode::OK);
        assert!(old_pdf.bytes.starts_with(b"%PDF"));
        // Drafts are never public.
        for path in [
            format!("/thresholds/versions/{draft}"),
            format!("/thresholds/versions/{draft}/pdf"),
            "/thresholds/versions/not-an-id".to_string(),
        ] {
            assert_eq!(
                send(&app, anonymous(&path)).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
    });
});

both_backends!(
    an_administrator_drafts_and_agrees_a_version_with_the_forms,
    |db: TestDb| {
        let app = app(&db);
        let admin = signed_in(&db, "admin.forms", Role::Administrator);
        runtime().block_on(async {
            let list = send(&app, get("/admin/thresholds", &admin)).await;
            assert_eq!(list.status, StatusCode::OK);
            assert!(list.body.contains("Start a threshold document"));
            assert!(
                list.body.contains("href=\"/admin/thresholds\""),
                "in the navigation"
            );

            // Without its CSRF token the form is refused and nothing is created.
            let forged = send(
                &app,
                post_without_csrf("/admin/thresholds/new", &admin, &[]),
            )
            .await;
            assert_eq!(forged.status, StatusCode::FORBIDDEN);

            let created = send(&app, post_fields("/admin/thresholds/new", &admin, &[])).await;
            assert_eq!(created.status, StatusCode::SEE_OTHER);
            let edit_path = created.location().to_string();
            assert!(edit_path.ends_with("/edit"), "{edit_path}");
            let id = edit_path
                .trim_start_matches("/admin/thresholds/")
                .trim_end_matches("/edit")
                .to_string();

            let form = send(&app, get(&edit_path, &admin)).await;
            assert_eq!(form.status, StatusCode::OK);
            assert!(form.body.contains("name=\"level_count\" value=\"4\""));
            assert!(form.body.contains("value=\"Targeted early help\""));
            assert!(form.body.contains("for=\"level-4-family_environment\""));

            // "Add another level" shows a fifth, empty level and saves nothing.
            let mut pairs = form_pairs(&threshold_draft(), 1);
            pairs.push(pair("add_level", "yes"));
            let added = send(&app, post_fields(&edit_path, &admin, &pairs)).await;
            assert_eq!(added.status, StatusCode::OK);
            assert!(added.body.contains("name=\"level_count\" value=\"5\""));
            assert!(added.body.contains("Nothing has been saved yet"));

            let saved = send(
                &app,
                post_fields(&edit_path, &admin, &form_pairs(&threshold_draft(), 1)),
            )
            .await;
            assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
            assert_eq!(
                saved.location(),
                format!("/admin/thresholds/{id}?saved=yes")
            );
            let view = send(&app, get(saved.location(), &admin)).await;
            assert!(view.body.contains("The draft has been saved."));
            assert!(view.body.contains("Another Emerging"));
            assert!(view.body.contains("Agree this version"));

            let agree_path = format!("/admin/thresholds/{id}/agree");
            let agree_form = send(&app, get(&agree_path, &admin)).await;
            assert_eq!(agree_form.status, StatusCode::OK);
            assert!(agree_form.body.contains("id=\"agreed_on-day\""));
            assert!(
                agree_form.body.contains("Test Constabulary"),
                "signatories carried over"
            );

            let done = send(
                &app,
                post_fields(
                    &agree_path,
                    &admin,
                    &agreement_pairs(0, "Test County Council\r\nTest Constabulary", 2),
                ),
            )
            .await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
            assert_eq!(done.location(), format!("/admin/thresholds?agreed={id}"));
            let list = send(&app, get(done.location(), &admin)).await;
            assert!(list.body.contains("Version 1 has been agreed"));
            assert!(list.body.contains("Create a new draft from version 1"));

            let mut c = db.conn();
            let current = thresholds::current_agreed(&mut c)
                .expect("read")
                .expect("agreed");
            assert_eq!(current.id, id);
            assert_eq!(current.status, ThresholdStatus::Agreed);
            assert_eq!(current.levels[1].indicators.len(), 4);
            assert_eq!(
                current.signatories,
                ["Test County Council", "Test Constabulary"]
            );

            // The agreed version is read-only: the edit page sends you to the view, and a
            // posted edit is refused with the reason.
            let edit_again = send(&app, get(&edit_path, &admin)).await;
            assert_eq!(edit_again.status, StatusCode::SEE_OTHER);
            assert_eq!(edit_again.location(), format!("/admin/thresholds/{id}"));
            let mut changed = threshold_draft();
            changed.title = "Changed after agreement".into();
            let refused = send(
                &app,
                post_fields(&edit_path, &admin, &form_pairs(&changed, 3)),
            )
            .await;
            assert_eq!(refused.status, StatusCode::CONFLICT);
            assert!(refused.body.contains("cannot be changed"));
            assert!(refused.body.contains("value=\"Changed after agreement\""));

            let public = send(&app, anonymous("/thresholds")).await;
            assert!(public.body.contains("Right help at the right time"));
        });
    }
);

both_backends!(
    a_form_with_errors_shows_them_and_keeps_what_was_typed,
    |db: TestDb| {
        let app = app(&db);
        let admin = signed_in(&db, "admin.errors", Role::Administrator);
        let id = {
            let mut c = db.conn();
            thresholds::create_first_draft(&mut c, &admin.actor).expect("draft")
        };
        let edit_path = format!("/admin/thresholds/{id}/edit");
        runtime().block_on(async {
            let mut bad = threshold_draft();
            bad.levels[1].name = String::new();
            bad.levels[1].summary = "<script>alert(1)</script> typed summary".into();
            bad.levels[2].outcomes.clear();
            bad.levels[3].child_development = String::new();
            bad.levels[3].parenting_capacity = String::new();
            bad.levels[3].family_environment = String::new();
            let answer = send(&app, post_fields(&edit_path, &admin, &form_pairs(&bad, 1))).await;
            assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(answer.body.contains("<title>Error: "));
            assert!(answer.body.contains("govuk-error-summary"));
            assert!(answer.body.contains("href=\"#level-2-name\""));
            assert!(answer.body.contains("Enter a name for level 2"));
            assert!(answer.body.contains("href=\"#level-3-outcomes\""));
            assert!(answer.body.contains("href=\"#level-4-child_development\""));
            assert!(answer.body.contains("id=\"level-2-name-error\""));
            // Typed values survive, escaped.
            assert!(answer.body.contains("typed summary"));
            assert!(!answer.body.contains("<script>alert(1)</script>"));
            assert!(answer.body.contains("Another Emerging"));
            assert!(answer.body.contains("name=\"version\" value=\"1\""));

            // Removing levels down to one is refused with a message for the levels section.
            let mut pairs = form_pairs(&threshold_draft(), 1);
            for n in 2..=4 {
                pairs.push(pair(format!("level-{n}-remove"), "yes"));
            }
            let answer = send(&app, post_fields(&edit_path, &admin, &pairs)).await;
            assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(answer.body.contains("href=\"#levels\""));
            assert!(answer.body.contains("id=\"levels\""));

            // The agree form: a future date and no agencies.
            let saved = send(
                &app,
                post_fields(&edit_path, &admin, &form_pairs(&threshold_draft(), 1)),
            )
            .await;
            assert_eq!(saved.status, StatusCode::SEE_OTHER);
            let agree_path = format!("/admin/thresholds/{id}/agree");
            let answer = send(
                &app,
                post_fields(&agree_path, &admin, &agreement_pairs(-2, "  ", 2)),
            )
            .await;
            assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(answer.body.contains("href=\"#agreed_on-day\""));
            assert!(
                answer
                    .body
                    .contains("Date agreed must be today or in the past")
            );
            assert!(answer.body.contains("href=\"#signatories\""));
            let future = cairn_db::now().date() + chrono::Duration::days(2);
            assert!(answer.body.contains(&format!(
                "name=\"agreed_on-year\" type=\"text\" inputmode=\"numeric\" value=\"{}\"",
                future.year()
            )));
            let mut c = db.conn();
            assert!(thresholds::current_agreed(&mut c).expect("read").is_none());
        });
    }
);

both_backends!(
    a_social_worker_cannot_open_the_threshold_administration,
    |db: TestDb| {
        let app = app(&db);
        let sw = signed_in(&db, "sw.thresholds", Role::SocialWorker);
        runtime().block_on(async {
            let page = send(&app, get("/admin/thresholds", &sw)).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN);
            assert!(!page.body.contains("href=\"/admin/thresholds\""));
            let post = send(&app, post_fields("/admin/thresholds/new", &sw, &[])).await;
            assert_eq!(post.status, StatusCode::FORBIDDEN);
            let home = send(&app, get("/", &sw)).await;
            assert!(
                !home.body.contains("href=\"/admin/thresholds\""),
                "not in the navigation"
            );
            // The published document is still open to them, as to everyone.
            assert_eq!(
                send(&app, get("/thresholds", &sw)).await.status,
                StatusCode::OK
            );
        });
        let mut c = db.conn();
        let admin = Actor::command_line();
        assert!(
            thresholds::list_versions(&mut c, &admin)
                .expect("list")
                .is_empty()
        );
    }
);

//! The screening queue, screening decisions, a manager's authorisation, referrals and the
//! message-template administration, through the real router with real sign-in, on SQLite
//! and PostgreSQL.

use axum::http::StatusCode;
use cairn_core::Actor;
use cairn_core::accounts;
use cairn_core::thresholds::ThresholdDocument;
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::roles::Role;

use crate::support::*;

/// The id of the level numbered `number` (1 for the lowest level of need).
fn level_id(doc: &ThresholdDocument, number: usize) -> String {
    doc.levels
        .iter()
        .find(|l| l.number == number)
        .map(|l| l.id.clone())
        .expect("the level")
}

both_backends!(the_queue_lists_contacts_and_one_claim_wins, |db: TestDb| {
    let app = app(&db);
    let fd_team = team(&db, "Front door");
    let admin = signed_in(&db, "admin.one", Role::Administrator);
    let one = signed_in_with_team(&db, "fd.one", Role::FrontDoorPractitioner, &fd_team);
    let two = signed_in_with_team(&db, "fd.two", Role::FrontDoorPractitioner, &fd_team);
    let doc = agreed_thresholds(&db, &admin.actor);
    let amelia = child(&db, &one.actor, "Amelia", "Hughes");
    let (id, reference) = contact(&db, &one.actor, vec![amelia]);
    let (nobody, nobody_ref) = contact(&db, &one.actor, vec![]);
    let late_child = child(&db, &one.actor, "Noah", "Hughes");
    let three_days_ago = cairn_db::now() - chrono::Duration::days(3);
    let (_, late_ref) = contact_received(&db, &one.actor, vec![late_child], Some(three_days_ago));
    runtime().block_on(async {
        let queue = send(&app, get("/queue", &one)).await;
        assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
        assert_accessible(&queue, "the queue");
        for text in [
            reference.as_str(),
            nobody_ref.as_str(),
            &format!("href=\"/contacts/{id}\""),
            "Amelia Hughes",
            "Child not yet identified",
            "Waiting for screening",
            "Waiting for a manager",
            "govuk-tag--green\">Green",
            "Not claimed",
            &format!("action=\"/queue/{id}/claim\""),
            "moj-pagination",
            "Showing 1 to 3 of 3 results",
            "href=\"/queue\"",
            "Screening queue",
        ] {
            assert!(has(&queue.body, text), "the queue shows {text}");
        }
        // The late contact is overdue: first in the queue, in bold red words.
        let late_at = queue
            .body
            .find(&late_ref)
            .expect("the late contact is listed");
        assert!(
            late_at < queue.body.find(&reference).expect("listed"),
            "most urgent first"
        );
        // How overdue depends on working days (weekends, bank holidays), not on the clock.
        let overdue = queue
            .body
            .split("<strong class=\"cairn-overdue\">")
            .nth(1)
            .and_then(|rest| rest.split("</strong>").next())
            .unwrap_or_default();
        assert!(overdue.ends_with(" overdue"), "{}", queue.body);
        // Filtered to an office with nothing in it.
        let office = {
            let mut c = db.conn();
            accounts::create_office(&mut c, &Actor::command_line(), "Elsewhere").expect("office")
        };
        let empty = send(&app, get(&format!("/queue?office={office}"), &one)).await;
        assert!(empty.body.contains("No contacts are waiting for screening"));

        // Claim: straight to the screening page.
        let claimed = send(&app, post(&format!("/queue/{id}/claim"), &one, &[])).await;
        assert_eq!(claimed.status, StatusCode::SEE_OTHER);
        assert_eq!(claimed.location(), format!("/contacts/{id}/screen"));
        // The second practitioner loses the race and is told who has it, on the queue.
        let lost = send(
            &app,
            post(&format!("/queue/{id}/claim"), &two, &[("page", "1")]),
        )
        .await;
        assert_eq!(lost.status, StatusCode::CONFLICT);
        assert!(lost.body.contains("govuk-error-summary"));
        assert!(
            lost.body
                .contains("Test fd.one has already claimed this contact"),
            "{}",
            lost.body
        );
        assert!(lost.body.contains(&format!("href=\"#contact-{id}\"")));
        assert!(lost.body.contains(&format!("id=\"contact-{id}\"")));
        assert_accessible(&lost, "the queue after a lost claim");
        let others = send(&app, get("/queue", &two)).await;
        assert!(
            others.body.contains("Test fd.one"),
            "the queue says who holds it"
        );

        // The screening page: contact, history at a glance, and the form for the holder.
        let screen = send(&app, get(&format!("/contacts/{id}/screen"), &one)).await;
        assert_eq!(screen.status, StatusCode::OK, "{}", screen.body);
        assert_accessible(&screen, "the screening page");
        for text in [
            "History at a glance",
            "0 earlier contacts and 0 referrals in the last 12 months",
            "Demton Primary School",
            "bruise on her cheek",
            &format!("name=\"threshold_document_id\" value=\"{}\"", doc.id),
            "Version 1, agreed on",
            "href=\"/thresholds\"",
            "Level 4: Children's social care",
            "Children at Universal",
            "Significant harm in parenting",
            "Only if the outcome does not match the level",
            "Provisional primary need",
            "<optgroup label=\"Front door (Front door office)\">",
            "Record decision",
        ] {
            assert!(has(&screen.body, text), "the screening page shows {text}");
        }
        // Someone without the claim sees a Claim button instead of the form.
        let watcher = send(&app, get(&format!("/contacts/{id}/screen"), &two)).await;
        assert!(watcher.body.contains("Claim this contact"));
        assert!(!watcher.body.contains("Record decision"));

        // No level, no rationale: the error summary, and what was typed is kept.
        let bad = send(
            &app,
            post(
                &format!("/contacts/{id}/decision"),
                &one,
                &[
                    ("threshold_document_id", doc.id.as_str()),
                    ("children_shown", "yes"),
                    ("rag", "amber"),
                    ("outcome", "early_help"),
                    ("early_help_service", "Demton family hub"),
                ],
            ),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("govuk-error-summary"));
        assert!(bad.body.contains("<title>Error: "));
        for anchor in ["#level", "#rationale", "#children"] {
            assert!(
                bad.body.contains(&format!("href=\"{anchor}\"")),
                "the summary links to {anchor}"
            );
        }
        assert!(bad.body.contains("value=\"Demton family hub\""));
        assert!(bad.body.contains("value=\"amber\" checked"));
        assert!(bad.body.contains("value=\"early_help\" checked"));
        assert_accessible(&bad, "the screening page with errors");

        // An outcome that does not fit the level needs a reason.
        let children: Vec<String> = {
            let mut c = db.conn();
            cairn_db::front_door::contacts::children_of(&mut c, &id)
                .expect("read")
                .into_iter()
                .map(|ch| ch.id)
                .collect()
        };
        let universal = level_id(&doc, 1);
        let mismatch = send(
            &app,
            post(
                &format!("/contacts/{id}/decision"),
                &one,
                &[
                    ("threshold_document_id", doc.id.as_str()),
                    ("children_shown", "yes"),
                    ("children", children[0].as_str()),
                    ("level", universal.as_str()),
                    ("rationale", "Typed rationale survives"),
                    ("rag", "green"),
                    ("outcome", "information_advice"),
                ],
            ),
        )
        .await;
        assert_eq!(
            mismatch.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            mismatch.body
        );
        assert!(mismatch.body.contains("href=\"#override_reason\""));
        assert!(mismatch.body.contains("Typed rationale survives"));
        assert!(
            mismatch
                .body
                .contains(&format!("value=\"{universal}\" checked"))
        );
        assert!(!mismatch.body.contains("href=\"#level\""));

        // A contact with no child named cannot be decided, and the page says why.
        send(&app, post(&format!("/queue/{nobody}/claim"), &one, &[])).await;
        let unnamed = send(&app, get(&format!("/contacts/{nobody}/screen"), &one)).await;
        assert!(unnamed.body.contains("Child not yet identified"));
        assert!(!unnamed.body.contains("Record decision"));

        // Releasing gives it back to the queue.
        let released = send(&app, post(&format!("/queue/{id}/release"), &one, &[])).await;
        assert_eq!(released.status, StatusCode::SEE_OTHER);
        let after = send(&app, get(released.location(), &one)).await;
        assert!(after.body.contains("back in the queue"));
    });
});

both_backends!(
    a_referral_is_returned_authorised_and_assigned,
    |db: TestDb| {
        let app = app(&db);
        let fd_team = team(&db, "Front door");
        let cin_team = team(&db, "Assessment team north");
        let admin = signed_in(&db, "admin.one", Role::Administrator);
        let screener = signed_in_with_team(&db, "fd.one", Role::FrontDoorPractitioner, &fd_team);
        let manager = signed_in_with_team(&db, "tm.one", Role::TeamManager, &cin_team);
        let other_manager = signed_in_with_team(&db, "tm.two", Role::TeamManager, &cin_team);
        let worker = signed_in_with_team(&db, "sw.one", Role::SocialWorker, &cin_team);
        let doc = agreed_thresholds(&db, &admin.actor);
        let amelia = child(&db, &screener.actor, "Amelia", "Hughes");
        let (id, reference) = contact(&db, &screener.actor, vec![amelia.clone()]);
        let level4 = level_id(&doc, 4);
        let indicator = doc.levels[3].indicators[0].id.clone();
        let contact_child = {
            let mut c = db.conn();
            cairn_db::front_door::contacts::children_of(&mut c, &id)
                .expect("read")
                .remove(0)
                .id
        };
        let decision = |rationale: &'static str| {
            vec![
                ("threshold_document_id", doc.id.clone()),
                ("children_shown", "yes".to_string()),
                ("children", contact_child.clone()),
                ("level", level4.clone()),
                ("indicators", indicator.clone()),
                ("rationale", rationale.to_string()),
                ("rag", "amber".to_string()),
                ("outcome", "referral".to_string()),
                ("receiving_team", cin_team.clone()),
                ("receiving_worker", String::new()),
                ("primary_need", "N1".to_string()),
            ]
        };
        runtime().block_on(async {
            send(&app, post(&format!("/queue/{id}/claim"), &screener, &[])).await;
            let pairs = decision("Disclosure of harm by a parent.");
            let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let decided = send(
                &app,
                post(&format!("/contacts/{id}/decision"), &screener, &refs),
            )
            .await;
            assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
            assert_eq!(
                decided.location(),
                format!("/contacts/{id}?decided=awaiting-manager")
            );

            // The manager's view of the queue links to the decision.
            let waiting = send(&app, get("/queue?view=manager", &manager)).await;
            assert_eq!(waiting.status, StatusCode::OK);
            assert_accessible(&waiting, "the manager's queue");
            assert!(waiting.body.contains(&reference));
            let decision_id = {
                let mut c = db.conn();
                cairn_db::front_door::screening::for_contact(&mut c, &id).expect("read")[0]
                    .id
                    .clone()
            };
            assert!(
                waiting
                    .body
                    .contains(&format!("href=\"/decisions/{decision_id}\""))
            );
            let page = send(&app, get(&format!("/decisions/{decision_id}"), &manager)).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            assert_accessible(&page, "the decision page");
            for text in [
                "Referral to children's social care",
                "Disclosure of harm by a parent.",
                "Significant harm in development",
                "Authorise the decision",
                "Return with comments",
                "History at a glance",
            ] {
                assert!(has(&page.body, text), "the decision page shows {text}");
            }
            // A practitioner sees the decision but cannot review it.
            let seen = send(&app, get(&format!("/decisions/{decision_id}"), &screener)).await;
            assert_eq!(seen.status, StatusCode::OK);
            assert!(!seen.body.contains("Authorise the decision"));

            // Returning needs comments.
            let no_comment = send(
                &app,
                post(
                    &format!("/decisions/{decision_id}/review"),
                    &manager,
                    &[("action", "return"), ("comments", "  ")],
                ),
            )
            .await;
            assert_eq!(no_comment.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(no_comment.body.contains("href=\"#comments\""));
            let returned = send(
                &app,
                post(
                    &format!("/decisions/{decision_id}/review"),
                    &manager,
                    &[
                        ("action", "return"),
                        ("comments", "Say what the father's access is."),
                    ],
                ),
            )
            .await;
            assert_eq!(returned.status, StatusCode::SEE_OTHER);
            assert_eq!(returned.location(), "/queue?view=manager&reviewed=returned");

            // Back with the screener, who sees the comments and decides again.
            let again = send(&app, get(&format!("/contacts/{id}/screen"), &screener)).await;
            assert!(
                has(&again.body, "Say what the father's access is."),
                "{}",
                again.body
            );
            assert!(
                again.body.contains("Disclosure of harm by a parent."),
                "the returned decision is the starting point"
            );
            let pairs =
                decision("Disclosure of harm; the father has unsupervised access at weekends.");
            let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let redecided = send(
                &app,
                post(&format!("/contacts/{id}/decision"), &screener, &refs),
            )
            .await;
            assert_eq!(
                redecided.status,
                StatusCode::SEE_OTHER,
                "{}",
                redecided.body
            );

            let second = {
                let mut c = db.conn();
                cairn_db::front_door::screening::awaiting_authorisation(&mut c, 10).expect("read")
                    [0]
                .id
                .clone()
            };
            let authorised = send(
                &app,
                post(
                    &format!("/decisions/{second}/review"),
                    &manager,
                    &[("action", "authorise"), ("authorise_comments", "")],
                ),
            )
            .await;
            assert_eq!(authorised.status, StatusCode::SEE_OTHER);
            let notice = send(&app, get(authorised.location(), &manager)).await;
            assert!(notice.body.contains("Decision authorised"));
            // Authorising twice is refused with the conflict on the page.
            let twice = send(
                &app,
                post(
                    &format!("/decisions/{second}/review"),
                    &other_manager,
                    &[("action", "authorise")],
                ),
            )
            .await;
            assert_eq!(twice.status, StatusCode::CONFLICT);
            assert!(twice.body.contains("already been authorised or returned"));
            assert!(twice.body.contains("href=\"#decision-status\""));

            // The referral waits for the receiving team (the manager's own team by default).
            let list = send(&app, get("/referrals", &manager)).await;
            assert_eq!(list.status, StatusCode::OK, "{}", list.body);
            assert_accessible(&list, "the referrals list");
            for text in [
                "Referrals for Assessment team north",
                "Amelia Hughes",
                &reference,
                "Schools (2A)",
                "Assign",
            ] {
                assert!(has(&list.body, text), "the referrals list shows {text}");
            }
            let referral = {
                let mut c = db.conn();
                cairn_db::front_door::referrals::for_people(&mut c, std::slice::from_ref(&amelia))
                    .expect("read")
                    .remove(0)
            };
            assert!(
                list.body
                    .contains(&format!("id=\"worker-{}\"", referral.id))
            );
            let summary = send(&app, get(&format!("/referrals/{}", referral.id), &manager)).await;
            assert_eq!(summary.status, StatusCode::OK);
            assert_accessible(&summary, "the referral page");
            assert!(summary.body.contains("Not yet assigned"));

            let assigned = send(
                &app,
                post(
                    &format!("/referrals/{}/assign", referral.id),
                    &manager,
                    &[
                        ("team", cin_team.as_str()),
                        ("version", "1"),
                        ("worker", worker.user_id.as_str()),
                    ],
                ),
            )
            .await;
            assert_eq!(assigned.status, StatusCode::SEE_OTHER, "{}", assigned.body);
            let after = send(&app, get(assigned.location(), &manager)).await;
            assert!(after.body.contains("The referral has been assigned"));
            assert!(after.body.contains("Test sw.one"));

            // A second manager working from the page as it was: the conflict, on the row.
            let stale = send(
                &app,
                post(
                    &format!("/referrals/{}/assign", referral.id),
                    &other_manager,
                    &[
                        ("team", cin_team.as_str()),
                        ("version", "1"),
                        ("worker", manager.user_id.as_str()),
                    ],
                ),
            )
            .await;
            assert_eq!(stale.status, StatusCode::CONFLICT);
            assert!(stale.body.contains("Someone else changed this referral"));
            assert!(stale.body.contains("govuk-error-summary"));

            // Social workers may look, but not assign.
            let looking = send(&app, get(&format!("/referrals?team={cin_team}"), &worker)).await;
            assert_eq!(looking.status, StatusCode::OK);
            assert!(!looking.body.contains("/assign\""));
        });
    }
);

both_backends!(
    administrators_edit_the_wording_and_see_what_was_not_emailed,
    |db: TestDb| {
        let app = app(&db);
        let fd_team = team(&db, "Front door");
        let admin = signed_in(&db, "admin.one", Role::Administrator);
        let screener = signed_in_with_team(&db, "fd.one", Role::FrontDoorPractitioner, &fd_team);
        let sw = signed_in_with_team(&db, "sw.one", Role::SocialWorker, &fd_team);
        let amelia = child(&db, &screener.actor, "Amelia", "Hughes");
        let (id, reference) = contact(&db, &screener.actor, vec![amelia]);
        runtime().block_on(async {
            let list = send(&app, get("/admin/messages", &admin)).await;
            assert_eq!(list.status, StatusCode::OK, "{}", list.body);
            assert_accessible(&list, "the message templates");
            assert!(list.body.contains("Acknowledgement of receipt"));
            assert!(
                list.body
                    .contains("href=\"/admin/messages/feedback.referral\"")
            );
            assert!(list.body.contains("href=\"/admin/messages/undelivered\""));
            assert!(
                list.body.contains("href=\"/admin/messages\""),
                "the navigation links here"
            );

            let form = send(&app, get("/admin/messages/receipt", &admin)).await;
            assert_eq!(form.status, StatusCode::OK);
            assert_accessible(&form, "the template form");
            assert!(
                form.body.contains("{reference}") && form.body.contains("{early_help_service}")
            );
            assert!(form.body.contains("name=\"version\" value=\"0\""));

            let saved = send(
                &app,
                post(
                    "/admin/messages/receipt",
                    &admin,
                    &[
                        ("version", "0"),
                        ("subject", "Received: {reference}"),
                        ("body", "Dear {referrer_name}\r\n\r\nThank you."),
                    ],
                ),
            )
            .await;
            assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
            let back = send(&app, get(saved.location(), &admin)).await;
            assert!(back.body.contains("has been saved"));
            assert!(back.body.contains("Received: {reference}"));

            let typo = send(
                &app,
                post(
                    "/admin/messages/receipt",
                    &admin,
                    &[
                        ("version", "1"),
                        ("subject", "Received: {refrence}"),
                        ("body", "Dear {referrer_name}"),
                    ],
                ),
            )
            .await;
            assert_eq!(typo.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(typo.body.contains("{refrence} is not a placeholder"));
            assert!(typo.body.contains("href=\"#subject\""));
            assert!(
                typo.body.contains("value=\"Received: {refrence}\""),
                "the typed subject is kept"
            );
            // Saving over someone else's change is refused on the form.
            let stale = send(
                &app,
                post(
                    "/admin/messages/receipt",
                    &admin,
                    &[("version", "0"), ("subject", "Old"), ("body", "Old")],
                ),
            )
            .await;
            assert_eq!(stale.status, StatusCode::CONFLICT);
            assert!(stale.body.contains("Someone else changed this template"));
            assert_eq!(
                send(&app, get("/admin/messages/no-such-key", &admin))
                    .await
                    .status,
                StatusCode::NOT_FOUND
            );

            // No SMTP server and no email address: the receipt is a letter to post.
            let undelivered = send(&app, get("/admin/messages/undelivered", &admin)).await;
            assert_eq!(undelivered.status, StatusCode::OK);
            assert_accessible(&undelivered, "the undelivered messages");
            assert!(undelivered.body.contains(&reference));
            assert!(
                undelivered
                    .body
                    .contains(&format!("href=\"/contacts/{id}\""))
            );
            assert!(undelivered.body.contains("letter to be posted"));

            for path in [
                "/admin/messages",
                "/admin/messages/receipt",
                "/admin/messages/undelivered",
            ] {
                let refused = send(&app, get(path, &sw)).await;
                assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
            }
            let refused = send(
                &app,
                post(
                    "/admin/messages/receipt",
                    &sw,
                    &[("version", "1"), ("subject", "x"), ("body", "y")],
                ),
            )
            .await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN);
            // Administrators run the system, not the casework: no queue for them.
            assert_eq!(
                send(&app, get("/queue", &admin)).await.status,
                StatusCode::FORBIDDEN
            );
            let home = send(&app, get("/", &screener)).await;
            assert!(
                home.body.contains("href=\"/queue\"") && home.body.contains("href=\"/referrals\"")
            );
        });
    }
);

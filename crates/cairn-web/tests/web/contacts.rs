//! Recording contacts, the contact page, letters, out-of-hours handover and the allocated
//! worker's inbox, through the real router with real sign-in, on SQLite and PostgreSQL.

use axum::Router;
use axum::http::{StatusCode, header};
use cairn_db::audit::AuditRow;
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::roles::Role;
use chrono::{Datelike, Duration, Utc, Weekday};
use chrono_tz::Europe::London;

use crate::support::*;

/// The Front door team, in the Northtown office: (office id, team id).
fn northtown_front_door(db: &TestDb) -> (String, String) {
    office_and_team(db, "Northtown office", "Front door")
}

/// Records a child through the person form; returns the redirect.
async fn new_child(
    app: &Router,
    s: &Session,
    given: &str,
    dob_day: &str,
    extra: &[(&str, &str)],
) -> Answer {
    let mut pairs = vec![
        ("kind", "child"),
        ("given_names", given),
        ("family_name", "Pennyworth"),
        ("dob-day", dob_day),
        ("dob-month", "4"),
        ("dob-year", "2017"),
        ("sex", "F"),
        ("interpreter_needed", "no"),
    ];
    pairs.extend_from_slice(extra);
    send(app, post("/people/new", s, &pairs)).await
}

/// The date of a Sunday 7 to 13 days ago in England: its out-of-hours handover is certainly
/// due by now, whatever day (or bank holiday) the test runs on.
fn a_recent_sunday() -> chrono::NaiveDate {
    let mut d = Utc::now().with_timezone(&London).date_naive() - Duration::days(7);
    while d.weekday() != Weekday::Sun {
        d -= Duration::days(1);
    }
    d
}

fn now_in_england() -> (String, String, String, String) {
    let now = Utc::now().with_timezone(&London);
    (
        now.day().to_string(),
        now.month().to_string(),
        now.year().to_string(),
        now.format("%H:%M").to_string(),
    )
}

both_backends!(
    a_contact_about_two_children_is_recorded_with_the_forms,
    |db: TestDb| {
        let app = app(&db);
        let (office, team) = northtown_front_door(&db);
        let fdp = signed_in_with_team(&db, "fdp.one", Role::FrontDoorPractitioner, &team);
        runtime().block_on(async {
        let orla = new_child(&app, &fdp, "Orla", "3", &[]).await;
        assert_eq!(orla.status, StatusCode::SEE_OTHER, "{}", orla.body);
        let orla_id = orla.location().trim_start_matches("/people/").to_string();

        // Step 1: search, and add the child found.
        let nav = send(&app, get("/", &fdp)).await;
        assert!(nav.body.contains("href=\"/contacts/new\""), "navigation offers it");
        assert!(nav.body.contains("href=\"/handover\""));
        let found = send(&app, get("/contacts/new?searched=1&name=Orla+Pennyworth", &fdp)).await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.body);
        assert_accessible(&found, "step 1 with results");
        assert!(found.body.contains("Which children is this contact about?"));
        let add = link(&found.body, "Add to contact");
        assert!(add.contains(&format!("child={orla_id}")), "{add}");
        let chosen = send(&app, get(&add, &fdp)).await;
        assert_eq!(chosen.status, StatusCode::OK);
        assert_accessible(&chosen, "step 1 with a child");
        assert!(chosen.body.contains("Orla Pennyworth"));
        assert!(
            chosen.body.contains("Added") && !chosen.body.contains(">Add to contact<"),
            "the result shows it is already added"
        );

        // "Add a new child" goes to the person form and comes back with the new child added.
        let new_href = link(&chosen.body, "Add a new child");
        assert!(new_href.starts_with("/people/new?return_to="), "{new_href}");
        let person_form = send(&app, get(&new_href, &fdp)).await;
        assert_eq!(person_form.status, StatusCode::OK);
        let back = format!("/contacts/new?child={orla_id}");
        assert!(
            unescape(&person_form.body).contains(&format!("name=\"return_to\" value=\"{back}\"")),
            "{}",
            person_form.body
        );
        // A mistake on the person form keeps the way back.
        let wrong = send(&app, post("/people/new", &fdp, &[("kind", "child"), ("return_to", &back)])).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unescape(&wrong.body).contains(&format!("value=\"{back}\"")));
        let finn = new_child(&app, &fdp, "Finn", "20", &[("return_to", &back)]).await;
        assert_eq!(finn.status, StatusCode::SEE_OTHER, "{}", finn.body);
        let returned = finn.location();
        assert!(returned.starts_with(&format!("{back}&child=")), "{returned}");
        let finn_id = returned.rsplit("child=").next().unwrap_or_default().to_string();

        let both = send(&app, get(returned, &fdp)).await;
        assert_eq!(both.status, StatusCode::OK);
        assert!(both.body.contains("Orla Pennyworth") && both.body.contains("Finn Pennyworth"));
        let details_href = link(&both.body, "Continue");
        assert_eq!(
            details_href,
            format!("/contacts/new/details?child={orla_id}&child={finn_id}")
        );

        // Step 2: the form.
        let form = send(&app, get(&details_href, &fdp)).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert_accessible(&form, "contact form");
        assert!(form.body.contains("Only if recording more than 30 minutes after it was received"));
        assert!(form.body.contains("Professionals always get feedback"));
        assert!(form.body.contains(&format!("value=\"{office}\" selected")), "the user's office is the default");
        assert_eq!(form.body.matches("name=\"child\"").count(), 2);
        assert_eq!(form.body.matches("<legend class=\"govuk-fieldset__legend govuk-fieldset__legend--s\">Household member").count(), 3);

        // Mistakes: every one listed, everything typed kept (and escaped).
        let bad = send(
            &app,
            post(
                "/contacts/new/details",
                &fdp,
                &[
                    ("child", &orla_id),
                    ("child", &finn_id),
                    ("received-day", "31"),
                    ("received-month", "2"),
                    ("received-year", "2026"),
                    ("received_time", "09:15"),
                    ("referrer_kind", "professional"),
                    ("referrer_name", "<b>Ms</b> Head"),
                    ("referrer_email", "not an email"),
                    ("household_0_name", "Dan Pennyworth"),
                    ("categories", "neglect"),
                    ("consent", "not_sought"),
                ],
            ),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert_accessible(&bad, "contact form with errors");
        assert!(bad.body.contains("govuk-error-summary"));
        assert!(bad.body.contains("<title>Error: Record a contact"));
        for anchor in [
            "#received-day",
            "#channel",
            "#referrer_organisation",
            "#referrer_email",
            "#household_0_relationship",
            "#concern",
            "#consent_reason",
        ] {
            assert!(bad.body.contains(&format!("href=\"{anchor}\"")), "{anchor}: {}", bad.body);
        }
        let summary = &bad.body[bad.body.find("govuk-error-summary__list").unwrap_or(0)..];
        assert!(
            summary.find("#received-day") < summary.find("#household_0_relationship")
                && summary.find("#household_0_relationship") < summary.find("#concern"),
            "errors are listed in page order"
        );
        assert!(!bad.body.contains("<b>Ms</b>"));
        assert!(unescape(&bad.body).contains("value=\"<b>Ms</b> Head\""), "kept, escaped");
        assert!(bad.body.contains("value=\"Dan Pennyworth\""));
        assert!(bad.body.contains("value=\"neglect\" checked"));
        assert!(bad.body.contains("value=\"not_sought\" checked"));
        assert!(bad.body.contains("value=\"09:15\""));
        assert_eq!(bad.body.matches("name=\"child\"").count(), 2, "the children are kept");

        // Now right.
        let (day, month, year, time) = now_in_england();
        let done = send(
            &app,
            post(
                "/contacts/new/details",
                &fdp,
                &[
                    ("child", &orla_id),
                    ("child", &finn_id),
                    ("received-day", &day),
                    ("received-month", &month),
                    ("received-year", &year),
                    ("received_time", &time),
                    ("channel", "phone"),
                    ("referrer_kind", "professional"),
                    ("referrer_name", "Ms Head"),
                    ("referrer_role", "Designated safeguarding lead"),
                    ("referrer_organisation", "Hill Primary School"),
                    ("referrer_agency", "school"),
                    ("referrer_email", "head@hill.example.sch.uk"),
                    ("household_0_name", "Dan Pennyworth"),
                    ("household_0_relationship", "Father"),
                    ("concern", "Orla said her father hit her brother.\nBoth came to school hungry."),
                    ("categories", "physical_abuse"),
                    ("categories", "neglect"),
                    ("consent", "given"),
                    ("rag", "amber"),
                    ("office", &office),
                ],
            ),
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let contact_href = done.location();
        assert!(contact_href.ends_with("?recorded=1"), "{contact_href}");

        let page = send(&app, get(contact_href, &fdp)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_accessible(&page, "contact page");
        assert!(page.body.contains("govuk-notification-banner--success"));
        assert!(page.body.contains(&format!("Contact recorded: reference CT-{year}-")));
        let reference = page.body[page.body.find("<h1").unwrap_or(0)..]
            .split('>')
            .nth(1)
            .and_then(|s| s.split('<').next())
            .unwrap_or_default()
            .to_string();
        assert!(reference.starts_with(&format!("CT-{year}-")), "{reference}");
        for text in [
            "Orla Pennyworth",
            "Finn Pennyworth",
            "Ms Head",
            "Hill Primary School",
            "Dan Pennyworth",
            "Both came to school hungry.",
            "Physical abuse or injury",
            "Consent given",
            "RAG: Amber",
            "Northtown office",
            "Acknowledgement of receipt",
            "Screen this contact",
        ] {
            assert!(page.body.contains(text), "{text}");
        }
        assert!(page.body.contains(&format!("href=\"/people/{orla_id}\"")));
        // No SMTP server is configured in tests, so the receipt is a letter to post.
        assert!(page.body.contains("govuk-tag--grey\">Letter only"), "{}", page.body);
        assert!(page.body.contains("Email is turned off on this server"));
        let letter_href = link(&page.body, "Download letter (PDF)");
        let letter = send(&app, get(&letter_href, &fdp)).await;
        assert_eq!(letter.status, StatusCode::OK, "{}", letter.body);
        assert_eq!(letter.header(header::CONTENT_TYPE), "application/pdf");
        assert_eq!(
            letter.header(header::CONTENT_DISPOSITION),
            format!("attachment; filename=\"{reference}-receipt.pdf\"")
        );
        assert!(letter.bytes.starts_with(b"%PDF"));
        assert_eq!(audit_rows(&db, "referrer_message.letter_view").len(), 1);
        let recorded = audit_rows(&db, "contact.record");
        assert_eq!(recorded.len(), 1);
        assert_eq!(recorded[0].actor_user_id.as_deref(), Some(fdp.user_id.as_str()));

        // A letter is only found through its own contact.
        let other = uuid::Uuid::now_v7();
        let message_part = letter_href.rsplit("/messages/").next().unwrap_or_default();
        let wrong = send(&app, get(&format!("/contacts/{other}/messages/{message_part}"), &fdp)).await;
        assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    });
    }
);

both_backends!(
    a_contact_with_no_child_yet_gets_one_added_later,
    |db: TestDb| {
        let app = app(&db);
        let (_, team) = northtown_front_door(&db);
        let fdp = signed_in_with_team(&db, "fdp.two", Role::FrontDoorPractitioner, &team);
        runtime().block_on(async {
            let none = send(&app, get("/contacts/new", &fdp)).await;
            assert_eq!(none.status, StatusCode::OK);
            assert_eq!(
                link(&none.body, "The child is not yet identified"),
                "/contacts/new/details"
            );
            let form = send(&app, get("/contacts/new/details", &fdp)).await;
            assert_eq!(form.status, StatusCode::OK);
            assert!(form.body.contains("The child is not yet identified"));
            let done = send(
                &app,
                post(
                    "/contacts/new/details",
                    &fdp,
                    &[
                        ("channel", "in_person"),
                        ("referrer_kind", "anonymous"),
                        ("concern", "A toddler left alone in a flat above the shop."),
                        ("categories", "neglect"),
                        ("consent", "refused"),
                    ],
                ),
            )
            .await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
            let contact = done.location().trim_end_matches("?recorded=1").to_string();
            let page = send(&app, get(&contact, &fdp)).await;
            assert!(page.body.contains("The child is not yet identified"));
            assert!(
                page.body.contains("the referrer cannot be identified"),
                "no receipt to anonymous referrers"
            );
            assert!(
                page.body
                    .contains(&format!("action=\"{contact}/children\""))
            );

            let child = new_child(&app, &fdp, "Ada", "9", &[]).await;
            let child_id = child.location().trim_start_matches("/people/").to_string();
            let results = send(
                &app,
                get(
                    &format!("{contact}/children?searched=1&name=Ada+Pennyworth"),
                    &fdp,
                ),
            )
            .await;
            assert_eq!(results.status, StatusCode::OK, "{}", results.body);
            assert_accessible(&results, "add a child");
            assert!(
                results
                    .body
                    .contains(&format!("name=\"person_id\" value=\"{child_id}\""))
            );
            let added = send(
                &app,
                post(
                    &format!("{contact}/children"),
                    &fdp,
                    &[("person_id", &child_id)],
                ),
            )
            .await;
            assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
            let page = send(&app, get(added.location(), &fdp)).await;
            assert!(page.body.contains("Child added to the contact"));
            assert!(page.body.contains("Ada Pennyworth"));
            // The same child twice is explained on the search page.
            let again = send(
                &app,
                post(
                    &format!("{contact}/children"),
                    &fdp,
                    &[("person_id", &child_id)],
                ),
            )
            .await;
            assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(again.body.contains("already on the contact"));
            assert_accessible(&again, "add a child, refused");
        });
    }
);

both_backends!(a_return_to_off_the_contact_form_is_ignored, |db: TestDb| {
    let app = app(&db);
    let fdp = signed_in(&db, "fdp.three", Role::FrontDoorPractitioner);
    runtime().block_on(async {
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/contacts/newx",
        ] {
            let form = send(
                &app,
                get(
                    &format!(
                        "/people/new?return_to={}",
                        bad.replace('\\', "%5C")
                            .replace('/', "%2F")
                            .replace(':', "%3A")
                    ),
                    &fdp,
                ),
            )
            .await;
            assert_eq!(form.status, StatusCode::OK);
            assert!(!form.body.contains("return_to"), "{bad}");
            assert!(!form.body.contains("evil"), "{bad}");
        }
        for (i, bad) in [
            "https://evil.example/contacts/new",
            "//evil.example",
            "/contacts/new/../../admin",
        ]
        .iter()
        .enumerate()
        {
            let day = (10 + i).to_string();
            let created = new_child(
                &app,
                &fdp,
                &format!("Evil{}", ["a", "b", "c"][i]),
                &day,
                &[("return_to", bad)],
            )
            .await;
            assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
            let location = created.location();
            assert!(location.starts_with("/people/"), "{bad} led to {location}");
        }
    });
});

both_backends!(
    choosing_an_existing_duplicate_returns_to_the_contact,
    |db: TestDb| {
        let app = app(&db);
        let fdp = signed_in(&db, "fdp.five", Role::FrontDoorPractitioner);
        runtime().block_on(async {
            let first = new_child(&app, &fdp, "Mabel", "6", &[]).await;
            let mabel = first.location().trim_start_matches("/people/").to_string();
            // The same child again, from the contact form: the duplicate check offers the
            // existing record, and choosing it goes back to the contact with her added.
            let again =
                new_child(&app, &fdp, "Mabel", "6", &[("return_to", "/contacts/new")]).await;
            assert_eq!(again.status, StatusCode::OK, "{}", again.body);
            assert!(again.body.contains("This person may already be recorded"));
            assert_eq!(
                link(&again.body, "Mabel Pennyworth"),
                format!("/contacts/new?child={mabel}")
            );
            assert!(unescape(&again.body).contains("name=\"return_to\" value=\"/contacts/new\""));
        });
    }
);

both_backends!(
    an_inspector_cannot_record_a_contact_and_the_refusal_is_audited,
    |db: TestDb| {
        let app = app(&db);
        let inspector = signed_in(&db, "inspector.one", Role::Inspector);
        runtime().block_on(async {
            let home = send(&app, get("/", &inspector)).await;
            assert!(!home.body.contains("Record a contact"));
            for path in ["/contacts/new", "/contacts/new/details"] {
                let page = send(&app, get(path, &inspector)).await;
                assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
                assert!(page.body.contains("You do not have permission"));
            }
            let posted = send(
                &app,
                post(
                    "/contacts/new/details",
                    &inspector,
                    &[("channel", "phone"), ("received-day", "99")],
                ),
            )
            .await;
            assert_eq!(
                posted.status,
                StatusCode::FORBIDDEN,
                "even a form with mistakes is refused"
            );
            let denied: Vec<AuditRow> = audit_rows(&db, "access.denied")
                .into_iter()
                .filter(|r| r.actor_user_id.as_deref() == Some(inspector.user_id.as_str()))
                .collect();
            assert_eq!(denied.len(), 3);
            assert!(denied.iter().all(|r| r.detail.contains("RecordContact")));
        });
    }
);

both_backends!(
    out_of_hours_work_is_handed_over_and_acknowledged,
    |db: TestDb| {
        let app = app(&db);
        let (_, team) = northtown_front_door(&db);
        let edt = signed_in_with_team(&db, "edt.one", Role::OutOfHoursWorker, &team);
        let day = signed_in_with_team(&db, "day.one", Role::FrontDoorPractitioner, &team);
        runtime().block_on(async {
            let child = new_child(&app, &edt, "Nell", "11", &[]).await;
            let child_id = child.location().trim_start_matches("/people/").to_string();
            let sunday = a_recent_sunday();
            let (d, m, y) = (
                sunday.day().to_string(),
                sunday.month().to_string(),
                sunday.year().to_string(),
            );
            let done = send(
                &app,
                post(
                    "/contacts/new/details",
                    &edt,
                    &[
                        ("child", &child_id),
                        ("received-day", &d),
                        ("received-month", &m),
                        ("received-year", &y),
                        ("received_time", "02:00"),
                        ("backdate_reason", "Recorded after a busy night shift"),
                        ("channel", "police_notification"),
                        ("referrer_kind", "professional"),
                        ("referrer_name", "PC Rowe"),
                        ("referrer_organisation", "County Police"),
                        ("referrer_agency", "police"),
                        (
                            "concern",
                            "Police called to the home; mother arrested; Nell alone.",
                        ),
                        ("categories", "neglect"),
                        ("consent", "not_sought"),
                        ("consent_reason", "Mother in custody"),
                        ("immediate_safety", "yes"),
                    ],
                ),
            )
            .await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
            let contact = done.location().trim_end_matches("?recorded=1").to_string();
            let contact_id = contact.trim_start_matches("/contacts/").to_string();
            let page = send(&app, get(&contact, &edt)).await;
            assert_accessible(&page, "out-of-hours contact");
            assert!(page.body.contains("Out of hours"));
            assert!(page.body.contains("Recorded after a busy night shift"));
            assert!(
                page.body.contains(&format!(
                    "{} at 02:00",
                    cairn_domain::dates::format_long(sunday)
                )),
                "received shown in UK time"
            );
            assert!(page.body.contains("RAG: Red"), "not safe now makes it red");
            assert!(page.body.contains("Record an out-of-hours action"));

            // Mistakes keep what was typed.
            let bad = send(
                &app,
                post(
                    &format!("{contact}/out-of-hours"),
                    &edt,
                    &[
                        ("occurred-day", &d),
                        ("occurred-month", &m),
                        ("occurred-year", &y),
                        ("occurred_time", "25:99"),
                        ("outstanding", "Check Nell's school on Monday"),
                    ],
                ),
            )
            .await;
            assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
            assert_accessible(&bad, "out-of-hours action with errors");
            assert!(bad.body.contains("href=\"#occurred_time\""));
            assert!(unescape(&bad.body).contains("Check Nell's school on Monday"));
            assert_eq!(
                audit_rows(&db, "out_of_hours.record").len(),
                0,
                "nothing recorded"
            );
            let bad = send(
                &app,
                post(
                    &format!("{contact}/out-of-hours"),
                    &edt,
                    &[("occurred_time", "")],
                ),
            )
            .await;
            assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(bad.body.contains("href=\"#kind\"") && bad.body.contains("href=\"#details\""));

            let recorded = send(
                &app,
                post(
                    &format!("{contact}/out-of-hours"),
                    &edt,
                    &[
                        ("kind", "police_protection"),
                        ("occurred-day", &d),
                        ("occurred-month", &m),
                        ("occurred-year", &y),
                        ("occurred_time", "02:40"),
                        (
                            "details",
                            "Nell taken into police protection and placed with her aunt.",
                        ),
                        ("outstanding", "Check Nell's school on Monday"),
                    ],
                ),
            )
            .await;
            assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
            let page = send(&app, get(recorded.location(), &edt)).await;
            assert!(page.body.contains("Out-of-hours action recorded"));
            assert!(page.body.contains("Police protection (section 46)"));

            // The day team's handover: protected children first, with what is outstanding.
            let list = send(&app, get("/handover", &day)).await;
            assert_eq!(list.status, StatusCode::OK, "{}", list.body);
            assert_accessible(&list, "handover");
            let reference_at = list
                .body
                .find(&format!("href=\"/contacts/{contact_id}\""))
                .expect("listed");
            assert!(list.body[reference_at..].contains("Immediate protection"));
            assert!(unescape(&list.body).contains("Check Nell's school on Monday"));
            assert!(
                list.body
                    .contains(&format!("action=\"/handover/{contact_id}/acknowledge\""))
            );
            // The out-of-hours team sees the list but does not acknowledge its own work.
            let theirs = send(&app, get("/handover", &edt)).await;
            assert_eq!(theirs.status, StatusCode::OK);
            assert!(!theirs.body.contains("/acknowledge\""));

            let ack = send(
                &app,
                post(&format!("/handover/{contact_id}/acknowledge"), &day, &[]),
            )
            .await;
            assert_eq!(ack.status, StatusCode::SEE_OTHER);
            let after = send(&app, get(ack.location(), &day)).await;
            assert!(after.body.contains("Handover acknowledged"));
            assert!(
                !after
                    .body
                    .contains(&format!("href=\"/contacts/{contact_id}\""))
            );
            assert_eq!(audit_rows(&db, "handover.acknowledge").len(), 1);
            let twice = send(
                &app,
                post(&format!("/handover/{contact_id}/acknowledge"), &day, &[]),
            )
            .await;
            assert_eq!(twice.status, StatusCode::CONFLICT);
            let page = send(&app, get(&contact, &day)).await;
            assert!(page.body.contains("Acknowledged by Test day.one"));
            assert!(
                !page.body.contains("Record an out-of-hours action"),
                "the day team has no out-of-hours form"
            );
        });
    }
);

both_backends!(
    a_contact_on_an_open_case_goes_to_the_allocated_worker,
    |db: TestDb| {
        let app = app(&db);
        let (_, team) = northtown_front_door(&db);
        let fdp = signed_in_with_team(&db, "fdp.four", Role::FrontDoorPractitioner, &team);
        let sw = signed_in_with_team(&db, "sw.four", Role::SocialWorker, &team);
        runtime().block_on(async {
            let child = new_child(&app, &fdp, "Ivy", "14", &[]).await;
            let child_id = child.location().trim_start_matches("/people/").to_string();
            {
                let mut c = db.conn();
                let now = cairn_db::now();
                cairn_db::front_door::referrals::insert(
                    &mut c,
                    &cairn_db::front_door::referrals::ReferralRow {
                        id: uuid::Uuid::now_v7().to_string(),
                        person_id: child_id.clone(),
                        contact_id: None,
                        decision_id: None,
                        referral_date: now.date(),
                        referral_source: "2A".into(),
                        primary_need: "N1".into(),
                        team_id: team.clone(),
                        worker_id: Some(sw.user_id.clone()),
                        assigned_at: Some(now),
                        re_referral: false,
                        previous_referral_id: None,
                        closed_on: None,
                        closure_reason: None,
                        version: 1,
                        created_at: now,
                        created_by: sw.user_id.clone(),
                    },
                )
                .expect("an open case");
            }
            let empty = send(&app, get("/my-contacts", &sw)).await;
            assert_eq!(empty.status, StatusCode::OK);
            assert_accessible(&empty, "empty inbox");
            assert!(
                empty
                    .body
                    .contains("There are no new contacts on your cases")
            );

            let done = send(
                &app,
                post(
                    "/contacts/new/details",
                    &fdp,
                    &[
                        ("child", &child_id),
                        ("channel", "email"),
                        ("referrer_kind", "family"),
                        ("referrer_name", "Gran Pennyworth"),
                        ("concern", "Ivy has not been to school this week."),
                        ("categories", "missing"),
                        ("consent", "given"),
                    ],
                ),
            )
            .await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
            let page = send(&app, get(done.location(), &fdp)).await;
            assert!(page.body.contains("Open case: sent to Test sw.four"));
            assert!(page.body.contains("Sent to the allocated worker"));
            assert!(!page.body.contains("Screen this contact"));

            let inbox = send(&app, get("/my-contacts", &sw)).await;
            assert_accessible(&inbox, "inbox");
            assert!(inbox.body.contains("Ivy Pennyworth"));
            let action = inbox
                .body
                .split("action=\"/my-contacts/")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .map(|s| format!("/my-contacts/{s}"))
                .unwrap_or_default();
            assert!(
                action.starts_with("/my-contacts/") && action.ends_with("/read"),
                "{action}"
            );
            let read = send(&app, post(&action, &sw, &[])).await;
            assert_eq!(read.status, StatusCode::SEE_OTHER);
            let after = send(&app, get(read.location(), &sw)).await;
            assert!(after.body.contains("Marked as read"));
            assert!(!after.body.contains("Ivy Pennyworth"));
        });
    }
);

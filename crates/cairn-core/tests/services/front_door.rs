//! The front door: recording contacts, routing open cases, the claim race, screening against
//! the threshold document, a manager's authorisation, referrals, receipts and feedback sent to
//! a real SMTP server, and the out-of-hours handover.

use cairn_core::front_door::contacts::{self, ContactInput, ReferrerInput};
use cairn_core::front_door::out_of_hours::{self, ActionInput};
use cairn_core::front_door::queue::{self, QueueView};
use cairn_core::front_door::screening::{self, DecisionInput, Review};
use cairn_core::jobs;
use cairn_core::testing_smtp::{SmtpTestServer, closed_port, unique_address};
use cairn_core::{Actor, ServiceError, Settings};
use cairn_db::DbConn;
use cairn_db::both_backends;
use cairn_db::front_door::contacts as contact_repo;
use cairn_db::front_door::messages as message_repo;
use cairn_db::front_door::referrals as referral_repo;
use cairn_db::schema::{contacts as contacts_t, referrals as referrals_t, threshold_documents};
use cairn_db::testing::TestDb;
use cairn_domain::roles::Role;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Weekday};
use diesel::prelude::*;

use crate::support::*;

fn school_contact(children: Vec<String>, email: Option<String>) -> ContactInput {
    ContactInput {
        channel: "phone".into(),
        referrer: ReferrerInput {
            kind: "professional".into(),
            name: "Ms Priya Shah".into(),
            role: "Designated safeguarding lead".into(),
            organisation: "Demton Primary School".into(),
            agency: "school".into(),
            email: email.unwrap_or_default(),
            ..ReferrerInput::default()
        },
        children,
        concern: "Amelia came to school with a bruise on her cheek and said her dad hit her."
            .into(),
        categories: vec!["physical_abuse".into(), "domestic_abuse".into()],
        consent: "not_sought".into(),
        consent_reason: "Asking the father could put Amelia at greater risk.".into(),
        ..ContactInput::default()
    }
}

/// [`school_contact`] about `children`, recorded by `actor`; its id.
fn record_school_contact(conn: &mut DbConn, actor: &Actor, children: Vec<String>) -> String {
    contacts::record(conn, actor, &settings(), &school_contact(children, None))
        .unwrap()
        .to_string()
}

fn referral_decision(t: &Thresholds, team: &str) -> DecisionInput {
    DecisionInput {
        threshold_document_id: t.doc.clone(),
        level_id: t.level4.clone(),
        indicator_ids: vec![t.indicator4.clone()],
        rationale: "Disclosure of physical harm by a parent; level 4 indicators met.".into(),
        rag: "amber".into(),
        outcome: "referral".into(),
        receiving_team_id: team.into(),
        primary_need: "N1".into(),
        ..DecisionInput::default()
    }
}

fn field_errors(e: ServiceError) -> Vec<String> {
    match e {
        ServiceError::Invalid(errors) => errors.iter().map(|f| f.field.clone()).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn contact_count(conn: &mut DbConn) -> i64 {
    contacts_t::table.count().get_result(conn).unwrap()
}

/// A Sunday at 02:00 UTC (out of hours whatever the season) more than a week ago, so its
/// next working-day start has always passed.
fn last_sunday_night() -> NaiveDateTime {
    let mut d = cairn_db::now().date() - Duration::days(8);
    while d.weekday() != Weekday::Sun {
        d -= Duration::days(1);
    }
    d.and_hms_opt(2, 0, 0).unwrap()
}

both_backends!(
    recording_a_contact_names_the_children_and_queues_a_receipt,
    |db: TestDb| {
        let mut conn = db.conn();
        make_team(&mut conn, "Front door");
        let fd = staff(&mut conn, "front.door", Role::FrontDoorPractitioner);
        let a = create_child(&mut conn, &fd.actor, &amelia());
        let b = create_child(&mut conn, &fd.actor, &draft("Noah", "Hughes", (1, 9, 2021)));

        let id = contacts::record(
            &mut conn,
            &fd.actor,
            &settings(),
            &school_contact(vec![a.clone(), b.clone()], None),
        )
        .unwrap();

        let view = contacts::view(&mut conn, &fd.actor, &id.to_string()).unwrap();
        assert!(
            view.contact.reference.starts_with("CT-"),
            "{}",
            view.contact.reference
        );
        assert_eq!(view.contact.status, "screening");
        assert_eq!(view.contact.referral_source, "2A", "a school reports as 2A");
        assert!(
            view.referrer.wants_feedback,
            "professionals always get feedback"
        );
        assert_eq!(view.children.len(), 2);
        assert!(view.children.iter().all(|c| c.routed_to == "screening"));
        assert!(view.contact.decision_due_at > view.contact.received_at);
        // No SMTP server configured and no email address: the receipt is a letter to post.
        assert_eq!(view.messages.len(), 1);
        assert_eq!(view.messages[0].kind, "receipt");
        assert_eq!(view.messages[0].status, "letter_only");
        assert!(view.messages[0].body.contains(&view.contact.reference));
        assert!(
            !view.messages[0].body.contains("Amelia"),
            "a receipt never names the child"
        );
        assert_eq!(events_of_kind(&mut conn, "contact.received").len(), 2);
        let named = audit_rows_for(&mut conn, "contact.child_named");
        assert_eq!(named.len(), 2);
        assert!(
            named
                .iter()
                .any(|r| r.person_id.as_deref() == Some(a.as_str()))
        );
        // Viewing is audited against each child.
        let viewed = audit_rows_for(&mut conn, "contact.view");
        assert!(
            viewed
                .iter()
                .any(|r| r.person_id.as_deref() == Some(b.as_str()))
        );
        let pdf = cairn_core::front_door::messages::letter_for_download(
            &mut conn,
            &fd.actor,
            &settings(),
            &id.to_string(),
            &view.messages[0].id,
        )
        .unwrap()
        .pdf;
        assert!(pdf.starts_with(b"%PDF"));
    }
);

both_backends!(
    bad_contacts_are_refused_and_nothing_is_written,
    |db: TestDb| {
        let mut conn = db.conn();
        make_team(&mut conn, "Front door");
        let fd = staff(&mut conn, "front.door", Role::FrontDoorPractitioner);
        let mut input = school_contact(vec![], None);
        input.concern = "   ".into();
        input.categories.clear();
        input.consent_reason.clear();
        input.referrer.email = "not an email".into();
        input.received_at = Some(cairn_db::now() + Duration::hours(3));
        let fields =
            field_errors(contacts::record(&mut conn, &fd.actor, &settings(), &input).unwrap_err());
        for f in [
            "concern",
            "categories",
            "consent_reason",
            "referrer_email",
            "received",
        ] {
            assert!(
                fields.contains(&f.to_string()),
                "{f} missing from {fields:?}"
            );
        }
        let mut late = school_contact(vec![], None);
        late.received_at = Some(cairn_db::now() - Duration::days(2));
        let fields =
            field_errors(contacts::record(&mut conn, &fd.actor, &settings(), &late).unwrap_err());
        assert_eq!(fields, ["backdate_reason"]);
        let mut ghost = school_contact(vec!["no-such-person".into()], None);
        ghost.received_at = None;
        let fields =
            field_errors(contacts::record(&mut conn, &fd.actor, &settings(), &ghost).unwrap_err());
        assert_eq!(fields, ["children"]);
        assert_eq!(contact_count(&mut conn), 0);

        // Back-dated with a reason is accepted and keeps the reason.
        late.backdate_reason = "Phoned in on Monday; the recorder was off sick.".into();
        let id = contacts::record(&mut conn, &fd.actor, &settings(), &late).unwrap();
        let row = contact_repo::find(&mut conn, &id.to_string())
            .unwrap()
            .unwrap();
        assert_eq!(
            row.backdate_reason.as_deref(),
            Some("Phoned in on Monday; the recorder was off sick.")
        );
    }
);

both_backends!(only_front_door_roles_record_and_screen, |db: TestDb| {
    let mut conn = db.conn();
    make_team(&mut conn, "Front door");
    let inspector = staff(&mut conn, "inspector", Role::Inspector);
    let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
    let err = contacts::record(
        &mut conn,
        &inspector.actor,
        &settings(),
        &school_contact(vec![], None),
    )
    .unwrap_err();
    assert!(matches!(err, ServiceError::Denied { .. }));
    let denied = audit_rows_for(&mut conn, "access.denied");
    assert_eq!(denied.len(), 1);
    assert_eq!(
        denied[0].actor_user_id.as_deref(),
        Some(inspector.user_id.as_str())
    );

    let id = contacts::record(
        &mut conn,
        &sw.actor,
        &settings(),
        &school_contact(vec![], None),
    )
    .unwrap();
    let err = queue::claim(&mut conn, &sw.actor, &settings(), &id.to_string()).unwrap_err();
    assert!(
        matches!(err, ServiceError::Denied { .. }),
        "social workers do not screen: {err:?}"
    );
});

both_backends!(
    a_contact_about_an_open_case_goes_to_the_allocated_worker,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = make_team(&mut conn, "Assessment");
        let fd = staff(&mut conn, "front.door", Role::FrontDoorPractitioner);
        let worker = staff_in_team(&mut conn, "worker", Role::SocialWorker, &team);
        let child = create_child(&mut conn, &fd.actor, &amelia());
        open_referral(
            &mut conn,
            &child,
            &team,
            Some(&worker.user_id),
            cairn_db::now().date() - Duration::days(20),
            None,
        );

        let id = contacts::record(
            &mut conn,
            &fd.actor,
            &settings(),
            &school_contact(vec![child.clone()], None),
        )
        .unwrap();
        let row = contact_repo::find(&mut conn, &id.to_string())
            .unwrap()
            .unwrap();
        assert_eq!(row.status, "with_allocated_worker");
        let page = queue::page(
            &mut conn,
            &fd.actor,
            &settings(),
            QueueView::Screening,
            None,
            1,
        )
        .unwrap();
        assert_eq!(page.total, 0, "open cases are not screened again");

        let inbox = out_of_hours::worker_inbox(&mut conn, &worker.actor).unwrap();
        assert_eq!(inbox.len(), 1);
        out_of_hours::acknowledge_open_case_contact(
            &mut conn,
            &worker.actor,
            &inbox[0].contact_child_id,
        )
        .unwrap();
        assert!(
            out_of_hours::worker_inbox(&mut conn, &worker.actor)
                .unwrap()
                .is_empty()
        );
    }
);

/// A referral row for `child`, as an earlier episode.
fn open_referral(
    conn: &mut DbConn,
    child: &str,
    team: &str,
    worker: Option<&str>,
    on: NaiveDate,
    closed: Option<NaiveDate>,
) {
    referral_repo::insert(
        conn,
        &referral_repo::ReferralRow {
            id: uuid::Uuid::now_v7().to_string(),
            person_id: child.into(),
            contact_id: None,
            decision_id: None,
            referral_date: on,
            referral_source: "6".into(),
            primary_need: "N1".into(),
            team_id: team.into(),
            worker_id: worker.map(str::to_string),
            assigned_at: None,
            re_referral: false,
            previous_referral_id: None,
            closed_on: closed,
            closure_reason: closed.map(|_| "RC8".into()),
            version: 1,
            created_at: cairn_db::now(),
            created_by: "test".into(),
        },
    )
    .unwrap();
}

both_backends!(two_practitioners_claiming_at_once_one_wins, |db: TestDb| {
    let mut conn = db.conn();
    make_team(&mut conn, "Front door");
    let one = staff(&mut conn, "first", Role::FrontDoorPractitioner);
    let two = staff(&mut conn, "second", Role::FrontDoorPractitioner);
    let id = record_school_contact(&mut conn, &one.actor, vec![]);

    queue::claim(&mut conn, &one.actor, &settings(), &id).unwrap();
    match queue::claim(&mut conn, &two.actor, &settings(), &id).unwrap_err() {
        ServiceError::Conflict(m) => assert!(m.contains("Test first has already claimed"), "{m}"),
        other => panic!("{other:?}"),
    }
    let page = queue::page(
        &mut conn,
        &two.actor,
        &settings(),
        QueueView::Screening,
        None,
        1,
    )
    .unwrap();
    assert_eq!(page.rows[0].claimed_by.as_deref(), Some("Test first"));
    assert!(!page.rows[0].claimed_by_me);

    // A claim nobody works on lapses: the queue shows it free and anyone may take it.
    let long_ago =
        cairn_db::now() - Duration::minutes(i64::from(settings().claim_timeout_minutes) + 5);
    diesel::update(contacts_t::table.find(&id))
        .set(contacts_t::claim_active_at.eq(long_ago))
        .execute(&mut conn)
        .unwrap();
    let page = queue::page(
        &mut conn,
        &two.actor,
        &settings(),
        QueueView::Screening,
        None,
        1,
    )
    .unwrap();
    assert_eq!(page.rows[0].claimed_by, None);
    queue::claim(&mut conn, &two.actor, &settings(), &id).unwrap();
    assert!(
        queue::release(&mut conn, &one.actor, &id).is_err(),
        "the lapsed holder no longer holds it"
    );
    queue::release(&mut conn, &two.actor, &id).unwrap();
});

both_backends!(
    claims_racing_on_separate_connections_have_one_winner,
    |db: TestDb| {
        let mut conn = db.conn();
        make_team(&mut conn, "Front door");
        let racers: Vec<_> = (0..6)
            .map(|i| staff(&mut conn, &format!("racer{i}"), Role::FrontDoorPractitioner))
            .collect();
        let id = record_school_contact(&mut conn, &racers[0].actor, vec![]);
        let barrier = std::sync::Barrier::new(racers.len());
        let wins: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = racers
                .iter()
                .map(|r| {
                    let mut c = db.conn();
                    let (barrier, id) = (&barrier, &id);
                    s.spawn(move || {
                        barrier.wait();
                        match queue::claim(&mut c, &r.actor, &settings(), id) {
                            Ok(()) => true,
                            Err(ServiceError::Conflict(_)) => false,
                            Err(other) => panic!("{other:?}"),
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(wins.iter().filter(|w| **w).count(), 1, "{wins:?}");
        assert_eq!(audit_rows_for(&mut conn, "contact.claim").len(), 1);
    }
);

both_backends!(
    screening_needs_a_claim_a_level_a_rationale_and_a_child,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = make_team(&mut conn, "Assessment");
        let fd = staff(&mut conn, "front.door", Role::FrontDoorPractitioner);
        let t = agreed_thresholds(&mut conn, 1);
        let unidentified = record_school_contact(&mut conn, &fd.actor, vec![]);

        let err = screening::decide(
            &mut conn,
            &fd.actor,
            &settings(),
            &unidentified,
            &referral_decision(&t, &team),
        )
        .unwrap_err();
        assert!(
            matches!(err, ServiceError::Conflict(ref m) if m.contains("Claim")),
            "{err:?}"
        );
        queue::claim(&mut conn, &fd.actor, &settings(), &unidentified).unwrap();
        let fields = field_errors(
            screening::decide(
                &mut conn,
                &fd.actor,
                &settings(),
                &unidentified,
                &referral_decision(&t, &team),
            )
            .unwrap_err(),
        );
        assert_eq!(
            fields,
            ["children"],
            "a contact with no child cannot be decided"
        );

        let child = create_child(&mut conn, &fd.actor, &amelia());
        contacts::add_child(&mut conn, &fd.actor, &unidentified, &child).unwrap();
        let empty = DecisionInput {
            threshold_document_id: t.doc.clone(),
            ..DecisionInput::default()
        };
        let fields = field_errors(
            screening::decide(&mut conn, &fd.actor, &settings(), &unidentified, &empty)
                .unwrap_err(),
        );
        for f in ["level", "rationale", "rag", "outcome"] {
            assert!(
                fields.contains(&f.to_string()),
                "{f} missing from {fields:?}"
            );
        }
        // Level 1 with a referral outcome: the mismatch needs a reason.
        let mut mismatch = referral_decision(&t, &team);
        mismatch.level_id = t.level1.clone();
        mismatch.indicator_ids.clear();
        let fields = field_errors(
            screening::decide(&mut conn, &fd.actor, &settings(), &unidentified, &mismatch)
                .unwrap_err(),
        );
        assert_eq!(fields, ["override_reason"]);
        mismatch.override_reason = "Level 1 on its face, but three contacts in a month.".into();
        screening::decide(&mut conn, &fd.actor, &settings(), &unidentified, &mismatch).unwrap();
        let row = contact_repo::find(&mut conn, &unidentified)
            .unwrap()
            .unwrap();
        assert_eq!(row.status, "awaiting_authorisation");
    }
);

both_backends!(
    a_referral_decision_is_returned_then_authorised_and_opens_referrals,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = make_team(&mut conn, "Assessment");
        let fd = staff(&mut conn, "front.door", Role::FrontDoorPractitioner);
        let manager = staff(&mut conn, "manager", Role::TeamManager);
        let other_manager = staff(&mut conn, "manager2", Role::TeamManager);
        let t = agreed_thresholds(&mut conn, 1);
        let a = create_child(&mut conn, &fd.actor, &amelia());
        let b = create_child(&mut conn, &fd.actor, &draft("Noah", "Hughes", (1, 9, 2021)));
        // Noah had a referral eight months ago: this one is a re-referral.
        open_referral(
            &mut conn,
            &b,
            &team,
            None,
            cairn_db::now().date() - Duration::days(240),
            Some(cairn_db::now().date() - Duration::days(200)),
        );
        let id = record_school_contact(&mut conn, &fd.actor, vec![a.clone(), b.clone()]);
        queue::claim(&mut conn, &fd.actor, &settings(), &id).unwrap();
        let decision = screening::decide(
            &mut conn,
            &fd.actor,
            &settings(),
            &id,
            &referral_decision(&t, &team),
        )
        .unwrap()
        .to_string();
        assert_eq!(
            screening::awaiting_authorisation(&mut conn, &manager.actor)
                .unwrap()
                .len(),
            1
        );
        assert!(
            referrals_t::table
                .filter(referrals_t::contact_id.eq(&id))
                .count()
                .get_result::<i64>(&mut conn)
                .unwrap()
                == 0,
            "nothing opens before a manager agrees"
        );

        // Returning needs comments, and puts the contact back with the screener.
        let fields = field_errors(
            screening::review(
                &mut conn,
                &manager.actor,
                &settings(),
                &decision,
                Review::Return,
                " ",
            )
            .unwrap_err(),
        );
        assert_eq!(fields, ["comments"]);
        screening::review(
            &mut conn,
            &manager.actor,
            &settings(),
            &decision,
            Review::Return,
            "Say what the school nurse told you.",
        )
        .unwrap();
        let row = contact_repo::find(&mut conn, &id).unwrap().unwrap();
        assert_eq!(
            (row.status.as_str(), row.claimed_by.as_deref()),
            ("screening", Some(fd.user_id.as_str()))
        );
        assert!(
            screening::review(
                &mut conn,
                &other_manager.actor,
                &settings(),
                &decision,
                Review::Authorise,
                ""
            )
            .is_err(),
            "a returned decision cannot be authorised"
        );

        let mut again = referral_decision(&t, &team);
        again
            .rationale
            .push_str(" The school nurse saw a second bruise.");
        let decision = screening::decide(&mut conn, &fd.actor, &settings(), &id, &again)
            .unwrap()
            .to_string();
        screening::review(
            &mut conn,
            &manager.actor,
            &settings(),
            &decision,
            Review::Authorise,
            "Agreed.",
        )
        .unwrap();
        match screening::review(
            &mut conn,
            &other_manager.actor,
            &settings(),
            &decision,
            Review::Authorise,
            "",
        )
        .unwrap_err()
        {
            ServiceError::Conflict(m) => assert!(m.contains("already"), "{m}"),
            other => panic!("{other:?}"),
        }

        let view = contacts::view(&mut conn, &fd.actor, &id).unwrap();
        assert_eq!(view.contact.status, "decided");
        assert_eq!(view.decisions.len(), 2);
        assert_eq!(view.decisions[0].row.status, "returned");
        assert_eq!(
            view.decisions[0].reviews[0].comments,
            "Say what the school nurse told you."
        );
        assert_eq!(view.decisions[1].row.status, "final");
        assert_eq!(view.decisions[1].indicators, ["Serious domestic abuse"]);
        assert_eq!(view.referrals.len(), 2);
        let noah = view.referrals.iter().find(|r| r.person_id == b).unwrap();
        assert!(noah.re_referral);
        assert!(noah.previous_referral_id.is_some());
        let amelia_ref = view.referrals.iter().find(|r| r.person_id == a).unwrap();
        assert!(!amelia_ref.re_referral);
        assert_eq!(amelia_ref.referral_source, "2A");
        assert_eq!(amelia_ref.team_id, team);
        // Feedback follows the final decision (as a letter: no SMTP server is set).
        let feedback: Vec<_> = view
            .messages
            .iter()
            .filter(|m| m.kind == "feedback")
            .collect();
        assert_eq!(feedback.len(), 1);
        assert!(feedback[0].body.contains("accepted as a referral"));

        // The receiving team's manager sees the referrals and names a worker.
        let team_view =
            cairn_core::front_door::referrals::for_team(&mut conn, &manager.actor, &team).unwrap();
        assert_eq!(team_view.unassigned.len(), 2);
    }
);

both_backends!(
    a_decision_keeps_the_threshold_version_shown_even_if_superseded,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = make_team(&mut conn, "Assessment");
        let fd = staff(&mut conn, "front.door", Role::FrontDoorPractitioner);
        let shown = agreed_thresholds(&mut conn, 1);
        let child = create_child(&mut conn, &fd.actor, &amelia());
        let id = record_school_contact(&mut conn, &fd.actor, vec![child]);
        queue::claim(&mut conn, &fd.actor, &settings(), &id).unwrap();
        // While the screener reads version 1, version 2 is agreed.
        diesel::update(threshold_documents::table.find(&shown.doc))
            .set(threshold_documents::status.eq("superseded"))
            .execute(&mut conn)
            .unwrap();
        agreed_thresholds(&mut conn, 2);
        let mut nfa = referral_decision(&shown, &team);
        nfa.level_id = shown.level1.clone();
        nfa.indicator_ids.clear();
        nfa.outcome = "information_advice".into();
        nfa.rag = "green".into();
        let decision = screening::decide(&mut conn, &fd.actor, &settings(), &id, &nfa)
            .unwrap()
            .to_string();
        let stored = cairn_db::front_door::screening::find(&mut conn, &decision)
            .unwrap()
            .unwrap();
        assert_eq!(stored.threshold_document_id, shown.doc);
        assert_eq!(
            stored.status, "final",
            "information and advice needs no manager by default"
        );

        // A draft is never a basis for a decision.
        let draft_doc = agreed_thresholds(&mut conn, 3);
        diesel::update(threshold_documents::table.find(&draft_doc.doc))
            .set(threshold_documents::status.eq("draft"))
            .execute(&mut conn)
            .unwrap();
        let child2 = create_child(&mut conn, &fd.actor, &draft("Lily", "Evans", (2, 2, 2018)));
        let id2 = record_school_contact(&mut conn, &fd.actor, vec![child2]);
        queue::claim(&mut conn, &fd.actor, &settings(), &id2).unwrap();
        let mut on_draft = referral_decision(&draft_doc, &team);
        on_draft.indicator_ids.clear();
        let fields = field_errors(
            screening::decide(&mut conn, &fd.actor, &settings(), &id2, &on_draft).unwrap_err(),
        );
        assert_eq!(fields, ["level"]);
    }
);

both_backends!(
    out_of_hours_contacts_are_handed_over_and_acknowledged,
    |db: TestDb| {
        let mut conn = db.conn();
        make_team(&mut conn, "Front door");
        let edt = staff(&mut conn, "edt", Role::OutOfHoursWorker);
        let day = staff(&mut conn, "day", Role::FrontDoorPractitioner);
        let child = create_child(&mut conn, &edt.actor, &amelia());
        let mut input = school_contact(vec![child], None);
        input.channel = "out_of_hours".into();
        input.received_at = Some(last_sunday_night());
        input.backdate_reason = "Recorded after the night's visits.".into();
        input.immediate_safety = true;
        let id = contacts::record(&mut conn, &edt.actor, &settings(), &input)
            .unwrap()
            .to_string();
        let row = contact_repo::find(&mut conn, &id).unwrap().unwrap();
        assert!(row.out_of_hours);
        assert_eq!(row.rag, "red", "not safe now means red");

        let fields = field_errors(
            out_of_hours::record_action(&mut conn, &edt.actor, &id, &ActionInput::default())
                .unwrap_err(),
        );
        assert_eq!(fields, ["kind", "details"]);
        out_of_hours::record_action(
            &mut conn,
            &edt.actor,
            &id,
            &ActionInput {
                kind: "police_protection".into(),
                occurred_at: Some(last_sunday_night() + Duration::hours(1)),
                details: "Police used police protection; child placed with grandmother.".into(),
                outstanding: "Strategy discussion needed first thing.".into(),
            },
        )
        .unwrap();
        assert!(
            out_of_hours::record_action(
                &mut conn,
                &day.actor,
                &id,
                &ActionInput {
                    kind: "other".into(),
                    details: "x".into(),
                    ..ActionInput::default()
                }
            )
            .is_err(),
            "only the out-of-hours team and managers record these"
        );

        let list = out_of_hours::handover(&mut conn, &day.actor, &settings()).unwrap();
        assert_eq!(list.len(), 1);
        assert!(list[0].immediate_protection);
        assert_eq!(
            list[0].outstanding,
            ["Strategy discussion needed first thing."]
        );
        out_of_hours::acknowledge(&mut conn, &day.actor, &id).unwrap();
        assert!(matches!(
            out_of_hours::acknowledge(&mut conn, &day.actor, &id),
            Err(ServiceError::Conflict(_))
        ));
        assert!(
            out_of_hours::handover(&mut conn, &day.actor, &settings())
                .unwrap()
                .is_empty()
        );
    }
);

fn smtp_settings(server: &SmtpTestServer) -> Settings {
    server.settings()
}

both_backends!(
    receipts_and_feedback_are_emailed_through_the_job_queue,
    |db: TestDb| {
        let server = SmtpTestServer::from_env();
        let settings = smtp_settings(&server);
        let mut conn = db.conn();
        let team = make_team(&mut conn, "Assessment");
        let fd = staff(&mut conn, "front.door", Role::FrontDoorPractitioner);
        let t = agreed_thresholds(&mut conn, 1);
        let child = create_child(&mut conn, &fd.actor, &amelia());
        let address = unique_address("school");
        let id = contacts::record(
            &mut conn,
            &fd.actor,
            &settings,
            &school_contact(vec![child], Some(address.clone())),
        )
        .unwrap()
        .to_string();
        let registry = jobs::default_registry(&settings);
        let report = jobs::run_one(&mut conn, &registry, "test-worker")
            .unwrap()
            .expect("the receipt job was queued with the contact");
        assert!(
            matches!(report.outcome, jobs::RunOutcome::Done),
            "{:?}",
            report.outcome
        );

        let receipt = server.expect_email(&address);
        let reference = contact_repo::find(&mut conn, &id)
            .unwrap()
            .unwrap()
            .reference;
        assert!(receipt.subject.contains(&reference), "{}", receipt.subject);
        assert!(
            receipt
                .text_body
                .as_deref()
                .unwrap_or("")
                .contains("What happens next")
        );
        assert_eq!(receipt.attachment_names(), ["receipt.pdf"]);
        assert!(receipt.attachments[0].bytes.starts_with(b"%PDF"));
        let messages = message_repo::for_contact(&mut conn, &id).unwrap();
        assert_eq!(messages[0].status, "sent");
        assert!(messages[0].sent_at.is_some());

        // Re-running the same job (a worker that died after sending) does not send twice.
        let handler = registry
            .get(cairn_core::front_door::messages::JOB_KIND)
            .unwrap();
        handler
            .run(
                &mut conn,
                &serde_json::json!({ "message_id": messages[0].id }),
            )
            .unwrap();

        // Feedback after a final decision (no further action needs no manager here).
        let mut settings_no_manager = settings.clone();
        settings_no_manager.outcomes_needing_authorisation.clear();
        queue::claim(&mut conn, &fd.actor, &settings_no_manager, &id).unwrap();
        let mut nfa = referral_decision(&t, &team);
        nfa.level_id = t.level1.clone();
        nfa.indicator_ids.clear();
        nfa.outcome = "no_further_action".into();
        screening::decide(&mut conn, &fd.actor, &settings_no_manager, &id, &nfa).unwrap();
        jobs::run_one(&mut conn, &registry, "test-worker")
            .unwrap()
            .expect("feedback job");
        let all = server.received(&address);
        assert_eq!(all.len(), 2, "one receipt and one feedback, nothing twice");
        assert!(
            all[1]
                .text_body
                .as_deref()
                .unwrap_or("")
                .contains("no further action")
        );
    }
);

both_backends!(
    a_mail_server_that_is_down_or_refuses_leaves_the_message_visible,
    |db: TestDb| {
        let server = SmtpTestServer::from_env();
        let mut conn = db.conn();
        make_team(&mut conn, "Front door");
        let fd = staff(&mut conn, "front.door", Role::FrontDoorPractitioner);

        // Down: the job is retried later and the message says so.
        let mut down = server.settings();
        down.smtp_port = closed_port();
        let id = contacts::record(
            &mut conn,
            &fd.actor,
            &down,
            &school_contact(vec![], Some(unique_address("down"))),
        )
        .unwrap()
        .to_string();
        let report = jobs::run_one(&mut conn, &jobs::default_registry(&down), "w")
            .unwrap()
            .unwrap();
        assert!(
            matches!(report.outcome, jobs::RunOutcome::Retrying { .. }),
            "{:?}",
            report.outcome
        );
        let m = &message_repo::for_contact(&mut conn, &id).unwrap()[0];
        assert_eq!(m.status, "retrying");
        assert_eq!(m.attempts, 1);
        assert!(
            m.last_error
                .as_deref()
                .unwrap_or("")
                .contains("unavailable")
        );

        // Bounced: a permanent failure, shown as failed, not retried.
        let up = server.settings();
        let id = contacts::record(
            &mut conn,
            &fd.actor,
            &up,
            &school_contact(vec![], Some("nobody@bounce.invalid".into())),
        )
        .unwrap()
        .to_string();
        let report = jobs::run_one(&mut conn, &jobs::default_registry(&up), "w")
            .unwrap()
            .unwrap();
        assert!(
            matches!(
                report.outcome,
                jobs::RunOutcome::Failed {
                    permanent: true,
                    ..
                }
            ),
            "{:?}",
            report.outcome
        );
        let m = &message_repo::for_contact(&mut conn, &id).unwrap()[0];
        assert_eq!(m.status, "failed");
        let admin = staff(&mut conn, "admin", Role::Administrator);
        let undelivered =
            cairn_core::front_door::messages::undelivered(&mut conn, &admin.actor).unwrap();
        assert_eq!(undelivered.len(), 2);
    }
);

both_backends!(
    a_manager_cannot_authorise_their_own_decision,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = make_team(&mut conn, "Assessment");
        let manager = staff(&mut conn, "manager", Role::TeamManager);
        let colleague = staff(&mut conn, "colleague", Role::TeamManager);
        let t = agreed_thresholds(&mut conn, 1);
        let child = create_child(&mut conn, &manager.actor, &amelia());
        let id = record_school_contact(&mut conn, &manager.actor, vec![child]);
        queue::claim(&mut conn, &manager.actor, &settings(), &id).unwrap();
        let decision = screening::decide(
            &mut conn,
            &manager.actor,
            &settings(),
            &id,
            &referral_decision(&t, &team),
        )
        .unwrap()
        .to_string();
        match screening::review(
            &mut conn,
            &manager.actor,
            &settings(),
            &decision,
            Review::Authorise,
            "",
        )
        .unwrap_err()
        {
            ServiceError::Conflict(m) => assert!(m.contains("Another manager"), "{m}"),
            other => panic!("{other:?}"),
        }
        screening::review(
            &mut conn,
            &colleague.actor,
            &settings(),
            &decision,
            Review::Authorise,
            "",
        )
        .unwrap();
    }
);

both_backends!(
    a_contact_on_an_open_case_with_no_worker_goes_to_the_team_manager,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = make_team(&mut conn, "Assessment");
        let other_team = make_team(&mut conn, "Disabled children");
        let fd = staff(&mut conn, "front.door", Role::FrontDoorPractitioner);
        let manager = staff_in_team(&mut conn, "manager", Role::TeamManager, &team);
        let other = staff_in_team(&mut conn, "other.manager", Role::TeamManager, &other_team);
        let child = create_child(&mut conn, &fd.actor, &amelia());
        open_referral(
            &mut conn,
            &child,
            &team,
            None,
            cairn_db::now().date() - Duration::days(3),
            None,
        );
        contacts::record(
            &mut conn,
            &fd.actor,
            &settings(),
            &school_contact(vec![child], None),
        )
        .unwrap();

        assert!(
            out_of_hours::worker_inbox(&mut conn, &other.actor)
                .unwrap()
                .is_empty(),
            "another team's manager does not see it"
        );
        let inbox = out_of_hours::worker_inbox(&mut conn, &manager.actor).unwrap();
        assert_eq!(inbox.len(), 1);
        assert!(
            out_of_hours::acknowledge_open_case_contact(
                &mut conn,
                &other.actor,
                &inbox[0].contact_child_id
            )
            .is_err()
        );
        out_of_hours::acknowledge_open_case_contact(
            &mut conn,
            &manager.actor,
            &inbox[0].contact_child_id,
        )
        .unwrap();
        assert!(
            out_of_hours::worker_inbox(&mut conn, &manager.actor)
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            audit_rows_for(&mut conn, "open_case_contacts.view").len(),
            1
        );
    }
);

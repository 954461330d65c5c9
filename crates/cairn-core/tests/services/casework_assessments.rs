//! Assessments: starting one in an open episode, saving as the worker goes, submission and
//! its checks, a manager's authorisation or return, updates after authorisation, concurrent
//! edits, timeliness, and the audit of every read, change and refusal.

use std::collections::BTreeMap;

use cairn_core::ServiceError;
use cairn_core::casework::assessments::{
    self, ContentInput, ReviewInput, ReviewOutcome, StartInput,
};
use cairn_db::DbConn;
use cairn_db::both_backends;
use cairn_db::casework::assessments as repo;
use cairn_db::testing::TestDb;
use cairn_domain::casework::{AssessmentKind, AssessmentStatus, QualityRating};
use cairn_domain::roles::Role;
use chrono::{Duration, NaiveDate};

use crate::support::*;

/// Today in England, as the services count it (ages and "not in the future").
fn england_today() -> NaiveDate {
    cairn_domain::thresholds::date_in_england(chrono::Utc::now())
}

fn days_ago(n: i64) -> NaiveDate {
    england_today() - Duration::days(n)
}

fn field_errors(e: ServiceError) -> Vec<String> {
    match e {
        ServiceError::Invalid(errors) => errors.iter().map(|f| f.field.clone()).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn conflict(e: ServiceError) -> String {
    match e {
        ServiceError::Conflict(m) => m,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

fn start_on(conn: &mut DbConn, staff: &Staff, case: &OpenCase, on: NaiveDate) -> String {
    assessments::start(
        conn,
        &staff.actor,
        &case.referral,
        &StartInput {
            started_on: Some(on),
            ..StartInput::default()
        },
    )
    .unwrap()
    .to_string()
}

/// Everything a submission needs.
fn complete() -> ContentInput {
    ContentInput {
        framework: BTreeMap::from([
            (
                "health".to_string(),
                "Immunisations up to date; missed two dental appointments.".to_string(),
            ),
            (
                "housing".to_string(),
                "Two-bedroom flat, damp in the child's room.".to_string(),
            ),
        ]),
        child_seen_on: Some(days_ago(2)),
        child_seen_alone_on: Some(days_ago(2)),
        child_views: "Says she feels safe with her mum but is scared when dad shouts.".into(),
        parent_views: "Mother accepts help with routines.".into(),
        identity_confirmed: true,
        analysis: "Emotional harm from domestic abuse; strengths in the mother's insight. Needs a safety plan.".into(),
        factors: vec!["3B".into(), "17A".into()],
        outcome: "cin_plan".into(),
        ..ContentInput::default()
    }
}

fn authorise(rating: &str) -> ReviewInput {
    ReviewInput {
        decision: "authorise".into(),
        quality_rating: rating.into(),
        comments: "A clear analysis.".into(),
        authorised_on: None,
    }
}

fn version_of(conn: &mut DbConn, id: &str) -> i32 {
    repo::find(conn, id).unwrap().unwrap().version
}

/// Starts, completes and submits an assessment as `staff`; returns its id.
fn submitted(conn: &mut DbConn, staff: &Staff, case: &OpenCase) -> String {
    let id = start_on(conn, staff, case, days_ago(5));
    assessments::submit(conn, &staff.actor, &id, 1, Some(&complete())).unwrap();
    id
}

both_backends!(
    an_assessment_is_started_saved_and_submitted_only_with_an_analysis,
    |db: TestDb| {
        let mut conn = db.conn();
        let t = case_team(&mut conn);
        let case = open_case(&mut conn, &t, "Maya", days_ago(10));

        let id = start_on(&mut conn, &t.worker, &case, days_ago(5));
        let row = repo::find(&mut conn, &id).unwrap().unwrap();
        assert_eq!(row.status, "in_progress");
        assert_eq!(
            row.kind, "single",
            "single assessment by default since 2013"
        );
        assert_eq!(row.worker_id, t.worker.user_id);
        assert_eq!(row.person_id, case.child);
        assert_eq!(events_of_kind(&mut conn, "assessment.started").len(), 1);
        assert_eq!(audit_rows_for(&mut conn, "assessment.start").len(), 1);

        // A draft keeps whatever is typed, even with most of it missing.
        let draft = ContentInput {
            analysis: String::new(),
            ..complete()
        };
        let v2 = assessments::save(&mut conn, &t.worker.actor, &id, 1, &draft).unwrap();
        assert_eq!(v2, 2);
        let saved = repo::find(&mut conn, &id).unwrap().unwrap();
        assert_eq!(saved.analysis, None);
        assert!(saved.framework.contains("dental"));
        assert_eq!(repo::factors_of(&mut conn, &id).unwrap(), ["17A", "3B"]);
        let save_audit = audit_rows_for(&mut conn, "assessment.save");
        assert_eq!(save_audit.len(), 1);
        assert_eq!(
            save_audit[0].person_id.as_deref(),
            Some(case.child.as_str())
        );
        assert!(
            !save_audit[0].detail.contains("dental"),
            "the audit row names the fields, not the text"
        );

        // Submitting without an analysis is refused and changes nothing.
        let refused = assessments::submit(&mut conn, &t.worker.actor, &id, 2, None).unwrap_err();
        assert_eq!(field_errors(refused), ["analysis"]);
        let refused = assessments::submit(
            &mut conn,
            &t.worker.actor,
            &id,
            2,
            Some(&ContentInput {
                child_views: String::new(),
                parent_views: String::new(),
                identity_confirmed: false,
                factors: vec![],
                outcome: String::new(),
                ..complete()
            }),
        )
        .unwrap_err();
        assert_eq!(
            field_errors(refused),
            [
                "child_views",
                "parent_views",
                "identity_confirmed",
                "factors",
                "outcome"
            ]
        );
        assert_eq!(version_of(&mut conn, &id), 2, "nothing was saved");

        // A reason stands in for the child's views.
        let with_reason = ContentInput {
            child_views: String::new(),
            child_views_not_obtained_reason: "Maya was in hospital throughout.".into(),
            ..complete()
        };
        assessments::submit(&mut conn, &t.worker.actor, &id, 2, Some(&with_reason)).unwrap();
        let row = repo::find(&mut conn, &id).unwrap().unwrap();
        assert_eq!(row.status, "submitted");
        assert_eq!(row.submitted_by.as_deref(), Some(t.worker.user_id.as_str()));
        let revisions = repo::revisions_of(&mut conn, &id).unwrap();
        assert_eq!(revisions.len(), 1);
        assert_eq!(revisions[0].revision, 1);
        assert!(revisions[0].snapshot.contains("in hospital throughout"));
        assert_eq!(events_of_kind(&mut conn, "assessment.submitted").len(), 1);

        // Submitted work cannot be edited.
        let locked =
            assessments::save(&mut conn, &t.worker.actor, &id, 4, &complete()).unwrap_err();
        assert!(conflict(locked).contains("submitted for authorisation"));
        assert_chain_intact(&mut conn);
    }
);

both_backends!(
    a_returned_assessment_is_amended_resubmitted_and_authorised_with_its_history_kept,
    |db: TestDb| {
        let mut conn = db.conn();
        let t = case_team(&mut conn);
        let case = open_case(&mut conn, &t, "Leo", days_ago(10));
        let id = submitted(&mut conn, &t.worker, &case);
        let m = &t.manager.actor;

        // Returning needs reasons.
        let no_reason = ReviewInput {
            decision: "return".into(),
            ..ReviewInput::default()
        };
        let v = version_of(&mut conn, &id);
        let refused =
            assessments::review(&mut conn, m, &settings(), &id, v, &no_reason).unwrap_err();
        assert_eq!(field_errors(refused), ["comments"]);
        let back = ReviewInput {
            decision: "return".into(),
            comments: "Say what the father's views are.".into(),
            ..ReviewInput::default()
        };
        let outcome = assessments::review(&mut conn, m, &settings(), &id, v, &back).unwrap();
        assert_eq!(outcome, ReviewOutcome::Returned);
        let row = repo::find(&mut conn, &id).unwrap().unwrap();
        assert_eq!(row.status, "returned");
        assert_eq!(row.authorised_on, None);

        // The worker amends and resubmits.
        let amended = ContentInput {
            parent_views: "Mother accepts help; father declined to meet but wrote a letter.".into(),
            ..complete()
        };
        assessments::submit(&mut conn, &t.worker.actor, &id, row.version, Some(&amended)).unwrap();

        // Authorising needs a rating.
        let v = version_of(&mut conn, &id);
        let refused =
            assessments::review(&mut conn, m, &settings(), &id, v, &authorise("")).unwrap_err();
        assert_eq!(field_errors(refused), ["quality_rating"]);
        let outcome =
            assessments::review(&mut conn, m, &settings(), &id, v, &authorise("good")).unwrap();
        assert_eq!(outcome, ReviewOutcome::Authorised);
        let row = repo::find(&mut conn, &id).unwrap().unwrap();
        assert_eq!(row.status, "authorised");
        assert_eq!(row.authorised_on, Some(england_today()));
        assert_eq!(
            row.authorised_by.as_deref(),
            Some(t.manager.user_id.as_str())
        );
        assert_eq!(row.quality_rating.as_deref(), Some("good"));

        // Both reviews are kept, and the page's view shows them in order.
        let view = assessments::view(&mut conn, &t.worker.actor, &id).unwrap();
        let decisions: Vec<&str> = view
            .reviews
            .iter()
            .map(|r| r.review.decision.as_str())
            .collect();
        assert_eq!(decisions, ["returned", "authorised"]);
        assert_eq!(
            view.reviews[0].review.comments,
            "Say what the father's views are."
        );
        assert_eq!(view.reviews[0].reviewer, "Test manager");
        assert_eq!(view.reviews[1].quality_rating, Some(QualityRating::Good));
        assert_eq!(view.revisions.len(), 2, "each submission is a snapshot");
        assert!(!view.revisions[0].authorised);
        assert!(view.revisions[1].authorised);
        assert_eq!(view.status, AssessmentStatus::Authorised);
        assert_eq!(events_of_kind(&mut conn, "assessment.returned").len(), 1);
        assert_eq!(events_of_kind(&mut conn, "assessment.authorised").len(), 1);
        assert_eq!(audit_rows_for(&mut conn, "assessment.authorise").len(), 1);
        assert_eq!(audit_rows_for(&mut conn, "assessment.return").len(), 1);

        // It is authorised now: nothing more to review.
        let again = assessments::review(
            &mut conn,
            m,
            &settings(),
            &id,
            row.version,
            &authorise("good"),
        )
        .unwrap_err();
        assert!(conflict(again).contains("not waiting for authorisation"));
    }
);

both_backends!(
    a_manager_may_not_authorise_their_own_assessment_unless_the_settings_allow_it,
    |db: TestDb| {
        let mut conn = db.conn();
        let t = case_team(&mut conn);
        let case = open_case(&mut conn, &t, "Isla", days_ago(10));
        let id = submitted(&mut conn, &t.manager, &case);
        let v = version_of(&mut conn, &id);
        let own = assessments::review(
            &mut conn,
            &t.manager.actor,
            &settings(),
            &id,
            v,
            &authorise("good"),
        )
        .unwrap_err();
        assert!(conflict(own).contains("another manager must authorise it"));
        assert_eq!(
            repo::find(&mut conn, &id).unwrap().unwrap().status,
            "submitted"
        );

        let allowed = cairn_core::Settings {
            managers_may_authorise_own_work: true,
            ..settings()
        };
        assessments::review(
            &mut conn,
            &t.manager.actor,
            &allowed,
            &id,
            v,
            &authorise("outstanding"),
        )
        .unwrap();
        let row = repo::find(&mut conn, &id).unwrap().unwrap();
        assert_eq!(row.status, "authorised");
        assert_eq!(row.quality_rating.as_deref(), Some("outstanding"));
    }
);

both_backends!(
    an_assessment_cannot_be_authorised_before_it_started_or_in_the_future,
    |db: TestDb| {
        let mut conn = db.conn();
        let t = case_team(&mut conn);
        let case = open_case(&mut conn, &t, "Noor", days_ago(10));
        let id = submitted(&mut conn, &t.worker, &case);
        let v = version_of(&mut conn, &id);
        let m = &t.manager.actor;
        let early = ReviewInput {
            authorised_on: Some(days_ago(6)),
            ..authorise("good")
        };
        let refused = assessments::review(&mut conn, m, &settings(), &id, v, &early).unwrap_err();
        match refused {
            ServiceError::Invalid(e) => {
                assert!(
                    e.for_field("authorised_on")
                        .is_some_and(|m| m.contains("cannot be authorised before it started")),
                    "{e}"
                );
            }
            other => panic!("expected field errors, got {other:?}"),
        }
        let future = ReviewInput {
            authorised_on: Some(england_today() + Duration::days(2)),
            ..authorise("good")
        };
        let refused = assessments::review(&mut conn, m, &settings(), &id, v, &future).unwrap_err();
        assert_eq!(field_errors(refused), ["authorised_on"]);
        let on_start = ReviewInput {
            authorised_on: Some(days_ago(5)),
            ..authorise("requires_improvement")
        };
        assessments::review(&mut conn, m, &settings(), &id, v, &on_start).unwrap();
        assert_eq!(
            repo::find(&mut conn, &id).unwrap().unwrap().authorised_on,
            Some(days_ago(5))
        );
    }
);

both_backends!(
    an_episode_has_at_most_one_unauthorised_assessment,
    |db: TestDb| {
        let mut conn = db.conn();
        let t = case_team(&mut conn);
        let case = open_case(&mut conn, &t, "Ezra", days_ago(10));
        let first = submitted(&mut conn, &t.worker, &case);
        let second = assessments::start(
            &mut conn,
            &t.other_worker.actor,
            &case.referral,
            &StartInput {
                started_on: Some(days_ago(1)),
                ..StartInput::default()
            },
        )
        .unwrap_err();
        assert!(
            conflict(second).contains("only one unauthorised assessment"),
            "census rule 8896"
        );
        assert_eq!(
            repo::for_referral(&mut conn, &case.referral).unwrap().len(),
            1
        );

        // Once the first is authorised, another may start.
        let v = version_of(&mut conn, &first);
        assessments::review(
            &mut conn,
            &t.manager.actor,
            &settings(),
            &first,
            v,
            &authorise("good"),
        )
        .unwrap();
        start_on(&mut conn, &t.worker, &case, days_ago(1));
        let listed = assessments::for_episode(&mut conn, &t.worker.actor, &case.referral).unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].status, AssessmentStatus::Authorised);
        assert_eq!(listed[1].status, AssessmentStatus::InProgress);
        assert_eq!(listed[0].worker_name, "Test worker");
    }
);

both_backends!(
    starting_checks_the_kind_the_date_and_the_worker,
    |db: TestDb| {
        let mut conn = db.conn();
        let t = case_team(&mut conn);
        let case = open_case(&mut conn, &t, "Ava", days_ago(10));
        let w = &t.worker.actor;
        let start = |kind: &str, on: Option<NaiveDate>, worker: Option<&str>| StartInput {
            kind: kind.into(),
            started_on: on,
            worker_id: worker.map(str::to_string),
        };
        let cases = [
            (start("initial", Some(days_ago(1)), None), "kind"),
            (start("", None, None), "started_on"),
            (start("", Some(days_ago(11)), None), "started_on"),
            (
                start("", Some(england_today() + Duration::days(2)), None),
                "started_on",
            ),
            (
                start("", Some(days_ago(1)), Some(&t.manager.user_id)),
                "worker",
            ),
        ];
        for (input, field) in cases {
            let e = assessments::start(&mut conn, w, &case.referral, &input).unwrap_err();
            assert_eq!(field_errors(e), [field], "{input:?}");
        }
        // The manager may start it in the allocated worker's name.
        let id = assessments::start(
            &mut conn,
            &t.manager.actor,
            &case.referral,
            &start("single", Some(days_ago(10)), Some(&t.worker.user_id)),
        )
        .unwrap()
        .to_string();
        assert_eq!(
            repo::find(&mut conn, &id).unwrap().unwrap().worker_id,
            t.worker.user_id
        );

        // An episode referred under Working Together 2010 uses initial and core assessments,
        // timed 10 working days from the referral.
        let old = open_case(
            &mut conn,
            &t,
            "Finn",
            NaiveDate::from_ymd_opt(2011, 1, 10).unwrap(),
        );
        let ctx = assessments::start_context(&mut conn, w, &old.referral).unwrap();
        assert_eq!(ctx.kinds, [AssessmentKind::Initial, AssessmentKind::Core]);
        assert_eq!(ctx.due.date, NaiveDate::from_ymd_opt(2011, 1, 24).unwrap());
        assert!(
            ctx.due.basis.contains("10 working days"),
            "{}",
            ctx.due.basis
        );
        let single = assessments::start(
            &mut conn,
            w,
            &old.referral,
            &start(
                "single",
                Some(NaiveDate::from_ymd_opt(2011, 1, 11).unwrap()),
                None,
            ),
        )
        .unwrap_err();
        assert_eq!(field_errors(single), ["kind"]);
        let initial = assessments::start(
            &mut conn,
            w,
            &old.referral,
            &start(
                "initial",
                Some(NaiveDate::from_ymd_opt(2011, 1, 11).unwrap()),
                None,
            ),
        )
        .unwrap()
        .to_string();
        let view = assessments::view(&mut conn, w, &initial).unwrap();
        assert_eq!(view.kind, AssessmentKind::Initial);
        assert!(view.timeliness.overdue);
        assert_eq!(view.profile_name, "Working Together 2010");
    }
);

both_backends!(
    a_stale_version_is_a_conflict_and_saves_nothing,
    |db: TestDb| {
        let mut conn = db.conn();
        let t = case_team(&mut conn);
        let case = open_case(&mut conn, &t, "Zara", days_ago(10));
        let id = start_on(&mut conn, &t.worker, &case, days_ago(5));
        let mine = ContentInput {
            analysis: "Mine".into(),
            ..ContentInput::default()
        };
        let theirs = ContentInput {
            analysis: "Theirs".into(),
            ..ContentInput::default()
        };
        assessments::save(&mut conn, &t.other_worker.actor, &id, 1, &theirs).unwrap();
        let stale = assessments::save(&mut conn, &t.worker.actor, &id, 1, &mine).unwrap_err();
        assert!(conflict(stale).contains("Someone else saved this assessment"));
        let row = repo::find(&mut conn, &id).unwrap().unwrap();
        assert_eq!(row.analysis.as_deref(), Some("Theirs"));
        assert_eq!(row.version, 2);
        let stale =
            assessments::submit(&mut conn, &t.worker.actor, &id, 1, Some(&complete())).unwrap_err();
        conflict(stale);
        assert_eq!(
            repo::find(&mut conn, &id).unwrap().unwrap().status,
            "in_progress"
        );
    }
);

both_backends!(
    an_overdue_assessment_needs_a_reason_for_the_delay,
    |db: TestDb| {
        let mut conn = db.conn();
        let t = case_team(&mut conn);
        // 45 working days from a referral 120 days ago have passed.
        let case = open_case(&mut conn, &t, "Ruby", days_ago(120));
        let id = start_on(&mut conn, &t.worker, &case, days_ago(100));
        let view = assessments::view(&mut conn, &t.worker.actor, &id).unwrap();
        assert!(view.timeliness.overdue);
        assert!(view.timeliness.working_days_elapsed > 45);
        assert!(
            view.timeliness
                .due
                .basis
                .contains("45 working days from the referral"),
            "{}",
            view.timeliness.due.basis
        );
        let refused =
            assessments::submit(&mut conn, &t.worker.actor, &id, 1, Some(&complete())).unwrap_err();
        assert_eq!(field_errors(refused), ["delay_reason"]);
        let with_reason = ContentInput {
            delay_reason: "The family moved away for six weeks.".into(),
            ..complete()
        };
        assessments::submit(&mut conn, &t.worker.actor, &id, 1, Some(&with_reason)).unwrap();
        let listed = assessments::for_episode(&mut conn, &t.worker.actor, &case.referral).unwrap();
        assert!(listed[0].overdue, "still overdue until authorised");
    }
);

both_backends!(
    updating_an_authorised_assessment_keeps_the_authorised_revision,
    |db: TestDb| {
        let mut conn = db.conn();
        let t = case_team(&mut conn);
        let case = open_case(&mut conn, &t, "Theo", days_ago(10));
        let id = submitted(&mut conn, &t.worker, &case);
        let m = &t.manager.actor;
        let v = version_of(&mut conn, &id);
        let early = ReviewInput {
            authorised_on: Some(days_ago(1)),
            ..authorise("good")
        };
        assessments::review(&mut conn, m, &settings(), &id, v, &early).unwrap();

        let v = version_of(&mut conn, &id);
        let revision = assessments::revise(&mut conn, &t.worker.actor, &id, v).unwrap();
        assert_eq!(revision, 2);
        let row = repo::find(&mut conn, &id).unwrap().unwrap();
        assert_eq!(row.status, "in_progress");
        assert_eq!(row.revision, 2);
        assert!(
            row.analysis
                .as_deref()
                .is_some_and(|a| a.contains("safety plan")),
            "carried over"
        );
        assert_eq!(
            row.authorised_on,
            Some(days_ago(1)),
            "the earlier authorisation counts until the update is authorised"
        );
        // Nobody can update it twice at once.
        let twice = assessments::revise(&mut conn, &t.worker.actor, &id, v).unwrap_err();
        conflict(twice);

        let updated = ContentInput {
            analysis: "Updated after the school's new information.".into(),
            ..complete()
        };
        assessments::submit(&mut conn, &t.worker.actor, &id, row.version, Some(&updated)).unwrap();
        let v = version_of(&mut conn, &id);
        assessments::review(&mut conn, m, &settings(), &id, v, &authorise("outstanding")).unwrap();
        let row = repo::find(&mut conn, &id).unwrap().unwrap();
        assert_eq!(
            row.authorised_on,
            Some(england_today()),
            "the latest authorisation"
        );
        assert_eq!(row.quality_rating.as_deref(), Some("outstanding"));

        let view = assessments::view(&mut conn, &t.worker.actor, &id).unwrap();
        assert_eq!(view.revisions.len(), 2);
        assert_eq!(view.revisions[0].revision, 1);
        assert!(view.revisions[0].authorised);
        assert!(
            view.revisions[0]
                .content
                .analysis
                .as_deref()
                .is_some_and(|a| a.contains("safety plan")),
            "the first authorised text is kept"
        );
        assert_eq!(
            view.revisions[1].content.analysis.as_deref(),
            Some("Updated after the school's new information.")
        );
        assert_eq!(events_of_kind(&mut conn, "assessment.revised").len(), 1);
        assert_eq!(audit_rows_for(&mut conn, "assessment.revise").len(), 1);
    }
);

both_backends!(no_factors_identified_must_stand_alone, |db: TestDb| {
    let mut conn = db.conn();
    let t = case_team(&mut conn);
    let case = open_case(&mut conn, &t, "Ivy", days_ago(10));
    let id = start_on(&mut conn, &t.worker, &case, days_ago(5));
    let both = ContentInput {
        factors: vec!["21".into(), "7A".into()],
        ..complete()
    };
    let refused = assessments::save(&mut conn, &t.worker.actor, &id, 1, &both).unwrap_err();
    assert_eq!(field_errors(refused), ["factors"]);
    let refused = assessments::submit(&mut conn, &t.worker.actor, &id, 1, Some(&both)).unwrap_err();
    assert_eq!(field_errors(refused), ["factors"]);
    let legacy = ContentInput {
        factors: vec!["18A".into()],
        ..complete()
    };
    let refused = assessments::save(&mut conn, &t.worker.actor, &id, 1, &legacy).unwrap_err();
    assert_eq!(field_errors(refused), ["factors"]);
    let alone = ContentInput {
        factors: vec!["21".into()],
        outcome: "no_further_action".into(),
        ..complete()
    };
    assessments::submit(&mut conn, &t.worker.actor, &id, 1, Some(&alone)).unwrap();
    assert_eq!(repo::factors_of(&mut conn, &id).unwrap(), ["21"]);
});

both_backends!(refusals_are_audited_against_the_child, |db: TestDb| {
    let mut conn = db.conn();
    let t = case_team(&mut conn);
    let case = open_case(&mut conn, &t, "Mila", days_ago(10));
    let inspector = staff(&mut conn, "inspector", Role::Inspector);
    let input = StartInput {
        started_on: Some(days_ago(1)),
        ..StartInput::default()
    };
    let denied =
        assessments::start(&mut conn, &inspector.actor, &case.referral, &input).unwrap_err();
    assert!(matches!(denied, ServiceError::Denied { .. }), "{denied:?}");
    assert!(
        repo::for_referral(&mut conn, &case.referral)
            .unwrap()
            .is_empty()
    );

    let id = submitted(&mut conn, &t.worker, &case);
    let v = version_of(&mut conn, &id);
    let denied = assessments::review(
        &mut conn,
        &t.other_worker.actor,
        &settings(),
        &id,
        v,
        &authorise("good"),
    )
    .unwrap_err();
    assert!(matches!(denied, ServiceError::Denied { .. }), "{denied:?}");
    let denied = assessments::save(&mut conn, &inspector.actor, &id, v, &complete()).unwrap_err();
    assert!(matches!(denied, ServiceError::Denied { .. }), "{denied:?}");

    let rows = audit_rows_for(&mut conn, "access.denied");
    let attempted: Vec<String> = rows
        .iter()
        .map(|r| {
            r.detail_json()["attempted"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(
        attempted,
        ["RecordCasework", "AuthoriseCasework", "RecordCasework"]
    );
    assert!(
        rows.iter()
            .all(|r| r.person_id.as_deref() == Some(case.child.as_str()))
    );
    assert_eq!(
        rows[1].actor_user_id.as_deref(),
        Some(t.other_worker.user_id.as_str())
    );
    assert_eq!(
        repo::find(&mut conn, &id).unwrap().unwrap().status,
        "submitted"
    );
});

both_backends!(
    reading_an_assessment_is_audited_and_open_to_inspectors,
    |db: TestDb| {
        let mut conn = db.conn();
        let t = case_team(&mut conn);
        let case = open_case(&mut conn, &t, "Nia", days_ago(10));
        let id = start_on(&mut conn, &t.worker, &case, days_ago(5));
        let inspector = staff(&mut conn, "inspector", Role::Inspector);
        let before = audit_rows_for(&mut conn, "assessment.view").len();
        let view = assessments::view(&mut conn, &inspector.actor, &id).unwrap();
        assert_eq!(view.child.id, case.child);
        assert_eq!(view.worker_name, "Test worker");
        assert!(!view.timeliness.overdue);
        assert_eq!(view.timeliness.counted_from, "the referral");
        let rows = audit_rows_for(&mut conn, "assessment.view");
        assert_eq!(rows.len(), before + 1);
        let last = rows.last().unwrap();
        assert_eq!(last.person_id.as_deref(), Some(case.child.as_str()));
        assert_eq!(last.entity_id.as_deref(), Some(id.as_str()));
        assert_eq!(
            last.actor_user_id.as_deref(),
            Some(inspector.user_id.as_str())
        );

        // Listing an episode's assessments needs ViewCasework; administrators have none.
        let admin = staff(&mut conn, "admin", Role::Administrator);
        let denied = assessments::for_episode(&mut conn, &admin.actor, &case.referral).unwrap_err();
        assert!(matches!(denied, ServiceError::Denied { .. }));
        let denied = assessments::view(&mut conn, &admin.actor, &id).unwrap_err();
        assert!(matches!(denied, ServiceError::Denied { .. }));
    }
);

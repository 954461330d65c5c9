//! The threshold document: drafts, agreement, immutability, optimistic versions, validation,
//! permissions and the public reads screening and partner agencies use.

use cairn_core::ServiceError;
use cairn_core::thresholds::{self, ThresholdDocument};
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::dates::DateParts;
use cairn_domain::front_door::{ScreeningOutcome, ThresholdDomain, ThresholdStatus};
use cairn_domain::policy::Action;
use cairn_domain::roles::Role;
use cairn_domain::thresholds::{AgreementDraft, LevelDraft, ThresholdDraft};
use chrono::{Datelike, Duration};

use crate::support::*;

/// A complete four-level document; `tag` makes versions tell apart.
fn complete(tag: &str) -> ThresholdDraft {
    let level = |name: &str, outcomes: &[&str], indicator: &str| LevelDraft {
        name: name.into(),
        summary: format!("Who is at {name}"),
        response: format!("What happens at {name}"),
        outcomes: outcomes.iter().map(|s| s.to_string()).collect(),
        child_development: format!("{indicator} (child)\nSecond {indicator}"),
        parenting_capacity: format!("{indicator} (parenting)"),
        family_environment: format!("{indicator} (family)"),
    };
    ThresholdDraft {
        title: format!("Levels of need {tag}"),
        introduction: "First paragraph.\n\nSecond paragraph.".into(),
        signatories: "Test County Council".into(),
        levels: vec![
            level(
                "Universal",
                &["no_further_action", "information_advice"],
                "Thriving",
            ),
            level("Early help", &["early_help"], "Emerging need"),
            level("Targeted early help", &["early_help"], "Complex need"),
            level(
                "Children's social care and protection",
                &["referral", "strategy_discussion"],
                "Significant harm",
            ),
        ],
    }
}

fn agreement(days_ago: i64) -> AgreementDraft {
    let d = today() - Duration::days(days_ago);
    AgreementDraft {
        agreed_on: DateParts::new(
            d.day().to_string(),
            d.month().to_string(),
            d.year().to_string(),
        ),
        signatories: "Test County Council\nTest Constabulary\nTest Integrated Care Board".into(),
    }
}

fn get(conn: &mut cairn_db::DbConn, actor: &cairn_core::Actor, id: &str) -> ThresholdDocument {
    thresholds::get(conn, actor, id).expect("read the version")
}

/// Creates a first draft, fills it in and agrees it; returns its id.
fn agreed_version(
    conn: &mut cairn_db::DbConn,
    actor: &cairn_core::Actor,
    tag: &str,
    days_ago: i64,
) -> String {
    let id = thresholds::create_first_draft(conn, actor).expect("first draft");
    thresholds::update_draft(conn, actor, &id, &complete(tag), 1).expect("save the draft");
    thresholds::agree(conn, actor, &id, 2, &agreement(days_ago)).expect("agree");
    id
}

fn assert_conflict<T: std::fmt::Debug>(result: Result<T, ServiceError>, contains: &str) {
    match result {
        Err(ServiceError::Conflict(message)) => {
            assert!(message.contains(contains), "{message}")
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
}

fn invalid_fields<T: std::fmt::Debug>(result: Result<T, ServiceError>) -> Vec<(String, String)> {
    match result {
        Err(ServiceError::Invalid(errors)) => errors
            .iter()
            .map(|e| (e.field.clone(), e.message.clone()))
            .collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

both_backends!(
    a_draft_is_created_edited_and_agreed_and_supersedes_the_previous_one,
    |db: TestDb| {
        let mut conn = db.conn();
        let admin = staff(&mut conn, "admin.thresholds", Role::Administrator);
        assert!(
            thresholds::current_agreed(&mut conn)
                .expect("read")
                .is_none()
        );

        // A first draft starts from the four usual levels, with no indicators yet.
        let first = thresholds::create_first_draft(&mut conn, &admin.actor).expect("draft");
        let draft = get(&mut conn, &admin.actor, &first);
        assert_eq!(draft.status, ThresholdStatus::Draft);
        assert_eq!(draft.version_number, 1);
        assert_eq!(draft.levels.len(), 4);
        assert_eq!(
            draft.levels[3].name,
            "Children's social care and protection"
        );
        assert!(draft.levels.iter().all(|l| l.indicators.is_empty()));

        thresholds::update_draft(&mut conn, &admin.actor, &first, &complete("A"), 1).expect("save");
        let saved = get(&mut conn, &admin.actor, &first);
        assert_eq!(saved.version, 2);
        assert_eq!(saved.title, "Levels of need A");
        assert_eq!(
            saved.to_draft(),
            complete("A").validate().expect("valid").to_draft()
        );
        assert_eq!(
            saved.levels[0]
                .indicators_in(ThresholdDomain::ChildDevelopment)
                .count(),
            2
        );

        thresholds::agree(&mut conn, &admin.actor, &first, 2, &agreement(3)).expect("agree");
        let agreed = get(&mut conn, &admin.actor, &first);
        assert_eq!(agreed.status, ThresholdStatus::Agreed);
        assert_eq!(agreed.agreed_on, Some(today() - Duration::days(3)));
        assert_eq!(agreed.agreed_by.as_deref(), Some(admin.user_id.as_str()));
        assert_eq!(
            agreed.signatories.len(),
            3,
            "the agreement's signatories are kept"
        );

        // A new draft copies the agreed version, with new ids for its levels and indicators.
        let second = thresholds::create_draft_from(&mut conn, &admin.actor, &first).expect("copy");
        let copy = get(&mut conn, &admin.actor, &second);
        assert_eq!(copy.status, ThresholdStatus::Draft);
        assert_eq!(copy.version_number, 2);
        assert_eq!(copy.based_on.as_deref(), Some(first.as_str()));
        assert_eq!(copy.content(), agreed.content());
        assert!(copy.levels.iter().all(|l| agreed.level(&l.id).is_none()));

        let mut changed = copy.to_draft();
        changed.title = "Levels of need B".into();
        changed.levels[1]
            .child_development
            .push_str("\nA new indicator");
        thresholds::update_draft(&mut conn, &admin.actor, &second, &changed, copy.version)
            .expect("save the copy");
        thresholds::agree(
            &mut conn,
            &admin.actor,
            &second,
            copy.version + 1,
            &agreement(0),
        )
        .expect("agree the copy");

        let old = get(&mut conn, &admin.actor, &first);
        assert_eq!(old.status, ThresholdStatus::Superseded);
        assert!(old.superseded_at.is_some());
        let current = thresholds::current_agreed(&mut conn)
            .expect("read")
            .expect("an agreed version");
        assert_eq!(current.id, second);
        assert_eq!(current.title, "Levels of need B");

        // Each step is evented and audited.
        assert_eq!(
            events_of_kind(&mut conn, "threshold.draft_created").len(),
            2
        );
        assert_eq!(events_of_kind(&mut conn, "threshold.agreed").len(), 2);
        let superseded = events_of_kind(&mut conn, "threshold.superseded");
        assert_eq!(superseded.len(), 1);
        assert_eq!(superseded[0].entity_id, first);
        let agree_rows = audit_rows_for(&mut conn, "threshold.agree");
        assert_eq!(agree_rows.len(), 2);
        assert_eq!(
            agree_rows[1].detail_json()["superseded"][0].as_str(),
            Some(first.as_str())
        );
        let updates = audit_rows_for(&mut conn, "threshold.update_draft");
        assert_eq!(updates.len(), 2);
        let fields = changed_fields(&updates[1]);
        assert_eq!(fields, ["level_2", "title"], "only what changed is listed");
        assert_chain_intact(&mut conn);
    }
);

both_backends!(an_agreed_version_cannot_be_changed, |db: TestDb| {
    let mut conn = db.conn();
    let manager = staff(&mut conn, "service.manager", Role::ServiceManager);
    let id = agreed_version(&mut conn, &manager.actor, "A", 1);
    let before = get(&mut conn, &manager.actor, &id);

    let mut edit = before.to_draft();
    edit.title = "Quietly changed".into();
    assert_conflict(
        thresholds::update_draft(&mut conn, &manager.actor, &id, &edit, before.version),
        "cannot be changed",
    );
    assert_conflict(
        thresholds::agree(
            &mut conn,
            &manager.actor,
            &id,
            before.version,
            &agreement(0),
        ),
        "cannot be changed",
    );
    assert_eq!(get(&mut conn, &manager.actor, &id), before);
    assert!(audit_rows_for(&mut conn, "threshold.update_draft").len() == 1);
});

both_backends!(a_stale_version_is_refused, |db: TestDb| {
    let mut conn = db.conn();
    let admin = staff(&mut conn, "admin.stale", Role::Administrator);
    let id = thresholds::create_first_draft(&mut conn, &admin.actor).expect("draft");
    thresholds::update_draft(&mut conn, &admin.actor, &id, &complete("first"), 1)
        .expect("first save");
    // A second person saves over the version they opened, which is no longer current.
    assert_conflict(
        thresholds::update_draft(&mut conn, &admin.actor, &id, &complete("second"), 1),
        "Someone else saved this draft",
    );
    assert_conflict(
        thresholds::agree(&mut conn, &admin.actor, &id, 1, &agreement(0)),
        "Someone else saved this draft",
    );
    let doc = get(&mut conn, &admin.actor, &id);
    assert_eq!(doc.title, "Levels of need first");
    assert_eq!(doc.status, ThresholdStatus::Draft);
    assert!(
        thresholds::current_agreed(&mut conn)
            .expect("read")
            .is_none()
    );
});

both_backends!(
    problems_are_field_errors_and_change_nothing,
    |db: TestDb| {
        let mut conn = db.conn();
        let admin = staff(&mut conn, "admin.invalid", Role::Administrator);
        let id = thresholds::create_first_draft(&mut conn, &admin.actor).expect("draft");

        let mut no_levels = complete("x");
        no_levels.levels.clear();
        let errors = invalid_fields(thresholds::update_draft(
            &mut conn,
            &admin.actor,
            &id,
            &no_levels,
            1,
        ));
        assert_eq!(
            errors,
            [(
                "levels".to_string(),
                "A threshold document needs at least 2 levels".to_string()
            )]
        );

        let mut empty = complete("x");
        empty.levels[2].child_development = " \n ".into();
        empty.levels[2].parenting_capacity = String::new();
        empty.levels[2].family_environment = String::new();
        let errors = invalid_fields(thresholds::update_draft(
            &mut conn,
            &admin.actor,
            &id,
            &empty,
            1,
        ));
        assert_eq!(
            errors,
            [(
                "level-3-child_development".to_string(),
                "Enter at least one indicator for level 3".to_string()
            )]
        );

        // The first draft has no indicators yet, so it cannot be agreed.
        let errors = invalid_fields(thresholds::agree(
            &mut conn,
            &admin.actor,
            &id,
            1,
            &agreement(0),
        ));
        assert_eq!(errors[0].0, "draft");
        assert!(
            errors[0]
                .1
                .contains("Enter at least one indicator for level 1")
        );

        thresholds::update_draft(&mut conn, &admin.actor, &id, &complete("x"), 1).expect("save");
        let mut future = agreement(-1);
        future.signatories = "  \n".into();
        let errors = invalid_fields(thresholds::agree(&mut conn, &admin.actor, &id, 2, &future));
        assert_eq!(
            errors,
            [
                (
                    "agreed_on".to_string(),
                    "Date agreed must be today or in the past".to_string()
                ),
                (
                    "signatories".to_string(),
                    "Enter at least one agency that signed this version".to_string()
                ),
            ]
        );
        let doc = get(&mut conn, &admin.actor, &id);
        assert_eq!(doc.status, ThresholdStatus::Draft);
        assert_eq!(doc.version, 2);
        assert!(audit_rows_for(&mut conn, "threshold.agree").is_empty());
    }
);

both_backends!(
    a_social_worker_cannot_manage_thresholds_and_it_is_audited,
    |db: TestDb| {
        let mut conn = db.conn();
        let admin = staff(&mut conn, "admin.owner", Role::Administrator);
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let id = agreed_version(&mut conn, &admin.actor, "A", 0);
        let before = audit_rows_for(&mut conn, "access.denied").len();

        let denied = |r: Result<(), ServiceError>| match r {
            Err(ServiceError::Denied { action, .. }) => {
                assert_eq!(action, Action::ManageThresholds)
            }
            other => panic!("expected a denial, got {other:?}"),
        };
        denied(thresholds::create_first_draft(&mut conn, &sw.actor).map(|_| ()));
        denied(thresholds::create_draft_from(&mut conn, &sw.actor, &id).map(|_| ()));
        denied(thresholds::update_draft(
            &mut conn,
            &sw.actor,
            &id,
            &complete("B"),
            2,
        ));
        denied(thresholds::agree(
            &mut conn,
            &sw.actor,
            &id,
            3,
            &agreement(0),
        ));
        denied(thresholds::list_versions(&mut conn, &sw.actor).map(|_| ()));
        denied(thresholds::get(&mut conn, &sw.actor, &id).map(|_| ()));

        let rows: Vec<_> = audit_rows_for(&mut conn, "access.denied")
            .into_iter()
            .skip(before)
            .collect();
        assert_eq!(rows.len(), 6, "every refusal is recorded");
        for row in &rows {
            assert_eq!(row.outcome, "denied");
            assert_eq!(row.actor_user_id.as_deref(), Some(sw.user_id.as_str()));
            assert_eq!(row.detail_json()["attempted"], "ManageThresholds");
        }
        assert_eq!(
            thresholds::list_versions(&mut conn, &admin.actor)
                .expect("list")
                .len(),
            1,
            "nothing was created"
        );
        // The agreed document itself is public: anyone may read it.
        assert_eq!(
            thresholds::current_agreed(&mut conn)
                .expect("read")
                .map(|d| d.id),
            Some(id)
        );
    }
);

both_backends!(
    current_agreed_is_the_newest_agreed_version_with_its_ids,
    |db: TestDb| {
        let mut conn = db.conn();
        let admin = staff(&mut conn, "admin.current", Role::Administrator);
        let one = agreed_version(&mut conn, &admin.actor, "one", 20);
        let two = agreed_version(&mut conn, &admin.actor, "two", 2);
        let draft = thresholds::create_draft_from(&mut conn, &admin.actor, &two).expect("draft");

        let current = thresholds::current_agreed(&mut conn)
            .expect("read")
            .expect("agreed");
        assert_eq!(current.id, two);
        assert_eq!(current.version_number, 2);
        assert_eq!(current.status, ThresholdStatus::Agreed);

        // What screening needs: level and indicator ids, names and fitting outcomes.
        let top = &current.levels[3];
        assert_eq!(top.number, 4);
        assert!(top.fits(ScreeningOutcome::StrategyDiscussion));
        assert!(!top.fits(ScreeningOutcome::NoFurtherAction));
        let indicator = top.indicators.first().expect("an indicator");
        let (level, found) = current.indicator(&indicator.id).expect("found by id");
        assert_eq!(level.id, top.id);
        assert_eq!(found.text, "Significant harm (child)");
        assert_eq!(
            current.level(&top.id).map(|l| l.name.as_str()),
            Some(top.name.as_str())
        );

        // The public history: agreed and superseded versions, never drafts.
        let published = thresholds::published_versions(&mut conn).expect("list");
        let numbers: Vec<i32> = published.iter().map(|v| v.version_number).collect();
        assert_eq!(numbers, [2, 1]);
        assert_eq!(
            thresholds::published(&mut conn, &one)
                .expect("old version")
                .status,
            ThresholdStatus::Superseded
        );
        assert!(matches!(
            thresholds::published(&mut conn, &draft),
            Err(ServiceError::NotFound(_))
        ));
        assert!(matches!(
            thresholds::published(&mut conn, "not-an-id"),
            Err(ServiceError::NotFound(_))
        ));
    }
);

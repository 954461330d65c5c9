//! Every read of a child's record is audited; a refused read is audited too.

use cairn_core::audit_view;
use cairn_core::people;
use cairn_core::{Channel, ServiceError};
use cairn_db::audit::AuditFilter;
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::policy::Action;
use cairn_domain::roles::Role;

use crate::support::*;

both_backends!(
    viewing_a_person_is_audited_with_who_and_why,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let inspector = staff(&mut conn, "ofsted.visitor", Role::Inspector);
        let id = create_child(&mut conn, &sw.actor, &amelia());

        let record = people::view(&mut conn, &inspector.actor, &id, "inspection sample").unwrap();
        assert_eq!(record.person.id, id);
        assert_eq!(record.person.display_name(), "Amelia Hughes");
        assert_eq!(record.person.version, 1);
        assert_eq!(record.version_count, 1);
        assert!(record.person.entered_in_error.is_none());
        assert_eq!(
            record
                .person
                .details
                .nhs_number
                .as_ref()
                .map(|n| n.as_str()),
            Some("9434765919")
        );

        let views = audit_rows_for(&mut conn, "person.view");
        assert_eq!(views.len(), 1);
        let v = &views[0];
        assert_eq!(v.outcome, "ok");
        assert_eq!(v.person_id.as_deref(), Some(id.as_str()));
        assert_eq!(v.entity_id.as_deref(), Some(id.as_str()));
        assert_eq!(v.actor_user_id.as_deref(), Some(inspector.user_id.as_str()));
        assert_eq!(v.actor_label, inspector.username);
        assert_eq!(inspector.username, "ofsted.visitor");
        assert_eq!(v.session_id.as_deref(), Some(inspector.session_id.as_str()));
        assert_eq!(v.detail_json()["purpose"], "inspection sample");

        // The history page is a view of the record as well.
        let (_, versions) = people::versions(&mut conn, &sw.actor, &id).unwrap();
        assert_eq!(versions.len(), 1);
        let views = audit_rows_for(&mut conn, "person.view");
        assert_eq!(views.len(), 2);
        assert_eq!(views[1].detail_json()["purpose"], "history");
        assert_eq!(views[1].actor_user_id.as_deref(), Some(sw.user_id.as_str()));
    }
);

both_backends!(
    a_refused_view_is_audited_though_its_transaction_rolled_back,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let id = create_child(&mut conn, &sw.actor, &amelia());
        // An API caller whose token carries no scopes at all.
        let no_scopes = cairn_core::Actor {
            channel: Channel::Api,
            scopes: vec![],
            session_id: Some("token:test".into()),
            ..sw.actor.clone()
        };
        assert!(!no_scopes.may(Action::ViewPerson));
        let before = audit_count(&mut conn);

        let result = people::view(&mut conn, &no_scopes, &id, "curiosity");
        match result {
            Err(ServiceError::Denied {
                action,
                person_id,
                entity_type,
                ..
            }) => {
                assert_eq!(action, Action::ViewPerson);
                assert_eq!(person_id.as_deref(), Some(id.as_str()));
                assert_eq!(entity_type.as_deref(), Some("person"));
            }
            other => panic!("expected a denial, got {other:?}"),
        }

        assert_eq!(audit_count(&mut conn), before + 1, "exactly the denial");
        assert!(audit_rows_for(&mut conn, "person.view").is_empty());
        let denied = audit_rows_for(&mut conn, "access.denied");
        assert_eq!(denied.len(), 1);
        let d = &denied[0];
        assert_eq!(d.outcome, "denied");
        assert_eq!(d.person_id.as_deref(), Some(id.as_str()));
        assert_eq!(d.actor_user_id.as_deref(), Some(sw.user_id.as_str()));
        assert_eq!(d.session_id.as_deref(), Some("token:test"));
        assert_eq!(d.detail_json()["attempted"], "ViewPerson");
        assert_eq!(d.detail_json()["role"], "social_worker");

        // Searching is refused and audited in the same way.
        let search = people::search(
            &mut conn,
            &no_scopes,
            &cairn_core::search::SearchCriteria {
                name: "Hughes".into(),
                ..Default::default()
            },
        );
        assert!(
            matches!(search, Err(ServiceError::Denied { .. })),
            "{search:?}"
        );
        assert_eq!(audit_rows_for(&mut conn, "access.denied").len(), 2);
        assert!(audit_rows_for(&mut conn, "person.search").is_empty());
        assert_chain_intact(&mut conn);
    }
);

both_backends!(
    viewing_someone_who_does_not_exist_records_no_view,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let missing = cairn_domain::ids::PersonId::new().to_string();
        let result = people::view(&mut conn, &sw.actor, &missing, "x");
        assert!(
            matches!(result, Err(ServiceError::NotFound(_))),
            "{result:?}"
        );
        let nonsense = people::view(&mut conn, &sw.actor, "not-an-id' OR 1=1 --", "x");
        assert!(
            matches!(nonsense, Err(ServiceError::NotFound(_))),
            "{nonsense:?}"
        );
        assert!(audit_rows_for(&mut conn, "person.view").is_empty());
    }
);

both_backends!(
    auditors_see_who_viewed_a_person_and_that_is_audited_too,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let auditor = staff(&mut conn, "case.auditor", Role::Auditor);
        let id = create_child(&mut conn, &sw.actor, &amelia());
        let other = create_child(
            &mut conn,
            &sw.actor,
            &draft("Oliver", "Hughes", (1, 2, 2016)),
        );
        people::view(&mut conn, &sw.actor, &id, "visit").unwrap();
        people::view(&mut conn, &sw.actor, &other, "visit").unwrap();

        let filter = AuditFilter {
            person_id: Some(id.clone()),
            limit: 100,
            ..AuditFilter::default()
        };
        let rows = audit_view::list(&mut conn, &auditor.actor, &filter).unwrap();
        let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, ["person.view", "person.create"], "newest first");
        assert!(
            rows.iter()
                .all(|r| r.person_id.as_deref() == Some(id.as_str()))
        );
        let looked = audit_rows_for(&mut conn, "audit.view");
        assert_eq!(looked.len(), 1);
        assert_eq!(looked[0].person_id.as_deref(), Some(id.as_str()));
        assert_eq!(looked[0].detail_json()["results"], 2);

        // A social worker may not read the audit log; the attempt is itself recorded.
        let refused = audit_view::list(&mut conn, &sw.actor, &filter);
        assert!(
            matches!(refused, Err(ServiceError::Denied { .. })),
            "{refused:?}"
        );
        let denied = audit_rows_for(&mut conn, "access.denied");
        assert_eq!(denied.len(), 1);
        assert_eq!(denied[0].detail_json()["attempted"], "ViewAuditLog");
    }
);

//! Recording a person: local id, first version, event and audit row, all or nothing.

use cairn_core::people::{self, PersonKind};
use cairn_db::both_backends;
use cairn_db::schema::{addresses, id_sequences, people as people_t};
use cairn_db::testing::TestDb;
use cairn_domain::roles::Role;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::support::*;

both_backends!(
    create_writes_person_version_event_and_audit,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let audit_before = audit_count(&mut conn);

        let id = create_child(&mut conn, &sw.actor, &amelia());

        let row = cairn_db::people::find(&mut conn, &id)
            .unwrap()
            .expect("stored");
        assert!(
            !row.local_id.is_empty() && row.local_id.len() <= 20,
            "{}",
            row.local_id
        );
        assert!(
            row.local_id.chars().all(|c| c.is_ascii_alphanumeric()),
            "{}",
            row.local_id
        );
        assert!(row.local_id.starts_with(LOCAL_ID_PREFIX));
        assert!(
            cairn_domain::identifiers::LaChildId::parse(&row.local_id)
                .unwrap()
                .has_valid_check_character()
        );
        assert_eq!(row.version, 1);
        assert_eq!(row.kind, "child");
        assert_eq!(row.family_name, "Hughes");
        assert_eq!(row.nhs_number.as_deref(), Some("9434765919"));
        assert_eq!(row.created_by, sw.user_id);
        assert_eq!(row.updated_by, sw.user_id);

        let versions = versions_of(&mut conn, &id);
        assert_eq!(versions.len(), 1);
        assert_eq!(versions[0].version, 1);
        assert_eq!(versions[0].changed_by, sw.user_id);
        let snap: serde_json::Value = serde_json::from_str(&versions[0].snapshot).unwrap();
        assert_eq!(snap["family_name"], "Hughes");
        assert_eq!(snap["date_of_birth"], "2019-03-05");

        let recorded = events_of_kind(&mut conn, "person.recorded");
        assert_eq!(recorded.len(), 1);
        assert_eq!(recorded[0].person_id.as_deref(), Some(id.as_str()));
        assert_eq!(recorded[0].entity_id, id);
        assert_eq!(recorded[0].actor_user_id, sw.user_id);
        let data: serde_json::Value = serde_json::from_str(&recorded[0].data).unwrap();
        assert_eq!(data["local_id"], row.local_id.as_str());

        let creates = audit_rows_for(&mut conn, "person.create");
        assert_eq!(creates.len(), 1);
        let audit = &creates[0];
        assert_eq!(audit.outcome, "ok");
        assert_eq!(audit.person_id.as_deref(), Some(id.as_str()));
        assert_eq!(audit.entity_type.as_deref(), Some("person"));
        assert_eq!(audit.actor_user_id.as_deref(), Some(sw.user_id.as_str()));
        assert_eq!(audit.session_id.as_deref(), Some(sw.session_id.as_str()));
        let fields = changed_fields(audit);
        for f in ["family_name", "given_names", "date_of_birth", "nhs_number"] {
            assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
        }
        let family = audit.detail_json()["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["field"] == "family_name")
            .cloned()
            .unwrap();
        assert_eq!(family["before"], serde_json::Value::Null);
        assert_eq!(family["after"], "Hughes");
        // Confirmed as new: no duplicate search, so exactly one audit row for the create.
        assert_eq!(audit_count(&mut conn), audit_before + 1);
    }
);

both_backends!(each_person_gets_a_distinct_local_id, |db: TestDb| {
    let mut conn = db.conn();
    let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
    let a = create_child(&mut conn, &sw.actor, &amelia());
    let b = create_child(
        &mut conn,
        &sw.actor,
        &draft("Oliver", "Hughes", (1, 2, 2016)),
    );
    let c = create_adult(
        &mut conn,
        &sw.actor,
        &draft("Sarah", "Hughes", (9, 9, 1990)),
    );
    let ids: Vec<String> = people_t::table
        .filter(people_t::id.eq_any([&a, &b, &c]))
        .select(people_t::local_id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(ids.len(), 3);
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 3, "{ids:?}");
    let adult = cairn_db::people::find(&mut conn, &c).unwrap().unwrap();
    assert_eq!(adult.kind, "adult");
});

both_backends!(a_failing_step_leaves_nothing_behind, |db: TestDb| {
    let mut conn = db.conn();
    let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
    create_child(
        &mut conn,
        &sw.actor,
        &draft("Oliver", "Hughes", (1, 2, 2016)),
    );
    let people_before = people_count(&mut conn);
    let versions_before = version_count(&mut conn);
    let events_before = event_count(&mut conn);
    let audit_before = audit_count(&mut conn);
    let seq_before: i64 = id_sequences::table
        .find("person_local_id")
        .select(id_sequences::next_value)
        .first(&mut conn)
        .unwrap();

    // The address is the last thing a create writes: take its table away so that step fails
    // after the person, version, event and audit row have been written inside the transaction.
    conn.batch_execute("ALTER TABLE addresses RENAME TO addresses_gone")
        .unwrap();
    let mut new = new_person(PersonKind::Child, &amelia());
    new.address = Some(address("1 High Street", "SO23 8UJ"));
    let result = people::create(&mut conn, &sw.actor, &new, true, LOCAL_ID_PREFIX);
    assert!(
        matches!(result, Err(cairn_core::ServiceError::Db(_))),
        "{result:?}"
    );
    conn.batch_execute("ALTER TABLE addresses_gone RENAME TO addresses")
        .unwrap();

    assert_eq!(people_count(&mut conn), people_before);
    assert_eq!(version_count(&mut conn), versions_before);
    assert_eq!(event_count(&mut conn), events_before);
    assert_eq!(audit_count(&mut conn), audit_before);
    let seq_after: i64 = id_sequences::table
        .find("person_local_id")
        .select(id_sequences::next_value)
        .first(&mut conn)
        .unwrap();
    assert_eq!(
        seq_after, seq_before,
        "the local id reservation rolled back"
    );
    assert_chain_intact(&mut conn);

    // And the same create works once the table is back, chaining on from the last good row.
    let id = people::create(&mut conn, &sw.actor, &new, true, LOCAL_ID_PREFIX).unwrap();
    assert_eq!(people_count(&mut conn), people_before + 1);
    assert_eq!(
        cairn_db::people::addresses_of(&mut conn, &id)
            .unwrap()
            .len(),
        1
    );
    assert_chain_intact(&mut conn);
});

both_backends!(
    create_with_an_address_records_it_in_the_same_change,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let mut new = new_person(PersonKind::Child, &amelia());
        new.address = Some(address("1 High Street", "so238uj"));
        let id = people::create(&mut conn, &sw.actor, &new, true, LOCAL_ID_PREFIX).unwrap();

        let stored: Vec<(Option<String>, Option<String>, Option<chrono::NaiveDate>)> =
            addresses::table
                .filter(addresses::person_id.eq(&id))
                .select((
                    addresses::postcode,
                    addresses::postcode_search,
                    addresses::to_date,
                ))
                .load(&mut conn)
                .unwrap();
        assert_eq!(
            stored,
            vec![(Some("SO23 8UJ".into()), Some("SO238UJ".into()), None)]
        );
        let adds = audit_rows_for(&mut conn, "person.address_add");
        assert_eq!(adds.len(), 1);
        assert_eq!(adds[0].person_id.as_deref(), Some(id.as_str()));
        assert_eq!(events_of_kind(&mut conn, "person.address_changed").len(), 1);

        // A second address ends the first rather than overwriting it.
        cairn_core::addresses::add(
            &mut conn,
            &sw.actor,
            &id,
            &address("2 Low Road", "SO22 5DX"),
        )
        .unwrap();
        let all = cairn_db::people::addresses_of(&mut conn, &id).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all.iter().filter(|a| a.to_date.is_none()).count(), 1);
        assert_eq!(
            all[0].line1, "2 Low Road",
            "the current address is listed first"
        );
    }
);

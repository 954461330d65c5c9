use cairn_db::audit::{self, AuditFilter, NewAuditEntry, Outcome};
use cairn_db::testing::TestDb;
use cairn_db::{DbConn, both_backends};
use diesel::connection::SimpleConnection;

fn entry(action: &str, person: Option<&str>) -> NewAuditEntry {
    NewAuditEntry {
        actor_user_id: Some("u1".into()),
        actor_label: "asmith".into(),
        session_id: Some("s1".into()),
        request_id: Some("r1".into()),
        action: action.into(),
        outcome: Outcome::Ok,
        entity_type: Some("person".into()),
        entity_id: person.map(str::to_string),
        person_id: person.map(str::to_string),
        detail: serde_json::json!({"changes": [{"field": "family_name", "before": "Smith", "after": "Smyth"}]}),
    }
}

fn append_n(conn: &mut DbConn, n: usize) {
    for i in 0..n {
        conn.write(|c| audit::append(c, &entry(&format!("person.view.{i}"), Some("p1"))))
            .expect("append");
    }
}

both_backends!(a_fresh_chain_verifies, |db: TestDb| {
    let mut conn = db.conn();
    append_n(&mut conn, 25);
    let report = audit::verify(&mut conn, |_| {}).expect("verify");
    assert_eq!(report.rows_checked, 25);
    assert_eq!(report.last_seq, 25);
    assert_eq!(report.first_broken, None);
});

both_backends!(the_database_refuses_updates_and_deletes, |db: TestDb| {
    let mut conn = db.conn();
    append_n(&mut conn, 3);
    let update = conn.batch_execute("UPDATE audit_log SET action = 'x' WHERE seq = 2");
    assert!(update.is_err(), "UPDATE must be refused");
    let delete = conn.batch_execute("DELETE FROM audit_log WHERE seq = 2");
    assert!(delete.is_err(), "DELETE must be refused");
    assert_eq!(audit::count(&mut conn).expect("count"), 3);
});

both_backends!(verification_reports_the_first_broken_link, |db: TestDb| {
    let mut conn = db.conn();
    append_n(&mut conn, 10);
    // Tamper as an attacker with database rights would: drop the guard, edit row 4, restore it.
    let tamper = match db.backend {
        cairn_db::Backend::Sqlite => {
            "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor_label = 'someone-else' WHERE seq = 4;"
        }
        cairn_db::Backend::Postgres => {
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update; \
             UPDATE audit_log SET actor_label = 'someone-else' WHERE seq = 4;"
        }
    };
    conn.batch_execute(tamper).expect("tamper");
    let report = audit::verify(&mut conn, |_| {}).expect("verify");
    let broken = report.first_broken.expect("the change is detected");
    assert_eq!(broken.seq, 4);
    assert_eq!(report.rows_checked, 3);
});

both_backends!(concurrent_appends_keep_one_unbroken_chain, |db: TestDb| {
    let pool = db.pool();
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let pool = pool.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let mut conn = pool.get().expect("connection");
                    conn.write(|c| audit::append(c, &entry(&format!("t{t}.{i}"), None)))
                        .expect("append");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    let mut conn = pool.get().expect("connection");
    let report = audit::verify(&mut conn, |_| {}).expect("verify");
    assert_eq!(report.rows_checked, 100);
    assert_eq!(report.first_broken, None);
});

both_backends!(rows_roll_back_with_their_transaction, |db: TestDb| {
    let mut conn = db.conn();
    let result: Result<(), cairn_db::DbError> = conn.write(|c| {
        audit::append(c, &entry("person.update", Some("p1")))?;
        Err(cairn_db::DbError::Corrupt("the change failed".into()))
    });
    assert!(result.is_err());
    assert_eq!(audit::count(&mut conn).expect("count"), 0);
    append_n(&mut conn, 1);
    assert_eq!(
        audit::verify(&mut conn, |_| {})
            .expect("verify")
            .first_broken,
        None
    );
});

both_backends!(the_person_filter_finds_only_that_person, |db: TestDb| {
    let mut conn = db.conn();
    conn.write(|c| {
        audit::append(c, &entry("person.view", Some("p1")))?;
        audit::append(c, &entry("person.view", Some("p2")))?;
        audit::append(c, &entry("person.update", Some("p1")))
    })
    .expect("append");
    let rows = audit::list(
        &mut conn,
        &AuditFilter {
            person_id: Some("p1".into()),
            limit: 50,
            ..AuditFilter::default()
        },
    )
    .expect("list");
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.person_id.as_deref() == Some("p1")));
    assert_eq!(rows[0].action, "person.update", "newest first");
    let changes = audit::list(
        &mut conn,
        &AuditFilter {
            person_id: Some("p1".into()),
            action_prefix: Some("person.update".into()),
            limit: 50,
            ..AuditFilter::default()
        },
    )
    .expect("list");
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].detail_json()["changes"][0]["after"], "Smyth");
});

both_backends!(
    an_action_filter_with_an_underscore_matches_literally,
    |db: TestDb| {
        let mut conn = db.conn();
        conn.write(|c| {
            audit::append(c, &entry("api_token.create", None))?;
            audit::append(c, &entry("apiXtoken.create", None))
        })
        .expect("append");
        let rows = audit::list(
            &mut conn,
            &AuditFilter {
                action_prefix: Some("api_token.".into()),
                limit: 50,
                ..AuditFilter::default()
            },
        )
        .expect("list");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].action, "api_token.create");
    }
);

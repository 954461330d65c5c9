//! The demo generator on both databases: everything it writes is what the application itself
//! would accept and read back, and a seed always gives the same data.

use std::collections::{HashMap, HashSet};

use cairn_core::people::{Person, PersonKind, snapshot};
use cairn_db::people::{AddressRow, PersonNameRow, PersonRow, RelationshipRow};
use cairn_db::schema::{
    addresses, audit_log, id_sequences, people, person_disabilities, person_names, person_versions,
    relationships, users,
};
use cairn_db::testing::TestDb;
use cairn_db::users::UserRow;
use cairn_db::{DbConn, audit, both_backends};
use cairn_demo::{DEMO_USERNAMES, DemoError, DemoOptions, DemoSummary, Progress};
use cairn_domain::identifiers::{LaChildId, NhsNumber, Postcode, Upn};
use cairn_domain::roles::Role;
use diesel::prelude::*;

const PASSWORD: &str = "demo-password-for-tests";

fn options(children: u64, seed: u64) -> DemoOptions {
    DemoOptions {
        children,
        seed,
        password: PASSWORD.to_string(),
        local_id_prefix: "DC".to_string(),
    }
}

fn generate(conn: &mut DbConn, children: u64, seed: u64) -> DemoSummary {
    cairn_demo::generate(conn, &options(children, seed), &mut |_| {}).expect("generate")
}

/// Everything generated, in a stable order, for comparing two databases.
#[derive(Debug, PartialEq)]
struct Dump {
    people: Vec<PersonRow>,
    names: Vec<PersonNameRow>,
    disabilities: Vec<(String, String)>,
    versions: Vec<(String, String, i32, String)>,
    addresses: Vec<AddressRow>,
    relationships: Vec<RelationshipRow>,
}

fn dump(conn: &mut DbConn) -> Dump {
    Dump {
        people: people::table
            .order(people::id)
            .select(PersonRow::as_select())
            .load(conn)
            .expect("people"),
        names: person_names::table
            .order(person_names::id)
            .select(PersonNameRow::as_select())
            .load(conn)
            .expect("names"),
        disabilities: person_disabilities::table
            .order((person_disabilities::person_id, person_disabilities::code))
            .select((person_disabilities::person_id, person_disabilities::code))
            .load(conn)
            .expect("disabilities"),
        versions: person_versions::table
            .order(person_versions::id)
            .select((
                person_versions::id,
                person_versions::person_id,
                person_versions::version,
                person_versions::snapshot,
            ))
            .load(conn)
            .expect("versions"),
        addresses: addresses::table
            .order(addresses::id)
            .select(AddressRow::as_select())
            .load(conn)
            .expect("addresses"),
        relationships: relationships::table
            .order(relationships::id)
            .select(RelationshipRow::as_select())
            .load(conn)
            .expect("relationships"),
    }
}

both_backends!(a_small_authority_is_complete_and_valid, |db: TestDb| {
    let mut conn = db.conn();
    assert!(cairn_demo::is_empty(&mut conn).expect("is_empty"));
    let mut stages: Vec<Progress> = Vec::new();
    let summary = cairn_demo::generate(&mut conn, &options(200, 2009), &mut |p| stages.push(p))
        .expect("generate");
    assert!(!cairn_demo::is_empty(&mut conn).expect("is_empty"));

    // Progress runs through its stages in order and ends complete.
    let order: Vec<&str> = stages.iter().map(|p| p.stage).collect();
    let first = |s: &str| order.iter().position(|x| *x == s).expect("stage reported");
    assert!(first("organisation") < first("people"));
    assert!(first("people") < first("finishing"));
    assert!(stages.contains(&Progress {
        stage: "people",
        done: 200,
        total: 200
    }));
    assert_eq!(
        stages.last(),
        Some(&Progress {
            stage: "finishing",
            done: 1,
            total: 1
        })
    );

    // Staff: every role, and the documented log-in for each, ready to sign in.
    let all_users: Vec<UserRow> = users::table
        .select(UserRow::as_select())
        .load(&mut conn)
        .expect("users");
    assert_eq!(all_users.len(), summary.users);
    for role in Role::ALL {
        assert!(
            all_users.iter().any(|u| u.role == role.code()),
            "no {role:?}"
        );
    }
    assert_eq!(summary.logins.len(), DEMO_USERNAMES.len());
    let today = chrono::Utc::now().date_naive();
    for (role, username) in DEMO_USERNAMES {
        let user = all_users
            .iter()
            .find(|u| u.username == *username)
            .unwrap_or_else(|| panic!("no demo log-in {username}"));
        assert_eq!(user.role, role.code());
        assert!(user.active && !user.must_change_password);
        let login = summary
            .logins
            .iter()
            .find(|l| l.username == *username)
            .expect("login in summary");
        assert_eq!(login.role_label, role.label());
        assert_eq!(login.display_name, user.display_name);
    }
    let admin = all_users
        .iter()
        .find(|u| u.username == "admin")
        .expect("admin");
    assert!(cairn_core::passwords::verify(
        PASSWORD,
        &admin.password_hash
    ));
    // One hash is shared by everybody: hashing per user would take minutes at scale.
    assert!(
        all_users
            .iter()
            .all(|u| u.password_hash == admin.password_hash)
    );
    let inspector = all_users
        .iter()
        .find(|u| u.username == "inspector")
        .expect("inspector");
    assert!(inspector.access_expires_on.is_some_and(|d| d > today));

    // People: counts, identifiers, and every record readable by the application.
    let d = dump(&mut conn);
    let children: Vec<&PersonRow> = d.people.iter().filter(|p| p.kind == "child").collect();
    assert_eq!(children.len(), 200);
    assert_eq!(summary.children, 200);
    assert_eq!(summary.adults as usize, d.people.len() - 200);
    assert_eq!(summary.addresses as usize, d.addresses.len());
    assert_eq!(summary.relationships as usize, d.relationships.len());

    let mut nhs_seen = HashSet::new();
    let mut upn_seen = HashSet::new();
    let mut local_seen = HashSet::new();
    for p in &d.people {
        if let Some(n) = &p.nhs_number {
            let parsed = NhsNumber::parse(n).unwrap_or_else(|e| panic!("NHS number {n}: {e}"));
            assert_eq!(parsed.as_str(), n);
            assert!(nhs_seen.insert(n.clone()), "duplicate NHS number {n}");
        }
        if let Some(u) = &p.upn {
            let parsed = Upn::parse(u).unwrap_or_else(|e| panic!("UPN {u}: {e}"));
            assert_eq!(parsed.as_str(), u);
            assert!(upn_seen.insert(u.clone()), "duplicate UPN {u}");
        }
        let local = LaChildId::parse(&p.local_id).expect("local id");
        assert!(local.has_valid_check_character(), "{}", p.local_id);
        assert!(p.local_id.starts_with("DC"));
        assert!(local_seen.insert(p.local_id.clone()));
        if p.date_of_birth.is_none() {
            // Unborn: expected soon, sex unknown, no identifiers yet.
            assert_eq!(p.kind, "child");
            assert_eq!(p.sex, "U");
            assert!(p.expected_date_of_birth.is_some());
            assert!(p.nhs_number.is_none() && p.upn.is_none());
        }
        if let Some(died) = p.date_of_death {
            assert_eq!(p.kind, "adult");
            assert!(p.date_of_birth.is_some_and(|b| b < died));
        }
    }
    assert!(!nhs_seen.is_empty() && !upn_seen.is_empty());

    // Each person has one version whose snapshot is what the application would store.
    let names_of: HashMap<&str, Vec<PersonNameRow>> =
        d.names.iter().fold(HashMap::new(), |mut m, n| {
            m.entry(n.person_id.as_str()).or_default().push(n.clone());
            m
        });
    let disabilities_of: HashMap<&str, Vec<String>> =
        d.disabilities
            .iter()
            .fold(HashMap::new(), |mut m, (person, code)| {
                m.entry(person.as_str()).or_default().push(code.clone());
                m
            });
    let versions_of: HashMap<&str, Vec<&(String, String, i32, String)>> =
        d.versions.iter().fold(HashMap::new(), |mut m, v| {
            m.entry(v.1.as_str()).or_default().push(v);
            m
        });
    for p in &d.people {
        let person = Person::from_rows(
            p,
            names_of.get(p.id.as_str()).map_or(&[][..], Vec::as_slice),
            disabilities_of
                .get(p.id.as_str())
                .map_or(&[][..], Vec::as_slice),
        )
        .unwrap_or_else(|e| panic!("{} cannot be read back: {e}", p.id));
        let versions = versions_of.get(p.id.as_str()).expect("a version");
        assert_eq!(versions.len(), 1);
        assert_eq!(versions[0].2, 1);
        let stored: serde_json::Value =
            serde_json::from_str(&versions[0].3).expect("snapshot is JSON");
        let kind = PersonKind::from_code(&p.kind).expect("kind");
        assert_eq!(stored, snapshot(kind, &person.details), "{}", p.id);
    }

    // Relationships join real people the right way round.
    let by_id: HashMap<&str, &PersonRow> = d.people.iter().map(|p| (p.id.as_str(), p)).collect();
    let mut mothers = 0;
    for r in &d.relationships {
        let a = by_id.get(r.person_a.as_str()).expect("person_a exists");
        let b = by_id.get(r.person_b.as_str()).expect("person_b exists");
        assert_ne!(a.id, b.id);
        assert!(
            cairn_domain::relationships::RelationshipKind::from_code(&r.kind).is_some(),
            "{}",
            r.kind
        );
        match r.kind.as_str() {
            "mother" => {
                mothers += 1;
                assert_eq!(a.kind, "adult");
                assert_eq!(a.sex, "F");
                assert_eq!(b.kind, "child");
                // At least 16 at the birth.
                if let (Some(mum), Some(child)) = (a.date_of_birth, b.date_of_birth) {
                    assert!(
                        (child - mum).num_days() >= 16 * 365,
                        "{} and {}",
                        a.id,
                        b.id
                    );
                }
            }
            "father" | "step_parent" | "grandparent" => {
                assert_eq!(a.kind, "adult");
                assert_eq!(b.kind, "child");
            }
            "sibling" | "half_sibling" => {
                assert_eq!((a.kind.as_str(), b.kind.as_str()), ("child", "child"));
            }
            "partner" => assert_eq!((a.kind.as_str(), b.kind.as_str()), ("adult", "adult")),
            other => panic!("unexpected relationship {other}"),
        }
    }
    assert!(mothers > 100, "{mothers} mothers for 200 children");
    let mut pairs = HashSet::new();
    for r in &d.relationships {
        let key = if r.person_a < r.person_b {
            (&r.person_a, &r.person_b, &r.kind)
        } else {
            (&r.person_b, &r.person_a, &r.kind)
        };
        assert!(pairs.insert(key), "one row per pair: {r:?}");
    }

    // Everyone has a current address with a real postcode shape.
    let mut current: HashSet<&str> = HashSet::new();
    for a in &d.addresses {
        let pc = a.postcode.as_deref().expect("postcode");
        let parsed = Postcode::parse(pc).unwrap_or_else(|e| panic!("postcode {pc}: {e}"));
        assert_eq!(parsed.as_str(), pc);
        assert_eq!(
            a.postcode_search.as_deref(),
            Some(pc.replace(' ', "").as_str())
        );
        if a.to_date.is_none() {
            current.insert(a.person_id.as_str());
        }
        if let (Some(from), Some(to)) = (a.from_date, a.to_date) {
            assert!(from <= to);
        }
    }
    for p in &d.people {
        assert!(current.contains(p.id.as_str()), "{} has no address", p.id);
    }

    // The next person added by hand continues the LA child id sequence.
    let next: i64 = id_sequences::table
        .find("person_local_id")
        .select(id_sequences::next_value)
        .first(&mut conn)
        .expect("sequence");
    assert_eq!(next, d.people.len() as i64 + 1);

    // One audit row for the run, then only those of the workload snapshots and alerts taken
    // through the services after it; the chain is intact.
    let actions: Vec<String> = audit_log::table
        .select(audit_log::action)
        .order(audit_log::seq.asc())
        .load(&mut conn)
        .expect("audit");
    assert_eq!(actions.first().map(String::as_str), Some("demo.generate"));
    assert_eq!(actions.iter().filter(|a| *a == "demo.generate").count(), 1);
    assert!(actions[1..].iter().all(|a| matches!(
        a.as_str(),
        "workload_snapshot.take" | "workload_alert.raise" | "unallocated.escalate"
    )));
    let report = audit::verify(&mut conn, |_| {}).expect("verify");
    assert_eq!(report.first_broken, None);
    assert_eq!(report.rows_checked, actions.len() as u64);

    // A second run refuses to mix with existing data.
    assert!(matches!(
        cairn_demo::generate(&mut conn, &options(10, 1), &mut |_| {}),
        Err(DemoError::NotEmpty)
    ));
});

both_backends!(a_seed_always_gives_the_same_data, |db: TestDb| {
    let other = TestDb::new(db.backend);
    let different = TestDb::new(db.backend);
    let (mut a, mut b, mut c) = (db.conn(), other.conn(), different.conn());
    generate(&mut a, 200, 7);
    generate(&mut b, 200, 7);
    generate(&mut c, 200, 8);
    let (da, db_, dc) = (dump(&mut a), dump(&mut b), dump(&mut c));
    assert_eq!(da, db_);
    assert_ne!(da.people, dc.people);
    let ids_a: HashSet<&str> = da.people.iter().map(|p| p.id.as_str()).collect();
    assert!(dc.people.iter().all(|p| !ids_a.contains(p.id.as_str())));
});

both_backends!(the_indexes_are_all_back_afterwards, |db: TestDb| {
    let before = cairn_db::introspect::read_schema(&mut db.conn()).expect("describe");
    let mut conn = db.conn();
    generate(&mut conn, 50, 1);
    let after = cairn_db::introspect::read_schema(&mut conn).expect("describe");
    assert_eq!(before, after);
});

both_backends!(
    bad_options_are_refused_before_anything_is_written,
    |db: TestDb| {
        let mut conn = db.conn();
        let empty_password = DemoOptions {
            password: String::new(),
            ..options(10, 1)
        };
        assert!(matches!(
            cairn_demo::generate(&mut conn, &empty_password, &mut |_| {}),
            Err(DemoError::InvalidOptions(_))
        ));
        let bad_prefix = DemoOptions {
            local_id_prefix: "C-1".to_string(),
            ..options(10, 1)
        };
        assert!(matches!(
            cairn_demo::generate(&mut conn, &bad_prefix, &mut |_| {}),
            Err(DemoError::InvalidOptions(_))
        ));
        assert!(cairn_demo::is_empty(&mut conn).expect("is_empty"));
    }
);

/// The data does not depend on the database it is written to.
#[test]
fn sqlite_and_postgres_get_the_same_data() {
    let (lite, pg) = (TestDb::sqlite(), TestDb::postgres());
    let (mut a, mut b) = (lite.conn(), pg.conn());
    generate(&mut a, 100, 3);
    generate(&mut b, 100, 3);
    assert_eq!(dump(&mut a), dump(&mut b));
}

/// A larger run looks like a local authority's population.
#[test]
fn the_population_is_plausible() {
    let db = TestDb::sqlite();
    let mut conn = db.conn();
    let summary = generate(&mut conn, 3_000, 2009);
    let d = dump(&mut conn);
    let today = cairn_demo::GENERATED_AT.date();
    let children: Vec<&PersonRow> = d.people.iter().filter(|p| p.kind == "child").collect();
    let born: Vec<&&PersonRow> = children
        .iter()
        .filter(|p| p.date_of_birth.is_some())
        .collect();
    let share = |n: usize, of: usize| n as f64 / of as f64;

    let unborn = children.len() - born.len();
    assert!((10..=120).contains(&unborn), "{unborn} unborn");
    for p in &born {
        let age = (today - p.date_of_birth.expect("born")).num_days();
        assert!((0..18 * 365).contains(&age), "age {age} days");
    }
    let wbri = children
        .iter()
        .filter(|p| p.ethnicity.as_deref() == Some("WBRI"))
        .count();
    assert!((0.62..0.76).contains(&share(wbri, children.len())));
    let with_nhs = born.iter().filter(|p| p.nhs_number.is_some()).count();
    assert!((0.86..0.94).contains(&share(with_nhs, born.len())));
    let school_age: Vec<&&&PersonRow> = born
        .iter()
        .filter(|p| (today - p.date_of_birth.expect("born")).num_days() >= 4 * 365)
        .collect();
    let with_upn = school_age.iter().filter(|p| p.upn.is_some()).count();
    assert!((0.64..0.76).contains(&share(with_upn, school_age.len())));
    let disabled: HashSet<&str> = d.disabilities.iter().map(|(p, _)| p.as_str()).collect();
    assert!((0.015..0.05).contains(&share(disabled.len(), children.len())));
    let non_english = d
        .people
        .iter()
        .filter(|p| p.first_language.as_deref() != Some("English"))
        .count();
    assert!(non_english > 0);
    assert!(d.people.iter().any(|p| p.interpreter_needed));
    assert!(d.people.iter().any(|p| p.family_name.contains('\'')));

    // Families: about 1.9 children each, nearly all with a mother.
    let mothers: HashSet<&str> = d
        .relationships
        .iter()
        .filter(|r| r.kind == "mother")
        .map(|r| r.person_a.as_str())
        .collect();
    let per_mother = share(
        d.relationships
            .iter()
            .filter(|r| r.kind == "mother")
            .count(),
        mothers.len(),
    );
    assert!((1.7..2.1).contains(&per_mother), "{per_mother}");
    for kind in [
        "father",
        "sibling",
        "half_sibling",
        "grandparent",
        "partner",
    ] {
        assert!(
            d.relationships.iter().any(|r| r.kind == kind),
            "no {kind} relationships"
        );
    }
    // About a fifth of children also have the address they lived at before.
    let previous: HashSet<&str> = d
        .addresses
        .iter()
        .filter(|a| a.to_date.is_some())
        .map(|a| a.person_id.as_str())
        .collect();
    let children_with_previous = children
        .iter()
        .filter(|p| previous.contains(p.id.as_str()))
        .count();
    assert!((0.12..0.26).contains(&share(children_with_previous, children.len())));

    // About one member of staff per 40 children.
    let per_worker = 3_000 / summary.users;
    assert!((30..=50).contains(&per_worker), "{per_worker}");
}

#[derive(diesel::QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = diesel::sql_types::Text)]
    journal_mode: String,
}

fn journal_mode(conn: &mut DbConn) -> String {
    diesel::sql_query("PRAGMA journal_mode")
        .get_result::<JournalMode>(conn)
        .expect("journal mode")
        .journal_mode
}

/// SQLite: the load leaves the database in WAL mode whether or not it could switch to a
/// rollback journal for speed, and works while another connection has the database open.
#[test]
fn sqlite_settings_are_put_back() {
    let alone = TestDb::sqlite();
    let mut conn = alone.conn();
    generate(&mut conn, 20, 1);
    assert_eq!(journal_mode(&mut conn), "wal");
    assert_eq!(journal_mode(&mut alone.conn()), "wal");

    let shared = TestDb::sqlite();
    let mut other = shared.conn();
    assert!(cairn_demo::is_empty(&mut other).expect("is_empty"));
    let mut conn = shared.conn();
    generate(&mut conn, 20, 1);
    assert_eq!(journal_mode(&mut conn), "wal");
    assert!(!cairn_demo::is_empty(&mut other).expect("is_empty"));
}

use cairn_db::introspect::read_schema;
use cairn_db::testing::TestDb;

#[test]
fn both_migration_trees_have_the_same_names() {
    let list = |dir: &str| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut names: Vec<String> = std::fs::read_dir(path)
            .expect("migration directory exists")
            .map(|e| {
                e.expect("readable entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    };
    let sqlite = list("migrations/sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, list("migrations/postgres"));
}

#[test]
fn sqlite_and_postgres_schemas_are_equivalent() {
    let sqlite = read_schema(&mut TestDb::sqlite().conn()).expect("read the SQLite schema");
    let pg = read_schema(&mut TestDb::postgres().conn()).expect("read the PostgreSQL schema");
    let sqlite_tables: Vec<&String> = sqlite.keys().collect();
    let pg_tables: Vec<&String> = pg.keys().collect();
    assert_eq!(sqlite_tables, pg_tables, "the same tables");
    assert!(sqlite_tables.len() >= 15, "all foundation tables are there");
    for (table, s) in &sqlite {
        let p = &pg[table];
        assert_eq!(
            s.columns, p.columns,
            "columns, types and nullability of {table}"
        );
        assert_eq!(s.primary_key, p.primary_key, "primary key of {table}");
        assert_eq!(s.named_indexes(), p.named_indexes(), "indexes of {table}");
        assert_eq!(s.foreign_keys, p.foreign_keys, "foreign keys of {table}");
    }
}

fn assert_foreign_keys_indexed(db: TestDb) {
    let schema = read_schema(&mut db.conn()).expect("read the schema");
    let fk_count: usize = schema.values().map(|t| t.foreign_keys.len()).sum();
    assert!(
        fk_count >= 10,
        "the schema has its foreign keys ({fk_count})"
    );
    let missing: Vec<String> = schema
        .iter()
        .flat_map(|(table, info)| {
            info.unindexed_foreign_keys()
                .into_iter()
                .map(move |fk| format!("{table}({})", fk.columns.join(",")))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "foreign keys without an index: {missing:?}"
    );
}

#[test]
fn every_foreign_key_is_indexed_on_sqlite() {
    assert_foreign_keys_indexed(TestDb::sqlite());
}

#[test]
fn every_foreign_key_is_indexed_on_postgres() {
    assert_foreign_keys_indexed(TestDb::postgres());
}

//! Throw-away databases for tests, on either backend.
//!
//! SQLite: a fresh file in a temporary directory. PostgreSQL: a fresh schema inside the database
//! named by `CAIRN_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`), reached
//! through a `search_path` option, and dropped afterwards. Both are fully migrated.

use std::path::PathBuf;

use diesel::connection::SimpleConnection;

use crate::connection::{Backend, DbConn, DbPool, PoolSettings, connect_pool};
use crate::error::DbError;

pub const DEFAULT_TEST_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    sqlite_dir: Option<PathBuf>,
    pg_admin: Option<(String, String)>,
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => TestDb::sqlite(),
            Backend::Postgres => TestDb::postgres(),
        }
    }

    /// # Panics
    /// When the temporary directory or the database cannot be created: tests cannot run.
    pub fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(format!("cairn-test-{}", uuid::Uuid::new_v4()));
        #[allow(clippy::expect_used)]
        std::fs::create_dir_all(&dir).expect("create a temporary directory for a test database");
        let url = dir.join("cairn.db").to_string_lossy().into_owned();
        let db = TestDb {
            url,
            backend: Backend::Sqlite,
            sqlite_dir: Some(dir),
            pg_admin: None,
        };
        db.migrate();
        db
    }

    /// # Panics
    /// When PostgreSQL cannot be reached: the storage tests must run on both databases, so a
    /// missing server is a failure, not a skip. `scripts/test` starts one.
    pub fn postgres() -> TestDb {
        let admin_url =
            std::env::var("CAIRN_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_TEST_PG_URL.to_string());
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = DbConn::open(&admin_url).unwrap_or_else(|e| {
            panic!("PostgreSQL is needed for the storage tests ({admin_url}): {e}. Run scripts/test, which starts it.")
        });
        #[allow(clippy::expect_used)]
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .expect("create a test schema");
        let sep = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{sep}options=-c%20search_path%3D{schema}");
        let db = TestDb {
            url,
            backend: Backend::Postgres,
            sqlite_dir: None,
            pg_admin: Some((admin_url, schema)),
        };
        db.migrate();
        db
    }

    fn migrate(&self) {
        #[allow(clippy::expect_used)]
        self.conn()
            .run_migrations()
            .expect("migrations apply to a fresh test database");
    }

    /// # Panics
    /// When the test database cannot be opened.
    pub fn conn(&self) -> DbConn {
        #[allow(clippy::expect_used)]
        DbConn::open(&self.url).expect("open the test database")
    }

    /// # Panics
    /// When the pool cannot be built.
    pub fn pool(&self) -> DbPool {
        self.try_pool(&PoolSettings {
            max_size: 8,
            ..PoolSettings::default()
        })
        .unwrap_or_else(|e| panic!("open a pool on the test database: {e}"))
    }

    pub fn try_pool(&self, settings: &PoolSettings) -> Result<DbPool, DbError> {
        connect_pool(&self.url, settings)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = &self.sqlite_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin_url, schema)) = &self.pg_admin
            && let Ok(mut admin) = DbConn::open(admin_url)
        {
            let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

/// Declares a test that runs once on SQLite and once on PostgreSQL:
/// `both_backends!(name, |db: TestDb| { ... });`
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[test]
            fn sqlite() {
                let body = $body;
                body($crate::testing::TestDb::sqlite());
            }
            #[test]
            fn postgres() {
                let body = $body;
                body($crate::testing::TestDb::postgres());
            }
        }
    };
}

/// Records that `worker_id` holds the child's case from `starts_on`, as an allocation does, for
/// tests that write a referral with its worker straight into the table (an assigned referral
/// always has its open case allocation; without it the case would count in nobody's load).
pub fn allocate_case(
    conn: &mut DbConn,
    person_id: &str,
    referral_id: &str,
    team_id: &str,
    worker_id: &str,
    starts_on: chrono::NaiveDate,
) -> Result<(), DbError> {
    use crate::schema::allocations;
    use diesel::prelude::*;
    diesel::insert_into(allocations::table)
        .values((
            allocations::id.eq(uuid::Uuid::now_v7().to_string()),
            allocations::person_id.eq(person_id),
            allocations::referral_id.eq(referral_id),
            allocations::work_kind.eq("case"),
            allocations::work_id.eq(referral_id),
            allocations::team_id.eq(team_id),
            allocations::worker_id.eq(worker_id),
            allocations::starts_on.eq(starts_on),
            allocations::created_at.eq(crate::now()),
            allocations::created_by.eq("test"),
        ))
        .execute(conn)?;
    Ok(())
}

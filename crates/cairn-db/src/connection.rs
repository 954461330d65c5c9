//! Connections, the pool and migrations for both backends.

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, MultiConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::DbError;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database a URL names. Chosen from the URL scheme, not by trial connection, so that a
/// PostgreSQL server that is down reports its real error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// Runs the same query text against whichever backend the connection is.
///
/// For the few query shapes Diesel's `MultiConnection` cannot express on the enum itself
/// (upserts, `FOR UPDATE`); the body is written once and compiled for each backend.
#[macro_export]
macro_rules! each_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::connection::DbConn::Pg($c) => $body,
            $crate::connection::DbConn::Sqlite($c) => $body,
        }
    };
}

/// Inserts many rows in one statement. Multi-row `INSERT … VALUES` cannot be expressed on the
/// `MultiConnection` enum (its SQL dialect has no batch-insert support), so each backend runs
/// the same statement through its own arm.
#[macro_export]
macro_rules! insert_batch {
    ($conn:expr, $table:expr, $rows:expr) => {
        $crate::each_backend!($conn, c => diesel::insert_into($table).values($rows).execute(c))
    };
}

impl DbConn {
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Pg(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }

    pub fn open(url: &str) -> Result<DbConn, DbError> {
        let conn = match Backend::from_url(url) {
            Backend::Postgres => {
                let mut c = PgConnection::establish(url)?;
                c.batch_execute(POSTGRES_SETTINGS)?;
                DbConn::Pg(c)
            }
            Backend::Sqlite => {
                let path = url.strip_prefix("sqlite://").unwrap_or(url);
                let mut c = SqliteConnection::establish(path)?;
                c.batch_execute(SQLITE_PRAGMAS)?;
                DbConn::Sqlite(c)
            }
        };
        Ok(conn)
    }

    /// Applies pending migrations; returns the versions applied.
    pub fn run_migrations(&mut self) -> Result<Vec<String>, DbError> {
        let done = match self {
            DbConn::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
            DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        }
        .map_err(|e| DbError::Migration(e.to_string()))?;
        Ok(done.iter().map(|v| v.to_string()).collect())
    }

    /// Migrations known to this binary but not yet applied.
    pub fn pending_migrations(&mut self) -> Result<Vec<String>, DbError> {
        let names = match self {
            DbConn::Pg(c) => c
                .pending_migrations(POSTGRES_MIGRATIONS)
                .map(|p| p.iter().map(|m| m.name().to_string()).collect()),
            DbConn::Sqlite(c) => c
                .pending_migrations(SQLITE_MIGRATIONS)
                .map(|p| p.iter().map(|m| m.name().to_string()).collect()),
        };
        names.map_err(|e| DbError::Migration(e.to_string()))
    }

    /// A write transaction: `BEGIN IMMEDIATE` on SQLite so that a transaction which reads and
    /// then writes never fails with "database is locked"; a plain `BEGIN` on PostgreSQL, where
    /// services use atomic updates and version checks against lost updates.
    pub fn write<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        // SQLite has one writer. Queueing writers here wakes the next one as soon as the lock
        // is free; left to SQLite's busy handler, waiters sleep in growing steps and the slowest
        // requests wait hundreds of milliseconds. (Other processes still meet busy_timeout.)
        let _writer = match self {
            DbConn::Sqlite(_) => Some(SQLITE_WRITER.lock().unwrap_or_else(|p| p.into_inner())),
            DbConn::Pg(_) => None,
        };
        match self {
            DbConn::Sqlite(c) => {
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
            }
            DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
        }
        match f(self) {
            Ok(value) => {
                <DbConn as Connection>::TransactionManager::commit_transaction(self)?;
                Ok(value)
            }
            Err(e) => {
                <DbConn as Connection>::TransactionManager::rollback_transaction(self)?;
                Err(e)
            }
        }
    }

    /// A read-only transaction, so that several reads see one consistent state.
    pub fn read<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        self.transaction(f)
    }

    /// For the rest of the transaction, tells PostgreSQL that the rows about to be looked up
    /// by lists of hundreds of ids are in memory. With its default costs, which assume a
    /// spinning disk, it scans whole tables instead and compares every row with every id
    /// (a team's workload read took a quarter longer). The server's own setting holds
    /// everywhere else; SQLite has nothing to tell.
    pub fn expect_cached_lookups(&mut self) -> Result<(), DbError> {
        if let DbConn::Pg(c) = self {
            c.batch_execute("SET LOCAL random_page_cost = 1.1")?;
        }
        Ok(())
    }
}

/// One write transaction at a time per process on SQLite. Write transactions must not nest.
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA cache_size = -65536; \
     PRAGMA temp_store = MEMORY;";

/// Cairn's queries are short reads and writes. PostgreSQL's JIT compiles a plan it thinks
/// expensive, which for a search through millions of notes adds 90–180 ms of compilation to a
/// query that then runs in 30: off for Cairn's own sessions, whatever the server's default.
const POSTGRES_SETTINGS: &str = "SET jit = off;";

pub struct DbManager {
    url: String,
}

impl ManageConnection for DbManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        DbConn::open(&self.url).map_err(|e| match e {
            DbError::Connection(c) => r2d2::Error::ConnectionError(c),
            DbError::Query(q) => r2d2::Error::QueryError(q),
            other => r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(
                other.to_string(),
            )),
        })
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

pub type DbPool = r2d2::Pool<DbManager>;

#[derive(Clone, Debug)]
pub struct PoolSettings {
    pub max_size: u32,
    pub connection_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_size: 16,
            connection_timeout: Duration::from_secs(10),
        }
    }
}

/// Opens a pool. SQLite files are created on first use; their parent directory must exist.
pub fn connect_pool(url: &str, settings: &PoolSettings) -> Result<DbPool, DbError> {
    let manager = DbManager {
        url: url.to_string(),
    };
    let pool = r2d2::Pool::builder()
        .max_size(settings.max_size)
        .connection_timeout(settings.connection_timeout)
        .test_on_check_out(false)
        .build(manager)?;
    Ok(pool)
}

/// A URL safe to print: the password of a PostgreSQL URL is replaced.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_chosen_from_the_scheme() {
        assert_eq!(Backend::from_url("postgres://h/db"), Backend::Postgres);
        assert_eq!(Backend::from_url("postgresql://h/db"), Backend::Postgres);
        assert_eq!(Backend::from_url("cairn-data/cairn.db"), Backend::Sqlite);
        assert_eq!(Backend::from_url("sqlite://x.db"), Backend::Sqlite);
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://cairn:secret@db:5432/cairn"),
            "postgres://cairn:***@db:5432/cairn"
        );
        assert_eq!(redact_url("postgres://db/cairn"), "postgres://db/cairn");
        assert_eq!(redact_url("cairn.db"), "cairn.db");
    }
}

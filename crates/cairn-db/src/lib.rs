//! Storage for Cairn.
//!
//! One Diesel code path over SQLite (embedded default) and PostgreSQL (production): the
//! [`DbConn`] enum is a Diesel `MultiConnection`, so every query in the repositories below is
//! written once and checked at compile time against both backends.

pub mod audit;
pub mod caseloads;
pub mod casework;
pub mod connection;
pub mod error;
pub mod events;
pub mod front_door;
pub mod introspect;
pub mod jobs;
pub mod organisation;
pub mod people;
pub mod recording;
pub mod schema;
pub mod sequences;
pub mod sessions;
pub mod testing;
pub mod thresholds;
pub mod tokens;
pub mod users;

pub use connection::{Backend, DbConn, DbPool, PoolSettings, connect_pool};
pub use error::DbError;

/// Timestamps are stored in UTC without a zone, truncated to microseconds so that both
/// databases hold (and the audit hash covers) exactly the same value.
pub fn now() -> chrono::NaiveDateTime {
    truncate_to_micros(chrono::Utc::now().naive_utc())
}

pub fn truncate_to_micros(t: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    use chrono::Timelike;
    let nanos = t.nanosecond() / 1_000 * 1_000;
    t.with_nanosecond(nanos).unwrap_or(t)
}

//! Storage tests. Every test runs on SQLite and on PostgreSQL.

mod audit_log;
mod schema_parity;
mod sequences;

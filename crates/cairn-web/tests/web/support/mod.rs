//! What the web tests share: the app and a runtime to drive it, signed-in accounts, requests
//! and answers, checks on the HTML, and front-door fixtures made through the services.
//!
//! Everything here is `pub`, so that any area module can `use crate::support::*`.

pub mod accounts;
pub mod casework;
pub mod front_door;
pub mod html;
pub mod requests;

pub use accounts::*;
pub use casework::*;
pub use front_door::*;
pub use html::*;
pub use requests::*;

use axum::Router;
use cairn_core::Settings;
use cairn_db::audit::{self, AuditFilter, AuditRow};
use cairn_db::testing::TestDb;
use cairn_web::AppState;

/// The real router over `db`, with default settings (no SMTP server: receipts are letters).
pub fn app(db: &TestDb) -> Router {
    cairn_web::router(AppState::new(db.pool(), Settings::default()))
}

/// A runtime for the async parts of a test.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Every audit row with exactly this action, newest first.
pub fn audit_rows(db: &TestDb, action: &str) -> Vec<AuditRow> {
    let mut c = db.conn();
    audit::list(
        &mut c,
        &AuditFilter {
            limit: 5000,
            ..AuditFilter::default()
        },
    )
    .expect("read the audit log")
    .into_iter()
    .filter(|r| r.action == action)
    .collect()
}

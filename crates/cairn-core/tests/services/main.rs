#![allow(clippy::unwrap_used)]
//! Service tests. Every test runs on SQLite and on PostgreSQL (`both_backends!`), with real
//! accounts signed in through the real session code.

/// [`cairn_db::both_backends!`] for a test that shows a known bug: ignored, with the reason.
macro_rules! both_backends_ignored {
    ($reason:literal, $name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[test]
            #[ignore = $reason]
            fn sqlite() {
                let body = $body;
                body(cairn_db::testing::TestDb::sqlite());
            }
            #[test]
            #[ignore = $reason]
            fn postgres() {
                let body = $body;
                body(cairn_db::testing::TestDb::postgres());
            }
        }
    };
}

mod accounts;
mod api_tokens;
mod audit_chain;
mod auth;
mod bad_input;
mod caseloads_allocation;
mod caseloads_model_alerts;
mod caseloads_snapshots;
mod casework_assessments;
mod casework_plans;
mod casework_strategy;
mod casework_work;
mod concurrency;
mod denials;
mod duplicates;
mod entered_in_error;
mod front_door;
mod front_door_performance;
mod jobs;
mod mailer;
mod people_create;
mod recording_chronology;
mod recording_notes;
mod recording_oversight;
mod recording_search_quality;
mod recording_supervision;
mod relationships;
mod search;
mod support;
mod thresholds;
mod viewing;

//! The web integration tests: every page and the JSON API through the real router, with real
//! sign-in, on SQLite and PostgreSQL. One binary, one module per area, and the helpers they
//! share in [`support`].

mod support;

mod admin_and_api;
mod caseloads_allocation;
mod caseloads_dashboard;
mod caseloads_model_alerts;
mod casework_assessments;
mod casework_plans;
mod casework_strategy;
mod casework_work;
mod contacts;
mod performance;
mod recording_chronology;
mod recording_notes;
mod recording_oversight;
mod recording_search_quality;
mod recording_supervision;
mod screening;
mod thresholds;

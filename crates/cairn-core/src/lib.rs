//! Cairn's services: one function per use case. Each authorises the actor, makes the change,
//! appends its events and audit row, all in one transaction; denials are audited too.

pub mod accounts;
pub mod actor;
pub mod addresses;
pub mod api_tokens;
pub mod audit_trail;
pub mod audit_view;
pub mod auth;
pub mod caseloads;
pub mod casework;
pub mod error;
pub mod front_door;
pub mod jobs;
pub mod mailer;
pub mod passwords;
pub mod people;
pub mod recording;
pub mod relationships;
pub mod search;
pub mod settings;
#[cfg(feature = "testing")]
pub mod testing_smtp;
pub mod thresholds;
pub mod tx;

pub use actor::{Actor, Channel};
pub use error::{ServiceError, ServiceResult};
pub use settings::Settings;

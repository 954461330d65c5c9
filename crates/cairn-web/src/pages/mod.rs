//! HTML pages, one module per feature.

pub mod account;
pub mod caseloads;
pub mod casework;
pub mod contacts;
pub mod home;
pub mod labels;
pub mod out_of_hours;
pub mod pagination;
pub mod people;
pub mod performance;
pub mod recording;
pub mod referrals;
pub mod screening;
pub mod search;
pub mod sign_in;
pub mod thresholds;
pub mod uk_time;

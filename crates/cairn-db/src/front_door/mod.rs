//! Storage of the front door: contacts and the children on them, screening decisions,
//! referrals (CIN episodes), out-of-hours actions and messages to referrers.

pub mod contacts;
pub mod messages;
pub mod out_of_hours;
pub mod performance;
pub mod referrals;
pub mod screening;
pub mod threshold_refs;

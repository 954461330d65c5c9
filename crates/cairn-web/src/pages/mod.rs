//! HTML pages, one module per feature.

pub mod account;
pub mod home;
pub mod people;
pub mod search;
pub mod sign_in;

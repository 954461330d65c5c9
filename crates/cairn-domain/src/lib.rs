//! Pure types and rules of children's social care in England: identifiers, people, code lists,
//! roles and the authorisation policy.
//!
//! Nothing here performs I/O or needs an async runtime, so every rule can be unit-tested and
//! reused by the web layer, the services, the returns and the demo generator alike. Anything
//! that depends on "now" takes the date as a parameter for the same reason.

mod code_list;

pub mod calendar;
pub mod caseloads;
pub mod casework;
pub mod codes;
pub mod dates;
pub mod front_door;
pub mod identifiers;
pub mod ids;
pub mod names;
pub mod person;
pub mod policy;
pub mod recording;
pub mod relationships;
pub mod roles;
pub mod thresholds;
pub mod validation;

//! Storage for caseloads and allocation: the versioned workload model, allocations with their
//! history, the factors managers set on cases, what each worker's allocated work involves on
//! a day (the facts the workload model weighs), snapshots, alerts and notifications.

pub mod alerts;
pub mod allocations;
pub mod availability;
pub mod factors;
pub mod load;
pub mod model;
pub mod notifications;
pub mod snapshots;
pub mod unallocated;

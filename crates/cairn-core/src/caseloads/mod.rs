//! Caseloads and allocation: the workload model, allocation with capacity, unallocated work,
//! worker availability, workload alerts and notifications, snapshots and dashboards. Each
//! module owns one use case area.

pub mod alerts;
pub mod allocation;
pub mod availability;
pub mod dashboard;
pub mod factors;
pub mod model;
pub mod notifications;
pub mod snapshots;
pub mod unallocated;

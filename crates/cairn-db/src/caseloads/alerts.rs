//! Workload alert rows.

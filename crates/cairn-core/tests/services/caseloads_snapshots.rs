//! Workload snapshots and the dashboard figures.

#[allow(unused_imports)]
use super::*;

//! The workload model versions, worker availability and the reallocation list, workload alerts.

#[allow(unused_imports)]
use super::*;

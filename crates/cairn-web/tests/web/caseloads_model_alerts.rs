//! Workload model, workers and alerts pages and API.

#[allow(unused_imports)]
use super::*;

//! Allocation pages and API.

#[allow(unused_imports)]
use super::*;

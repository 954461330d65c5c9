//! Dashboard pages, CSV and API.

#[allow(unused_imports)]
use super::*;

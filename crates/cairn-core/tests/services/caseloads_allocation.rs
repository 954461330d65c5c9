//! Allocation, reallocation, overrides, factors, unallocated work and escalation, notifications.

#[allow(unused_imports)]
use super::*;

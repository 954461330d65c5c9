//! Children and work waiting for allocation, and escalating those waiting too long.

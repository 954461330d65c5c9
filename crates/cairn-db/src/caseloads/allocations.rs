//! Allocation rows: open, end, history; one open row per piece of work.

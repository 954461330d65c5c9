//! The caseload dashboards, read from the snapshots.

//! Management oversight: decisions with rationale and actions, required points and intervals, the missing-oversight report.

//! Full-text search in case notes, within one child's record and across the records a user may see.

//! Supervision sessions and the case discussions written onto each child's record.

//! Supervision sessions, case discussions onto each child's record, worker profiles and overdue supervision.

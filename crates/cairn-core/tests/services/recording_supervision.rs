//! Recording: supervision.

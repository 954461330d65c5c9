//! The weighting factors a manager sets on a child's case.

//! Recording: oversight.

//! Recording: search_quality.

//! Recording pages and API: search_quality.

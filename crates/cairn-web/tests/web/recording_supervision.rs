//! Recording pages and API: supervision.

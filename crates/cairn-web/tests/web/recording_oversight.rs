//! Recording pages and API: oversight.

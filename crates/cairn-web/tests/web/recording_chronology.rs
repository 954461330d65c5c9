//! Recording pages and API: chronology.

//! Recording pages and API: notes.

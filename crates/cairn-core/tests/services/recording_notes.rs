//! Recording: notes.

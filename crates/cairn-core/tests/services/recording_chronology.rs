//! Recording: chronology.

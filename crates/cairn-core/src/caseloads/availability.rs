//! A worker's hours, leave and leaving, and the reallocation list their changes produce.

//! The recording standards in force: note recording delay, oversight interval and points, and
//! supervision frequency.

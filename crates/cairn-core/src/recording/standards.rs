//! The recording standards in force and their versions.

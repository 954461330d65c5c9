//! Versioned recording standards.

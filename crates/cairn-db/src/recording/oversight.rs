//! Management oversight records.

//! Demo recording: years of case notes, oversight, supervision and manual chronology entries.

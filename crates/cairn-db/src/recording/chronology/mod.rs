//! The chronology: entries projected from every module's records, kept in step with them, plus manual entries; earlier versions kept.

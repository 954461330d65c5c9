//! The child's and the family's chronology: filters, manual entries and their amendment, CSV and PDF export.

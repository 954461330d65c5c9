//! Case notes, the children they concern, their finalised versions and the full-text index rows.

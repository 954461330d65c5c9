//! Rules about case notes that need no database: recording delay and note validation.

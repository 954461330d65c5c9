//! Storage for recording: case notes and their full-text index, the chronology projection,
//! management oversight, supervision, worker profiles, the recording standards and the
//! recording-quality figures.

pub mod chronology;
pub mod note_search;
pub mod notes;
pub mod oversight;
pub mod parked_forms;
pub mod quality;
pub mod standards;
pub mod supervision;
pub mod worker_profiles;

//! Recording: case notes, the chronology, management oversight, supervision, search in notes
//! and the recording-quality report. Each module owns one use case area.

pub mod chronology;
pub mod notes;
pub mod oversight;
pub mod parked_forms;
pub mod quality;
pub mod search;
pub mod standards;
pub mod supervision;

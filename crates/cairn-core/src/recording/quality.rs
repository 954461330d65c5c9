//! The recording-quality page's figures.

//! The workload model: the version in force, publishing it, and adding a version.

//! When a worker's next supervision is due under the recording standards.

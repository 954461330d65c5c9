//! Open cases and pieces of work with no open allocation, and their waiting time.

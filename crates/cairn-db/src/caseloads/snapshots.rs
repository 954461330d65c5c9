//! Workload snapshot rows and the dashboard's aggregate reads over them.

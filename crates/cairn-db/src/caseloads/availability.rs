//! Workers' hours, leave and leaving (columns of worker_profiles).

//! Notification rows.

//! Case notes: drafts saved as they are written, finalising, amendment with a reason, version history.

//! Recording-quality figures: recording delay, notes overdue, chronology and oversight gaps.

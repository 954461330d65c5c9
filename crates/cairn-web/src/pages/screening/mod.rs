//! The supervised screening queue, screening a contact against the agreed threshold document,
//! and a manager's authorisation of the decision.
//!
//! Everything works without JavaScript: tabs are links, filters are GET forms, and every
//! button is a form post answered with a redirect (or the page again with an error summary).

mod contact_summary;
mod decision_form;
mod decision_lines;
mod decision_review;
mod history;
mod queue;
mod screen_page;

pub use contact_summary::{ChildLine, ContactSummary, SummaryRow};
pub use decision_form::{
    DecisionForm, IndicatorGroup, IndicatorOption, LevelOption, ThresholdView,
};
pub use decision_lines::{DecisionLine, ReviewLine};
pub use decision_review::{DecisionPage, decision, review};
pub use history::{EarlierLine, EpisodeLine, HistoryView, SiblingLine};
pub use queue::{
    ChildCell, PendingCell, QueueFilter, QueueLine, QueuePageView, claim, queue, release,
};
pub use screen_page::{ScreenPage, WorkerGroup, decide, screen};

const SECTION: &str = "queue";

//! Each child's history at a glance: earlier contacts, referrals and siblings.

use cairn_core::front_door::history::ChildHistory;
use cairn_domain::dates::format_long;
use chrono::NaiveDate;

use crate::pages::labels::age_text;
use crate::pages::uk_time::uk_time_short;

pub struct EarlierLine {
    pub contact_id: String,
    pub reference: String,
    pub received: String,
    pub outcome: String,
}

pub struct EpisodeLine {
    pub referral_id: String,
    pub referral_date: String,
    pub re_referral: bool,
    pub open: bool,
    pub closed: String,
}

pub struct SiblingLine {
    pub person_id: String,
    pub name: String,
    pub relationship: String,
    pub age: String,
    pub summary: String,
    pub open_case: bool,
}

pub struct HistoryView {
    pub person_id: String,
    pub name: String,
    pub age: String,
    pub headline: String,
    pub open_episode: bool,
    pub recent: Vec<EarlierLine>,
    pub older: String,
    pub episodes: Vec<EpisodeLine>,
    pub siblings: Vec<SiblingLine>,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

pub(super) fn history_views(histories: &[ChildHistory], today: NaiveDate) -> Vec<HistoryView> {
    histories
        .iter()
        .map(|h| HistoryView {
            person_id: h.person.id.clone(),
            name: h.person.display_name.clone(),
            age: age_text(&h.person, today),
            headline: format!(
                "{} and {} in the last 12 months",
                plural(
                    h.recent_contacts.len(),
                    "earlier contact",
                    "earlier contacts"
                ),
                plural(h.recent_referrals, "referral", "referrals"),
            ),
            open_episode: h.open_episode,
            recent: h
                .recent_contacts
                .iter()
                .map(|e| EarlierLine {
                    contact_id: e.contact_id.clone(),
                    reference: e.reference.clone(),
                    received: uk_time_short(e.received_at),
                    outcome: e.outcome.clone(),
                })
                .collect(),
            older: if h.older_contacts == 0 {
                String::new()
            } else {
                format!(
                    "{} before that.",
                    plural(h.older_contacts, "contact", "contacts")
                )
            },
            episodes: h
                .episodes
                .iter()
                .map(|e| EpisodeLine {
                    referral_id: e.referral_id.clone(),
                    referral_date: format_long(e.referral_date),
                    re_referral: e.re_referral,
                    open: e.closed_on.is_none(),
                    closed: match (e.closed_on, &e.closure_reason) {
                        (Some(d), Some(r)) => format!("Closed {} ({r})", format_long(d)),
                        (Some(d), None) => format!("Closed {}", format_long(d)),
                        _ => String::new(),
                    },
                })
                .collect(),
            siblings: h
                .siblings
                .iter()
                .map(|s| SiblingLine {
                    person_id: s.person.id.clone(),
                    name: s.person.display_name.clone(),
                    relationship: s.relationship.clone(),
                    age: age_text(&s.person, today),
                    summary: format!(
                        "{} and {} in the last 12 months",
                        plural(s.recent_contacts, "contact", "contacts"),
                        plural(s.recent_referrals, "referral", "referrals"),
                    ),
                    open_case: s.open_case,
                })
                .collect(),
        })
        .collect()
}

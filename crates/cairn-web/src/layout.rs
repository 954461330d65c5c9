//! What every page's frame needs: the council's name, the signed-in user and the navigation.

use std::sync::OnceLock;

use cairn_core::Actor;
use cairn_core::casework::my_work::{self, WorkCounts};
use cairn_db::DbConn;
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;

static COUNCIL_NAME: OnceLock<String> = OnceLock::new();

/// Set once when the router is built, so that error pages (rendered without request state)
/// still show the council's name.
pub fn set_council_name(name: &str) {
    let _ = COUNCIL_NAME.set(name.to_string());
}

pub fn council_name() -> String {
    COUNCIL_NAME
        .get()
        .cloned()
        .unwrap_or_else(|| "Children's services".into())
}

#[derive(Clone, Debug)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

#[derive(Clone, Debug)]
pub struct Layout {
    pub council_name: String,
    pub title: String,
    pub signed_in: Option<String>,
    pub csrf_token: String,
    pub nav: Vec<NavItem>,
    /// Beside "My work": "2 overdue, 1 to authorise"; empty for nothing to flag.
    pub work_badge: String,
}

/// The "My work" badge's numbers for the signed-in user, read with the session on every page.
/// A failure is logged and the page is shown without a count: the badge must never cost a page.
pub fn work_counts(c: &mut DbConn, actor: &Actor) -> Option<WorkCounts> {
    match my_work::counts_for_user(c, actor, my_work::today()) {
        Ok(counts) => Some(counts),
        Err(e) => {
            tracing::warn!(error = %e, "could not count work for the navigation");
            None
        }
    }
}

fn work_badge(counts: &WorkCounts) -> String {
    let mut parts = Vec::new();
    if counts.overdue > 0 {
        parts.push(format!("{} overdue", counts.overdue));
    }
    if counts.to_authorise > 0 {
        parts.push(format!("{} to authorise", counts.to_authorise));
    }
    parts.join(", ")
}

impl Layout {
    pub fn anonymous(title: impl Into<String>) -> Layout {
        Layout {
            council_name: council_name(),
            title: title.into(),
            signed_in: None,
            csrf_token: String::new(),
            nav: Vec::new(),
            work_badge: String::new(),
        }
    }

    pub fn for_user(
        title: impl Into<String>,
        actor: &Actor,
        csrf_token: &str,
        section: &str,
    ) -> Layout {
        let mut nav = vec![
            NavItem {
                href: "/",
                label: "Home",
                current: section == "home",
            },
            NavItem {
                href: "/people/search",
                label: "Find a person",
                current: section == "people",
            },
        ];
        // Searching case notes across every record the user may see.
        if actor.may(Action::ViewCasework) {
            nav.push(NavItem {
                href: "/notes/search",
                label: "Search notes",
                current: section == "notes-search",
            });
        }
        // Casework due and overdue, for everyone who holds cases or signs off their team's.
        if actor.may(Action::RecordCasework) || actor.may(Action::AuthoriseCasework) {
            nav.push(NavItem {
                href: "/my-work",
                label: "My work",
                current: section == "my-work",
            });
        }
        if actor.may(Action::ViewTeamWork) {
            nav.push(NavItem {
                href: "/team-work",
                label: "Team work",
                current: section == "team-work",
            });
        }
        if actor.may(Action::RecordSupervision) {
            nav.push(NavItem {
                href: "/supervision",
                label: "Supervision",
                current: section == "supervision",
            });
        }
        if actor.may(Action::ViewTeamWork) || actor.may(Action::ViewRecordingQuality) {
            nav.push(NavItem {
                href: "/reports/oversight",
                label: "Oversight",
                current: section == "oversight-report",
            });
        }
        if actor.may(Action::ViewRecordingQuality) {
            nav.push(NavItem {
                href: "/reports/recording-quality",
                label: "Recording quality",
                current: section == "recording-quality",
            });
        }
        // Caseloads and allocation (see pages::caseloads).
        if actor.may(Action::AllocateWork) {
            nav.push(NavItem {
                href: "/unallocated",
                label: "Unallocated work",
                current: section == "unallocated",
            });
        }
        if actor.may(Action::ViewCaseloads) {
            nav.push(NavItem {
                href: "/caseloads",
                label: "Caseloads",
                current: section == "caseloads",
            });
            nav.push(NavItem {
                href: "/caseloads/alerts",
                label: "Workload alerts",
                current: section == "workload-alerts",
            });
        }
        if actor.may(Action::ManageWorkerAvailability) {
            nav.push(NavItem {
                href: "/workers",
                label: "Workers",
                current: section == "workers",
            });
        }
        // Front-door work: everyone who may see contacts (not administrators).
        if actor.may(Action::ViewFrontDoor) {
            nav.push(NavItem {
                href: "/queue",
                label: "Screening queue",
                current: section == "queue",
            });
            nav.push(NavItem {
                href: "/referrals",
                label: "Referrals",
                current: section == "referrals",
            });
        }
        if actor.may(Action::RecordContact) {
            nav.push(NavItem {
                href: "/contacts/new",
                label: "Record a contact",
                current: section == "contacts",
            });
        }
        // The out-of-hours team writes the handover and the day team reads it.
        if actor.may(Action::AcknowledgeHandover) || actor.may(Action::RecordOutOfHoursAction) {
            nav.push(NavItem {
                href: "/handover",
                label: "Handover",
                current: section == "handover",
            });
        }
        if actor.may(Action::AcknowledgeHandover) {
            nav.push(NavItem {
                href: "/my-contacts",
                label: "My contacts",
                current: section == "my-contacts",
            });
        }
        if actor.may(Action::ManageUsers) {
            nav.push(NavItem {
                href: "/admin/users",
                label: "Users",
                current: section == "users",
            });
        }
        if actor.may(Action::ManageTeams) {
            nav.push(NavItem {
                href: "/admin/teams",
                label: "Teams",
                current: section == "teams",
            });
        }
        if actor.may(Action::ManageApiTokens) {
            nav.push(NavItem {
                href: "/admin/api-tokens",
                label: "API tokens",
                current: section == "tokens",
            });
        }
        if actor.may(Action::ManageThresholds) {
            nav.push(NavItem {
                href: "/admin/thresholds",
                label: "Thresholds",
                current: section == "thresholds",
            });
        }
        if actor.may(Action::ManageTimescales) {
            nav.push(NavItem {
                href: "/admin/timescales",
                label: "Timescales",
                current: section == "timescales",
            });
        }
        if actor.may(Action::ManageRecordingStandards) {
            nav.push(NavItem {
                href: "/admin/recording-standards",
                label: "Recording standards",
                current: section == "recording-standards",
            });
        }
        if actor.may(Action::ViewJobs) {
            nav.push(NavItem {
                href: "/admin/jobs",
                label: "Background jobs",
                current: section == "jobs",
            });
        }
        if actor.may(Action::ManageMessageTemplates) {
            nav.push(NavItem {
                href: "/admin/messages",
                label: "Messages to referrers",
                current: section == "messages",
            });
        }
        if actor.may(Action::ViewFrontDoorPerformance) {
            nav.push(NavItem {
                href: "/performance/front-door",
                label: "Performance",
                current: section == "performance",
            });
            nav.push(NavItem {
                href: "/reports/receipts",
                label: "Late receipts",
                current: section == "receipts_report",
            });
        }
        if actor.may(Action::ViewAuditLog) {
            nav.push(NavItem {
                href: "/admin/audit",
                label: "Audit log",
                current: section == "audit",
            });
        }
        // Allocations and workload alerts reach people here as well as by email.
        nav.push(NavItem {
            href: "/notifications",
            label: "Notifications",
            current: section == "notifications",
        });
        // The workload model is published to everyone it applies to.
        if actor.may(Action::ViewWorkloadModel) {
            nav.push(NavItem {
                href: "/workload-model",
                label: "Workload model",
                current: section == "workload-model",
            });
        }
        nav.push(NavItem {
            href: "/account",
            label: "Your account",
            current: section == "account",
        });
        Layout {
            council_name: council_name(),
            title: title.into(),
            signed_in: Some(format!("{} ({})", actor.display_name, actor.role.label())),
            csrf_token: csrf_token.to_string(),
            nav,
            work_badge: String::new(),
        }
    }

    /// Puts the user's counts beside "My work".
    pub fn with_work_counts(mut self, counts: Option<WorkCounts>) -> Layout {
        self.work_badge = counts.as_ref().map(work_badge).unwrap_or_default();
        self
    }

    pub fn asset(&self, path: &str) -> String {
        crate::assets::asset_url(path)
    }
}

/// One line of the GOV.UK error summary: the message and the id of the field it links to.
#[derive(Clone, Debug)]
pub struct ErrorItem {
    pub href: String,
    pub message: String,
}

/// Field errors in the shape templates need. Date fields link to their day input.
#[derive(Clone, Debug, Default)]
pub struct Errors {
    pub items: Vec<ErrorItem>,
    fields: Vec<(String, String)>,
}

pub const DATE_FIELDS: &[&str] = &[
    "dob",
    "expected_dob",
    "date_of_death",
    "address_from",
    "from",
    "to",
    "started_on",
    "agreed_on",
    "received",
    "occurred",
    "effective_from",
    "child_seen_on",
    "child_seen_alone_on",
    "authorised_on",
    "held",
    "held_on",
    "visited",
    "outcome_on",
    "ended_on",
    "closed_on",
    "decided",
    "employment_started_on",
    "newly_qualified_from",
    "absent_from",
    "absent_until",
    "left_on",
];

/// Whether an error's field is a GOV.UK date input, whose summary link goes to the day box:
/// a named date field, alone or as the last part of a prefixed name (`meeting-held_on`), and
/// each action row's due date (`actions-{n}-due`).
fn is_date_field(field: &str) -> bool {
    let last = field.rsplit('-').next().unwrap_or(field);
    DATE_FIELDS.contains(&last)
        || ((field.starts_with("actions-") || field.contains("-actions-")) && last == "due")
}

impl Errors {
    pub fn from_fields(errors: &FieldErrors) -> Errors {
        let mut out = Errors::default();
        for e in errors.iter() {
            let anchor = if is_date_field(&e.field) {
                format!("#{}-day", e.field)
            } else {
                format!("#{}", e.field)
            };
            out.items.push(ErrorItem {
                href: anchor,
                message: e.message.clone(),
            });
            out.fields.push((e.field.clone(), e.message.clone()));
        }
        out
    }

    pub fn one(field: &str, message: &str) -> Errors {
        let mut f = FieldErrors::default();
        f.push(field, message);
        Errors::from_fields(&f)
    }

    pub fn any(&self) -> bool {
        !self.items.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    /// "Error: " before the page title, as GOV.UK asks, when there are errors.
    pub fn title_prefix(&self) -> &'static str {
        if self.any() { "Error: " } else { "" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_errors_link_to_the_day_box() {
        let mut f = FieldErrors::new();
        f.push("held", "x");
        f.push("actions-2-due", "y");
        f.push("actions-2-owner", "z");
        f.push("analysis", "w");
        f.push("meeting-held_on", "v");
        let errors = Errors::from_fields(&f);
        let hrefs: Vec<&str> = errors.items.iter().map(|i| i.href.as_str()).collect();
        assert_eq!(
            hrefs,
            [
                "#held-day",
                "#actions-2-due-day",
                "#actions-2-owner",
                "#analysis",
                "#meeting-held_on-day"
            ]
        );
    }
}

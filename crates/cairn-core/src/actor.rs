//! Who is acting: a signed-in user, an API token, or the command line.

use cairn_domain::ids::{TeamId, UserId};
use cairn_domain::policy::{self, Action, Denied};
use cairn_domain::roles::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Web,
    Api,
    CommandLine,
}

#[derive(Clone, Debug)]
pub struct Actor {
    /// None only for the command line run by the server's operator.
    pub user_id: Option<UserId>,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub team_id: Option<TeamId>,
    pub session_id: Option<String>,
    pub request_id: Option<String>,
    pub channel: Channel,
    /// API scopes granted to the token in use; empty for people using pages.
    pub scopes: Vec<String>,
}

impl Actor {
    /// The operator at the server's command line, who administers accounts with `cairn user`.
    pub fn command_line() -> Actor {
        Actor {
            user_id: None,
            username: "command-line".into(),
            display_name: "Server command line".into(),
            role: Role::Administrator,
            team_id: None,
            session_id: None,
            request_id: None,
            channel: Channel::CommandLine,
            scopes: Vec::new(),
        }
    }

    pub fn with_request_id(mut self, request_id: Option<String>) -> Actor {
        self.request_id = request_id;
        self
    }

    pub fn user_id_string(&self) -> Option<String> {
        self.user_id.map(|u| u.to_string())
    }

    /// The id recorded as author of a change: the user, or "command-line".
    pub fn author(&self) -> String {
        self.user_id_string()
            .unwrap_or_else(|| self.username.clone())
    }

    pub fn may(&self, action: Action) -> bool {
        policy::permits(self.role, action) && self.scope_allows(action)
    }

    pub fn require(&self, action: Action) -> Result<(), Denied> {
        policy::require(self.role, action)?;
        if self.scope_allows(action) {
            Ok(())
        } else {
            Err(Denied {
                role: self.role,
                action,
            })
        }
    }

    /// API tokens carry scopes narrower than their user's role.
    fn scope_allows(&self, action: Action) -> bool {
        if self.channel != Channel::Api {
            return true;
        }
        let needed = match action {
            Action::ViewPerson | Action::SearchPeople | Action::UseApi => "people:read",
            Action::CreatePerson | Action::EditPerson | Action::ManageRelationships => {
                "people:write"
            }
            Action::ViewFrontDoor => "contacts:read",
            Action::RecordContact
            | Action::ScreenContact
            | Action::AuthoriseScreening
            | Action::AssignReferral
            | Action::RecordOutOfHoursAction
            | Action::AcknowledgeHandover => "contacts:write",
            Action::ViewCasework | Action::ViewTeamWork | Action::ViewRecordingQuality => {
                "casework:read"
            }
            Action::RecordCasework
            | Action::AuthoriseCasework
            | Action::RecordOversight
            | Action::RecordSupervision => "casework:write",
            Action::ViewWorkloadModel | Action::ViewCaseloads => "workload:read",
            Action::AllocateWork | Action::OverrideWorkloadLimit => "workload:write",
            _ => return false,
        };
        self.scopes.iter().any(|s| s == needed)
    }
}

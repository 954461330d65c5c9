//! Who may do what. Deny by default: an action is allowed only where [`permits`] lists the
//! role for it, so a new role or action starts with no access until someone decides.
//!
//! This is the role-level check. Services still apply record-level rules (restricted
//! records, visibility scope) after it.

use crate::code_list::code_list;
use crate::roles::Role;

code_list! {
    /// Something a user may try to do, checked by every service function.
    pub enum Action {
        ViewPerson = "view_person" => "View a person's record",
        SearchPeople = "search_people" => "Search for people",
        CreatePerson = "create_person" => "Add a person",
        EditPerson = "edit_person" => "Change a person's details",
        MarkPersonEnteredInError = "mark_person_entered_in_error" => "Mark a person as entered in error",
        ViewEnteredInError = "view_entered_in_error" => "View records marked as entered in error",
        ManageRelationships = "manage_relationships" => "Add or change relationships",
        ManageUsers = "manage_users" => "Manage users",
        ManageTeams = "manage_teams" => "Manage teams",
        ViewAuditLog = "view_audit_log" => "View the audit log",
        ManageApiTokens = "manage_api_tokens" => "Manage API tokens",
        UseApi = "use_api" => "Use the API",
    }
}

impl Action {
    /// Whether the action changes what the service holds; read-only roles must never be
    /// permitted one of these.
    pub const fn is_change(&self) -> bool {
        !matches!(
            self,
            Self::ViewPerson
                | Self::SearchPeople
                | Self::ViewEnteredInError
                | Self::ViewAuditLog
                | Self::UseApi
        )
    }
}

/// Whether `role` may perform `action`.
pub fn permits(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;

    match action {
        // Everyone who can sign in works with children's records in some way, inspectors
        // included (inspection means reading case files).
        ViewPerson | SearchPeople => true,

        CreatePerson | EditPerson | ManageRelationships => matches!(
            role,
            FrontDoorPractitioner
                | SocialWorker
                | SeniorPractitioner
                | TeamManager
                | ServiceManager
                | OutOfHoursWorker
        ),

        // Hiding a record from ordinary use needs management sign-off, because a wrongly
        // hidden child record is a safeguarding risk.
        MarkPersonEnteredInError => matches!(role, TeamManager | ServiceManager | Administrator),

        ViewEnteredInError | ManageUsers | ManageTeams | ManageApiTokens => role == Administrator,

        ViewAuditLog => matches!(role, Administrator | Auditor),

        // The API is for systems acting for staff who change or report on records. Each call
        // is then checked against the specific action too. Inspectors and auditors read
        // through the web pages, where every read is audited with its context.
        UseApi => matches!(
            role,
            FrontDoorPractitioner
                | SocialWorker
                | SeniorPractitioner
                | TeamManager
                | ServiceManager
                | OutOfHoursWorker
                | PerformanceOfficer
                | Administrator
        ),
    }
}

/// A role tried something it may not do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} may not: {}", role.label(), action.label())]
pub struct Denied {
    pub role: Role,
    pub action: Action,
}

/// [`permits`] as a `Result`, for `?` at the top of a service function.
pub fn require(role: Role, action: Action) -> Result<(), Denied> {
    if permits(role, action) {
        Ok(())
    } else {
        Err(Denied { role, action })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use Role as R;

    /// The whole policy as a table, one row per role, columns in `Action::ALL` order:
    /// View, Search, Create, Edit, MarkEiE, ViewEiE, Relationships, Users, Teams, AuditLog,
    /// ApiTokens, UseApi. A change to `permits` must be made here too, on purpose.
    #[rustfmt::skip]
    const EXPECTED: &[(Role, [bool; 12])] = &[
        (R::FrontDoorPractitioner, [true, true, true, true, false, false, true, false, false, false, false, true]),
        (R::SocialWorker,          [true, true, true, true, false, false, true, false, false, false, false, true]),
        (R::SeniorPractitioner,    [true, true, true, true, false, false, true, false, false, false, false, true]),
        (R::TeamManager,           [true, true, true, true, true,  false, true, false, false, false, false, true]),
        (R::ServiceManager,        [true, true, true, true, true,  false, true, false, false, false, false, true]),
        (R::OutOfHoursWorker,      [true, true, true, true, false, false, true, false, false, false, false, true]),
        (R::Auditor,               [true, true, false, false, false, false, false, false, false, true, false, false]),
        (R::PerformanceOfficer,    [true, true, false, false, false, false, false, false, false, false, false, true]),
        (R::Administrator,         [true, true, false, false, true,  true,  false, true, true, true, true, true]),
        (R::Inspector,             [true, true, false, false, false, false, false, false, false, false, false, false]),
    ];

    #[test]
    fn columns_follow_the_action_list() {
        assert_eq!(
            A::ALL,
            &[
                A::ViewPerson,
                A::SearchPeople,
                A::CreatePerson,
                A::EditPerson,
                A::MarkPersonEnteredInError,
                A::ViewEnteredInError,
                A::ManageRelationships,
                A::ManageUsers,
                A::ManageTeams,
                A::ViewAuditLog,
                A::ManageApiTokens,
                A::UseApi,
            ]
        );
    }

    #[test]
    fn every_role_and_action_matches_the_table() {
        assert_eq!(EXPECTED.len(), R::ALL.len());
        for (role, row) in EXPECTED {
            for (action, expected) in A::ALL.iter().zip(row) {
                assert_eq!(permits(*role, *action), *expected, "{role:?} × {action:?}");
                assert_eq!(require(*role, *action).is_ok(), *expected);
            }
        }
    }

    #[test]
    fn read_only_roles_never_change_anything() {
        for role in R::ALL.iter().filter(|r| r.is_read_only()) {
            for action in A::ALL.iter().filter(|a| a.is_change()) {
                assert!(!permits(*role, *action), "{role:?} may {action:?}");
            }
        }
    }

    #[test]
    fn denial_says_who_and_what() {
        let denied = require(R::Inspector, A::EditPerson);
        assert_eq!(
            denied,
            Err(Denied {
                role: R::Inspector,
                action: A::EditPerson
            })
        );
        assert_eq!(
            denied.err().map(|d| d.to_string()),
            Some("Inspector may not: Change a person's details".to_owned())
        );
    }
}

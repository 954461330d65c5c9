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
        ViewFrontDoor = "view_front_door" => "View contacts, the screening queue and referrals",
        RecordContact = "record_contact" => "Record a contact",
        ScreenContact = "screen_contact" => "Claim and screen contacts",
        AuthoriseScreening = "authorise_screening" => "Authorise or return screening decisions",
        AssignReferral = "assign_referral" => "Assign referrals to a team and worker",
        RecordOutOfHoursAction = "record_out_of_hours_action" => "Record out-of-hours actions",
        AcknowledgeHandover = "acknowledge_handover" => "Acknowledge out-of-hours handovers and contacts on open cases",
        ManageThresholds = "manage_thresholds" => "Edit and agree threshold documents",
        ManageMessageTemplates = "manage_message_templates" => "Edit the wording of receipts and feedback",
        ViewJobs = "view_jobs" => "View and retry background jobs",
        ViewFrontDoorPerformance = "view_front_door_performance" => "View front-door performance and reports",
        ViewCasework = "view_casework" => "View assessments, enquiries, conferences, plans and visits",
        RecordCasework = "record_casework" => "Record assessments, strategy discussions, enquiries, conferences, plans and visits",
        AuthoriseCasework = "authorise_casework" => "Authorise assessments, section 47 outcomes and closures",
        ViewTeamWork = "view_team_work" => "View a team's work due and overdue",
        ManageTimescales = "manage_timescales" => "Change the timescales casework is measured against",
        RecordOversight = "record_oversight" => "Record management decisions on a child's case",
        RecordSupervision = "record_supervision" => "Record supervision sessions",
        ViewRecordingQuality = "view_recording_quality" => "View recording quality, oversight and supervision reports",
        ManageRecordingStandards = "manage_recording_standards" => "Change the recording, oversight and supervision standards",
        ViewWorkloadModel = "view_workload_model" => "Read the workload model and safe working levels",
        AllocateWork = "allocate_work" => "Allocate and reallocate cases and pieces of work, and set case weighting factors",
        OverrideWorkloadLimit = "override_workload_limit" => "Allocate over a worker's red safe working level, with a reason",
        ViewCaseloads = "view_caseloads" => "View caseload dashboards, unallocated work and workload alerts",
        ManageWorkloadModel = "manage_workload_model" => "Change the workload model",
        ManageWorkerAvailability = "manage_worker_availability" => "Record a worker's hours, leave and leaving date",
        TakeWorkloadSnapshot = "take_workload_snapshot" => "Take a workload snapshot now",
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
                | Self::ViewFrontDoor
                | Self::ViewJobs
                | Self::ViewFrontDoorPerformance
                | Self::ViewCasework
                | Self::ViewTeamWork
                | Self::ViewRecordingQuality
                | Self::ViewWorkloadModel
                | Self::ViewCaseloads
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

        // Contacts are children's records: everyone who works with or inspects them, but not
        // administrators, who run the system rather than the casework.
        ViewFrontDoor => role != Administrator,

        RecordContact => matches!(
            role,
            FrontDoorPractitioner
                | SocialWorker
                | SeniorPractitioner
                | TeamManager
                | ServiceManager
                | OutOfHoursWorker
        ),

        ScreenContact => matches!(
            role,
            FrontDoorPractitioner
                | SeniorPractitioner
                | TeamManager
                | ServiceManager
                | OutOfHoursWorker
        ),

        // Threshold decisions and who takes a referral are management decisions.
        AuthoriseScreening | AssignReferral => matches!(role, TeamManager | ServiceManager),

        RecordOutOfHoursAction => matches!(role, OutOfHoursWorker | TeamManager | ServiceManager),

        AcknowledgeHandover => matches!(
            role,
            FrontDoorPractitioner
                | SocialWorker
                | SeniorPractitioner
                | TeamManager
                | ServiceManager
        ),

        // Thresholds are agreed by the partnership; the service manager or an administrator
        // records the agreed text.
        ManageThresholds => matches!(role, ServiceManager | Administrator),

        ManageMessageTemplates | ViewJobs => role == Administrator,

        ViewFrontDoorPerformance => matches!(
            role,
            TeamManager | ServiceManager | PerformanceOfficer | Auditor | Inspector
        ),

        // Casework is the child's record: everyone who works with or inspects it.
        ViewCasework => role != Administrator,

        // The emergency duty team holds strategy discussions and starts enquiries out of
        // hours, and the front door convenes strategy discussions, so both record casework.
        RecordCasework => matches!(
            role,
            FrontDoorPractitioner
                | SocialWorker
                | SeniorPractitioner
                | TeamManager
                | ServiceManager
                | OutOfHoursWorker
        ),

        // Sign-off is a management decision.
        AuthoriseCasework | ViewTeamWork => matches!(role, TeamManager | ServiceManager),

        ManageTimescales => matches!(role, ServiceManager | Administrator),

        // A management decision on a child's case is a manager's.
        RecordOversight => matches!(role, TeamManager | ServiceManager),

        // Senior practitioners often supervise newly qualified workers.
        RecordSupervision => matches!(role, SeniorPractitioner | TeamManager | ServiceManager),

        // Recording quality is the managers' and the quality assurance team's view of practice.
        ViewRecordingQuality => matches!(
            role,
            TeamManager | ServiceManager | PerformanceOfficer | Auditor
        ),

        ManageRecordingStandards => matches!(role, ServiceManager | Administrator),

        // The workload model is published to everyone it is applied to (LGA Standard 3).
        ViewWorkloadModel => true,

        // Allocation is a manager's decision, made with the worker; so is going over the red
        // level, which is recorded with a reason and reported.
        AllocateWork | OverrideWorkloadLimit => matches!(role, TeamManager | ServiceManager),

        // The caseload picture: managers, and those who report on it or inspect it.
        ViewCaseloads => matches!(
            role,
            TeamManager | ServiceManager | PerformanceOfficer | Auditor | Inspector
        ),

        ManageWorkloadModel => matches!(role, ServiceManager | Administrator),

        // Hours, leave and leaving are known to the line manager and to HR administration.
        ManageWorkerAvailability => matches!(role, TeamManager | ServiceManager | Administrator),

        TakeWorkloadSnapshot => matches!(role, TeamManager | ServiceManager | Administrator),
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
    /// ApiTokens, UseApi | ViewFrontDoor, RecordContact, Screen, AuthoriseScreening,
    /// AssignReferral, OutOfHours, Handover, Thresholds, MessageTemplates, Jobs, Performance |
    /// ViewCasework, RecordCasework, AuthoriseCasework, ViewTeamWork, ManageTimescales |
    /// RecordOversight, RecordSupervision, ViewRecordingQuality, ManageRecordingStandards |
    /// ViewWorkloadModel, AllocateWork, OverrideWorkloadLimit, ViewCaseloads,
    /// ManageWorkloadModel, ManageWorkerAvailability, TakeWorkloadSnapshot.
    /// A change to `permits` must be made here too, on purpose. (1 = permitted.)
    #[rustfmt::skip]
    const EXPECTED: &[(Role, &str)] = &[
        (R::FrontDoorPractitioner, "111100100001|11100010000|11000|0000|1000000"),
        (R::SocialWorker,          "111100100001|11000010000|11000|0000|1000000"),
        (R::SeniorPractitioner,    "111100100001|11100010000|11000|0100|1000000"),
        (R::TeamManager,           "111110100001|11111110001|11110|1110|1111011"),
        (R::ServiceManager,        "111110100001|11111111001|11111|1111|1111111"),
        (R::OutOfHoursWorker,      "111100100001|11100100000|11000|0000|1000000"),
        (R::Auditor,               "110000000100|10000000001|10000|0010|1001000"),
        (R::PerformanceOfficer,    "110000000001|10000000001|10000|0010|1001000"),
        (R::Administrator,         "110011011111|00000001110|00001|0001|1000111"),
        (R::Inspector,             "110000000000|10000000001|10000|0000|1001000"),
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
                A::ViewFrontDoor,
                A::RecordContact,
                A::ScreenContact,
                A::AuthoriseScreening,
                A::AssignReferral,
                A::RecordOutOfHoursAction,
                A::AcknowledgeHandover,
                A::ManageThresholds,
                A::ManageMessageTemplates,
                A::ViewJobs,
                A::ViewFrontDoorPerformance,
                A::ViewCasework,
                A::RecordCasework,
                A::AuthoriseCasework,
                A::ViewTeamWork,
                A::ManageTimescales,
                A::RecordOversight,
                A::RecordSupervision,
                A::ViewRecordingQuality,
                A::ManageRecordingStandards,
                A::ViewWorkloadModel,
                A::AllocateWork,
                A::OverrideWorkloadLimit,
                A::ViewCaseloads,
                A::ManageWorkloadModel,
                A::ManageWorkerAvailability,
                A::TakeWorkloadSnapshot,
            ]
        );
    }

    #[test]
    fn every_role_and_action_matches_the_table() {
        assert_eq!(EXPECTED.len(), R::ALL.len());
        for (role, row) in EXPECTED {
            let row: Vec<bool> = row
                .chars()
                .filter(|c| *c != '|')
                .map(|c| c == '1')
                .collect();
            assert_eq!(row.len(), A::ALL.len(), "{role:?} row length");
            for (action, expected) in A::ALL.iter().zip(&row) {
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

//! What a member of staff does, which decides what they may do (see [`crate::policy`]).

use crate::code_list::code_list;

code_list! {
    /// A user's role. The code is stored and appears in audit rows; the label is shown.
    pub enum Role {
        FrontDoorPractitioner = "front_door_practitioner" => "Front door practitioner",
        SocialWorker = "social_worker" => "Social worker",
        SeniorPractitioner = "senior_practitioner" => "Senior practitioner",
        TeamManager = "team_manager" => "Team manager",
        ServiceManager = "service_manager" => "Service manager",
        /// The emergency duty team, working when offices are closed.
        OutOfHoursWorker = "out_of_hours_worker" => "Out-of-hours (EDT) worker",
        /// Reviews case files and the audit log; never changes a record.
        Auditor = "auditor" => "Auditor",
        PerformanceOfficer = "performance_officer" => "Performance officer",
        /// Runs the system: users, teams, tokens. Not a case worker.
        Administrator = "administrator" => "Administrator",
        /// An Ofsted inspector given time-limited access during an inspection.
        Inspector = "inspector" => "Inspector",
    }
}

impl Role {
    /// Roles that look at case records but never change them.
    pub const fn is_read_only(&self) -> bool {
        matches!(
            self,
            Self::Inspector | Self::Auditor | Self::PerformanceOfficer
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_snake_case_and_labels_are_sentence_case() {
        assert_eq!(
            Role::FrontDoorPractitioner.code(),
            "front_door_practitioner"
        );
        assert_eq!(
            Role::FrontDoorPractitioner.label(),
            "Front door practitioner"
        );
        assert_eq!(Role::OutOfHoursWorker.label(), "Out-of-hours (EDT) worker");
        assert_eq!(Role::from_code("team_manager"), Some(Role::TeamManager));
        assert_eq!(Role::from_code("Team manager"), None);
        assert_eq!(Role::ALL.len(), 10);
        for role in Role::ALL {
            assert!(
                role.code()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_')
            );
        }
    }

    #[test]
    fn exactly_three_roles_are_read_only() {
        let read_only: Vec<Role> = Role::ALL
            .iter()
            .copied()
            .filter(Role::is_read_only)
            .collect();
        assert_eq!(
            read_only,
            vec![Role::Auditor, Role::PerformanceOfficer, Role::Inspector]
        );
    }
}

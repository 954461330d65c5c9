//! Caseloads and allocation: the closed lists of the workload model, and (in the submodules)
//! its points arithmetic, the versioned model with its validation, and the rules that turn a
//! worker's cases into a weighted load, a capacity and a green/amber/red rating.
//!
//! There is no national caseload limit in England: councils set their own safe working levels
//! and weigh cases by complexity (LGA Standard 3). So every number here is configuration; the
//! rules only say how the numbers combine.

pub mod load;
pub mod model;
pub mod points;

use crate::code_list::code_list;

code_list! {
    /// A kind of work a case (or a piece of work in it) counts as. A case counts as the
    /// heaviest kind it currently involves; `Case` is an open case with none of the others.
    pub enum WorkKind {
        Case = "case" => "Open case (no assessment, enquiry or plan under way)",
        Assessment = "assessment" => "Assessment",
        CinPlan = "cin_plan" => "Child in need plan",
        Section47 = "section47" => "Section 47 enquiry in progress",
        CpPlan = "cp_plan" => "Child protection plan",
        LookedAfter = "looked_after" => "Looked after child",
        CourtWork = "court_work" => "Court work",
    }
}

code_list! {
    /// Something about a case that adds to its weight whatever kind of work it is.
    pub enum CaseFactor {
        /// The child has a brother or sister whose case is also open.
        SiblingGroup = "sibling_group" => "Sibling group",
        OutOfArea = "out_of_area" => "Placed or living out of area",
        Interpreter = "interpreter" => "Interpreter needed",
        Complexity = "complexity" => "Complex case (set by the manager)",
    }
}

code_list! {
    /// What a manager sets on a child's case by hand. Court work and looked after are kinds
    /// of work Cairn has no record for yet, so a manager says so; sibling groups are found
    /// from the family's relationships and are never set by hand.
    pub enum ManagerFlag {
        OutOfArea = "out_of_area" => "Placed or living out of area",
        Interpreter = "interpreter" => "Interpreter needed",
        Complexity = "complexity" => "Complex case",
        CourtWork = "court_work" => "Court work",
        LookedAfter = "looked_after" => "Looked after child",
    }
}

impl ManagerFlag {
    /// The factor this flag adds, if it is a factor rather than a kind of work.
    pub const fn factor(&self) -> Option<CaseFactor> {
        match self {
            Self::OutOfArea => Some(CaseFactor::OutOfArea),
            Self::Interpreter => Some(CaseFactor::Interpreter),
            Self::Complexity => Some(CaseFactor::Complexity),
            Self::CourtWork | Self::LookedAfter => None,
        }
    }

    /// The kind of work this flag says the case involves, if it is one.
    pub const fn work_kind(&self) -> Option<WorkKind> {
        match self {
            Self::CourtWork => Some(WorkKind::CourtWork),
            Self::LookedAfter => Some(WorkKind::LookedAfter),
            Self::OutOfArea | Self::Interpreter | Self::Complexity => None,
        }
    }
}

code_list! {
    /// What is allocated: the child's case, or one piece of work in it given to someone else
    /// (a co-worker doing the assessment, a worker from another team doing the enquiry).
    pub enum AllocatedWork {
        Case = "case" => "Case",
        Assessment = "assessment" => "Assessment",
        Section47 = "section47" => "Section 47 enquiry",
    }
}

impl AllocatedWork {
    /// The weight a piece of work carries on its own.
    pub const fn work_kind(&self) -> WorkKind {
        match self {
            Self::Case => WorkKind::Case,
            Self::Assessment => WorkKind::Assessment,
            Self::Section47 => WorkKind::Section47,
        }
    }
}

code_list! {
    /// The service a team belongs to. Safe working levels are set per service, as councils'
    /// caseload policies set ranges by team type.
    pub enum Service {
        FrontDoor = "front_door" => "Front door",
        Assessment = "assessment" => "Assessment",
        ChildrenInNeed = "children_in_need" => "Children in need",
        ChildProtection = "child_protection" => "Child protection",
        LookedAfter = "looked_after" => "Children looked after",
        DisabledChildren = "disabled_children" => "Disabled children",
        OutOfHours = "out_of_hours" => "Out of hours",
    }
}

code_list! {
    /// A load against its safe working level.
    pub enum Rating {
        Green = "green" => "Within capacity",
        Amber = "amber" => "Near capacity (amber)",
        Red = "red" => "Over the safe working level (red)",
    }
}

code_list! {
    pub enum AlertSubject {
        Worker = "worker" => "Worker",
        Team = "team" => "Team",
        /// A child waiting for allocation past the model's escalation time.
        Unallocated = "unallocated" => "Unallocated child",
    }
}

code_list! {
    pub enum AlertLevel {
        Amber = "amber" => "Amber",
        Red = "red" => "Red",
        Waiting = "waiting" => "Waiting too long",
    }
}

impl From<Rating> for Option<AlertLevel> {
    fn from(rating: Rating) -> Self {
        match rating {
            Rating::Green => None,
            Rating::Amber => Some(AlertLevel::Amber),
            Rating::Red => Some(AlertLevel::Red),
        }
    }
}

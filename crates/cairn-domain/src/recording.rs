//! The closed lists of recording: case notes, the chronology, management oversight and
//! supervision. Stored as their codes; the CHECK constraints in the migrations list the same
//! codes where the column is constrained.

pub mod notes;
pub mod standards;
pub mod supervision;

use crate::code_list::code_list;

code_list! {
    /// What kind of contact or work a case note records.
    pub enum NoteKind {
        Visit = "visit" => "Visit",
        PhoneCall = "phone_call" => "Phone call",
        Meeting = "meeting" => "Meeting",
        OfficeDiscussion = "office_discussion" => "Office discussion",
        Letter = "letter" => "Letter",
        Email = "email" => "Email",
        DirectWork = "direct_work" => "Direct work with the child",
        Other = "other" => "Other",
    }
}

code_list! {
    pub enum NoteStatus {
        Draft = "draft" => "Draft",
        Final = "final" => "Final",
        /// An abandoned draft: kept, never shown as part of the record.
        Discarded = "discarded" => "Discarded draft",
    }
}

code_list! {
    /// What a chronology entry is about, for filtering and for the label beside each entry.
    pub enum ChronologyCategory {
        Contact = "contact" => "Contact",
        Screening = "screening" => "Screening decision",
        Referral = "referral" => "Referral",
        Allocation = "allocation" => "Allocation",
        Assessment = "assessment" => "Assessment",
        StrategyDiscussion = "strategy_discussion" => "Strategy discussion",
        Section47 = "section47" => "Section 47 enquiry",
        Conference = "conference" => "Child protection conference",
        CpPlan = "cp_plan" => "Child protection plan",
        CinPlan = "cin_plan" => "Child in need plan",
        Visit = "visit" => "Visit",
        Note = "note" => "Significant case note",
        Oversight = "oversight" => "Management decision",
        Supervision = "supervision" => "Supervision discussion",
        Closure = "closure" => "Case closure",
        OutOfHours = "out_of_hours" => "Out-of-hours action",
        Address = "address" => "Address change",
        Household = "household" => "Household and relationships",
        Manual = "manual" => "Entry from another source",
    }
}

code_list! {
    /// Whether a chronology entry's time of day is known.
    pub enum Precision {
        Date = "date" => "Date only",
        DateTime = "datetime" => "Date and time",
    }
}

code_list! {
    /// The decision point a management oversight record answers. The recording standards list
    /// the points at which one is required.
    pub enum OversightPoint {
        Allocation = "allocation" => "Allocation",
        AssessmentAuthorisation = "assessment_authorisation" => "Assessment authorisation",
        Section47Decision = "section47_decision" => "Section 47 decision",
        PlanStart = "plan_start" => "Start of a plan",
        Closure = "closure" => "Closure",
        StepDown = "step_down" => "Step-down",
        Periodic = "periodic" => "Regular oversight",
        Other = "other" => "Other decision",
    }
}

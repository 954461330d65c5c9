//! The closed lists of casework after the front door: assessments, strategy discussions,
//! section 47 enquiries, conferences, plans, visits, actions and closure. Stored as their codes;
//! the CHECK constraints in the migrations list the same codes.

pub mod timescales;

use crate::code_list::code_list;

code_list! {
    /// Which assessment: the single assessment (from April 2013) or the earlier initial and
    /// core assessments, kept for records migrated from the 2006–2013 regime.
    pub enum AssessmentKind {
        Single = "single" => "Child and family assessment",
        Initial = "initial" => "Initial assessment",
        Core = "core" => "Core assessment",
    }
}

code_list! {
    pub enum AssessmentStatus {
        InProgress = "in_progress" => "In progress",
        Submitted = "submitted" => "Submitted for authorisation",
        Returned = "returned" => "Returned for changes",
        Authorised = "authorised" => "Authorised",
    }
}

code_list! {
    /// What the assessment concluded should happen next.
    pub enum AssessmentOutcome {
        NoFurtherAction = "no_further_action" => "No further action",
        CinPlan = "cin_plan" => "Child in need plan",
        StrategyDiscussion = "strategy_discussion" => "Strategy discussion / section 47 enquiry",
        StepDownEarlyHelp = "step_down_early_help" => "Step down to early help",
        LookedAfter = "looked_after" => "Looked after",
        Other = "other" => "Other",
    }
}

code_list! {
    /// A manager's judgement of an assessment's quality, on Ofsted's four-point scale.
    pub enum QualityRating {
        Outstanding = "outstanding" => "Outstanding",
        Good = "good" => "Good",
        RequiresImprovement = "requires_improvement" => "Requires improvement",
        Inadequate = "inadequate" => "Inadequate",
    }
}

code_list! {
    /// The three domains of the Assessment Framework (Framework for the Assessment of Children
    /// in Need and their Families, 2000; kept in Working Together since).
    pub enum FrameworkDomain {
        DevelopmentalNeeds = "developmental_needs" => "Child's developmental needs",
        ParentingCapacity = "parenting_capacity" => "Parenting capacity",
        FamilyAndEnvironment = "family_and_environment" => "Family and environmental factors",
    }
}

code_list! {
    /// The sub-areas of the Assessment Framework triangle; each belongs to one domain.
    pub enum FrameworkArea {
        Health = "health" => "Health",
        Education = "education" => "Education",
        EmotionalBehavioural = "emotional_behavioural" => "Emotional and behavioural development",
        Identity = "identity" => "Identity",
        FamilySocialRelationships = "family_social_relationships" => "Family and social relationships",
        SocialPresentation = "social_presentation" => "Social presentation",
        SelfCare = "self_care" => "Self-care skills",
        BasicCare = "basic_care" => "Basic care",
        EnsuringSafety = "ensuring_safety" => "Ensuring safety",
        EmotionalWarmth = "emotional_warmth" => "Emotional warmth",
        Stimulation = "stimulation" => "Stimulation",
        GuidanceBoundaries = "guidance_boundaries" => "Guidance and boundaries",
        Stability = "stability" => "Stability",
        FamilyHistory = "family_history" => "Family history and functioning",
        WiderFamily = "wider_family" => "Wider family",
        Housing = "housing" => "Housing",
        Employment = "employment" => "Employment",
        Income = "income" => "Income",
        SocialIntegration = "social_integration" => "Family's social integration",
        CommunityResources = "community_resources" => "Community resources",
    }
}

impl FrameworkArea {
    pub const fn domain(&self) -> FrameworkDomain {
        use FrameworkArea::*;
        match self {
            Health
            | Education
            | EmotionalBehavioural
            | Identity
            | FamilySocialRelationships
            | SocialPresentation
            | SelfCare => FrameworkDomain::DevelopmentalNeeds,
            BasicCare | EnsuringSafety | EmotionalWarmth | Stimulation | GuidanceBoundaries
            | Stability => FrameworkDomain::ParentingCapacity,
            FamilyHistory | WiderFamily | Housing | Employment | Income | SocialIntegration
            | CommunityResources => FrameworkDomain::FamilyAndEnvironment,
        }
    }

    /// The areas of one domain, in the framework's order.
    pub fn of(domain: FrameworkDomain) -> impl Iterator<Item = FrameworkArea> {
        Self::ALL
            .iter()
            .copied()
            .filter(move |a| a.domain() == domain)
    }
}

code_list! {
    /// Who took part in a strategy discussion or conference, by agency.
    pub enum Agency {
        SocialCare = "social_care" => "Children's social care",
        Police = "police" => "Police",
        Health = "health" => "Health",
        Education = "education" => "Education",
        Probation = "probation" => "Probation",
        Housing = "housing" => "Housing",
        Family = "family" => "Family member or carer",
        Other = "other" => "Other",
    }
}

code_list! {
    pub enum StrategyDecision {
        Section47 = "section_47" => "Start a section 47 enquiry",
        NoSection47 = "no_section_47" => "No section 47 enquiry",
        PoliceSingleAgency = "police_single_agency" => "Single-agency police investigation",
        ImmediateProtection = "immediate_protection" => "Immediate protection (police protection or emergency protection order)",
    }
}

code_list! {
    pub enum Section47Outcome {
        NotSubstantiated = "not_substantiated" => "Concerns not substantiated",
        SubstantiatedNoContinuingRisk = "substantiated_no_continuing_risk" => "Concerns substantiated, no continuing risk of significant harm",
        ContinuingRiskIcpc = "continuing_risk_icpc" => "Continuing risk of significant harm: convene an initial child protection conference",
        IcpcNotRequired = "icpc_not_required" => "Initial child protection conference not required",
    }
}

impl Section47Outcome {
    /// The census `ICPCnotRequired` flag: true when the enquiry concluded without a conference.
    pub const fn icpc_not_required(&self) -> bool {
        !matches!(self, Self::ContinuingRiskIcpc)
    }
}

code_list! {
    pub enum ConferenceKind {
        Initial = "initial" => "Initial child protection conference",
        Review = "review" => "Review child protection conference",
    }
}

code_list! {
    pub enum ConferenceDecision {
        CpPlan = "cp_plan" => "Child protection plan",
        NoPlanCin = "no_plan_cin" => "No child protection plan: child in need plan",
        NoPlanNfa = "no_plan_nfa" => "No child protection plan: no further action",
        ContinuePlan = "continue_plan" => "Continue the child protection plan",
        EndPlan = "end_plan" => "End the child protection plan",
    }
}

impl ConferenceDecision {
    /// Whether the decision can be made at a conference of this kind.
    pub const fn fits(&self, kind: ConferenceKind) -> bool {
        match kind {
            ConferenceKind::Initial => {
                matches!(self, Self::CpPlan | Self::NoPlanCin | Self::NoPlanNfa)
            }
            ConferenceKind::Review => matches!(self, Self::ContinuePlan | Self::EndPlan),
        }
    }
}

code_list! {
    pub enum CpPlanEndReason {
        NoLongerAtRisk = "no_longer_at_risk" => "No longer at continuing risk (review conference decision)",
        MovedArea = "moved_area" => "Moved to another local authority",
        LookedAfter = "looked_after" => "Became looked after",
        Turned18 = "turned_18" => "Reached 18",
        Died = "died" => "Died",
        Other = "other" => "Other",
    }
}

code_list! {
    pub enum CinPlanEndReason {
        NoLongerInNeed = "no_longer_in_need" => "No longer in need",
        SteppedUpToCp = "stepped_up_to_cp" => "Stepped up to a child protection plan",
        SteppedDown = "stepped_down" => "Stepped down to early help",
        MovedArea = "moved_area" => "Moved to another local authority",
        LookedAfter = "looked_after" => "Became looked after",
        Other = "other" => "Other",
    }
}

code_list! {
    pub enum CinPlanReviewDecision {
        ContinuePlan = "continue_plan" => "Continue the plan",
        EndPlan = "end_plan" => "End the plan",
        StepUp = "step_up" => "Step up: strategy discussion",
    }
}

code_list! {
    pub enum VisitKind {
        Announced = "announced" => "Announced",
        Unannounced = "unannounced" => "Unannounced",
    }
}

code_list! {
    /// Where an action came from; issue-by-issue modules add their own sources.
    pub enum ActionSource {
        StrategyDiscussion = "strategy_discussion" => "Strategy discussion",
        CpPlan = "cp_plan" => "Child protection plan",
        CinPlan = "cin_plan" => "Child in need plan",
        Conference = "conference" => "Conference",
        Oversight = "oversight" => "Management oversight",
        Supervision = "supervision" => "Supervision",
    }
}

code_list! {
    pub enum ActionStatus {
        Open = "open" => "Open",
        Done = "done" => "Done",
        Cancelled = "cancelled" => "Cancelled",
    }
}

code_list! {
    pub enum ClosureStatus {
        AwaitingAuthorisation = "awaiting_authorisation" => "Awaiting authorisation",
        Authorised = "authorised" => "Authorised",
        Returned = "returned" => "Returned",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_area_belongs_to_one_domain_and_each_domain_has_areas() {
        let total: usize = FrameworkDomain::ALL
            .iter()
            .map(|d| FrameworkArea::of(*d).count())
            .sum();
        assert_eq!(total, FrameworkArea::ALL.len());
        assert_eq!(
            FrameworkArea::of(FrameworkDomain::ParentingCapacity).count(),
            6
        );
        assert_eq!(
            FrameworkArea::Housing.domain(),
            FrameworkDomain::FamilyAndEnvironment
        );
    }

    #[test]
    fn only_a_continuing_risk_needs_a_conference() {
        for outcome in Section47Outcome::ALL {
            assert_eq!(
                outcome.icpc_not_required(),
                *outcome != Section47Outcome::ContinuingRiskIcpc
            );
        }
    }

    #[test]
    fn conference_decisions_fit_their_kind() {
        assert!(ConferenceDecision::CpPlan.fits(ConferenceKind::Initial));
        assert!(!ConferenceDecision::CpPlan.fits(ConferenceKind::Review));
        assert!(ConferenceDecision::EndPlan.fits(ConferenceKind::Review));
        assert!(!ConferenceDecision::NoPlanNfa.fits(ConferenceKind::Review));
    }
}

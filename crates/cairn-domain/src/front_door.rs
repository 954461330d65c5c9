//! The closed lists of the front door: how a contact arrived, who made it, consent, RAG rating,
//! screening outcomes, concern categories, out-of-hours actions and threshold domains.
//! Stored as their codes; the CHECK constraints in the migrations list the same codes.

use crate::code_list::code_list;
use crate::codes::ReferralSource;

code_list! {
    /// How a contact reached the front door.
    pub enum ContactChannel {
        Phone = "phone" => "Phone",
        Email = "email" => "Email",
        OnlineForm = "online_form" => "Online form",
        PoliceNotification = "police_notification" => "Police notification",
        Letter = "letter" => "Letter",
        InPerson = "in_person" => "In person",
        OutOfHours = "out_of_hours" => "Out-of-hours service",
    }
}

code_list! {
    /// Who made the contact, which decides what may be asked of them and whether they get a
    /// written receipt (an anonymous referrer cannot).
    pub enum ReferrerKind {
        Professional = "professional" => "A professional (for example school, health, police)",
        Family = "family" => "A family member, relative or carer",
        MemberOfPublic = "member_of_public" => "A member of the public",
        SelfReferral = "self" => "The child or young person themselves",
        Anonymous = "anonymous" => "Anonymous",
    }
}

code_list! {
    /// The referrer's agency or relationship, each mapped to one CIN census referral source.
    pub enum AgencyType {
        School = "school" => "School",
        EarlyYears = "early_years" => "Nursery or early years setting",
        EducationService = "education_service" => "Education service (for example attendance, SEND)",
        Gp = "gp" => "GP",
        HealthVisitor = "health_visitor" => "Health visitor",
        SchoolNurse = "school_nurse" => "School nurse",
        Midwife = "midwife" => "Midwife or other primary health",
        Hospital = "hospital" => "Hospital emergency department",
        OtherHealth = "other_health" => "Other health service (for example mental health, hospice)",
        Police = "police" => "Police",
        LegalAgency = "legal_agency" => "Probation, courts, CAFCASS, prison or immigration",
        Housing = "housing" => "Housing",
        AdultSocialCare = "adult_social_care" => "Adults' social care",
        EarlyHelp = "early_help" => "Early help",
        OtherCouncilService = "other_council_service" => "Other council service",
        OtherLocalAuthority = "other_local_authority" => "Another local authority",
        Voluntary = "voluntary" => "Voluntary organisation, children's centre or independent provider",
        FamilyMember = "family_member" => "Family member, relative or carer",
        Acquaintance = "acquaintance" => "Acquaintance or neighbour",
        SelfReferral = "self" => "Self",
        OtherIndividual = "other_individual" => "Other individual",
        Anonymous = "anonymous" => "Anonymous",
    }
}

impl AgencyType {
    /// The CIN census referral source (DfE CIN census code list N00152) this agency reports as.
    pub const fn referral_source(&self) -> ReferralSource {
        use AgencyType::*;
        match self {
            School => ReferralSource::Schools,
            EarlyYears | Voluntary => ReferralSource::Other,
            EducationService => ReferralSource::EducationServices,
            Gp => ReferralSource::GeneralPractitioner,
            HealthVisitor => ReferralSource::HealthVisitor,
            SchoolNurse => ReferralSource::SchoolNurse,
            Midwife => ReferralSource::OtherPrimaryHealthServices,
            Hospital => ReferralSource::AccidentAndEmergency,
            OtherHealth => ReferralSource::OtherHealthServices,
            Police => ReferralSource::Police,
            LegalAgency => ReferralSource::OtherLegalAgency,
            Housing => ReferralSource::Housing,
            AdultSocialCare => ReferralSource::LaSocialCare,
            EarlyHelp => ReferralSource::LaEarlyHelp,
            OtherCouncilService => ReferralSource::LaOtherInternal,
            OtherLocalAuthority => ReferralSource::LaExternal,
            FamilyMember => ReferralSource::FamilyMemberRelativeOrCarer,
            Acquaintance => ReferralSource::Acquaintance,
            SelfReferral => ReferralSource::SelfReferral,
            OtherIndividual => ReferralSource::OtherIndividual,
            Anonymous => ReferralSource::Anonymous,
        }
    }
}

code_list! {
    /// Whether the family agreed to the contact being made or shared.
    pub enum Consent {
        Given = "given" => "Consent given",
        NotSought = "not_sought" => "Not sought: seeking it would increase the risk to the child",
        Refused = "refused" => "Consent refused",
    }
}

code_list! {
    /// Red/amber/green urgency rating at screening; red and amber shorten the deadline.
    pub enum Rag {
        Red = "red" => "Red",
        Amber = "amber" => "Amber",
        Green = "green" => "Green",
    }
}

code_list! {
    /// What screening decided (the D2I Standard Safeguarding Dataset's contact outcomes, plus a strategy discussion).
    pub enum ScreeningOutcome {
        NoFurtherAction = "no_further_action" => "No further action",
        InformationAdvice = "information_advice" => "Information and advice",
        EarlyHelp = "early_help" => "Step to early help",
        Referral = "referral" => "Referral to children's social care",
        StrategyDiscussion = "strategy_discussion" => "Strategy discussion needed (immediate safeguarding)",
    }
}

impl ScreeningOutcome {
    /// Outcomes that open a CIN referral (episode) for each child decided.
    pub const fn opens_referral(&self) -> bool {
        matches!(self, Self::Referral | Self::StrategyDiscussion)
    }
}

code_list! {
    /// What the concern is about, as the referrer describes it; several may apply.
    pub enum ConcernCategory {
        PhysicalAbuse = "physical_abuse" => "Physical abuse or injury",
        SexualAbuse = "sexual_abuse" => "Sexual abuse",
        EmotionalAbuse = "emotional_abuse" => "Emotional abuse",
        Neglect = "neglect" => "Neglect",
        DomesticAbuse = "domestic_abuse" => "Domestic abuse",
        ParentalMentalHealth = "parental_mental_health" => "Parental mental health",
        ParentalSubstanceMisuse = "parental_substance_misuse" => "Parental drug or alcohol misuse",
        ChildMentalHealth = "child_mental_health" => "Child's mental health or self-harm",
        Exploitation = "exploitation" => "Child sexual or criminal exploitation",
        MissingFromHome = "missing" => "Missing from home, care or education",
        Disability = "disability" => "Disability or complex health needs",
        Housing = "housing" => "Housing or homelessness",
        Behaviour = "behaviour" => "Behaviour or offending",
        Other = "other" => "Other",
    }
}

code_list! {
    /// What the out-of-hours (emergency duty) team did, for the day team's handover.
    pub enum OutOfHoursActionKind {
        RecordChecked = "record_checked" => "Checked the child's record",
        AdviceGiven = "advice_given" => "Advice given",
        Visit = "visit" => "Visit made",
        StrategyDiscussion = "strategy_discussion" => "Strategy discussion held out of hours",
        PoliceProtection = "police_protection" => "Police protection (section 46)",
        EmergencyProtectionOrder = "emergency_protection_order" => "Emergency protection order (section 44)",
        EmergencyPlacement = "emergency_placement" => "Emergency placement",
        Other = "other" => "Other",
    }
}

impl OutOfHoursActionKind {
    /// Actions that protected a child immediately; the handover lists them first.
    pub const fn is_immediate_protection(&self) -> bool {
        matches!(
            self,
            Self::PoliceProtection | Self::EmergencyProtectionOrder | Self::EmergencyPlacement
        )
    }
}

code_list! {
    /// The Assessment Framework domains that group threshold indicators.
    pub enum ThresholdDomain {
        ChildDevelopment = "child_development" => "Child's developmental needs",
        ParentingCapacity = "parenting_capacity" => "Parenting capacity",
        FamilyEnvironment = "family_environment" => "Family and environmental factors",
    }
}

code_list! {
    /// A threshold document's life: drafts are edited, an agreed version is immutable and is
    /// the one screening uses, until a newer version is agreed and it is superseded.
    pub enum ThresholdStatus {
        Draft = "draft" => "Draft",
        Agreed = "agreed" => "Agreed",
        Superseded = "superseded" => "Superseded",
    }
}

code_list! {
    /// Where a contact is in its life.
    pub enum ContactStatus {
        Screening = "screening" => "Waiting for screening",
        AwaitingAuthorisation = "awaiting_authorisation" => "Waiting for a manager",
        Decided = "decided" => "Decided",
        WithAllocatedWorker = "with_allocated_worker" => "Sent to the allocated worker",
    }
}

code_list! {
    /// The two written messages every identifiable referrer gets.
    pub enum MessageKind {
        Receipt = "receipt" => "Acknowledgement of receipt",
        Feedback = "feedback" => "Feedback on the decision",
    }
}

code_list! {
    /// Delivery state of a receipt or feedback message.
    pub enum MessageStatus {
        Queued = "queued" => "Waiting to be sent",
        Sent = "sent" => "Sent by email",
        Retrying = "retrying" => "Sending failed; will retry",
        Failed = "failed" => "Could not be sent",
        LetterOnly = "letter_only" => "No email address: letter to be posted",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_agency_maps_to_a_census_source() {
        assert_eq!(AgencyType::School.referral_source().code(), "2A");
        assert_eq!(AgencyType::Police.referral_source().code(), "6");
        assert_eq!(AgencyType::Anonymous.referral_source().code(), "9");
        assert_eq!(AgencyType::EarlyHelp.referral_source().code(), "5D");
    }

    #[test]
    fn only_referral_outcomes_open_an_episode() {
        let opening: Vec<_> = ScreeningOutcome::ALL
            .iter()
            .filter(|o| o.opens_referral())
            .collect();
        assert_eq!(
            opening,
            [
                &ScreeningOutcome::Referral,
                &ScreeningOutcome::StrategyDiscussion
            ]
        );
    }
}

use crate::code_list::code_list;

code_list! {
    /// Factors identified at the end of assessment (`AssessmentFactors`, N00181),
    /// as listed in the DfE CIN census guide.
    ///
    /// Only the current codes: the legacy 18A/19A are queried from 2024–25 and must not be
    /// emitted, so they cannot be chosen. Rows that the guide groups as "child / parent(s) /
    /// other" are spelled out one code at a time.
    pub enum AssessmentFactor {
        AlcoholMisuseChild = "1A" => "Alcohol misuse by the child",
        AlcoholMisuseParentOrCarer = "1B" => "Alcohol misuse by the parent(s)/carer(s)",
        AlcoholMisuseOtherInHousehold = "1C" => "Alcohol misuse by another person living in the household",
        DrugMisuseChild = "2A" => "Drug misuse by the child",
        DrugMisuseParentOrCarer = "2B" => "Drug misuse by the parent(s)/carer(s)",
        DrugMisuseOtherInHousehold = "2C" => "Drug misuse by another person living in the household",
        DomesticAbuseChild = "3A" => "Domestic abuse: the child is the subject of it",
        DomesticAbuseParentOrCarer = "3B" => "Domestic abuse: the parent(s)/carer(s) are the subject of it",
        DomesticAbuseOtherInHousehold = "3C" => "Domestic abuse: another household member is the subject of it",
        MentalHealthChild = "4A" => "Mental health of the child",
        MentalHealthParentOrCarer = "4B" => "Mental health of the parent(s)/carer(s)",
        MentalHealthOtherInHousehold = "4C" => "Mental health of another person in the family or household",
        LearningDisabilityChild = "5A" => "Learning disability of the child",
        LearningDisabilityParentOrCarer = "5B" => "Learning disability of the parent(s)/carer(s)",
        LearningDisabilityOtherInHousehold = "5C" => "Learning disability of another person in the family or household",
        PhysicalDisabilityChild = "6A" => "Physical disability or illness of the child",
        PhysicalDisabilityParentOrCarer = "6B" => "Physical disability or illness of the parent(s)/carer(s)",
        PhysicalDisabilityOtherInHousehold = "6C" => "Physical disability or illness of another person in the family or household",
        YoungCarer = "7A" => "Young carer",
        PrivatelyFosteredOverseasReturning = "8B" => "Privately fostered – overseas children who intend to return",
        PrivatelyFosteredOverseasStaying = "8C" => "Privately fostered – overseas children who intend to stay",
        PrivatelyFosteredEducationalPlacement = "8D" => "Privately fostered – UK children in educational placements",
        PrivatelyFosteredFamilyArrangement = "8E" => "Privately fostered – UK children making alternative family arrangements",
        PrivatelyFosteredOther = "8F" => "Privately fostered – other",
        UnaccompaniedAsylumSeeking = "9A" => "Unaccompanied asylum-seeking child (UASC)",
        GoingMissing = "10A" => "Going/being missing",
        ChildSexualExploitation = "11A" => "Child sexual exploitation",
        Trafficking = "12A" => "Trafficking",
        Gangs = "13A" => "Gangs",
        SociallyUnacceptableBehaviour = "14A" => "Socially unacceptable behaviour",
        SelfHarm = "15A" => "Self-harm",
        Neglect = "16A" => "Abuse or neglect – NEGLECT",
        EmotionalAbuse = "17A" => "Abuse or neglect – EMOTIONAL ABUSE",
        PhysicalAbuseChildOnChild = "18B" => "Abuse or neglect – PHYSICAL ABUSE (child on child)",
        PhysicalAbuseAdultOnChild = "18C" => "Abuse or neglect – PHYSICAL ABUSE (adult on child)",
        SexualAbuseChildOnChild = "19B" => "Abuse or neglect – SEXUAL ABUSE (child on child)",
        SexualAbuseAdultOnChild = "19C" => "Abuse or neglect – SEXUAL ABUSE (adult on child)",
        Other = "20" => "Other",
        /// Must be the only factor (8869).
        NoFactorsIdentified = "21" => "No factors identified",
        FemaleGenitalMutilation = "22A" => "Female genital mutilation (FGM)",
        AbuseLinkedToFaithOrBelief = "23A" => "Abuse linked to faith or belief",
        /// From 2021–22.
        ChildCriminalExploitation = "24A" => "Child criminal exploitation",
    }
}

/// Checks the factors recorded at the end of one assessment: "No factors identified"
/// contradicts any other factor (census rule 8869), so it must stand alone.
pub fn validate_assessment_factors(factors: &[AssessmentFactor]) -> Result<(), &'static str> {
    if factors.len() > 1 && factors.contains(&AssessmentFactor::NoFactorsIdentified) {
        return Err(
            "Select ‘No factors identified’ on its own, or remove it and select the factors",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_and_nonexistent_codes_are_not_accepted() {
        assert_eq!(AssessmentFactor::from_code("18A"), None);
        assert_eq!(AssessmentFactor::from_code("19A"), None);
        assert_eq!(AssessmentFactor::from_code("8A"), None);
        assert_eq!(
            AssessmentFactor::from_code("18C"),
            Some(AssessmentFactor::PhysicalAbuseAdultOnChild)
        );
    }

    #[test]
    fn no_factors_must_be_alone() {
        assert!(validate_assessment_factors(&[AssessmentFactor::NoFactorsIdentified]).is_ok());
        assert!(
            validate_assessment_factors(&[AssessmentFactor::YoungCarer, AssessmentFactor::Gangs])
                .is_ok()
        );
        assert!(
            validate_assessment_factors(&[
                AssessmentFactor::YoungCarer,
                AssessmentFactor::NoFactorsIdentified
            ])
            .is_err()
        );
    }
}

use crate::code_list::code_list;

code_list! {
    /// Reason for closure (`ReasonForClosure`, N00103), as listed in the DfE CIN census guide.
    pub enum ReasonForClosure {
        Adopted = "RC1" => "Adopted",
        /// The return then needs a death date (8585Q).
        Died = "RC2" => "Died",
        ChildArrangementsOrder = "RC3" => "Child arrangements order",
        SpecialGuardianshipOrder = "RC4" => "Special guardianship order",
        TransferredToAnotherLocalAuthority = "RC5" => "Transferred to services of another local authority",
        TransferredToAdultSocialCare = "RC6" => "Transferred to adult social care services",
        ServicesCeased = "RC7" => "Services ceased for any other reason, including child no longer in need",
        ClosedAfterAssessmentNoFurtherAction = "RC8" => "Case closed after assessment, no further action",
        /// From 2022–23.
        ClosedAfterAssessmentToEarlyHelp = "RC9" => "Case closed after assessment, referred to early help",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rc_codes() {
        assert_eq!(
            ReasonForClosure::from_code("RC2"),
            Some(ReasonForClosure::Died)
        );
        assert_eq!(
            ReasonForClosure::ClosedAfterAssessmentToEarlyHelp.code(),
            "RC9"
        );
    }
}

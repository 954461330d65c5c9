use crate::code_list::code_list;

code_list! {
    /// Why a child has no UPN (`UPNunknown`, N00135), as listed in the DfE CIN census guide.
    pub enum UpnUnknown {
        /// Not accepted for children of school age (8770Q).
        NotYetAssigned = "UN1" => "Child is not of school age and has not yet been assigned a UPN",
        NeverAttendedMaintainedSchool = "UN2" => "Child has never attended a maintained school in England",
        EducatedOutsideEngland = "UN3" => "Child is educated outside England",
        NotYetKnown = "UN4" => "Newly referred/looked after, UPN not yet known at the time of the return",
        SourcesDisagree = "UN5" => "Sources collating UPNs disagree (name/DOB discrepancies, duplicates)",
        // the census wording for UN6 could not be found; this label
        // says so rather than inventing a meaning practitioners might rely on.
        Un6 = "UN6" => "UN6 (description to be confirmed)",
        /// Only allowed when every episode for the child is NFA (8772).
        ReferralNoFurtherAction = "UN7" => "Referral with no further action",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn un_codes() {
        assert_eq!(
            UpnUnknown::from_code("UN7"),
            Some(UpnUnknown::ReferralNoFurtherAction)
        );
        assert_eq!(UpnUnknown::from_code("UN8"), None);
    }
}

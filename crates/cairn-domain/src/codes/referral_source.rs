use crate::code_list::code_list;

code_list! {
    /// Referral source (`ReferralSource`, N00152), as listed in the DfE CIN census guide. Also the Annex A
    /// contact and referral source.
    ///
    /// Where the census guides give two wordings, the label uses the current one.
    pub enum ReferralSource {
        FamilyMemberRelativeOrCarer = "1A" => "Individual – family member, relative or carer",
        Acquaintance = "1B" => "Individual – acquaintance (including neighbours and child minders)",
        SelfReferral = "1C" => "Individual – self",
        OtherIndividual = "1D" => "Individual – other (including strangers or Members of Parliament (MPs))",
        Schools = "2A" => "Schools",
        EducationServices = "2B" => "Education services",
        GeneralPractitioner = "3A" => "Health services – general practitioner (GP)",
        HealthVisitor = "3B" => "Health services – health visitor",
        SchoolNurse = "3C" => "Health services – school nurse",
        OtherPrimaryHealthServices = "3D" => "Health services – other primary health services",
        AccidentAndEmergency = "3E" => "Health services – A&E (accident and emergency department)",
        OtherHealthServices = "3F" => "Health services – other (for example hospice)",
        Housing = "4" => "Housing – local authority housing or housing association",
        LaSocialCare = "5A" => "LA services – social care, for example adults' social care services",
        LaOtherInternal = "5B" => "LA services – other internal services, not including social care or early help",
        LaExternal = "5C" => "LA services – external (another LA's services, e.g. social care or early help)",
        /// From 2022–23.
        LaEarlyHelp = "5D" => "LA services – early help",
        Police = "6" => "Police",
        OtherLegalAgency = "7" => "Other legal agency – including courts, probation, immigration, CAFCASS or prison",
        Other = "8" => "Other – including children's centres, independent agency providers or voluntary organisations",
        Anonymous = "9" => "Anonymous",
        Unknown = "10" => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_and_alphanumeric_codes_are_distinct() {
        assert_eq!(ReferralSource::from_code("1"), None);
        assert_eq!(
            ReferralSource::from_code("10"),
            Some(ReferralSource::Unknown)
        );
        assert_eq!(
            ReferralSource::from_code("1A"),
            Some(ReferralSource::FamilyMemberRelativeOrCarer)
        );
        assert_eq!(ReferralSource::Police.code(), "6");
    }
}

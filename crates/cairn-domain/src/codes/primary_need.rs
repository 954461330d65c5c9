use crate::code_list::code_list;

code_list! {
    /// Primary need (`PrimaryNeedCode`, N00101), as listed in the DfE CIN census guide.
    pub enum PrimaryNeed {
        AbuseOrNeglect = "N1" => "Abuse or neglect",
        ChildsDisability = "N2" => "Child's disability",
        ParentalDisabilityOrIllness = "N3" => "Parental disability or illness",
        FamilyInAcuteStress = "N4" => "Family in acute stress",
        FamilyDysfunction = "N5" => "Family dysfunction",
        SociallyUnacceptableBehaviour = "N6" => "Socially unacceptable behaviour",
        LowIncome = "N7" => "Low income",
        AbsentParenting = "N8" => "Absent parenting",
        NotChildInNeed = "N9" => "Cases other than children in need",
        NotStated = "N0" => "Not stated",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_stated_is_n0() {
        assert_eq!(PrimaryNeed::from_code("N0"), Some(PrimaryNeed::NotStated));
        assert_eq!(PrimaryNeed::ChildsDisability.label(), "Child's disability");
    }
}

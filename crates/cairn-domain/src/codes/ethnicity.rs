use crate::code_list::code_list;

code_list! {
    /// Ethnicity (`Ethnicity`, N00177), as listed in the DfE CIN census guide.
    pub enum Ethnicity {
        WhiteBritish = "WBRI" => "White British",
        WhiteIrish = "WIRI" => "White Irish",
        TravellerOfIrishHeritage = "WIRT" => "Traveller of Irish heritage",
        AnyOtherWhiteBackground = "WOTH" => "Any other White background",
        GypsyRoma = "WROM" => "Gypsy/Roma",
        WhiteAndBlackCaribbean = "MWBC" => "White and Black Caribbean",
        WhiteAndBlackAfrican = "MWBA" => "White and Black African",
        WhiteAndAsian = "MWAS" => "White and Asian",
        AnyOtherMixedBackground = "MOTH" => "Any other mixed background",
        Indian = "AIND" => "Indian",
        Pakistani = "APKN" => "Pakistani",
        Bangladeshi = "ABAN" => "Bangladeshi",
        AnyOtherAsianBackground = "AOTH" => "Any other Asian background",
        BlackCaribbean = "BCRB" => "Black Caribbean",
        BlackAfrican = "BAFR" => "Black African",
        AnyOtherBlackBackground = "BOTH" => "Any other Black background",
        Chinese = "CHNE" => "Chinese",
        AnyOtherEthnicGroup = "OOTH" => "Any other ethnic group",
        Refused = "REFU" => "Refused",
        InformationNotYetObtained = "NOBT" => "Information not yet obtained",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_census_descriptions() {
        assert_eq!(Ethnicity::from_code("WROM"), Some(Ethnicity::GypsyRoma));
        assert_eq!(Ethnicity::GypsyRoma.label(), "Gypsy/Roma");
        assert_eq!(Ethnicity::InformationNotYetObtained.code(), "NOBT");
    }
}

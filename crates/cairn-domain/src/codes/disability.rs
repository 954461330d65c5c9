use crate::code_list::code_list;

code_list! {
    /// Disability (`Disability`, N00099), as listed in the DfE CIN census guide. A child may have several.
    pub enum Disability {
        // Named `NoDisability` rather than `None` so a glob import cannot shadow
        // `Option::None`.
        NoDisability = "NONE" => "No disability",
        Mobility = "MOB" => "Mobility",
        HandFunction = "HAND" => "Hand function",
        PersonalCare = "PC" => "Personal care",
        Incontinence = "INC" => "Incontinence",
        Communication = "COMM" => "Communication",
        Learning = "LD" => "Learning",
        Hearing = "HEAR" => "Hearing",
        Vision = "VIS" => "Vision",
        Behaviour = "BEH" => "Behaviour",
        Consciousness = "CON" => "Consciousness",
        Autism = "AUT" => "Autism (diagnosed autism or Asperger's syndrome)",
        Other = "DDA" => "Other (disabled under the DDA/Equality Act but not in the defined categories)",
    }
}

/// Checks a set of disabilities as the census does: "No disability" contradicts any other
/// value, so it must stand alone.
pub fn validate_disabilities(disabilities: &[Disability]) -> Result<(), &'static str> {
    if disabilities.len() > 1 && disabilities.contains(&Disability::NoDisability) {
        return Err("Select ‘No disability’ on its own, or remove it and select the disabilities");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_disability_must_be_alone() {
        assert!(validate_disabilities(&[Disability::NoDisability]).is_ok());
        assert!(validate_disabilities(&[Disability::Autism, Disability::Hearing]).is_ok());
        assert!(validate_disabilities(&[]).is_ok());
        assert!(validate_disabilities(&[Disability::Autism, Disability::NoDisability]).is_err());
    }

    #[test]
    fn none_code_is_no_disability() {
        assert_eq!(
            Disability::from_code("NONE"),
            Some(Disability::NoDisability)
        );
        assert_eq!(Disability::Other.code(), "DDA");
    }
}

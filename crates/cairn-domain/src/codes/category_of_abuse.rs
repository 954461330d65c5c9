use crate::code_list::code_list;

code_list! {
    /// Category of abuse for a child protection plan (`InitialCategoryOfAbuse` /
    /// `LatestCategoryOfAbuse`), as listed in the DfE CIN census guide.
    pub enum CategoryOfAbuse {
        Neglect = "NEG" => "Neglect",
        PhysicalAbuse = "PHY" => "Physical abuse",
        SexualAbuse = "SAB" => "Sexual abuse",
        EmotionalAbuse = "EMO" => "Emotional abuse",
        Multiple = "MUL" => "Multiple/not recommended",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_letter_codes() {
        assert_eq!(
            CategoryOfAbuse::from_code("SAB"),
            Some(CategoryOfAbuse::SexualAbuse)
        );
        assert_eq!(
            CategoryOfAbuse::Multiple.label(),
            "Multiple/not recommended"
        );
    }
}

use crate::code_list::code_list;

code_list! {
    /// Sex (`Sex`, N00783, from 2024–25), as listed in the DfE CIN census guide.
    pub enum Sex {
        Male = "M" => "Male",
        Female = "F" => "Female",
        /// Required for unborn children (census rule 8750).
        Unknown = "U" => "Unknown / not recorded",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_letter_codes() {
        assert_eq!(Sex::from_code("U"), Some(Sex::Unknown));
        assert_eq!(Sex::Female.code(), "F");
        assert_eq!(Sex::from_code("X"), None);
    }
}

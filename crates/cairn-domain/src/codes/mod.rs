//! DfE Children in Need (CIN) census code lists (as the DfE CIN census guide lists them).
//!
//! Codes and descriptions follow the census guidance so that what a practitioner picks is
//! exactly what the return exports. Each list is declared once with the
//! crate's `code_list!` macro, which generates the lookups and serde mapping.

mod assessment_factor;
mod category_of_abuse;
mod disability;
mod ethnicity;
mod primary_need;
mod reason_for_closure;
mod referral_source;
mod sex;
mod upn_unknown;

pub use assessment_factor::{AssessmentFactor, validate_assessment_factors};
pub use category_of_abuse::CategoryOfAbuse;
pub use disability::{Disability, validate_disabilities};
pub use ethnicity::Ethnicity;
pub use primary_need::PrimaryNeed;
pub use reason_for_closure::ReasonForClosure;
pub use referral_source::ReferralSource;
pub use sex::Sex;
pub use upn_unknown::UpnUnknown;

/// What every closed list of codes offers, so that a form can render a `<select>` or radios
/// for any list without knowing which one it is.
pub trait CodeList: Copy + Sized + 'static {
    /// Every value, in presentation order.
    const ALL: &'static [Self];

    /// The stable code, as stored and exported.
    fn code(&self) -> &'static str;

    /// The human-readable description.
    fn label(&self) -> &'static str;

    /// The value with exactly this code.
    fn from_code(code: &str) -> Option<Self>;
}

/// A code that is not in the list it was parsed against.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code:?} is not a {list} code")]
pub struct UnknownCode {
    /// The name of the list, for example `Ethnicity`.
    pub list: &'static str,
    /// The code as it was given.
    pub code: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as ValueError, StrDeserializer};
    use std::collections::HashSet;

    /// Checks the invariants every generated list must keep: codes unique, labels present,
    /// and code → value → code a round trip.
    fn assert_well_formed<T: CodeList + std::fmt::Debug + PartialEq>(expected_len: usize) {
        assert_eq!(T::ALL.len(), expected_len);
        let mut seen = HashSet::new();
        for value in T::ALL {
            assert!(seen.insert(value.code()), "duplicate code {}", value.code());
            assert!(!value.label().is_empty());
            assert_eq!(T::from_code(value.code()), Some(*value));
        }
        assert_eq!(T::from_code("not-a-code"), None);
        assert_eq!(T::from_code(""), None);
    }

    #[test]
    fn every_list_has_the_census_number_of_codes_and_round_trips() {
        assert_well_formed::<Ethnicity>(20);
        assert_well_formed::<Disability>(13);
        assert_well_formed::<Sex>(3);
        assert_well_formed::<ReferralSource>(22);
        assert_well_formed::<PrimaryNeed>(10);
        assert_well_formed::<ReasonForClosure>(9);
        assert_well_formed::<CategoryOfAbuse>(5);
        assert_well_formed::<AssessmentFactor>(42);
        assert_well_formed::<UpnUnknown>(7);
    }

    #[test]
    fn display_is_the_label_and_from_str_takes_the_code() {
        assert_eq!(Ethnicity::WhiteBritish.to_string(), "White British");
        assert_eq!("WBRI".parse::<Ethnicity>(), Ok(Ethnicity::WhiteBritish));
        let err = "XXXX".parse::<Ethnicity>();
        assert_eq!(
            err,
            Err(UnknownCode {
                list: "Ethnicity",
                code: "XXXX".to_owned()
            })
        );
    }

    #[test]
    fn codes_are_case_sensitive_because_exports_must_match_exactly() {
        assert_eq!(Ethnicity::from_code("wbri"), None);
        assert_eq!(Disability::from_code("none"), None);
    }

    #[test]
    fn deserialises_from_the_code_string_and_rejects_unknown_codes() {
        let de: StrDeserializer<'_, ValueError> = "N1".into_deserializer();
        assert_eq!(
            PrimaryNeed::deserialize(de),
            Ok(PrimaryNeed::AbuseOrNeglect)
        );
        let de: StrDeserializer<'_, ValueError> = "N11".into_deserializer();
        assert!(PrimaryNeed::deserialize(de).is_err());
    }
}

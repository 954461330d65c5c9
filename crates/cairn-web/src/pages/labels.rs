//! Stored codes and facts in the words the pages show: code lists as form options, a code's
//! label, the RAG tag and a child's age.

use cairn_core::search::PersonSummary;
use cairn_domain::codes::CodeList;
use cairn_domain::dates::{age_in_years, format_long};
use cairn_domain::front_door::Rag;
use chrono::NaiveDate;

use crate::admin::Tag;

/// Every value of a code list as (code, label), for radios, checkboxes and selects.
pub fn code_options<T: CodeList>() -> Vec<(String, String)> {
    T::ALL
        .iter()
        .map(|v| (v.code().to_string(), v.label().to_string()))
        .collect()
}

/// Every value of a code list as (code, "label (code)"), for lists counted by code in
/// statutory returns.
pub fn code_options_with_codes<T: CodeList>() -> Vec<(String, String)> {
    T::ALL
        .iter()
        .map(|v| {
            (
                v.code().to_string(),
                format!("{} ({})", v.label(), v.code()),
            )
        })
        .collect()
}

/// The label of `code` in list `T`; the code itself when the list does not have it.
pub fn label_of<T: CodeList>(code: &str) -> String {
    T::from_code(code).map_or_else(|| code.to_string(), |v| v.label().to_string())
}

/// "Schools (2A)": the label with its code, for the lists statutory returns count by code.
pub fn label_with_code<T: CodeList>(code: &str) -> String {
    T::from_code(code)
        .map(|v| format!("{} ({code})", v.label()))
        .unwrap_or_else(|| code.to_string())
}

/// The RAG rating as a tag with its word: colour is never the only signal.
pub fn rag_tag(code: &str) -> Tag {
    match Rag::from_code(code) {
        Some(r @ Rag::Red) => Tag::new(r.label(), "govuk-tag--red"),
        Some(r @ Rag::Amber) => Tag::new(r.label(), "govuk-tag--orange"),
        Some(r @ Rag::Green) => Tag::new(r.label(), "govuk-tag--green"),
        None => Tag::new("Not rated", "govuk-tag--grey"),
    }
}

/// "7 years", "under 1 year", "unborn, due 5 March 2026".
pub fn age_text(p: &PersonSummary, today: NaiveDate) -> String {
    match (p.date_of_birth, p.expected_date_of_birth) {
        (Some(dob), _) => match age_in_years(dob, today) {
            0 => "under 1 year".into(),
            1 => "1 year".into(),
            y => format!("{y} years"),
        },
        (None, Some(due)) => format!("unborn, due {}", format_long(due)),
        _ => "age not known".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_domain::codes::ReferralSource;
    use cairn_domain::front_door::ScreeningOutcome;

    #[test]
    fn rag_tags_carry_the_word() {
        assert_eq!(rag_tag("red").text, "Red");
        assert_eq!(rag_tag("amber").class, "govuk-tag--orange");
        assert_eq!(rag_tag("green").text, "Green");
        assert_eq!(rag_tag("bogus").text, "Not rated");
    }

    #[test]
    fn unknown_codes_are_shown_as_they_are() {
        assert_eq!(
            label_of::<ScreeningOutcome>("referral"),
            ScreeningOutcome::Referral.label()
        );
        assert_eq!(label_of::<ScreeningOutcome>("bogus"), "bogus");
        assert_eq!(label_with_code::<ReferralSource>("bogus"), "bogus");
        assert!(label_with_code::<ReferralSource>("2A").ends_with(" (2A)"));
    }
}

use std::fmt;
use std::str::FromStr;

use super::serde_as_validated_string;

/// A 10-digit NHS number whose modulus-11 check digit is correct (NHS Digital's published check-digit rule).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NhsNumber(String);

/// Why text is not an NHS number. The messages follow the GOV.UK error message style.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NhsNumberError {
    #[error("Enter an NHS number")]
    Empty,
    #[error("NHS number must only include numbers")]
    NotDigits,
    #[error("NHS number must be 10 digits")]
    WrongLength,
    #[error("Enter a valid NHS number – it cannot be the same digit 10 times")]
    AllSameDigit,
    #[error("Enter a valid NHS number – the check digit does not match")]
    CheckDigit,
}

const WEIGHTS: [u32; 9] = [10, 9, 8, 7, 6, 5, 4, 3, 2];

/// The check digit for the first nine digits of an NHS number, or `None` when the nine
/// digits are malformed or produce a remainder of 10 (such numbers are never issued).
///
/// Public so that test-data generators can make valid numbers.
pub fn nhs_check_digit(first_nine: &str) -> Option<u8> {
    let bytes = first_nine.as_bytes();
    if bytes.len() != 9 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        check => u8::try_from(check).ok(),
    }
}

impl NhsNumber {
    /// Parses an NHS number, ignoring spaces and hyphens (it is often written `943 476 5919`).
    pub fn parse(input: &str) -> Result<Self, NhsNumberError> {
        let digits: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if digits.is_empty() {
            return Err(NhsNumberError::Empty);
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NhsNumberError::NotDigits);
        }
        if digits.len() != 10 {
            return Err(NhsNumberError::WrongLength);
        }
        let bytes = digits.as_bytes();
        // The checksum accepts 0000000000 and other repeats; they are never real numbers.
        if bytes.iter().all(|b| *b == bytes[0]) {
            return Err(NhsNumberError::AllSameDigit);
        }
        let expected = nhs_check_digit(&digits[..9]).ok_or(NhsNumberError::CheckDigit)?;
        if bytes[9] - b'0' != expected {
            return Err(NhsNumberError::CheckDigit);
        }
        Ok(Self(digits))
    }

    /// The ten digits with no separators, as stored and exchanged.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 3-3-4 form people read and type, for example `943 476 5919`.
    pub fn formatted(&self) -> String {
        format!("{} {} {}", &self.0[..3], &self.0[3..6], &self.0[6..])
    }
}

impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.formatted())
    }
}

impl FromStr for NhsNumber {
    type Err = NhsNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

serde_as_validated_string!(NhsNumber);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_the_worked_example_in_any_common_layout() {
        for input in [
            "9434765919",
            "943 476 5919",
            "943-476-5919",
            " 943 4765919 ",
        ] {
            let nhs = NhsNumber::parse(input).expect("valid NHS number");
            assert_eq!(nhs.as_str(), "9434765919");
            assert_eq!(nhs.formatted(), "943 476 5919");
            assert_eq!(nhs.to_string(), "943 476 5919");
        }
    }

    #[test]
    fn rejects_a_wrong_check_digit() {
        assert_eq!(
            NhsNumber::parse("9434765918"),
            Err(NhsNumberError::CheckDigit)
        );
    }

    #[test]
    fn remainder_ten_is_never_valid() {
        // 1,0,0,0,0,0,0,0,1 weighted: 10 + 2 = 12; 12 mod 11 = 1; 11 - 1 = 10.
        assert_eq!(nhs_check_digit("100000001"), None);
        for last in 0..=9 {
            let candidate = format!("100000001{last}");
            assert_eq!(
                NhsNumber::parse(&candidate),
                Err(NhsNumberError::CheckDigit)
            );
        }
    }

    #[test]
    fn remainder_zero_gives_check_digit_zero() {
        // A 1 at weight 3 and a 4 at weight 2 sum to 11, so the remainder is 0.
        assert_eq!(nhs_check_digit("000000014"), Some(0));
        assert!(NhsNumber::parse("0000000140").is_ok());
    }

    #[test]
    fn reports_the_first_problem_with_a_human_message() {
        assert_eq!(NhsNumber::parse(""), Err(NhsNumberError::Empty));
        assert_eq!(
            NhsNumber::parse("94347659A9"),
            Err(NhsNumberError::NotDigits)
        );
        assert_eq!(
            NhsNumber::parse("943476591"),
            Err(NhsNumberError::WrongLength)
        );
        assert_eq!(
            NhsNumber::parse("94347659190"),
            Err(NhsNumberError::WrongLength)
        );
        assert_eq!(
            NhsNumberError::WrongLength.to_string(),
            "NHS number must be 10 digits"
        );
        assert_eq!(
            NhsNumberError::CheckDigit.to_string(),
            "Enter a valid NHS number – the check digit does not match"
        );
    }

    #[test]
    fn rejects_repeated_digits_even_when_the_checksum_passes() {
        assert_eq!(nhs_check_digit("000000000"), Some(0));
        assert_eq!(
            NhsNumber::parse("0000000000"),
            Err(NhsNumberError::AllSameDigit)
        );
        assert_eq!(
            NhsNumber::parse("1111111111"),
            Err(NhsNumberError::AllSameDigit)
        );
    }

    proptest! {
        #[test]
        fn appending_the_computed_check_digit_always_parses(first_nine in "[0-9]{9}") {
            let all_same = first_nine.bytes().all(|b| b == first_nine.as_bytes()[0]);
            if let Some(check) = nhs_check_digit(&first_nine) {
                let full = format!("{first_nine}{check}");
                let parsed = NhsNumber::parse(&full);
                if all_same && full.bytes().all(|b| b == full.as_bytes()[0]) {
                    prop_assert_eq!(parsed, Err(NhsNumberError::AllSameDigit));
                } else {
                    prop_assert_eq!(parsed.map(|n| n.as_str().to_owned()), Ok(full));
                }
            }
        }

        #[test]
        fn any_other_last_digit_is_rejected(first_nine in "[0-9]{9}", last in 0u8..10) {
            let check = nhs_check_digit(&first_nine);
            prop_assume!(check != Some(last));
            let full = format!("{first_nine}{last}");
            prop_assert!(NhsNumber::parse(&full).is_err());
        }
    }
}

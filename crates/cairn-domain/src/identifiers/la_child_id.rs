use std::fmt;
use std::str::FromStr;

use super::serde_as_validated_string;

/// A local authority's permanent identifier for a child (`LAchildID` in the CIN census):
/// 1–20 ASCII letters and digits (census rules 1570/1580).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LaChildId(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LaChildIdError {
    #[error("Enter an LA child ID")]
    Empty,
    #[error("LA child ID must be 20 characters or fewer")]
    TooLong,
    #[error("LA child ID must only include letters and numbers")]
    InvalidCharacters,
}

const MAX_LEN: usize = 20;
const SEQUENCE_DIGITS: usize = 8;

/// The same 23-letter alphabet as the UPN check letter (no I, O or S, which are read as
/// 1, 0 and 5), so a check character can never be mistaken for a digit of the sequence.
const CHECK_ALPHABET: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// A weighted mod-23 check over the body, so that a single mistyped character or two
/// swapped neighbours (the common copying errors) change the check character.
fn check_character(body: &str) -> char {
    let sum = body.bytes().enumerate().fold(0u64, |sum, (i, b)| {
        let value = match b {
            b'0'..=b'9' => u64::from(b - b'0'),
            b'A'..=b'Z' => u64::from(b - b'A') + 10,
            _ => 0,
        };
        // The body is at most 19 characters, so weights stay in 1..=19, all coprime to 23:
        // a changed digit, or two swapped neighbours, always changes the sum mod 23.
        let weight = i as u64 + 1;
        sum + value * weight
    });
    let index = usize::try_from(sum % 23).unwrap_or(0);
    CHECK_ALPHABET.get(index).map_or('A', |b| char::from(*b))
}

impl LaChildId {
    /// Parses an ID as the census accepts it; case is kept because local schemes differ.
    pub fn parse(input: &str) -> Result<Self, LaChildIdError> {
        let id = input.trim();
        if id.is_empty() {
            return Err(LaChildIdError::Empty);
        }
        if !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(LaChildIdError::InvalidCharacters);
        }
        if id.len() > MAX_LEN {
            return Err(LaChildIdError::TooLong);
        }
        Ok(Self(id.to_owned()))
    }

    /// Mints the ID for the `n`th child: the prefix (letters and digits only, upper-cased),
    /// `n` zero-padded to 8 digits, then a check character, e.g. `HCC00000042` + check.
    ///
    /// The prefix is shortened when needed so the result always fits in 20 characters.
    /// Numbers of 20 digits (10^19 and above, far beyond any authority) keep only their
    /// last 19 digits, because the census limit cannot hold more.
    pub fn from_sequence(prefix: &str, n: u64) -> LaChildId {
        const MAX_NUMBER_DIGITS: usize = MAX_LEN - 1;
        let mut digits = format!("{n:0SEQUENCE_DIGITS$}");
        if digits.len() > MAX_NUMBER_DIGITS {
            digits.drain(..digits.len() - MAX_NUMBER_DIGITS);
        }
        let prefix_room = MAX_LEN - 1 - digits.len();
        let mut body: String = prefix
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .take(prefix_room)
            .collect();
        body.push_str(&digits);
        let check = check_character(&body);
        body.push(check);
        LaChildId(body)
    }

    /// Whether an ID minted by [`LaChildId::from_sequence`] still carries a matching check
    /// character: catches typing slips in IDs entered by hand. IDs from other schemes
    /// will usually fail this, so use it only for IDs this system issued.
    pub fn has_valid_check_character(&self) -> bool {
        let upper = self.0.to_ascii_uppercase();
        match upper.char_indices().last() {
            Some((at, last)) => check_character(&upper[..at]) == last,
            None => false,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LaChildId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for LaChildId {
    type Err = LaChildIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

serde_as_validated_string!(LaChildId);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_alphanumeric_ids_up_to_20_characters() {
        assert_eq!(
            LaChildId::parse(" abc123 ").map(|i| i.as_str().to_owned()),
            Ok("abc123".to_owned())
        );
        assert!(LaChildId::parse("A1234567890123456789").is_ok());
        assert_eq!(
            LaChildId::parse("A12345678901234567890"),
            Err(LaChildIdError::TooLong)
        );
        assert_eq!(
            LaChildId::parse("ABC-123"),
            Err(LaChildIdError::InvalidCharacters)
        );
        assert_eq!(
            LaChildId::parse("ÀBC"),
            Err(LaChildIdError::InvalidCharacters)
        );
        assert_eq!(LaChildId::parse(""), Err(LaChildIdError::Empty));
    }

    #[test]
    fn sequence_ids_are_prefix_padded_number_and_check() {
        let id = LaChildId::from_sequence("hcc", 42);
        assert_eq!(id.as_str().len(), 12);
        assert!(id.as_str().starts_with("HCC00000042"));
        assert!(id.has_valid_check_character());
        assert!(LaChildId::parse(id.as_str()).is_ok());
    }

    #[test]
    fn a_changed_digit_breaks_the_check() {
        let id = LaChildId::from_sequence("HCC", 42);
        let tampered = id.as_str().replacen("42", "43", 1);
        let tampered = LaChildId::parse(&tampered).expect("still alphanumeric");
        assert!(!tampered.has_valid_check_character());
    }

    #[test]
    fn long_prefixes_are_shortened_to_fit() {
        let id = LaChildId::from_sequence("A-VERY-LONG-PREFIX-INDEED", 7);
        assert_eq!(id.as_str().len(), 20);
        assert!(id.as_str().starts_with("AVERYLONGPR00000007"));
        let biggest = LaChildId::from_sequence("X", u64::MAX);
        assert_eq!(biggest.as_str().len(), 20);
    }

    proptest! {
        #[test]
        fn sequence_ids_always_parse_and_check(prefix in ".{0,30}", n in any::<u64>()) {
            let id = LaChildId::from_sequence(&prefix, n);
            prop_assert!(id.as_str().len() <= 20);
            prop_assert!(LaChildId::parse(id.as_str()).is_ok());
            prop_assert!(id.has_valid_check_character());
        }

        #[test]
        fn distinct_numbers_give_distinct_ids(a in 0u64..10_000_000_000, b in 0u64..10_000_000_000) {
            prop_assume!(a != b);
            prop_assert_ne!(LaChildId::from_sequence("HCC", a), LaChildId::from_sequence("HCC", b));
        }
    }
}

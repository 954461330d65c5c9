use std::fmt;
use std::str::FromStr;

use super::la_code::is_recognised_upn_la;
use super::serde_as_validated_string;

/// A Unique Pupil Number: 13 characters, a check letter then 12 characters
/// (the DfE common basic data set rules). Stored upper case with no spaces.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Upn(String);

/// Whether a UPN was checked as a child's current UPN or as a former one, which the census
/// validates differently and which the messages name differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpnKind {
    Current,
    Former,
}

impl UpnKind {
    /// How a message names the number at the start of a sentence.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Current => "UPN",
            Self::Former => "Former UPN",
        }
    }

    /// How a message names the number mid-sentence.
    pub const fn noun(self) -> &'static str {
        match self {
            Self::Current => "UPN",
            Self::Former => "former UPN",
        }
    }
}

/// Why text is not a UPN; messages follow the GOV.UK error message style.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UpnError {
    #[error("Enter a {}", .0.noun())]
    Empty(UpnKind),
    #[error("{} must be 13 characters", .0.label())]
    WrongLength(UpnKind),
    #[error("{} must only include letters and numbers", .0.label())]
    InvalidCharacters(UpnKind),
    #[error("{} must start with a letter", .0.label())]
    FirstNotLetter(UpnKind),
    /// Census rule 1530.
    #[error("Enter a {} with a recognised local authority number in characters 2 to 4", .0.noun())]
    UnrecognisedLa(UpnKind),
    /// Census rule 1540 (current) or 1560Q (former, where characters 2 to 13 must be numbers).
    #[error("Characters {} of a {} must be numbers", if matches!(.0, UpnKind::Former) { "2 to 13" } else { "2 to 12" }, .0.noun())]
    NotNumeric(UpnKind),
    /// Census rule 1550.
    #[error("The last character of a {} must be a number or a letter other than I, O or S", .0.noun())]
    InvalidLastCharacter(UpnKind),
    /// Census rule 1510.
    #[error("Enter a valid {} – the check letter does not match", .0.noun())]
    CheckLetter(UpnKind),
}

/// The letters a check letter (and a temporary UPN's last character) may take; I, O and S
/// are left out because they are easily mistaken for 1, 0 and 5. A letter's position is
/// also its value when it ends a temporary UPN.
const CHECK_ALPHABET: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

fn letter_value(letter: u8) -> Option<u32> {
    let upper = letter.to_ascii_uppercase();
    CHECK_ALPHABET
        .iter()
        .position(|c| *c == upper)
        .and_then(|p| u32::try_from(p).ok())
}

/// The check letter for the 12 characters after it: characters 2–12 digits and character 13
/// a digit or, for a temporary UPN, a letter valued by its position in the check alphabet.
/// `None` when the body is not of that shape.
pub fn upn_check_letter(body12: &str) -> Option<char> {
    let bytes = body12.as_bytes();
    if bytes.len() != 12 {
        return None;
    }
    let mut sum = 0u32;
    for (i, &b) in bytes.iter().enumerate() {
        let value = if b.is_ascii_digit() {
            u32::from(b - b'0')
        } else if i == 11 {
            letter_value(b)?
        } else {
            return None;
        };
        // Weights run 2..=13 across the body.
        let weight = u32::try_from(i).ok()? + 2;
        sum += value * weight;
    }
    let index = usize::try_from(sum % 23).ok()?;
    CHECK_ALPHABET.get(index).map(|b| char::from(*b))
}

/// Upper-cases and removes spaces, which people often type in long numbers.
fn normalise(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The checks both kinds share: length, character set, leading letter.
fn check_shape(upn: &str, kind: UpnKind) -> Result<(), UpnError> {
    if upn.is_empty() {
        return Err(UpnError::Empty(kind));
    }
    if upn.chars().count() != 13 {
        return Err(UpnError::WrongLength(kind));
    }
    if !upn.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(UpnError::InvalidCharacters(kind));
    }
    if !upn.as_bytes()[0].is_ascii_alphabetic() {
        return Err(UpnError::FirstNotLetter(kind));
    }
    Ok(())
}

fn check_letter_matches(upn: &str, kind: UpnKind) -> Result<(), UpnError> {
    let expected = upn_check_letter(&upn[1..]).ok_or(UpnError::CheckLetter(kind))?;
    if upn.starts_with(expected) {
        Ok(())
    } else {
        Err(UpnError::CheckLetter(kind))
    }
}

impl Upn {
    /// Parses a child's current UPN with the census checks 1510–1550, accepting temporary
    /// UPNs (a letter in position 13).
    pub fn parse(input: &str) -> Result<Self, UpnError> {
        let kind = UpnKind::Current;
        let upn = normalise(input);
        check_shape(&upn, kind)?;
        let la = &upn[1..4];
        let la_recognised = la.bytes().all(|b| b.is_ascii_digit())
            && la.parse::<u16>().is_ok_and(is_recognised_upn_la);
        if !la_recognised {
            return Err(UpnError::UnrecognisedLa(kind));
        }
        if !upn[4..12].bytes().all(|b| b.is_ascii_digit()) {
            return Err(UpnError::NotNumeric(kind));
        }
        let last = upn.as_bytes()[12];
        if !last.is_ascii_digit() && letter_value(last).is_none() {
            return Err(UpnError::InvalidLastCharacter(kind));
        }
        check_letter_matches(&upn, kind)?;
        Ok(Self(upn))
    }

    /// Parses a former UPN as census query 1560Q does: 13 characters, a letter then 12
    /// digits, with a valid check letter. Temporary UPNs are not accepted as former UPNs,
    /// and the LA number is not checked because old allocations may use retired codes.
    pub fn parse_former(input: &str) -> Result<Self, UpnError> {
        let kind = UpnKind::Former;
        let upn = normalise(input);
        check_shape(&upn, kind)?;
        if !upn[1..].bytes().all(|b| b.is_ascii_digit()) {
            return Err(UpnError::NotNumeric(kind));
        }
        check_letter_matches(&upn, kind)?;
        Ok(Self(upn))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The DfE number of the local authority that allocated it (characters 2–4).
    pub fn la_number(&self) -> &str {
        &self.0[1..4]
    }

    /// Temporary UPNs end in a letter and should be replaced by a permanent one.
    pub fn is_temporary(&self) -> bool {
        self.0.as_bytes()[12].is_ascii_alphabetic()
    }
}

impl fmt::Display for Upn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Upn {
    type Err = UpnError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

serde_as_validated_string!(Upn);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computes_the_worked_example_and_sample_check_letters() {
        assert_eq!(upn_check_letter("850200124001"), Some('F'));
        assert_eq!(upn_check_letter("850200118007"), Some('Z'));
        assert_eq!(upn_check_letter("850200117045"), Some('M'));
        // The widely copied example claims Q; the correct sum is 266, which gives P.
        assert_eq!(upn_check_letter("207000016049"), Some('P'));
    }

    #[test]
    fn accepts_valid_upns() {
        for upn in [
            "F850200124001",
            "Z850200118007",
            "M850200117045",
            "P207000016049",
        ] {
            let parsed = Upn::parse(upn).expect("valid UPN");
            assert_eq!(parsed.as_str(), upn);
            assert!(!parsed.is_temporary());
        }
        assert_eq!(
            Upn::parse("F850200124001").map(|u| u.la_number().to_owned()),
            Ok("850".to_owned())
        );
    }

    #[test]
    fn rejects_the_miscopied_example_letters() {
        assert_eq!(
            Upn::parse("Q207000016049"),
            Err(UpnError::CheckLetter(UpnKind::Current))
        );
        assert_eq!(
            Upn::parse("B207000016049"),
            Err(UpnError::CheckLetter(UpnKind::Current))
        );
    }

    #[test]
    fn normalises_case_and_spaces() {
        let parsed = Upn::parse(" f850 2001 24001 ").expect("valid after normalising");
        assert_eq!(parsed.as_str(), "F850200124001");
    }

    #[test]
    fn temporary_upns_value_the_last_letter_by_its_alphabet_position() {
        // Body 85020012400 then 'A' (value 0): 120 - 1*13 = 107; 107 mod 23 = 15 → R.
        assert_eq!(upn_check_letter("85020012400A"), Some('R'));
        let temp = Upn::parse("R85020012400A").expect("valid temporary UPN");
        assert!(temp.is_temporary());
        // 'B' is worth 1, so the sum rises by 13: 120 mod 23 = 5 → F, same as digit 1.
        assert_eq!(
            upn_check_letter("85020012400B"),
            upn_check_letter("850200124001")
        );
        // 'Z' is the 23rd letter, worth 22: 107 + 286 = 393; 393 mod 23 = 2 → C.
        assert_eq!(upn_check_letter("85020012400Z"), Some('C'));
    }

    #[test]
    fn rejects_i_o_and_s_in_the_last_position() {
        for last in ['I', 'O', 'S'] {
            let upn = format!("A85020012400{last}");
            assert_eq!(
                Upn::parse(&upn),
                Err(UpnError::InvalidLastCharacter(UpnKind::Current))
            );
        }
    }

    #[test]
    fn checks_the_la_number_and_middle_digits() {
        // 999 is not an LA code.
        assert_eq!(
            Upn::parse("A999200124001"),
            Err(UpnError::UnrecognisedLa(UpnKind::Current))
        );
        assert_eq!(
            Upn::parse("A8X0200124001"),
            Err(UpnError::UnrecognisedLa(UpnKind::Current))
        );
        assert_eq!(
            Upn::parse("A850200X24001"),
            Err(UpnError::NotNumeric(UpnKind::Current))
        );
    }

    #[test]
    fn reports_shape_problems_first() {
        let kind = UpnKind::Current;
        assert_eq!(Upn::parse(""), Err(UpnError::Empty(kind)));
        assert_eq!(Upn::parse("F85020012400"), Err(UpnError::WrongLength(kind)));
        assert_eq!(
            Upn::parse("F85020012400-1"),
            Err(UpnError::WrongLength(kind))
        );
        assert_eq!(
            Upn::parse("F85020012400-"),
            Err(UpnError::InvalidCharacters(kind))
        );
        assert_eq!(
            Upn::parse("F85020012400é"),
            Err(UpnError::InvalidCharacters(kind))
        );
        assert_eq!(
            Upn::parse("1850200124001"),
            Err(UpnError::FirstNotLetter(kind))
        );
    }

    #[test]
    fn former_upns_need_twelve_digits_but_not_a_current_la_code() {
        assert!(Upn::parse_former("F850200124001").is_ok());
        assert_eq!(
            Upn::parse_former("R85020012400A"),
            Err(UpnError::NotNumeric(UpnKind::Former))
        );
        let body = "999200124001";
        let letter = upn_check_letter(body).expect("digits");
        let former = format!("{letter}{body}");
        assert!(Upn::parse_former(&former).is_ok());
        assert!(Upn::parse(&former).is_err());
        assert_eq!(
            Upn::parse_former("B207000016049"),
            Err(UpnError::CheckLetter(UpnKind::Former))
        );
    }

    #[test]
    fn messages_name_the_kind_of_upn() {
        assert_eq!(
            UpnError::WrongLength(UpnKind::Former).to_string(),
            "Former UPN must be 13 characters"
        );
        assert_eq!(
            UpnError::CheckLetter(UpnKind::Current).to_string(),
            "Enter a valid UPN – the check letter does not match"
        );
        assert_eq!(
            UpnError::NotNumeric(UpnKind::Former).to_string(),
            "Characters 2 to 13 of a former UPN must be numbers"
        );
    }

    #[test]
    fn check_letter_rejects_malformed_bodies() {
        assert_eq!(upn_check_letter("85020012400"), None);
        assert_eq!(upn_check_letter("8502001240A1"), None);
        assert_eq!(upn_check_letter("85020012400I"), None);
    }
}

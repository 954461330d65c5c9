use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A DfE local authority number: three digits, for example 850 for Hampshire
/// (the DfE's list of LA numbers). Used in the CIN `LEA` header, in UPNs, SSDA903 and Annex A.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LaCode(u16);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LaCodeError {
    #[error("Local authority number must be 3 digits")]
    NotThreeDigits,
}

/// The LA and pseudo-LA numbers census rule 1530 accepts in UPN characters 2–4
/// (2023–24 onward), as inclusive ranges. Historic codes stay because old UPNs persist.
const UPN_LA_RANGES: &[(u16, u16)] = &[
    (1, 5),
    (201, 213),
    (301, 320),
    (330, 336),
    (340, 344),
    (350, 359),
    (370, 373),
    (380, 384),
    (390, 394),
    (420, 420),
    (660, 681),
    (701, 708),
    (800, 803),
    (805, 808),
    (810, 813),
    (815, 816),
    (820, 823),
    (825, 826),
    (830, 831),
    (835, 841),
    (845, 846),
    (850, 852),
    (855, 857),
    (860, 861),
    (865, 896),
    (908, 909),
    (916, 916),
    (919, 919),
    (921, 921),
    (925, 926),
    (928, 929),
    (931, 931),
    (933, 933),
    (935, 938),
    (940, 943),
];

/// Whether census rule 1530 accepts this number as the allocating LA of a UPN.
pub fn is_recognised_upn_la(code: u16) -> bool {
    UPN_LA_RANGES
        .iter()
        .any(|&(low, high)| (low..=high).contains(&code))
}

impl LaCode {
    /// Parses exactly three digits ("850", "001").
    pub fn parse(input: &str) -> Result<Self, LaCodeError> {
        let input = input.trim();
        if input.len() != 3 || !input.bytes().all(|b| b.is_ascii_digit()) {
            return Err(LaCodeError::NotThreeDigits);
        }
        input
            .parse::<u16>()
            .map(Self)
            .map_err(|_| LaCodeError::NotThreeDigits)
    }

    /// From a number below 1000.
    pub fn new(code: u16) -> Result<Self, LaCodeError> {
        if code < 1000 {
            Ok(Self(code))
        } else {
            Err(LaCodeError::NotThreeDigits)
        }
    }

    pub const fn as_u16(self) -> u16 {
        self.0
    }

    /// Same as the free function [`is_recognised_upn_la`], for callers holding only a number.
    pub fn is_recognised_upn_la(code: u16) -> bool {
        is_recognised_upn_la(code)
    }

    /// Whether this code may allocate UPNs (census rule 1530).
    pub fn is_recognised_for_upn(self) -> bool {
        is_recognised_upn_la(self.0)
    }
}

impl fmt::Display for LaCode {
    /// Always three digits, zero-padded, as the returns expect.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}", self.0)
    }
}

impl FromStr for LaCode {
    type Err = LaCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for LaCode {
    type Error = LaCodeError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<LaCode> for String {
    fn from(code: LaCode) -> Self {
        code.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_1530_list_and_its_boundaries() {
        for code in [1, 5, 201, 213, 420, 660, 681, 850, 909, 928, 943] {
            assert!(is_recognised_upn_la(code), "{code} should be recognised");
        }
        for code in [
            0, 6, 200, 214, 321, 419, 421, 804, 814, 817, 824, 827, 842, 897, 907, 944, 999,
        ] {
            assert!(
                !is_recognised_upn_la(code),
                "{code} should not be recognised"
            );
        }
    }

    #[test]
    fn parses_and_shows_three_digits() {
        let code = LaCode::parse("001").expect("valid");
        assert_eq!(code.as_u16(), 1);
        assert_eq!(code.to_string(), "001");
        assert!(code.is_recognised_for_upn());
        assert_eq!(LaCode::parse("85"), Err(LaCodeError::NotThreeDigits));
        assert_eq!(LaCode::parse("85a"), Err(LaCodeError::NotThreeDigits));
        assert_eq!(LaCode::parse("+85"), Err(LaCodeError::NotThreeDigits));
        assert_eq!(LaCode::new(1000), Err(LaCodeError::NotThreeDigits));
        assert!(LaCode::is_recognised_upn_la(850));
    }
}

use std::fmt;
use std::str::FromStr;

use super::serde_as_validated_string;

/// A UK postcode in the standard format, normalised to upper case with one space before the
/// inward code (Royal Mail's format). Format is not existence: whether the postcode is real is a
/// question for the ONS Postcode Directory.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Postcode(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PostcodeError {
    #[error("Enter a postcode")]
    Empty,
    #[error("Enter a full UK postcode, like SO23 8UJ")]
    Invalid,
}

/// First letter of the outward code: never Q, V or X.
fn is_area_first(b: u8) -> bool {
    b.is_ascii_uppercase() && !matches!(b, b'Q' | b'V' | b'X')
}

/// Second letter of the outward code: never I, J or Z.
fn is_area_second(b: u8) -> bool {
    b.is_ascii_uppercase() && !matches!(b, b'I' | b'J' | b'Z')
}

/// Letter ending an `A9A` district: A–H, J, K, P, S, T, U, W.
fn is_a9a_suffix(b: u8) -> bool {
    matches!(b, b'A'..=b'H' | b'J' | b'K' | b'P' | b'S'..=b'U' | b'W')
}

/// Letter ending an `AA9A` district: A, B, E, H, M, N, P, R, V, W, X, Y.
fn is_aa9a_suffix(b: u8) -> bool {
    matches!(
        b,
        b'A' | b'B' | b'E' | b'H' | b'M' | b'N' | b'P' | b'R' | b'V'..=b'Y'
    )
}

/// Letters of the inward code: never C, I, K, M, O or V.
fn is_inward_letter(b: u8) -> bool {
    b.is_ascii_uppercase() && !matches!(b, b'C' | b'I' | b'K' | b'M' | b'O' | b'V')
}

/// The outward formats `A9`, `A99`, `AA9`, `AA99`, `A9A` and `AA9A`, written out by hand
/// from the government pattern so the crate needs no regex engine.
fn is_valid_outward(outward: &[u8]) -> bool {
    let d = |b: u8| b.is_ascii_digit();
    match *outward {
        [a, n] => is_area_first(a) && d(n),
        [a, n, m] if d(n) => is_area_first(a) && (d(m) || is_a9a_suffix(m)),
        [a, b, n] => is_area_first(a) && is_area_second(b) && d(n),
        [a, b, n, m] => {
            is_area_first(a) && is_area_second(b) && d(n) && (d(m) || is_aa9a_suffix(m))
        }
        _ => false,
    }
}

fn is_valid_inward(inward: &[u8]) -> bool {
    match *inward {
        [n, x, y] => n.is_ascii_digit() && is_inward_letter(x) && is_inward_letter(y),
        _ => false,
    }
}

/// The form used for search keys: upper case with every space removed, so "so23 8uj",
/// "SO238UJ" and "SO23  8UJ" all meet.
pub fn normalise_postcode_for_search(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

impl Postcode {
    pub fn parse(input: &str) -> Result<Self, PostcodeError> {
        let compact = normalise_postcode_for_search(input);
        if compact.is_empty() {
            return Err(PostcodeError::Empty);
        }
        if !compact.is_ascii() || !(5..=7).contains(&compact.len()) {
            return Err(PostcodeError::Invalid);
        }
        // The inward code is always the last three characters, which is how a postcode
        // typed without its space can be split again.
        let (outward, inward) = compact.split_at(compact.len() - 3);
        // GIR 0AA (once Girobank) is the one postcode outside the general pattern.
        let girobank = outward == "GIR" && inward == "0AA";
        let standard = is_valid_outward(outward.as_bytes()) && is_valid_inward(inward.as_bytes());
        if !(girobank || standard) {
            return Err(PostcodeError::Invalid);
        }
        Ok(Self(format!("{outward} {inward}")))
    }

    /// Upper case with one space, e.g. `SO23 8UJ`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the space, e.g. `SO23`: enough to place an area without the address.
    pub fn outward(&self) -> &str {
        self.0.split(' ').next().unwrap_or(&self.0)
    }

    /// The part after the space, e.g. `8UJ`.
    pub fn inward(&self) -> &str {
        self.0.rsplit(' ').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Postcode {
    type Err = PostcodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

serde_as_validated_string!(Postcode);

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> String {
        Postcode::parse(input)
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn accepts_every_outward_format_and_normalises() {
        assert_eq!(ok("m1 1aa"), "M1 1AA"); // A9
        assert_eq!(ok("M60 1NW"), "M60 1NW"); // A99
        assert_eq!(ok("CR2 6XH"), "CR2 6XH"); // AA9
        assert_eq!(ok("DN55 1PT"), "DN55 1PT"); // AA99
        assert_eq!(ok("W1A 0AX"), "W1A 0AX"); // A9A
        assert_eq!(ok("EC1A 1BB"), "EC1A 1BB"); // AA9A
        assert_eq!(ok("so238uj"), "SO23 8UJ");
        assert_eq!(ok("  SO23   8UJ "), "SO23 8UJ");
        assert_eq!(ok("gir0aa"), "GIR 0AA");
    }

    #[test]
    fn rejects_letters_the_pattern_forbids() {
        for bad in [
            "QA1 1AA",  // Q never first
            "VA1 1AA",  // V never first
            "XA1 1AA",  // X never first
            "AI1 1AA",  // I never second
            "AZ1 1AA",  // Z never second
            "A1I 1AA",  // I not an A9A suffix
            "EC1C 1BB", // C not an AA9A suffix
            "M1 1CA",   // C never in the inward code
            "M1 1AV",   // V never in the inward code
        ] {
            assert_eq!(Postcode::parse(bad), Err(PostcodeError::Invalid), "{bad}");
        }
    }

    #[test]
    fn rejects_wrong_shapes() {
        assert_eq!(Postcode::parse(""), Err(PostcodeError::Empty));
        assert_eq!(Postcode::parse("   "), Err(PostcodeError::Empty));
        for bad in [
            "M1",
            "M1 1A",
            "SO23 8UJX",
            "123 4AB",
            "SO23-8UJ",
            "SÖ23 8UJ",
            "GIR 0AB",
        ] {
            assert_eq!(Postcode::parse(bad), Err(PostcodeError::Invalid), "{bad}");
        }
    }

    #[test]
    fn splits_outward_and_inward() {
        let pc = Postcode::parse("ec1a1bb").expect("valid");
        assert_eq!(pc.outward(), "EC1A");
        assert_eq!(pc.inward(), "1BB");
    }

    #[test]
    fn search_form_removes_all_spaces() {
        assert_eq!(normalise_postcode_for_search(" so23 8uj "), "SO238UJ");
        assert_eq!(normalise_postcode_for_search("SO23\t8UJ"), "SO238UJ");
    }
}

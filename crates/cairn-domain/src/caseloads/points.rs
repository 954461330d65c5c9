//! Workload points, held exactly as hundredths so that a sum over a county's cases is the
//! same on every database and every machine.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub};

use serde::{Serialize, Serializer};

/// A number of workload points (a child in need case is typically 1 point).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Points(i64);

/// Why typed points were refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PointsError {
    #[error("Enter a number")]
    Missing,
    #[error("Enter a number, like 1.5")]
    NotANumber,
    #[error("Use at most two decimal places")]
    TooPrecise,
    #[error("The number is too large")]
    TooLarge,
}

impl Points {
    pub const ZERO: Points = Points(0);

    /// From hundredths of a point, as stored.
    pub const fn from_centi(centi: i64) -> Points {
        Points(centi)
    }

    pub const fn whole(points: i64) -> Points {
        Points(points * 100)
    }

    /// Hundredths of a point, as stored.
    pub const fn centi(&self) -> i64 {
        self.0
    }

    /// Hundredths as an `i32` column value, saturating (no real load comes near the limit).
    pub fn centi_i32(&self) -> i32 {
        i32::try_from(self.0).unwrap_or(if self.0 < 0 { i32::MIN } else { i32::MAX })
    }

    pub const fn is_negative(&self) -> bool {
        self.0 < 0
    }

    /// `self` as a share of `of` in whole percent, rounded down; `None` when `of` is zero.
    pub fn percent_of(&self, of: Points) -> Option<i64> {
        (of.0 > 0).then(|| self.0 * 100 / of.0)
    }

    /// `self` scaled by `numerator / denominator`, rounded down to the hundredth.
    pub fn scaled(&self, numerator: i64, denominator: i64) -> Points {
        if denominator == 0 {
            return Points::ZERO;
        }
        Points(self.0 * numerator / denominator)
    }

    /// Parses what a person typed: "1", "1.5", "0.25", " 2.50 ". Negative numbers parse (so
    /// that validation can say "cannot be negative" against the field) but more than two
    /// decimal places do not.
    pub fn parse(text: &str) -> Result<Points, PointsError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(PointsError::Missing);
        }
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = match digits.split_once('.') {
            Some((w, f)) => (w, f),
            None => (digits, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction)
        {
            return Err(PointsError::NotANumber);
        }
        if fraction.len() > 2 {
            return Err(PointsError::TooPrecise);
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| PointsError::TooLarge)?
        };
        let fraction: i64 = format!("{fraction:0<2}")
            .parse()
            .map_err(|_| PointsError::NotANumber)?;
        let centi = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(fraction))
            .filter(|c| *c <= 1_000_000)
            .ok_or(PointsError::TooLarge)?;
        Ok(Points(if negative { -centi } else { centi }))
    }
}

impl fmt::Display for Points {
    /// "1", "1.5", "0.25", "-2": no trailing zeros, as a person would write it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (whole, frac) = (abs / 100, abs % 100);
        match frac {
            0 => write!(f, "{sign}{whole}"),
            f10 if f10 % 10 == 0 => write!(f, "{sign}{whole}.{}", f10 / 10),
            _ => write!(f, "{sign}{whole}.{frac:02}"),
        }
    }
}

impl Serialize for Points {
    /// As a JSON number of points (1.5), the form API clients expect.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[allow(clippy::cast_precision_loss)]
        s.serialize_f64(self.0 as f64 / 100.0)
    }
}

impl Add for Points {
    type Output = Points;
    fn add(self, rhs: Points) -> Points {
        Points(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for Points {
    fn add_assign(&mut self, rhs: Points) {
        *self = *self + rhs;
    }
}

impl Sub for Points {
    type Output = Points;
    fn sub(self, rhs: Points) -> Points {
        Points(self.0.saturating_sub(rhs.0))
    }
}

impl Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        iter.fold(Points::ZERO, Add::add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_people_type() {
        assert_eq!(Points::parse("1"), Ok(Points::from_centi(100)));
        assert_eq!(Points::parse(" 1.5 "), Ok(Points::from_centi(150)));
        assert_eq!(Points::parse("0.25"), Ok(Points::from_centi(25)));
        assert_eq!(Points::parse(".5"), Ok(Points::from_centi(50)));
        assert_eq!(Points::parse("2."), Ok(Points::from_centi(200)));
        assert_eq!(Points::parse("-1"), Ok(Points::from_centi(-100)));
    }

    #[test]
    fn refuses_what_is_not_a_number_of_points() {
        assert_eq!(Points::parse(""), Err(PointsError::Missing));
        assert_eq!(Points::parse("  "), Err(PointsError::Missing));
        assert_eq!(Points::parse("one"), Err(PointsError::NotANumber));
        assert_eq!(Points::parse("."), Err(PointsError::NotANumber));
        assert_eq!(Points::parse("1.2.3"), Err(PointsError::NotANumber));
        assert_eq!(Points::parse("1e3"), Err(PointsError::NotANumber));
        assert_eq!(Points::parse("1.255"), Err(PointsError::TooPrecise));
        assert_eq!(Points::parse("99999999999"), Err(PointsError::TooLarge));
        assert_eq!(Points::parse("10001"), Err(PointsError::TooLarge));
    }

    #[test]
    fn displays_without_trailing_zeros() {
        assert_eq!(Points::from_centi(100).to_string(), "1");
        assert_eq!(Points::from_centi(150).to_string(), "1.5");
        assert_eq!(Points::from_centi(125).to_string(), "1.25");
        assert_eq!(Points::from_centi(5).to_string(), "0.05");
        assert_eq!(Points::from_centi(-250).to_string(), "-2.5");
        for text in ["0", "1.5", "17.25", "0.05"] {
            assert_eq!(
                Points::parse(text).map(|p| p.to_string()),
                Ok(text.to_string())
            );
        }
    }

    #[test]
    fn percentages_and_scaling_round_down_and_never_divide_by_zero() {
        assert_eq!(Points::whole(17).percent_of(Points::whole(18)), Some(94));
        assert_eq!(Points::whole(18).percent_of(Points::whole(18)), Some(100));
        assert_eq!(Points::whole(1).percent_of(Points::ZERO), None);
        assert_eq!(Points::whole(18).scaled(90, 100), Points::from_centi(1620));
        assert_eq!(Points::whole(18).scaled(1, 0), Points::ZERO);
        let total: Points = [Points::whole(1), Points::from_centi(50)].into_iter().sum();
        assert_eq!(total, Points::from_centi(150));
    }
}

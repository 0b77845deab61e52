//! `Rut`: the Rol Único Tributario / Rol Único Nacional of a persona natural. Migrants' NIE (Número de
//! Identidad Extranjero) uses the same number and check digit, so it is the same type.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ErrorCode;

/// A RUT whose modulo-11 check digit is right. Displays as the citizen writes it: `12.345.678-5`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rut {
    body: u32,
}

/// Whether `digits` is grouped by thousands with dots: `12.345.678`, `1.234.567`, `345.678`.
fn thousands_grouped(digits: &str) -> bool {
    let mut groups = digits.split('.');
    let first_ok = groups.next().is_some_and(|g| (1..=3).contains(&g.len()));
    first_ok && groups.all(|g| g.len() == 3)
}

/// Highest body a RUT can have (8 digits).
const MAX_BODY: u32 = 99_999_999;

impl Rut {
    /// Parses `12.345.678-5`, `12345678-5`, `123456785` or with a lower-case `k`; spaces are ignored. Dots
    /// only where they separate thousands (`12.3456.78-5` is refused: it is not a RUT anyone was given).
    pub fn parse(raw: &str) -> Result<Self, ErrorCode> {
        let cleaned: String = raw.trim().chars().filter(|c| *c != ' ').collect();
        if cleaned.is_empty() {
            return Err(ErrorCode::Required);
        }
        // Seven or eight digits and no hyphen that do not read as a RUT: most likely the number without its
        // check digit (`12345678`, `12.345.678`), which is what the citizen is told.
        let digits: String = cleaned.chars().filter(|c| *c != '.').collect();
        let missing =
            !cleaned.contains('-') && (7..=8).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
        Self::parse_cleaned(&cleaned).map_err(|code| match code {
            ErrorCode::RutCheckDigit | ErrorCode::RutInvalid if missing => ErrorCode::RutCheckDigitMissing,
            code => code,
        })
    }

    fn parse_cleaned(cleaned: &str) -> Result<Self, ErrorCode> {
        let (dotted, dv) = match cleaned.split_once('-') {
            Some((body, dv)) => (body, dv),
            None => cleaned.split_at(cleaned.len() - cleaned.chars().last().map_or(0, char::len_utf8)),
        };
        if dotted.contains('.') && !thousands_grouped(dotted) {
            return Err(ErrorCode::RutInvalid);
        }
        let body: String = dotted.chars().filter(|c| *c != '.').collect();
        let body = body.as_str();
        let mut dv_chars = dv.chars();
        let (Some(dv), None) = (dv_chars.next(), dv_chars.next()) else {
            return Err(ErrorCode::RutInvalid);
        };
        if body.is_empty() || body.len() > 8 || !body.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ErrorCode::RutInvalid);
        }
        let dv = dv.to_ascii_uppercase();
        if !(dv.is_ascii_digit() || dv == 'K') {
            return Err(ErrorCode::RutInvalid);
        }
        let body: u32 = body.parse().map_err(|_| ErrorCode::RutInvalid)?;
        if body == 0 || body > MAX_BODY {
            return Err(ErrorCode::RutInvalid);
        }
        let rut = Rut { body };
        if rut.check_digit() != dv {
            return Err(ErrorCode::RutCheckDigit);
        }
        Ok(rut)
    }

    /// Builds the RUT of a body, with its check digit computed (for fixtures and generators).
    pub fn from_body(body: u32) -> Option<Self> {
        (1..=MAX_BODY).contains(&body).then_some(Rut { body })
    }

    /// The number without check digit.
    pub fn body(self) -> u32 {
        self.body
    }

    /// Modulo-11 check digit: weights 2..7 from the right; 11 → `0`, 10 → `K`.
    pub fn check_digit(self) -> char {
        let mut sum = 0u32;
        let mut n = self.body;
        let mut weight = 2;
        while n > 0 {
            sum += (n % 10) * weight;
            n /= 10;
            weight = if weight == 7 { 2 } else { weight + 1 };
        }
        match 11 - (sum % 11) {
            11 => '0',
            10 => 'K',
            d => char::from_digit(d, 10).unwrap_or('0'),
        }
    }

    /// Storage and wire form without dots: `12345678-5`.
    pub fn canonical(self) -> String {
        format!("{}-{}", self.body, self.check_digit())
    }

    /// For logs: hides the middle digits (`12.***.**8-5`), so traces never carry a whole RUT.
    pub fn masked(self) -> String {
        let body = self.body.to_string();
        if body.len() <= 2 {
            return format!("*-{}", self.check_digit());
        }
        let keep_start = body.len().saturating_sub(6).max(1);
        let hidden = body.len().saturating_sub(keep_start + 1);
        format!("{}{}{}-{}", &body[..keep_start], "*".repeat(hidden), &body[body.len() - 1..], self.check_digit())
    }

    /// Digits a citizen might reuse as a password: body, and body + check digit.
    pub fn digit_forms(self) -> [String; 2] {
        [self.body.to_string(), format!("{}{}", self.body, self.check_digit()).to_lowercase()]
    }
}

impl fmt::Display for Rut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.body.to_string();
        let mut grouped = String::with_capacity(digits.len() + 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push('.');
            }
            grouped.push(c);
        }
        write!(f, "{grouped}-{}", self.check_digit())
    }
}

/// Debug is masked: a RUT is personal data and must not end up whole in logs.
impl fmt::Debug for Rut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Rut({})", self.masked())
    }
}

impl FromStr for Rut {
    type Err = ErrorCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rut::parse(s)
    }
}

impl Serialize for Rut {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Rut {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Rut::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_every_written_form() {
        for raw in ["12.345.678-5", "12345678-5", "123456785", " 12.345.678-5 "] {
            assert_eq!(Rut::parse(raw).map(|r| r.to_string()), Ok("12.345.678-5".to_owned()), "{raw}");
        }
    }

    #[test]
    fn accepts_lower_and_upper_case_k() {
        // 10.000.013-K has check digit K.
        let rut = Rut::from_body(10_000_013).map(Rut::check_digit);
        assert_eq!(rut, Some('K'));
        assert_eq!(Rut::parse("10000013-k").map(|r| r.to_string()), Ok("10.000.013-K".to_owned()));
        assert_eq!(Rut::parse("10.000.013-K").map(Rut::canonical), Ok("10000013-K".to_owned()));
    }

    #[test]
    fn check_digit_zero_and_short_bodies() {
        assert_eq!(Rut::parse("1-9").map(|r| r.to_string()), Ok("1-9".to_owned()));
        assert_eq!(Rut::parse("6.000.005-0").map(Rut::body), Ok(6_000_005));
    }

    #[test]
    fn refuses_wrong_check_digit() {
        assert_eq!(Rut::parse("12.345.678-9"), Err(ErrorCode::RutCheckDigit));
        // The number alone: its check digit is missing, not wrong.
        assert_eq!(Rut::parse("12345678"), Err(ErrorCode::RutCheckDigitMissing));
        assert_eq!(Rut::parse("12.345.678"), Err(ErrorCode::RutCheckDigitMissing));
        assert_eq!(Rut::parse("9876543"), Err(ErrorCode::RutCheckDigitMissing));
        // Eight characters that do read as a RUT still do.
        assert_eq!(Rut::parse("98765433").map(|r| r.to_string()), Ok("9.876.543-3".to_owned()));
    }

    #[test]
    fn refuses_garbage() {
        for raw in ["", "   ", "abc", "12.345.678-55", "-5", "123456789012-3", "0-0", "12345678-X", "١٢٣-٤"] {
            assert!(Rut::parse(raw).is_err(), "{raw}");
        }
        assert_eq!(Rut::parse(""), Err(ErrorCode::Required));
    }

    #[test]
    fn dots_only_where_they_group_thousands() {
        for raw in ["12.345.678-5", "12345678-5", "1.234.567-4", "123.456-0"] {
            assert!(Rut::parse(raw).is_ok(), "{raw}");
        }
        for raw in ["12.3456.78-5", "1234.5678-5", ".12.345.678-5", "12..345.678-5", "12.345.678.-5", "12.34.5678-5"] {
            assert_eq!(Rut::parse(raw), Err(ErrorCode::RutInvalid), "{raw}");
        }
    }

    #[test]
    fn masked_hides_the_middle() {
        let rut = Rut::parse("12.345.678-5").unwrap_or_else(|_| unreachable!());
        assert_eq!(rut.masked(), "12*****8-5");
        assert!(!format!("{rut:?}").contains("345"));
    }

    proptest! {
        #[test]
        fn display_round_trips(body in 1u32..=99_999_999) {
            let rut = Rut::from_body(body).unwrap_or_else(|| unreachable!());
            prop_assert_eq!(Rut::parse(&rut.to_string()), Ok(rut));
            prop_assert_eq!(Rut::parse(&rut.canonical()), Ok(rut));
            // Logging never panics, and never shows the whole number.
            let masked = rut.masked();
            prop_assert!(body < 1000 || !masked.contains(&body.to_string()));
        }

        #[test]
        fn one_wrong_digit_is_caught(body in 1u32..=99_999_999, other in 0u32..11) {
            let rut = Rut::from_body(body).unwrap_or_else(|| unreachable!());
            let dv = if other == 10 { 'K' } else { char::from_digit(other, 10).unwrap_or('0') };
            prop_assume!(dv != rut.check_digit());
            prop_assert_eq!(Rut::parse(&format!("{body}-{dv}")), Err(ErrorCode::RutCheckDigit));
        }

        #[test]
        fn arbitrary_strings_never_panic(raw in "\\PC*") {
            let _ = Rut::parse(&raw);
        }
    }
}

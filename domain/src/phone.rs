//! `Mobile` (`+56 9` and 8 digits, §2(4); "Sin celular" is `Option::None`) and `Phone` (a 9-digit national
//! number, for "Teléfono Particular" and "Teléfono Trabajo").

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ErrorCode;

/// Digits of a number as typed, with spaces, dashes, dots and parentheses removed and a leading `+56`/`56`
/// country code dropped.
fn national_digits(raw: &str) -> Result<String, ErrorCode> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(ErrorCode::Required);
    }
    let mut digits = String::with_capacity(raw.len());
    for (i, c) in raw.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            '+' if i == 0 => {}
            _ => return Err(ErrorCode::TextInvalid),
        }
    }
    // A leading `+` must be Chile's +56; 11 digits without it are 56 + the national number.
    if raw.starts_with('+') || digits.len() == 11 {
        digits = digits.strip_prefix("56").ok_or(ErrorCode::TextInvalid)?.to_owned();
    }
    Ok(digits)
}

/// A Chilean mobile number: `+56 9` followed by 8 digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mobile(u32);

impl Mobile {
    /// Accepts the 8 digits typed after the fixed `+56 9` of the form, or the whole number
    /// (`912345678`, `+56 9 1234 5678`, `+56912345678`).
    pub fn parse(raw: &str) -> Result<Self, ErrorCode> {
        let digits = national_digits(raw).map_err(|code| match code {
            ErrorCode::Required => code,
            _ => ErrorCode::MobileInvalid,
        })?;
        let eight = match digits.len() {
            8 => digits.as_str(),
            9 => digits.strip_prefix('9').ok_or(ErrorCode::MobileInvalid)?,
            _ => return Err(ErrorCode::MobileInvalid),
        };
        eight.parse().map(Mobile).map_err(|_| ErrorCode::MobileInvalid)
    }

    /// International form for the SMS gateway: `+56912345678`.
    pub fn e164(self) -> String {
        format!("+569{:08}", self.0)
    }

    /// The 8 digits after `+56 9`, as the form's field holds them.
    pub fn subscriber(self) -> String {
        format!("{:08}", self.0)
    }

    /// For confirmation screens and logs: `+56 9 **** **78`.
    pub fn masked(self) -> String {
        format!("+56 9 **** **{:02}", self.0 % 100)
    }
}

impl fmt::Display for Mobile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+56 9 {:04} {:04}", self.0 / 10_000, self.0 % 10_000)
    }
}

impl fmt::Debug for Mobile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mobile({})", self.masked())
    }
}

/// A Chilean fixed or mobile number of 9 national digits (e.g. `221234567` for Santiago).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Phone(u32);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, ErrorCode> {
        let digits = national_digits(raw).map_err(|code| match code {
            ErrorCode::Required => code,
            _ => ErrorCode::PhoneInvalid,
        })?;
        if digits.len() != 9 || digits.starts_with('0') {
            return Err(ErrorCode::PhoneInvalid);
        }
        digits.parse().map(Phone).map_err(|_| ErrorCode::PhoneInvalid)
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:09}", self.0)
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone(*******{:02})", self.0 % 100)
    }
}

macro_rules! string_serde {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.to_string())
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <$ty>::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
            }
        }
    };
}
string_serde!(Mobile);
string_serde!(Phone);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn mobile_accepts_the_forms_citizens_type() {
        for raw in ["12345678", "912345678", "+56912345678", "+56 9 1234 5678", "56912345678", "9 1234-5678"] {
            assert_eq!(Mobile::parse(raw).map(Mobile::e164), Ok("+56912345678".to_owned()), "{raw}");
        }
    }

    #[test]
    fn mobile_refuses_other_numbers() {
        for raw in ["1234567", "221234567", "+54912345678", "1234567890", "abc", "+56 9 1234 567x"] {
            assert_eq!(Mobile::parse(raw), Err(ErrorCode::MobileInvalid), "{raw}");
        }
        assert_eq!(Mobile::parse(" "), Err(ErrorCode::Required));
    }

    #[test]
    fn phone_has_nine_digits() {
        assert_eq!(Phone::parse("2 2123 4567").map(|p| p.to_string()), Ok("221234567".to_owned()));
        assert_eq!(Phone::parse("+56 2 2123 4567").map(|p| p.to_string()), Ok("221234567".to_owned()));
        assert_eq!(Phone::parse("22123456"), Err(ErrorCode::PhoneInvalid));
        assert_eq!(Phone::parse("022123456"), Err(ErrorCode::PhoneInvalid));
    }

    proptest! {
        #[test]
        fn mobile_round_trips(n in 0u32..100_000_000) {
            let mobile = Mobile(n);
            prop_assert_eq!(Mobile::parse(&mobile.to_string()), Ok(mobile));
            prop_assert_eq!(Mobile::parse(&mobile.e164()), Ok(mobile));
            prop_assert_eq!(Mobile::parse(&mobile.subscriber()), Ok(mobile));
        }

        #[test]
        fn phone_round_trips(n in 100_000_000u32..1_000_000_000) {
            let phone = Phone(n);
            prop_assert_eq!(Phone::parse(&phone.to_string()), Ok(phone));
        }

        #[test]
        fn arbitrary_strings_never_panic(raw in "\\PC*") {
            let _ = Mobile::parse(&raw);
            let _ = Phone::parse(&raw);
        }
    }
}

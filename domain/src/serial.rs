//! `SerialNumber`: the "Número de serie cédula de identidad" (document number) that the Registro Civil checks
//! against the RUT in recovery (§3.1(5), §3.2(6)).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ErrorCode;

/// 9 digits (`123.456.789`), `A` + 9 digits on old cards, or 9–10 letters and digits on the newest cards.
/// Stored upper-case without dots or spaces.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SerialNumber(String);

impl SerialNumber {
    pub fn parse(raw: &str) -> Result<Self, ErrorCode> {
        let cleaned: String =
            raw.trim().chars().filter(|c| !matches!(c, '.' | ' ' | '-')).map(|c| c.to_ascii_uppercase()).collect();
        if cleaned.is_empty() {
            return Err(ErrorCode::Required);
        }
        let shape_ok = (9..=10).contains(&cleaned.len()) && cleaned.bytes().all(|b| b.is_ascii_alphanumeric());
        if !shape_ok {
            return Err(ErrorCode::SerialInvalid);
        }
        Ok(SerialNumber(cleaned))
    }
}

impl AsRef<str> for SerialNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SerialNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SerialNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SerialNumber(***)")
    }
}

impl Serialize for SerialNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SerialNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        SerialNumber::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_every_card_generation() {
        assert_eq!(SerialNumber::parse("123.456.789").map(|s| s.to_string()), Ok("123456789".to_owned()));
        assert_eq!(SerialNumber::parse("a123456789").map(|s| s.to_string()), Ok("A123456789".to_owned()));
        assert_eq!(SerialNumber::parse("B1C2D3E4F").map(|s| s.to_string()), Ok("B1C2D3E4F".to_owned()));
    }

    #[test]
    fn refuses_other_lengths_and_symbols() {
        for raw in ["12345678", "12345678901", "12345678_", "ñ23456789"] {
            assert_eq!(SerialNumber::parse(raw), Err(ErrorCode::SerialInvalid), "{raw}");
        }
    }

    proptest! {
        #[test]
        fn display_round_trips(raw in "[A-Z0-9]{9,10}") {
            let serial = SerialNumber::parse(&raw).unwrap_or_else(|_| unreachable!());
            prop_assert_eq!(SerialNumber::parse(serial.as_ref()), Ok(serial.clone()));
        }

        #[test]
        fn arbitrary_strings_never_panic(raw in "\\PC*") {
            let _ = SerialNumber::parse(&raw);
        }
    }
}

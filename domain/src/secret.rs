//! `SecretQuestion` (a fixed list, §2(4), e.g. "MI PAÍS FAVORITO") and `SecretAnswer`.
//!
//! Knowledge questions are weak (ASVS 6.4.2, NIST 800-63B); the guide requires them, so answers are folded
//! (trimmed, inner spaces collapsed, case and accents removed) before hashing like passwords, and a right
//! answer only ever sends a provisional CS to the contacts on file.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ErrorCode;
use crate::unicode::nfd;

macro_rules! questions {
    ($($variant:ident => ($code:literal, $label:literal),)*) => {
        /// The questions a citizen can pick. The code is stored and sent; the label is what the guide shows
        /// (the UI shows the localised label `questions.<code>`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum SecretQuestion {
            $($variant,)*
        }

        impl SecretQuestion {
            pub const ALL: &'static [SecretQuestion] = &[$(SecretQuestion::$variant,)*];

            pub const fn code(self) -> &'static str {
                match self { $(SecretQuestion::$variant => $code,)* }
            }

            /// The Spanish label, upper case as in the guide.
            pub const fn label(self) -> &'static str {
                match self { $(SecretQuestion::$variant => $label,)* }
            }
        }
    };
}

questions! {
    FavoriteCountry => ("favorite_country", "MI PAÍS FAVORITO"),
    FirstPet => ("first_pet", "NOMBRE DE MI PRIMERA MASCOTA"),
    MotherBirthCity => ("mother_birth_city", "CIUDAD DE NACIMIENTO DE MI MADRE"),
    FirstSchool => ("first_school", "NOMBRE DE MI PRIMER COLEGIO"),
    ChildhoodFriend => ("childhood_friend", "NOMBRE DE MI MEJOR AMIGO DE LA INFANCIA"),
    FavoriteFood => ("favorite_food", "MI COMIDA FAVORITA"),
    FavoriteTeam => ("favorite_team", "MI EQUIPO DE FÚTBOL FAVORITO"),
    FatherSecondName => ("father_second_name", "SEGUNDO NOMBRE DE MI PADRE"),
}

impl SecretQuestion {
    /// Accepts the code (`favorite_country`) or the label in any case (`Mi país favorito`).
    pub fn parse(raw: &str) -> Result<Self, ErrorCode> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(ErrorCode::Required);
        }
        let folded = fold(raw);
        SecretQuestion::ALL
            .iter()
            .copied()
            .find(|q| q.code() == raw || fold(q.label()) == folded)
            .ok_or(ErrorCode::QuestionUnknown)
    }
}

impl fmt::Display for SecretQuestion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl Serialize for SecretQuestion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for SecretQuestion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        SecretQuestion::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// Removes accents and case and collapses whitespace: "  Perú " and "peru" are the same answer.
pub fn fold(raw: &str) -> String {
    let stripped: String =
        nfd(&raw.to_lowercase()).chars().filter(|c| !is_combining_mark(*c)).collect::<String>().to_lowercase();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_combining_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Longest answer accepted (folded characters).
pub const MAX_ANSWER_CHARS: usize = 60;

/// A secret answer in its folded form, ready to hash or verify. Never displayed nor logged.
pub struct SecretAnswer(SecretString);

impl SecretAnswer {
    pub fn parse(raw: &str) -> Result<Self, ErrorCode> {
        let folded = fold(raw);
        if folded.is_empty() {
            return Err(ErrorCode::Required);
        }
        if folded.chars().count() > MAX_ANSWER_CHARS || folded.chars().any(char::is_control) {
            return Err(ErrorCode::AnswerInvalid);
        }
        Ok(SecretAnswer(SecretString::from(folded)))
    }

    /// The folded answer (what is hashed).
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn questions_parse_by_code_or_label() {
        assert_eq!(SecretQuestion::parse("MI PAÍS FAVORITO"), Ok(SecretQuestion::FavoriteCountry));
        assert_eq!(SecretQuestion::parse("mi pais favorito"), Ok(SecretQuestion::FavoriteCountry));
        assert_eq!(SecretQuestion::parse("favorite_country"), Ok(SecretQuestion::FavoriteCountry));
        assert_eq!(SecretQuestion::parse("MI COLOR FAVORITO"), Err(ErrorCode::QuestionUnknown));
    }

    #[test]
    fn answers_fold_case_accents_and_spaces() {
        let a = SecretAnswer::parse("  Perú   del Sur ").map(|a| a.expose().to_owned());
        let b = SecretAnswer::parse("PERU DEL SUR").map(|a| a.expose().to_owned());
        assert_eq!(a, Ok("peru del sur".to_owned()));
        assert_eq!(a, b);
        // A decomposed accent (e + U+0301) folds the same as a precomposed one.
        assert_eq!(fold("Pe\u{0301}rez"), fold("PÉREZ"));
        assert_eq!(fold("Ñuñoa"), "nunoa");
    }

    #[test]
    fn empty_or_huge_answers_are_refused() {
        assert_eq!(SecretAnswer::parse("   ").err(), Some(ErrorCode::Required));
        assert_eq!(SecretAnswer::parse(&"x".repeat(61)).err(), Some(ErrorCode::AnswerInvalid));
    }

    proptest! {
        #[test]
        fn question_display_round_trips(i in 0usize..SecretQuestion::ALL.len()) {
            let q = SecretQuestion::ALL[i];
            prop_assert_eq!(SecretQuestion::parse(&q.to_string()), Ok(q));
            prop_assert_eq!(SecretQuestion::parse(q.code()), Ok(q));
        }

        #[test]
        fn folding_is_idempotent(raw in "\\PC{0,80}") {
            let once = fold(&raw);
            prop_assert_eq!(fold(&once), once.clone());
            if let Ok(answer) = SecretAnswer::parse(&raw) {
                prop_assert_eq!(SecretAnswer::parse(answer.expose()).map(|a| a.expose().to_owned()), Ok(once));
            }
        }
    }
}

//! The languages of the service: Chilean Spanish (the default), English, and Haitian Creole (Kreyòl ayisyen),
//! for one of Chile's largest migrant communities. Every screen, refusal, e-mail and SMS exists in each.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Es,
    En,
    Ht,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::Es, Language::En, Language::Ht];

    /// The code of `locales/<code>/<code>.yml` and of the message templates.
    pub const fn code(self) -> &'static str {
        match self {
            Language::Es => "es",
            Language::En => "en",
            Language::Ht => "ht",
        }
    }

    /// Its name in itself, as a language picker shows it.
    pub const fn name(self) -> &'static str {
        match self {
            Language::Es => "Español",
            Language::En => "English",
            Language::Ht => "Kreyòl ayisyen",
        }
    }

    /// The BCP 47 tag for `<html lang>`.
    pub const fn tag(self) -> &'static str {
        match self {
            Language::Es => "es-CL",
            Language::En => "en",
            Language::Ht => "ht",
        }
    }

    /// A code or a BCP 47 tag (`es-CL`, `en-US`, `HT`): its primary subtag, if it is one of ours.
    pub fn parse(raw: &str) -> Option<Language> {
        let primary = raw.trim().split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        Language::ALL.into_iter().find(|language| language.code() == primary)
    }

    /// The first of `preferred` (the browser's or the OS's list, best first) that we speak, else Spanish.
    pub fn negotiate<'a>(preferred: impl IntoIterator<Item = &'a str>) -> Language {
        preferred.into_iter().find_map(Language::parse).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_read_by_their_primary_subtag() {
        assert_eq!(Language::parse("es-CL"), Some(Language::Es));
        assert_eq!(Language::parse("en_US"), Some(Language::En));
        assert_eq!(Language::parse("HT"), Some(Language::Ht));
        assert_eq!(Language::parse("fr-HT"), None);
        assert_eq!(Language::parse(""), None);
    }

    #[test]
    fn the_first_language_we_speak_wins_and_spanish_is_the_default() {
        assert_eq!(Language::negotiate(["fr-FR", "ht", "es"]), Language::Ht);
        assert_eq!(Language::negotiate(["de", "fr"]), Language::Es);
        assert_eq!(Language::negotiate([]), Language::Es);
    }
}

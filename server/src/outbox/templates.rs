//! Message templates, one folder per event under `server/templates/<event>/<channel>.<part>.<locale>`,
//! compiled into the binary. `{{name}}` placeholders are filled from the variables given. Every message carries
//! a secret (a provisional CS, a code, or a link that acts on the account: "No fui yo" freezes it), so every
//! text is sealed while it waits and wiped once sent (see `outbox::enqueue` and the worker).
//! Every template exists in every [`Language`] (es, en, ht): the account's language picks one. SMS texts keep
//! to the GSM-7 alphabet (160 characters per SMS instead of 70): Spanish without á/í/ó/ú, Kreyòl with è and ò,
//! which GSM-7 has.

use domain::Language;

/// What happened, and so which template folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Recovery issued a provisional CS (§3(9)): SMS + e-mail.
    ProvisionalIssued,
    /// The CS was changed (§4(6)): e-mail + SMS.
    CsChanged,
    /// Personal data was updated (§5(7)): e-mail.
    DataUpdated,
    /// Recovery replaced e-mail and mobile: told to the old ones.
    ContactReplaced,
    /// A 6-digit code that proves a new e-mail or mobile (update §5, recovery §3.1/§3.2).
    ContactCode,
    /// The link that confirms a registration's e-mail.
    EmailConfirmation,
}

impl Event {
    pub const fn as_str(self) -> &'static str {
        match self {
            Event::ProvisionalIssued => "provisional_issued",
            Event::CsChanged => "cs_changed",
            Event::DataUpdated => "data_updated",
            Event::ContactReplaced => "contact_replaced",
            Event::ContactCode => "contact_code",
            Event::EmailConfirmation => "email_confirmation",
        }
    }

    /// Every event, for parsing and for checks over every template.
    pub const ALL: [Event; 6] = [
        Event::ProvisionalIssued,
        Event::CsChanged,
        Event::DataUpdated,
        Event::ContactReplaced,
        Event::ContactCode,
        Event::EmailConfirmation,
    ];

    pub fn parse(raw: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.as_str() == raw)
    }
}

macro_rules! templates {
    ($($event:literal / $file:literal),* $(,)?) => {
        /// Every `(event, "<channel>.<part>")` that has a template.
        #[cfg(test)]
        const FILES: &[(&str, &str)] = &[$(($event, $file)),*];

        /// The template of `file` for `event` in `language`. Each listed file must exist in every language, or
        /// the build fails.
        fn raw(event: &str, file: &str, language: Language) -> Option<&'static str> {
            match (event, file, language) {
                $(
                    ($event, $file, Language::Es) => Some(include_str!(concat!("../../templates/", $event, "/", $file, ".es"))),
                    ($event, $file, Language::En) => Some(include_str!(concat!("../../templates/", $event, "/", $file, ".en"))),
                    ($event, $file, Language::Ht) => Some(include_str!(concat!("../../templates/", $event, "/", $file, ".ht"))),
                )*
                _ => None,
            }
        }
    };
}

templates! {
    "provisional_issued" / "sms.body", "provisional_issued" / "email.subject", "provisional_issued" / "email.body",
    "cs_changed" / "sms.body", "cs_changed" / "email.subject", "cs_changed" / "email.body",
    "data_updated" / "email.subject", "data_updated" / "email.body",
    "contact_replaced" / "sms.body", "contact_replaced" / "email.subject", "contact_replaced" / "email.body",
    "contact_code" / "sms.body", "contact_code" / "email.subject", "contact_code" / "email.body",
    "email_confirmation" / "email.subject", "email_confirmation" / "email.body",
}

/// Renders `<channel>.<part>` of `event` in `language`.
pub fn render(event: Event, channel: &str, part: &str, language: Language, vars: &[(&str, &str)]) -> Option<String> {
    let template = raw(event.as_str(), &format!("{channel}.{part}"), language)?;
    let mut text = template.trim_end().to_owned();
    for (name, value) in vars {
        text = text.replace(&format!("{{{{{name}}}}}"), value);
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GSM 03.38's basic alphabet (no escapes): a character outside it turns an SMS into UCS-2, 70 per segment.
    const GSM7: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ\
                        ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

    #[test]
    fn provisional_sms_is_the_guides_text() {
        let sms = render(Event::ProvisionalIssued, "sms", "body", Language::Es, &[("clave", "J53722W1")]);
        assert_eq!(sms.as_deref(), Some("Sr(A) usuario(a), su clave Sence es: J53722W1. Atte. SENCE"));
    }

    #[test]
    fn every_template_exists_in_every_language_with_known_placeholders() {
        let known =
            ["clave", "rut", "hours", "url", "new_email", "new_mobile", "no_fui_yo", "code", "minutes", "link", "what"];
        for (event, file) in FILES {
            let placeholders = |text: &str| -> Vec<String> {
                let mut names: Vec<String> =
                    text.split("{{").skip(1).map(|p| p.split("}}").next().unwrap_or_default().to_owned()).collect();
                names.sort();
                names.dedup();
                names
            };
            let spanish = placeholders(raw(event, file, Language::Es).unwrap_or_default());
            for language in Language::ALL {
                let text = raw(event, file, language).unwrap_or_default();
                assert!(!text.trim().is_empty(), "{event} {file}.{}", language.code());
                let names = placeholders(text);
                for name in &names {
                    assert!(known.contains(&name.as_str()), "{event} {file}.{}: {{{{{name}}}}}", language.code());
                }
                assert_eq!(names, spanish, "{event} {file}.{}: the same placeholders as Spanish", language.code());
                if *file == "sms.body" {
                    let bare = names.iter().fold(text.to_owned(), |t, n| t.replace(&format!("{{{{{n}}}}}"), ""));
                    let outside: String = bare.chars().filter(|c| !GSM7.contains(*c)).collect();
                    assert!(outside.is_empty(), "GSM-7: {event} {}: {outside:?}", language.code());
                }
            }
        }
    }

    /// A notice's SMS with its "No fui yo" link (the longest public address we expect) stays one GSM-7 segment.
    #[test]
    fn sms_with_their_link_fit_one_segment() {
        let link = "https://claveunica-sence.sence.gob.cl/n/0123456789abcdef0123456789abcdef";
        let vars = [("no_fui_yo", link), ("clave", "J53722W1"), ("code", "123456"), ("minutes", "10")];
        for event in [Event::ProvisionalIssued, Event::CsChanged, Event::ContactReplaced, Event::ContactCode] {
            for language in Language::ALL {
                let sms = render(event, "sms", "body", language, &vars).unwrap_or_default();
                let code = language.code();
                assert!(sms.chars().count() <= 160, "{} {code}: {} characters", event.as_str(), sms.chars().count());
                assert!(!sms.contains("{{"), "{sms}");
            }
        }
    }

    #[test]
    fn only_the_provisional_template_carries_the_clave() {
        for (event, file) in FILES.iter().filter(|(event, _)| *event != "provisional_issued") {
            for language in Language::ALL {
                assert!(!raw(event, file, language).unwrap_or_default().contains("{{clave}}"), "{event} {file}");
            }
        }
    }
}

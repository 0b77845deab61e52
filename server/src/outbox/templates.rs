//! Message templates, one folder per event under `server/templates/<event>/<channel>.<part>.<locale>`,
//! compiled into the binary. `{{name}}` placeholders are filled from the variables given; a template never
//! receives a secret other than the provisional CS itself (`{{clave}}` of `provisional_issued`).
//! SMS texts avoid á/í/ó/ú so they fit the GSM-7 alphabet (160 characters per SMS instead of 70).

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

    /// Whether the text carries a secret (a provisional CS, a code): sealed while it waits, wiped once sent.
    pub const fn carries_secret(self) -> bool {
        matches!(self, Event::ProvisionalIssued | Event::ContactCode)
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
        fn raw(event: &str, file: &str) -> Option<&'static str> {
            match (event, file) {
                $(($event, $file) => Some(include_str!(concat!("../../templates/", $event, "/", $file))),)*
                _ => None,
            }
        }
    };
}

templates! {
    "provisional_issued" / "sms.body.es", "provisional_issued" / "sms.body.en",
    "provisional_issued" / "email.subject.es", "provisional_issued" / "email.subject.en",
    "provisional_issued" / "email.body.es", "provisional_issued" / "email.body.en",
    "cs_changed" / "sms.body.es", "cs_changed" / "sms.body.en",
    "cs_changed" / "email.subject.es", "cs_changed" / "email.subject.en",
    "cs_changed" / "email.body.es", "cs_changed" / "email.body.en",
    "data_updated" / "email.subject.es", "data_updated" / "email.subject.en",
    "data_updated" / "email.body.es", "data_updated" / "email.body.en",
    "contact_replaced" / "sms.body.es", "contact_replaced" / "sms.body.en",
    "contact_replaced" / "email.subject.es", "contact_replaced" / "email.subject.en",
    "contact_replaced" / "email.body.es", "contact_replaced" / "email.body.en",
    "contact_code" / "sms.body.es", "contact_code" / "sms.body.en",
    "contact_code" / "email.subject.es", "contact_code" / "email.subject.en",
    "contact_code" / "email.body.es", "contact_code" / "email.body.en",
    "email_confirmation" / "email.subject.es", "email_confirmation" / "email.subject.en",
    "email_confirmation" / "email.body.es", "email_confirmation" / "email.body.en",
}

/// Renders `<channel>.<part>.<locale>` of `event`, falling back to Spanish.
pub fn render(event: Event, channel: &str, part: &str, locale: &str, vars: &[(&str, &str)]) -> Option<String> {
    let template = raw(event.as_str(), &format!("{channel}.{part}.{locale}"))
        .or_else(|| raw(event.as_str(), &format!("{channel}.{part}.es")))?;
    let mut text = template.trim_end().to_owned();
    for (name, value) in vars {
        text = text.replace(&format!("{{{{{name}}}}}"), value);
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provisional_sms_is_the_guides_text() {
        let sms = render(Event::ProvisionalIssued, "sms", "body", "es", &[("clave", "J53722W1")]);
        assert_eq!(sms.as_deref(), Some("Sr(A) usuario(a), su clave Sence es: J53722W1. Atte. SENCE"));
    }

    #[test]
    fn every_placeholder_of_every_template_is_known() {
        let known = ["clave", "rut", "hours", "url", "new_email", "new_mobile", "no_fui_yo", "code", "minutes", "link"];
        for event in Event::ALL {
            for file in ["sms.body", "email.subject", "email.body"] {
                for locale in ["es", "en"] {
                    let Some(text) = raw(event.as_str(), &format!("{file}.{locale}")) else { continue };
                    for piece in text.split("{{").skip(1) {
                        let name = piece.split("}}").next().unwrap_or_default();
                        assert!(known.contains(&name), "{} {file}.{locale}: {{{{{name}}}}}", event.as_str());
                    }
                    if file == "sms.body" && locale == "es" {
                        assert!(!text.contains(['á', 'í', 'ó', 'ú']), "GSM-7: {}", event.as_str());
                    }
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
            for locale in ["es", "en"] {
                let sms = render(event, "sms", "body", locale, &vars).unwrap_or_default();
                assert!(sms.chars().count() <= 160, "{} {locale}: {} characters", event.as_str(), sms.chars().count());
                assert!(!sms.contains("{{"), "{sms}");
            }
        }
    }

    #[test]
    fn only_the_provisional_template_carries_the_clave() {
        for event in [Event::CsChanged, Event::DataUpdated, Event::ContactReplaced] {
            for file in ["sms.body.es", "email.body.es", "email.subject.es"] {
                assert!(!raw(event.as_str(), file).unwrap_or_default().contains("{{clave}}"));
            }
        }
    }
}

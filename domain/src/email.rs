//! `Email`: the address where Clave Sence sends the provisional CS and notices (§1: "una cuenta de correo
//! electrónico vigente"). Parsed by shape only; the mail itself proves the mailbox works.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ErrorCode;

/// A syntactically valid e-mail address, domain in lower case.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ErrorCode> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(ErrorCode::Required);
        }
        if raw.len() > 254 {
            return Err(ErrorCode::EmailInvalid);
        }
        let (local, domain) = raw.rsplit_once('@').ok_or(ErrorCode::EmailInvalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.chars().count() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
        if !(local_ok && domain_ok) {
            return Err(ErrorCode::EmailInvalid);
        }
        Ok(Email(format!("{local}@{}", domain.to_lowercase())))
    }

    /// Shown to confirm the address on file without disclosing it (§3.1(6)): enough for its owner to tell two
    /// of their addresses apart (`juana.aromos@correo.cl` → `ju****os@correo.cl`, `juana.nueva@correo.cl` →
    /// `ju****va@correo.cl`): the name's first two and last two characters, fewer when it is short (never more
    /// than a third of it from eight characters down), and the whole domain, which is seldom personal. The
    /// stars never tell the name's length.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.rsplit_once('@').unwrap_or((&self.0, ""));
        let chars: Vec<char> = local.chars().collect();
        let (head, tail) = match chars.len() {
            0..=4 => (1, 0),
            5..=7 => (1, 1),
            _ => (2, 2),
        };
        let head: String = chars.iter().take(head.min(chars.len())).collect();
        let tail: String = chars[chars.len() - tail.min(chars.len())..].iter().collect();
        format!("{head}****{tail}@{domain}")
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Debug is masked: an address is personal data.
impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.masked())
    }
}

impl Serialize for Email {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Email::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_ordinary_addresses() {
        for raw in ["juana.perez@gmail.com", "j+sence@Correo.CL", "ñandú@dominio.cl", "a@b.co"] {
            assert!(Email::parse(raw).is_ok(), "{raw}");
        }
        assert_eq!(Email::parse(" Juana@GMAIL.com ").map(|e| e.to_string()), Ok("Juana@gmail.com".to_owned()));
    }

    #[test]
    fn refuses_malformed_addresses() {
        for raw in [
            "juana",
            "juana@",
            "@gmail.com",
            "juana@gmail",
            "ju ana@gmail.com",
            "juana@@gmail.com",
            "a..b@c.cl",
            "a@-b.cl",
            "a@b.c1",
        ] {
            assert_eq!(Email::parse(raw), Err(ErrorCode::EmailInvalid), "{raw}");
        }
        assert_eq!(Email::parse("  "), Err(ErrorCode::Required));
    }

    #[test]
    fn masked_tells_two_addresses_of_one_person_apart() {
        let masked = |raw: &str| Email::parse(raw).unwrap_or_else(|_| unreachable!()).masked();
        assert_eq!(masked("juana.aromos@correo.cl"), "ju****os@correo.cl");
        assert_eq!(masked("juana.nueva@correo.cl"), "ju****va@correo.cl");
        assert_eq!(masked("pedro@correo.cl"), "p****o@correo.cl");
        assert_eq!(masked("ana@correo.cl"), "a****@correo.cl");
        assert_eq!(masked("jo@correo.cl"), "j****@correo.cl");
    }

    proptest! {
        #[test]
        fn display_round_trips(local in "[a-z0-9][a-z0-9._+-]{0,20}[a-z0-9]", host in "[a-z0-9]{1,20}", tld in "[a-z]{2,6}") {
            prop_assume!(!local.contains(".."));
            let email = Email::parse(&format!("{local}@{host}.{tld}")).unwrap_or_else(|_| unreachable!());
            prop_assert_eq!(Email::parse(email.as_ref()), Ok(email.clone()));
        }

        #[test]
        fn arbitrary_strings_never_panic(raw in "\\PC*") {
            if let Ok(email) = Email::parse(&raw) {
                prop_assert_eq!(Email::parse(email.as_ref()), Ok(email.clone()));
                let _ = email.masked();
            }
        }
    }
}

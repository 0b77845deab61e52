//! `ClaveSence`: the citizen's password, and `PresentedClave`, one typed to prove who they are.
//!
//! Rules: 8 to 10 characters as the guide says (§2(5)); not one of the most common passwords (ASVS 6.2.4);
//! not the citizen's own RUT digits. No character-class rules (ASVS 6.2.5) and no trimming: what is pasted is
//! what counts (ASVS 6.2.7). Unicode is normalised to NFC before anything else (NIST 800-63B §3.1.1.2), so
//! "Ñandú#2024" is the same CS whichever way a keyboard composed its "Ñ" and "ú". Both types hold a
//! `SecretString`: no `Debug`/`Display` of the value, never logged.

#[cfg(not(target_arch = "wasm32"))]
use std::collections::HashSet;
#[cfg(not(target_arch = "wasm32"))]
use std::sync::LazyLock;

use secrecy::{ExposeSecret, SecretString};

use crate::unicode::{is_invisible, nfc};
use crate::{ErrorCode, Rut};

pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 10;
/// A presented (current) CS longer than this cannot be ours; bounds the hashing work per request.
const MAX_PRESENTED_CHARS: usize = 128;

#[cfg(not(target_arch = "wasm32"))]
static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
});

/// Whether `candidate` is on the shipped list of common passwords (compared in lower case).
#[cfg(not(target_arch = "wasm32"))]
pub fn is_common(candidate: &str) -> bool {
    COMMON.contains(candidate.to_lowercase().as_str())
}

/// In the browser the list is the server's to check: a refused CS comes back on its field after the submit,
/// and every phone and kiosk is spared downloading the list (16 KB of the compressed wasm).
#[cfg(target_arch = "wasm32")]
pub fn is_common(_candidate: &str) -> bool {
    false
}

/// A new Clave Sence that passed every rule.
pub struct ClaveSence(SecretString);

impl ClaveSence {
    /// Checks a new CS for the citizen with `rut`.
    pub fn parse(raw: &str, rut: Rut) -> Result<Self, ErrorCode> {
        let raw = nfc(raw);
        let raw = raw.as_str();
        check_shape(raw)?;
        let lower = raw.to_lowercase();
        if is_common(&lower) {
            return Err(ErrorCode::CsTooCommon);
        }
        let digits: String = lower.chars().filter(|c| !matches!(c, '.' | '-' | ' ')).collect();
        if rut.digit_forms().contains(&digits) {
            return Err(ErrorCode::CsEqualsRut);
        }
        Ok(ClaveSence(SecretString::from(raw)))
    }

    /// Checks the CS typed twice ("Clave CS" and "Repetir Clave CS"). The mismatch belongs to the second field.
    pub fn parse_pair(raw: &str, repeat: &str, rut: Rut) -> Result<Self, (&'static str, ErrorCode)> {
        let clave = ClaveSence::parse(raw, rut).map_err(|code| ("cs", code))?;
        if clave.expose() != nfc(repeat) {
            return Err(("cs_repeat", ErrorCode::CsMismatch));
        }
        Ok(clave)
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

/// Length and characters only (of the NFC form); the same rule the UI applies as the citizen types. Spaces
/// count, but a CS of nothing but spaces is no secret; characters that show nothing (zero-width spaces and
/// other format characters) do not count towards the 8, and a CS of nothing but them is refused.
pub fn check_shape(raw: &str) -> Result<(), ErrorCode> {
    if raw.is_empty() {
        return Err(ErrorCode::Required);
    }
    let blank = |c: char| c.is_whitespace() || is_invisible(c);
    if raw.chars().any(char::is_control) || raw.chars().all(blank) {
        return Err(ErrorCode::CsInvalidCharacter);
    }
    let normalised = nfc(raw);
    let visible = normalised.chars().filter(|c| !is_invisible(*c)).count();
    if visible < MIN_CHARS {
        return Err(ErrorCode::CsTooShort);
    }
    if normalised.chars().count() > MAX_CHARS {
        return Err(ErrorCode::CsTooLong);
    }
    Ok(())
}

/// A CS typed to authenticate (current or provisional). Not checked against the rules for new ones, since
/// accounts made before a rule existed must still be able to sign in.
pub struct PresentedClave {
    /// NFC, the form every CS is stored in since normalisation began.
    nfc: SecretString,
    /// The text as typed, when it differs: a CS registered before normalisation was hashed as typed.
    as_typed: Option<SecretString>,
}

impl PresentedClave {
    pub fn parse(raw: &str) -> Result<Self, ErrorCode> {
        if raw.is_empty() {
            return Err(ErrorCode::Required);
        }
        if raw.chars().count() > MAX_PRESENTED_CHARS {
            return Err(ErrorCode::CsTooLong);
        }
        let normal = nfc(raw);
        let as_typed = (normal != raw).then(|| SecretString::from(raw));
        Ok(PresentedClave { nfc: SecretString::from(normal), as_typed })
    }

    /// The NFC form, to check first.
    pub fn expose(&self) -> &str {
        self.nfc.expose_secret()
    }

    /// The form as typed, when it is not already NFC (to check second, for hashes made before normalisation).
    pub fn expose_as_typed(&self) -> Option<&str> {
        self.as_typed.as_ref().map(|s| s.expose_secret())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composed_and_decomposed_forms_are_one_cs() {
        let rut = Rut::parse("12.345.678-5").unwrap_or_else(|_| unreachable!());
        let composed = "\u{d1}and\u{fa}#2024";
        let decomposed = "N\u{303}andu\u{301}#2024";
        assert_ne!(composed, decomposed);
        let from_nfd = ClaveSence::parse(decomposed, rut).map(|c| c.expose().to_owned());
        assert_eq!(from_nfd.as_deref(), Ok(composed));
        assert!(ClaveSence::parse_pair(composed, decomposed, rut).is_ok());
        let presented = PresentedClave::parse(decomposed).unwrap_or_else(|_| unreachable!());
        assert_eq!(presented.expose(), composed);
        assert_eq!(presented.expose_as_typed(), Some(decomposed));
        assert!(PresentedClave::parse(composed).map(|p| p.expose_as_typed().is_none()).unwrap_or(false));
    }

    #[test]
    fn invisible_characters_count_for_nothing() {
        let rut = Rut::parse("12.345.678-5").unwrap_or_else(|_| unreachable!());
        let zero_width = "\u{200B}".repeat(8);
        assert_eq!(ClaveSence::parse(&zero_width, rut).err(), Some(ErrorCode::CsInvalidCharacter));
        assert_eq!(
            ClaveSence::parse("\u{FEFF}\u{2060}\u{200D}\u{00AD}\u{202E}\u{2066}\u{E0041}\u{FE0F}", rut).err(),
            Some(ErrorCode::CsInvalidCharacter)
        );
        assert_eq!(ClaveSence::parse("Qz7-vm\u{200B}\u{200B}", rut).err(), Some(ErrorCode::CsTooShort));
        assert!(ClaveSence::parse("Qz7-vmr9\u{200D}", rut).is_ok(), "eight that show, and one that does not");
    }

    #[test]
    fn a_cs_of_only_spaces_is_refused() {
        let rut = Rut::parse("12.345.678-5").unwrap_or_else(|_| unreachable!());
        assert_eq!(ClaveSence::parse("        ", rut).err(), Some(ErrorCode::CsInvalidCharacter));
        assert!(ClaveSence::parse("  Maipú 9 ", rut).is_ok());
    }
    use proptest::prelude::*;

    fn rut() -> Rut {
        Rut::parse("12.345.678-5").unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn length_is_eight_to_ten_characters() {
        assert_eq!(ClaveSence::parse("Qz7-vmr", rut()).err(), Some(ErrorCode::CsTooShort));
        assert!(ClaveSence::parse("Qz7-vmr9", rut()).is_ok());
        assert!(ClaveSence::parse("Qz7-vmr9xy", rut()).is_ok());
        assert_eq!(ClaveSence::parse("Qz7-vmr9xyz", rut()).err(), Some(ErrorCode::CsTooLong));
        // Characters, not bytes: accents count once.
        assert!(ClaveSence::parse("ñandúñandú", rut()).is_ok());
    }

    #[test]
    fn refuses_common_passwords_in_any_case() {
        for raw in ["password", "PASSWORD1", "12345678", "qwerty123", "Contraseña"] {
            assert_eq!(ClaveSence::parse(raw, rut()).err(), Some(ErrorCode::CsTooCommon), "{raw}");
        }
    }

    #[test]
    fn refuses_the_rut_digits() {
        let rut = Rut::parse("9.876.543-3").unwrap_or_else(|_| unreachable!());
        for raw in ["98765433", "9876543-3", "9.876.543"] {
            assert_eq!(ClaveSence::parse(raw, rut).err(), Some(ErrorCode::CsEqualsRut), "{raw}");
        }
    }

    #[test]
    fn pair_must_match_and_mismatch_is_on_the_repeat_field() {
        assert!(ClaveSence::parse_pair("Qz7-vmr9", "Qz7-vmr9", rut()).is_ok());
        assert_eq!(
            ClaveSence::parse_pair("Qz7-vmr9", "qz7-vmr9", rut()).err(),
            Some(("cs_repeat", ErrorCode::CsMismatch))
        );
        assert_eq!(ClaveSence::parse_pair("short", "short", rut()).err(), Some(("cs", ErrorCode::CsTooShort)));
    }

    #[test]
    fn spaces_and_symbols_are_kept_as_typed() {
        let cs = ClaveSence::parse(" Mi clave ", rut()).unwrap_or_else(|_| unreachable!());
        assert_eq!(cs.expose(), " Mi clave ");
    }

    proptest! {
        #[test]
        fn arbitrary_strings_never_panic(raw in "\\PC*") {
            let _ = ClaveSence::parse(&raw, rut());
            let _ = PresentedClave::parse(&raw);
        }

        #[test]
        fn accepted_values_round_trip(raw in "[a-zA-Z0-9!#%&]{8,10}") {
            if let Ok(cs) = ClaveSence::parse(&raw, rut()) {
                prop_assert_eq!(cs.expose(), raw.as_str());
                prop_assert!(ClaveSence::parse(cs.expose(), rut()).is_ok());
            }
        }
    }
}

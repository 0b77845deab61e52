//! One stable code per refusal. The codes travel in API responses and are the UI's i18n keys
//! (`errors.<code>` in `locales/`), so renaming one is a breaking change of the API.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! error_codes {
    ($($variant:ident => $code:literal,)*) => {
        /// Stable refusal codes shared by the server, the API and the UI.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $($variant,)*
        }

        impl ErrorCode {
            /// Every code, for exhaustive checks (e.g. that each has a message in every locale).
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as it appears on the wire and in `locales/` (`errors.<code>`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }
        }
    };
}

error_codes! {
    // Field values (domain parsing).
    Required => "required",
    RutInvalid => "rut_invalid",
    RutCheckDigit => "rut_check_digit",
    RutCheckDigitMissing => "rut_check_digit_missing",
    CsTooShort => "cs_too_short",
    CsTooLong => "cs_too_long",
    CsInvalidCharacter => "cs_invalid_character",
    CsTooCommon => "cs_too_common",
    CsEqualsRut => "cs_equals_rut",
    CsMismatch => "cs_mismatch",
    EmailInvalid => "email_invalid",
    MobileInvalid => "mobile_invalid",
    PhoneInvalid => "phone_invalid",
    SerialInvalid => "serial_invalid",
    QuestionUnknown => "question_unknown",
    AnswerInvalid => "answer_invalid",
    RegionUnknown => "region_unknown",
    ComunaUnknown => "comuna_unknown",
    ComunaNotInRegion => "comuna_not_in_region",
    TextTooLong => "text_too_long",
    TextInvalid => "text_invalid",
    // Captcha.
    CaptchaWrong => "captcha_wrong",
    CaptchaExpired => "captcha_expired",
    BotCheckFailed => "bot_check_failed",
    BotCheckEscalated => "bot_check_escalated",
    // Accounts and flows.
    RutAlreadyRegistered => "rut_already_registered",
    AccountNotFound => "account_not_found",
    FlowNotFound => "flow_not_found",
    FlowExpired => "flow_expired",
    FlowWrongStep => "flow_wrong_step",
    AnswerWrong => "answer_wrong",
    QuestionMismatch => "question_mismatch",
    SerialMismatch => "serial_mismatch",
    DocumentNotVigente => "document_not_vigente",
    RegistroCivilUnavailable => "registro_civil_unavailable",
    // Login and credentials.
    InvalidCredentials => "invalid_credentials",
    PlatformUnauthorized => "platform_unauthorized",
    AccountLocked => "account_locked",
    AccountNeedsRecovery => "account_needs_recovery",
    TooManyAttempts => "too_many_attempts",
    ProvisionalMustChange => "provisional_must_change",
    ProvisionalExpired => "provisional_expired",
    AccountFrozen => "account_frozen",
    // "Mi Clave Sence" and "No fui yo".
    NotSignedIn => "not_signed_in",
    LinkInvalid => "link_invalid",
    LinkUsed => "link_used",
    // The registration's confirmation link, used again: the e-mail is confirmed already.
    EmailAlreadyConfirmed => "email_already_confirmed",
    // Proof of a new e-mail or mobile.
    CodeWrong => "code_wrong",
    CodeExpired => "code_expired",
    CodeInvalid => "code_invalid",
    EmailUnconfirmed => "email_unconfirmed",
    // Transport.
    InvalidRequest => "invalid_request",
    PayloadTooLarge => "payload_too_large",
    RateLimited => "rate_limited",
    ServerBusy => "server_busy",
    NotFound => "not_found",
    MethodNotAllowed => "method_not_allowed",
    Internal => "internal",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Refusals by form field: field name (as in the API request) → code. Collected so that a citizen sees every
/// problem of a form at once, not one per submit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct FieldErrors(pub BTreeMap<String, ErrorCode>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the first refusal of a field (later ones for the same field are less useful to the citizen).
    pub fn add(&mut self, field: &str, code: ErrorCode) {
        self.0.entry(field.to_owned()).or_insert(code);
    }

    /// Parses one field, recording its refusal; `None` when it was refused.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, ErrorCode>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(code) => {
                self.add(field, code);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<ErrorCode> {
        self.0.get(field).copied()
    }

    /// `Ok(value)` when no field was refused.
    pub fn into_result<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, FieldErrors> {
        if self.is_empty() { value().ok_or(self) } else { Err(self) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "duplicate {code}");
            assert!(code.as_str().chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            let json = serde_json::to_string(code).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn field_errors_keep_the_first_refusal() {
        let mut errors = FieldErrors::new();
        errors.add("rut", ErrorCode::RutInvalid);
        errors.add("rut", ErrorCode::Required);
        assert_eq!(errors.get("rut"), Some(ErrorCode::RutInvalid));
        assert!(errors.into_result(|| Some(())).is_err());
    }
}

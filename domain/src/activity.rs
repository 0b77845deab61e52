//! The words of "Mi actividad": what the server records (`audit_events.event`, `.outcome`) and what the
//! citizen's page names. The server records only these enums' values, and the UI has a text for each
//! (`my_account.event_<action>`, `my_account.outcome_<outcome>`) in every language (a test checks every value).

/// Declares an enum of names stored as text, with `as_str` and the list of them all.
macro_rules! names {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($(#[$vmeta])* $variant),* }

        impl $name {
            /// Every value: a test checks each has a label in every language.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
        }
    };
}

names! {
    /// What happened ("Qué" in Mi actividad).
    Action {
        Login => "login",
        OidcLogin => "oidc_login",
        AccountLogin => "account_login",
        Registration => "registration",
        RegistrationSerial => "registration_serial",
        RecoveryStart => "recovery_start",
        RecoveryAnswer => "recovery_answer",
        RecoverySerial => "recovery_serial",
        Recovery => "recovery",
        Change => "change",
        ChangeStart => "change_start",
        Update => "update",
        UpdateStart => "update_start",
        UpdateAnswer => "update_answer",
        NoFuiYo => "no_fui_yo",
        Export => "export",
        SessionsEnded => "sessions_ended",
        AccountRequest => "account_request",
        EmailConfirmed => "email_confirmed",
    }
}

names! {
    /// How it ended ("Resultado" in Mi actividad).
    Outcome {
        Ok => "ok",
        /// A change of CS made with the provisional CS of a recovery.
        OkFromProvisional => "ok_from_provisional",
        /// The provisional CS accepted (by the change flow, its only use).
        OkProvisional => "ok_provisional",
        /// A recovery that sent the provisional CS to new, proved contacts.
        OkContactReplaced => "ok_contact_replaced",
        InvalidCredentials => "invalid_credentials",
        Locked => "locked",
        Frozen => "frozen",
        FrozenContactsRestored => "frozen_contacts_restored",
        FrozenLanguageRestored => "frozen_language_restored",
        ProvisionalMustChange => "provisional_must_change",
        ProvisionalExpired => "provisional_expired",
        /// A registration refused: the RUT has an account already.
        RutAlreadyRegistered => "rut_already_registered",
        /// A recovery started that asks the secret question first.
        AskedAnswer => "answer",
        /// A recovery started that asks the card's serial first.
        AskedSerial => "serial",
        Vigente => "vigente",
        NoCoincide => "no_coincide",
        NoVigente => "no_vigente",
        /// The Registro Civil did not answer.
        Unavailable => "unavailable",
        Wrong => "wrong",
        EmailUnconfirmed => "email_unconfirmed",
        /// An e-mail confirmation for an address replaced since.
        Replaced => "replaced",
        /// The kinds of request to SENCE.
        RequestBlock => "block",
        RequestDelete => "delete",
    }
}

/// What a citizen can ask SENCE staff (`account_requests.kind`).
pub const REQUEST_KINDS: &[&str] = &["no_fui_yo", "block", "delete"];

/// Where an account came from.
pub const ORIGINS: &[&str] = &["registration", "legacy"];

/// The notices that carry a "No fui yo" link.
pub const NOTICES: &[&str] = &["cs_changed", "data_updated", "contact_replaced", "provisional_issued"];

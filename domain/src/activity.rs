//! The words of "Mi actividad": what the server records (`audit_events.event`, `.outcome`) and what the
//! citizen's page names. The UI has a text for each (`my_account.event_<event>`, `my_account.outcome_<outcome>`);
//! an event or outcome not listed is shown as its code.

/// Every event the server records on a RUT.
pub const EVENTS: &[&str] = &[
    "login",
    "oidc_login",
    "account_login",
    "registration",
    "registration_serial",
    "recovery_start",
    "recovery_answer",
    "recovery_serial",
    "recovery",
    "change",
    "change_start",
    "update",
    "update_start",
    "no_fui_yo",
    "export",
    "sessions_ended",
    "account_request",
    "email_confirmed",
];

/// The outcomes the page names in words (the rest are shown as their code).
pub const OUTCOMES: &[&str] = &[
    "ok",
    "invalid_credentials",
    "locked",
    "frozen",
    "frozen_contacts_restored",
    "frozen_language_restored",
    "vigente",
    "no_coincide",
    "no_vigente",
    "wrong",
];

/// What a citizen can ask SENCE staff (`account_requests.kind`).
pub const REQUEST_KINDS: &[&str] = &["no_fui_yo", "block", "delete"];

/// Where an account came from.
pub const ORIGINS: &[&str] = &["registration", "legacy"];

/// The notices that carry a "No fui yo" link.
pub const NOTICES: &[&str] = &["cs_changed", "data_updated", "contact_replaced", "provisional_issued"];

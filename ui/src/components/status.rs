//! A form's status: busy (a submit is on its way and cannot be sent twice), the refusals by field, and the
//! banner message (announced with `aria-live`).

use dioxus::prelude::*;
use domain::{ErrorCode, FieldErrors};

use crate::api::{self, Failure};

#[derive(Clone, Copy, PartialEq)]
pub struct FormStatus {
    pub busy: Signal<bool>,
    pub errors: Signal<FieldErrors>,
    pub banner: Signal<Option<String>>,
}

pub fn use_form_status() -> FormStatus {
    FormStatus { busy: use_signal(|| false), errors: use_signal(FieldErrors::new), banner: use_signal(|| None) }
}

impl FormStatus {
    pub fn error(&self, field: &str) -> Option<ErrorCode> {
        self.errors.read().get(field)
    }

    /// Sets or clears the refusal of one field (validation as the citizen types).
    pub fn set_field(&mut self, field: &str, code: Option<ErrorCode>) {
        let mut errors = self.errors.write();
        match code {
            Some(code) => {
                errors.0.insert(field.to_owned(), code);
            }
            None => {
                errors.0.remove(field);
            }
        }
    }

    /// Starts a submit; false when one is already on its way.
    pub fn begin(&mut self) -> bool {
        if *self.busy.peek() {
            return false;
        }
        self.busy.set(true);
        self.banner.set(None);
        true
    }

    /// Starts a submit of a form the `domain` crate parsed: refused fields are shown and nothing is sent;
    /// false too when a submit is already on its way.
    pub fn ready<T>(&mut self, parsed: Result<T, FieldErrors>) -> bool {
        match parsed {
            Ok(_) => self.begin(),
            Err(fields) => {
                self.invalid(fields);
                false
            }
        }
    }

    /// Local validation refused the form: nothing is sent.
    pub fn invalid(&mut self, fields: FieldErrors) {
        self.errors.set(fields);
        self.banner.set(Some(tr!("common.fix_fields")));
    }

    pub fn fail(&mut self, failure: Failure) {
        self.busy.set(false);
        match failure {
            Failure::Refused(body) if !body.fields.is_empty() => {
                self.errors.set(body.fields);
                self.banner.set(Some(tr!("common.fix_fields")));
            }
            Failure::Refused(body) => {
                // Refusals about one field's value go on that field too, where the citizen looks.
                let mut fields = FieldErrors::new();
                if let Some(field) = field_of(body.code) {
                    fields.add(field, body.code);
                }
                self.errors.set(fields);
                self.banner.set(Some(api::message(body.code, body.retry_after)));
            }
            Failure::Network => self.banner.set(Some(tr!("common.network_error"))),
        }
        // The disabled button dropped the focus: it goes where the refusal is (`main.js`).
        crate::js::call("claveFocusRefusal", &[]);
    }

    /// Ends a submit with its answer: `Some` on success, `None` when refused (the refusal is then shown).
    pub fn settle<R>(&mut self, result: Result<R, Failure>) -> Option<R> {
        match result {
            Ok(value) => {
                self.done();
                Some(value)
            }
            Err(failure) => {
                self.fail(failure);
                None
            }
        }
    }

    pub fn done(&mut self) {
        self.busy.set(false);
        self.errors.set(FieldErrors::new());
        self.banner.set(None);
    }
}

/// The field a refusal without `fields` is about, if any.
fn field_of(code: ErrorCode) -> Option<&'static str> {
    match code {
        ErrorCode::RutAlreadyRegistered | ErrorCode::AccountNotFound => Some("rut"),
        _ => None,
    }
}

/// The form's message area; always in the page so screen readers announce what appears in it.
#[component]
pub fn Banner(status: FormStatus) -> Element {
    let banner = status.banner.read().clone();
    rsx! {
        div { class: "banner-region", aria_live: "assertive", role: "alert",
            if let Some(message) = banner {
                p { class: "banner", "{message}" }
            }
        }
    }
}

/// The submit button: disabled and saying "Enviando…" while a submit is on its way.
#[component]
pub fn SubmitButton(label: String, status: FormStatus) -> Element {
    let busy = *status.busy.read();
    rsx! {
        button { r#type: "submit", class: "primary", disabled: busy, aria_busy: busy,
            if busy { {tr!("common.sending")} } else { "{label}" }
        }
    }
}

//! The captcha of §2(6): the server's image, the text box and "Refrescar". A new image is fetched after any
//! failed submit, since the server spends a captcha on every check.

use dioxus::prelude::*;
use domain::api::{CaptchaAnswer, CaptchaChallenge};
use rust_i18n::t;

use super::FormStatus;
use crate::api::{self, Failure};

#[derive(Clone, Copy, PartialEq)]
pub struct CaptchaState {
    challenge: Resource<Result<CaptchaChallenge, Failure>>,
    pub text: Signal<String>,
    nonce: Signal<u32>,
}

pub fn use_captcha() -> CaptchaState {
    let nonce = use_signal(|| 0u32);
    let challenge = use_resource(move || async move {
        let _ = nonce();
        api::captcha().await
    });
    CaptchaState { challenge, text: use_signal(String::new), nonce }
}

impl CaptchaState {
    /// The answer to send with the form.
    pub fn answer(&self) -> CaptchaAnswer {
        let id = match &*self.challenge.read() {
            Some(Ok(challenge)) => challenge.id.clone(),
            _ => String::new(),
        };
        CaptchaAnswer { id, text: self.text.peek().trim().to_owned() }
    }

    /// A new image and an empty box.
    pub fn refresh(&mut self) {
        self.text.set(String::new());
        *self.nonce.write() += 1;
    }
}

#[component]
pub fn CaptchaField(captcha: CaptchaState, status: FormStatus) -> Element {
    let mut state = captcha;
    let error = status.error("captcha");
    let mut text = captcha.text;
    let image = match &*captcha.challenge.read() {
        Some(Ok(challenge)) => {
            rsx! { img { class: "captcha-image", src: "{challenge.image}", alt: t!("captcha.image_alt").to_string(), width: "180", height: "64" } }
        }
        Some(Err(_)) => rsx! { p { class: "error", {tr!("common.network_error")} } },
        None => rsx! { p { {tr!("captcha.loading")} } },
    };
    rsx! {
        fieldset { class: "section captcha",
            legend { {tr!("captcha.legend")} }
            p { {tr!("captcha.intro")} }
            div { class: "captcha-row",
                {image}
                button { r#type: "button", class: "secondary", onclick: move |_| state.refresh(), {tr!("captcha.refresh")} }
            }
            div { class: "field",
                label { r#for: "captcha", {tr!("captcha.label")} span { class: "req", aria_hidden: "true", " *" } }
                input {
                    id: "captcha", name: "captcha", r#type: "text", required: true, autocomplete: "off",
                    autocapitalize: "characters", spellcheck: "false", maxlength: "10",
                    aria_invalid: error.is_some(),
                    aria_describedby: if error.is_some() { "captcha-error" } else { "" },
                    value: "{text}",
                    oninput: move |e| text.set(e.value()),
                }
                div { aria_live: "polite",
                    if let Some(code) = error {
                        p { id: "captcha-error", class: "error", {api::message(code, None)} }
                    }
                }
            }
        }
    }
}

/// The end of every flow's last form, as in the guide: the captcha, "(*) Campos obligatorios.", the message
/// area, the flow's button and "Volver".
#[component]
pub fn FinalStep(captcha: CaptchaState, status: FormStatus, label: String) -> Element {
    rsx! {
        CaptchaField { captcha, status }
        p { class: "note", {tr!("common.required_note")} }
        super::Banner { status }
        div { class: "buttons",
            super::SubmitButton { label, status }
            Link { to: crate::Route::Home {}, class: "button secondary", {tr!("common.back")} }
        }
    }
}

//! The bot check of §2(6) ("Validación de seguridad anti-Robots") with no puzzle: the server's proof of work is
//! solved in a Web Worker while the citizen types, and its state is announced. Only when the server sees risk
//! does the image with "Refrescar" appear, and then the (longer) proof of work keeps running beside it: the
//! citizen may type the letters or simply wait. A new check is fetched after any failed submit, since the
//! server spends one on every answer.

use std::time::Duration;

use dioxus::prelude::*;
use domain::api::{CaptchaAnswer, CaptchaChallenge};
use wasm_bindgen_futures::JsFuture;

use super::FormStatus;
use crate::api::{self, Failure};

#[derive(Clone, Copy, PartialEq)]
pub struct CaptchaState {
    challenge: Resource<Result<CaptchaChallenge, Failure>>,
    /// The solved proof of work, with the id of the challenge it solves (a new challenge replaces the old
    /// one before its proof is ready, and the old proof is spent).
    proof: Resource<Option<(String, String)>>,
    pub text: Signal<String>,
    nonce: Signal<u32>,
    /// The RUT of the form, sent with the next request so that a risky RUT gets its image at once.
    rut: Signal<Option<String>>,
}

pub fn use_captcha() -> CaptchaState {
    let nonce = use_signal(|| 0u32);
    let rut = use_signal(|| None::<String>);
    let challenge = use_resource(move || async move {
        let _ = nonce();
        api::captcha(rut.peek().clone()).await
    });
    let proof = use_resource(move || async move {
        let (id, pow) = match &*challenge.read() {
            Some(Ok(challenge)) => (challenge.id.clone(), challenge.pow.clone()),
            _ => return None,
        };
        solve(&pow).await.map(|proof| (id, proof))
    });
    CaptchaState { challenge, proof, text: use_signal(String::new), nonce, rut }
}

/// Runs `claveSolvePow` (main.js: a Web Worker) and returns the ALTCHA payload.
async fn solve(pow: &domain::api::PowChallenge) -> Option<String> {
    let argument = serde_json::to_string(pow).ok().and_then(|json| js_sys::JSON::parse(&json).ok())?;
    let promise: js_sys::Promise =
        wasm_bindgen::JsCast::dyn_into(crate::js::call("claveSolvePow", &[argument])?).ok()?;
    JsFuture::from(promise).await.ok()?.as_string()
}

impl CaptchaState {
    fn id(&self) -> String {
        match &*self.challenge.peek() {
            Some(Ok(challenge)) => challenge.id.clone(),
            _ => String::new(),
        }
    }

    /// The answer to send with the form: the letters when the citizen typed them, else the proof of work,
    /// waited for if it is still being solved.
    pub async fn settled(&self) -> CaptchaAnswer {
        let text = self.text.peek().trim().to_owned();
        if !text.is_empty() {
            return CaptchaAnswer { id: self.id(), text, proof: None };
        }
        // A Web Worker that never answers must not hang the form: after the check's lifetime the server would
        // refuse it anyway.
        for _ in 0..3_000 {
            let id = self.id();
            if let Some(Some((solved, proof))) = &*self.proof.peek()
                && *solved == id
                && self.challenge.finished()
            {
                return CaptchaAnswer { id, text: String::new(), proof: Some(proof.clone()) };
            }
            gloo_timers::future::sleep(Duration::from_millis(100)).await;
        }
        CaptchaAnswer { id: self.id(), ..CaptchaAnswer::default() }
    }

    /// A new check and an empty box.
    pub fn refresh(&mut self) {
        self.text.set(String::new());
        *self.nonce.write() += 1;
    }

    /// A new check for a form about `rut`.
    pub fn refresh_for(&mut self, rut: String) {
        self.rut.set(Some(rut).filter(|rut| !rut.trim().is_empty()));
        self.refresh();
    }
}

#[component]
pub fn CaptchaField(captcha: CaptchaState, status: FormStatus) -> Element {
    let mut state = captcha;
    let error = status.error("captcha");
    let mut text = captcha.text;
    let challenge = captcha.challenge.read().clone();
    let solved = match (&challenge, &*captcha.proof.read()) {
        (Some(Ok(challenge)), Some(Some((id, _)))) => *id == challenge.id && captcha.challenge.finished(),
        _ => false,
    };
    let image = match &challenge {
        Some(Ok(challenge)) => challenge.image.clone(),
        _ => None,
    };
    let progress = match (&challenge, solved) {
        (Some(Err(_)), _) => tr!("common.network_error"),
        (_, true) => tr!("captcha.done"),
        (_, false) => tr!("captcha.checking"),
    };
    rsx! {
        fieldset { class: "section captcha",
            legend { {tr!("captcha.legend")} }
            p { id: "captcha-status", class: if solved { "captcha-status done" } else { "captcha-status" }, role: "status",
                "{progress}"
            }
            if let Some(src) = image {
                p { {tr!("captcha.intro")} }
                div { class: "captcha-row",
                    img { class: "captcha-image", src: "{src}", alt: tr!("captcha.image_alt"), width: "180", height: "64" }
                    button { r#type: "button", class: "secondary", onclick: move |_| state.refresh(), {tr!("captcha.refresh")} }
                }
                div { class: "field",
                    label { r#for: "captcha", {tr!("captcha.label")} }
                    input {
                        id: "captcha", name: "captcha", r#type: "text", autocomplete: "off",
                        autocapitalize: "characters", spellcheck: "false", maxlength: "10",
                        aria_invalid: error.is_some(),
                        aria_describedby: if error.is_some() { "captcha-error" } else { "captcha-status" },
                        value: "{text}",
                        oninput: move |e| text.set(e.value()),
                    }
                }
            }
            div { aria_live: "polite",
                if let Some(code) = error {
                    p { id: "captcha-error", class: "error", {api::message(code, None)} }
                }
            }
        }
    }
}

/// The end of every flow's last form, as in the guide: the bot check, "(*) Campos obligatorios.", the message
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

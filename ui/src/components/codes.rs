//! "Confirme sus nuevos datos de contacto": the 6-digit codes sent to a new e-mail and mobile (update §5,
//! recovery §3.1/§3.2 "No"), with "Enviar códigos nuevos" when they did not arrive or expired.

use dioxus::prelude::*;
use domain::api::{CodesForm, FlowView, VerifyTargets};
use rust_i18n::t;

use super::{Banner, Field, Section, SubmitButton, use_form_status};
use crate::api;

#[component]
pub fn ContactCodes(kind: String, id: String, targets: VerifyTargets, on_done: EventHandler<FlowView>) -> Element {
    let mut status = use_form_status();
    let email_code = use_signal(String::new);
    let mobile_code = use_signal(String::new);
    let mut resent = use_signal(|| false);
    let path = format!("/api/{kind}/{id}");
    let verify_path = format!("{path}/verify");
    let check_targets = targets.clone();
    let submit = move |e: FormEvent| {
        e.prevent_default();
        let form = CodesForm { email_code: email_code.peek().clone(), mobile_code: mobile_code.peek().clone() };
        if !status.ready(form.parse(&check_targets)) {
            return;
        }
        let path = verify_path.clone();
        spawn(async move {
            if let Some(view) = status.settle(api::post::<_, FlowView>(&path, &form).await) {
                on_done.call(view);
            }
        });
    };
    let resend = move |_| {
        if !status.begin() {
            return;
        }
        let path = format!("{path}/resend");
        spawn(async move {
            if status.settle(api::post::<_, FlowView>(&path, &serde_json::json!({})).await).is_some() {
                resent.set(true);
            }
        });
    };
    rsx! {
        form { novalidate: true, onsubmit: submit,
            Section { title: tr!("codes.heading"),
                p { {tr!("codes.intro")} }
                if let Some(to) = &targets.email {
                    Field { id: "email_code", label: t!("codes.email", to = to).to_string(), value: email_code, status, field: "email_code",
                        required: true, inputmode: "numeric", maxlength: "6", autocomplete: "one-time-code" }
                }
                if let Some(to) = &targets.mobile {
                    Field { id: "mobile_code", label: t!("codes.mobile", to = to).to_string(), value: mobile_code, status, field: "mobile_code",
                        required: true, inputmode: "numeric", maxlength: "6", autocomplete: "one-time-code" }
                }
                p { class: "hint", {tr!("codes.expiry")} }
            }
            div { role: "status", aria_live: "polite",
                if resent() { p { {tr!("codes.resent")} } }
            }
            Banner { status }
            div { class: "buttons",
                SubmitButton { label: tr!("codes.submit"), status }
                button { r#type: "button", class: "secondary", disabled: *status.busy.read(), onclick: resend, {tr!("codes.resend")} }
            }
        }
    }
}

//! "Confirme su email": the page the registration's link opens (`/confirmar/<token>`); the address is confirmed
//! when the citizen presses the button (mail scanners open links; opening must change nothing).

use dioxus::prelude::*;

use crate::api;
use crate::components::{Banner, use_form_status};

#[component]
pub fn ConfirmEmail(token: String) -> Element {
    let mut status = use_form_status();
    let mut done = use_signal(|| false);
    let confirm = move |_| {
        if !status.begin() {
            return;
        }
        let path = format!("/api/confirmations/{token}");
        spawn(async move {
            if status.settle(api::post_empty(&path, &serde_json::json!({})).await).is_some() {
                done.set(true);
            }
        });
    };
    rsx! {
        h1 { {tr!("confirm_email.heading")} }
        if done() {
            p { role: "status", {tr!("confirm_email.done")} }
        } else {
            p { {tr!("confirm_email.intro")} }
            Banner { status }
            button { r#type: "button", class: "primary", disabled: *status.busy.read(), onclick: confirm, {tr!("confirm_email.button")} }
        }
    }
}

//! "No fui yo": the page a notice's link opens (`/n/<token>`). It says which change is being reported and what
//! reporting does, and freezes the account only when the citizen presses the button (mail scanners open
//! links; opening must change nothing).

use dioxus::prelude::*;
use domain::api::DisavowView;

use super::my_account::chile_time;
use crate::api::{self, Failure};
use crate::components::{Banner, use_form_status};

#[component]
pub fn Disavow(token: String) -> Element {
    let mut status = use_form_status();
    let mut done = use_signal(|| false);
    let path = format!("/api/disavowals/{token}");
    let view_path = path.clone();
    let view = use_resource(move || {
        let path = view_path.clone();
        async move { api::get::<DisavowView>(&path).await }
    });
    let report = move |_| {
        if !status.begin() {
            return;
        }
        let path = path.clone();
        spawn(async move {
            if status.settle(api::post_empty(&path, &serde_json::json!({})).await).is_some() {
                done.set(true);
            }
        });
    };
    if done() {
        return rsx! {
            h1 { {tr!("disavow.heading")} }
            p { role: "status", {tr!("disavow.done")} }
            p { {tr!("disavow.next")} }
        };
    }
    let view = view.read();
    let view = match &*view {
        None => return rsx! { h1 { {tr!("disavow.heading")} } p { aria_busy: "true", {tr!("sign_in.loading")} } },
        Some(Err(Failure::Refused(body))) => {
            return rsx! { h1 { {tr!("disavow.heading")} } p { role: "alert", {api::message(body.code, None)} } };
        }
        Some(Err(Failure::Network)) => {
            return rsx! { h1 { {tr!("disavow.heading")} } p { role: "alert", {tr!("common.network_error")} } };
        }
        Some(Ok(view)) => view.clone(),
    };
    let what = api::text(&format!("disavow.event_{}", view.event));
    rsx! {
        h1 { {tr!("disavow.heading")} }
        p { {rust_i18n::t!("disavow.intro", what = what, at = chile_time(view.at)).into_owned()} }
        p { {tr!("disavow.effects")} }
        ul {
            li { {tr!("disavow.effect_freeze")} }
            li { {tr!("disavow.effect_contacts")} }
            li { {tr!("disavow.effect_sessions")} }
            li { {tr!("disavow.effect_unfreeze")} }
        }
        Banner { status }
        button { r#type: "button", class: "primary", disabled: *status.busy.read(), onclick: report, {tr!("disavow.button")} }
        p { class: "hint", {tr!("disavow.was_me")} }
    }
}

//! "Ingresar con Clave Sence": the page a SENCE platform sends the citizen to (OpenID Connect). It names the
//! platform and what it will receive, takes RUT + Clave Sence with the login refusals' messages, and sends the
//! browser back to the platform. The platform never sees the Clave Sence.

use dioxus::prelude::*;
use domain::ErrorCode;
use domain::api::{LoginRedirect, PendingLogin, SignInForm};
use rust_i18n::t;

use super::FlowId;
use crate::Route;
use crate::api::{self, Failure};
use crate::components::{CredentialsForm, use_form_status};

/// Where the tab keeps the platform's pending login while the citizen registers, recovers or changes the CS.
const RETURN: &str = "clave.signin";

fn remember_return(id: &str) {
    if let Some(storage) = web_sys::window().and_then(|w| w.session_storage().ok().flatten()) {
        let _ = storage.set_item(RETURN, id);
    }
}

/// Where a finished registration or change leads: back to the platform's login page when the citizen came
/// from one (the request is still there for `request_ttl_seconds`), or home.
pub fn after_flow() -> Route {
    let storage = web_sys::window().and_then(|w| w.session_storage().ok().flatten());
    let id = storage.as_ref().and_then(|s| s.get_item(RETURN).ok().flatten());
    if let Some(storage) = storage {
        let _ = storage.remove_item(RETURN);
    }
    // The server seals the platform's request into the id (base64url): anything else is not one of ours.
    let base64url = |id: &str| id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    match id {
        Some(id) if (32..=4096).contains(&id.len()) && base64url(&id) => Route::SignIn { id },
        _ => Route::Home {},
    }
}

#[component]
pub fn SignIn(id: String) -> Element {
    let mut status = use_form_status();
    let rut = use_signal(String::new);
    let cs = use_signal(String::new);
    let request = id.clone();
    let leaving = id.clone();
    let navigator = use_navigator();
    let mut expired = use_signal(|| false);
    let pending = use_resource(move || {
        let request = request.clone();
        async move { api::get::<PendingLogin>(&format!("/api/authorize/{request}")).await }
    });
    let submit = move |e: FormEvent| {
        e.prevent_default();
        let credentials = SignInForm {
            rut: rut.peek().clone(),
            cs: cs.peek().clone(),
            kiosk: crate::shell::kiosk().is_some(),
            bearer: false,
        };
        if !status.ready(credentials.parse()) {
            return;
        }
        let id = id.clone();
        spawn(async move {
            let answer = api::post::<_, LoginRedirect>(&format!("/api/authorize/{id}"), &credentials).await;
            // A provisional CS: straight into "Cambie su CS", and back here when it is changed.
            if matches!(&answer, Err(Failure::Refused(body)) if body.code == ErrorCode::ProvisionalMustChange) {
                remember_return(&id);
                super::change::hand_over(navigator, rut.peek().clone(), super::change::Why::ProvisionalTyped);
                return;
            }
            // Expired or used meanwhile: only the platform can start a new one.
            if matches!(&answer, Err(Failure::Refused(body)) if body.code == ErrorCode::FlowNotFound) {
                expired.set(true);
                return;
            }
            if let Some(back) = status.settle(answer) {
                // Back to the platform, with its code.
                if let Some(window) = web_sys::window() {
                    let _ = window.location().assign(&back.redirect);
                }
            }
        });
    };
    if expired() {
        return rsx! {
            h1 { {tr!("sign_in.heading")} }
            p { role: "alert", {tr!("sign_in.expired")} }
        };
    }
    let pending = pending.read();
    let pending = match &*pending {
        None => return rsx! { h1 { {tr!("sign_in.heading")} } p { aria_busy: "true", {tr!("sign_in.loading")} } },
        Some(Err(Failure::Refused(_))) => {
            return rsx! {
                h1 { {tr!("sign_in.heading")} }
                p { role: "alert", {tr!("sign_in.expired")} }
            };
        }
        Some(Err(Failure::Network)) => {
            return rsx! { h1 { {tr!("sign_in.heading")} } p { role: "alert", {tr!("common.network_error")} } };
        }
        Some(Ok(pending)) => pending.clone(),
    };
    let shares: Vec<String> = pending
        .scope
        .iter()
        .filter(|s| s.as_str() != "openid")
        .map(|s| api::text(&format!("sign_in.scope_{s}")))
        .collect();
    rsx! {
        h1 { {tr!("sign_in.heading")} }
        p { {t!("sign_in.intro", platform = pending.client_name).into_owned()} }
        if !shares.is_empty() {
            p { {tr!("sign_in.shares")} }
            ul { for share in shares { li { {share} } } }
        }
        CredentialsForm { id: "signin", title: tr!("sign_in.section"), rut, cs, status, onsubmit: submit }
        // Each way out comes back here when its flow is done (a provisional CS: "Cambie su CS" first).
        ul { class: "actions", onclick: move |_| remember_return(&leaving),
            li { Link { to: Route::Recover { flow: FlowId::START }, {tr!("sign_in.forgot")} " " {tr!("home.recover_link")} } }
            li { Link { to: Route::Register { flow: FlowId::START }, {tr!("sign_in.no_account")} " " {tr!("home.register_link")} } }
            li { Link { to: Route::Change { flow: FlowId::START }, {tr!("sign_in.provisional")} " " {tr!("home.change_link")} } }
        }
    }
}

//! Change (§4): "Validar Datos" (RUT + current CS, or the provisional one), then "CS Nueva" twice, the captcha
//! and "Cambiar Clave".

use dioxus::prelude::*;
use dioxus::router::Navigator;
use domain::api::{Completion, Credentials, FlowKind, FlowView, NewClaveForm};
use domain::{FieldErrors, Rut, clave};

use super::FlowId;
use super::flow::use_flow_page;
use crate::Route;
use crate::api;
use crate::components::{
    Banner, Field, FinalStep, Important, RutField, Section, SubmitButton, SuccessDialog, use_captcha, use_form_status,
};

/// Why a screen sent the citizen to "Cambiar CS", and the RUT it already knows (never a CS).
#[derive(Debug, Clone, PartialEq)]
pub struct HandOver {
    pub rut: String,
    pub why: Why,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Why {
    /// A provisional CS was typed at a platform's login page.
    ProvisionalTyped,
    /// A recovery just sent a provisional CS ("Aceptar" of its dialog).
    ProvisionalSent,
}

/// Set by the screen that leads here, taken (once) by the change screen; in memory only, like every field.
pub static HANDED: GlobalSignal<Option<HandOver>> = Signal::global(|| None);

/// Sends the citizen to "Cambiar CS" with `rut` typed and `why` said.
pub fn hand_over(navigator: Navigator, rut: String, why: Why) {
    *HANDED.write() = Some(HandOver { rut, why });
    navigator.push(Route::Change { flow: FlowId::START });
}

#[component]
pub fn Change(flow: FlowId) -> Element {
    // The URL's flow id; `flow` below is the flow itself.
    let url = flow;
    let mut status = use_form_status();
    let handed = use_hook(|| HANDED.write().take());
    let why = handed.as_ref().map(|h| h.why);
    let rut = use_signal(|| handed.map(|h| h.rut).unwrap_or_default());
    let current = use_signal(String::new);
    let cs = use_signal(String::new);
    let cs_repeat = use_signal(String::new);
    let mut captcha = use_captcha();
    let mut flow = use_signal(|| None::<FlowView>);
    let mut done = use_signal(|| None::<Completion>);
    let navigator = use_navigator();
    let page = use_flow_page(FlowKind::Change, &url, move |view: FlowView| {
        done.set(view.completion);
        flow.set(Some(view));
    });

    let validate = move |e: FormEvent| {
        e.prevent_default();
        let credentials = Credentials { rut: rut.peek().clone(), cs: current.peek().clone() };
        if !status.ready(credentials.parse()) {
            return;
        }
        spawn(async move {
            if let Some(view) = status.settle(api::post::<_, FlowView>("/api/change", &credentials).await) {
                page.opened(&view.id);
                flow.set(Some(view));
            }
        });
    };
    let check_cs = move |_| {
        let raw = cs.peek().clone();
        if !raw.is_empty() {
            status.set_field("cs", clave::check_shape(&raw).err());
        }
    };
    let change = move |e: FormEvent| {
        e.prevent_default();
        let Some(id) = flow.peek().as_ref().map(|f| f.id.clone()) else { return };
        let mut form =
            NewClaveForm { cs: cs.peek().clone(), cs_repeat: cs_repeat.peek().clone(), captcha: Default::default() };
        let parsed = match Rut::parse(&rut.peek()) {
            Ok(rut) => form.parse(rut).map(drop),
            // Resumed from its URL, the view does not know the RUT: the length and characters are checked
            // here, the rest by the server.
            Err(_) => {
                let mut fields = FieldErrors::new();
                let shape = fields.check("cs", clave::check_shape(&form.cs));
                fields.into_result(|| shape)
            }
        };
        if !status.ready(parsed) {
            return;
        }
        spawn(async move {
            form.captcha = captcha.settled().await;
            match status.settle(api::post::<_, FlowView>(&format!("/api/change/{id}/new-cs"), &form).await) {
                Some(view) => {
                    done.set(Some(view.completion.unwrap_or_default()));
                    crate::shell::notify("cs_changed").await;
                }
                None => {
                    captcha.refresh_for(rut.peek().clone());
                }
            }
        });
    };
    if let Some(interlude) = page.interlude(tr!("change.heading")) {
        return interlude;
    }
    let validated = flow.read().is_some();

    rsx! {
        h1 { {tr!("change.heading")} }
        match why {
            Some(Why::ProvisionalTyped) => rsx! { p { class: "important", role: "status", {tr!("change.from_provisional")} } },
            Some(Why::ProvisionalSent) => rsx! { p { class: "important", role: "status", {tr!("change.from_recovery")} } },
            None => rsx! {},
        }
        p { {tr!("change.intro")} }
        Important { text: tr!("change.important") }
        form { novalidate: true, onsubmit: validate,
            Section { title: tr!("change.section_validate"),
                RutField { value: rut, status, readonly: validated }
                Field { id: "current_cs", label: tr!("fields.cs_current"), value: current, status,
                    field: if validated { "current_cs" } else { "cs" }, required: true,
                    kind: "password", autocomplete: "current-password", readonly: validated }
                if !validated {
                    Banner { status }
                    SubmitButton { label: tr!("common.validate"), status }
                }
            }
        }
        if validated {
            form { novalidate: true, onsubmit: change,
                Section { title: tr!("change.section_new"),
                    Field { id: "new_cs", label: tr!("fields.cs_new"), value: cs, status, field: "cs", required: true, kind: "password",
                        autocomplete: "new-password", hint: tr!("fields.cs_hint"), onblur: check_cs }
                    Field { id: "new_cs_repeat", label: tr!("fields.cs_new_repeat"), value: cs_repeat, status, field: "cs_repeat",
                        required: true, kind: "password", autocomplete: "new-password" }
                }
                FinalStep { captcha, status, label: tr!("change.submit") }
            }
        } else {
            div { class: "buttons", Link { to: Route::Home {}, class: "button secondary", {tr!("common.back")} } }
        }
        if let Some(completion) = done() {
            SuccessDialog {
                lines: {
                    let mut lines = vec![tr!("change.done_line")];
                    if completion.sms { lines.push(tr!("change.sms_line")); }
                    if completion.email { lines.push(tr!("change.email_line")); }
                    lines
                },
                on_accept: move |_| { navigator.push(super::sign_in::after_flow()); },
            }
        }
    }
}

//! Home: the "Persona Natural" box of the guide (§2(3), §3(3)), "Acerca de la Clave Sence" (§1), and a check of
//! RUT + Clave Sence with the refusal messages other SENCE platforms show.

use dioxus::prelude::*;
use domain::api::{Credentials, LoginOk};
use rust_i18n::t;

use crate::Route;
use crate::api;
use crate::components::{Banner, Field, RutField, Section, SubmitButton, use_form_status};

use super::FlowId;

#[component]
pub fn Home() -> Element {
    rsx! {
        h1 { {tr!("home.heading")} }
        p { {tr!("home.intro")} }
        div { class: "columns",
            section { class: "box persona", aria_labelledby: "persona-title",
                h2 { id: "persona-title", {tr!("home.persona_natural")} }
                p { class: "sub", {tr!("home.persona_natural_sub")} }
                ul { class: "actions",
                    li { Link { to: Route::Register { flow: FlowId::START }, {tr!("home.register_link")} } }
                    li { Link { to: Route::Recover { flow: FlowId::START }, {tr!("home.recover_link")} } }
                    li { Link { to: Route::Change { flow: FlowId::START }, {tr!("home.change_link")} } }
                    li { Link { to: Route::Update { flow: FlowId::START }, {tr!("home.update_link")} } }
                }
            }
            LoginCheck {}
        }
        section { class: "box", aria_labelledby: "about-title",
            h2 { id: "about-title", {tr!("home.about_heading")} }
            p { {tr!("home.requirements")} }
            ul {
                li { {tr!("home.req_rut")} }
                li { {tr!("home.req_nie")} }
            }
            p { {tr!("home.also")} }
            ul {
                li { {tr!("home.personal")} }
                li { {tr!("home.not_clave_unica")} }
                li { {tr!("home.req_email")} }
                li { {tr!("common.help_line")} }
            }
        }
    }
}

/// RUT + Clave Sence → "Ingresar": says whether they would open a session, or why not.
#[component]
fn LoginCheck() -> Element {
    let mut status = use_form_status();
    let rut = use_signal(String::new);
    let cs = use_signal(String::new);
    let mut ok = use_signal(|| false);
    let submit = move |e: FormEvent| {
        e.prevent_default();
        let credentials = Credentials { rut: rut.peek().clone(), cs: cs.peek().clone() };
        if !status.ready(credentials.parse()) {
            return;
        }
        ok.set(false);
        spawn(async move {
            if status.settle(api::post::<_, LoginOk>("/api/login", &credentials).await).is_some() {
                ok.set(true);
            }
        });
    };
    rsx! {
        section { class: "box", aria_labelledby: "login-title",
            h2 { id: "login-title", {tr!("home.login_heading")} }
            p { {tr!("home.login_intro")} }
            form { novalidate: true, onsubmit: submit,
                Section { title: t!("update.section_validate").to_string(),
                    RutField { id: "login-rut", value: rut, status }
                    Field { id: "login-cs", label: t!("fields.clave_sence").to_string(), value: cs, status, field: "cs", required: true,
                        kind: "password", autocomplete: "current-password" }
                }
                Banner { status }
                div { aria_live: "polite",
                    if ok() { p { class: "ok", {tr!("home.login_ok")} } }
                }
                SubmitButton { label: t!("home.login_submit").to_string(), status }
            }
        }
    }
}

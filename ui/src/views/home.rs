//! Home: the "Persona Natural" box of the guide (§2(3), §3(3)), "Acerca de la Clave Sence" (§1), and how to
//! log in to SENCE's platforms with the Clave Sence.

use dioxus::prelude::*;

use crate::Route;

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
                    li { Link { to: Route::MyAccount {}, {tr!("home.my_account_link")} } }
                }
            }
            SignInHelp {}
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

/// How citizens log in to SENCE's platforms: from the platform, through Clave Sence's own page
/// ("Ingresar con Clave Sence"), where the refusals are explained. Typing a Clave Sence anywhere else is
/// what a phishing page asks for, so this page has no login form of its own.
#[component]
fn SignInHelp() -> Element {
    rsx! {
        section { class: "box", aria_labelledby: "login-title",
            h2 { id: "login-title", {tr!("home.login_heading")} }
            p { {tr!("home.login_intro")} }
            p { {tr!("home.login_safety")} }
        }
    }
}

//! "MÁS INFORMACIÓN", the guide's last menu item: what a Clave Sence is for, who can have one, and where to get
//! help.

use dioxus::prelude::*;

use crate::Route;
use crate::views::FlowId;

#[component]
pub fn Info() -> Element {
    rsx! {
        h1 { {tr!("info.heading")} }
        p { {tr!("info.what")} }
        h2 { {tr!("info.who_heading")} }
        p { {tr!("info.who")} }
        h2 { {tr!("info.how_heading")} }
        ul {
            li { Link { to: Route::Register { flow: FlowId::START }, {tr!("nav.register")} } }
            li { Link { to: Route::Recover { flow: FlowId::START }, {tr!("nav.recover")} } }
            li { Link { to: Route::Change { flow: FlowId::START }, {tr!("nav.change")} } }
            li { Link { to: Route::Update { flow: FlowId::START }, {tr!("nav.update")} } }
        }
        h2 { {tr!("info.help_heading")} }
        p { {tr!("info.help")} }
        div { class: "buttons", Link { to: Route::Home {}, class: "button secondary", {tr!("common.back")} } }
    }
}

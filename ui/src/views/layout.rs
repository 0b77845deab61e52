//! The frame of every screen: skip link, header with the guide's menu, the page, and the help line.

use dioxus::prelude::*;
use rust_i18n::t;

use crate::Route;

#[component]
pub fn Layout() -> Element {
    rsx! {
        a { class: "skip", href: "#contenido", {tr!("common.skip")} }
        header { class: "top",
            Link { to: Route::Home {}, class: "brand", {tr!("common.title")} }
            nav { aria_label: t!("common.nav_label").to_string(),
                ul {
                    li { Link { to: Route::Register {}, {tr!("nav.register")} } }
                    li { Link { to: Route::Recover {}, {tr!("nav.recover")} } }
                    li { Link { to: Route::Change {}, {tr!("nav.change")} } }
                    li { Link { to: Route::Update {}, {tr!("nav.update")} } }
                }
            }
        }
        main { id: "contenido", tabindex: "-1", Outlet::<Route> {} }
        footer { class: "bottom",
            p { {tr!("common.help_line")} }
            p { {tr!("common.footer")} }
        }
    }
}

#[component]
pub fn NotFound(segments: Vec<String>) -> Element {
    let _ = segments;
    rsx! {
        main { id: "contenido",
            h1 { {tr!("errors.not_found")} }
            Link { to: Route::Home {}, {tr!("nav.home")} }
        }
    }
}

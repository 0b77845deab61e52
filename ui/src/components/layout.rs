//! Page furniture: framed sections (the guide's boxed groups) and the "IMPORTANTE" box.

use dioxus::prelude::*;

/// A titled group of fields, as the guide's framed boxes ("Información de Registro", "Domicilio", …).
#[component]
pub fn Section(title: String, children: Element) -> Element {
    rsx! {
        fieldset { class: "section",
            legend { "{title}" }
            {children}
        }
    }
}

/// A highlighted notice ("IMPORTANTE: …", "INFORMACIÓN: …").
#[component]
pub fn Important(text: String) -> Element {
    rsx! { p { class: "important", "{text}" } }
}

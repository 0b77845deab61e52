//! The "Éxito" dialog that ends each flow, with its bullet lines and "Aceptar".

use dioxus::prelude::*;

#[component]
pub fn SuccessDialog(lines: Vec<String>, on_accept: EventHandler<()>) -> Element {
    rsx! {
        div { class: "backdrop",
            div { class: "dialog", role: "dialog", aria_modal: "true", aria_labelledby: "success-title",
                h2 { id: "success-title", span { class: "check", aria_hidden: "true", "✓ " } {tr!("common.success")} }
                ul {
                    for line in lines {
                        li { "{line}" }
                    }
                }
                button { class: "primary", autofocus: true,
                    // `autofocus` is honoured once per page load: focus the button as the dialog appears.
                    onmounted: move |e: MountedEvent| async move { let _ = e.set_focus(true).await; },
                    onclick: move |_| on_accept.call(()), {tr!("common.accept")} }
            }
        }
    }
}

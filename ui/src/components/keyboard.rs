//! The kiosk's on-screen keyboard (SENCE offices have touch screens and no keyboard): a numeric pad with "K"
//! for the RUT and the phones, letters, digits and symbols for the rest, large keys, and "Siguiente" to move
//! on. Each key types into the focused field through main.js (`claveKeyboard`), which the field sees as
//! typing; the keys never take the focus. Also the large-text and high-contrast switches. Everything lives in
//! memory: the idle wipe reloads the page, which empties the keyboard's buffer with the fields.

use dioxus::prelude::*;
use wasm_bindgen::JsValue;

/// Which keys the focused field needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pad {
    /// RUT, phones, codes: digits (and "K" for a RUT's check digit).
    Numeric { k: bool },
    /// Everything else.
    Text { email: bool, secret: bool },
}

/// The focused field's id and kind, read from the page.
fn focused_pad() -> Option<(String, Pad)> {
    let field = web_sys::window()?.document()?.active_element()?;
    if field.tag_name() != "INPUT" || field.has_attribute("readonly") {
        return None;
    }
    let attr = |name: &str| field.get_attribute(name).unwrap_or_default();
    let id = field.id();
    let pad = match (attr("type").as_str(), attr("inputmode").as_str()) {
        ("checkbox" | "radio", _) => return None,
        (_, "numeric" | "tel") if id.ends_with("rut") => Pad::Numeric { k: true },
        (_, "numeric" | "tel") | ("tel", _) => Pad::Numeric { k: false },
        ("email", _) => Pad::Text { email: true, secret: false },
        ("password", _) => Pad::Text { email: false, secret: true },
        _ if id.ends_with("rut") => Pad::Numeric { k: true },
        _ => Pad::Text { email: false, secret: false },
    };
    Some((id, pad))
}

/// Sets `name` on `<html>` (`data-text="large"`, `data-contrast="high"`), or removes it.
fn page_flag(name: &str, value: Option<&str>) {
    let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) else { return };
    let _ = match value {
        Some(value) => root.set_attribute(name, value),
        None => root.remove_attribute(name),
    };
}

#[component]
pub fn OnScreenKeyboard() -> Element {
    let mut focused = use_signal(|| None::<(String, Pad)>);
    let mut shift = use_signal(|| false);
    let mut symbols = use_signal(|| false);
    // What was typed on the keyboard into the field in use: shown above the keys (dots for a secret).
    let mut buffer = use_signal(String::new);
    let mut large = use_signal(|| false);
    let mut contrast = use_signal(|| false);
    // Takes the focused field's pad (and an empty buffer) when the focus is on another field than before.
    let mut follow = move || {
        let now = focused_pad();
        if *focused.peek() != now {
            if now.is_some() {
                crate::js::call("claveKeyboardShow", &[]);
            }
            focused.set(now);
            buffer.set(String::new());
        }
    };
    // Follows the focus: woken by main.js each time it moves (a tap on a field, "Siguiente", a new screen).
    use_future(move || async move {
        loop {
            follow();
            let Some(moved) = crate::js::call("claveFocusMoved", &[]) else { return };
            let _ = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(moved)).await;
        }
    });
    let pad = move || focused().map(|(_, pad)| pad);
    let field = focused().map(|(id, _)| id).unwrap_or_default();
    let mut press = move |key: String| {
        let typed = crate::js::call("claveKeyboard", &[JsValue::from_str(&key)]).and_then(|v| v.as_bool());
        if typed != Some(true) {
            // The field went without a focus event (taken off the page, made read-only): follow it now.
            follow();
            return;
        }
        if key == "Backspace" {
            buffer.write().pop();
        } else {
            buffer.write().push_str(&key);
            shift.set(false);
        }
    };
    let rows: Vec<Vec<String>> = match pad() {
        None => Vec::new(),
        Some(Pad::Numeric { k }) => {
            let last = if k { vec!["K", "0", "-"] } else { vec!["0"] };
            [vec!["1", "2", "3"], vec!["4", "5", "6"], vec!["7", "8", "9"], last]
                .into_iter()
                .map(|row| row.into_iter().map(str::to_owned).collect())
                .collect()
        }
        Some(Pad::Text { email, .. }) if symbols() => {
            let mut rows = vec!["! # $ % & * ? + = /", "( ) [ ] { } < > : ;", ". , - _ @ ' \" ~ ^ |"];
            if email {
                rows.truncate(1);
                rows.push(". - _ @ +");
            }
            rows.into_iter().map(|row| row.split(' ').map(str::to_owned).collect()).collect()
        }
        Some(Pad::Text { email, .. }) => {
            let letters = ["1234567890", "qwertyuiop", "asdfghjklñ", "zxcvbnm"];
            let mut rows: Vec<Vec<String>> = letters
                .iter()
                .map(|row| {
                    row.chars().map(|c| if shift() { c.to_uppercase().collect() } else { c.to_string() }).collect()
                })
                .collect();
            rows.push(
                if email { vec![".", "-", "_", "@"] } else { vec![".", ",", "-", "#"] }
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            );
            rows
        }
    };
    let secret = matches!(pad(), Some(Pad::Text { secret: true, .. }));
    let shown = if secret { "•".repeat(buffer().chars().count()) } else { buffer() };
    let text_pad = matches!(pad(), Some(Pad::Text { .. }));
    rsx! {
        div { class: "kiosk-panel",
            div { class: "kiosk-switches",
                button { r#type: "button", class: "secondary", aria_pressed: large(),
                    onclick: move |_| { let on = !large(); large.set(on); page_flag("data-text", on.then_some("large")); },
                    {tr!("kiosk.large_text")} }
                button { r#type: "button", class: "secondary", aria_pressed: contrast(),
                    onclick: move |_| { let on = !contrast(); contrast.set(on); page_flag("data-contrast", on.then_some("high")); },
                    {tr!("kiosk.high_contrast")} }
            }
            if !rows.is_empty() {
                div { class: "keyboard", role: "group", aria_label: tr!("kiosk.keyboard"), "data-field": "{field}",
                    p { id: "keyboard-buffer", class: "keyboard-buffer", aria_live: "polite", "{shown}" }
                    for (i, row) in rows.into_iter().enumerate() {
                        div { key: "{i}", class: "keyboard-row",
                            for key in row {
                                button { key: "{key}", r#type: "button", class: "key",
                                    // The focus stays in the field.
                                    onmousedown: move |e| e.prevent_default(),
                                    onclick: { let key = key.clone(); move |_| press(key.clone()) },
                                    "{key}" }
                            }
                        }
                    }
                    div { class: "keyboard-row",
                        if text_pad {
                            button { r#type: "button", class: "key wide", aria_pressed: shift(), onmousedown: move |e| e.prevent_default(),
                                onclick: move |_| shift.set(!shift()), {tr!("kiosk.shift")} }
                            button { r#type: "button", class: "key wide", aria_pressed: symbols(), onmousedown: move |e| e.prevent_default(),
                                onclick: move |_| symbols.set(!symbols()), {tr!("kiosk.symbols")} }
                            button { r#type: "button", class: "key space", onmousedown: move |e| e.prevent_default(),
                                onclick: move |_| press(" ".into()), {tr!("kiosk.space")} }
                        }
                        button { r#type: "button", class: "key wide", onmousedown: move |e| e.prevent_default(),
                            onclick: move |_| press("Backspace".into()), {tr!("kiosk.backspace")} }
                        button { r#type: "button", class: "key wide", onmousedown: move |e| e.prevent_default(),
                            onclick: move |_| { crate::js::call("claveKeyboardNext", &[]); }, {tr!("kiosk.next")} }
                    }
                }
            }
        }
    }
}

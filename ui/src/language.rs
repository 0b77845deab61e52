//! The language of the screens: the browser's (or the OS's, in the app) first language we speak, unless the
//! citizen picks another in the header. Kept in memory only: the device stores nothing but the RUT. An
//! account's e-mails and SMS follow the language chosen in its registration or update forms.

use dioxus::prelude::*;
use domain::Language;
use wasm_bindgen::JsValue;

/// The language on screen; the page's content is drawn afresh when it changes.
pub static LANGUAGE: GlobalSignal<Language> = Signal::global(initial);

/// `window.CLAVE_LOCALE` when set (tests, an embedding page), else the browser's preference list.
fn initial() -> Language {
    if let Some(language) = crate::js::global_string("CLAVE_LOCALE").as_deref().and_then(Language::parse) {
        return language;
    }
    let languages = js_sys::Reflect::get(&crate::js::global("navigator"), &JsValue::from_str("languages"))
        .map(|list| js_sys::Array::from(&list).iter().filter_map(|v| v.as_string()).collect::<Vec<_>>())
        .unwrap_or_default();
    Language::negotiate(languages.iter().map(String::as_str))
}

/// Shows the screens in `language`: texts, `<html lang>`, and every view drawn again.
pub fn apply(language: Language) {
    rust_i18n::set_locale(language.code());
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("lang", language.tag());
    }
    if *LANGUAGE.peek() != language {
        *LANGUAGE.write() = language;
    }
}

/// The header's picker, on every screen; each language is named in itself.
#[component]
pub fn LanguagePicker() -> Element {
    let current = LANGUAGE();
    rsx! {
        div { class: "language",
            label { r#for: "language", {tr!("common.language")} }
            select { id: "language", name: "language",
                onchange: move |e| {
                    if let Some(language) = Language::parse(&e.value()) {
                        apply(language);
                    }
                },
                LanguageOptions { current }
            }
        }
    }
}

/// Every language, each named in itself (and tagged, so a screen reader pronounces it as such).
#[component]
fn LanguageOptions(current: Language) -> Element {
    rsx! {
        for language in Language::ALL {
            option { key: "{language.code()}", value: "{language.code()}", lang: "{language.tag()}",
                selected: language == current, "{language.name()}" }
        }
    }
}

/// "Idioma de los avisos": the language of the account's e-mails and SMS, in the registration and update
/// forms (the screen's language unless changed).
#[component]
pub fn NoticeLanguage(value: Signal<Language>) -> Element {
    let mut value = value;
    let current = value();
    rsx! {
        div { class: "field",
            label { r#for: "notice_language", {tr!("fields.notice_language")} }
            select { id: "notice_language", name: "notice_language",
                onchange: move |e| {
                    if let Some(language) = Language::parse(&e.value()) {
                        value.set(language);
                    }
                },
                LanguageOptions { current }
            }
            p { class: "hint", {tr!("fields.notice_language_hint")} }
        }
    }
}

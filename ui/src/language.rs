//! The language of the screens: the browser's (or the OS's, in the app) first language we speak, unless the
//! citizen picks another in the header. Kept in memory only: the device stores nothing but the RUT. An
//! account's e-mails and SMS follow the language chosen in its registration or update forms.

use std::collections::HashMap;
use std::sync::Mutex;

use dioxus::prelude::*;
use domain::Language;
use wasm_bindgen::JsValue;

/// The language on screen; the page's content is drawn afresh when it changes.
pub static LANGUAGE: GlobalSignal<Language> = Signal::global(initial);

/// `window.CLAVE_LOCALE` when set (tests, an embedding page), else the browser's preference list.
pub fn initial() -> Language {
    if let Some(language) = crate::js::global_string("CLAVE_LOCALE").as_deref().and_then(Language::parse) {
        return language;
    }
    let languages = js_sys::Reflect::get(&crate::js::global("navigator"), &JsValue::from_str("languages"))
        .map(|list| js_sys::Array::from(&list).iter().filter_map(|v| v.as_string()).collect::<Vec<_>>())
        .unwrap_or_default();
    Language::negotiate(languages.iter().map(String::as_str))
}

/// The texts of the languages fetched so far, each once per page and kept for its life (a few dozen KB).
static LOADED: Mutex<Vec<(&'static str, &'static HashMap<String, String>)>> = Mutex::new(Vec::new());

/// rust-i18n's view of the fetched languages; Spanish, built in, answers whatever they lack.
pub struct Fetched;

impl Fetched {
    fn texts(locale: &str) -> Option<&'static HashMap<String, String>> {
        let loaded = LOADED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        loaded.iter().find(|(code, _)| *code == locale).map(|(_, texts)| *texts)
    }
}

impl rust_i18n::Backend for Fetched {
    fn available_locales(&self) -> Vec<&str> {
        LOADED.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).iter().map(|(code, _)| *code).collect()
    }

    fn translate(&self, locale: &str, key: &str) -> Option<&str> {
        Fetched::texts(locale)?.get(key).map(String::as_str)
    }
}

/// Fetches `language`'s texts (`locales/<code>.json` beside the wasm, built from `locales/<code>/`) unless
/// they are built in or here already. Spanish keeps the download small for most citizens; a failed fetch
/// leaves the screens in Spanish rather than blank.
pub async fn load(language: Language) {
    let code = language.code();
    if code == BUILT_IN || Fetched::texts(code).is_some() {
        return;
    }
    let Some(promise) = crate::js::call("claveLocale", &[JsValue::from_str(code)]) else { return };
    let Ok(text) = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise)).await else { return };
    let Some(texts) = text.as_string().and_then(|text| serde_json::from_str(&text).ok()) else { return };
    let mut loaded = LOADED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if !loaded.iter().any(|(known, _)| *known == code) {
        loaded.push((code, Box::leak(Box::new(texts))));
    }
}

/// The language whose texts are compiled into the wasm.
const BUILT_IN: &str = "es";

/// Fetches `language` if needed, then shows it.
pub fn choose(language: Language) {
    spawn(async move {
        load(language).await;
        apply(language);
    });
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
                        choose(language);
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

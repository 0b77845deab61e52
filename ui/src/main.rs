//! The citizen's UI: every flow of the guide (register §2, recover §3, change §4, update §5, and a login check)
//! as a Spanish wizard. One Dioxus web app (wasm) that the browser, the desktop and phone shell and the SENCE
//! office kiosks all show. Values are checked as the citizen types with the `domain` crate, the same code the
//! server runs; every visible text comes from `locales/` (rust-i18n).

#![allow(non_snake_case)]

// rust-i18n's `t!`, with the texts from `language::Texts`: Spanish compiled in by `build.rs`, another
// language fetched when it is chosen. The macro's own path (`ui/locales`) holds nothing to embed.
rust_i18n::i18n!(fallback = "es", backend = language::Texts);

/// `t!` as an owned `String`, which rsx can render as a text node. A plain key goes through one shared
/// function: rust-i18n's lookup inlined at each of some 280 places cost ~40 KB of wasm.
macro_rules! tr {
    ($key:literal) => { $crate::text($key) };
    ($($arg:tt)*) => {{ $crate::language::follow(); rust_i18n::t!($($arg)*).into_owned() }};
}

/// The text of `key` in the language on screen (the component drawing it is drawn again when it changes).
#[inline(never)]
fn text(key: &str) -> String {
    language::follow();
    rust_i18n::t!(key).into_owned()
}

mod api;
mod components;
mod history;
mod js;
mod language;
mod shell;
mod views;

use dioxus::prelude::*;
use views::{
    Change, ConfirmEmail, Disavow, FlowId, Home, Info, Layout, MyAccount, NotFound, Privacy, Recover, Register, SignIn,
    Update,
};

/// One route per flow; each view walks its flow's steps. A flow's plain path (`/recuperar`) starts it; once
/// the server has opened it, its id follows (`/recuperar/<id>`) and the same route resumes it there.
#[derive(Debug, Clone, Routable, PartialEq)]
#[rustfmt::skip]
pub enum Route {
    #[layout(Layout)]
        #[route("/")]
        Home {},
        #[route("/registro/:..flow")]
        Register { flow: FlowId },
        #[route("/recuperar/:..flow")]
        Recover { flow: FlowId },
        #[route("/cambiar/:..flow")]
        Change { flow: FlowId },
        #[route("/actualizar/:..flow")]
        Update { flow: FlowId },
        #[route("/ingresar/:id")]
        SignIn { id: String },
        #[route("/mi-clave-sence")]
        MyAccount {},
        #[route("/n/:token")]
        Disavow { token: String },
        #[route("/privacidad")]
        Privacy {},
        #[route("/mas-informacion")]
        Info {},
        #[route("/confirmar/:token")]
        ConfirmEmail { token: String },
    #[end_layout]
    #[route("/:..segments")]
    NotFound { segments: Vec<String> },
}

fn main() {
    // A key handed over in the address (`#k=…`, the kiosk's QR code) is taken out of it before anything else.
    api::adopt_key_from_address();
    // A citizen whose browser prefers a language other than Spanish sees it from the first screen.
    wasm_bindgen_futures::spawn_local(async {
        language::start().await;
        dioxus::launch(App);
    });
}

#[component]
fn App() -> Element {
    // Marks when the first screen is usable (read by the end-to-end tests to measure start-up).
    use_effect(|| {
        if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
            let _ = js_sys::Reflect::set(&js_sys::global(), &"__claveReady".into(), &performance.now().into());
        }
    });
    use_hook(|| language::apply(*language::LANGUAGE.peek()));
    use_hook(|| {
        if let Some(history) = history::BrowserHistory::new() {
            dioxus_history::provide_history_context(std::rc::Rc::new(history));
        }
    });
    rsx! { Router::<Route> {} }
}

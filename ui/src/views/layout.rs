//! The frame of every screen: skip link, header with the guide's menu, the page, and the help line. At a kiosk
//! it also watches for inactivity (warning, then everything wiped and back to home) and offers the
//! "Continúe en su celular" QR code for the flow on screen.

use dioxus::prelude::*;
use gloo_timers::future::TimeoutFuture;

use crate::Route;
use crate::api;
use crate::shell::{self, Kiosk};

use super::flow::{FlowId, use_page_key};

#[component]
pub fn Layout() -> Element {
    let kiosk = shell::kiosk();
    let mut idle = use_signal(|| 0u32);
    use_future(move || async move {
        let Some(kiosk) = kiosk else { return };
        loop {
            TimeoutFuture::new(1_000).await;
            idle += 1;
            if *idle.peek() >= kiosk.timeout {
                wipe();
            }
        }
    });
    let mut active = move || idle.set(0);
    let page = use_page_key(&use_route::<Route>());
    // A new screen: focus goes to its content, so a screen reader announces it (not on the first load).
    use_effect(use_reactive!(|page| {
        if page > 0 {
            focus_content();
        }
    }));
    rsx! {
        div { class: "app",
            // Activity for the kiosk's idle wipe: a touch, a click (also by Enter or Space), focus moving (Tab)
            // or typing; not scrolling by arrow keys. No key listener: dioxus would bring its key-name tables
            // (~8 KB of compressed wasm).
            onfocusin: move |_| if !warning_shown() { active() }, onclick: move |_| active(), onpointerdown: move |_| active(),
            oninput: move |_| active(),
            // At a kiosk the screen scrolls above the on-screen keyboard, which never covers it.
            div { class: "screen",
                a { class: "skip", href: "#contenido", {tr!("common.skip")} }
                header { class: "top",
                    Link { to: Route::Home {}, class: "brand", {tr!("common.title")} }
                    crate::language::LanguagePicker {}
                    nav { aria_label: tr!("common.nav_label"),
                        ul {
                            li { Link { to: Route::Register { flow: FlowId::START }, {tr!("nav.register")} } }
                            li { Link { to: Route::Recover { flow: FlowId::START }, {tr!("nav.recover")} } }
                            li { Link { to: Route::Change { flow: FlowId::START }, {tr!("nav.change")} } }
                            li { Link { to: Route::Update { flow: FlowId::START }, {tr!("nav.update")} } }
                            li { Link { to: Route::Info {}, {tr!("nav.info")} } }
                        }
                    }
                }
                main { id: "contenido", tabindex: "-1",
                    // A keyed list of one: a new key mounts the page afresh. Not the language: each text lookup
                    // makes its component follow it, and what the citizen typed stays.
                    for key in [page] { Outlet::<Route> { key: "{key}" } }
                }
                if kiosk.is_some() { Handoff {} }
                footer { class: "bottom",
                    p { {tr!("common.help_line")} }
                    p { {tr!("common.footer")} }
                    p { Link { to: Route::Privacy {}, {tr!("privacy.link")} } " · " Link { to: Route::MyAccount {}, {tr!("my_account.heading")} } }
                }
            }
            if kiosk.is_some() { crate::components::OnScreenKeyboard {} }
            if let Some(kiosk) = kiosk {
                IdleWarning { kiosk, idle }
            }
            ExpiryWarning {}
        }
    }
}

/// Moves focus to `main#contenido` (focusable by its `tabindex="-1"`).
fn focus_content() {
    use wasm_bindgen::JsCast;
    let main = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("contenido"));
    if let Some(main) = main.and_then(|m| m.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = main.focus();
    }
}

/// Wipes every field and flow: the tab's flow keys are forgotten (Back then finds no flow to reopen), and a
/// fresh load of the home page leaves nothing of the previous citizen.
fn wipe() {
    api::forget_flow_keys();
    if let Some(window) = web_sys::window() {
        let _ = window.location().replace("/");
    }
}

/// Whether a warning ("¿Sigue ahí?", "¿Necesita más tiempo?") is on screen. Each takes the focus as it
/// appears, and that focus is no sign of anyone at the kiosk.
fn warning_shown() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("[role=alertdialog]").ok().flatten())
        .is_some()
}

/// "¿Sigue ahí?" in the last seconds before the wipe.
#[component]
fn IdleWarning(kiosk: Kiosk, idle: Signal<u32>) -> Element {
    let mut idle = idle;
    let left = kiosk.timeout.saturating_sub(idle());
    if left > kiosk.warning {
        return rsx! {};
    }
    rsx! {
        div { class: "backdrop",
            div { class: "dialog warning", role: "alertdialog", aria_modal: "true", aria_labelledby: "idle-title", aria_describedby: "idle-text",
                h2 { id: "idle-title", {tr!("common.kiosk_warning_title")} }
                p { id: "idle-text", {tr!("common.kiosk_warning", seconds = left)} }
                button { class: "primary", autofocus: true,
                    onmounted: move |e: MountedEvent| async move { let _ = e.set_focus(true).await; },
                    onclick: move |_| idle.set(0), {tr!("common.kiosk_continue")} }
            }
        }
    }
}

/// Seconds before a flow expires when the warning appears.
const EXPIRY_WARNING_SECONDS: i64 = 120;

/// "¿Necesita más tiempo?" in the last two minutes of the open flow on screen, with "Continuar con el
/// trámite" to extend it (WCAG 2.2.1: a time limit the citizen is warned of and can extend).
#[component]
fn ExpiryWarning() -> Element {
    let now = || (js_sys::Date::now() / 1000.0) as i64;
    let mut clock = use_signal(now);
    use_future(move || async move {
        loop {
            TimeoutFuture::new(1_000).await;
            clock.set(now());
        }
    });
    let route = use_route::<Route>();
    let Some(deadline) = api::DEADLINE() else { return rsx! {} };
    let on_screen = match &route {
        Route::Register { flow } | Route::Recover { flow } | Route::Change { flow } | Route::Update { flow } => {
            flow.0.as_deref() == Some(deadline.id.as_str())
        }
        _ => false,
    };
    let left = deadline.expires_at - clock();
    if !on_screen || left > EXPIRY_WARNING_SECONDS || left <= 0 {
        return rsx! {};
    }
    let extend = move |_| {
        let deadline = deadline.clone();
        spawn(async move {
            let path = format!("/api/{}/{}/extend", deadline.kind.as_str(), deadline.id);
            if let Ok(extended) = api::post::<_, domain::api::FlowExpiry>(&path, &serde_json::json!({})).await {
                let expires_at = extended.expires_at - deadline.skew;
                *api::DEADLINE.write() = Some(api::Deadline { expires_at, ..deadline });
            }
        });
    };
    let minutes = left.div_euclid(60);
    let seconds = left.rem_euclid(60);
    rsx! {
        div { class: "backdrop",
            div { class: "dialog warning", role: "alertdialog", aria_modal: "true", aria_labelledby: "expiry-title", aria_describedby: "expiry-text",
                h2 { id: "expiry-title", {tr!("common.expiry_title")} }
                p { id: "expiry-text", {tr!("common.expiry_text", left = format!("{minutes}:{seconds:02}"))} }
                button { class: "primary", autofocus: true,
                    onmounted: move |e: MountedEvent| async move { let _ = e.set_focus(true).await; },
                    onclick: extend, {tr!("common.expiry_extend")} }
            }
        }
    }
}

/// "Continúe en su celular": the QR code of the public address of the screen's flow. Once the flow is open
/// the address carries its id and, in the fragment (`#k=<key>`, which no browser sends to a server), its key
/// (no personal data), so the phone resumes it at the same step.
#[component]
fn Handoff() -> Element {
    let route = use_route::<Route>();
    let path = handoff_path(&route);
    let mut qr = use_signal(|| None::<String>);
    let shown = use_signal(String::new);
    if *shown.peek() != path && path != "/" {
        let mut shown = shown;
        shown.set(path.clone());
        let target = path.clone();
        spawn(async move { qr.set(shell::handoff_qr(&target).await) });
    }
    if path == "/" {
        return rsx! {};
    }
    rsx! {
        aside { class: "box handoff", aria_labelledby: "handoff-title",
            h2 { id: "handoff-title", {tr!("common.handoff_title")} }
            p { {tr!("common.handoff_text")} }
            if let Some(src) = qr() {
                img { id: "handoff-qr", src: "{src}", alt: tr!("common.handoff_alt"), width: "180", height: "180" }
            }
        }
    }
}

/// The path the QR code holds for `route`: a flow's key follows its id in the fragment.
fn handoff_path(route: &Route) -> String {
    // A platform's login belongs to the browser the platform sent there (its `state` is tied to it): a phone
    // starts at the home page instead.
    // Mi Clave Sence and a "No fui yo" link are one citizen's: a phone starts at the home page too.
    if let Route::SignIn { .. } | Route::MyAccount {} | Route::Disavow { .. } | Route::ConfirmEmail { .. } = route {
        return "/".to_owned();
    }
    let path = route.to_string();
    let id = match route {
        Route::Register { flow } | Route::Recover { flow } | Route::Change { flow } | Route::Update { flow } => {
            flow.0.as_deref()
        }
        _ => None,
    };
    match id.and_then(api::flow_key) {
        Some(key) => format!("{path}#k={key}"),
        None => path,
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

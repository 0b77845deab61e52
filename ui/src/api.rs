//! Typed calls to the backend. The UI never builds JSON by hand: bodies are the `domain::api` types. The API
//! is found on the page's own origin, or at `window.CLAVE_API_BASE` when the page says so (desktop shell).
//!
//! A flow's id travels in the page's address (`/recuperar/<id>`), so it is no secret: the server hands whoever
//! opens a flow its key as well, and every later request for the flow sends it back in `X-Flow-Key`. Keys are
//! kept here, in the tab's `sessionStorage` (a reload, Back and Forward in the same tab keep them; closing the
//! tab forgets them; never in an address or the history), or in memory for the page's life where the browser
//! refuses storage.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;

use dioxus::prelude::{GlobalSignal, ReadableExt, Signal};
use domain::ErrorCode;
use domain::api::{CaptchaChallenge, ErrorBody, FlowKind, FlowStep, FlowView};
use gloo_net::http::{Request, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;

/// Why a call did not succeed.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// The server refused, with its stable code (and per-field codes).
    Refused(ErrorBody),
    /// The server could not be reached, or answered something unreadable.
    Network,
}

/// Base URL of the API: `window.CLAVE_API_BASE`, or the page's origin.
pub fn base() -> String {
    crate::js::global_string("CLAVE_API_BASE").unwrap_or_default().trim_end_matches('/').to_owned()
}

/// Where the key of flow `<id>` is kept in `sessionStorage`.
const KEY_PREFIX: &str = "clave.flow.";

/// The header that carries a flow's key.
const KEY_HEADER: &str = "X-Flow-Key";

thread_local! {
    /// Keys the browser would not store (storage disabled or full): kept for the page's life only.
    static MEMORY: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// A flow key as the server makes them: 32 lowercase hex digits.
pub fn is_flow_key(key: &str) -> bool {
    key.len() == 32 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Remembers `key` for the flow `id`, for this tab.
pub fn remember_flow_key(id: &str, key: &str) {
    let stored = session_storage().is_some_and(|s| s.set_item(&format!("{KEY_PREFIX}{id}"), key).is_ok());
    MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        if stored {
            memory.remove(id);
        } else {
            memory.insert(id.to_owned(), key.to_owned());
        }
    });
}

/// The key remembered for the flow `id`, if this tab opened it (or was handed it).
pub fn flow_key(id: &str) -> Option<String> {
    let stored = session_storage().and_then(|s| s.get_item(&format!("{KEY_PREFIX}{id}")).ok().flatten());
    stored.or_else(|| MEMORY.with(|memory| memory.borrow().get(id).cloned()))
}

/// Forgets every flow key of this tab (the kiosk's wipe between citizens).
pub fn forget_flow_keys() {
    MEMORY.with(|memory| memory.borrow_mut().clear());
    let Some(storage) = session_storage() else { return };
    let count = storage.length().unwrap_or(0);
    let names: Vec<String> =
        (0..count).filter_map(|i| storage.key(i).ok().flatten()).filter(|n| n.starts_with(KEY_PREFIX)).collect();
    for name in names {
        let _ = storage.remove_item(&name);
    }
}

/// The flow id an API path names: `/api/<kind>/<id>` or `/api/<kind>/<id>/<step>`.
fn flow_id_of(path: &str) -> Option<&str> {
    let mut segments = path.strip_prefix("/api/")?.split('/');
    let kind = segments.next()?;
    let id = segments.next().filter(|id| !id.is_empty())?;
    let rest: Vec<&str> = segments.collect();
    (FlowKind::parse(kind).is_some() && rest.len() <= 1).then_some(id)
}

/// The open flow on screen and when it expires: the layout warns before, and offers more time (WCAG 2.2.1).
#[derive(Debug, Clone, PartialEq)]
pub struct Deadline {
    pub kind: FlowKind,
    pub id: String,
    /// By this device's clock (the server's expiry less its clock's lead): a kiosk or phone whose clock is off
    /// still warns on time.
    pub expires_at: i64,
    /// Seconds the server's clock was ahead of this device's.
    pub skew: i64,
}

pub static DEADLINE: GlobalSignal<Option<Deadline>> = Signal::global(|| None);

/// Follows the flow of every view read: a finished flow has nothing to warn about.
fn watch_deadline(view: &FlowView, skew: i64) {
    let deadline = (view.step != FlowStep::Done).then(|| Deadline {
        kind: view.kind,
        id: view.id.clone(),
        expires_at: view.expires_at - skew,
        skew,
    });
    if *DEADLINE.peek() != deadline {
        *DEADLINE.write() = deadline;
    }
}

/// The key to send with a request to `path`, when it names a flow this tab holds the key of.
fn key_for(path: &str) -> Option<String> {
    flow_id_of(path).and_then(flow_key)
}

/// A flow's key handed over in the page's address, `<flow path>#k=<key>` (the kiosk's QR code for a phone):
/// remembered for the flow in the path, then taken out of the address bar and of the history entry. Runs once,
/// before the first view fetches its flow.
pub fn adopt_key_from_address() {
    let Some(window) = web_sys::window() else { return };
    let location = window.location();
    let Some(key) = location.hash().ok().and_then(|hash| hash.strip_prefix("#k=").map(str::to_owned)) else {
        return;
    };
    let path = location.pathname().unwrap_or_default();
    let mut segments = path.trim_start_matches('/').split('/');
    let flow = segments.next().unwrap_or_default();
    let id = segments.next().filter(|id| !id.is_empty());
    let is_flow = matches!(flow, "registro" | "recuperar" | "cambiar" | "actualizar") && segments.next().is_none();
    if let Some(id) = id.filter(|_| is_flow && is_flow_key(&key)) {
        remember_flow_key(id, &key);
    }
    // The fragment never stays in the history, whether or not it was a usable key.
    let search = location.search().unwrap_or_default();
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&format!("{path}{search}")));
    }
}

async fn read<R: DeserializeOwned + 'static>(response: gloo_net::http::Response) -> Result<R, Failure> {
    if response.ok() {
        // Seconds the server's clock is ahead of this device's (its `Date`; 0 when it cannot be read).
        let skew = response
            .headers()
            .get("date")
            .map(|date| js_sys::Date::parse(&date))
            .filter(|server| server.is_finite())
            .map_or(0, |server| ((server - js_sys::Date::now()) / 1000.0).round() as i64);
        let value = response.json::<R>().await.map_err(|_| Failure::Network)?;
        // The answer that opens a flow carries its key: kept for every later request for the flow.
        if let Some(view) = (&value as &dyn Any).downcast_ref::<FlowView>() {
            if let Some(key) = &view.key {
                remember_flow_key(&view.id, key);
            }
            watch_deadline(view, skew);
        }
        return Ok(value);
    }
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(Failure::Refused(body)),
        // A proxy's error page or a dropped connection: treat as a network problem the citizen can retry.
        Err(_) => Err(Failure::Network),
    }
}

/// `request` to `path`, with the flow's key when `path` names a flow whose key this tab holds.
fn with_key(request: RequestBuilder, path: &str) -> RequestBuilder {
    match key_for(path) {
        Some(key) => request.header(KEY_HEADER, &key),
        None => request,
    }
}

pub async fn get<R: DeserializeOwned + 'static>(path: &str) -> Result<R, Failure> {
    let request = with_session(with_key(Request::get(&format!("{}{path}", base())), path), path);
    read(request.send().await.map_err(|_| Failure::Network)?).await
}

pub async fn post<B: Serialize, R: DeserializeOwned + 'static>(path: &str, body: &B) -> Result<R, Failure> {
    let request = with_session(with_key(Request::post(&format!("{}{path}", base())), path), path)
        .json(body)
        .map_err(|_| Failure::Network)?;
    read(request.send().await.map_err(|_| Failure::Network)?).await
}

thread_local! {
    /// "Mi Clave Sence"'s session in an app on another origin (see `SignInForm::bearer`): in memory only, gone
    /// with the page (and with the kiosk's idle wipe, which reloads it).
    static ACCOUNT_SESSION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Whether the API is on another origin (the desktop shell), where the session cookie does not travel.
pub fn cross_origin() -> bool {
    !base().is_empty()
}

pub fn set_account_session(session: Option<String>) {
    ACCOUNT_SESSION.with(|s| *s.borrow_mut() = session);
}

/// `request` to `path` with "Mi Clave Sence"'s bearer session, when this page holds one.
fn with_session(request: RequestBuilder, path: &str) -> RequestBuilder {
    let session = ACCOUNT_SESSION.with(|s| s.borrow().clone()).filter(|_| path.starts_with("/api/account"));
    match session {
        Some(session) => request.header("Authorization", &format!("Bearer {session}")),
        None => request,
    }
}

/// The body of a `GET` as text (the export, saved as it came).
pub async fn get_text(path: &str) -> Result<String, Failure> {
    let response =
        with_session(Request::get(&format!("{}{path}", base())), path).send().await.map_err(|_| Failure::Network)?;
    if response.ok() {
        return response.text().await.map_err(|_| Failure::Network);
    }
    read::<serde_json::Value>(response).await.map(|_| String::new())
}

/// A `POST` whose success has no body (`204 No Content`).
pub async fn post_empty<B: Serialize>(path: &str, body: &B) -> Result<(), Failure> {
    let request =
        with_session(Request::post(&format!("{}{path}", base())), path).json(body).map_err(|_| Failure::Network)?;
    let response = request.send().await.map_err(|_| Failure::Network)?;
    if response.ok() {
        return Ok(());
    }
    read::<serde_json::Value>(response).await.map(|_| ())
}

/// A new bot check, for a form about `rut` when it is known.
pub async fn captcha(rut: Option<String>) -> Result<CaptchaChallenge, Failure> {
    post("/api/captchas", &domain::api::CaptchaRequest { rut }).await
}

/// The text of a key computed at run time (`questions.<code>`, `errors.<code>`).
pub fn text(key: &str) -> String {
    crate::language::follow();
    rust_i18n::t!(key).into_owned()
}

/// The citizen-facing message of a refusal code, with the wait in minutes where it has one.
pub fn message(code: ErrorCode, retry_after: Option<u64>) -> String {
    let minutes = retry_after.map(|s| s.div_ceil(60).max(1)).unwrap_or(1);
    let key = format!("errors.{}", code.as_str());
    crate::language::follow();
    rust_i18n::t!(&key, minutes = minutes).into_owned()
}

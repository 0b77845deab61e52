//! Typed calls to the backend. The UI never builds JSON by hand: bodies are the `domain::api` types. The API
//! is found on the page's own origin, or at `window.CLAVE_API_BASE` when the page says so (desktop shell).

use domain::ErrorCode;
use domain::api::{CaptchaChallenge, ErrorBody};
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

fn global_string(name: &str) -> Option<String> {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str(name)).ok().and_then(|v| v.as_string())
}

/// Base URL of the API: `window.CLAVE_API_BASE`, or the page's origin.
pub fn base() -> String {
    global_string("CLAVE_API_BASE").unwrap_or_default().trim_end_matches('/').to_owned()
}

/// The locale: `window.CLAVE_LOCALE`, or `es`.
pub fn locale() -> String {
    global_string("CLAVE_LOCALE").filter(|l| l == "en" || l == "es").unwrap_or_else(|| "es".into())
}

async fn read<R: DeserializeOwned>(response: gloo_net::http::Response) -> Result<R, Failure> {
    if response.ok() {
        return response.json::<R>().await.map_err(|_| Failure::Network);
    }
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(Failure::Refused(body)),
        // A proxy's error page or a dropped connection: treat as a network problem the citizen can retry.
        Err(_) => Err(Failure::Network),
    }
}

pub async fn get<R: DeserializeOwned>(path: &str) -> Result<R, Failure> {
    let request = gloo_net::http::Request::get(&format!("{}{path}", base()));
    read(request.send().await.map_err(|_| Failure::Network)?).await
}

pub async fn post<B: Serialize, R: DeserializeOwned>(path: &str, body: &B) -> Result<R, Failure> {
    let request =
        gloo_net::http::Request::post(&format!("{}{path}", base())).json(body).map_err(|_| Failure::Network)?;
    read(request.send().await.map_err(|_| Failure::Network)?).await
}

pub async fn captcha() -> Result<CaptchaChallenge, Failure> {
    post("/api/captchas", &serde_json::json!({})).await
}

/// The text of a key computed at run time (`questions.<code>`, `errors.<code>`).
pub fn text(key: &str) -> String {
    rust_i18n::t!(key).into_owned()
}

/// The citizen-facing message of a refusal code, with the wait in minutes where it has one.
pub fn message(code: ErrorCode, retry_after: Option<u64>) -> String {
    let minutes = retry_after.map(|s| s.div_ceil(60).max(1)).unwrap_or(1);
    let key = format!("errors.{}", code.as_str());
    rust_i18n::t!(&key, minutes = minutes).into_owned()
}

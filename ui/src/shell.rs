//! What the UI asks of the desktop/phone shell (Tauri) when it runs inside it; in a plain browser every call
//! is a no-op, so the same bundle works in both. The shell's `window.CLAVE_SHELL` says whether this is a kiosk.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

/// Running inside the Tauri shell.
pub fn present() -> bool {
    js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str("__TAURI__")).unwrap_or(false)
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Kiosk {
    pub timeout: u32,
    pub warning: u32,
}

/// Kiosk settings, when the shell runs as a SENCE office kiosk.
pub fn kiosk() -> Option<Kiosk> {
    let shell = crate::js::global("CLAVE_SHELL");
    let field = |name: &str| js_sys::Reflect::get(&shell, &JsValue::from_str(name)).ok();
    let on = field("kiosk").and_then(|v| v.as_bool()).unwrap_or(false);
    on.then(|| Kiosk {
        timeout: field("timeout").and_then(|v| v.as_f64()).unwrap_or(120.0) as u32,
        warning: field("warning").and_then(|v| v.as_f64()).unwrap_or(20.0) as u32,
    })
}

/// The keyring may be used: inside the shell, and not at a kiosk.
pub fn can_remember() -> bool {
    present() && kiosk().is_none()
}

fn args(pairs: &[(&str, &str)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in pairs {
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    object.into()
}

async fn call(cmd: &str, pairs: &[(&str, &str)]) -> Option<JsValue> {
    if !present() {
        return None;
    }
    invoke(cmd, args(pairs)).await.ok()
}

pub async fn remember_rut(rut: &str) {
    call("remember_rut", &[("rut", rut)]).await;
}

pub async fn forget_rut() {
    call("forget_rut", &[]).await;
}

pub async fn remembered_rut() -> Option<String> {
    if !can_remember() {
        return None;
    }
    call("remembered_rut", &[]).await.and_then(|v| v.as_string())
}

/// A system notification: `provisional_sent`, `cs_changed` or `data_updated` (the shell holds the texts).
pub async fn notify(kind: &str) {
    call("notify", &[("kind", kind)]).await;
}

/// The kiosk QR code (PNG data URL) for continuing the flow at `path` on a phone.
pub async fn handoff_qr(path: &str) -> Option<String> {
    call("handoff_qr", &[("path", path)]).await.and_then(|v| v.as_string())
}

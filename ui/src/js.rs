//! The page's globals: what the hosting page, the shell and `main.js` put on `window` for the UI
//! (`CLAVE_API_BASE`, `CLAVE_SHELL`, `claveSolvePow`, `claveKeyboard`, …), read and called in one place.

use wasm_bindgen::{JsCast, JsValue};

/// `window[name]`, or `undefined`.
pub fn global(name: &str) -> JsValue {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// `window[name]` when it is a string.
pub fn global_string(name: &str) -> Option<String> {
    global(name).as_string()
}

/// Calls the function `window[name]` with `args`; `None` when there is no such function or it threw.
pub fn call(name: &str, args: &[JsValue]) -> Option<JsValue> {
    let function = global(name).dyn_into::<js_sys::Function>().ok()?;
    let args: js_sys::Array = args.iter().collect();
    function.apply(&JsValue::NULL, &args).ok()
}

//! The address bar and the back button, for the router. dioxus-web brings this with its `document` feature,
//! together with a script-evaluation bridge this UI never uses (~11 KB of the compressed wasm); this is the
//! part the UI needs.

use std::sync::Arc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

pub struct BrowserHistory {
    window: web_sys::Window,
    history: web_sys::History,
}

impl BrowserHistory {
    /// `None` outside a page (no `window`).
    pub fn new() -> Option<Self> {
        let window = web_sys::window()?;
        let history = window.history().ok()?;
        Some(BrowserHistory { window, history })
    }

    /// A new screen starts at its top, as a new page would.
    fn to_top(&self) {
        self.window.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

impl dioxus_history::History for BrowserHistory {
    fn current_route(&self) -> String {
        let location = self.window.location();
        let route = location.pathname().unwrap_or_default()
            + &location.search().unwrap_or_default()
            + &location.hash().unwrap_or_default();
        if route.is_empty() { "/".to_owned() } else { route }
    }

    fn go_back(&self) {
        let _ = self.history.back();
    }

    fn go_forward(&self) {
        let _ = self.history.forward();
    }

    fn push(&self, route: String) {
        if route != self.current_route() && self.history.push_state_with_url(&JsValue::NULL, "", Some(&route)).is_ok() {
            self.to_top();
        }
    }

    fn replace(&self, route: String) {
        if self.history.replace_state_with_url(&JsValue::NULL, "", Some(&route)).is_ok() {
            self.to_top();
        }
    }

    fn external(&self, url: String) -> bool {
        self.window.location().set_href(&url).is_ok()
    }

    /// Back and forward buttons: the router reads the address again (the browser restores the scroll).
    fn updater(&self, callback: Arc<dyn Fn() + Send + Sync>) {
        let listener = Closure::<dyn FnMut()>::new(move || callback());
        let _ = self.window.add_event_listener_with_callback("popstate", listener.as_ref().unchecked_ref());
        // The router lives as long as the page.
        listener.forget();
    }
}

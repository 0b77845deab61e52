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
    /// `None` outside a page (no `window`). The scroll is restored by us: the browser's own restoration would
    /// run before the router has drawn the screen it returns to.
    pub fn new() -> Option<Self> {
        let window = web_sys::window()?;
        let history = window.history().ok()?;
        let _ = history.set_scroll_restoration(web_sys::ScrollRestoration::Manual);
        Some(BrowserHistory { window, history })
    }

    /// The window's scroll, kept in each history entry's state.
    fn scroll(&self) -> JsValue {
        let x = self.window.scroll_x().unwrap_or_default();
        let y = self.window.scroll_y().unwrap_or_default();
        js_sys::Array::of2(&x.into(), &y.into()).into()
    }

    /// A new screen starts at its top, as a new page would.
    fn to_top(&self) {
        self.window.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

/// Scrolls to where the current history entry was left, once the router has drawn it.
fn restore_scroll(window: &web_sys::Window, history: &web_sys::History) {
    let Some(state) = history.state().ok().and_then(|s| s.dyn_into::<js_sys::Array>().ok()) else { return };
    let (Some(x), Some(y)) = (state.get(0).as_f64(), state.get(1).as_f64()) else { return };
    let target = window.clone();
    let scroll = Closure::once_into_js(move || target.scroll_to_with_x_and_y(x, y));
    let _ = window.request_animation_frame(scroll.unchecked_ref());
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
        if route == self.current_route() {
            return;
        }
        // The screen left keeps its scroll for the Back button.
        let _ = self.history.replace_state(&self.scroll(), "");
        if self.history.push_state_with_url(&JsValue::NULL, "", Some(&route)).is_ok() {
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

    /// Back and forward buttons: the router reads the address again, then the scroll comes back.
    fn updater(&self, callback: Arc<dyn Fn() + Send + Sync>) {
        let (window, history) = (self.window.clone(), self.history.clone());
        let listener = Closure::<dyn FnMut()>::new(move || {
            callback();
            restore_scroll(&window, &history);
        });
        let _ = self.window.add_event_listener_with_callback("popstate", listener.as_ref().unchecked_ref());
        // The router lives as long as the page.
        listener.forget();
    }
}

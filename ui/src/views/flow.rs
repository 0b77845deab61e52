//! A flow's place in its URL. `/recuperar` starts a recovery; once the server has opened the flow, the URL
//! becomes `/recuperar/<id>`, so a reload, the browser's Back and Forward, or the kiosk's QR code on a phone
//! resume it: the view fetches the flow (`GET /api/<kind>/<id>`) and draws its current step. The id alone opens
//! nothing: the request carries the flow's key, which only the tab that opened the flow holds (see `api`), or
//! the phone that scanned the kiosk's QR code (`#k=<key>` in its address); without it the server answers as
//! for an unknown flow, and the view offers to start again.

use std::fmt;

use dioxus::prelude::*;
use dioxus::router::{FromRouteSegments, Navigator, ToRouteSegments};
use domain::api::{FlowKind, FlowView};

use crate::Route;
use crate::api::{self, Failure};

/// What follows a flow's path: the flow's id, or nothing at its start. One route serves both, so that the view
/// stays the same component when its URL gains the id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlowId(pub Option<String>);

impl FlowId {
    pub const START: FlowId = FlowId(None);
}

impl FromRouteSegments for FlowId {
    type Err = &'static str;

    fn from_route_segments(segments: &[&str]) -> Result<Self, Self::Err> {
        match segments {
            [] => Ok(FlowId(None)),
            [id] if !id.is_empty() => Ok(FlowId(Some((*id).to_owned()))),
            _ => Err("a flow id, or nothing"),
        }
    }
}

impl ToRouteSegments for FlowId {
    fn display_route_segments(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.display_route_segments(f)
    }
}

/// The route of a flow of `kind`.
pub fn route(kind: FlowKind, flow: FlowId) -> Route {
    match kind {
        FlowKind::Registration => Route::Register { flow },
        FlowKind::Recovery => Route::Recover { flow },
        FlowKind::Change => Route::Change { flow },
        FlowKind::Update => Route::Update { flow },
    }
}

/// The route a view has just put its own flow's id in (see [`FlowPage::opened`]).
#[derive(Clone, Copy)]
struct Adopted(Signal<Option<Route>>);

/// The key of the page the layout shows: a new key mounts it afresh. Every change of route gets one (the menu's
/// link from `/recuperar/<id>` to `/recuperar` starts over), except the `replace` by which a view adds its own
/// flow's id: the citizen keeps what they typed.
pub fn use_page_key(route: &Route) -> u32 {
    let adopted = use_signal(|| None::<Route>);
    use_context_provider(|| Adopted(adopted));
    let mut shown = use_signal(|| (route.clone(), 0u32));
    let (last, key) = shown.peek().clone();
    if last == *route {
        return key;
    }
    let mut adopted = adopted;
    let key = if adopted.peek().as_ref() == Some(route) { key } else { key + 1 };
    adopted.set(None);
    shown.set((route.clone(), key));
    key
}

/// Where a view opened with a flow id stands.
#[derive(Debug, Clone, PartialEq)]
enum Resume {
    /// Opened at the start, or the flow was fetched and restored: the view draws its steps.
    Steps,
    Loading,
    Refused(Failure),
}

/// A flow view's hold on its URL.
#[derive(Clone, Copy)]
pub struct FlowPage {
    kind: FlowKind,
    resume: Signal<Resume>,
    adopted: Adopted,
    navigator: Navigator,
}

/// For a view opened at `url`: when it names a flow, fetches it once and hands its view to `restore`, which
/// sets the view's state as if the citizen had walked to the current step.
pub fn use_flow_page(kind: FlowKind, url: &FlowId, restore: impl FnOnce(FlowView) + 'static) -> FlowPage {
    let id = use_hook(|| url.0.clone());
    let mut resume = use_signal(|| if id.is_some() { Resume::Loading } else { Resume::Steps });
    use_hook(move || {
        let Some(id) = id else { return };
        spawn(async move {
            let path = format!("/api/{}/{}", kind.as_str(), js_sys::encode_uri_component(&id));
            match api::get::<FlowView>(&path).await {
                Ok(view) => {
                    restore(view);
                    resume.set(Resume::Steps);
                }
                Err(failure) => resume.set(Resume::Refused(failure)),
            }
        });
    });
    FlowPage { kind, resume, adopted: use_context(), navigator: use_navigator() }
}

impl FlowPage {
    /// The server opened the flow: its id goes in the URL, in place of the start's entry (Back leaves the flow
    /// rather than showing the same step again).
    pub fn opened(&self, id: &str) {
        let target = route(self.kind, FlowId(Some(id.to_owned())));
        let mut adopted = self.adopted.0;
        adopted.set(Some(target.clone()));
        self.navigator.replace(target);
    }

    /// What the page shows instead of the view's steps while the flow named in the URL is fetched, or once it
    /// was refused (unknown or expired flow): the reason, and a way to start again.
    pub fn interlude(&self, heading: String) -> Option<Element> {
        let message = match &*self.resume.read() {
            Resume::Steps => return None,
            Resume::Loading => None,
            Resume::Refused(Failure::Refused(body)) => Some(api::message(body.code, body.retry_after)),
            Resume::Refused(Failure::Network) => Some(tr!("common.network_error")),
        };
        let start = route(self.kind, FlowId::START);
        Some(rsx! {
            h1 { "{heading}" }
            div { class: "banner-region", aria_live: "assertive", role: "alert",
                if let Some(message) = &message { p { class: "banner", id: "flow-refused", "{message}" } }
            }
            if message.is_some() {
                div { class: "buttons", Link { to: start, class: "button secondary", {tr!("common.start_again")} } }
            } else {
                p { aria_live: "polite", {tr!("common.loading_flow")} }
            }
        })
    }
}

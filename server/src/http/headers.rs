//! Security headers on every answer: the page's Content-Security-Policy (the same rules as the app's webview:
//! only our own scripts, styles and wasm; no framing), `nosniff`, no referrer, no powerful browser features,
//! HSTS when citizens reach us over https, and `no-store` on API answers, which carry personal data.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Whether HSTS is sent (the public URL is https).
#[derive(Clone, Copy)]
pub struct Hsts(pub bool);

pub async fn secure(State(Hsts(hsts)): State<Hsts>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    // The dev sink's page styles itself inline; it exists only in the dev profile.
    if !path.starts_with("/dev/") {
        set(header::CONTENT_SECURITY_POLICY, CSP);
    }
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "no-referrer");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    );
    if hsts {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");
    }
    if path.starts_with("/api/") && path != "/api/openapi.json" {
        set(header::CACHE_CONTROL, "no-store");
    }
    response
}

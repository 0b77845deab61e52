//! The built web UI at `/`: `index.html` (read once) for a browser's `GET`/`HEAD` of every path but the assets,
//! so the UI's router handles deep links (`/recuperar/<id>`). Without a built UI, `/` says how to build it.
//! Nothing under `/oauth2/` or `/api/` and no other method falls back to the page: a platform that posts to an
//! endpoint we do not have gets a JSON refusal, never a 200 with HTML.
//!
//! Assets live under `/assets/<content hash>/` (`cargo xtask ui`), so they never change under one address:
//! they are sent as `immutable` for a year, brotli or gzip from the `.br`/`.gz` twins the build wrote. The
//! page itself is revalidated on every load (`no-cache`), so a new build reaches citizens at once.

use std::path::Path;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use domain::ErrorCode;

use super::error::ApiError;
use crate::refusal::Refusal;

/// Only a `GET` or `HEAD` of a UI route reaches the page.
async fn ui_only(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let protocol = ["/oauth2", "/api", "/.well-known"].iter().any(|p| path == *p || path.starts_with(&format!("{p}/")));
    if protocol {
        return ApiError(Refusal::Denied(ErrorCode::NotFound)).into_response();
    }
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return ApiError(Refusal::Denied(ErrorCode::MethodNotAllowed)).into_response();
    }
    next.run(request).await
}
use tower_http::services::ServeDir;

/// Cache headers by path: immutable hashed assets, revalidated page.
async fn cache_control(request: Request, next: Next) -> Response {
    let immutable = request.uri().path().starts_with("/assets/");
    let mut response = next.run(request).await;
    let value =
        if immutable && response.status().is_success() { "public, max-age=31536000, immutable" } else { "no-cache" };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

pub fn serve(router: Router, dir: &Path) -> Router {
    let index = dir.join("index.html");
    if index.exists() {
        // A missing asset is a 404, never the page (which would then be cached as that asset for a year).
        let assets = ServeDir::new(dir.join("assets")).precompressed_br().precompressed_gzip();
        // The page is read once: it is served for every deep link, and a file read per request costs more
        // than the rest of the answer.
        let html = match std::fs::read(&index) {
            Ok(bytes) => axum::body::Bytes::from(bytes),
            Err(error) => {
                tracing::warn!(%error, "cannot read the UI's index.html");
                axum::body::Bytes::new()
            }
        };
        let page_html = move || {
            let html = html.clone();
            async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html) }
        };
        // Everything else is the page: the UI's router draws deep links (`/recuperar/<id>`).
        let ui = Router::new()
            .nest_service("/assets", assets)
            .fallback(page_html)
            .layer(axum::middleware::from_fn(cache_control))
            .layer(axum::middleware::from_fn(ui_only));
        router.fallback_service(ui)
    } else {
        tracing::warn!(folder = %dir.display(), "no built UI: `/` explains how to build it");
        let missing = Router::new()
            .fallback(|| async {
                (
                    StatusCode::NOT_FOUND,
                    Html(
                        "<!doctype html><html lang=\"es\"><meta charset=\"utf-8\"><title>Clave Sence</title>\
                         <h1>Clave Sence</h1><p>La interfaz web no está compilada. Ejecute <code>cargo xtask run</code>.</p>\
                         <p>La API está en <a href=\"/api/openapi.json\">/api</a>.</p></html>",
                    ),
                )
            })
            .layer(axum::middleware::from_fn(ui_only));
        router.fallback_service(missing)
    }
}

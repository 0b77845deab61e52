//! The built web UI at `/`: static files from `http.ui_dir`, and `index.html` for every other path so the
//! UI's router handles deep links (`/recuperar`). Without a built UI, `/` says how to build it.

use std::path::Path;

use axum::Router;
use axum::http::StatusCode;
use axum::response::Html;
use tower_http::services::{ServeDir, ServeFile};

pub fn serve(router: Router, dir: &Path) -> Router {
    let index = dir.join("index.html");
    if index.exists() {
        router.fallback_service(ServeDir::new(dir).fallback(ServeFile::new(index)))
    } else {
        tracing::warn!(folder = %dir.display(), "no built UI: `/` explains how to build it");
        router.fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                Html(
                    "<!doctype html><html lang=\"es\"><meta charset=\"utf-8\"><title>Clave Sence</title>\
                     <h1>Clave Sence</h1><p>La interfaz web no está compilada. Ejecute <code>cargo xtask run</code>.</p>\
                     <p>La API está en <a href=\"/api/openapi.json\">/api</a>.</p></html>",
                ),
            )
        })
    }
}

//! The OpenAPI document, generated from the handlers' annotations and the `domain` types.

use std::sync::OnceLock;

use axum::body::Bytes;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Clave Sence API", description = "Accounts, flows and captchas of Clave Sence (persona natural)."),
    paths(
        super::captcha::issue,
        super::registration::start,
        super::registration::show,
        super::registration::form,
        super::recovery::start,
        super::recovery::show,
        super::recovery::answer,
        super::recovery::serial,
        super::recovery::contact,
        super::recovery::finish,
        super::change::start,
        super::change::show,
        super::change::new_cs,
        super::update::start,
        super::update::show,
        super::update::security,
        super::update::data,
        super::login::login,
    ),
    components(schemas(domain::ErrorCode, domain::FieldErrors, domain::api::ErrorBody))
)]
pub struct ApiDoc;

/// The document, serialised once per process (it never changes while the process runs).
pub async fn document() -> impl IntoResponse {
    static JSON: OnceLock<Bytes> = OnceLock::new();
    let body = JSON.get_or_init(|| Bytes::from(serde_json::to_vec(&ApiDoc::openapi()).unwrap_or_default())).clone();
    ([(header::CONTENT_TYPE, "application/json")], body)
}

//! The OpenAPI document, generated from the handlers' annotations and the `domain` types.

use axum::Json;
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

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

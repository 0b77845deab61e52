//! `POST /api/captchas`: a new bot check ("Refrescar" asks for another).

use axum::extract::State;
use axum::http::StatusCode;
use domain::Rut;
use domain::api::{CaptchaChallenge, CaptchaRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ApiError;
use super::json::AppJson;
use super::rate_limit::ClientIp;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(issue))
}

/// A new bot check: an ALTCHA proof of work, and the image only when risk rose (many checks from one address,
/// recent failures on `rut`). Single use, valid 5 minutes.
#[utoipa::path(post, path = "/captchas", tag = "captcha", request_body = CaptchaRequest,
    responses((status = 201, body = CaptchaChallenge), (status = 429, body = domain::api::ErrorBody)))]
pub async fn issue(
    State(app): State<AppState>,
    client: ClientIp,
    AppJson(request): AppJson<CaptchaRequest>,
) -> Result<(StatusCode, AppJson<CaptchaChallenge>), ApiError> {
    // A RUT that does not parse only forgoes the early image: the form's own check judges the RUT again.
    let rut = request.rut.as_deref().and_then(|raw| Rut::parse(raw).ok());
    let address = crate::auth::address_subject(client.0);
    Ok((StatusCode::CREATED, AppJson(app.captchas.issue(&address, rut, app.now()).await?)))
}

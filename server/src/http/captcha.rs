//! `POST /api/captchas`: a new captcha ("Refrescar" asks for another).

use axum::extract::State;
use axum::http::StatusCode;
use domain::api::CaptchaChallenge;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ApiError;
use super::json::AppJson;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(issue))
}

/// A new captcha image; single use, valid 5 minutes.
#[utoipa::path(post, path = "/captchas", tag = "captcha",
    responses((status = 201, body = CaptchaChallenge), (status = 429, body = domain::api::ErrorBody)))]
pub async fn issue(State(app): State<AppState>) -> Result<(StatusCode, AppJson<CaptchaChallenge>), ApiError> {
    Ok((StatusCode::CREATED, AppJson(app.captchas.issue(app.now()).await?)))
}

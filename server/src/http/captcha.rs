//! `POST /api/captchas`: a new captcha ("Refrescar" asks for another).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use domain::api::CaptchaChallenge;

use super::error::ApiError;
use super::json::AppJson;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/captchas", post(issue))
}

/// A new captcha image; single use, valid 5 minutes.
#[utoipa::path(post, path = "/api/captchas", tag = "captcha",
    responses((status = 201, body = CaptchaChallenge), (status = 429, body = domain::api::ErrorBody)))]
pub async fn issue(State(app): State<AppState>) -> Result<(StatusCode, AppJson<CaptchaChallenge>), ApiError> {
    Ok((StatusCode::CREATED, AppJson(app.captchas.issue(app.now()).await?)))
}

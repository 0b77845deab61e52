//! `POST /api/login`: RUT + CS that a registered SENCE platform forwards from its own form, authenticated with
//! its client id and secret (HTTP Basic, as at `/oauth2/token`). Refusals: `platform_unauthorized`,
//! `invalid_credentials` (same whether or not the RUT has an account), `account_locked` (with
//! `retry_after`), `rate_limited`, `provisional_must_change`, `provisional_expired`. The platform sends the
//! citizen's address (`citizen_address`): the platform's own address is never counted. The README's table tells
//! the citizen what to do for each. Platforms should move to "Ingresar con Clave Sence" (OpenID Connect).

use axum::extract::State;
use domain::api::{LoginOk, PlatformLogin};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ApiError;
use super::json::AppJson;
use crate::auth::platform_login;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(login))
}

/// Checks a RUT and Clave Sence.
#[utoipa::path(post, path = "/login", tag = "login", request_body = PlatformLogin,
    responses((status = 200, body = LoginOk),
        (status = 401, description = "platform_unauthorized (no or wrong platform credentials), invalid_credentials", body = domain::api::ErrorBody),
        (status = 403, description = "provisional_must_change / provisional_expired", body = domain::api::ErrorBody),
        (status = 429, description = "account_locked (Retry-After)", body = domain::api::ErrorBody)))]
pub async fn login(
    State(app): State<AppState>,
    headers: axum::http::HeaderMap,
    AppJson(request): AppJson<PlatformLogin>,
) -> Result<AppJson<LoginOk>, ApiError> {
    let (rut, cs, citizen) = request.parse()?;
    platform_login(&app, super::oidc::basic(&headers), rut, &cs, citizen).await?;
    Ok(AppJson(LoginOk { rut: rut.to_string() }))
}

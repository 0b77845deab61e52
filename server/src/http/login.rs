//! `POST /api/login`: RUT + CS for other SENCE platforms. Refusals: `invalid_credentials` (same whether or
//! not the RUT has an account), `account_locked` (with `retry_after`), `provisional_must_change`,
//! `provisional_expired`. The README's table tells the citizen what to do for each.

use axum::extract::State;
use domain::api::{Credentials, LoginOk};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ApiError;
use super::json::AppJson;
use super::rate_limit::ClientIp;
use crate::auth::{Provisional, authenticate};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(login))
}

/// Checks a RUT and Clave Sence.
#[utoipa::path(post, path = "/login", tag = "login", request_body = Credentials,
    responses((status = 200, body = LoginOk),
        (status = 401, description = "invalid_credentials", body = domain::api::ErrorBody),
        (status = 403, description = "provisional_must_change / provisional_expired", body = domain::api::ErrorBody),
        (status = 429, description = "account_locked (Retry-After)", body = domain::api::ErrorBody)))]
pub async fn login(
    State(app): State<AppState>,
    client: ClientIp,
    AppJson(request): AppJson<Credentials>,
) -> Result<AppJson<LoginOk>, ApiError> {
    let (rut, cs) = request.parse()?;
    authenticate(&app, rut, &cs, Provisional::Refuse, "login", client.0).await?;
    Ok(AppJson(LoginOk { rut: rut.to_string() }))
}

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
use super::rate_limit::Deferred;
use crate::auth::platform_login;
use crate::refusal::Refusal;
use crate::state::AppState;
use domain::ErrorCode;

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
    deferred: Option<axum::Extension<Deferred>>,
    headers: axum::http::HeaderMap,
    request: Result<AppJson<PlatformLogin>, ApiError>,
) -> Result<AppJson<LoginOk>, ApiError> {
    let result = match request.map(|AppJson(r)| r.parse()) {
        Ok(Ok((rut, cs, citizen))) => platform_login(&app, super::oidc::basic(&headers), rut, &cs, citizen)
            .await
            .map(|_| LoginOk { rut: rut.to_string() })
            .map_err(ApiError),
        Ok(Err(fields)) => Err(ApiError(Refusal::Fields(fields))),
        Err(unreadable) => Err(unreadable),
    };
    // Before a platform authenticated (an unreadable or malformed body, wrong credentials) the request was the
    // caller's own: it counts at the caller's address like any other.
    let callers_own = match &result {
        Err(ApiError(Refusal::Fields(_))) => true,
        Err(ApiError(Refusal::Denied(code))) => {
            matches!(code, ErrorCode::PlatformUnauthorized | ErrorCode::InvalidRequest | ErrorCode::PayloadTooLarge)
        }
        _ => false,
    };
    if let (true, Some(axum::Extension(deferred))) = (callers_own, deferred)
        && let Err(retry_after) = deferred.hit()
    {
        return Err(ApiError(Refusal::Throttled { code: ErrorCode::RateLimited, retry_after }));
    }
    result.map(AppJson)
}

//! Change (§4): `POST /api/change` with RUT + current CS, then `POST /api/change/{id}/new-cs`.

use axum::extract::State;
use axum::http::StatusCode;
use domain::api::{Credentials, FlowView, NewClaveForm};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::FlowId;
use super::error::ApiError;
use super::json::AppJson;
use super::rate_limit::ClientIp;
use crate::flows::FlowKey;
use crate::flows::change;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(start)).routes(routes!(show)).routes(routes!(new_cs))
}

/// "Validar": RUT and current CS (or the provisional CS from a recovery).
#[utoipa::path(post, path = "/change", tag = "change", request_body = Credentials,
    responses((status = 201, body = FlowView), (status = 401, description = "invalid_credentials", body = domain::api::ErrorBody),
        (status = 403, description = "provisional_expired", body = domain::api::ErrorBody), (status = 429, description = "account_locked", body = domain::api::ErrorBody)))]
pub async fn start(
    State(app): State<AppState>,
    client: ClientIp,
    AppJson(request): AppJson<Credentials>,
) -> Result<(StatusCode, AppJson<FlowView>), ApiError> {
    Ok((StatusCode::CREATED, AppJson(change::start(&app, &request, client.0).await?)))
}

/// Where a change flow stands.
#[utoipa::path(get, path = "/change/{id}", tag = "change", params(("id" = String, Path)), responses((status = 200, body = FlowView)))]
pub async fn show(
    State(app): State<AppState>,
    FlowId(id): FlowId,
    key: FlowKey,
) -> Result<AppJson<FlowView>, ApiError> {
    Ok(AppJson(change::show(&app, &id, &key).await?))
}

/// "Cambiar Clave": new CS twice and the captcha.
#[utoipa::path(post, path = "/change/{id}/new-cs", tag = "change", params(("id" = String, Path)), request_body = NewClaveForm,
    responses((status = 200, body = FlowView), (status = 422, body = domain::api::ErrorBody)))]
pub async fn new_cs(
    State(app): State<AppState>,
    FlowId(id): FlowId,
    key: FlowKey,
    AppJson(form): AppJson<NewClaveForm>,
) -> Result<AppJson<FlowView>, ApiError> {
    Ok(AppJson(change::new_cs(&app, &id, &key, &form).await?))
}

//! Update personal data (§5): `POST /api/update` with RUT + CS, then `security`, then `data`.

use axum::extract::State;
use axum::http::StatusCode;
use domain::api::{CodesForm, Credentials, FlowView, SecurityForm, UpdateForm};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::FlowId;
use super::error::ApiError;
use super::json::AppJson;
use super::rate_limit::ClientIp;
use crate::flows::FlowKey;
use crate::flows::update;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start))
        .routes(routes!(show))
        .routes(routes!(security))
        .routes(routes!(data))
        .routes(routes!(verify))
        .routes(routes!(resend))
}

/// "Validar": RUT and CS (a provisional CS is refused: change it first).
#[utoipa::path(post, path = "/update", tag = "update", request_body = Credentials,
    responses((status = 201, body = FlowView), (status = 401, body = domain::api::ErrorBody), (status = 403, description = "provisional_must_change", body = domain::api::ErrorBody)))]
pub async fn start(
    State(app): State<AppState>,
    client: ClientIp,
    AppJson(request): AppJson<Credentials>,
) -> Result<(StatusCode, AppJson<FlowView>), ApiError> {
    Ok((StatusCode::CREATED, AppJson(update::start(&app, &request, client.0).await?)))
}

/// Where an update flow stands.
#[utoipa::path(get, path = "/update/{id}", tag = "update", params(("id" = String, Path)), responses((status = 200, body = FlowView)))]
pub async fn show(
    State(app): State<AppState>,
    FlowId(id): FlowId,
    key: FlowKey,
) -> Result<AppJson<FlowView>, ApiError> {
    Ok(AppJson(update::show(&app, &id, &key).await?))
}

/// "Datos de Seguridad": the secret question and its answer (→ `data`, with the data on file).
#[utoipa::path(post, path = "/update/{id}/security", tag = "update", params(("id" = String, Path)), request_body = SecurityForm,
    responses((status = 200, body = FlowView), (status = 422, body = domain::api::ErrorBody), (status = 429, body = domain::api::ErrorBody)))]
pub async fn security(
    State(app): State<AppState>,
    FlowId(id): FlowId,
    key: FlowKey,
    AppJson(form): AppJson<SecurityForm>,
) -> Result<AppJson<FlowView>, ApiError> {
    Ok(AppJson(update::security(&app, &id, &key, &form).await?))
}

/// "Actualizar datos": address, contacts and the captcha.
#[utoipa::path(post, path = "/update/{id}/data", tag = "update", params(("id" = String, Path)), request_body = UpdateForm,
    responses((status = 200, body = FlowView), (status = 422, body = domain::api::ErrorBody)))]
pub async fn data(
    State(app): State<AppState>,
    FlowId(id): FlowId,
    key: FlowKey,
    AppJson(form): AppJson<UpdateForm>,
) -> Result<AppJson<FlowView>, ApiError> {
    Ok(AppJson(update::data(&app, &id, &key, &form).await?))
}

/// The 6-digit codes sent to the new e-mail and mobile (`verify` step).
#[utoipa::path(post, path = "/update/{id}/verify", tag = "update", params(("id" = String, Path)), request_body = CodesForm,
    responses((status = 200, body = FlowView), (status = 422, description = "code_wrong, code_expired, code_invalid", body = domain::api::ErrorBody),
        (status = 429, description = "too_many_attempts", body = domain::api::ErrorBody)))]
pub async fn verify(
    State(app): State<AppState>,
    FlowId(id): FlowId,
    key: FlowKey,
    AppJson(form): AppJson<CodesForm>,
) -> Result<AppJson<FlowView>, ApiError> {
    Ok(AppJson(update::verify(&app, &id, &key, &form).await?))
}

/// New codes to the same contacts (at most 3 sends per flow).
#[utoipa::path(post, path = "/update/{id}/resend", tag = "update", params(("id" = String, Path)),
    responses((status = 200, body = FlowView), (status = 429, description = "too_many_attempts", body = domain::api::ErrorBody)))]
pub async fn resend(
    State(app): State<AppState>,
    FlowId(id): FlowId,
    key: FlowKey,
) -> Result<AppJson<FlowView>, ApiError> {
    Ok(AppJson(update::resend(&app, &id, &key).await?))
}

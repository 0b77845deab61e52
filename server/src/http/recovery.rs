//! Recovery (§3): `POST /api/recovery` with the RUT, then one `POST` per step.

use axum::extract::State;
use axum::http::StatusCode;
use domain::api::{CaptchaStep, CodesForm, FlowView, RecoveryAnswer, RecoveryContact, RecoverySerial, RecoveryStart};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::FlowId;
use super::error::ApiError;
use super::json::AppJson;
use super::rate_limit::ClientIp;
use crate::flows::FlowKey;
use crate::flows::recovery;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start))
        .routes(routes!(show))
        .routes(routes!(answer))
        .routes(routes!(serial))
        .routes(routes!(contact))
        .routes(routes!(verify))
        .routes(routes!(resend))
        .routes(routes!(finish))
}

/// "Validar" the RUT: next step `answer` (question on file) or `serial` (none on file, §3.1).
#[utoipa::path(post, path = "/recovery", tag = "recovery", request_body = RecoveryStart,
    responses((status = 201, body = FlowView), (status = 404, description = "account_not_found", body = domain::api::ErrorBody)))]
pub async fn start(
    State(app): State<AppState>,
    client: ClientIp,
    AppJson(request): AppJson<RecoveryStart>,
) -> Result<(StatusCode, AppJson<FlowView>), ApiError> {
    Ok((StatusCode::CREATED, AppJson(recovery::start(&app, &request, client.0).await?)))
}

/// Where a recovery flow stands.
#[utoipa::path(get, path = "/recovery/{id}", tag = "recovery", params(("id" = String, Path)), responses((status = 200, body = FlowView)))]
pub async fn show(
    State(app): State<AppState>,
    FlowId(id): FlowId,
    key: FlowKey,
) -> Result<AppJson<FlowView>, ApiError> {
    Ok(AppJson(recovery::show(&app, &id, &key).await?))
}

/// The secret answer (→ `captcha`), or `forgot` (→ `serial`).
#[utoipa::path(post, path = "/recovery/{id}/answer", tag = "recovery", params(("id" = String, Path)), request_body = RecoveryAnswer,
    responses((status = 200, body = FlowView), (status = 422, description = "answer_wrong", body = domain::api::ErrorBody),
        (status = 429, description = "too_many_attempts", body = domain::api::ErrorBody)))]
pub async fn answer(
    State(app): State<AppState>,
    FlowId(id): FlowId,
    key: FlowKey,
    AppJson(request): AppJson<RecoveryAnswer>,
) -> Result<AppJson<FlowView>, ApiError> {
    Ok(AppJson(recovery::answer(&app, &id, &key, &request).await?))
}

/// The ID card serial number, checked with the Registro Civil (→ `contact`, with the masked e-mail).
#[utoipa::path(post, path = "/recovery/{id}/serial", tag = "recovery", params(("id" = String, Path)), request_body = RecoverySerial,
    responses((status = 200, body = FlowView), (status = 422, description = "serial_mismatch / document_not_vigente", body = domain::api::ErrorBody),
        (status = 503, description = "registro_civil_unavailable", body = domain::api::ErrorBody)))]
pub async fn serial(
    State(app): State<AppState>,
    FlowId(id): FlowId,
    key: FlowKey,
    AppJson(request): AppJson<RecoverySerial>,
) -> Result<AppJson<FlowView>, ApiError> {
    Ok(AppJson(recovery::serial(&app, &id, &key, &request).await?))
}

/// "¿El email es correcto?": Sí, or No with "Email Actual" and "Celular Actual" (→ `captcha`).
#[utoipa::path(post, path = "/recovery/{id}/contact", tag = "recovery", params(("id" = String, Path)), request_body = RecoveryContact,
    responses((status = 200, body = FlowView), (status = 422, body = domain::api::ErrorBody)))]
pub async fn contact(
    State(app): State<AppState>,
    FlowId(id): FlowId,
    key: FlowKey,
    AppJson(request): AppJson<RecoveryContact>,
) -> Result<AppJson<FlowView>, ApiError> {
    Ok(AppJson(recovery::contact(&app, &id, &key, &request).await?))
}

/// "Recuperar Clave": the captcha; issues the provisional CS by SMS and e-mail (→ `done`).
#[utoipa::path(post, path = "/recovery/{id}/captcha", tag = "recovery", params(("id" = String, Path)), request_body = CaptchaStep,
    responses((status = 200, body = FlowView), (status = 422, description = "captcha_wrong / captcha_expired", body = domain::api::ErrorBody)))]
pub async fn finish(
    State(app): State<AppState>,
    FlowId(id): FlowId,
    key: FlowKey,
    AppJson(request): AppJson<CaptchaStep>,
) -> Result<AppJson<FlowView>, ApiError> {
    Ok(AppJson(recovery::finish(&app, &id, &key, &request).await?))
}

/// The 6-digit codes sent to the new e-mail and mobile (`verify` step).
#[utoipa::path(post, path = "/recovery/{id}/verify", tag = "recovery", params(("id" = String, Path)), request_body = CodesForm,
    responses((status = 200, body = FlowView), (status = 422, description = "code_wrong, code_expired, code_invalid", body = domain::api::ErrorBody),
        (status = 429, description = "too_many_attempts", body = domain::api::ErrorBody)))]
pub async fn verify(
    State(app): State<AppState>,
    FlowId(id): FlowId,
    key: FlowKey,
    AppJson(form): AppJson<CodesForm>,
) -> Result<AppJson<FlowView>, ApiError> {
    Ok(AppJson(recovery::verify(&app, &id, &key, &form).await?))
}

/// New codes to the same contacts (at most 3 sends per flow).
#[utoipa::path(post, path = "/recovery/{id}/resend", tag = "recovery", params(("id" = String, Path)),
    responses((status = 200, body = FlowView), (status = 429, description = "too_many_attempts", body = domain::api::ErrorBody)))]
pub async fn resend(
    State(app): State<AppState>,
    FlowId(id): FlowId,
    key: FlowKey,
) -> Result<AppJson<FlowView>, ApiError> {
    Ok(AppJson(recovery::resend(&app, &id, &key).await?))
}

//! Registration (§2): `POST /api/registration` opens the flow, `POST /api/registration/{id}/form` sends it.

use axum::extract::State;
use axum::http::StatusCode;
use domain::api::{FlowView, RegisterForm};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::FlowId;
use super::error::ApiError;
use super::json::AppJson;
use crate::flows::FlowKey;
use crate::flows::registration;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(start)).routes(routes!(show)).routes(routes!(form))
}

/// Opens a registration flow.
#[utoipa::path(post, path = "/registration", tag = "registration", responses((status = 201, body = FlowView)))]
pub async fn start(State(app): State<AppState>) -> Result<(StatusCode, AppJson<FlowView>), ApiError> {
    Ok((StatusCode::CREATED, AppJson(registration::start(&app).await?)))
}

/// Where a registration flow stands.
#[utoipa::path(get, path = "/registration/{id}", tag = "registration", params(("id" = String, Path)),
    responses((status = 200, body = FlowView), (status = 404, body = domain::api::ErrorBody)))]
pub async fn show(
    State(app): State<AppState>,
    FlowId(id): FlowId,
    key: FlowKey,
) -> Result<AppJson<FlowView>, ApiError> {
    Ok(AppJson(registration::show(&app, &id, &key).await?))
}

/// "Crear Cuenta": the whole form with its captcha.
#[utoipa::path(post, path = "/registration/{id}/form", tag = "registration", params(("id" = String, Path)),
    request_body = RegisterForm,
    responses((status = 200, body = FlowView), (status = 409, description = "rut_already_registered / flow_wrong_step", body = domain::api::ErrorBody),
        (status = 422, description = "field refusals", body = domain::api::ErrorBody)))]
pub async fn form(
    State(app): State<AppState>,
    FlowId(id): FlowId,
    key: FlowKey,
    AppJson(form): AppJson<RegisterForm>,
) -> Result<AppJson<FlowView>, ApiError> {
    Ok(AppJson(registration::submit(&app, &id, &key, &form).await?))
}

//! `POST /api/<kind>/{id}/extend`: more time for a flow, asked from the warning the UI shows before it expires
//! (WCAG 2.2.1). One handler per kind, so each is in the OpenAPI document under its flow.

use axum::extract::State;
use domain::api::{FlowExpiry, FlowKind};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::FlowId;
use super::error::ApiError;
use super::json::AppJson;
use crate::flows::{self, FlowKey};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(registration))
        .routes(routes!(recovery))
        .routes(routes!(change))
        .routes(routes!(update))
}

async fn extend(app: &AppState, kind: FlowKind, id: &str, key: &FlowKey) -> Result<AppJson<FlowExpiry>, ApiError> {
    Ok(AppJson(FlowExpiry { expires_at: flows::extend(app, kind, id, key).await? }))
}

/// More time for a registration flow.
#[utoipa::path(post, path = "/registration/{id}/extend", tag = "registration", params(("id" = String, Path)),
    responses((status = 200, body = FlowExpiry), (status = 404, body = domain::api::ErrorBody),
        (status = 410, description = "flow_expired", body = domain::api::ErrorBody)))]
pub async fn registration(
    State(app): State<AppState>,
    FlowId(id): FlowId,
    key: FlowKey,
) -> Result<AppJson<FlowExpiry>, ApiError> {
    extend(&app, FlowKind::Registration, &id, &key).await
}

/// More time for a recovery flow.
#[utoipa::path(post, path = "/recovery/{id}/extend", tag = "recovery", params(("id" = String, Path)),
    responses((status = 200, body = FlowExpiry), (status = 404, body = domain::api::ErrorBody),
        (status = 410, description = "flow_expired", body = domain::api::ErrorBody)))]
pub async fn recovery(
    State(app): State<AppState>,
    FlowId(id): FlowId,
    key: FlowKey,
) -> Result<AppJson<FlowExpiry>, ApiError> {
    extend(&app, FlowKind::Recovery, &id, &key).await
}

/// More time for a change flow.
#[utoipa::path(post, path = "/change/{id}/extend", tag = "change", params(("id" = String, Path)),
    responses((status = 200, body = FlowExpiry), (status = 404, body = domain::api::ErrorBody),
        (status = 410, description = "flow_expired", body = domain::api::ErrorBody)))]
pub async fn change(
    State(app): State<AppState>,
    FlowId(id): FlowId,
    key: FlowKey,
) -> Result<AppJson<FlowExpiry>, ApiError> {
    extend(&app, FlowKind::Change, &id, &key).await
}

/// More time for an update flow.
#[utoipa::path(post, path = "/update/{id}/extend", tag = "update", params(("id" = String, Path)),
    responses((status = 200, body = FlowExpiry), (status = 404, body = domain::api::ErrorBody),
        (status = 410, description = "flow_expired", body = domain::api::ErrorBody)))]
pub async fn update(
    State(app): State<AppState>,
    FlowId(id): FlowId,
    key: FlowKey,
) -> Result<AppJson<FlowExpiry>, ApiError> {
    extend(&app, FlowKind::Update, &id, &key).await
}

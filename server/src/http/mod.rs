//! The HTTP API under `/api`, one module per flow, each with its `router()`; plus `/health` and the
//! OpenAPI document at `/api/openapi.json`.

pub mod error;
pub mod json;
pub mod rate_limit;

mod account;
mod captcha;
mod change;
mod expiry;
pub mod headers;
mod health;
mod login;
mod metrics;
mod oidc;
mod openapi;
mod origin;
mod recovery;
mod registration;
pub mod serve;
pub mod ui;
mod update;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use domain::ErrorCode;

use crate::refusal::Refusal;
use crate::state::AppState;
use error::ApiError;

/// The app's webview (`tauri://localhost`) calls the API from another origin; only listed origins may.
fn cors(origins: &[String]) -> tower_http::cors::CorsLayer {
    use axum::http::{HeaderValue, Method, header};
    let origins: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    tower_http::cors::CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::HeaderName::from_static(FLOW_KEY_HEADER)])
        // The app reads the server's clock from `Date` (a flow's expiry warning must not trust the device's clock).
        .expose_headers([header::DATE])
}

/// The `{id}` of a flow's path; anything that is not a readable id (invalid UTF-8, say) is an unknown flow,
/// answered in JSON like every other refusal.
pub struct FlowId(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for FlowId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<String>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(id)) => Ok(FlowId(id)),
            Err(_) => Err(ApiError(Refusal::Denied(ErrorCode::FlowNotFound))),
        }
    }
}

/// The header that carries a flow's key (see `domain::api::FlowView::key`).
pub const FLOW_KEY_HEADER: &str = "x-flow-key";

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for crate::flows::FlowKey {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let key = parts.headers.get(FLOW_KEY_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        Ok(crate::flows::FlowKey(key))
    }
}

async fn method_not_allowed() -> ApiError {
    ApiError(Refusal::Denied(ErrorCode::MethodNotAllowed))
}

/// Every route of the API, with its state applied; `extra` (the dev sink's pages) sits behind the same
/// per-address limit as the API and `/metrics`.
pub fn api_router(state: AppState, limiter: rate_limit::IpLimiter, extra: Option<Router>) -> Router {
    let body_limit = state.settings.http.body_limit;
    let metrics_state = state.clone();
    let (api, doc) = utoipa_axum::router::OpenApiRouter::with_openapi(<openapi::ApiDoc as utoipa::OpenApi>::openapi())
        .merge(captcha::router())
        .merge(expiry::router())
        .merge(registration::router())
        .merge(recovery::router())
        .merge(change::router())
        .merge(update::router())
        .merge(login::router())
        .merge(account::router())
        .merge(oidc::api_router())
        .split_for_parts();
    let doc = openapi::complete(doc);
    let api = api
        .fallback(|| async { ApiError(Refusal::Denied(ErrorCode::NotFound)) })
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), origin::record))
        .layer(axum::middleware::from_fn_with_state(limiter.clone(), rate_limit::limit))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(cors(&state.settings.http.cors_origins))
        .with_state(state);
    let mut limited = Router::new().route("/metrics", get(metrics::render).with_state(metrics_state.clone()));
    if let Some(extra) = extra {
        limited = limited.merge(extra);
    }
    let oidc = oidc::router()
        .with_state(metrics_state.clone())
        .layer(axum::middleware::from_fn_with_state(metrics_state.clone(), origin::record));
    Router::new()
        .merge(oidc.layer(axum::middleware::from_fn_with_state(limiter.clone(), rate_limit::limit)))
        .route("/health", get(|| async { "ok" }))
        .route("/ready", get(health::ready).with_state(metrics_state))
        .route("/api/openapi.json", openapi::route(&doc))
        .merge(limited.layer(axum::middleware::from_fn_with_state(limiter, rate_limit::limit)))
        .method_not_allowed_fallback(method_not_allowed)
        .nest("/api", api)
}

//! `/metrics`: every metric of this process in the Prometheus text format (`metrics` facade), plus the
//! outbox's size by status, read from the store at scrape time (shared by every replica). With
//! `http.metrics_token` set (required in production), only `Authorization: Bearer <token>` gets them; anyone
//! else gets the same 404 as an unknown path.

use axum::extract::State;
use axum::http::HeaderMap;
use domain::ErrorCode;
use secrecy::ExposeSecret;

use super::error::ApiError;
use crate::secrets::same;
use crate::state::AppState;
use crate::store::outbox::{self, Status};
use crate::telemetry::{metric, prometheus};

pub async fn render(State(app): State<AppState>, headers: HeaderMap) -> Result<String, ApiError> {
    if let Some(token) = &app.settings.http.metrics_token {
        let presented = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !same(presented.as_bytes(), token.expose_secret().as_bytes()) {
            return Err(ApiError(crate::refusal::Refusal::Denied(ErrorCode::NotFound)));
        }
    }
    let counts = outbox::counts(app.store.db()).await?;
    for status in Status::ALL {
        let n = counts.iter().find(|(s, _)| *s == status).map_or(0, |(_, n)| *n);
        metrics::gauge!(metric::OUTBOX_MESSAGES, "status" => status.as_str()).set(n as f64);
    }
    Ok(prometheus().render())
}

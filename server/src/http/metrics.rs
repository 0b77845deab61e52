//! `/metrics`: every metric of this process in the Prometheus text format (`metrics` facade), plus the
//! outbox's size by status, read from the store at scrape time (shared by every replica).

use axum::extract::State;

use super::error::ApiError;
use crate::state::AppState;
use crate::store::outbox::{self, Status};
use crate::telemetry::{metric, prometheus};

pub async fn render(State(app): State<AppState>) -> Result<String, ApiError> {
    let counts = outbox::counts(app.store.db()).await?;
    for status in Status::ALL {
        let n = counts.iter().find(|(s, _)| *s == status).map_or(0, |(_, n)| *n);
        metrics::gauge!(metric::OUTBOX_MESSAGES, "status" => status.as_str()).set(n as f64);
    }
    Ok(prometheus().render())
}

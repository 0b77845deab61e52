//! `/metrics`: outbox counters and queue sizes in the Prometheus text format.

use std::sync::atomic::Ordering;

use axum::extract::State;

use super::error::ApiError;
use crate::state::AppState;

pub async fn render(State(app): State<AppState>) -> Result<String, ApiError> {
    let counts: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetch_all(&app.pool).await?;
    let m = &app.outbox_metrics;
    let mut text = String::new();
    text.push_str("# TYPE clave_outbox_sent_total counter\n");
    text.push_str(&format!("clave_outbox_sent_total {}\n", m.sent.load(Ordering::Relaxed)));
    text.push_str("# TYPE clave_outbox_retried_total counter\n");
    text.push_str(&format!("clave_outbox_retried_total {}\n", m.retried.load(Ordering::Relaxed)));
    text.push_str("# TYPE clave_outbox_failed_total counter\n");
    text.push_str(&format!("clave_outbox_failed_total {}\n", m.failed.load(Ordering::Relaxed)));
    text.push_str("# TYPE clave_outbox_messages gauge\n");
    for (status, count) in counts {
        text.push_str(&format!("clave_outbox_messages{{status=\"{status}\"}} {count}\n"));
    }
    Ok(text)
}

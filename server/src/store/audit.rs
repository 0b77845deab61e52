//! The `audit_events` table: who did what, when, with what outcome (Decreto 9/2023 asks every access to be
//! logged and kept at least 12 months). Holds the canonical RUT, never a secret.

use domain::Rut;
use sqlx::any::AnyExecutor;

use super::StoreError;

pub async fn record(
    db: impl AnyExecutor<'_>,
    now: i64,
    rut: Option<Rut>,
    event: &str,
    outcome: &str,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO audit_events (at, rut, event, outcome) VALUES ($1, $2, $3, $4)")
        .bind(now)
        .bind(rut.map(Rut::canonical))
        .bind(event.to_owned())
        .bind(outcome.to_owned())
        .execute(db)
        .await?;
    Ok(())
}

/// The events recorded for `rut`, oldest first, as `(event, outcome)`.
pub async fn of(db: impl AnyExecutor<'_>, rut: Rut) -> Result<Vec<(String, String)>, StoreError> {
    Ok(sqlx::query_as("SELECT event, outcome FROM audit_events WHERE rut = $1 ORDER BY at, event")
        .bind(rut.canonical())
        .fetch_all(db)
        .await?)
}

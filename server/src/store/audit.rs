//! The `audit_events` table: who did what, when, with what outcome (Decreto 9/2023 asks every access to be
//! logged and kept at least 12 months). Holds the canonical RUT, never a secret.

use sqlx::SqliteExecutor;

pub async fn record(
    db: impl SqliteExecutor<'_>,
    now: i64,
    rut: Option<&str>,
    event: &str,
    outcome: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO audit_events (at, rut, event, outcome) VALUES ($1, $2, $3, $4)")
        .bind(now)
        .bind(rut)
        .bind(event)
        .bind(outcome)
        .execute(db)
        .await?;
    Ok(())
}

//! The `audit_events` table: who did what, when, with what outcome (Decreto 9/2023 asks every access to be
//! logged and kept at least 12 months). Holds the canonical RUT, never a secret.

use super::{Db, StoreError};
use crate::params;
use domain::Rut;

pub async fn record(db: Db<'_>, now: i64, rut: Option<Rut>, event: &str, outcome: &str) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO audit_events (at, rut, event, outcome) VALUES ($1, $2, $3, $4)",
        params![now, rut.map(Rut::canonical), event, outcome],
    )
    .await?;
    Ok(())
}

/// The events recorded for `rut`, oldest first, as `(event, outcome)`.
pub async fn of(db: Db<'_>, rut: Rut) -> Result<Vec<(String, String)>, StoreError> {
    db.fetch_all("SELECT event, outcome FROM audit_events WHERE rut = $1 ORDER BY at, event", params![rut.canonical()])
        .await
}

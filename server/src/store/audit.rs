//! The `audit_events` table: who did what, when, with what outcome, and from where (Decreto 9/2023 asks every
//! access to be logged and kept at least 12 months; the citizen sees their own on "Mi Clave Sence"). Holds
//! the canonical RUT, the address masked and the device in coarse words, never a secret.

use std::cell::RefCell;

use super::{Db, StoreError};
use crate::params;
use domain::Rut;

/// What happened and how it ended: the names `audit_events` stores, shared with the UI's labels.
pub use domain::activity::{Action, Outcome};

/// Where the request being served came from. The HTTP layer sets it for each request
/// (`http::origin`), so every event the request records carries it without each step passing it along.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The address masked (`192.0.2.0/24`, `2001:db8:1::/48`).
    pub place: Option<String>,
    /// Browser and system in coarse words (`Chrome, Android`).
    pub device: Option<String>,
    /// The platform that asked (its client id), for logins.
    pub platform: Option<String>,
}

tokio::task_local! {
    static ORIGIN: RefCell<Origin>;
}

/// Runs `work` with `origin` as the origin of what it records.
pub async fn with_origin<F: std::future::Future>(origin: Origin, work: F) -> F::Output {
    ORIGIN.scope(RefCell::new(origin), work).await
}

/// Names the platform on whose behalf the rest of this request acts.
pub fn set_platform(id: &str) {
    let _ = ORIGIN.try_with(|origin| origin.borrow_mut().platform = Some(id.to_owned()));
}

fn origin() -> Origin {
    ORIGIN.try_with(|origin| origin.borrow().clone()).unwrap_or_default()
}

pub async fn record(
    db: Db<'_>,
    now: i64,
    rut: Option<Rut>,
    action: Action,
    outcome: Outcome,
) -> Result<(), StoreError> {
    let Origin { place, device, platform } = origin();
    db.execute(
        "INSERT INTO audit_events (at, rut, event, outcome, place, device, platform) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![now, rut.map(Rut::canonical), action.as_str(), outcome.as_str(), place, device, platform],
    )
    .await?;
    Ok(())
}

/// The events recorded for `rut`, oldest first, as `(event, outcome)`.
pub async fn of(db: Db<'_>, rut: Rut) -> Result<Vec<(String, String)>, StoreError> {
    db.fetch_all("SELECT event, outcome FROM audit_events WHERE rut = $1 ORDER BY at, event", params![rut.canonical()])
        .await
}

/// One recorded event, as the citizen's activity page shows it.
#[derive(Debug, Clone)]
pub struct Event {
    pub at: i64,
    pub event: String,
    pub outcome: String,
    pub origin: Origin,
}

/// The events of `rut` since `since`, newest first, at most `limit`.
pub async fn activity(db: Db<'_>, rut: Rut, since: i64, limit: i64) -> Result<Vec<Event>, StoreError> {
    type Row = (i64, String, String, Option<String>, Option<String>, Option<String>);
    let rows: Vec<Row> = db
        .fetch_all(
            "SELECT at, event, outcome, place, device, platform FROM audit_events WHERE rut = $1 AND at >= $2 \
             ORDER BY at DESC, event LIMIT $3",
            params![rut.canonical(), since, limit],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|(at, event, outcome, place, device, platform)| Event {
            at,
            event,
            outcome,
            origin: Origin { place, device, platform },
        })
        .collect())
}

/// Deletes events older than `before` (kept 12 months, then purged).
pub async fn purge(db: Db<'_>, before: i64) -> Result<u64, StoreError> {
    db.execute("DELETE FROM audit_events WHERE at < $1", params![before]).await
}

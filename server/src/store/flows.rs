//! The `flows` table: each flow's kind, the step it waits for, its typed state (JSON) and expiry. A flow
//! moves only through [`advance`], which succeeds for exactly one request holding the version it read, on
//! whichever replica that request landed.

use domain::Rut;
use domain::api::{FlowKind, FlowStep};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::any::AnyExecutor;

use super::StoreError;

/// A flow as stored, with its state decoded into the kind's own type.
#[derive(Debug, Clone)]
pub struct StoredFlow<S> {
    pub id: String,
    pub state: S,
    pub version: i64,
    pub expires_at: i64,
    /// SHA-256 (hex) of the flow's key; `None` only for flows made before keys existed.
    pub key_hash: Option<String>,
}

/// What the row says beside the state: the step (for operators' queries) and the RUT (to find a citizen's
/// flows).
pub struct Summary {
    pub step: FlowStep,
    pub rut: Option<Rut>,
}

fn encode<S: Serialize>(state: &S) -> Result<String, StoreError> {
    serde_json::to_string(state).map_err(|e| StoreError::Corrupt(format!("flow state: {e}")))
}

pub async fn insert<S: Serialize>(
    db: impl AnyExecutor<'_>,
    flow: &StoredFlow<S>,
    kind: FlowKind,
    summary: Summary,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO flows (id, kind, step, rut, state, version, created_at, expires_at, key_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(flow.id.clone())
    .bind(kind.as_str())
    .bind(summary.step.as_str())
    .bind(summary.rut.map(Rut::canonical))
    .bind(encode(&flow.state)?)
    .bind(flow.version)
    .bind(now)
    .bind(flow.expires_at)
    .bind(flow.key_hash.clone())
    .execute(db)
    .await?;
    Ok(())
}

/// The flow `id` if it exists and is of `kind`.
pub async fn find<S: DeserializeOwned>(
    db: impl AnyExecutor<'_>,
    kind: FlowKind,
    id: &str,
) -> Result<Option<StoredFlow<S>>, StoreError> {
    let row: Option<(String, i64, i64, Option<String>)> =
        sqlx::query_as("SELECT state, version, expires_at, key_hash FROM flows WHERE id = $1 AND kind = $2")
            .bind(id.to_owned())
            .bind(kind.as_str())
            .fetch_optional(db)
            .await?;
    row.map(|(state, version, expires_at, key_hash)| {
        let state = serde_json::from_str(&state).map_err(|e| StoreError::Corrupt(format!("flow {id}: {e}")))?;
        Ok(StoredFlow { id: id.to_owned(), state, version, expires_at, key_hash })
    })
    .transpose()
}

/// Stores the flow's new state if nobody moved it since `flow.version` was read; true when it did.
pub async fn advance<S: Serialize>(
    db: impl AnyExecutor<'_>,
    flow: &StoredFlow<S>,
    summary: Summary,
) -> Result<bool, StoreError> {
    let result = sqlx::query(
        "UPDATE flows SET step = $1, rut = COALESCE($2, rut), state = $3, version = version + 1 WHERE id = $4 AND version = $5",
    )
    .bind(summary.step.as_str())
    .bind(summary.rut.map(Rut::canonical))
    .bind(encode(&flow.state)?)
    .bind(flow.id.clone())
    .bind(flow.version)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Deletes flows that expired before `before` (their state may hold contact data).
pub async fn purge(db: impl AnyExecutor<'_>, before: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM flows WHERE expires_at < $1").bind(before).execute(db).await?.rows_affected())
}

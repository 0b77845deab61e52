//! The `flows` table: each flow's kind, the step it waits for, its typed state (JSON) and expiry. A flow
//! moves only through [`advance`], which succeeds for exactly one request holding the version it read, on
//! whichever replica that request landed.

use super::{Db, StoreError};
use crate::params;
use domain::Rut;
use domain::api::{FlowKind, FlowStep};
use serde::Serialize;
use serde::de::DeserializeOwned;

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
    db: Db<'_>,
    flow: &StoredFlow<S>,
    kind: FlowKind,
    summary: Summary,
    now: i64,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO flows (id, kind, step, rut, state, version, created_at, expires_at, key_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        params![
            &flow.id,
            kind.as_str(),
            summary.step.as_str(),
            summary.rut.map(Rut::canonical),
            encode(&flow.state)?,
            flow.version,
            now,
            flow.expires_at,
            flow.key_hash.clone()
        ],
    )
    .await?;
    Ok(())
}

/// The flow `id` if it exists and is of `kind`.
pub async fn find<S: DeserializeOwned>(
    db: Db<'_>,
    kind: FlowKind,
    id: &str,
) -> Result<Option<StoredFlow<S>>, StoreError> {
    let row: Option<(String, i64, i64, Option<String>)> = match db {
        Db::Postgres(pg) => pg.flow_reads.find(id).await?.and_then(|(found, state, version, expires_at, key_hash)| {
            (found == kind.as_str()).then_some((state, version, expires_at, key_hash))
        }),
        db => {
            db.fetch_optional(
                "SELECT state, version, expires_at, key_hash FROM flows WHERE id = $1 AND kind = $2",
                params![id, kind.as_str()],
            )
            .await?
        }
    };
    row.map(|(state, version, expires_at, key_hash)| {
        let state = serde_json::from_str(&state).map_err(|e| StoreError::Corrupt(format!("flow {id}: {e}")))?;
        Ok(StoredFlow { id: id.to_owned(), state, version, expires_at, key_hash })
    })
    .transpose()
}

/// Stores the flow's new state if nobody moved it since `flow.version` was read; true when it did.
pub async fn advance<S: Serialize>(db: Db<'_>, flow: &StoredFlow<S>, summary: Summary) -> Result<bool, StoreError> {
    let moved = db
        .execute(
            "UPDATE flows SET step = $1, rut = COALESCE($2, rut), state = $3, version = version + 1 \
             WHERE id = $4 AND version = $5",
            params![
                summary.step.as_str(),
                summary.rut.map(Rut::canonical),
                encode(&flow.state)?,
                &flow.id,
                flow.version
            ],
        )
        .await?;
    Ok(moved == 1)
}

/// Sets flow `id`'s expiry to `expires_at` if at `now` it is still open and unfinished and it began no
/// earlier than `started_after` (the cap on extensions); true when it did.
pub async fn extend(db: Db<'_>, id: &str, now: i64, expires_at: i64, started_after: i64) -> Result<bool, StoreError> {
    let changed = db
        .execute(
            "UPDATE flows SET expires_at = $1 WHERE id = $2 AND expires_at > $3 AND step <> 'done' AND created_at >= $4",
            params![expires_at, id, now, started_after],
        )
        .await?;
    Ok(changed == 1)
}

/// Deletes flows that expired before `before` (their state may hold contact data).
/// Ends every unfinished flow of `rut` ("No fui yo": whoever opened them is not the owner).
pub async fn end_of(db: Db<'_>, rut: Rut) -> Result<u64, StoreError> {
    db.execute("DELETE FROM flows WHERE rut = $1 AND step <> 'done'", params![rut.canonical()]).await
}

pub async fn purge(db: Db<'_>, before: i64) -> Result<u64, StoreError> {
    db.execute("DELETE FROM flows WHERE expires_at < $1", params![before]).await
}

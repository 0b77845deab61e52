//! The `flows` table: each flow's step, carried state and expiry. A step moves only through
//! [`advance`], which succeeds for exactly one request holding the version it read.

use sqlx::{FromRow, SqliteExecutor};

#[derive(Debug, Clone, FromRow)]
pub struct FlowRow {
    pub id: String,
    pub kind: String,
    pub step: String,
    pub rut: Option<String>,
    pub state: String,
    pub version: i64,
    pub expires_at: i64,
}

pub async fn insert(db: impl SqliteExecutor<'_>, row: &FlowRow, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO flows (id, kind, step, rut, state, version, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&row.id)
    .bind(&row.kind)
    .bind(&row.step)
    .bind(&row.rut)
    .bind(&row.state)
    .bind(row.version)
    .bind(now)
    .bind(row.expires_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn find(db: impl SqliteExecutor<'_>, id: &str) -> Result<Option<FlowRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, kind, step, rut, state, version, expires_at FROM flows WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Moves the flow to `step` with `state` if nobody moved it since `version` was read.
pub async fn advance(
    db: impl SqliteExecutor<'_>,
    id: &str,
    version: i64,
    step: &str,
    state: &str,
) -> Result<bool, sqlx::Error> {
    let result =
        sqlx::query("UPDATE flows SET step = $1, state = $2, version = version + 1 WHERE id = $3 AND version = $4")
            .bind(step)
            .bind(state)
            .bind(id)
            .bind(version)
            .execute(db)
            .await?;
    Ok(result.rows_affected() == 1)
}

/// Deletes flows that expired before `before` (their carried state may hold contact data).
pub async fn purge(db: impl SqliteExecutor<'_>, before: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM flows WHERE expires_at < $1").bind(before).execute(db).await?.rows_affected())
}

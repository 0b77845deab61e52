//! The `captchas` table: the answer of each image, its expiry, and whether it was used.

use sqlx::any::AnyExecutor;

use super::StoreError;

pub async fn insert(db: impl AnyExecutor<'_>, id: &str, answer: &str, expires_at: i64) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO captchas (id, answer, expires_at, used) VALUES ($1, $2, $3, 0)")
        .bind(id.to_owned())
        .bind(answer.to_owned())
        .bind(expires_at)
        .execute(db)
        .await?;
    Ok(())
}

/// Marks the captcha used and returns its answer and expiry, if it existed unused: whoever calls this first
/// gets it, every later call gets `None` (single use, on every replica).
pub async fn consume(db: impl AnyExecutor<'_>, id: &str) -> Result<Option<(String, i64)>, StoreError> {
    Ok(sqlx::query_as("UPDATE captchas SET used = 1 WHERE id = $1 AND used = 0 RETURNING answer, expires_at")
        .bind(id.to_owned())
        .fetch_optional(db)
        .await?)
}

/// Deletes captchas that expired before `now`.
pub async fn purge(db: impl AnyExecutor<'_>, now: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM captchas WHERE expires_at < $1").bind(now).execute(db).await?.rows_affected())
}

//! The `captchas` table: the answer of each image, its expiry, and whether it was used.

use super::{Db, Store, StoreError, sql};
use crate::params;

pub async fn insert(db: Db<'_>, id: &str, answer: &str, expires_at: i64) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO captchas (id, answer, expires_at, used) VALUES ($1, $2, $3, 0)",
        params![id, answer, expires_at],
    )
    .await?;
    Ok(())
}

/// Marks the captcha used and returns its answer and expiry, if it existed unused: whoever calls this first
/// gets it, every later call gets `None` (single use, on every replica).
pub async fn consume(db: Db<'_>, id: &str) -> Result<Option<(String, i64)>, StoreError> {
    db.fetch_optional(
        "UPDATE captchas SET used = 1 WHERE id = $1 AND used = 0 RETURNING answer, expires_at",
        params![id],
    )
    .await
}

/// Deletes captchas that expired before `now`.
pub async fn purge(db: Db<'_>, now: i64) -> Result<u64, StoreError> {
    db.execute("DELETE FROM captchas WHERE expires_at < $1", params![now]).await
}

/// Inserts `count` unused captchas answered by `answer`, in batches; returns their ids (the benchmark measures
/// a recovery start apart from drawing its image).
pub async fn insert_synthetic(
    store: &Store,
    count: usize,
    answer: &str,
    expires_at: i64,
) -> Result<Vec<String>, StoreError> {
    let ids: Vec<String> = (0..count).map(|i| format!("bench{i:08}")).collect();
    for batch in ids.chunks(500) {
        let statement =
            format!("INSERT INTO captchas (id, answer, expires_at, used) VALUES {}", sql::placeholders(batch.len(), 4));
        let mut params = Vec::with_capacity(batch.len() * 4);
        for id in batch {
            params.extend_from_slice(params![id, answer, expires_at, 0_i64]);
        }
        let mut tx = store.begin().await?;
        tx.db().execute(&statement, &params).await?;
        tx.commit().await?;
    }
    Ok(ids)
}

//! The `captchas` table: each bot check's proof-of-work challenge, the letters of its image (empty when no image
//! was shown), its expiry, and whether it was used.

use super::{Db, Store, StoreError, sql};
use crate::params;

/// A bot check as it is stored.
#[derive(Debug)]
pub struct Row {
    /// The image's letters; empty when no image was shown.
    pub answer: String,
    pub expires_at: i64,
    pub pow_challenge: String,
}

pub async fn insert(db: Db<'_>, id: &str, row: &Row) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO captchas (id, answer, expires_at, used, pow_challenge) VALUES ($1, $2, $3, 0, $4)",
        params![id, &row.answer, row.expires_at, &row.pow_challenge],
    )
    .await?;
    Ok(())
}

/// Marks the captcha used and returns it, if it existed unused: whoever calls this first gets it, every later
/// call gets `None` (single use, on every replica).
pub async fn consume(db: Db<'_>, id: &str) -> Result<Option<Row>, StoreError> {
    let row: Option<(String, i64, String)> = db
        .fetch_optional(
            "UPDATE captchas SET used = 1 WHERE id = $1 AND used = 0 RETURNING answer, expires_at, pow_challenge",
            params![id],
        )
        .await?;
    Ok(row.map(|(answer, expires_at, pow_challenge)| Row { answer, expires_at, pow_challenge }))
}

/// Deletes captchas that expired before `now`.
pub async fn purge(db: Db<'_>, now: i64) -> Result<u64, StoreError> {
    db.execute("DELETE FROM captchas WHERE expires_at < $1", params![now]).await
}

/// Inserts `count` unused captchas with an image answered by `answer`, in batches; returns their ids (the
/// benchmark measures a recovery start apart from solving its bot check).
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

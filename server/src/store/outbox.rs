//! The `outbox` and `outbox_attempts` tables: messages written in the same transaction as the change that
//! causes them, claimed by workers with a lease, and the record of every delivery attempt. Times here are
//! unix MILLISECONDS (retry backoff and latency need them).

use super::{Db, Engine, Store, StoreError};
use crate::outbox::{Channel, Event};
use crate::params;

/// A message to deliver, as a worker claimed it.
#[derive(Clone)]
pub struct Queued {
    pub id: String,
    pub channel: Channel,
    pub event: Event,
    pub recipient: String,
    pub subject: Option<String>,
    pub body: String,
    /// Attempts made before this one.
    pub attempts: i64,
}

/// A message as stored, for operators' checks and tests.
#[derive(Clone)]
pub struct Stored {
    pub message: Queued,
    pub status: Status,
    pub last_error: Option<String>,
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Pending,
    Sent,
    Failed,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Pending, Status::Sent, Status::Failed];

    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sent => "sent",
            Status::Failed => "failed",
        }
    }

    fn parse(raw: &str) -> Result<Status, StoreError> {
        Status::ALL.into_iter().find(|s| s.as_str() == raw).ok_or_else(|| StoreError::Corrupt(format!("status {raw}")))
    }
}

/// What one delivery attempt ended in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Failed; try again at this time (unix ms).
    Retry {
        next_attempt_at: i64,
    },
    /// Given up.
    Failed,
}

impl Outcome {
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Sent => "sent",
            Outcome::Retry { .. } => "retry",
            Outcome::Failed => "failed",
        }
    }
}

/// `id, channel, event, recipient, subject, body, attempts`.
type Row = (String, String, String, String, Option<String>, String, i64);

fn channel(raw: &str) -> Result<Channel, StoreError> {
    Channel::parse(raw).ok_or_else(|| StoreError::Corrupt(format!("channel {raw}")))
}

fn event(raw: &str) -> Result<Event, StoreError> {
    Event::parse(raw).ok_or_else(|| StoreError::Corrupt(format!("event {raw}")))
}

impl Queued {
    fn from_row((id, channel_, event_, recipient, subject, body, attempts): Row) -> Result<Self, StoreError> {
        Ok(Queued { channel: channel(&channel_)?, event: event(&event_)?, id, recipient, subject, body, attempts })
    }
}

/// A rendered message to queue.
pub struct NewMessage<'a> {
    pub id: &'a str,
    pub channel: Channel,
    pub event: Event,
    pub recipient: &'a str,
    pub subject: Option<String>,
    pub body: String,
}

pub async fn insert(db: Db<'_>, message: NewMessage<'_>, now_ms: i64) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO outbox (id, channel, event, recipient, subject, body, status, attempts, next_attempt_at, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8)",
        params![
            message.id,
            message.channel.as_str(),
            message.event.as_str(),
            message.recipient,
            message.subject,
            message.body,
            now_ms,
            now_ms
        ],
    )
    .await?;
    Ok(())
}

/// Claims up to `batch` due messages for `worker` until `lease_until`. On PostgreSQL the candidate rows are
/// locked with `FOR UPDATE SKIP LOCKED`, so workers on every replica take disjoint batches without waiting on
/// each other; SQLite has one writer, and the lease re-checked in the outer `WHERE` keeps a row to one worker.
pub async fn claim(
    store: &Store,
    worker: &str,
    now_ms: i64,
    lease_until: i64,
    batch: i64,
) -> Result<Vec<Queued>, StoreError> {
    let lock = match store.engine() {
        Engine::Postgres => " FOR UPDATE SKIP LOCKED",
        Engine::Sqlite => "",
    };
    let sql = format!(
        "UPDATE outbox SET lease_owner = $1, lease_until = $2 \
         WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $3 \
                      AND (lease_until IS NULL OR lease_until < $4) ORDER BY next_attempt_at LIMIT $5{lock}) \
           AND status = 'pending' AND (lease_until IS NULL OR lease_until < $6) \
         RETURNING id, channel, event, recipient, subject, body, attempts"
    );
    let rows: Vec<Row> =
        store.writer().fetch_all(&sql, params![worker, lease_until, now_ms, now_ms, batch, now_ms]).await?;
    rows.into_iter().map(Queued::from_row).collect()
}

/// Records the attempt and its outcome, if `worker` still holds the lease; replaces the body with `redact`
/// when given (a provisional CS must not stay in the database). Returns false when the lease was lost.
pub async fn record(
    store: &Store,
    message: &Queued,
    worker: &str,
    outcome: Outcome,
    error: Option<&str>,
    redact: Option<&str>,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let attempt = message.attempts + 1;
    let (status, next, sent_at) = match outcome {
        Outcome::Sent => (Status::Sent, now_ms, Some(now_ms)),
        Outcome::Retry { next_attempt_at } => (Status::Pending, next_attempt_at, None),
        Outcome::Failed => (Status::Failed, now_ms, None),
    };
    let mut tx = store.begin().await?;
    let updated = tx
        .db()
        .execute(
            "UPDATE outbox SET status = $1, attempts = $2, next_attempt_at = $3, sent_at = $4, last_error = $5, \
             body = COALESCE($6, body), lease_owner = NULL, lease_until = NULL WHERE id = $7 AND lease_owner = $8",
            params![status.as_str(), attempt, next, sent_at, error, redact, &message.id, worker],
        )
        .await?;
    tx.db()
        .execute(
            "INSERT INTO outbox_attempts (outbox_id, attempt, at, worker, outcome, error) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (outbox_id, attempt) DO NOTHING",
            params![&message.id, attempt, now_ms, worker, outcome.as_str(), error],
        )
        .await?;
    tx.commit().await?;
    Ok(updated == 1)
}

/// Hands back the leases of workers whose id starts with `owner_prefix` (a process shutting down), so other
/// replicas deliver those messages at once instead of after the lease.
pub async fn release(db: Db<'_>, owner_prefix: &str) -> Result<u64, StoreError> {
    db.execute(
        "UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE status = 'pending' AND lease_owner LIKE $1",
        params![format!("{}%", owner_prefix.replace(['%', '_'], ""))],
    )
    .await
}

/// Messages per status (`/metrics`).
pub async fn counts(db: Db<'_>) -> Result<Vec<(Status, i64)>, StoreError> {
    let rows: Vec<(String, i64)> = db.fetch_all("SELECT status, COUNT(*) FROM outbox GROUP BY status", &[]).await?;
    rows.into_iter().map(|(status, n)| Ok((Status::parse(&status)?, n))).collect()
}

/// Every message in the order it was queued (tests and operators' checks).
pub async fn all(store: &Store) -> Result<Vec<Stored>, StoreError> {
    let order = match store.engine() {
        Engine::Sqlite => "rowid",
        Engine::Postgres => "seq",
    };
    let sql = format!(
        "SELECT id, channel, event, recipient, subject, body, status, attempts, last_error FROM outbox ORDER BY {order}"
    );
    type Full = (String, String, String, String, Option<String>, String, String, i64, Option<String>);
    let rows: Vec<Full> = store.db().fetch_all(&sql, &[]).await?;
    rows.into_iter()
        .map(|(id, channel, event, recipient, subject, body, status, attempts, last_error)| {
            Ok(Stored {
                message: Queued::from_row((id, channel, event, recipient, subject, body, attempts))?,
                status: Status::parse(&status)?,
                last_error,
            })
        })
        .collect()
}

/// The attempts recorded for message `id`, in order, as `(worker, outcome)`.
pub async fn attempts(db: Db<'_>, id: &str) -> Result<Vec<(String, String)>, StoreError> {
    db.fetch_all("SELECT worker, outcome FROM outbox_attempts WHERE outbox_id = $1 ORDER BY attempt", params![id]).await
}

/// Attempts per worker (tests of several workers).
pub async fn attempts_per_worker(db: Db<'_>) -> Result<Vec<(String, i64)>, StoreError> {
    db.fetch_all("SELECT worker, COUNT(*) FROM outbox_attempts GROUP BY worker ORDER BY worker", &[]).await
}

/// Empties the recipient, subject and body of messages sent or given up before `before_ms`: what was sent to
/// whom is no longer needed once delivery is over (the attempts and the audit record stay).
pub async fn purge_delivered(db: Db<'_>, before_ms: i64) -> Result<u64, StoreError> {
    db.execute(
        "UPDATE outbox SET recipient = '', subject = NULL, body = '' \
         WHERE status <> 'pending' AND next_attempt_at < $1 AND recipient <> ''",
        params![before_ms],
    )
    .await
}

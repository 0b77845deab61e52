//! The `outbox` and `outbox_attempts` tables: messages written in the same transaction as the change that
//! causes them, claimed by workers with a lease, and the record of every delivery attempt. Times here are
//! unix MILLISECONDS (retry backoff and latency need them).

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

use super::{Engine, Store, StoreError};
use crate::outbox::{Channel, Event};

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

#[derive(FromRow)]
struct Row {
    id: String,
    channel: String,
    event: String,
    recipient: String,
    subject: Option<String>,
    body: String,
    attempts: i64,
}

fn channel(raw: &str) -> Result<Channel, StoreError> {
    Channel::parse(raw).ok_or_else(|| StoreError::Corrupt(format!("channel {raw}")))
}

fn event(raw: &str) -> Result<Event, StoreError> {
    Event::parse(raw).ok_or_else(|| StoreError::Corrupt(format!("event {raw}")))
}

impl TryFrom<Row> for Queued {
    type Error = StoreError;
    fn try_from(row: Row) -> Result<Self, StoreError> {
        Ok(Queued {
            channel: channel(&row.channel)?,
            event: event(&row.event)?,
            id: row.id,
            recipient: row.recipient,
            subject: row.subject,
            body: row.body,
            attempts: row.attempts,
        })
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

pub async fn insert(db: impl AnyExecutor<'_>, message: NewMessage<'_>, now_ms: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox (id, channel, event, recipient, subject, body, status, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8)",
    )
    .bind(message.id.to_owned())
    .bind(message.channel.as_str())
    .bind(message.event.as_str())
    .bind(message.recipient.to_owned())
    .bind(message.subject)
    .bind(message.body)
    .bind(now_ms)
    .bind(now_ms)
    .execute(db)
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
    let rows: Vec<Row> = sqlx::query_as(&sql)
        .bind(worker.to_owned())
        .bind(lease_until)
        .bind(now_ms)
        .bind(now_ms)
        .bind(batch)
        .bind(now_ms)
        .fetch_all(store.writer())
        .await?;
    rows.into_iter().map(Queued::try_from).collect()
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
    let updated = sqlx::query(
        "UPDATE outbox SET status = $1, attempts = $2, next_attempt_at = $3, sent_at = $4, last_error = $5, \
         body = COALESCE($6, body), lease_owner = NULL, lease_until = NULL WHERE id = $7 AND lease_owner = $8",
    )
    .bind(status.as_str())
    .bind(attempt)
    .bind(next)
    .bind(sent_at)
    .bind(error.map(str::to_owned))
    .bind(redact.map(str::to_owned))
    .bind(message.id.clone())
    .bind(worker.to_owned())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO outbox_attempts (outbox_id, attempt, at, worker, outcome, error) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (outbox_id, attempt) DO NOTHING",
    )
    .bind(message.id.clone())
    .bind(attempt)
    .bind(now_ms)
    .bind(worker.to_owned())
    .bind(outcome.as_str())
    .bind(error.map(str::to_owned))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(updated.rows_affected() == 1)
}

/// Hands back the leases of workers whose id starts with `owner_prefix` (a process shutting down), so other
/// replicas deliver those messages at once instead of after the lease.
pub async fn release(db: impl AnyExecutor<'_>, owner_prefix: &str) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE status = 'pending' AND lease_owner LIKE $1",
    )
    .bind(format!("{}%", owner_prefix.replace(['%', '_'], "")))
    .execute(db)
    .await?
    .rows_affected())
}

/// Messages per status (`/metrics`).
pub async fn counts(db: impl AnyExecutor<'_>) -> Result<Vec<(Status, i64)>, StoreError> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetch_all(db).await?;
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
    #[derive(FromRow)]
    struct Full {
        #[sqlx(flatten)]
        row: Row,
        status: String,
        last_error: Option<String>,
    }
    let rows: Vec<Full> = sqlx::query_as(&sql).fetch_all(store.db()).await?;
    rows.into_iter()
        .map(|full| {
            Ok(Stored {
                message: Queued::try_from(full.row)?,
                status: Status::parse(&full.status)?,
                last_error: full.last_error,
            })
        })
        .collect()
}

/// The attempts recorded for message `id`, in order, as `(worker, outcome)`.
pub async fn attempts(db: impl AnyExecutor<'_>, id: &str) -> Result<Vec<(String, String)>, StoreError> {
    Ok(sqlx::query_as("SELECT worker, outcome FROM outbox_attempts WHERE outbox_id = $1 ORDER BY attempt")
        .bind(id.to_owned())
        .fetch_all(db)
        .await?)
}

/// Attempts per worker (tests of several workers).
pub async fn attempts_per_worker(db: impl AnyExecutor<'_>) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(sqlx::query_as("SELECT worker, COUNT(*) FROM outbox_attempts GROUP BY worker ORDER BY worker")
        .fetch_all(db)
        .await?)
}

/// Empties the recipient, subject and body of messages sent or given up before `before_ms`: what was sent to
/// whom is no longer needed once delivery is over (the attempts and the audit record stay).
pub async fn purge_delivered(db: impl AnyExecutor<'_>, before_ms: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "UPDATE outbox SET recipient = '', subject = NULL, body = '' \
         WHERE status <> 'pending' AND next_attempt_at < $1 AND recipient <> ''",
    )
    .bind(before_ms)
    .execute(db)
    .await?
    .rows_affected())
}

//! The delivery worker. Each round it claims due rows with a lease (a single `UPDATE … RETURNING`, atomic on
//! SQLite and, with the lease re-checked in the outer `WHERE`, safe on PostgreSQL), sends them through their
//! channel, records the attempt, and then marks the row sent, or schedules a retry with exponential backoff
//! and jitter, or after the last attempt marks it failed.
//!
//! Guarantee: at-least-once. A row is never sent by two workers while its lease is live; if a process dies
//! between sending and recording, the row is sent again after the lease expires, with the same idempotency key
//! (the outbox id), which the SMS gateway and mail readers use to keep one copy.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::StreamExt;
use rand::Rng;
use sqlx::SqlitePool;
use tokio::sync::Notify;

use super::channel::{Channel, OutgoingMessage, SendError};
use crate::clock::Clock;
use crate::config::WorkerSettings;

/// What replaces a provisional CS message body once it is sent: the key must not stay in the database.
const REDACTED: &str = "[mensaje enviado; la clave provisoria se eliminó del registro]";

/// Counters exposed at `/metrics`.
#[derive(Debug, Default)]
pub struct OutboxMetrics {
    pub sent: AtomicU64,
    pub retried: AtomicU64,
    pub failed: AtomicU64,
}

/// The channels a worker sends through.
#[derive(Clone)]
pub struct Channels {
    pub email: Arc<dyn Channel>,
    pub sms: Arc<dyn Channel>,
}

#[derive(Clone)]
pub struct Worker {
    pub id: String,
    pool: SqlitePool,
    channels: Channels,
    clock: Arc<dyn Clock>,
    settings: WorkerSettings,
    metrics: Arc<OutboxMetrics>,
    wake: Arc<Notify>,
}

#[derive(sqlx::FromRow)]
struct Claimed {
    id: String,
    channel: String,
    event: String,
    recipient: String,
    subject: Option<String>,
    body: String,
    attempts: i64,
}

impl Worker {
    pub fn new(
        id: String,
        pool: SqlitePool,
        channels: Channels,
        clock: Arc<dyn Clock>,
        settings: WorkerSettings,
        metrics: Arc<OutboxMetrics>,
        wake: Arc<Notify>,
    ) -> Self {
        Worker { id, pool, channels, clock, settings, metrics, wake }
    }

    /// Delivers forever: a round whenever woken (a flow queued a message) or every `poll_ms`.
    pub async fn run(self) {
        loop {
            match self.try_execute_round().await {
                Ok(0) => {
                    let poll = Duration::from_millis(self.settings.poll_ms);
                    let _ = tokio::time::timeout(poll, self.wake.notified()).await;
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(worker = %self.id, error = format!("{error:#}"), "outbox round failed");
                    tokio::time::sleep(Duration::from_millis(self.settings.poll_ms)).await;
                }
            }
        }
    }

    /// One round: claims up to `batch` due rows and sends them; returns how many were claimed.
    pub async fn try_execute_round(&self) -> anyhow::Result<usize> {
        let now = self.clock.now_ms();
        let claimed: Vec<Claimed> = sqlx::query_as(
            "UPDATE outbox SET lease_owner = $1, lease_until = $2 \
             WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $3 \
                          AND (lease_until IS NULL OR lease_until < $4) ORDER BY next_attempt_at LIMIT $5) \
               AND status = 'pending' AND (lease_until IS NULL OR lease_until < $6) \
             RETURNING id, channel, event, recipient, subject, body, attempts",
        )
        .bind(&self.id)
        .bind(now + self.settings.lease_ms)
        .bind(now)
        .bind(now)
        .bind(self.settings.batch)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        let count = claimed.len();
        futures::stream::iter(claimed)
            .for_each_concurrent(self.settings.concurrency.max(1), |row| async move {
                if let Err(error) = self.deliver(row).await {
                    tracing::error!(worker = %self.id, error = format!("{error:#}"), "recording a delivery failed");
                }
            })
            .await;
        Ok(count)
    }

    async fn deliver(&self, row: Claimed) -> anyhow::Result<()> {
        let channel = match row.channel.as_str() {
            "email" => &self.channels.email,
            "sms" => &self.channels.sms,
            other => anyhow::bail!("unknown channel {other}"),
        };
        let message = OutgoingMessage {
            id: row.id.clone(),
            channel: row.channel.clone(),
            event: row.event.clone(),
            recipient: row.recipient,
            subject: row.subject,
            body: row.body,
        };
        let result = channel.send(&message).await;
        let now = self.clock.now_ms();
        let attempt = row.attempts + 1;
        let outcome = match &result {
            Ok(()) => "sent",
            Err(SendError { retryable: true, .. }) if attempt < self.settings.max_attempts => "retry",
            Err(_) => "failed",
        };
        let error = result.as_ref().err().map(|e| e.message.clone());
        let mut tx = self.pool.begin().await?;
        let updated = match outcome {
            "sent" => {
                let body = (row.event == "provisional_issued").then_some(REDACTED);
                sqlx::query(
                    "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = $2, body = COALESCE($3, body), \
                     lease_owner = NULL, lease_until = NULL WHERE id = $4 AND lease_owner = $5",
                )
                .bind(now)
                .bind(attempt)
                .bind(body)
                .bind(&row.id)
                .bind(&self.id)
                .execute(&mut *tx)
                .await?
            }
            _ => {
                let (status, next) =
                    if outcome == "retry" { ("pending", now + self.backoff(attempt)) } else { ("failed", now) };
                // A message given up must not keep a working provisional CS in the database either.
                let body = (status == "failed" && row.event == "provisional_issued").then_some(REDACTED);
                sqlx::query(
                    "UPDATE outbox SET status = $1, attempts = $2, next_attempt_at = $3, last_error = $4, \
                     body = COALESCE($5, body), lease_owner = NULL, lease_until = NULL WHERE id = $6 AND lease_owner = $7",
                )
                .bind(status)
                .bind(attempt)
                .bind(next)
                .bind(&error)
                .bind(body)
                .bind(&row.id)
                .bind(&self.id)
                .execute(&mut *tx)
                .await?
            }
        };
        sqlx::query(
            "INSERT INTO outbox_attempts (outbox_id, attempt, at, worker, outcome, error) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (outbox_id, attempt) DO NOTHING",
        )
        .bind(&row.id)
        .bind(attempt)
        .bind(now)
        .bind(&self.id)
        .bind(outcome)
        .bind(&error)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        if updated.rows_affected() == 0 {
            // The lease ran out during the send and another worker took the row: it will send it again, with
            // the same idempotency key.
            tracing::warn!(worker = %self.id, message = %row.id, "lease lost while sending");
        }
        match outcome {
            "sent" => self.metrics.sent.fetch_add(1, Ordering::Relaxed),
            "retry" => self.metrics.retried.fetch_add(1, Ordering::Relaxed),
            _ => {
                tracing::error!(message = %row.id, channel = %row.channel, event = %row.event, attempts = attempt, error = ?error, "message given up");
                self.metrics.failed.fetch_add(1, Ordering::Relaxed)
            }
        };
        Ok(())
    }

    /// `base × 2^(attempt-1)`, capped, then a random point in its upper half (jitter spreads the retries of
    /// many rows that failed together).
    fn backoff(&self, attempt: i64) -> i64 {
        let exponent = (attempt - 1).clamp(0, 30) as u32;
        let full =
            self.settings.backoff_base_ms.saturating_mul(1i64 << exponent).min(self.settings.backoff_max_ms).max(1);
        rand::thread_rng().gen_range(full / 2..=full)
    }
}

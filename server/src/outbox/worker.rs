//! The delivery worker. Each round it claims due rows with a lease (`store::outbox::claim`: one statement,
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL), sends them through their channel, records the attempt, and then
//! marks the row sent, or schedules a retry with exponential backoff and jitter, or after the last attempt
//! marks it failed.
//!
//! Guarantee: at-least-once. A row is never sent by two workers while its lease is live, whichever replica
//! they run on; if a process dies between sending and recording, the row is sent again after the lease
//! expires, with the same idempotency key (the outbox id), which the SMS gateway and mail readers use to keep
//! one copy. A process that is stopped (SIGTERM) finishes its round and hands its leases back.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use rand::Rng;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::Channel as Medium;
use super::channel::{Channel, OutgoingMessage};
use super::seal::Sealer;
use crate::clock::Clock;
use crate::config::WorkerSettings;
use crate::store::Store;
use crate::store::outbox::{self as table, Outcome, Queued};
use crate::telemetry::metric;

/// What replaces a provisional CS message body once it is sent: the key must not stay in the database.
const REDACTED: &str = "[mensaje enviado; su clave provisoria, código o enlace se eliminó del registro]";

/// The channels a worker sends through.
#[derive(Clone)]
pub struct Channels {
    pub email: Arc<dyn Channel>,
    pub sms: Arc<dyn Channel>,
}

#[derive(Clone)]
pub struct Worker {
    pub id: String,
    store: Store,
    channels: Channels,
    clock: Arc<dyn Clock>,
    settings: WorkerSettings,
    wake: Arc<Notify>,
    sealer: Sealer,
}

impl Worker {
    pub fn new(
        id: String,
        store: Store,
        channels: Channels,
        clock: Arc<dyn Clock>,
        settings: WorkerSettings,
        wake: Arc<Notify>,
        sealer: Sealer,
    ) -> Self {
        Worker { id, store, channels, clock, settings, wake, sealer }
    }

    /// Delivers until `stop` is cancelled: a round whenever woken (a flow queued a message) or every `poll_ms`.
    /// A round under way when `stop` comes is finished, so nothing is left half recorded.
    pub async fn run(self, stop: CancellationToken) {
        while !stop.is_cancelled() {
            let poll = Duration::from_millis(self.settings.poll_ms);
            match self.try_execute_round().await {
                Ok(0) => {
                    tokio::select! {
                        _ = stop.cancelled() => {}
                        _ = tokio::time::timeout(poll, self.wake.notified()) => {}
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(worker = %self.id, error = format!("{error:#}"), "outbox round failed");
                    tokio::select! {
                        _ = stop.cancelled() => {}
                        _ = tokio::time::sleep(poll) => {}
                    }
                }
            }
        }
    }

    /// One round: claims up to `batch` due rows and sends them; returns how many were claimed.
    pub async fn try_execute_round(&self) -> anyhow::Result<usize> {
        let now = self.clock.now_ms();
        let claimed =
            table::claim(&self.store, &self.id, now, now + self.settings.lease_ms, self.settings.batch).await?;
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

    async fn deliver(&self, row: Queued) -> anyhow::Result<()> {
        let channel = match row.channel {
            Medium::Email => &self.channels.email,
            Medium::Sms => &self.channels.sms,
        };
        let body = self.sealer.open(&row.body).map_err(|e| anyhow::anyhow!("message {}: {e}", row.id));
        let result = match body {
            Ok(body) => {
                let message = OutgoingMessage {
                    id: row.id.clone(),
                    channel: row.channel,
                    event: row.event,
                    recipient: row.recipient.clone(),
                    subject: row.subject.clone(),
                    body,
                };
                channel.send(&message).await
            }
            // Sealed with another key (a replica configured differently): no retry can open it.
            Err(error) => Err(super::channel::SendError::permanent(error.to_string())),
        };
        let now = self.clock.now_ms();
        let attempt = row.attempts + 1;
        let outcome = match &result {
            Ok(()) => Outcome::Sent,
            Err(e) if e.retryable && attempt < self.settings.max_attempts => {
                Outcome::Retry { next_attempt_at: now + self.backoff(attempt) }
            }
            Err(_) => Outcome::Failed,
        };
        let error = result.as_ref().err().map(|e| e.message.clone());
        // Sent or given up, no secret (a provisional CS, a code, a link) stays in the database.
        let redact = (!matches!(outcome, Outcome::Retry { .. })).then_some(REDACTED);
        let kept = table::record(&self.store, &row, &self.id, outcome, error.as_deref(), redact, now).await?;
        if !kept {
            // The lease ran out during the send and another worker took the row: it will send it again, with
            // the same idempotency key.
            tracing::warn!(worker = %self.id, message = %row.id, "lease lost while sending");
        }
        metrics::counter!(metric::OUTBOX_ATTEMPTS, "channel" => row.channel.as_str(), "outcome" => outcome.as_str())
            .increment(1);
        if outcome == Outcome::Failed {
            tracing::error!(message = %row.id, channel = row.channel.as_str(), event = row.event.as_str(), attempts = attempt, error = ?error, "message given up");
        }
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

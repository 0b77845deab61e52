//! What every request handler shares.

use std::sync::Arc;

use std::collections::HashMap;

use sqlx::SqlitePool;
use tokio::sync::{Mutex as AsyncMutex, Notify, OwnedMutexGuard};

use crate::captcha::Captchas;
use crate::clock::Clock;
use crate::config::Settings;
use crate::registro_civil::DocumentVerifier;
use crate::secrets::Hasher;
use crate::store::throttle::Policy;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub pool: SqlitePool,
    pub clock: Arc<dyn Clock>,
    pub hasher: Hasher,
    pub captchas: Captchas,
    pub verifier: Arc<dyn DocumentVerifier>,
    pub settings: Settings,
    pub policy: Policy,
    /// Wakes an outbox worker when a flow queued messages (low latency without tight polling).
    pub outbox_wake: Arc<Notify>,
    pub outbox_metrics: Arc<crate::outbox::worker::OutboxMetrics>,
    /// One attempt at a time per RUT and kind of secret (see [`Attempts`]).
    pub attempts: Attempts,
}

/// Serialises the guesses on one RUT within this process: without it, a burst of simultaneous guesses would
/// all be checked before the first failure is counted, and get past the lockout.
#[derive(Default)]
pub struct Attempts(std::sync::Mutex<HashMap<String, Arc<AsyncMutex<()>>>>);

impl Attempts {
    /// Waits for the turn of `subject` (e.g. `login:12345678-5`); the turn ends when the guard drops.
    pub async fn turn(&self, subject: String) -> OwnedMutexGuard<()> {
        let mutex = {
            let mut map = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if map.len() > 10_000 {
                map.retain(|_, m| Arc::strong_count(m) > 1);
            }
            map.entry(subject).or_default().clone()
        };
        mutex.lock_owned().await
    }
}

impl AppState {
    pub fn new(inner: Inner) -> Self {
        AppState(Arc::new(inner))
    }

    pub fn now(&self) -> i64 {
        self.0.clock.now()
    }

    pub fn now_ms(&self) -> i64 {
        self.0.clock.now_ms()
    }

    /// Tells a worker that new outbox rows are committed.
    pub fn wake_outbox(&self) {
        self.0.outbox_wake.notify_one();
    }

    /// The address citizens use, for links in messages.
    pub fn public_url(&self) -> &str {
        &self.0.settings.public_url
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

//! What every request handler shares. Nothing here holds a citizen's state between requests: flows,
//! guesses, captchas and messages live in the store, so any replica can serve any request.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::captcha::Captchas;
use crate::clock::Clock;
use crate::config::Settings;
use crate::registro_civil::DocumentVerifier;
use crate::secrets::Hasher;
use crate::store::Store;
use crate::store::throttle::Policies;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub hasher: Hasher,
    pub captchas: Captchas,
    pub verifier: Arc<dyn DocumentVerifier>,
    pub settings: Settings,
    pub policies: Policies,
    /// Seals message texts that carry a provisional CS while they wait in the outbox.
    pub sealer: crate::outbox::seal::Sealer,
    /// Wakes an outbox worker of this process when a flow queued messages (low latency without tight
    /// polling); workers of other replicas find them on their next poll.
    pub outbox_wake: Arc<Notify>,
    /// The platforms that forward logins, as last read.
    pub platforms: crate::platforms::Platforms,
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

//! What every request handler shares.

use std::sync::Arc;

use sqlx::SqlitePool;

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
}

impl AppState {
    pub fn new(inner: Inner) -> Self {
        AppState(Arc::new(inner))
    }

    pub fn now(&self) -> i64 {
        self.0.clock.now()
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

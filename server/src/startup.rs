//! Building and running the application: `Application::build(settings, deps)` binds the listener (port 0
//! picks a free one, for tests), opens the database and returns before serving, so callers learn the port.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::captcha::Captchas;
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::http::{api_router, rate_limit::IpLimiter};
use crate::registro_civil::{DocumentVerifier, HttpDocumentVerifier};
use crate::secrets::Hasher;
use crate::state::{AppState, Inner};
use crate::store;

/// Parts a caller may replace: the clock (tests move time) and the Registro Civil.
#[derive(Default)]
pub struct Dependencies {
    pub clock: Option<Arc<dyn Clock>>,
    pub verifier: Option<Arc<dyn DocumentVerifier>>,
}

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    state: AppState,
}

/// Refuses the known-answer captcha in release builds without the `test-captcha` feature.
fn check_test_captcha(settings: &Settings) -> anyhow::Result<()> {
    if settings.captcha.test_answer.is_some() {
        if !cfg!(debug_assertions) && !cfg!(feature = "test-captcha") {
            anyhow::bail!(
                "captcha.test_answer is set, but this release build was compiled without the `test-captcha` feature"
            );
        }
        tracing::warn!("TEST CAPTCHA MODE: every captcha has a known answer. Never use this in production.");
    }
    Ok(())
}

impl Application {
    pub async fn build(settings: Settings, deps: Dependencies) -> anyhow::Result<Application> {
        check_test_captcha(&settings)?;
        std::fs::create_dir_all(&settings.data_dir)?;
        let pool = store::connect(&settings.database_url()).await?;
        let clock = deps.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let verifier = match deps.verifier {
            Some(verifier) => verifier,
            None => Arc::new(HttpDocumentVerifier::new(
                &settings.registro_civil.url,
                Duration::from_millis(settings.registro_civil.timeout_ms),
            )?),
        };
        let security = &settings.security;
        let state = AppState::new(Inner {
            captchas: Captchas::new(pool.clone(), settings.captcha.ttl_seconds, settings.captcha.test_answer.clone()),
            hasher: Hasher::new(security.hash_concurrency, Duration::from_millis(security.hash_wait_ms)),
            policy: security.into(),
            verifier,
            clock: clock.clone(),
            pool,
            settings: settings.clone(),
        });
        let limiter = IpLimiter::new(settings.http.requests_per_minute_per_ip, clock);
        let router = api_router(state.clone(), limiter).layer(tower_http::trace::TraceLayer::new_for_http());
        let listener = TcpListener::bind(settings.http.listen).await?;
        Ok(Application { listener, router, state })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until the process ends; a janitor purges expired flows and captchas every 10 minutes.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let janitor_state = self.state.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(600));
            loop {
                tick.tick().await;
                let now = janitor_state.now();
                // Flows are kept a day past expiry so a late "GET" still says `flow_expired`.
                let flows = store::flows::purge(&janitor_state.pool, now - 86_400).await;
                let captchas = janitor_state.captchas.purge(now).await;
                if let (Err(e), _) | (_, Err(e)) = (&flows, &captchas) {
                    tracing::warn!(error = %e, "janitor failed");
                }
            }
        });
        axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>()).await
    }
}

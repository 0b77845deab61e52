//! Building and running the application: `Application::build(settings, deps)` binds the listener (port 0
//! picks a free one, for tests), opens the database and returns before serving, so callers learn the port.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::captcha::Captchas;
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::http::{api_router, rate_limit::IpLimiter};
use crate::outbox::dev_sink::{self, DevSink};
use crate::outbox::sms_http::HttpSmsChannel;
use crate::outbox::smtp::SmtpChannel;
use crate::outbox::worker::{Channels, OutboxMetrics, Worker};
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
    channels: Channels,
}

/// SMTP and the SMS gateway, each wrapped by the dev sink when it is on.
fn channels(settings: &Settings) -> anyhow::Result<Channels> {
    let notifications = &settings.notifications;
    let mut channels = Channels {
        email: Arc::new(SmtpChannel::new(&notifications.smtp)?),
        sms: Arc::new(HttpSmsChannel::new(&notifications.sms)?),
    };
    if notifications.dev_sink {
        let dir = dev_sink_dir(settings);
        channels.email = Arc::new(DevSink::new(dir.clone(), channels.email));
        channels.sms = Arc::new(DevSink::new(dir, channels.sms));
    }
    Ok(channels)
}

fn dev_sink_dir(settings: &Settings) -> std::path::PathBuf {
    settings.data_dir.join("outbox")
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
        let channels = channels(&settings)?;
        if settings.notifications.dev_sink {
            tracing::warn!(folder = %dev_sink_dir(&settings).display(), "DEV SINK: every message, provisional keys included, is written there and shown at /dev/messages. Disable it in production (CLAVE__NOTIFICATIONS__DEV_SINK=false).");
        }
        let security = &settings.security;
        let state = AppState::new(Inner {
            captchas: Captchas::new(pool.clone(), settings.captcha.ttl_seconds, settings.captcha.test_answer.clone()),
            hasher: Hasher::new(security.hash_concurrency, Duration::from_millis(security.hash_wait_ms)),
            policy: security.into(),
            verifier,
            clock: clock.clone(),
            pool,
            settings: settings.clone(),
            outbox_wake: Arc::new(Notify::new()),
            outbox_metrics: Arc::new(OutboxMetrics::default()),
            attempts: Default::default(),
        });
        let limiter = IpLimiter::new(settings.http.requests_per_minute_per_ip, clock);
        let mut router = api_router(state.clone(), limiter);
        if settings.notifications.dev_sink {
            router = router.merge(dev_sink::router(dev_sink_dir(&settings)));
        }
        let router =
            crate::http::ui::serve(router, &settings.http.ui_dir).layer(tower_http::trace::TraceLayer::new_for_http());
        let listener = TcpListener::bind(settings.http.listen).await?;
        Ok(Application { listener, router, state, channels })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// An outbox worker of this application (tests run several).
    pub fn worker(&self, id: &str) -> Worker {
        let state = &self.state;
        Worker::new(
            id.to_owned(),
            state.pool.clone(),
            self.channels.clone(),
            state.clock.clone(),
            state.settings.notifications.worker.clone(),
            state.outbox_metrics.clone(),
            state.outbox_wake.clone(),
        )
    }

    /// Serves until the process ends, with `notifications.worker.count` outbox workers and a janitor that
    /// purges expired flows and captchas every 10 minutes.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let instance = format!("{}-{}", std::process::id(), crate::secrets::random_id().get(..6).unwrap_or_default());
        for n in 0..self.state.settings.notifications.worker.count {
            tokio::spawn(self.worker(&format!("{instance}-{n}")).run());
        }
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

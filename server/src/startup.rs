//! Building and running the application: `Application::build(settings, deps)` checks the settings against
//! their profile, opens the store, binds the listener (port 0 picks a free one, for tests) and returns before
//! serving, so callers learn the port. `run_until_stopped` serves until SIGTERM/Ctrl-C (or forever).

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::captcha::Captchas;
use crate::clock::{Clock, SystemClock};
use crate::config::{Profile, Settings};
use crate::http::api_router;
use crate::http::rate_limit::{IpLimiter, TrustedProxies};
use crate::http::serve::{self, Limits};
use crate::outbox::dev_sink::{self, DevSink};
use crate::outbox::sms_http::HttpSmsChannel;
use crate::outbox::smtp::SmtpChannel;
use crate::outbox::worker::{Channels, Worker};
use crate::registro_civil::{DocumentVerifier, HttpDocumentVerifier};
use crate::secrets::Hasher;
use crate::state::{AppState, Inner};
use crate::store::{self, Store};

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
    /// Prefix of this process's outbox worker ids (their leases are handed back at shutdown).
    instance: String,
    limits: Limits,
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

/// Refuses what the profile does not allow: in production, every development default (with what to change);
/// in any release build without the `test-captcha` feature, the known-answer captcha.
fn check_profile(settings: &Settings) -> anyhow::Result<()> {
    if settings.profile == Profile::Production {
        let problems = settings.production_problems();
        if !problems.is_empty() {
            anyhow::bail!(
                "refusing to start in production mode:\n  - {}\n(for a developer's machine, start with CLAVE_PROFILE=dev)",
                problems.join("\n  - ")
            );
        }
    }
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
        check_profile(&settings)?;
        let trusted = TrustedProxies::parse(&settings.http.trusted_proxies).map_err(anyhow::Error::msg)?;
        std::fs::create_dir_all(&settings.data_dir)?;
        let store = Store::connect(&settings.database_url(), settings.database_max_connections).await?;
        let clock = deps.clock.unwrap_or_else(|| Arc::new(SystemClock));
        crate::oidc::configure_clients(&store, &settings.oidc.clients, clock.now()).await?;
        if settings.profile == Profile::Production {
            crate::oidc::forget_sample_platform(&store).await?;
        }
        let verifier = match deps.verifier {
            Some(verifier) => verifier,
            None => Arc::new(HttpDocumentVerifier::new(
                &settings.registro_civil.url,
                Duration::from_millis(settings.registro_civil.timeout_ms),
            )?),
        };
        let channels = channels(&settings)?;
        let sealer = match &settings.notifications.seal_key {
            Some(key) => crate::outbox::seal::Sealer::from_base64(key).map_err(anyhow::Error::msg)?,
            None => crate::outbox::seal::Sealer::development(),
        };
        if settings.notifications.dev_sink {
            tracing::warn!(folder = %dev_sink_dir(&settings).display(), "DEV SINK: every message, provisional keys included, is written there and shown at /dev/messages. Disable it in production (CLAVE__NOTIFICATIONS__DEV_SINK=false).");
        }
        crate::telemetry::prometheus();
        let security = &settings.security;
        let state = AppState::new(Inner {
            captchas: Captchas::new(
                store.clone(),
                settings.captcha.clone(),
                crate::captcha::hmac_key(settings.notifications.seal_key.as_ref()),
            ),
            hasher: Hasher::new(security.hash_concurrency, Duration::from_millis(security.hash_wait_ms)),
            policies: security.into(),
            verifier,
            clock: clock.clone(),
            store,
            settings: settings.clone(),
            outbox_wake: Arc::new(Notify::new()),
            sealer,
            platforms: Default::default(),
        });
        let limits = Limits::new(&settings.http, trusted.clone());
        let limiter = IpLimiter::new(settings.http.requests_per_minute_per_ip, settings.http.replicas, trusted, clock);
        let dev_pages = settings.notifications.dev_sink.then(|| dev_sink::router(dev_sink_dir(&settings)));
        let router = api_router(state.clone(), limiter, dev_pages);
        let hsts = crate::http::headers::Hsts(settings.public_url.starts_with("https://"));
        // The body's deadline is kept by the accept loop (`serve`), which also sees whether it was read.
        let router = crate::http::ui::serve(router, &settings.http.ui_dir)
            .layer(axum::middleware::from_fn_with_state(hsts, crate::http::headers::secure))
            .layer(tower_http::trace::TraceLayer::new_for_http());
        let listener = TcpListener::bind(settings.http.listen).await?;
        let instance = format!("{}-{}", std::process::id(), crate::secrets::random_id().get(..6).unwrap_or_default());
        Ok(Application { listener, router, state, channels, instance, limits })
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
            state.store.clone(),
            self.channels.clone(),
            state.clock.clone(),
            state.settings.notifications.worker.clone(),
            state.outbox_wake.clone(),
            state.sealer.clone(),
        )
    }

    /// Serves until the process is told to stop, with `notifications.worker.count` outbox workers and a
    /// janitor that purges expired flows and captchas every 10 minutes.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` completes, then drains: the listener closes, in-flight requests get
    /// `http.shutdown_grace_seconds` to finish, workers finish their round and hand back their leases.
    pub async fn run_until(self, stop: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let stopping = CancellationToken::new();
        let mut workers = tokio::task::JoinSet::new();
        for n in 0..self.state.settings.notifications.worker.count {
            workers.spawn(self.worker(&format!("{}-{n}", self.instance)).run(stopping.clone()));
        }
        tokio::spawn(janitor(self.state.clone(), stopping.clone()));
        let grace = Duration::from_secs(self.state.settings.http.shutdown_grace_seconds);
        let signalled = stopping.clone();
        let stop = async move {
            stop.await;
            tracing::info!("stopping: draining in-flight requests");
            signalled.cancel();
        };
        serve::serve(self.listener, self.router, self.limits, stop, grace).await;
        stopping.cancel();
        let _ = tokio::time::timeout(grace, async { while workers.join_next().await.is_some() {} }).await;
        match store::outbox::release(self.state.store.writer(), &self.instance).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(leases = n, "outbox leases handed back"),
            Err(error) => tracing::warn!(%error, "could not hand back outbox leases"),
        }
        self.state.store.close().await;
        Ok(())
    }
}

/// Purges what has expired, every 10 minutes, until stopped.
async fn janitor(state: AppState, stop: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        match state.store.purge_expired(state.now(), state.settings.security.failure_reset_seconds).await {
            Ok(purged) => tracing::debug!(?purged, "janitor"),
            Err(error) => tracing::warn!(%error, "janitor failed"),
        }
    }
}

/// SIGTERM (what service managers and orchestrators send) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}

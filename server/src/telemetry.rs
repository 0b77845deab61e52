//! Logs and metrics. RUTs are logged only masked (`Rut`'s `Debug`), secrets are `SecretString`s that cannot
//! be formatted, and e-mail addresses and phones have masked `Debug` impls too. Metrics go through the
//! `metrics` facade into one Prometheus recorder per process, rendered at `/metrics`.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber: `RUST_LOG` or `info` for this crate and `warn` elsewhere; JSON lines when
/// `CLAVE_LOG_FORMAT=json` (for log collectors), text otherwise.
pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn,server=info,clave_sence=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = if std::env::var("CLAVE_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
}

/// Metric names, in one place so that dashboards and code agree.
pub mod metric {
    /// Counter, label `outcome`: `ok`, `ok_provisional`, `invalid_credentials`, `locked`, `provisional_*`.
    pub const LOGINS: &str = "clave_login_total";
    /// Counter: lockouts begun (a failure that set a wait), label `kind`.
    pub const LOCKOUTS: &str = "clave_lockouts_total";
    /// Counter, labels `kind` and `step`: flow steps performed.
    pub const FLOW_STEPS: &str = "clave_flow_steps_total";
    /// Counter, label `kind`: flows finished.
    pub const FLOWS_FINISHED: &str = "clave_flows_finished_total";
    /// Histogram (seconds), label `outcome`: Registro Civil calls.
    pub const REGISTRO_CIVIL: &str = "clave_registro_civil_seconds";
    /// Histogram (seconds): time a request waited for an Argon2id slot.
    pub const HASH_WAIT: &str = "clave_hash_wait_seconds";
    /// Counter: Argon2id computations (the guesses that reached the hash, among others).
    pub const HASHES: &str = "clave_hashes_total";
    /// Counter, labels `channel` and `outcome` (`sent`, `retry`, `failed`): delivery attempts.
    pub const OUTBOX_ATTEMPTS: &str = "clave_outbox_attempts_total";
    /// Gauge, label `status`: messages in the outbox table.
    pub const OUTBOX_MESSAGES: &str = "clave_outbox_messages";
    /// Counter: accounts frozen by "No fui yo".
    pub const DISAVOWALS: &str = "clave_disavowals_total";
}

/// The process's Prometheus recorder, installed on first use (tests start several apps in one process: they
/// share it, as replicas in one process would).
pub fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &buckets)
            .map(PrometheusBuilder::build_recorder)
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics shows only this handle's metrics");
        }
        handle
    })
}

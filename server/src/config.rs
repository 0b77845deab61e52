//! Settings, layered: defaults in code, then `config/clave-sence.toml` (or the file in `CLAVE_CONFIG`), then
//! `CLAVE__SECTION__KEY` environment variables; `DATABASE_URL` overrides the database. The embedded defaults
//! run a complete system on one machine: SQLite in `./data`, the fake Registro Civil on 127.0.0.1:8091.

use std::net::SocketAddr;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    pub http: HttpSettings,
    /// The address citizens open, used in the links of e-mails.
    pub public_url: String,
    /// Folder for the SQLite file and the dev mail sink.
    pub data_dir: PathBuf,
    /// `sqlite://...` (default: `<data_dir>/clave-sence.sqlite`) or, later, `postgres://...`.
    pub database_url: Option<String>,
    pub registro_civil: RegistroCivilSettings,
    pub captcha: CaptchaSettings,
    pub security: SecuritySettings,
    pub notifications: NotificationSettings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NotificationSettings {
    /// Also write every message to `<data_dir>/outbox/` and show them at `/dev/messages`, so a developer can
    /// finish a recovery on one machine. Holds provisional keys: never enable it in production.
    pub dev_sink: bool,
    pub smtp: SmtpSettings,
    pub sms: SmsSettings,
    pub worker: WorkerSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP (local relays and the dev sink only).
    None,
    /// SMTP with STARTTLS upgrade (usually port 587).
    Starttls,
    /// Implicit TLS (usually port 465).
    Tls,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    /// Secret: `SecretString` is never printed by `Debug`.
    #[serde(serialize_with = "serialize_secret")]
    pub password: Option<SecretString>,
    /// `From:` of every e-mail.
    pub from: String,
    pub timeout_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SmsSettings {
    /// Base URL of the SMS operator's HTTP gateway (`POST {url}/v1/messages`).
    pub url: String,
    #[serde(serialize_with = "serialize_secret")]
    pub token: Option<SecretString>,
    pub timeout_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkerSettings {
    /// Workers delivering the outbox in this process (0: none; another process delivers).
    pub count: usize,
    /// Idle polling period when nothing wakes the worker.
    pub poll_ms: u64,
    /// How long a claimed row stays reserved to one worker; longer than any send timeout.
    pub lease_ms: i64,
    pub batch: i64,
    /// Messages sent at once by one worker.
    pub concurrency: usize,
    pub max_attempts: i64,
    /// Backoff before attempt n+1: `base × 2^n`, at most `max`, with jitter (half to all of it).
    pub backoff_base_ms: i64,
    pub backoff_max_ms: i64,
}

/// Secrets are written only as a placeholder when settings are serialised (figment needs `Serialize`).
fn serialize_secret<S: serde::Serializer>(secret: &Option<SecretString>, serializer: S) -> Result<S::Ok, S::Error> {
    match secret {
        Some(_) => serializer.serialize_some("[secret]"),
        None => serializer.serialize_none(),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HttpSettings {
    pub listen: SocketAddr,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Requests per minute allowed from one IP address to `/api` (a SENCE office's kiosks share one).
    pub requests_per_minute_per_ip: u32,
    /// The built web UI (`cargo xtask run` builds it into `ui/dist`), served at `/`.
    pub ui_dir: PathBuf,
    /// Origins of other pages allowed to call the API: the desktop and phone app's webview.
    pub cors_origins: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegistroCivilSettings {
    /// Base URL of the document verification service.
    pub url: String,
    pub timeout_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaptchaSettings {
    pub ttl_seconds: i64,
    /// Known answer for every captcha, for automated tests. Refused at start-up in a release build unless the
    /// `test-captcha` feature is compiled in; always logged as a warning.
    pub test_answer: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecuritySettings {
    /// Lifetime of a flow (registration, recovery, change, update), in seconds.
    pub flow_ttl_seconds: i64,
    /// Lifetime of a provisional CS, in seconds (default 24 h).
    pub provisional_ttl_seconds: i64,
    /// Concurrent Argon2id computations (each takes 19 MiB and ~15 ms of one core).
    pub hash_concurrency: usize,
    /// How long a request waits for a hashing slot before it is answered 429.
    pub hash_wait_ms: u64,
    /// Failures per RUT before waits begin (login, secret answer, serial number).
    pub free_failures: i64,
    /// First wait after the free failures; each further failure adds as much again (Keycloak's scheme).
    pub lock_step_seconds: i64,
    pub lock_max_seconds: i64,
    /// Failures older than this are forgotten.
    pub failure_reset_seconds: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            http: HttpSettings {
                listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
                body_limit: 16 * 1024,
                requests_per_minute_per_ip: 600,
                ui_dir: PathBuf::from("ui/dist"),
                cors_origins: vec!["tauri://localhost".into(), "http://tauri.localhost".into()],
            },
            public_url: "http://127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            database_url: None,
            registro_civil: RegistroCivilSettings { url: "http://127.0.0.1:8091".into(), timeout_ms: 5_000 },
            captcha: CaptchaSettings { ttl_seconds: 300, test_answer: None },
            security: SecuritySettings {
                flow_ttl_seconds: 30 * 60,
                provisional_ttl_seconds: 24 * 60 * 60,
                hash_concurrency: 4,
                hash_wait_ms: 2_000,
                free_failures: 5,
                lock_step_seconds: 60,
                lock_max_seconds: 15 * 60,
                failure_reset_seconds: 12 * 60 * 60,
            },
            notifications: NotificationSettings {
                dev_sink: true,
                smtp: SmtpSettings {
                    host: "127.0.0.1".into(),
                    port: 2525,
                    tls: SmtpTls::None,
                    username: None,
                    password: None,
                    from: "Clave Sence <no-responder@sence.cl>".into(),
                    timeout_ms: 15_000,
                },
                sms: SmsSettings { url: "http://127.0.0.1:8092".into(), token: None, timeout_ms: 10_000 },
                worker: WorkerSettings {
                    count: 1,
                    poll_ms: 1_000,
                    lease_ms: 60_000,
                    batch: 32,
                    concurrency: 8,
                    max_attempts: 12,
                    backoff_base_ms: 1_000,
                    backoff_max_ms: 300_000,
                },
            },
        }
    }
}

impl Settings {
    /// Loads the layered configuration.
    pub fn load() -> Result<Settings, Box<figment::Error>> {
        let file = std::env::var("CLAVE_CONFIG").unwrap_or_else(|_| "config/clave-sence.toml".into());
        let mut settings: Settings = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(file))
            .merge(Env::prefixed("CLAVE__").split("__"))
            .extract()
            .map_err(Box::new)?;
        if let Ok(url) = std::env::var("DATABASE_URL") {
            settings.database_url = Some(url);
        }
        Ok(settings)
    }

    /// The database URL in force: the configured one or the SQLite file in the data folder.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", self.data_dir.join("clave-sence.sqlite").display()))
    }
}

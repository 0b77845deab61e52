//! Settings, layered: defaults in code, then `config/clave-sence.toml` (or the file in `CLAVE_CONFIG`), then
//! `CLAVE__SECTION__KEY` environment variables; `DATABASE_URL` overrides the database.
//!
//! Two profiles, chosen by `CLAVE_PROFILE`:
//! - **production** (the default, what a plain `clave-sence` start is): nothing that only suits a developer's
//!   machine is accepted; [`Settings::production_problems`] lists what must change, and the server refuses to
//!   start until the list is empty.
//! - **dev** (`CLAVE_PROFILE=dev`, used by `cargo xtask run` and the tests): the embedded defaults run a
//!   complete system on one machine — SQLite in `./data`, the local fakes of the Registro Civil, the SMS
//!   gateway and the mail relay, the dev sink that shows every message at `/dev/messages`.

use std::net::SocketAddr;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Which set of rules the settings are held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    Production,
    Dev,
}

impl Profile {
    /// `CLAVE_PROFILE`: `dev`, or anything else (or nothing) for production.
    pub fn from_env() -> Profile {
        match std::env::var("CLAVE_PROFILE") {
            Ok(value) if value.eq_ignore_ascii_case("dev") => Profile::Dev,
            _ => Profile::Production,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// Set from `CLAVE_PROFILE`, not from files.
    #[serde(skip, default = "production")]
    pub profile: Profile,
    pub http: HttpSettings,
    /// The address citizens open, used in the links of e-mails.
    pub public_url: String,
    /// Folder for the SQLite file and the dev mail sink.
    pub data_dir: PathBuf,
    /// `sqlite://...` (default: `<data_dir>/clave-sence.sqlite`) or `postgres://...` (several replicas).
    pub database_url: Option<String>,
    /// Connections this process keeps to the database.
    pub database_max_connections: u32,
    pub registro_civil: RegistroCivilSettings,
    pub captcha: CaptchaSettings,
    pub security: SecuritySettings,
    pub notifications: NotificationSettings,
    pub oidc: OidcSettings,
}

/// "Ingresar con Clave Sence": lifetimes of the OpenID Connect provider's codes, tokens, sessions and keys, in
/// seconds (peers' defaults: Keycloak's 60 s codes, 5–10 min tokens, 30 min idle and 10 h absolute sessions).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OidcSettings {
    /// A platform's request while the citizen logs in on our page.
    pub request_ttl_seconds: i64,
    pub code_ttl_seconds: i64,
    pub access_token_ttl_seconds: i64,
    pub id_token_ttl_seconds: i64,
    /// A single sign-on session ends after this long unused, and after `session_max_seconds` in any case.
    pub session_idle_seconds: i64,
    pub session_max_seconds: i64,
    /// A new signing key after this long; the old one stays in the JWKS until its last ID token expired.
    pub key_rotation_seconds: i64,
    /// How long before it signs a new key is published (platforms cache the JWKS, usually for up to a day).
    pub key_prepublish_seconds: i64,
    /// Platforms registered from this file (besides `clave-sence clients add`); at start-up each is written to
    /// the database as given here. Development: the sample platform of `cargo xtask run`.
    pub clients: Vec<ConfiguredClient>,
}

/// A platform as the configuration file lists it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfiguredClient {
    pub id: String,
    pub name: String,
    /// SHA-256 (hex) of its secret; absent for a public client (PKCE alone).
    pub secret_sha256: Option<String>,
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_uris: Vec<String>,
    /// Besides `openid`: `rut`, `email`.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// The sample platform's client id and development secret (`fakes::sample_platform` sends the same literals;
/// tests and benchmarks authenticate `POST /api/login` with them): known to everyone, so refused in production.
pub const DEV_PLATFORM_ID: &str = "plataforma-ejemplo";
pub const DEV_PLATFORM_SECRET: &str = "secreto-de-desarrollo-plataforma-ejemplo";

fn sample_platform() -> ConfiguredClient {
    ConfiguredClient {
        id: DEV_PLATFORM_ID.into(),
        name: "Plataforma SENCE de ejemplo".into(),
        secret_sha256: Some(crate::secrets::sha256_hex(DEV_PLATFORM_SECRET)),
        redirect_uris: vec!["http://127.0.0.1:8093/callback".into()],
        post_logout_uris: vec!["http://127.0.0.1:8093/adios".into()],
        scopes: vec!["rut".into(), "email".into()],
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NotificationSettings {
    /// Key (base64 of 32 random bytes, e.g. `openssl rand -base64 32`) that seals the provisional CS in queued
    /// texts; every replica needs the same one. Unset: a fixed development key, refused in production.
    #[serde(serialize_with = "serialize_secret")]
    pub seal_key: Option<SecretString>,
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
    /// Proxies (addresses or networks) whose `X-Forwarded-For` names the client; empty: none is believed.
    pub trusted_proxies: Vec<String>,
    /// How many replicas of the server share the per-address limit (each allows its share).
    pub replicas: u32,
    /// Seconds that in-flight requests get to finish after SIGTERM.
    pub shutdown_grace_seconds: u64,
    /// Connections open at once (also held below the process's file descriptor limit).
    pub max_connections: usize,
    /// Connections open at once from one address, an IPv6 /64 counting as one (trusted proxies exempt).
    pub max_connections_per_ip: usize,
    /// Connections open at once from one IPv4 /24 (trusted proxies exempt).
    pub max_connections_per_network: usize,
    /// Seconds a request's headers may take to arrive; also how long a keep-alive connection may idle.
    pub header_read_timeout_seconds: u64,
    /// Seconds a request's body may take to arrive.
    pub body_timeout_seconds: u64,
    /// When set, `/metrics` answers only `Authorization: Bearer <token>` (required in production).
    #[serde(serialize_with = "serialize_secret")]
    pub metrics_token: Option<SecretString>,
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
    /// The proof of work of every form: the largest number to try (a solver tries half of them on average,
    /// one SHA-256 each; ALTCHA's own default is 1 000 000).
    pub pow_max_number: u64,
    /// The proof of work offered beside the image when risk rose (at most 1 000 000, ALTCHA's verifier limit).
    pub pow_max_number_risky: u64,
    /// Bot checks issued to one address (an IPv6 /64) within `risk_window_seconds` before the image appears
    /// too: kiosks and offices share an address, so the number is generous.
    pub address_checks_before_image: i64,
    pub risk_window_seconds: i64,
    /// Recent failures on one RUT (Clave Sence, secret answer, serial number, codes) before its forms show the
    /// image too.
    pub rut_failures_before_image: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecuritySettings {
    /// Lifetime of a flow (registration, recovery, change, update), in seconds.
    pub flow_ttl_seconds: i64,
    /// Lifetime of a provisional CS, in seconds (default 24 h).
    pub provisional_ttl_seconds: i64,
    /// Argon2id hashing threads, each with its 19 MiB allocated once (0: one per core).
    pub hash_concurrency: usize,
    /// The longest a request may wait for a hash: when the queue is longer than that, 429 `server_busy` at once.
    pub hash_wait_ms: u64,
    /// Failures before waits begin: per RUT and address for logins and recovery starts, per RUT for secret
    /// answers and serial numbers.
    pub free_failures: i64,
    /// First wait after the free failures; each further failure adds as much again (Keycloak's scheme).
    pub lock_step_seconds: i64,
    pub lock_max_seconds: i64,
    /// Failures older than this are forgotten.
    pub failure_reset_seconds: i64,
    /// Consecutive failed logins on one RUT, from every address together, after which only a recovery lets the
    /// account in again (NIST 800-63B: at most 100).
    pub max_consecutive_failures: i64,
    /// Failed logins from one address (IPv6: one /64) across every RUT before waits begin for that address.
    pub address_free_failures: i64,
    /// Failures of one address older than this are forgotten.
    pub address_failure_reset_seconds: i64,
    /// Failed logins one platform forwards (`POST /api/login`) across every citizen within
    /// `address_failure_reset_seconds`, before waits begin for that platform: it speaks for many citizens, so
    /// the allowance is larger than one address's.
    pub platform_free_failures: i64,
}

fn production() -> Profile {
    Profile::Production
}

/// The development defaults (every service a local fake); see [`Settings::defaults`].
impl Default for Settings {
    fn default() -> Self {
        Settings {
            profile: Profile::Dev,
            http: HttpSettings {
                listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
                body_limit: 16 * 1024,
                requests_per_minute_per_ip: 600,
                ui_dir: PathBuf::from("ui/dist"),
                cors_origins: vec!["tauri://localhost".into(), "http://tauri.localhost".into()],
                trusted_proxies: Vec::new(),
                replicas: 1,
                shutdown_grace_seconds: 20,
                max_connections: 10_000,
                max_connections_per_ip: 256,
                max_connections_per_network: 1_024,
                header_read_timeout_seconds: 10,
                body_timeout_seconds: 15,
                metrics_token: None,
            },
            public_url: "http://127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            database_url: None,
            database_max_connections: 16,
            registro_civil: RegistroCivilSettings { url: "http://127.0.0.1:8091".into(), timeout_ms: 5_000 },
            captcha: CaptchaSettings {
                ttl_seconds: 300,
                test_answer: None,
                pow_max_number: 100_000,
                pow_max_number_risky: 1_000_000,
                address_checks_before_image: 60,
                risk_window_seconds: 600,
                rut_failures_before_image: 3,
            },
            security: SecuritySettings {
                flow_ttl_seconds: 30 * 60,
                provisional_ttl_seconds: 24 * 60 * 60,
                hash_concurrency: 0,
                hash_wait_ms: 2_000,
                free_failures: 5,
                lock_step_seconds: 60,
                lock_max_seconds: 15 * 60,
                failure_reset_seconds: 12 * 60 * 60,
                max_consecutive_failures: 100,
                address_free_failures: 50,
                address_failure_reset_seconds: 60 * 60,
                platform_free_failures: 1_000,
            },
            oidc: OidcSettings {
                request_ttl_seconds: 30 * 60,
                code_ttl_seconds: 60,
                access_token_ttl_seconds: 10 * 60,
                id_token_ttl_seconds: 10 * 60,
                session_idle_seconds: 30 * 60,
                session_max_seconds: 10 * 60 * 60,
                key_rotation_seconds: 30 * 24 * 60 * 60,
                key_prepublish_seconds: 24 * 60 * 60,
                clients: vec![sample_platform()],
            },
            notifications: NotificationSettings {
                seal_key: None,
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
    /// The defaults of a profile: development runs everything against local fakes; production leaves every
    /// address of another service empty (it must be configured) and the dev sink off.
    pub fn defaults(profile: Profile) -> Settings {
        let mut settings = Settings { profile, ..Settings::default() };
        if profile == Profile::Production {
            settings.oidc.clients = Vec::new();
            settings.public_url = String::new();
            settings.registro_civil.url = String::new();
            settings.notifications.dev_sink = false;
            settings.notifications.smtp.host = String::new();
            settings.notifications.sms.url = String::new();
        }
        settings
    }

    /// Loads the layered configuration for the profile in `CLAVE_PROFILE`.
    pub fn load() -> Result<Settings, Box<figment::Error>> {
        let profile = Profile::from_env();
        let file = std::env::var("CLAVE_CONFIG").unwrap_or_else(|_| "config/clave-sence.toml".into());
        let mut settings: Settings = Figment::from(Serialized::defaults(Settings::defaults(profile)))
            .merge(Toml::file(file))
            .merge(Env::prefixed("CLAVE__").split("__"))
            .extract()
            .map_err(Box::new)?;
        settings.profile = profile;
        if let Ok(url) = std::env::var("DATABASE_URL") {
            settings.database_url = Some(url);
        }
        Ok(settings)
    }

    /// What a production start must not have, each with the setting that fixes it (empty: fine). Checked at
    /// every start in the production profile.
    pub fn production_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut problem = |text: &str| problems.push(text.to_owned());
        if self.notifications.dev_sink {
            problem(
                "the dev sink is on: it writes every message, provisional keys included, to disk and shows them at /dev/messages; set CLAVE__NOTIFICATIONS__DEV_SINK=false",
            );
        }
        if self.captcha.test_answer.is_some() {
            problem(
                "a test captcha answer is set: every captcha would have a known answer; unset CLAVE__CAPTCHA__TEST_ANSWER",
            );
        }
        if self.captcha.pow_max_number < 10_000 {
            problem(
                "captcha.pow_max_number is under 10 000: the proof of work would cost a bot nothing; raise CLAVE__CAPTCHA__POW_MAX_NUMBER",
            );
        }
        match url_scheme_host(&self.public_url) {
            None => problem("the public URL is missing or not a URL; set CLAVE__PUBLIC_URL=https://…"),
            Some(("https", _)) => {}
            Some(("http", host)) if is_loopback(host) => {}
            Some(_) => problem(
                "the public URL is not https (citizens would send their Clave Sence in clear); set CLAVE__PUBLIC_URL=https://…",
            ),
        }
        if self.http.cors_origins.iter().any(|o| o.contains('*') || o == "null") {
            problem(
                "http.cors_origins has a wildcard or \"null\": list the exact origins of the app's webviews in CLAVE__HTTP__CORS_ORIGINS",
            );
        }
        if self.notifications.smtp.host.trim().is_empty() {
            problem("no mail relay: set CLAVE__NOTIFICATIONS__SMTP__HOST (and __PORT, __TLS, __USERNAME, __PASSWORD)");
        } else if self.notifications.smtp.tls == SmtpTls::None && !is_loopback(&self.notifications.smtp.host) {
            problem("the mail relay is reached without TLS; set CLAVE__NOTIFICATIONS__SMTP__TLS=starttls or tls");
        }
        if url_scheme_host(&self.notifications.sms.url).is_none() {
            problem("no SMS gateway: set CLAVE__NOTIFICATIONS__SMS__URL (and __TOKEN)");
        } else if self.notifications.sms.token.is_none() {
            problem("the SMS gateway has no token; set CLAVE__NOTIFICATIONS__SMS__TOKEN");
        }
        match &self.notifications.seal_key {
            None => problem(
                "no key seals provisional keys in the outbox: set CLAVE__NOTIFICATIONS__SEAL_KEY (base64 of 32 random bytes, the same on every replica)",
            ),
            Some(key) if crate::outbox::seal::Sealer::from_base64(key).is_err() => {
                problem("CLAVE__NOTIFICATIONS__SEAL_KEY must be base64 of exactly 32 bytes")
            }
            Some(_) => {}
        }
        if self.http.metrics_token.is_none() {
            problem(
                "/metrics would be open to anyone: set CLAVE__HTTP__METRICS_TOKEN (scrapers send it as a Bearer token)",
            );
        }
        if url_scheme_host(&self.registro_civil.url).is_none() {
            problem("no Registro Civil service: set CLAVE__REGISTRO_CIVIL__URL");
        }
        let dev_secret = crate::secrets::sha256_hex(DEV_PLATFORM_SECRET);
        if self.oidc.clients.iter().any(|c| c.secret_sha256.as_deref() == Some(dev_secret.as_str())) {
            problem(
                "oidc.clients lists the sample platform's development secret: remove that client or give it its own secret",
            );
        }
        problems
    }

    /// The database URL in force: the configured one or the SQLite file in the data folder.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", self.data_dir.join("clave-sence.sqlite").display()))
    }
}

/// The scheme and host of an absolute `http(s)://` URL.
fn url_scheme_host(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => authority,
    };
    (matches!(scheme, "http" | "https") && !host.is_empty()).then_some((scheme, host))
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()) || host == "[::1]"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_defaults_name_every_missing_setting() {
        let problems = Settings::defaults(Profile::Production).production_problems();
        for needle in ["PUBLIC_URL", "SMTP__HOST", "SMS__URL", "REGISTRO_CIVIL__URL"] {
            assert!(problems.iter().any(|p| p.contains(needle)), "{needle} not named: {problems:?}");
        }
        assert!(!problems.iter().any(|p| p.contains("DEV_SINK")));
    }

    #[test]
    fn development_defaults_are_refused_in_production() {
        let mut dev = Settings::default();
        dev.captcha.test_answer = Some("TEST5".into());
        dev.http.cors_origins.push("*".into());
        dev.public_url = "http://clave.sence.cl".into();
        let problems = dev.production_problems().join("\n");
        for needle in ["DEV_SINK", "TEST_ANSWER", "not https", "wildcard", "SMS__TOKEN"] {
            assert!(problems.contains(needle), "{needle} not named: {problems}");
        }
    }

    #[test]
    fn a_complete_production_configuration_passes() {
        let mut settings = Settings::defaults(Profile::Production);
        settings.public_url = "https://cus.sence.cl".into();
        settings.registro_civil.url = "https://registro-civil.example/api".into();
        settings.notifications.smtp.host = "smtp.sence.cl".into();
        settings.notifications.smtp.tls = SmtpTls::Starttls;
        settings.notifications.sms.url = "https://sms.example".into();
        settings.notifications.sms.token = Some(SecretString::from("token"));
        settings.http.metrics_token = Some(SecretString::from("scrape"));
        settings.notifications.seal_key = Some(SecretString::from("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
        assert_eq!(settings.production_problems(), Vec::<String>::new());
    }
}

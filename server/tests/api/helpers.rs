//! Test harness: `spawn_app()` starts the real server on port 0 with a fresh database, the fake Registro
//! Civil on its own port and a clock the test can move; request helpers speak the public API.
//!
//! The database is a new SQLite file, or, when `CLAVE_TEST_POSTGRES` names a PostgreSQL server
//! (`postgres://user@127.0.0.1:5432/postgres`, as `cargo xtask test` sets for the suite's second run), a new
//! database created on that server for this test alone.

use std::sync::Arc;

use domain::AddressForm;
use domain::api::{CaptchaAnswer, RegisterForm};
use fakes::registro_civil::{FakeRegistroCivil, Fixtures};
use fakes::sms_gateway::FakeSmsGateway;
use fakes::smtp_sink::SmtpSink;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::clock::ShiftedClock;
use server::store::{self, Store};
use server::{Application, Dependencies, Settings};

/// Every captcha's answer in test mode.
pub const CAPTCHA: &str = "TEST5";
/// A RUT with a vigente document `A123456789` in the fake Registro Civil's fixtures.
pub const RUT: &str = "12.345.678-5";
pub const SERIAL: &str = "A123456789";
pub const CS: &str = "Mapocho#24";
pub const ANSWER: &str = "Perú";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub clock: ShiftedClock,
    pub store: Store,
    /// Opens the sealed texts of the outbox, as the worker does before sending.
    pub sealer: server::outbox::seal::Sealer,
    pub registro_civil: FakeRegistroCivil,
    pub sms: FakeSmsGateway,
    sms_url: String,
    pub smtp: SmtpSink,
    pub data: tempfile::TempDir,
    /// The key of every flow this app's tests opened, by flow id (sent back as `X-Flow-Key`).
    keys: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let data = tempfile::tempdir().expect("temp dir");
    let registro_civil = FakeRegistroCivil::new(Fixtures::bundled().expect("fixtures"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake");
    let registro_civil_url = fakes::spawn(listener, registro_civil.router());

    let sms = FakeSmsGateway::new();
    let sms_url = fakes::spawn(tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind"), sms.router());
    let smtp = SmtpSink::new();
    let smtp_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let smtp_port = smtp_listener.local_addr().expect("addr").port();
    smtp.spawn(smtp_listener);

    let mut settings = Settings { database_url: fresh_database().await, ..Settings::default() };
    // Flow tests read the outbox as written; notification tests turn the workers on.
    settings.notifications.worker.count = 0;
    settings.notifications.worker.poll_ms = 50;
    settings.notifications.worker.backoff_base_ms = 20;
    settings.notifications.worker.backoff_max_ms = 200;
    settings.notifications.dev_sink = false;
    settings.notifications.sms.url = sms_url.clone();
    settings.notifications.smtp.port = smtp_port;
    settings.http.listen = "127.0.0.1:0".parse().expect("addr");
    settings.data_dir = data.path().to_owned();
    settings.registro_civil.url = registro_civil_url;
    settings.registro_civil.timeout_ms = 2_000;
    settings.captcha.test_answer = Some(CAPTCHA.into());
    // Small proofs of work: each test solves dozens in a debug build (the defaults are the service's).
    settings.captcha.pow_max_number = 2_000;
    settings.captcha.pow_max_number_risky = 20_000;
    settings.security.hash_wait_ms = 60_000;
    settings.http.requests_per_minute_per_ip = 100_000;
    configure(&mut settings);

    let clock = ShiftedClock::default();
    let deps = Dependencies { clock: Some(Arc::new(clock.clone())), verifier: None };
    let app = Application::build(settings, deps).await.expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let store = app.state().store.clone();
    let sealer = app.state().sealer.clone();
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        address,
        client: reqwest::Client::new(),
        clock,
        store,
        sealer,
        registro_civil,
        sms,
        sms_url,
        smtp,
        data,
        keys: Default::default(),
    }
}

/// A new, empty PostgreSQL database when `CLAVE_TEST_POSTGRES` is set; `None` (a new SQLite file in the data
/// folder) otherwise.
pub async fn fresh_database() -> Option<String> {
    let admin = std::env::var("CLAVE_TEST_POSTGRES").ok().filter(|url| !url.is_empty())?;
    let name = format!("t_{}", server::secrets::random_id());
    server::store::create_database(&admin, &name).await.expect("create the test database");
    let (base, _) = admin.rsplit_once('/').expect("a database URL");
    Some(format!("{base}/{name}"))
}

/// A form that registers `RUT` with every field right, and `captcha` (as [`TestApp::captcha`] answers it).
pub fn register_form(captcha: &Value) -> RegisterForm {
    RegisterForm {
        rut: RUT.into(),
        serial: SERIAL.into(),
        question: "MI PAÍS FAVORITO".into(),
        answer: ANSWER.into(),
        address: AddressForm {
            street: "Huérfanos".into(),
            number: "1273".into(),
            block: String::new(),
            apartment: "501".into(),
            region: "13".into(),
            comuna: "13101".into(),
        },
        email: "juana.perez@example.cl".into(),
        home_phone: "221234567".into(),
        work_phone: String::new(),
        mobile: "98765432".into(),
        no_mobile: false,
        cs: CS.into(),
        cs_repeat: CS.into(),
        captcha: serde_json::from_value::<CaptchaAnswer>(captcha.clone()).expect("a captcha answer"),
        language: domain::Language::Es,
    }
}

/// An outbox row as a test reads it.
#[derive(Debug, Clone)]
pub struct Sent {
    pub id: String,
    pub channel: String,
    pub event: String,
    pub recipient: String,
    pub subject: Option<String>,
    pub body: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// The value of `line` (a metric name with its labels, as rendered) in a Prometheus text, 0 when absent.
pub fn metric_value(text: &str, line: &str) -> f64 {
    text.lines()
        .filter_map(|l| l.strip_prefix(line).and_then(|rest| rest.strip_prefix(' ')))
        .filter_map(|value| value.trim().parse::<f64>().ok())
        .sum()
}

/// `request` from the development profile's sample platform (HTTP Basic), as `POST /api/login` requires.
pub fn as_platform(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    request.basic_auth(server::config::DEV_PLATFORM_ID, Some(server::config::DEV_PLATFORM_SECRET))
}

impl TestApp {
    /// The key recorded for the flow a path names (`/api/<kind>/<id>…`), as the UI would send it.
    fn key_for(&self, path: &str) -> Option<String> {
        let id = path.split('/').nth(3)?;
        self.keys.lock().unwrap().get(id).cloned()
    }

    async fn send(&self, request: reqwest::RequestBuilder, path: &str) -> (StatusCode, Value) {
        let request = match self.key_for(path) {
            Some(key) => request.header("x-flow-key", key),
            None => request,
        };
        // `POST /api/login` answers registered platforms only: the development profile's sample platform.
        let request = if path == "/api/login" { as_platform(request) } else { request };
        let response = request.send().await.expect("request");
        let status = response.status();
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        if let (Some(id), Some(key)) = (body["id"].as_str(), body["key"].as_str()) {
            self.keys.lock().unwrap().insert(id.to_owned(), key.to_owned());
        }
        (status, body)
    }

    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.send(self.client.post(format!("{}{path}", self.address)).json(body), path).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.client.get(format!("{}{path}", self.address)), path).await
    }

    /// A fresh bot check for a form about `RUT` (as the UI asks once it knows the RUT), its proof of work
    /// solved.
    pub async fn captcha(&self) -> Value {
        self.captcha_for(Some(RUT)).await
    }

    /// A fresh bot check asked for `rut`, its proof of work solved (beside an image when risk rose).
    pub async fn captcha_for(&self, rut: Option<&str>) -> Value {
        let (status, body) = self.post("/api/captchas", &json!({ "rut": rut })).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        json!({ "id": body["id"], "proof": fakes::bot::solve(&body["pow"]).expect("a solvable proof of work") })
    }

    /// Opens a flow of `kind` and returns its view.
    pub async fn open(&self, kind: &str, body: &Value) -> (StatusCode, Value) {
        self.post(&format!("/api/{kind}"), body).await
    }

    /// Starts a recovery for `rut`, with a right captcha.
    pub async fn start_recovery(&self, rut: &str) -> (StatusCode, Value) {
        let captcha = self.captcha_for(Some(rut)).await;
        self.open("recovery", &json!({ "rut": rut, "captcha": captcha })).await
    }

    pub async fn step(&self, kind: &str, flow: &Value, step: &str, body: &Value) -> (StatusCode, Value) {
        let id = flow["id"].as_str().expect("flow id");
        self.post(&format!("/api/{kind}/{id}/{step}"), body).await
    }

    /// §5 opened with the default account's RUT and CS and past its secret question: the flow at its data step.
    pub async fn update_at_data(&self) -> Value {
        let (_, flow) = self.open("update", &json!({ "rut": RUT, "cs": CS })).await;
        let security = json!({ "question": "favorite_country", "answer": ANSWER });
        self.step("update", &flow, "security", &security).await.1
    }

    /// Submits a registration form through a new flow.
    pub async fn register(&self, form: &RegisterForm) -> (StatusCode, Value) {
        let (status, flow) = self.open("registration", &json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{flow}");
        self.step("registration", &flow, "form", &serde_json::to_value(form).expect("json")).await
    }

    /// Registers `RUT` with the default form.
    pub async fn register_default(&self) {
        let form = register_form(&self.captcha().await);
        let (status, body) = self.register(&form).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["step"], "done");
    }

    pub async fn login(&self, rut: &str, cs: &str) -> (StatusCode, Value) {
        self.post("/api/login", &json!({ "rut": rut, "cs": cs })).await
    }

    /// Messages queued so far, oldest first.
    pub async fn outbox(&self) -> Vec<Sent> {
        let stored = store::outbox::all(&self.store).await.expect("outbox");
        stored
            .into_iter()
            .map(|stored| {
                let m = stored.message;
                Sent {
                    id: m.id,
                    channel: m.channel.as_str().to_owned(),
                    event: m.event.as_str().to_owned(),
                    recipient: m.recipient,
                    subject: m.subject,
                    body: self.sealer.open(&m.body).expect("a sealed text opens"),
                    status: stored.status.as_str().to_owned(),
                    attempts: m.attempts,
                    last_error: stored.last_error,
                }
            })
            .collect()
    }

    /// Every account on file.
    pub async fn accounts(&self) -> Vec<store::accounts::Account> {
        store::accounts::all(self.store.db()).await.expect("accounts")
    }

    /// The value of a metric line of `/metrics` (`name{labels}`), 0 when absent. Apps of one test process
    /// share the process's recorder, so tests compare with `>=`.
    pub async fn metric(&self, line: &str) -> f64 {
        let text = self.client.get(format!("{}/metrics", self.address)).send().await.unwrap().text().await.unwrap();
        metric_value(&text, line)
    }

    /// The provisional CS in the last provisional SMS or e-mail to `recipient`.
    pub async fn provisional_for(&self, recipient: &str) -> String {
        let sent = self.outbox().await;
        let message = sent
            .iter()
            .rev()
            .find(|m| m.event == "provisional_issued" && m.recipient == recipient)
            .unwrap_or_else(|| panic!("no provisional CS sent to {recipient}: {sent:?}"));
        let marker = if message.channel == "sms" { "su clave Sence es: " } else { "Su Clave Sence provisoria es: " };
        // Sent meanwhile (an app whose worker delivers): the row's text is wiped, the key is in what arrived.
        let texts = std::iter::once(message.body.clone()).chain(self.delivered_to(recipient).into_iter().rev());
        let text = texts.into_iter().find(|t| t.contains(marker)).expect("marker");
        let start = text.find(marker).expect("marker") + marker.len();
        text[start..start + 8].to_owned()
    }

    /// The newest 6-digit code sent to `recipient` to prove it (update §5, recovery "No").
    pub async fn code_sent_to(&self, recipient: &str) -> String {
        let sent = self.outbox().await;
        let message = sent
            .iter()
            .rev()
            .find(|m| m.event == "contact_code" && m.recipient == recipient)
            .unwrap_or_else(|| panic!("no code sent to {recipient}: {sent:?}"));
        if let Some(code) = fakes::six_digit_code(&message.body) {
            return code;
        }
        // Sent meanwhile (an app whose worker delivers): the row's text is wiped, the code is in what arrived.
        self.delivered_to(recipient).iter().rev().find_map(|text| fakes::six_digit_code(text)).expect("a 6-digit code")
    }

    /// The texts delivered to `recipient` (a mobile in E.164 or an e-mail address), oldest first.
    pub fn delivered_to(&self, recipient: &str) -> Vec<String> {
        let sms = self.sms.delivered().into_iter().filter(|s| s.to == recipient).map(|s| s.text);
        let mails = self.smtp.mails().into_iter().filter(|m| m.to.iter().any(|to| to == recipient)).map(|m| m.body());
        sms.chain(mails).collect()
    }

    /// Types back the codes sent to `email` and `mobile` (E.164) at the `verify` step of `flow`.
    pub async fn prove_contacts(
        &self,
        kind: &str,
        flow: &Value,
        email: Option<&str>,
        mobile: Option<&str>,
    ) -> (StatusCode, Value) {
        assert_eq!(flow["step"], "verify", "{flow}");
        let mut codes = json!({});
        if let Some(email) = email {
            codes["email_code"] = json!(self.code_sent_to(email).await);
        }
        if let Some(mobile) = mobile {
            codes["mobile_code"] = json!(self.code_sent_to(mobile).await);
        }
        self.step(kind, flow, "verify", &codes).await
    }

    /// Walks recovery §3.3 (right answer) to the end; returns the final view.
    pub async fn recover_with_answer(&self, rut: &str, answer: &str) -> Value {
        let (status, flow) = self.start_recovery(rut).await;
        assert_eq!(status, StatusCode::CREATED, "{flow}");
        assert_eq!(flow["step"], "answer");
        let (status, flow) = self.step("recovery", &flow, "answer", &json!({ "answer": answer })).await;
        assert_eq!(status, StatusCode::OK, "{flow}");
        assert_eq!(flow["step"], "captcha");
        let captcha = self.captcha().await;
        let (status, done) = self.step("recovery", &flow, "captcha", &json!({ "captcha": captcha })).await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!(done["step"], "done");
        done
    }

    pub async fn account_count(&self) -> i64 {
        store::accounts::count(self.store.db()).await.expect("count")
    }
}

/// Polls `check` until it holds, for at most 20 s.
pub async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

impl TestApp {
    pub fn sms_url(&self) -> &str {
        &self.sms_url
    }

    /// Rows of the outbox not yet sent or given up.
    pub async fn pending(&self) -> i64 {
        let counts = store::outbox::counts(self.store.db()).await.expect("pending");
        counts.iter().filter(|(s, _)| *s == store::outbox::Status::Pending).map(|(_, n)| n).sum()
    }

    /// Waits until every queued message is sent (or failed).
    pub async fn drain(&self) {
        wait_until("the outbox to drain", || async { self.pending().await == 0 }).await;
    }
}

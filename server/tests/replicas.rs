//! Several replicas on one PostgreSQL database behind a real reverse proxy: two `clave-sence` processes, and
//! Debian's nginx in front of them, round robin, adding `X-Forwarded-For`. Needs a PostgreSQL server
//! (`CLAVE_TEST_POSTGRES`, an admin URL) and nginx: `cargo xtask test` provides both and runs it.
//!
//! Checks, in order: 100 concurrent registrations of one RUT make one account; 50 concurrent wrong logins on
//! one RUT reach the hash exactly `free_failures` times over both replicas; 1 000 queued messages are sent
//! once each by the workers of both replicas; a replica SIGKILLed in the middle of a recovery leaves the
//! citizen to finish it on the other; the per-address limit counts the client's address, not the proxy's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fakes::registro_civil::{FakeRegistroCivil, Fixtures};
use fakes::sms_gateway::FakeSmsGateway;
use fakes::smtp_sink::SmtpSink;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::outbox::{Channel, Event, Vars};
use server::store::Store;

const RUT: &str = "12.345.678-5";
const FREE_FAILURES: usize = 5;
/// Requests per minute per client address, in total over both replicas.
const PER_ADDRESS: usize = 400;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Replica {
    port: u16,
    child: Child,
}

impl Replica {
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Nginx {
    /// Configuration, pid and temporary files; removed with the guard.
    _dir: tempfile::TempDir,
    child: Child,
    port: u16,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_replica(database_url: &str, fakes: &Fakes, data: &std::path::Path) -> Replica {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_clave-sence"))
        .env("CLAVE_CONFIG", "/nonexistent/clave-sence.toml")
        .env("CLAVE_PROFILE", "dev")
        .env("DATABASE_URL", database_url)
        .env("CLAVE__HTTP__LISTEN", format!("127.0.0.1:{port}"))
        .env("CLAVE__HTTP__TRUSTED_PROXIES", "[\"127.0.0.1\"]")
        .env("CLAVE__HTTP__REPLICAS", "2")
        .env("CLAVE__HTTP__REQUESTS_PER_MINUTE_PER_IP", PER_ADDRESS.to_string())
        .env("CLAVE__DATA_DIR", data)
        .env("CLAVE__REGISTRO_CIVIL__URL", &fakes.registro_civil)
        .env("CLAVE__CAPTCHA__TEST_ANSWER", "TEST5")
        .env("CLAVE__SECURITY__HASH_WAIT_MS", "60000")
        .env("CLAVE__NOTIFICATIONS__DEV_SINK", "false")
        .env("CLAVE__NOTIFICATIONS__SMS__URL", &fakes.sms_url)
        .env("CLAVE__NOTIFICATIONS__SMTP__PORT", fakes.smtp_port.to_string())
        .env("CLAVE__NOTIFICATIONS__WORKER__POLL_MS", "50")
        .env("CLAVE__NOTIFICATIONS__WORKER__BATCH", "16")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .expect("start clave-sence");
    Replica { port, child }
}

fn start_nginx(replicas: &[&Replica]) -> Nginx {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let servers: String = replicas.iter().map(|r| format!("server 127.0.0.1:{} max_fails=0;\n", r.port)).collect();
    let user = if Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n").unwrap_or(false) {
        "user root;"
    } else {
        ""
    };
    let prefix = dir.path().display();
    let config = format!(
        "{user}\nworker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log warn;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {prefix}/body;\n  proxy_temp_path {prefix}/proxy;\n\
           fastcgi_temp_path {prefix}/fastcgi;\n  uwsgi_temp_path {prefix}/uwsgi;\n  scgi_temp_path {prefix}/scgi;\n\
           upstream clave {{\n{servers}    keepalive 32;\n  }}\n\
           server {{\n    listen 127.0.0.1:{port};\n    location / {{\n      proxy_pass http://clave;\n\
             proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n\
             proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n\
             proxy_next_upstream error timeout;\n      proxy_connect_timeout 2s;\n    }}\n  }}\n}}\n"
    );
    let conf = dir.path().join("nginx.conf");
    std::fs::write(&conf, config).unwrap();
    let child = Command::new("nginx")
        .args(["-p", &prefix.to_string(), "-c", conf.to_str().unwrap(), "-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start nginx (Debian's nginx-light)");
    Nginx { _dir: dir, child, port }
}

struct Fakes {
    registro_civil: String,
    sms: FakeSmsGateway,
    sms_url: String,
    smtp_port: u16,
    _smtp: SmtpSink,
}

async fn start_fakes() -> Fakes {
    let rc = FakeRegistroCivil::new(Fixtures::bundled().unwrap());
    let registro_civil = fakes::spawn(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(), rc.router());
    let sms = FakeSmsGateway::new();
    let sms_url = fakes::spawn(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(), sms.router());
    let smtp = SmtpSink::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let smtp_port = listener.local_addr().unwrap().port();
    smtp.spawn(listener);
    Fakes { registro_civil, sms, sms_url, smtp_port, _smtp: smtp }
}

async fn wait_for(client: &reqwest::Client, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(response) = client.get(url).send().await {
            if response.status().is_success() {
                return;
            }
        }
        assert!(Instant::now() < deadline, "{url} never answered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Requests through the proxy, from one client address.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    fn new(base: &str, from: IpAddr) -> Client {
        let http = reqwest::Client::builder().local_address(from).build().unwrap();
        Client { http, base: base.to_owned() }
    }

    async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.post_keyed(path, None, body).await
    }

    /// A request for a flow, with its key.
    async fn post_keyed(&self, path: &str, key: Option<&str>, body: &Value) -> (StatusCode, Value) {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(body);
        if path == "/api/login" {
            // Answered for registered platforms only: the development profile's sample platform.
            request = request.basic_auth(server::config::DEV_PLATFORM_ID, Some(server::config::DEV_PLATFORM_SECRET));
        }
        if let Some(key) = key {
            request = request.header("x-flow-key", key);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn captcha(&self) -> Value {
        let (status, c) = self.post("/api/captchas", &json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        json!({ "id": c["id"], "proof": fakes::bot::solve(&c["pow"]).expect("a solvable proof of work") })
    }

    async fn register_form(&self, rut: &str) -> Value {
        json!({
            "rut": rut, "serial": "A123456789", "question": "favorite_country", "answer": "Perú",
            "address": { "street": "Huérfanos", "number": "1273", "region": "13", "comuna": "13101" },
            "email": "juana@example.cl", "mobile": "98765432", "cs": "Mapocho#24", "cs_repeat": "Mapocho#24",
            "captcha": self.captcha().await,
        })
    }

    async fn register(&self, form: &Value) -> (StatusCode, Value) {
        let (status, flow) = self.post("/api/registration", &json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{flow}");
        self.post_keyed(&format!("/api/registration/{}/form", flow["id"].as_str().unwrap()), flow["key"].as_str(), form)
            .await
    }
}

/// The sum of a metric line over the replicas' `/metrics`.
async fn metric(http: &reqwest::Client, replicas: &[&Replica], line: &str) -> f64 {
    let mut total = 0.0;
    for replica in replicas {
        let text = http.get(replica.url("/metrics")).send().await.unwrap().text().await.unwrap();
        total += text
            .lines()
            .filter_map(|l| l.strip_prefix(line).and_then(|rest| rest.strip_prefix(' ')))
            .filter_map(|v| v.trim().parse::<f64>().ok())
            .sum::<f64>();
    }
    total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL (CLAVE_TEST_POSTGRES) and nginx: cargo xtask test runs it"]
async fn two_replicas_behind_nginx_on_one_postgresql() {
    let admin = std::env::var("CLAVE_TEST_POSTGRES").expect("CLAVE_TEST_POSTGRES: a PostgreSQL admin URL");
    let name = format!("replicas_{}", server::secrets::random_id());
    server::store::create_database(&admin, &name).await.unwrap();
    let database_url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
    // Migrations are applied here once, so the replicas do not race to apply them.
    let store = Store::connect(&database_url, 4).await.unwrap();
    let fakes = start_fakes().await;
    let data = tempfile::tempdir().unwrap();
    let a = start_replica(&database_url, &fakes, &data.path().join("a"));
    let mut b = Some(start_replica(&database_url, &fakes, &data.path().join("b")));
    let http = reqwest::Client::new();
    wait_for(&http, &a.url("/ready")).await;
    wait_for(&http, &b.as_ref().unwrap().url("/ready")).await;
    let nginx = start_nginx(&[&a, b.as_ref().unwrap()]);
    let base = format!("http://127.0.0.1:{}", nginx.port);
    wait_for(&http, &format!("{base}/health")).await;
    // Citizens come from several addresses (each well inside the per-address limit).
    let clients: Vec<Client> = (1..=10).map(|i| Client::new(&base, format!("127.0.1.{i}").parse().unwrap())).collect();
    let client = &clients[0];

    // 1. 100 concurrent registrations of one RUT → exactly one account.
    let mut forms = Vec::new();
    for _ in 0..100 {
        forms.push(client.register_form(RUT).await);
    }
    let tasks: Vec<_> = forms
        .into_iter()
        .enumerate()
        .map(|(i, form)| {
            let client = clients[i % clients.len()].clone();
            tokio::spawn(async move { client.register(&form).await })
        })
        .collect();
    let mut statuses: HashMap<StatusCode, usize> = HashMap::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        // Each registration checks the card first, a guess on the RUT: past the free failures still being
        // checked at once, the rest wait like any burst of guesses.
        // And guesses in flight count as failures until judged: the RUT turns risky for the rest of the burst,
        // whose bot checks were issued before it did.
        let refused = ["rut_already_registered", "too_many_attempts", "bot_check_escalated"];
        assert!(status == StatusCode::OK || refused.contains(&body["code"].as_str().unwrap_or("")), "{status}: {body}");
        *statuses.entry(status).or_default() += 1;
    }
    assert_eq!(statuses.get(&StatusCode::OK), Some(&1), "{statuses:?}");
    assert_eq!(server::store::accounts::count(store.db()).await.unwrap(), 1);

    // 2. 50 concurrent wrong logins on one RUT → exactly the free failures reach the hash.
    let replicas = [&a, b.as_ref().unwrap()];
    let hashed_before = metric(&http, &replicas, "clave_login_total{outcome=\"invalid_credentials\"}").await;
    // From one address: the count that locks is per RUT and address.
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                client.post("/api/login", &json!({ "rut": RUT, "cs": format!("Wrong-{i:04}") })).await
            })
        })
        .collect();
    let mut codes: HashMap<String, usize> = HashMap::new();
    for task in tasks {
        let (_, body) = task.await.unwrap();
        *codes.entry(body["code"].as_str().unwrap_or_default().to_owned()).or_default() += 1;
    }
    let hashed = metric(&http, &replicas, "clave_login_total{outcome=\"invalid_credentials\"}").await - hashed_before;
    let locked = metric(&http, &replicas, "clave_login_total{outcome=\"locked\"}").await;
    assert_eq!(hashed as usize, FREE_FAILURES, "guesses that reached the hash; answers: {codes:?}");
    assert_eq!(locked as usize, 50 - FREE_FAILURES, "refused as locked without a hash; answers: {codes:?}");
    assert_eq!(codes.get("invalid_credentials"), Some(&(FREE_FAILURES - 1)), "{codes:?}");
    assert_eq!(codes.get("account_locked"), Some(&(50 - FREE_FAILURES + 1)), "{codes:?}");

    // 3. 1 000 queued messages, delivered by the workers of both replicas, each once.
    let mut tx = store.begin().await.unwrap();
    let vars = Vars(domain::Language::Es, vec![("rut", RUT), ("url", "https://cus.sence.cl")]);
    for i in 0..1000 {
        let to = format!("+5699{i:07}");
        server::outbox::enqueue(
            tx.db(),
            &server::outbox::seal::Sealer::development(),
            Channel::Sms,
            Event::CsChanged,
            &to,
            &vars,
            0,
        )
        .await
        .unwrap();
    }
    server::store::commit(tx).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while fakes.sms.requests().len() < 1000 {
        assert!(Instant::now() < deadline, "only {} of 1000 sent", fakes.sms.requests().len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let requests = fakes.sms.requests();
    assert_eq!(requests.len(), 1000, "no message sent twice");
    assert_eq!(requests.iter().collect::<HashSet<_>>().len(), 1000);
    let per_worker = server::store::outbox::attempts_per_worker(store.db()).await.unwrap();
    let processes: HashSet<&str> = per_worker.iter().filter_map(|(w, _)| w.split('-').next()).collect();
    assert_eq!(processes.len(), 2, "both replicas delivered: {per_worker:?}");

    // 4. A replica dies in the middle of a recovery: the citizen finishes it through the other.
    let (status, flow) = client.post("/api/recovery", &json!({ "rut": RUT, "captcha": client.captcha().await })).await;
    assert_eq!(status, StatusCode::CREATED, "{flow}");
    let id = flow["id"].as_str().unwrap().to_owned();
    let key = flow["key"].as_str().unwrap().to_owned();
    let (status, flow) =
        client.post_keyed(&format!("/api/recovery/{id}/answer"), Some(&key), &json!({ "answer": "peru" })).await;
    assert_eq!((status, flow["step"].as_str()), (StatusCode::OK, Some("captcha")), "{flow}");
    drop(b.take()); // SIGKILL
    let captcha = client.captcha().await;
    let (status, done) =
        client.post_keyed(&format!("/api/recovery/{id}/captcha"), Some(&key), &json!({ "captcha": captcha })).await;
    assert_eq!((status, done["step"].as_str()), (StatusCode::OK, Some("done")), "{done}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !fakes.sms.delivered().iter().any(|s| s.text.contains("su clave Sence es:")) {
        assert!(Instant::now() < deadline, "the provisional CS never reached the phone");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // 5. The per-address limit sees the client behind the proxy: one address runs out, another does not.
    let b = start_replica(&database_url, &fakes, &data.path().join("b2"));
    wait_for(&http, &b.url("/ready")).await;
    drop(nginx);
    let nginx = start_nginx(&[&a, &b]);
    let base = format!("http://127.0.0.1:{}", nginx.port);
    wait_for(&http, &format!("{base}/health")).await;
    let noisy = Client::new(&base, "127.0.0.2".parse().unwrap());
    let mut allowed = 0;
    loop {
        let (status, body) = noisy.post("/api/captchas", &json!({})).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(body["code"], "rate_limited");
            break;
        }
        assert_eq!(status, StatusCode::CREATED, "{body}");
        allowed += 1;
        assert!(allowed <= 2 * PER_ADDRESS, "no limit after {allowed} requests");
    }
    assert!(allowed >= PER_ADDRESS / 2, "limited after only {allowed}: the proxy's traffic was counted");
    let quiet = Client::new(&base, "127.0.0.3".parse().unwrap());
    let (status, body) = quiet.post("/api/captchas", &json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "another client behind the same proxy is not limited: {body}");
    println!(
        "replicas: 1 account of 100 registrations; {hashed} of 50 wrong logins hashed; 1000 messages sent once; \
         recovery finished after a SIGKILL; client limited after {allowed} requests"
    );
}

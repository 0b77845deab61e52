//! The service benchmark: the release `clave-sence` binary under load from `wrk` (Debian's), each figure next
//! to the bound it is measured against in the same run:
//! - login (right and wrong CS, many RUTs, concurrency 8 and 64, fresh server) against the raw Argon2id rate
//!   of the same parameters on the same cores;
//! - static and read-only endpoints, and flow steps that write, against an axum hello-world;
//! - login p99 with 1 000 000 accounts against 1 000;
//! - resident memory under 1 000 concurrent login connections.
//!
//! On SQLite always; on PostgreSQL too when `CLAVE_BENCH_POSTGRES` names a server (an admin URL; `cargo xtask
//! bench` starts a throw-away one). `cargo bench -p server --bench service`; `--quick` shortens every run,
//! `--requests` measures only the endpoints compared with the hello-world.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use domain::Rut;
use server::store::Store;

const CS: &str = "Mapocho#24";
const FIRST_BODY: u32 = 10_000_000;

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19 * 1024, 2, 1, None).unwrap())
}

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// Argon2id verifications per second on every core at once: the bound a login endpoint can reach.
fn raw_argon2_rate(seconds: f64) -> f64 {
    let salt = SaltString::from_b64("c2FsdHNhbHRzYWx0").unwrap();
    let phc = argon2().hash_password(CS.as_bytes(), &salt).unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let threads: Vec<_> = (0..cores())
        .map(|_| {
            let phc = phc.clone();
            std::thread::spawn(move || {
                let parsed = PasswordHash::new(&phc).unwrap();
                let mut n = 0u64;
                while Instant::now() < deadline {
                    assert!(argon2().verify_password(CS.as_bytes(), &parsed).is_ok());
                    n += 1;
                }
                n
            })
        })
        .collect();
    let total: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    total as f64 / seconds
}

struct Wrk {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    non_2xx: u64,
}

fn parse_ms(value: &str) -> f64 {
    let value = value.trim();
    let (number, unit) = value.split_at(value.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(value.len()));
    let number: f64 = number.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => number / 1000.0,
        "ms" => number,
        "s" => number * 1000.0,
        "m" => number * 60_000.0,
        _ => f64::NAN,
    }
}

/// Runs wrk against `url` and reads its summary.
fn wrk(url: &str, connections: usize, seconds: u64, script: Option<&Path>, extra: &[&str]) -> Wrk {
    let threads = connections.min(2).to_string();
    let mut command = Command::new("wrk");
    command.args(["-t", &threads, "-c", &connections.to_string(), "-d", &format!("{seconds}s"), "--latency"]);
    command.args(["--timeout", "10s"]);
    if let Some(script) = script {
        command.arg("-s").arg(script);
    }
    command.args(extra).arg(url);
    let output = command.output().expect("wrk (Debian's package)");
    let text = String::from_utf8_lossy(&output.stdout);
    let mut result = Wrk { rps: 0.0, p50_ms: f64::NAN, p99_ms: f64::NAN, non_2xx: 0 };
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", rps] => result.rps = rps.parse().unwrap_or(0.0),
            ["50%", value] => result.p50_ms = parse_ms(value),
            ["99%", value] => result.p99_ms = parse_ms(value),
            ["Non-2xx", "or", "3xx", "responses:", n] => result.non_2xx = n.parse().unwrap_or(0),
            _ => {}
        }
    }
    assert!(result.rps > 0.0, "wrk measured nothing for {url}:\n{text}\n{}", String::from_utf8_lossy(&output.stderr));
    result
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_for(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Process {
    /// Resident memory, in MiB (VmRSS).
    fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.0.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }
}

/// The axum hello-world this bench compares with: the same runtime defaults as the server.
fn serve_hello(port: u16) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        let app = axum::Router::new().route("/", axum::routing::get(|| async { "Hello, World!" }));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        axum::serve(listener, app).await.unwrap();
    });
}

/// Bytes of the brotli file served for `file`.
fn brotli_size(file: &Path) -> f64 {
    let mut brotli = file.as_os_str().to_owned();
    brotli.push(".br");
    std::fs::metadata(brotli).map_or(f64::NAN, |m| m.len() as f64)
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

/// A Lua script for wrk that POSTs `body_template` with `%s` replaced by items (RUTs, whole bodies) taken in
/// turn, each thread its own share, so that no item is used twice in a row.
fn lua_posting(dir: &Path, name: &str, path: &str, ruts: &[String], body_template: &str) -> PathBuf {
    lua_posting_as(dir, name, path, ruts, body_template, "[\"Content-Type\"] = \"application/json\"")
}

/// [`lua_posting`] with other headers (a Lua table's fields).
fn lua_posting_as(dir: &Path, name: &str, path: &str, ruts: &[String], body_template: &str, headers: &str) -> PathBuf {
    let mut lua = String::from("local ruts = {");
    for rut in ruts {
        let _ = write!(lua, "[[{rut}]],");
    }
    let _ = write!(
        lua,
        "}}\nlocal counter = 0\noffset = 0\nlocal threads = 0\n\
         function setup(thread) thread:set(\"offset\", threads) threads = threads + 1 end\n\
         function request()\n  counter = counter + 1\n  local rut = ruts[((counter * 2 + offset) % #ruts) + 1]\n\
           local body = string.format('{body_template}', rut)\n\
           return wrk.format(\"POST\", \"{path}\", {{{headers}}}, body)\nend\n"
    );
    let file = dir.join(format!("{name}.lua"));
    std::fs::write(&file, lua).unwrap();
    file
}

fn lua_post(dir: &Path, name: &str, path: &str, body: &str) -> PathBuf {
    let file = dir.join(format!("{name}.lua"));
    std::fs::write(
        &file,
        format!(
            "wrk.method = \"POST\"\nwrk.body = '{body}'\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.path = \"{path}\"\n"
        ),
    )
    .unwrap();
    file
}

/// `count` authorization codes for a platform registered now, as form bodies for `/oauth2/token`, and the
/// Lua headers that authenticate the platform (HTTP Basic).
async fn token_bodies(store: &Store, ruts: &[String], count: usize) -> (String, Vec<String>) {
    use base64::Engine as _;
    use server::store::oidc::{Client, Code, Grant};
    use sha2::Digest as _;
    let redirect = "https://plataforma.sence.cl/callback";
    let client = Client {
        id: format!("bench-{}", server::secrets::random_id()),
        name: "bench".into(),
        secret_hash: None,
        redirect_uris: vec![redirect.into()],
        post_logout_uris: vec![],
        scopes: vec!["openid".into(), "rut".into()],
    };
    let id = client.id.clone();
    let secret = server::oidc::register_client(store, client, true, 0).await.unwrap().unwrap();
    let verifier = "bench-verifier-bench-verifier-bench-verifier-0123";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    let mut bodies = Vec::with_capacity(count);
    let mut tx = store.begin().await.unwrap();
    for i in 0..count {
        let code = format!("benchcode{i:09}");
        let stored = Code {
            client_id: id.clone(),
            rut: Rut::parse(&ruts[i % ruts.len()]).unwrap(),
            session_hash: "bench".into(),
            grant: Grant {
                redirect_uri: redirect.into(),
                scope: vec!["openid".into(), "rut".into()],
                nonce: Some("n".into()),
                code_challenge: challenge.clone(),
                auth_time: 0,
            },
            expires_at: i64::MAX / 2,
            uses: 0,
        };
        server::store::oidc::insert_code(tx.db(), &server::secrets::sha256_hex(&code), &stored).await.unwrap();
        bodies.push(format!(
            "grant_type=authorization_code&code={code}&code_verifier={verifier}&redirect_uri=https%3A%2F%2Fplataforma.sence.cl%2Fcallback"
        ));
    }
    server::store::commit(tx).await.unwrap();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    let headers =
        format!("[\"Content-Type\"] = \"application/x-www-form-urlencoded\", [\"Authorization\"] = \"Basic {basic}\"");
    (headers, bodies)
}

struct Engine {
    name: &'static str,
    url: String,
}

fn ruts(count: u32) -> Vec<String> {
    (FIRST_BODY..FIRST_BODY + count).filter_map(Rut::from_body).map(Rut::canonical).collect()
}

fn start_server(engine: &Engine, data: &Path) -> (Process, u16) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_clave-sence"))
        .env("CLAVE_PROFILE", "dev")
        .env("CLAVE_CONFIG", "/nonexistent/clave-sence.toml")
        .env("DATABASE_URL", &engine.url)
        .env("CLAVE__DATA_DIR", data)
        .env("CLAVE__HTTP__LISTEN", format!("127.0.0.1:{port}"))
        .env("CLAVE__HTTP__UI_DIR", root().join("ui").join("dist"))
        .env("CLAVE__HTTP__REQUESTS_PER_MINUTE_PER_IP", "100000000")
        .env("CLAVE__HTTP__BODY_LIMIT", "16384")
        // No lockouts: every wrong guess costs its hash, which is what is measured.
        .env("CLAVE__SECURITY__FREE_FAILURES", "1000000000")
        .env("CLAVE__SECURITY__ADDRESS_FREE_FAILURES", "1000000000")
        .env("CLAVE__SECURITY__PLATFORM_FREE_FAILURES", "1000000000")
        .env("CLAVE__SECURITY__MAX_CONSECUTIVE_FAILURES", "1000000000")
        .env("CLAVE__NOTIFICATIONS__DEV_SINK", "false")
        .env("CLAVE__NOTIFICATIONS__WORKER__COUNT", "0")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start clave-sence");
    wait_for(port);
    (Process(child), port)
}

struct Row {
    engine: &'static str,
    what: String,
    value: String,
    bound: String,
    ratio: Option<f64>,
    goal: &'static str,
}

impl Row {
    /// A request rate measured against the axum hello-world of the same run.
    fn against_hello(engine: &'static str, label: &str, rps: f64, hello_rps: f64, goal: &'static str) -> Row {
        Row {
            engine,
            what: format!("{label} (req/s)"),
            value: format!("{rps:.0}"),
            bound: format!("hello {hello_rps:.0}/s"),
            ratio: Some(rps / hello_rps),
            goal,
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "hello") {
        serve_hello(args[i + 1].parse().unwrap());
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    // `--requests`: only the endpoints measured against the hello-world (no login, memory or 1 M accounts).
    let requests_only = args.iter().any(|a| a == "--requests");
    let secs = if quick { 3 } else { 8 };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let mut rows: Vec<Row> = Vec::new();

    println!("== raw Argon2id (m=19 MiB, t=2, p=1) on {} threads", cores());
    let raw = raw_argon2_rate(secs as f64);
    println!("   {raw:.1} verifications/s");

    let hello_port = free_port();
    let hello = Process(
        Command::new(std::env::current_exe().unwrap())
            .args(["hello", &hello_port.to_string()])
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for(hello_port);
    let hello_rps = wrk(&format!("http://127.0.0.1:{hello_port}/"), 64, secs, None, &[]).rps;
    drop(hello);
    println!("== axum hello-world: {hello_rps:.0} req/s (64 connections)");

    let mut engines =
        vec![Engine { name: "SQLite", url: format!("sqlite://{}/bench.sqlite?mode=rwc", scratch.path().display()) }];
    if let Ok(admin) = std::env::var("CLAVE_BENCH_POSTGRES") {
        let name = format!("bench_{}", server::secrets::random_id());
        runtime.block_on(server::store::create_database(&admin, &name)).unwrap();
        engines.push(Engine { name: "PostgreSQL", url: format!("{}/{name}", admin.rsplit_once('/').unwrap().0) });
    }
    let salt = SaltString::from_b64("YmVuY2hzYWx0YmVuY2g").unwrap();
    let cs_hash = argon2().hash_password(CS.as_bytes(), &salt).unwrap().to_string();

    for engine in &engines {
        println!("== {}", engine.name);
        let data = scratch.path().join(engine.name);
        std::fs::create_dir_all(&data).unwrap();
        let store = runtime.block_on(Store::connect(&engine.url, 4)).unwrap();
        runtime.block_on(server::store::accounts::insert_synthetic(&store, FIRST_BODY, 1_000, &cs_hash, 0)).unwrap();
        let thousand = ruts(1_000);
        let lua_dir = scratch.path();
        // `POST /api/login` answers registered platforms: the development profile's sample platform.
        let platform = {
            use base64::Engine as _;
            let pair = format!("{}:{}", server::config::DEV_PLATFORM_ID, server::config::DEV_PLATFORM_SECRET);
            format!(
                "[\"Content-Type\"] = \"application/json\", [\"Authorization\"] = \"Basic {}\"",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        };
        let login = |name: &str, ruts: &[String], template: &str| {
            lua_posting_as(lua_dir, name, "/api/login", ruts, template, &platform)
        };
        let right = login("right", &thousand, &format!("{{\"rut\":\"%s\",\"cs\":\"{CS}\"}}"));
        let wrong = login("wrong", &thousand, "{\"rut\":\"%s\",\"cs\":\"Wrong-pass1\"}");

        // Login, fresh server each time.
        let mut login_rps = None;
        let logins: &[(&str, &PathBuf)] =
            if requests_only { &[] } else { &[("right CS", &right), ("wrong CS", &wrong)] };
        for &(label, script) in logins {
            for connections in [8, 64] {
                let (server, port) = start_server(engine, &data);
                let result = wrk(&format!("http://127.0.0.1:{port}/api/login"), connections, secs, Some(script), &[]);
                let rss = server.rss_mib();
                drop(server);
                if label == "right CS" && connections == 64 {
                    login_rps = Some(result.rps);
                }
                println!(
                    "   login {label}, c={connections}: {:.1}/s (p50 {:.0} ms, p99 {:.0} ms, non-2xx {}), RSS {rss:.0} MiB",
                    result.rps, result.p50_ms, result.p99_ms, result.non_2xx
                );
                rows.push(Row {
                    engine: engine.name,
                    what: format!("login, {label}, {connections} connections (req/s)"),
                    value: format!("{:.1}", result.rps),
                    bound: format!("Argon2id {raw:.1}/s"),
                    ratio: Some(result.rps / raw),
                    goal: "≥ 0.9",
                });
            }
        }

        let (server, port) = start_server(engine, &data);
        let base = format!("http://127.0.0.1:{port}");
        // A flow to read back.
        // Checks with an image made beforehand, answered "TEST5": one opens the flow read below, the rest start
        // recoveries (solving a proof of work is the client's cost, not the recovery start's).
        let mut captchas = runtime
            .block_on(server::store::captchas::insert_synthetic(&store, 250_000, "TEST5", i64::MAX / 2))
            .unwrap();
        let flow: serde_json::Value = runtime.block_on(async {
            let captcha = serde_json::json!({ "id": captchas.pop(), "text": "TEST5" });
            reqwest::Client::new()
                .post(format!("{base}/api/recovery"))
                .json(&serde_json::json!({ "rut": thousand[0], "captcha": captcha }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        });
        let flow_path = format!("/api/recovery/{}", flow["id"].as_str().expect("a recovery flow"));
        let flow_key = format!("X-Flow-Key: {}", flow["key"].as_str().expect("its key"));
        let wasm = std::fs::read_dir(root().join("ui").join("dist").join("assets"))
            .ok()
            .and_then(|mut dirs| dirs.next())
            .and_then(|d| d.ok())
            .map(|d| format!("/assets/{}/ui_bg.wasm", d.file_name().to_string_lossy()));
        let mut reads: Vec<(&str, String, Vec<&str>)> = vec![
            ("GET /health", "/health".to_owned(), vec![]),
            ("GET / (the UI's page)", "/".to_owned(), vec![]),
            ("GET /api/openapi.json", "/api/openapi.json".to_owned(), vec![]),
            ("GET /api/recovery/{id} (flow view)", flow_path.clone(), vec!["-H", &flow_key]),
        ];
        if let Some(wasm) = wasm {
            reads.push(("GET the UI's wasm (brotli)", wasm, vec!["-H", "Accept-Encoding: br"]));
        }
        for (label, path, extra) in &reads {
            let result = wrk(&format!("{base}{path}"), 64, secs, None, extra);
            println!("   {label}: {:.0} req/s (p50 {:.2} ms)", result.rps, result.p50_ms);
            if path.ends_with(".wasm") {
                // Hundreds of kilobytes each: bounded by copying bytes, not by handling requests.
                let size = brotli_size(&root().join("ui").join("dist").join(path.trim_start_matches('/')));
                rows.push(Row {
                    engine: engine.name,
                    what: format!("{label} (req/s)"),
                    value: format!("{:.0}", result.rps),
                    bound: format!("{:.0} MB/s of {:.0} KB each", result.rps * size / 1e6, size / 1e3),
                    ratio: None,
                    goal: "(bytes, not requests)",
                });
            } else {
                rows.push(Row::against_hello(engine.name, label, result.rps, hello_rps, "≥ 0.3"));
            }
        }
        // The token endpoint: codes made beforehand for a registered platform, each traded once.
        let token = runtime.block_on(token_bodies(&store, &thousand, 200_000));
        let result = wrk(
            &format!("{base}/"),
            64,
            secs,
            Some(&lua_posting_as(lua_dir, "token", "/oauth2/token", &token.1, "%s", &token.0)),
            &[],
        );
        println!(
            "   POST /oauth2/token: {:.0} req/s (p50 {:.2} ms, non-2xx {})",
            result.rps, result.p50_ms, result.non_2xx
        );
        rows.push(Row {
            engine: engine.name,
            what: "POST /oauth2/token (code → access and ES256 ID token) (req/s)".into(),
            value: format!("{:.0}", result.rps),
            bound: login_rps.map_or("login not measured".into(), |l| format!("login {l:.0}/s (right CS, 64)")),
            ratio: None,
            goal: "(reported)",
        });
        let starts: Vec<String> = captchas
            .iter()
            .zip(thousand.iter().cycle())
            .map(|(id, rut)| format!("{{\"rut\":\"{rut}\",\"captcha\":{{\"id\":\"{id}\",\"text\":\"TEST5\"}}}}"))
            .collect();
        let start_recovery = lua_posting(lua_dir, "recovery", "/api/recovery", &starts, "%s");
        let captcha = lua_post(lua_dir, "captcha", "/api/captchas", "{}");
        let registration = lua_post(lua_dir, "registration", "/api/registration", "{}");
        for (label, script) in [
            ("POST /api/captchas (proof of work + row)", &captcha),
            ("POST /api/registration (opens a flow)", &registration),
            ("POST /api/recovery (captcha, counts, account, flow, audit: one transaction)", &start_recovery),
        ] {
            // 64 connections, as the hello-world it is compared with: fewer leave the cores idle while requests
            // wait for their group's commit, which measures latency, not throughput.
            let result = wrk(&format!("{base}/"), 64, secs, Some(script), &[]);
            println!("   {label}: {:.0} req/s (p50 {:.2} ms, non-2xx {})", result.rps, result.p50_ms, result.non_2xx);
            rows.push(Row::against_hello(engine.name, label, result.rps, hello_rps, "≥ 0.1"));
        }

        if requests_only {
            drop(server);
            runtime.block_on(store.close());
            continue;
        }
        // Memory under 1 000 concurrent login connections, then idle.
        let idle_before = server.rss_mib();
        let url = format!("{base}/api/login");
        let (load_url, script) = (url.clone(), right.clone());
        let load = std::thread::spawn(move || wrk(&load_url, 1000, secs, Some(&script), &[]));
        let mut peak = 0f64;
        while !load.is_finished() {
            peak = peak.max(server.rss_mib());
            std::thread::sleep(Duration::from_millis(100));
        }
        let result = load.join().unwrap();
        std::thread::sleep(Duration::from_secs(2));
        let idle_after = server.rss_mib();
        println!(
            "   1000 login connections: {:.1}/s, p99 {:.0} ms, non-2xx {}; RSS idle {idle_before:.0} → peak {peak:.0} → idle {idle_after:.0} MiB",
            result.rps, result.p99_ms, result.non_2xx
        );
        rows.push(Row {
            engine: engine.name,
            what: "RSS under 1 000 login connections (peak, MiB)".into(),
            value: format!("{peak:.0}"),
            bound: format!("idle {idle_before:.0} → {idle_after:.0} after"),
            ratio: None,
            goal: "< 500 MB",
        });

        // Login p99 with 1 000 accounts, then 1 000 000.
        let p99_small = wrk(&url, 8, secs, Some(&right), &[]).p99_ms;
        drop(server);
        let started = Instant::now();
        let added = runtime
            .block_on(server::store::accounts::insert_synthetic(&store, FIRST_BODY + 1_000, 999_000, &cs_hash, 0))
            .unwrap();
        println!("   inserted {added} accounts in {:.0} s", started.elapsed().as_secs_f64());
        let million = ruts(1_000_000);
        let spread: Vec<String> = million.iter().step_by(997).cloned().collect();
        let right_million = login("right-million", &spread, &format!("{{\"rut\":\"%s\",\"cs\":\"{CS}\"}}"));
        let (server, port) = start_server(engine, &data);
        // The bulk load's WAL folded in by the checkpoint thread, and the server warmed up like the one the
        // 1 000-account figure came from, so that only the table's size differs.
        std::thread::sleep(Duration::from_secs(3));
        wrk(&format!("http://127.0.0.1:{port}/api/login"), 8, 2, Some(&right_million), &[]);
        let p99_large = wrk(&format!("http://127.0.0.1:{port}/api/login"), 8, secs, Some(&right_million), &[]).p99_ms;
        drop(server);
        println!(
            "   login p99, 8 connections: {p99_small:.0} ms with 1 000 accounts, {p99_large:.0} ms with 1 000 000"
        );
        rows.push(Row {
            engine: engine.name,
            what: "login p99 at 8 connections, 1 000 000 accounts (ms)".into(),
            value: format!("{p99_large:.0}"),
            bound: format!("1 000 accounts: {p99_small:.0} ms"),
            ratio: Some(p99_large / p99_small),
            goal: "≤ 1.2",
        });
        runtime.block_on(store.close());
    }

    println!("\n| engine | measure | value | against | ratio | goal |\n|---|---|---|---|---|---|");
    for row in rows {
        let ratio = row.ratio.map_or("—".to_owned(), |r| format!("{r:.2}"));
        println!("| {} | {} | {} | {} | {ratio} | {} |", row.engine, row.what, row.value, row.bound, row.goal);
    }
}

//! The production profile, on the real binary: a plain start refuses development defaults and says what to
//! change; a complete production configuration starts, answers, and stops cleanly on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn clave_sence(data: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_clave-sence"));
    command
        .env_remove("CLAVE_PROFILE")
        .env("CLAVE_CONFIG", "/nonexistent/clave-sence.toml")
        .env("CLAVE__DATA_DIR", data)
        .env("CLAVE__HTTP__LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "warn");
    command
}

#[test]
fn a_production_start_with_the_dev_sink_on_fails_and_says_what_to_change() {
    let data = tempfile::tempdir().unwrap();
    let output = clave_sence(data.path()).env("CLAVE__NOTIFICATIONS__DEV_SINK", "true").output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    for needle in [
        "refusing to start in production mode",
        "CLAVE__NOTIFICATIONS__DEV_SINK=false",
        "CLAVE__PUBLIC_URL",
        "CLAVE__NOTIFICATIONS__SMTP__HOST",
        "CLAVE__NOTIFICATIONS__SMS__URL",
        "CLAVE__REGISTRO_CIVIL__URL",
        "CLAVE_PROFILE=dev",
    ] {
        assert!(stderr.contains(needle), "{needle:?} missing from: {stderr}");
    }
}

#[test]
fn a_test_captcha_or_an_http_public_url_is_refused_in_production() {
    let data = tempfile::tempdir().unwrap();
    let output = clave_sence(data.path())
        .env("CLAVE__CAPTCHA__TEST_ANSWER", "TEST5")
        .env("CLAVE__PUBLIC_URL", "http://clave.sence.cl")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("TEST_ANSWER") && stderr.contains("not https"), "{stderr}");
}

/// A complete production configuration serves, and stops cleanly on SIGTERM. Its database was first opened by a
/// development start (which registers the sample platform, whose secret is public): production never serves it.
#[test]
fn a_complete_production_configuration_serves_and_stops_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut dev = clave_sence(data.path())
        .env("CLAVE_PROFILE", "dev")
        .env("CLAVE__HTTP__LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let sample = "/oauth2/authorize?client_id=plataforma-ejemplo&redirect_uri=http%3A%2F%2F127.0.0.1%3A8093%2Fcallback\
                  &response_type=code&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\
                  &code_challenge_method=S256";
    let served = loop {
        if let Ok(answer) = http_get(port, sample) {
            break answer;
        }
        assert!(Instant::now() < deadline, "the development start never answered");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(served.starts_with("HTTP/1.1 303") && served.contains("/ingresar/"), "dev serves it: {served}");
    dev.kill().unwrap();
    dev.wait().unwrap();
    let mut child = clave_sence(data.path())
        .env("CLAVE__HTTP__LISTEN", format!("127.0.0.1:{port}"))
        .env("CLAVE__PUBLIC_URL", "https://cus.sence.cl")
        .env("CLAVE__REGISTRO_CIVIL__URL", "http://127.0.0.1:9")
        .env("CLAVE__NOTIFICATIONS__SMTP__HOST", "127.0.0.1")
        .env("CLAVE__NOTIFICATIONS__SMS__URL", "http://127.0.0.1:9")
        .env("CLAVE__NOTIFICATIONS__SMS__TOKEN", "secret-token")
        .env("CLAVE__HTTP__METRICS_TOKEN", "scrape-token")
        .env("CLAVE__NOTIFICATIONS__SEAL_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let answer = loop {
        if let Ok(answer) = http_get(port, "/health") {
            break answer;
        }
        assert!(Instant::now() < deadline, "never answered");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(answer.ends_with("ok"), "{answer}");
    let refused = http_get(port, sample).unwrap();
    assert!(refused.starts_with("HTTP/1.1 400") && !refused.contains("/ingresar/"), "{refused}");
    // Metrics only for the scraper's token.
    assert!(http_get(port, "/metrics").unwrap().starts_with("HTTP/1.1 404"));
    let scraped = http_get_with(port, "/metrics", "Authorization: Bearer scrape-token\r\n").unwrap();
    assert!(scraped.starts_with("HTTP/1.1 200") && scraped.contains("clave_outbox_messages"), "{scraped}");
    // The Registro Civil at port 9 does not answer: alive, but not ready.
    let ready = http_get(port, "/ready").unwrap();
    assert!(ready.starts_with("HTTP/1.1 503"), "{ready}");
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(25);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
}

fn http_get(port: u16, path: &str) -> std::io::Result<String> {
    http_get_with(port, path, "")
}

fn http_get_with(port: u16, path: &str, headers: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n{headers}Connection: close\r\n\r\n").as_bytes())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}

//! Captures every log line (TRACE, all crates) of a full registration, recovery and change, "Mi Clave Sence"
//! (data in full, activity, export) and "No fui yo", and finds in it
//! no CS, no secret answer, no provisional CS and no whole RUT. A test binary of its own, so that its
//! thread-local subscriber sees all the server's work (single-threaded runtime: server and client share it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::io::Write;
use std::sync::{Arc, Mutex};

use helpers::*;
use serde_json::json;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_full_recovery_logs_no_secret_and_no_whole_rut() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = spawn_app().await;
    app.register_default().await;
    let (_, flow) = app.start_recovery(RUT).await;
    app.step("recovery", &flow, "answer", &json!({ "answer": "respuesta equivocada" })).await;
    let (_, flow) = app.step("recovery", &flow, "answer", &json!({ "forgot": true })).await;
    let (_, flow) = app.step("recovery", &flow, "serial", &json!({ "serial": SERIAL })).await;
    let (_, flow) = app
        .step(
            "recovery",
            &flow,
            "contact",
            &json!({ "email_correct": false, "email": "nueva.casilla@example.cl", "mobile": "955554444" }),
        )
        .await;
    let (_, flow) = app.prove_contacts("recovery", &flow, Some("nueva.casilla@example.cl"), Some("+56955554444")).await;
    let captcha = app.captcha().await;
    let (_, done) = app.step("recovery", &flow, "captcha", &json!({ "captcha": captcha })).await;
    assert_eq!(done["step"], "done");
    let key = app.provisional_for("nueva.casilla@example.cl").await;
    let (_, flow) = app.open("change", &json!({ "rut": RUT, "cs": key })).await;
    let captcha = app.captcha().await;
    let (status, _) = app
        .step("change", &flow, "new-cs", &json!({ "cs": "Alameda-77", "cs_repeat": "Alameda-77", "captcha": captcha }))
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    app.login(RUT, "Alameda-77").await;

    // "Mi Clave Sence": sign in, see everything in full, export, end the sessions.
    let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let url = |path: &str| format!("{}{path}", app.address);
    let signed =
        browser.post(url("/api/account/session")).json(&json!({ "rut": RUT, "cs": "Alameda-77" })).send().await;
    assert_eq!(signed.unwrap().status(), reqwest::StatusCode::NO_CONTENT);
    for path in ["/api/account?ver=1", "/api/account/activity", "/api/account/export"] {
        let response = browser.get(url(path)).send().await.unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{path}");
    }
    browser.post(url("/api/account/sessions/end")).send().await.unwrap();
    // "No fui yo" from the change's notice, then a login refused as frozen.
    let notice = app.outbox().await.into_iter().find(|m| m.event == "cs_changed").unwrap();
    let token = &notice.body[notice.body.find("/n/").unwrap() + 3..][..32];
    app.get(&format!("/api/disavowals/{token}")).await;
    assert_eq!(app.post(&format!("/api/disavowals/{token}"), &json!({})).await.0, reqwest::StatusCode::NO_CONTENT);
    assert_eq!(app.login(RUT, "Alameda-77").await.1["code"], "account_frozen");

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    // The capture works: the server's own events are in it.
    assert!(logs.contains("provisional CS issued"), "nothing captured:\n{logs}");
    assert!(logs.contains("account frozen"), "the report is in the capture");
    assert!(logs.contains("12*****8-5"), "RUTs are logged masked");
    for secret in [CS, "Mapocho", ANSWER, "Perú", "peru", "respuesta equivocada", key.as_str(), "Alameda-77", SERIAL] {
        assert!(!logs.contains(secret), "{secret:?} leaked into the logs");
    }
    for personal in
        ["12345678", "12.345.678", "nueva.casilla@example.cl", "juana.perez", "955554444", "98765432", "221234567"]
    {
        assert!(!logs.contains(personal), "{personal:?} leaked into the logs");
    }
}

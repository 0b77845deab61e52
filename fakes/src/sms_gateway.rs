//! Fake SMS operator gateway: `POST /v1/messages` with `{"to", "text"}` and an `Idempotency-Key` header answers
//! 202 and records the message; a key seen before answers 200 without delivering again, as real operators'
//! idempotent APIs do. It records every request too, so tests can count resends. `POST /control/fail`
//! `{"count": n}` makes the next n requests fail with 500; `{"delay_ms": n}` slows every answer.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

/// One SMS as the citizen receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sms {
    pub key: String,
    pub to: String,
    pub text: String,
}

#[derive(Default)]
struct Inner {
    delivered: Vec<Sms>,
    keys: HashSet<String>,
    /// Every request that reached the gateway (key), including failed and duplicate ones.
    requests: Vec<String>,
    fail_next: u32,
    delay_ms: u64,
}

#[derive(Clone, Default)]
pub struct FakeSmsGateway {
    inner: Arc<Mutex<Inner>>,
}

impl FakeSmsGateway {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/v1/messages", post(send).get(list))
            .route("/control/fail", post(control))
            .route("/health", get(|| async { "ok" }))
            .with_state(self.clone())
    }

    /// SMS delivered to phones, one per idempotency key, in arrival order.
    pub fn delivered(&self) -> Vec<Sms> {
        self.inner.lock().map(|i| i.delivered.clone()).unwrap_or_default()
    }

    /// Every request received, by idempotency key (resends included).
    pub fn requests(&self) -> Vec<String> {
        self.inner.lock().map(|i| i.requests.clone()).unwrap_or_default()
    }

    /// Makes the next `count` requests fail with 500.
    pub fn fail_next(&self, count: u32) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.fail_next = count;
        }
    }

    /// Delays every answer (to widen a window for crash tests).
    pub fn set_delay(&self, delay_ms: u64) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.delay_ms = delay_ms;
        }
    }
}

#[derive(Deserialize)]
struct SendRequest {
    to: String,
    text: String,
}

async fn send(
    State(fake): State<FakeSmsGateway>,
    headers: HeaderMap,
    Json(request): Json<SendRequest>,
) -> (StatusCode, Json<serde_json::Value>) {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let delay = fake.inner.lock().map(|i| i.delay_ms).unwrap_or(0);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let Ok(mut inner) = fake.inner.lock() else {
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(serde_json::json!({})));
    };
    inner.requests.push(key.clone());
    if key.is_empty() {
        return (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "error": "Idempotency-Key required" })));
    }
    if inner.fail_next > 0 {
        inner.fail_next -= 1;
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(serde_json::json!({ "error": "simulated failure" })));
    }
    if !inner.keys.insert(key.clone()) {
        return (StatusCode::OK, Json(serde_json::json!({ "id": key, "status": "duplicate" })));
    }
    inner.delivered.push(Sms { key: key.clone(), to: request.to, text: request.text });
    (StatusCode::ACCEPTED, Json(serde_json::json!({ "id": key, "status": "queued" })))
}

async fn list(State(fake): State<FakeSmsGateway>) -> Json<Vec<Sms>> {
    Json(fake.delivered())
}

#[derive(Deserialize)]
struct Control {
    #[serde(default)]
    count: u32,
    #[serde(default)]
    delay_ms: Option<u64>,
}

async fn control(State(fake): State<FakeSmsGateway>, Json(control): Json<Control>) -> StatusCode {
    fake.fail_next(control.count);
    if let Some(delay) = control.delay_ms {
        fake.set_delay(delay);
    }
    StatusCode::NO_CONTENT
}

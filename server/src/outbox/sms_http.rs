//! SMS through the operator's HTTP gateway: `POST {url}/v1/messages` with `{"to": "+569…", "text": "…"}`,
//! `Authorization: Bearer <token>` and `Idempotency-Key: <outbox id>`, so a resend after a crash is delivered
//! once by the operator. 2xx: sent; 4xx other than 408/429: refused for good; anything else: try again.

use std::time::Duration;

use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use super::channel::{Channel, OutgoingMessage, SendError, SendFuture};
use crate::config::SmsSettings;

pub struct HttpSmsChannel {
    client: reqwest::Client,
    endpoint: String,
    token: Option<SecretString>,
}

#[derive(Serialize)]
struct SmsRequest<'a> {
    to: &'a str,
    text: &'a str,
}

impl HttpSmsChannel {
    pub fn new(settings: &SmsSettings) -> anyhow::Result<Self> {
        let timeout = Duration::from_millis(settings.timeout_ms);
        Ok(HttpSmsChannel {
            client: reqwest::Client::builder().tcp_nodelay(true).timeout(timeout).connect_timeout(timeout).build()?,
            endpoint: format!("{}/v1/messages", settings.url.trim_end_matches('/')),
            token: settings.token.clone(),
        })
    }
}

impl Channel for HttpSmsChannel {
    fn send<'a>(&'a self, message: &'a OutgoingMessage) -> SendFuture<'a> {
        Box::pin(async move {
            let mut request = self
                .client
                .post(&self.endpoint)
                .header("Idempotency-Key", &message.id)
                .json(&SmsRequest { to: &message.recipient, text: &message.body });
            if let Some(token) = &self.token {
                request = request.bearer_auth(token.expose_secret());
            }
            let response = request.send().await.map_err(|e| SendError::retry(e.without_url().to_string()))?;
            let status = response.status();
            if status.is_success() {
                Ok(())
            } else if status.is_client_error()
                && status != StatusCode::REQUEST_TIMEOUT
                && status != StatusCode::TOO_MANY_REQUESTS
            {
                Err(SendError::permanent(format!("gateway refused: {status}")))
            } else {
                Err(SendError::retry(format!("gateway status {status}")))
            }
        })
    }
}

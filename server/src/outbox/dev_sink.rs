//! The dev sink: with the embedded defaults, every message is also written to `<data_dir>/outbox/` (one file
//! per message) and listed at `/dev/messages` (HTML) and `/dev/messages.json`, so a newcomer can read the
//! provisional CS and finish a recovery on one machine. Never enabled in production: it shows provisional keys.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::channel::{Channel, OutgoingMessage, SendFuture};

/// Writes each message to a file, then hands it to the real channel.
pub struct DevSink {
    dir: PathBuf,
    inner: Arc<dyn Channel>,
}

impl DevSink {
    pub fn new(dir: PathBuf, inner: Arc<dyn Channel>) -> Self {
        DevSink { dir, inner }
    }
}

/// One message as the dev page shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DevMessage {
    pub id: String,
    pub channel: String,
    pub event: String,
    pub recipient: String,
    pub subject: Option<String>,
    pub body: String,
    /// Unix milliseconds when the worker first tried to send it.
    pub at: i64,
}

impl Channel for DevSink {
    fn send<'a>(&'a self, message: &'a OutgoingMessage) -> SendFuture<'a> {
        Box::pin(async move {
            let record = DevMessage {
                id: message.id.clone(),
                channel: message.channel.as_str().to_owned(),
                event: message.event.as_str().to_owned(),
                recipient: message.recipient.clone(),
                subject: message.subject.clone(),
                body: message.body.clone(),
                at: crate::clock::Clock::now_ms(&crate::clock::SystemClock),
            };
            // Same file name for every attempt of a message: written once, whatever the retries.
            let path = self.dir.join(format!("{}.json", message.id));
            if tokio::fs::metadata(&path).await.is_err() {
                if let Err(error) = write(&self.dir, &path, &record).await {
                    tracing::warn!(%error, "dev sink could not write the message");
                }
            }
            self.inner.send(message).await
        })
    }
}

async fn write(dir: &std::path::Path, path: &std::path::Path, record: &DevMessage) -> anyhow::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    tokio::fs::write(path, serde_json::to_vec_pretty(record)?).await?;
    Ok(())
}

/// Reads the messages written so far, newest first.
pub async fn read_all(dir: &std::path::Path) -> Vec<DevMessage> {
    let mut messages = Vec::new();
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else { return messages };
    while let Ok(Some(entry)) = entries.next_entry().await {
        if let Ok(bytes) = tokio::fs::read(entry.path()).await {
            if let Ok(message) = serde_json::from_slice::<DevMessage>(&bytes) {
                messages.push(message);
            }
        }
    }
    messages.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.id.cmp(&b.id)));
    messages
}

/// `/dev/messages` (HTML) and `/dev/messages.json`, read-only.
pub fn router(dir: PathBuf) -> Router {
    Router::new().route("/dev/messages", get(page)).route("/dev/messages.json", get(list)).with_state(Arc::new(dir))
}

async fn list(State(dir): State<Arc<PathBuf>>) -> Json<Vec<DevMessage>> {
    Json(read_all(&dir).await)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

async fn page(State(dir): State<Arc<PathBuf>>) -> Html<String> {
    let mut html = String::from(
        "<!doctype html><html lang=\"es\"><head><meta charset=\"utf-8\"><title>Mensajes enviados (desarrollo)</title>\
         <style>body{font-family:sans-serif;max-width:50rem;margin:auto;padding:1rem}article{border:1px solid #767676;\
         padding:.5rem 1rem;margin:1rem 0}pre{white-space:pre-wrap}</style></head><body>\
         <h1>Mensajes enviados (sólo en desarrollo)</h1>",
    );
    let messages = read_all(&dir).await;
    if messages.is_empty() {
        html.push_str("<p>Aún no se ha enviado ningún mensaje.</p>");
    }
    for m in messages {
        html.push_str(&format!(
            "<article><h2>{} a {}</h2><p>Evento: {}</p>{}<pre>{}</pre></article>",
            if m.channel == "sms" { "SMS" } else { "E-mail" },
            escape(&m.recipient),
            escape(&m.event),
            m.subject.map(|s| format!("<p>Asunto: <strong>{}</strong></p>", escape(&s))).unwrap_or_default(),
            escape(&m.body)
        ));
    }
    html.push_str("</body></html>");
    Html(html)
}

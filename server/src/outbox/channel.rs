//! `Channel`: one way of delivering a message (SMTP e-mail, the SMS operator's gateway, the dev sink). The
//! worker knows nothing else of them.

use std::future::Future;
use std::pin::Pin;

/// A message taken from the outbox. `id` is the idempotency key: the same id may be sent again after a crash,
/// and providers use it to deliver it once (SMS: `Idempotency-Key` header; e-mail: `Message-ID`).
#[derive(Clone)]
pub struct OutgoingMessage {
    pub id: String,
    pub channel: super::Channel,
    pub event: super::Event,
    pub recipient: String,
    pub subject: Option<String>,
    pub body: String,
}

/// Debug without recipient or body: a body may hold a provisional CS.
impl std::fmt::Debug for OutgoingMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OutgoingMessage({} {} {})", self.id, self.channel.as_str(), self.event.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// False when trying again cannot help (e.g. the provider refused the address).
    pub retryable: bool,
    pub message: String,
}

impl SendError {
    pub fn retry(message: impl Into<String>) -> Self {
        SendError { retryable: true, message: message.into() }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        SendError { retryable: false, message: message.into() }
    }
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>>;

pub trait Channel: Send + Sync + 'static {
    fn send<'a>(&'a self, message: &'a OutgoingMessage) -> SendFuture<'a>;
}

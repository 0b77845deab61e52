//! The outbox: every e-mail and SMS is a row written in the same transaction as the account change that
//! causes it, so a notice is never lost nor sent for a change that did not happen. The row id is the
//! idempotency key given to the provider. Delivery (worker, SMTP, SMS gateway) reads these rows.

pub mod channel;
pub mod dev_sink;
pub mod sms_http;
pub mod smtp;
pub mod templates;
pub mod worker;

use sqlx::SqliteExecutor;

pub use templates::Event;

use crate::secrets::random_id;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

/// The values a template may use.
pub struct Vars<'a>(pub Vec<(&'a str, &'a str)>);

/// Renders the `event` templates for `channel` and queues the message to `recipient`. Returns the row id.
/// `now_ms` is unix milliseconds.
pub async fn enqueue(
    db: impl SqliteExecutor<'_>,
    channel: Channel,
    event: Event,
    recipient: &str,
    vars: &Vars<'_>,
    now_ms: i64,
) -> Result<String, sqlx::Error> {
    let ch = channel.as_str();
    let subject = match channel {
        Channel::Email => templates::render(event, ch, "subject", "es", &vars.0),
        Channel::Sms => None,
    };
    let body = templates::render(event, ch, "body", "es", &vars.0)
        .ok_or_else(|| sqlx::Error::Protocol(format!("no template {}/{ch}.body", event.as_str())))?;
    let id = random_id();
    sqlx::query(
        "INSERT INTO outbox (id, channel, event, recipient, subject, body, status, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8)",
    )
    .bind(&id)
    .bind(ch)
    .bind(event.as_str())
    .bind(recipient)
    .bind(subject)
    .bind(body)
    .bind(now_ms)
    .bind(now_ms)
    .execute(db)
    .await?;
    Ok(id)
}

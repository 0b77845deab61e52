//! The outbox: every e-mail and SMS is a row written in the same transaction as the account change that
//! causes it, so a notice is never lost nor sent for a change that did not happen. The row id is the
//! idempotency key given to the provider. Delivery (worker, SMTP, SMS gateway) reads these rows.

pub mod channel;
pub mod dev_sink;
pub mod seal;
pub mod sms_http;
pub mod smtp;
pub mod templates;
pub mod worker;

pub use templates::Event;

use crate::secrets::random_id;
use crate::store::outbox::{self as table, NewMessage};
use crate::store::{Db, StoreError};

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

    pub fn parse(raw: &str) -> Option<Channel> {
        [Channel::Email, Channel::Sms].into_iter().find(|c| c.as_str() == raw)
    }
}

/// The language of the message (the account's), and the values its template may use.
pub struct Vars<'a>(pub domain::Language, pub Vec<(&'a str, &'a str)>);

/// Renders the `event` templates for `channel` and queues the message to `recipient` (in the transaction of
/// the change that causes it). A text that carries the provisional CS is sealed. Returns the row id. `now_ms`
/// is unix milliseconds.
pub async fn enqueue(
    db: Db<'_>,
    sealer: &seal::Sealer,
    channel: Channel,
    event: Event,
    recipient: &str,
    vars: &Vars<'_>,
    now_ms: i64,
) -> Result<String, StoreError> {
    let ch = channel.as_str();
    let subject = match channel {
        Channel::Email => templates::render(event, ch, "subject", vars.0, &vars.1),
        Channel::Sms => None,
    };
    let body = templates::render(event, ch, "body", vars.0, &vars.1)
        .ok_or_else(|| StoreError::Corrupt(format!("no template {}/{ch}.body", event.as_str())))?;
    // Every text carries a secret (a provisional CS, a code, a link that freezes or confirms): sealed at rest.
    let body = sealer.seal(&body);
    let id = random_id();
    table::insert(db, NewMessage { id: &id, channel, event, recipient, subject, body }, now_ms).await?;
    Ok(id)
}

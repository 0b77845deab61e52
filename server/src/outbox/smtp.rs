//! E-mail over SMTP with lettre: plain, STARTTLS or implicit TLS, optional credentials, a timeout per send.
//! The outbox id becomes the `Message-ID`, so a resend after a crash is recognisable as the same message.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use super::channel::{Channel, OutgoingMessage, SendError, SendFuture};
use crate::config::{SmtpSettings, SmtpTls};

pub struct SmtpChannel {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl SmtpChannel {
    pub fn new(settings: &SmtpSettings) -> anyhow::Result<Self> {
        let builder = match settings.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host),
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host)?,
        };
        let mut builder = builder.port(settings.port).timeout(Some(Duration::from_millis(settings.timeout_ms)));
        if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.expose_secret().to_owned()));
        }
        Ok(SmtpChannel { transport: builder.build(), from: settings.from.parse()? })
    }
}

impl Channel for SmtpChannel {
    fn send<'a>(&'a self, message: &'a OutgoingMessage) -> SendFuture<'a> {
        Box::pin(async move {
            let to = message.recipient.parse().map_err(|e| SendError::permanent(format!("bad address: {e}")))?;
            let email = Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(message.subject.clone().unwrap_or_default())
                .message_id(Some(format!("<{}@clave-sence>", message.id)))
                .header(ContentType::TEXT_PLAIN)
                .body(message.body.clone())
                .map_err(|e| SendError::permanent(e.to_string()))?;
            match self.transport.send(email).await {
                Ok(_) => Ok(()),
                Err(error) if error.is_permanent() => Err(SendError::permanent(error.to_string())),
                Err(error) => Err(SendError::retry(error.to_string())),
            }
        })
    }
}

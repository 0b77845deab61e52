//! E-mail over SMTP with lettre's protocol client: plain, STARTTLS or implicit TLS, optional credentials, a
//! timeout per send. The outbox id becomes the `Message-ID`, so a resend after a crash is recognisable as the
//! same message.
//!
//! The connections are ours, not lettre's transport's: lettre writes a message's text and its closing
//! `\r\n.\r\n` in two writes, and with Nagle's algorithm on (lettre never sets TCP_NODELAY) the second waits
//! for the relay's delayed ACK: 40 ms per message. So each connection is opened here with TCP_NODELAY, handed
//! to lettre, and kept in a small pool of idle ones.

#![allow(deprecated)] // `AsyncNetworkStream`: lettre's own TLS, the only way to put it on a stream it did not open

use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncNetworkStream, AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use secrecy::ExposeSecret;
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, FuturesAsyncReadCompatExt};

use super::channel::{Channel, OutgoingMessage, SendError, SendFuture};
use crate::config::{SmtpSettings, SmtpTls};

/// Idle connections kept for the next messages, and how long one may idle (relays close theirs after a few
/// minutes; lettre's own pool uses the same 60 s).
const IDLE_CONNECTIONS: usize = 8;
const IDLE_FOR: Duration = Duration::from_secs(60);
const AUTH_MECHANISMS: [Mechanism; 2] = [Mechanism::Plain, Mechanism::Login];

pub struct SmtpChannel {
    host: String,
    port: u16,
    tls: SmtpTls,
    credentials: Option<Credentials>,
    timeout: Duration,
    hello: ClientId,
    from: lettre::message::Mailbox,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl SmtpChannel {
    pub fn new(settings: &SmtpSettings) -> anyhow::Result<Self> {
        let credentials = match (&settings.username, &settings.password) {
            (Some(user), Some(password)) => Some(Credentials::new(user.clone(), password.expose_secret().to_owned())),
            _ => None,
        };
        Ok(SmtpChannel {
            host: settings.host.clone(),
            port: settings.port,
            tls: settings.tls,
            credentials,
            timeout: Duration::from_millis(settings.timeout_ms),
            hello: ClientId::default(),
            from: settings.from.parse()?,
            idle: Mutex::new(Vec::new()),
        })
    }

    fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        idle.retain(|(conn, since)| since.elapsed() < IDLE_FOR && !conn.has_broken());
        idle.pop().map(|(conn, _)| conn)
    }

    fn put_idle(&self, conn: AsyncSmtpConnection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < IDLE_CONNECTIONS && !conn.has_broken() {
            idle.push((conn, Instant::now()));
        }
    }

    /// A new connection: TCP with TCP_NODELAY, TLS as configured, greeting, EHLO, credentials.
    async fn connect(&self) -> Result<AsyncSmtpConnection, String> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port)).await.map_err(|e| e.to_string())?;
        tcp.set_nodelay(true).map_err(|e| e.to_string())?;
        let tls = || TlsParameters::new(self.host.clone()).map_err(|e| e.to_string());
        let mut conn = match self.tls {
            SmtpTls::None | SmtpTls::Starttls => {
                AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello).await
            }
            SmtpTls::Tls => {
                let mut stream = AsyncNetworkStream::use_existing_tokio1(Box::new(tcp));
                stream.upgrade_tls(tls()?).await.map_err(|e| e.to_string())?;
                AsyncSmtpConnection::connect_with_transport(Box::new(Encrypted(stream.compat())), &self.hello).await
            }
        }
        .map_err(|e| e.to_string())?;
        if self.tls == SmtpTls::Starttls {
            // Refused when the relay does not offer it: never fall back to plain text.
            conn.starttls(tls()?, &self.hello).await.map_err(|e| e.to_string())?;
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(&AUTH_MECHANISMS, credentials).await.map_err(|e| e.to_string())?;
        }
        Ok(conn)
    }

    async fn send_email(&self, envelope: &lettre::address::Envelope, text: &[u8]) -> Result<(), SendError> {
        // An idle connection the relay has closed meanwhile fails its first command: then once more on a new one.
        if let Some(mut conn) = self.take_idle() {
            match conn.send(envelope, text).await {
                Ok(_) => {
                    self.put_idle(conn);
                    return Ok(());
                }
                Err(error) if error.is_permanent() => {
                    self.put_idle(conn);
                    return Err(SendError::permanent(error.to_string()));
                }
                Err(_) => conn.abort().await,
            }
        }
        let mut conn = self.connect().await.map_err(SendError::retry)?;
        let sent = conn.send(envelope, text).await;
        self.put_idle(conn);
        match sent {
            Ok(_) => Ok(()),
            Err(error) if error.is_permanent() => Err(SendError::permanent(error.to_string())),
            Err(error) => Err(SendError::retry(error.to_string())),
        }
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
            tokio::time::timeout(self.timeout, self.send_email(email.envelope(), &email.formatted()))
                .await
                .map_err(|_| SendError::retry("SMTP: timed out"))?
        })
    }
}

/// A TLS stream lettre made, handed back to it as a transport (implicit TLS, port 465).
#[derive(Debug)]
struct Encrypted(Compat<AsyncNetworkStream>);

impl AsyncTokioStream for Encrypted {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.0.get_ref().peer_addr()
    }
}

impl tokio::io::AsyncRead for Encrypted {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for Encrypted {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

//! A local SMTP sink: speaks enough SMTP (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for a real client
//! such as lettre to hold a whole conversation, and keeps every message received, parsed with mail-parser so
//! tests can read its subject, body and Message-ID.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// A message as received.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub raw: String,
}

impl Mail {
    fn parsed(&self) -> Option<mail_parser::Message<'_>> {
        mail_parser::MessageParser::default().parse(self.raw.as_bytes())
    }

    pub fn subject(&self) -> String {
        self.parsed().and_then(|m| m.subject().map(str::to_owned)).unwrap_or_default()
    }

    /// The text body, decoded (quoted-printable or base64) and with line ends normalised.
    pub fn body(&self) -> String {
        self.parsed()
            .and_then(|m| m.body_text(0).map(|b| b.replace("\r\n", "\n").trim_end_matches('\n').to_owned()))
            .unwrap_or_default()
    }

    pub fn message_id(&self) -> String {
        self.parsed().and_then(|m| m.message_id().map(str::to_owned)).unwrap_or_default()
    }
}

#[derive(Clone, Default)]
pub struct SmtpSink {
    mails: Arc<Mutex<Vec<Mail>>>,
    delay_ms: Arc<Mutex<u64>>,
}

impl SmtpSink {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Delays the answer to DATA (to widen a window for crash tests).
    pub fn set_delay(&self, delay_ms: u64) {
        if let Ok(mut d) = self.delay_ms.lock() {
            *d = delay_ms;
        }
    }

    /// Accepts connections on `listener` in the background.
    pub fn spawn(&self, listener: TcpListener) {
        let sink = self.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let sink = sink.clone();
                tokio::spawn(async move {
                    if let Err(error) = sink.session(stream).await {
                        tracing::debug!(%error, "smtp session ended");
                    }
                });
            }
        });
    }

    async fn session(&self, stream: TcpStream) -> std::io::Result<()> {
        stream.set_nodelay(true)?;
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 clave-fakes ESMTP\r\n").await?;
        let (mut from, mut to) = (String::new(), Vec::new());
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_owned();
            let upper = command.to_ascii_uppercase();
            if upper.starts_with("EHLO") {
                write.write_all(b"250-clave-fakes\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 OK\r\n").await?;
            } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
                write.write_all(b"250 OK\r\n").await?;
            } else if upper.starts_with("MAIL FROM:") {
                from = command[10..].trim().trim_matches(['<', '>']).to_owned();
                to.clear();
                write.write_all(b"250 OK\r\n").await?;
            } else if upper.starts_with("RCPT TO:") {
                to.push(command[8..].trim().trim_matches(['<', '>']).to_owned());
                write.write_all(b"250 OK\r\n").await?;
            } else if upper == "DATA" {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let mut raw = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    raw.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                let delay = self.delay_ms.lock().map(|d| *d).unwrap_or(0);
                if delay > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
                }
                if let Ok(mut mails) = self.mails.lock() {
                    mails.push(Mail { from: from.clone(), to: to.clone(), raw });
                }
                write.write_all(b"250 OK queued\r\n").await?;
            } else if upper.starts_with("RSET") {
                to.clear();
                write.write_all(b"250 OK\r\n").await?;
            } else if upper.starts_with("QUIT") {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            } else {
                write.write_all(b"502 Command not implemented\r\n").await?;
            }
        }
    }
}

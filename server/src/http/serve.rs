//! The accept loop: what a connection may cost before the router sees a request.
//!
//! - **Caps**: at most `max_connections` open at once (and never more than the process's file descriptors
//!   allow, less a reserve for the database and the services we call), and `max_connections_per_ip` from one
//!   address (trusted proxies exempt: every citizen behind them shares their address). Past a cap the
//!   connection gets a JSON `503 server_busy` with `Connection: close` at once, so one client cannot exhaust
//!   the descriptors and take `/health` down with it.
//! - **Timeouts**: a request's headers must arrive within `header_read_timeout_seconds`, which also closes
//!   keep-alive connections idle that long (hyper starts the clock whenever it waits for a request head);
//!   a request's body must arrive within `body_timeout_seconds` (a layer on the router).
//! - **Shutdown**: when told to stop, no new connection is accepted and open ones finish their request.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

use super::rate_limit::TrustedProxies;
use crate::config::HttpSettings;

/// Descriptors kept for everything that is not a client connection (database pool, SMTP, logs, files).
const RESERVED_DESCRIPTORS: usize = 256;

/// The answer to a connection past a cap: the API's error shape, then the connection is closed.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\n\
connection: close\r\ncontent-length: 38\r\n\r\n{\"code\":\"server_busy\",\"retry_after\":1}";

/// The soft limit on open files of this process (Linux), if it can be read.
fn open_files_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Open connections, in total and per address.
#[derive(Default)]
struct Counts {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

/// Releases its place in [`Counts`] when the connection ends.
struct Slot {
    counts: Arc<Mutex<Counts>>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut counts) = self.counts.lock() {
            counts.total = counts.total.saturating_sub(1);
            if let Some(n) = counts.per_ip.get_mut(&self.ip) {
                *n -= 1;
                if *n == 0 {
                    counts.per_ip.remove(&self.ip);
                }
            }
        }
    }
}

pub struct Limits {
    max_total: usize,
    max_per_ip: usize,
    header_read_timeout: Duration,
    trusted: TrustedProxies,
    counts: Arc<Mutex<Counts>>,
}

impl Limits {
    pub fn new(settings: &HttpSettings, trusted: TrustedProxies) -> Limits {
        let by_descriptors = open_files_limit().map_or(usize::MAX, |n| n.saturating_sub(RESERVED_DESCRIPTORS));
        Limits {
            max_total: settings.max_connections.min(by_descriptors).max(1),
            max_per_ip: settings.max_connections_per_ip.max(1),
            header_read_timeout: Duration::from_secs(settings.header_read_timeout_seconds.max(1)),
            trusted,
            counts: Arc::default(),
        }
    }

    /// A place for a connection from `ip`, or `None` past a cap.
    fn admit(&self, ip: IpAddr) -> Option<Slot> {
        let mut counts = self.counts.lock().ok()?;
        let from_ip = counts.per_ip.get(&ip).copied().unwrap_or(0);
        let capped_ip = from_ip >= self.max_per_ip && !self.trusted.is_trusted(ip);
        if counts.total >= self.max_total || capped_ip {
            return None;
        }
        counts.total += 1;
        *counts.per_ip.entry(ip).or_default() += 1;
        Some(Slot { counts: self.counts.clone(), ip })
    }
}

/// Serves `router` on `listener` until `stop` completes, then lets open connections finish for `grace`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
    grace: Duration,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    builder.http2().timer(TokioTimer::new()).keep_alive_interval(Some(Duration::from_secs(30)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let (tcp, peer) = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors or a connection reset before accept: wait a moment, do not spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some(slot) = limits.admit(peer.ip()) else {
            tokio::spawn(refuse(tcp));
            continue;
        };
        // Nagle's algorithm meeting delayed ACKs costs ~40 ms per small answer: send at once.
        let _ = tcp.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            let router = router.clone();
            async move { Ok::<_, Infallible>(router.oneshot(request.map(Body::new)).await.unwrap_or_else(|e| match e {})) }
        });
        let connection = builder.serve_connection_with_upgrades(TokioIo::new(tcp), service).into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after the grace period were dropped");
    }
}

/// Answers a connection past a cap without reading its request.
async fn refuse(mut tcp: TcpStream) {
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = tcp.write_all(BUSY).await;
        let _ = tcp.shutdown().await;
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busy_answer_is_well_formed() {
        let text = std::str::from_utf8(BUSY).unwrap_or_default();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or_default();
        assert!(head.contains(&format!("content-length: {}", body.len())), "{head}");
        assert!(serde_json::from_str::<serde_json::Value>(body).is_ok());
    }

    #[test]
    fn caps_count_per_address_and_release_on_drop() {
        let settings =
            HttpSettings { max_connections: 3, max_connections_per_ip: 2, ..crate::Settings::default().http };
        let trusted = TrustedProxies::parse(&["10.0.0.1".into()]).unwrap_or_default();
        let limits = Limits::new(&settings, trusted);
        let a: IpAddr = [192, 0, 2, 1].into();
        let proxy: IpAddr = [10, 0, 0, 1].into();
        let first = limits.admit(a);
        let second = limits.admit(a);
        assert!(first.is_some() && second.is_some());
        assert!(limits.admit(a).is_none(), "a third from one address");
        let third = limits.admit(proxy);
        assert!(third.is_some());
        assert!(limits.admit(proxy).is_none(), "the total cap");
        drop(first);
        assert!(limits.admit(a).is_some(), "a place was given back");
    }
}

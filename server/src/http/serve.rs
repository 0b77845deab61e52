//! The accept loop: what a connection may cost before the router sees a request.
//!
//! - **Caps**: at most `max_connections` open at once (and never more than the process's file descriptors
//!   allow, less a reserve for the database and the services we call), `max_connections_per_ip` from one
//!   address (an IPv6 /64: one host's block) and `max_connections_per_network` from one IPv4 /24 (trusted
//!   proxies exempt: every citizen behind them shares their address). Past a per-address or per-network cap
//!   the connection gets a JSON `503 server_busy` with `Connection: close` at once.
//! - **Room for real clients**: at the total cap, a new connection closes the oldest one that is not in the
//!   middle of a request (one that never sent a request, or idles between two) instead of being refused, so
//!   connections held open by a crowd of addresses cannot keep `/health` or a citizen out.
//! - **Timeouts**: a connection must send its first byte and begin its first request within
//!   `header_read_timeout_seconds` (hyper's own clock starts only once it knows the protocol, so both are
//!   waited for here), and each later request its headers within it; an HTTP/1 keep-alive connection idle that
//!   long is closed; a request's whole body must arrive within `body_timeout_seconds` from its headers, however
//!   it is trickled. (HTTP/2 connections get pings every 30 s, and no idle limit: a TLS-terminating proxy
//!   is where HTTP/2 is expected to come from.)
//! - **A refused body**: a request answered before its body was read to the end (a refusal that did not need
//!   it) is answered with `Connection: close`, so the client never sends its next request on a connection
//!   that is about to close.
//! - **Malformed header lines** (control characters, no colon) are dropped, as nginx does with invalid header
//!   names, instead of hyper's bare 400 without a body: the request then meets our own checks, which answer
//!   in JSON with a `code` (a `Content-Type` that is garbage is a missing one).
//! - **Shutdown**: when told to stop, no new connection is accepted and open ones finish their request.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, header};
use hyper::body::{Body as _, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
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

/// The key of the per-address cap: an IPv4 address (also when mapped into IPv6 by a dual-stack listener), or an
/// IPv6 /64 (one host's block).
fn host_of(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let mut octets = v6.octets();
            octets[8..].fill(0);
            IpAddr::from(octets)
        }
        v4 => v4,
    }
}

/// The key of the per-network cap: an IPv4 /24; IPv6 hosts are already a /64 each.
fn network_of(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            IpAddr::from([a, b, c, 0])
        }
        IpAddr::V6(v6) => host_of(IpAddr::V6(v6)),
    }
}

/// One open connection, as the caps see it.
struct Open {
    host: IpAddr,
    network: IpAddr,
    /// Requests of this connection the router is answering; 0: between requests (or before the first).
    busy: Arc<AtomicUsize>,
    /// Closes the connection when the total cap needs its place.
    close: Arc<Notify>,
}

/// Open connections, in total, per address and per network, oldest first.
#[derive(Default)]
struct Counts {
    total: usize,
    per_host: HashMap<IpAddr, usize>,
    per_network: HashMap<IpAddr, usize>,
    open: BTreeMap<u64, Open>,
    next: u64,
}

impl Counts {
    fn add(&mut self, host: IpAddr, network: IpAddr) {
        self.total += 1;
        *self.per_host.entry(host).or_default() += 1;
        *self.per_network.entry(network).or_default() += 1;
    }

    fn remove(&mut self, open: &Open) {
        self.total = self.total.saturating_sub(1);
        for (map, key) in [(&mut self.per_host, open.host), (&mut self.per_network, open.network)] {
            if let Some(n) = map.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    map.remove(&key);
                }
            }
        }
    }

    /// Closes the oldest connection that is between requests; whether there was one.
    fn evict_oldest_idle(&mut self) -> bool {
        let oldest = self.open.iter().find(|(_, o)| o.busy.load(Ordering::Acquire) == 0).map(|(id, _)| *id);
        let Some(open) = oldest.and_then(|id| self.open.remove(&id)) else { return false };
        self.remove(&open);
        open.close.notify_one();
        true
    }
}

/// Releases its place in [`Counts`] when the connection ends (unless it was evicted, which released it).
struct Slot {
    counts: Arc<Mutex<Counts>>,
    id: u64,
    busy: Arc<AtomicUsize>,
    close: Arc<Notify>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(open) = counts.open.remove(&self.id) {
            counts.remove(&open);
        }
    }
}

pub struct Limits {
    max_total: usize,
    max_per_host: usize,
    max_per_network: usize,
    header_read_timeout: Duration,
    body_timeout: Duration,
    trusted: TrustedProxies,
    counts: Arc<Mutex<Counts>>,
}

impl Limits {
    pub fn new(settings: &HttpSettings, trusted: TrustedProxies) -> Limits {
        let by_descriptors = open_files_limit().map_or(usize::MAX, |n| n.saturating_sub(RESERVED_DESCRIPTORS));
        Limits {
            max_total: settings.max_connections.min(by_descriptors).max(1),
            max_per_host: settings.max_connections_per_ip.max(1),
            max_per_network: settings.max_connections_per_network.max(1),
            header_read_timeout: Duration::from_secs(settings.header_read_timeout_seconds.max(1)),
            body_timeout: Duration::from_secs(settings.body_timeout_seconds.max(1)),
            trusted,
            counts: Arc::default(),
        }
    }

    /// A place for a connection from `ip`, or `None` past a per-address or per-network cap (or at the total
    /// cap with every connection in the middle of a request).
    fn admit(&self, ip: IpAddr) -> Option<Slot> {
        let mut counts = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (host, network) = (host_of(ip), network_of(ip));
        if !self.trusted.is_trusted(ip) {
            let from_host = counts.per_host.get(&host).copied().unwrap_or(0);
            let from_network = counts.per_network.get(&network).copied().unwrap_or(0);
            if from_host >= self.max_per_host || from_network >= self.max_per_network {
                return None;
            }
        }
        if counts.total >= self.max_total && !counts.evict_oldest_idle() {
            return None;
        }
        counts.add(host, network);
        let id = counts.next;
        counts.next += 1;
        let (busy, close) = (Arc::new(AtomicUsize::new(0)), Arc::new(Notify::new()));
        counts.open.insert(id, Open { host, network, busy: busy.clone(), close: close.clone() });
        Some(Slot { counts: self.counts.clone(), id, busy, close })
    }
}

/// Counts a request as in progress on its connection until its response is ready.
struct Busy(Arc<AtomicUsize>);

impl Busy {
    fn start(counter: &Arc<AtomicUsize>) -> Busy {
        counter.fetch_add(1, Ordering::AcqRel);
        Busy(counter.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its request counted as in progress until it is sent (or dropped): a connection
/// still downloading (the wasm bundle on a slow phone) is not idle.
struct BusyBody {
    inner: Body,
    _busy: Busy,
}

impl hyper::body::Body for BusyBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A request body that must arrive whole before its deadline, and says whether it was read to the end.
struct GuardedBody {
    inner: Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
    finished: Arc<AtomicBool>,
}

#[derive(Debug, thiserror::Error)]
enum BodyError {
    #[error("the request body did not arrive in time")]
    TimedOut,
    #[error(transparent)]
    Hyper(#[from] hyper::Error),
}

impl hyper::body::Body for GuardedBody {
    type Data = axum::body::Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            if frame.is_none() || self.inner.is_end_stream() {
                self.finished.store(true, Ordering::Release);
            }
            return Poll::Ready(frame.map(|f| f.map_err(BodyError::from)));
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(BodyError::TimedOut))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
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
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .ignore_invalid_headers(true);
    builder.http2().timer(TokioTimer::new()).keep_alive_interval(Some(Duration::from_secs(30)));
    let graceful = GracefulShutdown::new();
    let (header_timeout, body_timeout) = (limits.header_read_timeout, limits.body_timeout);
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
        let busy = slot.busy.clone();
        let served = Arc::new(AtomicBool::new(false));
        let first_request = served.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let working = Busy::start(&busy);
            first_request.store(true, Ordering::Release);
            let router = router.clone();
            async move {
                let http1 = request.version() < axum::http::Version::HTTP_2;
                let finished = Arc::new(AtomicBool::new(request.body().is_end_stream()));
                let deadline = Box::pin(tokio::time::sleep(body_timeout));
                let mut request =
                    request.map(|inner| Body::new(GuardedBody { inner, deadline, finished: finished.clone() }));
                request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                let mut response = router.oneshot(request).await.unwrap_or_else(|e| match e {});
                // HTTP/2 has no `Connection` header: an unread body there resets its stream only.
                if http1 && !finished.load(Ordering::Acquire) {
                    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
                }
                Ok::<_, Infallible>(response.map(|inner| Body::new(BusyBody { inner, _busy: working })))
            }
        });
        let graceful_watch = graceful.watcher();
        let builder = builder.clone();
        tokio::spawn(async move {
            let close = slot.close.clone();
            let mut first = [0u8; 1];
            // hyper waits for a request head without a clock until its first byte: wait for it here.
            let spoke = tokio::select! {
                _ = close.notified() => false,
                waited = tokio::time::timeout(header_timeout, tcp.peek(&mut first)) => matches!(waited, Ok(Ok(n)) if n > 0),
            };
            if spoke {
                let connection = builder.serve_connection_with_upgrades(TokioIo::new(tcp), service).into_owned();
                let connection = graceful_watch.watch(connection);
                // The first request must begin within the header timeout too: hyper's own clock does not run
                // while the protocol is being recognised (a byte, then nothing).
                let late = async {
                    tokio::time::sleep(header_timeout).await;
                    if served.load(Ordering::Acquire) {
                        std::future::pending::<()>().await;
                    }
                };
                tokio::select! {
                    _ = connection => {}
                    _ = close.notified() => {}
                    _ = late => {}
                }
            }
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
        let settings = HttpSettings {
            max_connections: 3,
            max_connections_per_ip: 2,
            max_connections_per_network: 1_000,
            ..crate::Settings::default().http
        };
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
        // At the total cap, the oldest connection between requests makes room.
        let evicting = limits.admit(proxy);
        assert!(evicting.is_some(), "the total cap evicts the oldest idle connection");
        let first = first.unwrap_or_else(|| unreachable!());
        let open = |id: u64| limits.counts.lock().map(|c| c.open.contains_key(&id)).unwrap_or_default();
        assert!(!open(first.id), "the first, the oldest, was closed to make room");
        for slot in [&second, &third, &evicting].into_iter().flatten() {
            slot.busy.fetch_add(1, Ordering::AcqRel);
        }
        assert!(limits.admit(proxy).is_none(), "every connection is in the middle of a request");
        drop(first);
        assert!(limits.admit(proxy).is_none(), "the evicted one had already given its place back");
        drop(second);
        assert!(limits.admit(a).is_some(), "a place was given back");
    }

    #[test]
    fn ipv6_hosts_count_per_64_and_ipv4_networks_per_24() {
        let settings = HttpSettings {
            max_connections: 100,
            max_connections_per_ip: 2,
            max_connections_per_network: 3,
            ..crate::Settings::default().http
        };
        let limits = Limits::new(&settings, TrustedProxies::default());
        let v6 = |last: u16| IpAddr::from([0x2001, 0xdb8, 0, 1, 0, 0, 0, last]);
        let kept: Vec<_> = [v6(1), v6(2)].into_iter().map(|ip| limits.admit(ip)).collect();
        assert!(kept.iter().all(Option::is_some));
        assert!(limits.admit(v6(3)).is_none(), "one /64 is one host");
        let v4 = |last: u8| IpAddr::from([192, 0, 2, last]);
        let kept: Vec<_> = (1..=3).map(|n| limits.admit(v4(n))).collect();
        assert!(kept.iter().all(Option::is_some));
        assert!(limits.admit(v4(4)).is_none(), "one /24 holds at most three");
        assert!(limits.admit(IpAddr::from([192, 0, 3, 1])).is_some(), "another /24");
    }
}

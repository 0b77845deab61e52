//! Requests per client address per minute (a fixed one-minute window per address), in memory.
//!
//! - **Behind a proxy**: the client's address is taken from `X-Forwarded-For` only when the connection comes
//!   from one of `http.trusted_proxies`; then the rightmost address in the header that is not itself a
//!   trusted proxy is the client (entries further left were written by the client and prove nothing).
//! - **Several replicas**: each replica counts what it sees and allows `requests_per_minute_per_ip /
//!   http.replicas`, so that a client spread by the load balancer over every replica gets about the
//!   configured total; a balancer that pins a client to one replica gives it that share.
//!
//! Per-RUT guess counts live in the database (`store::throttle`); this layer only stops floods.
//!
//! A platform's forwarded logins (`POST /api/login` with HTTP Basic) all come from the platform's server, on
//! behalf of every citizen of the platform: that address is not held to a citizen's share. The request is
//! counted only if the platform's credentials turn out wrong ([`Deferred`], settled by the login handler).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::ErrorCode;
use ipnet::IpNet;

use super::error::ApiError;
use crate::clock::Clock;
use crate::refusal::Refusal;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses addresses (`10.0.0.5`) and networks (`10.0.0.0/8`).
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        entries
            .iter()
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("http.trusted_proxies: {entry:?} is not an address or network"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn is_trusted(&self, ip: IpAddr) -> bool {
        self.contains(ip)
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address for a connection from `peer` carrying `headers`.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.contains(peer) {
            return canonical(peer);
        }
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        for entry in forwarded.into_iter().rev() {
            match entry.parse::<IpAddr>() {
                Ok(ip) if self.contains(ip) => continue,
                Ok(ip) => return canonical(ip),
                // Garbage where an address should be: stop believing the header there.
                Err(_) => break,
            }
        }
        canonical(peer)
    }
}

/// IPv4 addresses mapped into IPv6 (`::ffff:1.2.3.4`) count as the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

#[derive(Clone)]
pub struct IpLimiter {
    per_minute: u32,
    clock: Arc<dyn Clock>,
    trusted: TrustedProxies,
    windows: Arc<Mutex<HashMap<IpAddr, (i64, u32)>>>,
}

impl IpLimiter {
    /// `per_minute` is the total for one address; each of `replicas` allows its share.
    pub fn new(per_minute: u32, replicas: u32, trusted: TrustedProxies, clock: Arc<dyn Clock>) -> Self {
        let share = per_minute.div_ceil(replicas.max(1)).max(1);
        IpLimiter { per_minute: share, clock, trusted, windows: Arc::default() }
    }

    /// Counts a request; `Err(seconds)` to wait when over the limit.
    fn hit(&self, ip: IpAddr) -> Result<(), i64> {
        let now = self.clock.now();
        let minute = now / 60;
        let Ok(mut windows) = self.windows.lock() else { return Ok(()) };
        if windows.len() > 100_000 {
            windows.retain(|_, (window, _)| *window == minute);
        }
        let entry = windows.entry(ip).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 += 1;
        if entry.1 > self.per_minute { Err(60 - now % 60) } else { Ok(()) }
    }
}

/// `POST /api/login` that names a platform (HTTP Basic): the handler checks the credentials.
fn is_platform_login(request: &Request) -> bool {
    let path = request.uri().path();
    let login = path == "/login" || path == "/api/login";
    let basic = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .is_some_and(|value| value.as_bytes().get(..6).is_some_and(|scheme| scheme.eq_ignore_ascii_case(b"basic ")));
    login && request.method() == axum::http::Method::POST && basic
}

/// The per-address count of a platform's login, left to the handler: counted (and refused past the limit)
/// only when the platform's credentials are wrong.
#[derive(Clone)]
pub struct Deferred {
    limiter: IpLimiter,
    client: IpAddr,
}

impl Deferred {
    /// Counts the request as the client's own; `Err(seconds)` to wait when over the limit.
    pub fn hit(&self) -> Result<(), i64> {
        self.limiter.hit(self.client)
    }
}

/// The client's address as this layer worked it out (behind trusted proxies: from `X-Forwarded-For`), for the
/// counts of guesses per address.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = || parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| canonical(addr.ip()));
        let ip = parts.extensions.get::<ClientIp>().map(|c| c.0).or_else(peer);
        Ok(ClientIp(ip.unwrap_or(IpAddr::from([0, 0, 0, 0]))))
    }
}

pub async fn limit(State(limiter): State<IpLimiter>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
    if let Some(peer) = peer {
        let client = limiter.trusted.client_ip(peer, request.headers());
        request.extensions_mut().insert(ClientIp(client));
        if is_platform_login(&request) {
            request.extensions_mut().insert(Deferred { limiter: limiter.clone(), client });
            return next.run(request).await;
        }
        if let Err(retry_after) = limiter.hit(client) {
            tracing::info!(client = %client, "per-address limit reached");
            return ApiError(Refusal::Throttled { code: ErrorCode::RateLimited, retry_after }).into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", xff.parse().unwrap_or_else(|_| axum::http::HeaderValue::from_static("")));
        headers
    }

    fn ip(raw: &str) -> IpAddr {
        raw.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let trusted = TrustedProxies::parse(&["10.0.0.0/8".into(), "127.0.0.1".into()]).unwrap_or_default();
        assert_eq!(trusted.client_ip(ip("127.0.0.1"), &headers("203.0.113.7")), ip("203.0.113.7"));
        assert_eq!(trusted.client_ip(ip("198.51.100.1"), &headers("203.0.113.7")), ip("198.51.100.1"));
        // The client wrote the leftmost entry itself; the proxy appended the real one.
        assert_eq!(trusted.client_ip(ip("127.0.0.1"), &headers("1.2.3.4, 203.0.113.7, 10.1.1.1")), ip("203.0.113.7"));
        assert_eq!(trusted.client_ip(ip("127.0.0.1"), &headers("junk")), ip("127.0.0.1"));
        assert_eq!(trusted.client_ip(ip("::ffff:127.0.0.1"), &HeaderMap::new()), ip("127.0.0.1"));
        assert!(TrustedProxies::parse(&["not-an-ip".into()]).is_err());
    }

    #[test]
    fn each_replica_allows_its_share() {
        let clock: Arc<dyn Clock> = Arc::new(crate::clock::SystemClock);
        let limiter = IpLimiter::new(10, 2, TrustedProxies::default(), clock);
        let client = ip("203.0.113.9");
        let allowed = (0..10).filter(|_| limiter.hit(client).is_ok()).count();
        assert!((5..=6).contains(&allowed), "{allowed}");
    }
}

//! Where a request came from, in the coarse words the citizen's activity page shows: the client's address
//! masked to its network (the per-address limit has already taken it from a trusted proxy's header) and the
//! browser and system named from the User-Agent. Set for each request, recorded with each of its audit events.
//! Also which known browser sent the request (`crate::device`), from its sealed cookie.

use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use super::rate_limit::ClientIp;
use crate::state::AppState;
use crate::store::audit::{self, Origin};

pub async fn record(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let place = request.extensions().get::<ClientIp>().map(|ClientIp(ip)| masked(*ip));
    let device = request.headers().get(header::USER_AGENT).and_then(|ua| ua.to_str().ok()).map(device);
    let known = super::oidc::cookie_named(request.headers(), crate::device::COOKIE)
        .and_then(|value| crate::device::open(&app.sealer, &value));
    crate::device::with_known(known, audit::with_origin(Origin { place, device, platform: None }, next.run(request)))
        .await
}

/// An IPv4 address as its /24, an IPv6 one as its /48: enough to tell a city's operator or an office from
/// another, not a household.
pub fn masked(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
    }
}

/// "Chrome, Android": the browser and the system, or "otro" for what is not recognised.
pub fn device(user_agent: &str) -> String {
    let has = |needle: &str| user_agent.contains(needle);
    let browser = if has("Edg/") {
        "Edge"
    } else if has("Firefox/") {
        "Firefox"
    } else if has("Chrome/") || has("Chromium/") {
        "Chrome"
    } else if has("Safari/") || has("AppleWebKit/") {
        "Safari"
    } else {
        "otro"
    };
    let system = if has("Android") {
        "Android"
    } else if has("iPhone") || has("iPad") {
        "iOS"
    } else if has("Windows") {
        "Windows"
    } else if has("Mac OS X") || has("Macintosh") {
        "macOS"
    } else if has("Linux") || has("X11") {
        "Linux"
    } else {
        "otro"
    };
    format!("{browser}, {system}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked_to_their_network() {
        assert_eq!(masked("192.0.2.77".parse().unwrap_or(IpAddr::from([0; 4]))), "192.0.2.0/24");
        assert_eq!(masked("2001:db8:1:2::9".parse().unwrap_or(IpAddr::from([0; 4]))), "2001:db8:1::/48");
    }

    #[test]
    fn devices_are_named_coarsely() {
        let android = "Mozilla/5.0 (Linux; Android 14; SM-A155M) AppleWebKit/537.36 (KHTML, like Gecko) \
                       Chrome/131.0.0.0 Mobile Safari/537.36";
        assert_eq!(device(android), "Chrome, Android");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) \
                      Version/18.1 Mobile/15E148 Safari/604.1";
        assert_eq!(device(iphone), "Safari, iOS");
        assert_eq!(device("curl/8.5.0"), "otro, otro");
    }
}

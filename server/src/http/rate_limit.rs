//! Requests per IP address per minute, in memory (a fixed one-minute window per address). Per-RUT failure
//! counts live in the database (`store::throttle`); this layer only stops floods from one address.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::ErrorCode;

use super::error::ApiError;
use crate::clock::Clock;

#[derive(Clone)]
pub struct IpLimiter {
    per_minute: u32,
    clock: Arc<dyn Clock>,
    windows: Arc<Mutex<HashMap<IpAddr, (i64, u32)>>>,
}

impl IpLimiter {
    pub fn new(per_minute: u32, clock: Arc<dyn Clock>) -> Self {
        IpLimiter { per_minute, clock, windows: Arc::default() }
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

pub async fn limit(State(limiter): State<IpLimiter>, request: Request, next: Next) -> Response {
    let ip = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
    if let Some(ip) = ip {
        if let Err(retry_after) = limiter.hit(ip) {
            return ApiError::Throttled { code: ErrorCode::RateLimited, retry_after }.into_response();
        }
    }
    next.run(request).await
}

//! Which platforms may forward a RUT + CS to `POST /api/login`, and whether their allowance of failures is
//! spent. Both live in the database (`oidc_clients`, `throttles`); this keeps what it read for a second, so a
//! busy platform's logins do not each pay two more reads before the citizen's own counts.
//!
//! What a second of staleness allows, on a replica that has not seen the change itself: a platform removed
//! or given a new secret still gets in with the old one, and a platform that another replica locked keeps
//! forwarding logins. Those logins are still counted per citizen and per address in the database, so no guess
//! escapes the citizen's lockout. A replica that locks a platform sees the lock at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::secrets::{same, sha256_hex};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::oidc as table;
use crate::store::throttle::{self, Kind};

/// How long a read is trusted.
const FRESH_FOR: Duration = Duration::from_secs(1);

/// What a platform's request may do.
#[derive(Debug, PartialEq, Eq)]
pub enum Gate {
    /// No such confidential client, or the wrong secret.
    Unknown,
    /// Its failures passed the allowance: wait this many seconds.
    Locked {
        retry_after: i64,
    },
    Open,
}

#[derive(Default)]
pub struct Platforms {
    seen: Mutex<HashMap<String, Seen>>,
}

#[derive(Clone)]
struct Seen {
    secret_hash: String,
    /// Unix seconds; 0 when not locked.
    locked_until: i64,
    read_at: Instant,
}

/// The throttle subject of a platform's failures.
pub fn subject(id: &str) -> String {
    format!("platform:{id}")
}

impl Platforms {
    /// The map; a panic elsewhere while it was held leaves nothing half-written in it (each write is one
    /// insert or one field), so a poisoned lock is still good.
    fn seen(&self) -> std::sync::MutexGuard<'_, HashMap<String, Seen>> {
        self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub async fn gate(&self, app: &AppState, id: &str, secret: &str) -> Result<Gate, StoreError> {
        let seen = self.seen().get(id).filter(|s| s.read_at.elapsed() < FRESH_FOR).cloned();
        let seen = match seen {
            Some(seen) => seen,
            None => {
                let Some(secret_hash) = table::find_client(app.store.db(), id).await?.and_then(|c| c.secret_hash)
                else {
                    return Ok(Gate::Unknown);
                };
                let now = app.now();
                let wait = throttle::locked_for(app.store.db(), &subject(id), Kind::LoginPlatform, now).await?;
                let seen = Seen { secret_hash, locked_until: wait.map_or(0, |w| now + w), read_at: Instant::now() };
                self.seen().insert(id.to_owned(), seen.clone());
                seen
            }
        };
        if !same(sha256_hex(secret).as_bytes(), seen.secret_hash.as_bytes()) {
            return Ok(Gate::Unknown);
        }
        let now = app.now();
        Ok(if seen.locked_until > now { Gate::Locked { retry_after: seen.locked_until - now } } else { Gate::Open })
    }

    /// This replica locked `id` until `until`.
    pub fn locked(&self, id: &str, until: i64) {
        if let Some(seen) = self.seen().get_mut(id) {
            seen.locked_until = seen.locked_until.max(until);
        }
    }
}

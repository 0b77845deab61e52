//! RUT + CS authentication, shared by login (for other SENCE platforms) and the first step of change (§4(4))
//! and update (§5(4)). Failures are counted per RUT whether or not an account exists, and a missing account
//! costs a hash like a wrong CS, so the answers do not reveal which RUTs have a Clave Sence.

use domain::clave::PresentedClave;
use domain::{ErrorCode, Rut};

use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::accounts::{self, AccountRow};
use crate::store::audit;
use crate::store::throttle::{self, Kind};

/// What the provisional CS from a recovery may do here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provisional {
    /// Accepted: the change flow, the only use of a provisional CS (ASVS 6.4.1).
    Accept,
    /// Refused with `provisional_must_change`.
    Refuse,
}

pub struct Authenticated {
    pub account: AccountRow,
    pub via_provisional: bool,
}

pub async fn authenticate(
    app: &AppState,
    rut: Rut,
    cs: &PresentedClave,
    provisional: Provisional,
    event: &str,
) -> Result<Authenticated, ApiError> {
    let subject = rut.canonical();
    let _turn = app.attempts.turn(format!("login:{subject}")).await;
    let now = app.now();
    if let Some(wait) = throttle::locked_for(&app.pool, &subject, Kind::Login, now).await? {
        audit::record(&app.pool, now, Some(&subject), event, "locked").await?;
        return Err(ApiError::Throttled { code: ErrorCode::AccountLocked, retry_after: wait });
    }
    let account = accounts::find(&app.pool, &subject).await?;
    let cs_hash = account.as_ref().and_then(|a| a.cs_hash.as_deref());
    let cs_ok = app.hasher.verify_or_dummy(cs.expose(), cs_hash).await?;
    if let (true, Some(account)) = (cs_ok, &account) {
        throttle::clear(&app.pool, &subject, Kind::Login).await?;
        audit::record(&app.pool, now, Some(&subject), event, "ok").await?;
        return Ok(Authenticated { account: account.clone(), via_provisional: false });
    }
    // Always a second check (a dummy one without a provisional CS), so timing does not tell which accounts
    // have a recovery pending.
    let provisional_hash = account.as_ref().and_then(|a| a.provisional_hash.as_deref());
    let provisional_ok = app.hasher.verify_or_dummy(cs.expose(), provisional_hash).await?;
    if let Some(account) = account.as_ref().filter(|_| provisional_ok) {
        let expired = account.provisional_expires_at.is_none_or(|at| at <= now);
        let outcome = match (expired, provisional) {
            (true, _) => Err(ErrorCode::ProvisionalExpired),
            (false, Provisional::Refuse) => Err(ErrorCode::ProvisionalMustChange),
            (false, Provisional::Accept) => Ok(()),
        };
        audit::record(&app.pool, now, Some(&subject), event, outcome.err().map_or("ok_provisional", ErrorCode::as_str))
            .await?;
        outcome.map_err(ApiError::Refused)?;
        throttle::clear(&app.pool, &subject, Kind::Login).await?;
        return Ok(Authenticated { account: account.clone(), via_provisional: true });
    }
    audit::record(&app.pool, now, Some(&subject), event, "invalid_credentials").await?;
    match throttle::fail(&app.pool, &app.policy, &subject, Kind::Login, now).await? {
        Some(wait) => Err(ApiError::Throttled { code: ErrorCode::AccountLocked, retry_after: wait }),
        None => Err(ApiError::Refused(ErrorCode::InvalidCredentials)),
    }
}

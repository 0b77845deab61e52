//! RUT + CS authentication, shared by login (for other SENCE platforms) and the first step of change (§4(4))
//! and update (§5(4)). Each guess is counted in the database before its hash is computed
//! (`store::throttle::reserve`), per RUT whether or not an account exists, and a missing account costs a hash
//! like a wrong CS, so the answers do not reveal which RUTs have a Clave Sence.

use domain::clave::PresentedClave;
use domain::{ErrorCode, Rut};

use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::accounts::{self, Account};
use crate::store::audit;
use crate::store::throttle::{self, Kind, Reservation};
use crate::telemetry::metric;

/// What the provisional CS from a recovery may do here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provisional {
    /// Accepted: the change flow, the only use of a provisional CS (ASVS 6.4.1).
    Accept,
    /// Refused with `provisional_must_change`.
    Refuse,
}

pub struct Authenticated {
    pub account: Account,
    pub via_provisional: bool,
}

impl Authenticated {
    /// The hash of the credential that opened this session: if it changes, flows opened with it die.
    pub fn credential(&self) -> Option<String> {
        credential_of(&self.account, self.via_provisional)
    }
}

/// The hash of the account's CS, or of its provisional CS.
pub fn credential_of(account: &Account, via_provisional: bool) -> Option<String> {
    if via_provisional { account.provisional.as_ref().map(|p| p.hash.clone()) } else { account.cs_hash.clone() }
}

async fn outcome(app: &AppState, rut: Rut, event: &str, outcome: &'static str) -> Result<(), Refusal> {
    metrics::counter!(metric::LOGINS, "outcome" => outcome).increment(1);
    audit::record(app.store.db(), app.now(), Some(rut), event, outcome).await?;
    Ok(())
}

pub async fn authenticate(
    app: &AppState,
    rut: Rut,
    cs: &PresentedClave,
    provisional: Provisional,
    event: &str,
) -> Result<Authenticated, Refusal> {
    let subject = rut.canonical();
    let now = app.now();
    let lock_if_wrong = match throttle::reserve(&app.store, &app.policy, &subject, Kind::Login, now).await? {
        Reservation::Locked { retry_after } => {
            outcome(app, rut, event, "locked").await?;
            return Err(Refusal::Throttled { code: ErrorCode::AccountLocked, retry_after });
        }
        Reservation::Granted { lock_if_wrong } => lock_if_wrong,
    };
    let account = accounts::find(app.store.db(), rut).await?;
    let cs_hash = account.as_ref().and_then(|a| a.cs_hash.as_deref());
    let provisional_key = account.as_ref().and_then(|a| a.provisional.as_ref());
    // One Argon2id computation checks both (the provisional key shares the CS's salt), or a dummy one when the
    // account or its hashes are missing: timing tells neither which RUTs have an account nor a recovery.
    let against = [cs_hash, provisional_key.map(|p| p.hash.as_str())];
    let mut matched = app.hasher.verify_each(cs.expose(), &against).await?;
    // A CS typed in another Unicode form than NFC: hashes made before normalisation hold it as typed.
    if let (false, Some(as_typed)) = (matched.contains(&true), cs.expose_as_typed()) {
        matched = app.hasher.verify_each(as_typed, &against).await?;
    }
    let (cs_ok, provisional_ok) = (matched.first() == Some(&true), matched.get(1) == Some(&true));
    if let (true, Some(account)) = (cs_ok, &account) {
        throttle::clear(app.store.db(), &subject, Kind::Login).await?;
        outcome(app, rut, event, "ok").await?;
        return Ok(Authenticated { account: account.clone(), via_provisional: false });
    }
    if let (true, Some(account), Some(key)) = (provisional_ok, &account, provisional_key) {
        // A provisional key, even expired, was sent to the owner's contacts: knowing it is no guess.
        throttle::clear(app.store.db(), &subject, Kind::Login).await?;
        let refused = match (key.expires_at <= now, provisional) {
            (true, _) => Some(ErrorCode::ProvisionalExpired),
            (false, Provisional::Refuse) => Some(ErrorCode::ProvisionalMustChange),
            (false, Provisional::Accept) => None,
        };
        outcome(app, rut, event, refused.map_or("ok_provisional", ErrorCode::as_str)).await?;
        if let Some(code) = refused {
            return Err(Refusal::Denied(code));
        }
        return Ok(Authenticated { account: account.clone(), via_provisional: true });
    }
    outcome(app, rut, event, "invalid_credentials").await?;
    match lock_if_wrong {
        Some(wait) => {
            metrics::counter!(metric::LOCKOUTS, "kind" => "login").increment(1);
            Err(Refusal::Throttled { code: ErrorCode::AccountLocked, retry_after: wait })
        }
        None => Err(Refusal::Denied(ErrorCode::InvalidCredentials)),
    }
}

/// A wrong guess: the field and the code to show on it.
pub type Wrong = (&'static str, ErrorCode);

/// Checks one guess of another kind (secret answer, serial number) on `rut`: counted before `check` runs,
/// cleared when it is right (`Ok(None)`), given back when `check` could not judge it (`Err`). A wrong guess
/// (`Ok(Some(wrong))`) is refused on its field, or with the wait it triggered.
pub async fn guess<F, Fut>(app: &AppState, rut: Rut, kind: Kind, check: F) -> Result<(), Refusal>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Option<Wrong>, Refusal>>,
{
    let subject = rut.canonical();
    let reservation = throttle::reserve(&app.store, &app.policy, &subject, kind, app.now()).await?;
    let lock_if_wrong = match reservation {
        Reservation::Locked { retry_after } => {
            return Err(Refusal::Throttled { code: ErrorCode::TooManyAttempts, retry_after });
        }
        Reservation::Granted { lock_if_wrong } => lock_if_wrong,
    };
    let wrong = match check().await {
        Ok(None) => {
            throttle::clear(app.store.db(), &subject, kind).await?;
            return Ok(());
        }
        Ok(Some(wrong)) => wrong,
        // Not judged (a service did not answer): the guess does not count.
        Err(refusal) => {
            throttle::refund(app.store.db(), &subject, kind, reservation).await?;
            return Err(refusal);
        }
    };
    Err(match lock_if_wrong {
        Some(wait) => {
            metrics::counter!(metric::LOCKOUTS, "kind" => format!("{kind:?}")).increment(1);
            Refusal::Throttled { code: ErrorCode::TooManyAttempts, retry_after: wait }
        }
        None => Refusal::field(wrong.0, wrong.1),
    })
}

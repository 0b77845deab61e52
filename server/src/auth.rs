//! RUT + CS authentication, shared by login (for other SENCE platforms) and the first step of change (§4(4))
//! and update (§5(4)). Each guess is counted in the database before its hash is computed
//! (`store::throttle::reserve_all`), whether or not the RUT has an account, and a missing account costs a hash
//! like a wrong CS, so the answers do not reveal which RUTs have a Clave Sence.
//!
//! Three counts, so that strangers cannot lock the owner out (ASVS 6.3.1) and guessing stays bounded:
//! - per RUT **and address**: 5 free failures, then growing waits (Keycloak's scheme) — for that address
//!   only; the right CS from another address still gets in;
//! - per RUT from every address: 100 consecutive failures, then only a recovery lets the account in (NIST
//!   800-63B), which bounds guessing spread over many addresses;
//! - per address across RUTs: 50 failures an hour, then growing waits (credential stuffing from one place).
//!   Only wrong guesses count here, after the fact: a SENCE office's citizens signing in at once must not
//!   look like failures while their hashes are computed.
//!
//! An IPv6 client counts as its /64, which one household or phone usually holds whole.
//!
//! Two sources are counted otherwise:
//! - **the owner's known browser** (`crate::device`): its guesses on the RUT have their own per-RUT count, and
//!   neither the 100 from every address nor the per-address count applies, so strangers' failures anywhere
//!   never refuse the owner's right CS, answer or serial there;
//! - **a platform's forwarded login** (`POST /api/login`): the platform's server is no citizen, so no count is
//!   kept for its address; the citizen's address, when the platform sends it, stands in for the address, and
//!   otherwise the RUT is counted per platform. Past the platform's allowance of failures, each further failure
//!   it forwards makes that RUT wait at once on that platform, whatever address it names; the platform's right
//!   logins of other RUTs go through.

use std::net::IpAddr;

use domain::clave::PresentedClave;
use domain::{ErrorCode, Rut};

use crate::platforms::{self, Gate};
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::accounts::{self, Account};
use crate::store::audit::{self, Action, Outcome};
use crate::store::throttle::{self, Count, Kind, Reservation};
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

async fn outcome(app: &AppState, rut: Rut, event: Action, outcome: Outcome) -> Result<(), Refusal> {
    metrics::counter!(metric::LOGINS, "outcome" => outcome.as_str()).increment(1);
    audit::record(app.store.writer(), app.now(), Some(rut), event, outcome).await?;
    Ok(())
}

/// Where a guess comes from, for its counts.
#[derive(Debug, Clone)]
pub enum Source {
    /// A citizen's browser or app at this address.
    Address(IpAddr),
    /// A platform's server forwarding what a citizen typed into its form, with the citizen's address when the
    /// platform sent it.
    Platform { id: String, citizen: Option<IpAddr> },
}

pub async fn authenticate(
    app: &AppState,
    rut: Rut,
    cs: &PresentedClave,
    provisional: Provisional,
    event: Action,
    client: IpAddr,
) -> Result<Authenticated, Refusal> {
    authenticate_from(app, rut, cs, provisional, event, &Source::Address(client)).await
}

async fn authenticate_from(
    app: &AppState,
    rut: Rut,
    cs: &PresentedClave,
    provisional: Provisional,
    event: Action,
    source: &Source,
) -> Result<Authenticated, Refusal> {
    let subject = rut.canonical();
    let now = app.now();
    // Read before the counts: a known browser is known for the CS now on file.
    let account = accounts::find(app.store.db(), rut).await?;
    let known = match source {
        Source::Address(_) => crate::device::known_for(rut, account.as_ref().and_then(|a| a.cs_hash.as_deref()), now),
        Source::Platform { .. } => None,
    };
    let citizen = match source {
        Source::Address(ip) | Source::Platform { citizen: Some(ip), .. } => Some(*ip),
        Source::Platform { citizen: None, .. } => None,
    };
    let pair = match (&known, citizen, source) {
        (Some(device), _, _) => crate::device::subject(rut, device),
        (None, Some(ip), _) => pair_subject(rut, ip),
        (None, None, Source::Platform { id, .. }) => format!("{subject}|{}", platforms::subject(id)),
        (None, None, Source::Address(ip)) => pair_subject(rut, *ip),
    };
    // The owner's known browser pays for no one else's failures, from its address or anywhere.
    let address = citizen.filter(|_| known.is_none()).map(address_subject);
    let policies = &app.policies;
    if let Some(address) = &address
        && let Some(retry_after) = throttle::locked_for(app.store.db(), address, Kind::LoginAddress, now).await?
    {
        outcome(app, rut, event, Outcome::Locked).await?;
        return Err(Refusal::Throttled { code: ErrorCode::RateLimited, retry_after });
    }
    let pair_count = Count { subject: &pair, kind: Kind::Login, policy: &policies.guess };
    let total_count = Count { subject: &subject, kind: Kind::LoginTotal, policy: &policies.total };
    let counts: &[Count<'_>] = if known.is_some() { &[pair_count] } else { &[pair_count, total_count] };
    let locks = match throttle::reserve_all(&app.store, counts, now).await? {
        Ok(locks) => locks,
        Err((which, retry_after)) => {
            outcome(app, rut, event, Outcome::Locked).await?;
            return Err(match which {
                0 => Refusal::Throttled { code: ErrorCode::AccountLocked, retry_after },
                _ => Refusal::Denied(ErrorCode::AccountNeedsRecovery),
            });
        }
    };
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
    // A right guess is no failure: forget this RUT's counts.
    let forget = || async {
        throttle::clear(app.store.writer(), &pair, Kind::Login).await?;
        throttle::clear(app.store.writer(), &subject, Kind::LoginTotal).await
    };
    // "No fui yo" froze it: told only to whoever knows a CS of it, as nothing else about the account is.
    if let (true, Some(account)) = (cs_ok || provisional_ok, &account)
        && account.frozen_at.is_some()
    {
        forget().await?;
        outcome(app, rut, event, Outcome::Frozen).await?;
        return Err(Refusal::Denied(ErrorCode::AccountFrozen));
    }
    if let (true, Some(account)) = (cs_ok, &account) {
        forget().await?;
        outcome(app, rut, event, Outcome::Ok).await?;
        return Ok(Authenticated { account: account.clone(), via_provisional: false });
    }
    if let (true, Some(account), Some(key)) = (provisional_ok, &account, provisional_key) {
        // A provisional key, even expired, was sent to the owner's contacts: knowing it is no guess.
        forget().await?;
        let refused = match (key.expires_at <= now, provisional) {
            (true, _) => Some(ErrorCode::ProvisionalExpired),
            (false, Provisional::Refuse) => Some(ErrorCode::ProvisionalMustChange),
            (false, Provisional::Accept) => None,
        };
        let recorded = match refused {
            None => Outcome::OkProvisional,
            Some(ErrorCode::ProvisionalExpired) => Outcome::ProvisionalExpired,
            Some(_) => Outcome::ProvisionalMustChange,
        };
        outcome(app, rut, event, recorded).await?;
        if let Some(code) = refused {
            return Err(Refusal::Denied(code));
        }
        return Ok(Authenticated { account: account.clone(), via_provisional: true });
    }
    outcome(app, rut, event, Outcome::InvalidCredentials).await?;
    let address_lock = match &address {
        Some(address) => {
            match throttle::reserve(&app.store, &policies.address, address, Kind::LoginAddress, now).await? {
                Reservation::Granted { lock_if_wrong } => lock_if_wrong,
                Reservation::Locked { retry_after } => Some(retry_after),
            }
        }
        None => None,
    };
    let lock = |kind: &'static str| metrics::counter!(metric::LOCKOUTS, "kind" => kind).increment(1);
    Err(match (locks.first().copied().flatten(), locks.get(1).copied().flatten(), address_lock) {
        (_, Some(_), _) => {
            lock("login_total");
            tracing::warn!(rut = ?rut, "consecutive failures exhausted: the account needs a recovery");
            Refusal::Denied(ErrorCode::AccountNeedsRecovery)
        }
        (Some(wait), _, _) => {
            lock("login");
            Refusal::Throttled { code: ErrorCode::AccountLocked, retry_after: wait }
        }
        (None, None, Some(wait)) => {
            lock("login_address");
            Refusal::Throttled { code: ErrorCode::RateLimited, retry_after: wait }
        }
        (None, None, None) => Refusal::Denied(ErrorCode::InvalidCredentials),
    })
}

/// `POST /api/login`: RUT + CS typed into a platform's own form and forwarded, with the citizen's address
/// (`citizen`) when the platform sends it. Only a registered platform may ask (its client id and secret), so the
/// endpoint is no open oracle for passwords. Its failures count per platform too: past its allowance (a form
/// used for credential stuffing), each further failure makes that RUT wait at once from that address (or on
/// that platform, when it sends no address), while right logins go through.
pub async fn platform_login(
    app: &AppState,
    platform: Option<(String, String)>,
    rut: Rut,
    cs: &PresentedClave,
    citizen: Option<IpAddr>,
) -> Result<Authenticated, Refusal> {
    let Some((id, secret)) = platform else { return Err(Refusal::Denied(ErrorCode::PlatformUnauthorized)) };
    let gate = app.platforms.gate(app, &id, &secret).await?;
    if gate == Gate::Unknown {
        return Err(Refusal::Denied(ErrorCode::PlatformUnauthorized));
    }
    audit::set_platform(&id);
    // Past the platform's allowance, a RUT that failed through it waits at once, whatever address the platform
    // says (an attacker holding the form could name a new one each time): checked before the hash.
    let strained = format!("{}|{}:strained", rut.canonical(), platforms::subject(&id));
    if let Gate::Locked { .. } = gate
        && let Some(retry_after) = throttle::locked_for(app.store.db(), &strained, Kind::Login, app.now()).await?
    {
        outcome(app, rut, Action::Login, Outcome::Locked).await?;
        return Err(Refusal::Throttled { code: ErrorCode::AccountLocked, retry_after });
    }
    let source = Source::Platform { id: id.clone(), citizen };
    let result = authenticate_from(app, rut, cs, Provisional::Refuse, Action::Login, &source).await;
    if let Err(Refusal::Denied(ErrorCode::InvalidCredentials)) = &result {
        let now = app.now();
        if let Gate::Locked { .. } = gate {
            // Its own row (no failure counted twice): the guess policy without free failures.
            let strict = throttle::Policy { free_failures: 0, ..app.policies.guess.clone() };
            if let Reservation::Granted { lock_if_wrong: Some(wait) } | Reservation::Locked { retry_after: wait } =
                throttle::reserve(&app.store, &strict, &strained, Kind::Login, now).await?
            {
                metrics::counter!(metric::LOCKOUTS, "kind" => "login_platform_strained").increment(1);
                return Err(Refusal::Throttled { code: ErrorCode::AccountLocked, retry_after: wait });
            }
        }
        let subject = platforms::subject(&id);
        let wait =
            match throttle::reserve(&app.store, &app.policies.platform, &subject, Kind::LoginPlatform, now).await? {
                Reservation::Granted { lock_if_wrong } => lock_if_wrong,
                Reservation::Locked { retry_after } => Some(retry_after),
            };
        if let Some(wait) = wait {
            app.platforms.locked(&id, now + wait);
            metrics::counter!(metric::LOCKOUTS, "kind" => "login_platform").increment(1);
            tracing::warn!(platform = %id, "failed logins forwarded by this platform passed its allowance");
        }
    }
    result
}

/// What an address counts as: itself (IPv4, also mapped into IPv6), or its /64 (IPv6).
pub fn address_subject(client: IpAddr) -> String {
    match client.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// The count of one RUT from one address (`12345678-5|192.0.2.7`).
pub fn pair_subject(rut: Rut, client: IpAddr) -> String {
    format!("{}|{}", rut.canonical(), address_subject(client))
}

/// Forgets every login count of `rut` (a completed recovery proved the citizen again).
pub async fn forget_logins(db: &mut crate::store::Tx, rut: Rut) -> Result<(), Refusal> {
    throttle::clear_prefix(db.db(), &format!("{}|", rut.canonical()), Kind::Login).await?;
    throttle::clear(db.db(), &rut.canonical(), Kind::LoginTotal).await?;
    Ok(())
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
    // The owner's known browser has its own count: a stranger's wrong answers or serials do not refuse its own.
    let on_file = accounts::find(app.store.db(), rut).await?.and_then(|a| a.cs_hash);
    let subject = match crate::device::known_for(rut, on_file.as_deref(), app.now()) {
        Some(device) => crate::device::subject(rut, &device),
        None => rut.canonical(),
    };
    let reservation = throttle::reserve(&app.store, &app.policies.guess, &subject, kind, app.now()).await?;
    let lock_if_wrong = match reservation {
        Reservation::Locked { retry_after } => {
            return Err(Refusal::Throttled { code: ErrorCode::TooManyAttempts, retry_after });
        }
        Reservation::Granted { lock_if_wrong } => lock_if_wrong,
    };
    let wrong = match check().await {
        Ok(None) => {
            throttle::clear(app.store.writer(), &subject, kind).await?;
            return Ok(());
        }
        Ok(Some(wrong)) => wrong,
        // Not judged (a service did not answer): the guess does not count.
        Err(refusal) => {
            throttle::refund(app.store.writer(), &subject, kind, reservation).await?;
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

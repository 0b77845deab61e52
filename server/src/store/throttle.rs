//! The `throttles` table: guesses per subject (a RUT) and kind, with Keycloak-style growing waits: after
//! `free_failures`, each failure locks for `step × n` seconds (n = failures beyond the free ones + 1), at most
//! `max`; failures older than `reset` are forgotten. Temporary waits, never a permanent lock, so that an
//! attacker cannot lock a citizen out for good (ASVS 6.3.1).
//!
//! A guess is counted *before* it is checked ([`reserve`]), in one transaction that also sets the lock the
//! guess would cause if wrong; a right guess then clears the count. So a burst of simultaneous guesses, spread
//! over any number of server replicas, gets exactly `free_failures` checks before the lock: the row lock
//! (PostgreSQL) or the single writer (SQLite) orders them, and no process memory is involved.

use super::{Db, Store, StoreError, Tx};
use crate::config::SecuritySettings;
use crate::params;

/// What is throttled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// RUT + CS (login, and the first step of change and update).
    Login,
    /// Secret answers (recovery §3.3 and update §5(4)).
    Answer,
    /// ID card serial numbers (recovery §3.1, §3.2).
    Serial,
    /// Recoveries started: each shows the masked e-mail of the RUT, so they are limited (per RUT and
    /// address, so that a stranger's starts cannot close the owner's way back in).
    RecoveryStart,
    /// Consecutive failed logins on a RUT from every address together (NIST 800-63B: at most 100, then the
    /// account needs a recovery).
    LoginTotal,
    /// Failed logins from one address (an IPv6 /64) across every RUT (credential stuffing).
    LoginAddress,
    /// Recoveries started from one address (an IPv6 /64) for RUTs without an account: someone walking through
    /// RUTs to learn which have a Clave Sence.
    RecoveryAddress,
    /// Failed logins forwarded by one platform (`POST /api/login`) across every RUT and address: a platform's
    /// form used to stuff credentials.
    LoginPlatform,
    /// The 6-digit codes sent to a new e-mail or mobile (update §5, recovery §3.1/§3.2 "No").
    ContactCode,
    /// Bot checks issued to one address (an IPv6 /64): many flows from one place raise the risk. Counted with
    /// [`bump`], never locked.
    BotCheckAddress,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::Login,
        Kind::Answer,
        Kind::Serial,
        Kind::RecoveryStart,
        Kind::LoginTotal,
        Kind::LoginAddress,
        Kind::RecoveryAddress,
        Kind::LoginPlatform,
        Kind::ContactCode,
        Kind::BotCheckAddress,
    ];

    const fn as_str(self) -> &'static str {
        match self {
            Kind::Login => "login",
            Kind::Answer => "answer",
            Kind::Serial => "serial",
            Kind::RecoveryStart => "recovery_start",
            Kind::LoginTotal => "login_total",
            Kind::LoginAddress => "login_address",
            Kind::RecoveryAddress => "recovery_address",
            Kind::LoginPlatform => "login_platform",
            Kind::ContactCode => "contact_code",
            Kind::BotCheckAddress => "bot_check_address",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub free_failures: i64,
    pub step: i64,
    pub max: i64,
    pub reset: i64,
}

impl From<&SecuritySettings> for Policy {
    fn from(s: &SecuritySettings) -> Self {
        Policy {
            free_failures: s.free_failures,
            step: s.lock_step_seconds,
            max: s.lock_max_seconds,
            reset: s.failure_reset_seconds,
        }
    }
}

/// The three counts a login is made against.
#[derive(Debug, Clone)]
pub struct Policies {
    /// Per RUT and address (and, alone, per RUT for answers and serials): growing waits.
    pub guess: Policy,
    /// Per RUT from every address: consecutive failures, then only a recovery.
    pub total: Policy,
    /// Per address across RUTs: growing waits.
    pub address: Policy,
    /// Per platform across RUTs and addresses (`POST /api/login`): growing waits.
    pub platform: Policy,
}

/// A wait that lasts until a recovery clears it.
const UNTIL_RECOVERY: i64 = 100 * 365 * 86_400;

impl From<&SecuritySettings> for Policies {
    fn from(s: &SecuritySettings) -> Self {
        let guess = Policy::from(s);
        Policies {
            total: Policy {
                free_failures: s.max_consecutive_failures,
                step: UNTIL_RECOVERY,
                max: UNTIL_RECOVERY,
                reset: UNTIL_RECOVERY,
            },
            address: Policy {
                free_failures: s.address_free_failures,
                reset: s.address_failure_reset_seconds,
                ..guess.clone()
            },
            platform: Policy {
                free_failures: s.platform_free_failures,
                reset: s.address_failure_reset_seconds,
                ..guess.clone()
            },
            guess,
        }
    }
}

impl Policy {
    /// The wait that the `failures`-th failure in a row imposes, if any.
    fn wait_after(&self, failures: i64) -> Option<i64> {
        (failures >= self.free_failures).then(|| (self.step * (failures - self.free_failures + 1)).min(self.max))
    }
}

/// The answer to a request to check one guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Check it. If it turns out wrong, the subject is now locked for this many seconds (already in force).
    Granted { lock_if_wrong: Option<i64> },
    /// Do not check it: locked for this many more seconds.
    Locked { retry_after: i64 },
}

/// One count a guess is made against.
pub struct Count<'a> {
    pub subject: &'a str,
    pub kind: Kind,
    pub policy: &'a Policy,
}

/// Counts one guess on every `count` at once, in one transaction: all are counted, or, when one is locked,
/// none is (`Err((index of the locked one, seconds left))`). `Ok` holds, per count, the lock a wrong guess
/// has now set.
pub async fn reserve_all(
    store: &Store,
    counts: &[Count<'_>],
    now: i64,
) -> Result<Result<Vec<Option<i64>>, (usize, i64)>, StoreError> {
    let mut tx = store.begin().await?;
    let mut locks = Vec::with_capacity(counts.len());
    for (i, count) in counts.iter().enumerate() {
        match reserve_in(&mut tx, count.policy, count.subject, count.kind, now).await? {
            Reservation::Granted { lock_if_wrong } => locks.push(lock_if_wrong),
            // Dropping the transaction rolls back the counts already made.
            Reservation::Locked { retry_after } => return Ok(Err((i, retry_after))),
        }
    }
    super::commit(tx).await?;
    Ok(Ok(locks))
}

/// Counts one guess on `subject` before it is checked, in its own transaction; see the module's documentation.
pub async fn reserve(
    store: &Store,
    policy: &Policy,
    subject: &str,
    kind: Kind,
    now: i64,
) -> Result<Reservation, StoreError> {
    let mut tx = store.begin().await?;
    let reservation = reserve_in(&mut tx, policy, subject, kind, now).await?;
    super::commit(tx).await?;
    Ok(reservation)
}

/// [`reserve`] inside the caller's transaction (which must commit before any slow work, such as a hash).
pub async fn reserve_in(
    tx: &mut Tx,
    policy: &Policy,
    subject: &str,
    kind: Kind,
    now: i64,
) -> Result<Reservation, StoreError> {
    let failures: Option<(i64,)> = tx
        .db()
        .fetch_optional(
            "INSERT INTO throttles (subject, kind, failures, last_failure_at, locked_until) VALUES ($1, $2, 1, $3, 0) \
             ON CONFLICT (subject, kind) DO UPDATE SET \
             failures = CASE WHEN throttles.last_failure_at < $4 THEN 1 ELSE throttles.failures + 1 END, \
             last_failure_at = $5 WHERE throttles.locked_until <= $6 RETURNING failures",
            params![subject, kind.as_str(), now, now - policy.reset, now, now],
        )
        .await?;
    let Some((failures,)) = failures else {
        let (until,): (i64,) = tx
            .db()
            .fetch_one(
                "SELECT locked_until FROM throttles WHERE subject = $1 AND kind = $2",
                params![subject, kind.as_str()],
            )
            .await?;
        return Ok(Reservation::Locked { retry_after: (until - now).max(1) });
    };
    let lock_if_wrong = policy.wait_after(failures);
    if let Some(wait) = lock_if_wrong {
        tx.db()
            .execute(
                "UPDATE throttles SET locked_until = $1 WHERE subject = $2 AND kind = $3",
                params![now + wait, subject, kind.as_str()],
            )
            .await?;
    }
    Ok(Reservation::Granted { lock_if_wrong })
}

/// Counts one event on `subject` (no lock) in fixed windows of `window` seconds and returns the count of the
/// current one. Such a kind never locks, so `locked_until` holds when its window began.
pub async fn bump(db: Db<'_>, subject: &str, kind: Kind, now: i64, window: i64) -> Result<i64, StoreError> {
    let (count,): (i64,) = db
        .fetch_one(
            "INSERT INTO throttles (subject, kind, failures, last_failure_at, locked_until) VALUES ($1, $2, 1, $3, $4) \
             ON CONFLICT (subject, kind) DO UPDATE SET \
             failures = CASE WHEN throttles.locked_until <= $5 THEN 1 ELSE throttles.failures + 1 END, \
             locked_until = CASE WHEN throttles.locked_until <= $6 THEN $7 ELSE throttles.locked_until END, \
             last_failure_at = $8 RETURNING failures",
            params![subject, kind.as_str(), now, now, now - window, now - window, now, now],
        )
        .await?;
    Ok(count)
}

/// The failures of `subject` over `kinds` in the streaks whose last failure is younger than `window` seconds
/// (each kind keeps its own reset: a streak of wrong Clave Sence lasts until a recovery).
pub async fn recent_failures(
    db: Db<'_>,
    subject: &str,
    kinds: &[Kind],
    now: i64,
    window: i64,
) -> Result<i64, StoreError> {
    // The kinds are this module's own constants, so they are written into the statement: one round trip.
    let kinds: Vec<String> = kinds.iter().map(|kind| format!("'{}'", kind.as_str())).collect();
    let (total,): (i64,) = db
        .fetch_one(
            &format!(
                "SELECT CAST(COALESCE(SUM(failures), 0) AS BIGINT) FROM throttles \
                 WHERE subject = $1 AND kind IN ({}) AND last_failure_at >= $2",
                kinds.join(", ")
            ),
            params![subject, now - window],
        )
        .await?;
    Ok(total)
}

/// Forgets the failures of `subject` (after a right guess, or a completed recovery).
pub async fn clear(db: Db<'_>, subject: &str, kind: Kind) -> Result<(), StoreError> {
    db.execute("DELETE FROM throttles WHERE subject = $1 AND kind = $2", params![subject, kind.as_str()]).await?;
    Ok(())
}

/// Seconds left of a lock on `subject`, if one is in force.
pub async fn locked_for(db: Db<'_>, subject: &str, kind: Kind, now: i64) -> Result<Option<i64>, StoreError> {
    let until: Option<(i64,)> = db
        .fetch_optional(
            "SELECT locked_until FROM throttles WHERE subject = $1 AND kind = $2",
            params![subject, kind.as_str()],
        )
        .await?;
    Ok(until.map(|(until,)| until).filter(|until| *until > now).map(|until| until - now))
}

/// Forgets the failures of every subject that starts with `prefix` (a RUT's counts from every address).
pub async fn clear_prefix(db: Db<'_>, prefix: &str, kind: Kind) -> Result<(), StoreError> {
    db.execute(
        "DELETE FROM throttles WHERE kind = $1 AND subject LIKE $2",
        params![kind.as_str(), format!("{}%", prefix.replace(['%', '_'], ""))],
    )
    .await?;
    Ok(())
}

/// Gives back a guess that was reserved but never judged (the Registro Civil did not answer), with the lock
/// it had set in advance, so that our outage does not count against the citizen.
pub async fn refund(db: Db<'_>, subject: &str, kind: Kind, reservation: Reservation) -> Result<(), StoreError> {
    let Reservation::Granted { lock_if_wrong } = reservation else { return Ok(()) };
    db.execute(
        "UPDATE throttles SET failures = failures - 1, locked_until = CASE WHEN $1 = 1 THEN 0 ELSE locked_until END \
         WHERE subject = $2 AND kind = $3 AND failures > 0",
        params![i64::from(lock_if_wrong.is_some()), subject, kind.as_str()],
    )
    .await?;
    Ok(())
}

/// Deletes counts that no longer matter: failures older than `reset` seconds and no lock in force (also for
/// RUTs that have no account, which nobody else would ever clean).
pub async fn purge(db: Db<'_>, now: i64, reset: i64) -> Result<u64, StoreError> {
    db.execute("DELETE FROM throttles WHERE last_failure_at < $1 AND locked_until < $2", params![now - reset, now])
        .await
}

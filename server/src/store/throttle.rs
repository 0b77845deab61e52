//! The `throttles` table: failures per RUT and kind, with Keycloak-style growing waits: after
//! `free_failures`, each failure locks for `step × n` seconds (n = failures beyond the free ones + 1), at most
//! `max`; failures older than `reset` are forgotten. Temporary waits, never a permanent lock, so that an
//! attacker cannot lock a citizen out for good (ASVS 6.3.1).

use sqlx::{SqliteExecutor, SqlitePool};

use crate::config::SecuritySettings;

/// What is throttled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// RUT + CS (login, and the first step of change and update).
    Login,
    /// Secret answers (recovery §3.3 and update §5(4)).
    Answer,
    /// ID card serial numbers (recovery §3.1, §3.2).
    Serial,
    /// Recoveries started: each shows the masked e-mail of the RUT, so they are limited per RUT
    /// (SECURITY.md: "throttle it per RUT and per IP").
    RecoveryStart,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Login => "login",
            Kind::Answer => "answer",
            Kind::Serial => "serial",
            Kind::RecoveryStart => "recovery_start",
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

/// Seconds left of a lock on `subject`, if any.
pub async fn locked_for(db: &SqlitePool, subject: &str, kind: Kind, now: i64) -> Result<Option<i64>, sqlx::Error> {
    let until: Option<i64> = sqlx::query_scalar("SELECT locked_until FROM throttles WHERE subject = $1 AND kind = $2")
        .bind(subject)
        .bind(kind.as_str())
        .fetch_optional(db)
        .await?;
    Ok(until.filter(|until| *until > now).map(|until| until - now))
}

/// Counts a failure; returns the wait it imposes, if any.
pub async fn fail(
    db: &SqlitePool,
    policy: &Policy,
    subject: &str,
    kind: Kind,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let failures: i64 = sqlx::query_scalar(
        "INSERT INTO throttles (subject, kind, failures, last_failure_at, locked_until) VALUES ($1, $2, 1, $3, 0) \
         ON CONFLICT (subject, kind) DO UPDATE SET \
         failures = CASE WHEN throttles.last_failure_at < $4 THEN 1 ELSE throttles.failures + 1 END, \
         last_failure_at = $5 RETURNING failures",
    )
    .bind(subject)
    .bind(kind.as_str())
    .bind(now)
    .bind(now - policy.reset)
    .bind(now)
    .fetch_one(db)
    .await?;
    if failures < policy.free_failures {
        return Ok(None);
    }
    let wait = (policy.step * (failures - policy.free_failures + 1)).min(policy.max);
    sqlx::query("UPDATE throttles SET locked_until = $1 WHERE subject = $2 AND kind = $3")
        .bind(now + wait)
        .bind(subject)
        .bind(kind.as_str())
        .execute(db)
        .await?;
    Ok(Some(wait))
}

/// Forgets the failures of `subject` (after a success, or a completed recovery).
pub async fn clear(db: impl SqliteExecutor<'_>, subject: &str, kind: Kind) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM throttles WHERE subject = $1 AND kind = $2")
        .bind(subject)
        .bind(kind.as_str())
        .execute(db)
        .await?;
    Ok(())
}

//! Known devices (OWASP's "device cookie"; ASVS 6.3.1: lockout that resists malicious lockout). A browser in
//! which a citizen signed in with RUT + CS (never at a kiosk, whose screen the next citizen uses) keeps a
//! sealed cookie naming that RUT. Its guesses on that RUT (the CS, the secret answer, the card's serial) are
//! counted apart from everyone else's: a stranger's failures from any number of addresses lock the stranger,
//! never the owner's own browser, which keeps an allowance of its own (the same growing waits).
//!
//! The cookie is sealed with the server's seal key (it cannot be forged or read), lasts a year (checked on the
//! server too), and names at most a few RUTs (a family's shared computer), each with a tag of the CS it was
//! earned with: once the CS changes or is recovered, the browser is a stranger again until the citizen signs in
//! there with the new one, so whoever took an account keeps no privileged browser after the owner takes it back.
//! Stolen, it is worth one browser's allowance, no more.

use std::future::Future;

use domain::Rut;
use serde::{Deserialize, Serialize};

use crate::outbox::seal::Sealer;
use crate::secrets::{random_id, sha256_hex};

/// The cookie's name.
pub const COOKIE: &str = "clave_dispositivo";
/// How long a browser stays known without a new sign-in.
pub const LASTS_SECONDS: i64 = 365 * 86_400;
/// Associated data of the sealed value: it opens as nothing else.
const PURPOSE: &[u8] = b"clave-sence known device v1";
/// RUTs one browser is known for, the most recent first.
const MAX_RUTS: usize = 5;

/// A browser known for some RUTs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Known {
    id: String,
    /// When the browser was last made known (Unix seconds).
    issued_at: i64,
    /// `(canonical RUT, tag of the CS on file then)`, the most recent first.
    ruts: Vec<(String, String)>,
}

/// A short tag of the CS's hash: the cookie names the credential without carrying anything of it worth having.
fn tag(cs_hash: &str) -> String {
    sha256_hex(&format!("clave-sence known device: {cs_hash}")).chars().take(16).collect()
}

tokio::task_local! {
    static KNOWN: Option<Known>;
}

/// Runs `work` (one request) with the browser that sent it.
pub async fn with_known<F: Future>(known: Option<Known>, work: F) -> F::Output {
    KNOWN.scope(known, work).await
}

/// The cookie's value, opened; `None` for anything we did not seal.
pub fn open(sealer: &Sealer, value: &str) -> Option<Known> {
    serde_json::from_slice(&sealer.open_value(PURPOSE, value)?).ok()
}

/// This request's browser's id, if it is known for `rut` with the CS now on file (`cs_hash`) and not too old.
pub fn known_for(rut: Rut, cs_hash: Option<&str>, now: i64) -> Option<String> {
    let (canonical, tag) = (rut.canonical(), tag(cs_hash?));
    let fresh = |k: &&Known| now - k.issued_at <= LASTS_SECONDS;
    let names = |k: &&Known| k.ruts.iter().any(|(r, t)| *r == canonical && *t == tag);
    KNOWN.try_with(|known| known.as_ref().filter(fresh).filter(names).map(|k| k.id.clone())).ok().flatten()
}

/// The throttle subject of `rut`'s guesses from the known browser `id` (under the RUT's `rut|` prefix, so a
/// completed recovery forgets its login count with the rest).
pub fn subject(rut: Rut, id: &str) -> String {
    format!("{}|device:{id}", rut.canonical())
}

/// The cookie's new value once `rut` signed in from this request's browser with the CS whose hash is `cs_hash`:
/// its id (a new one the first time), `rut` first.
pub fn after_sign_in(sealer: &Sealer, rut: Rut, cs_hash: &str, now: i64) -> String {
    let current = KNOWN.try_with(Clone::clone).ok().flatten();
    let mut known = current.unwrap_or_else(|| Known { id: random_id(), issued_at: now, ruts: Vec::new() });
    known.issued_at = now;
    let canonical = rut.canonical();
    known.ruts.retain(|(r, _)| *r != canonical);
    known.ruts.insert(0, (canonical, tag(cs_hash)));
    known.ruts.truncate(MAX_RUTS);
    sealer.seal_value(PURPOSE, &serde_json::to_vec(&known).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_browser_is_known_only_for_the_ruts_it_signed_in_with() {
        let sealer = Sealer::development();
        let rut = Rut::parse("12.345.678-5").unwrap_or_else(|_| unreachable!());
        let other = Rut::parse("11.111.111-1").unwrap_or_else(|_| unreachable!());
        let (hash, now) = (Some("$argon2id$v=19$cs"), 1_000);
        let value = with_known(None, async { after_sign_in(&sealer, rut, "$argon2id$v=19$cs", now) }).await;
        let known = open(&sealer, &value);
        assert!(known.is_some());
        let id = with_known(known.clone(), async { known_for(rut, hash, now) }).await;
        assert!(id.is_some());
        assert_eq!(with_known(known.clone(), async { known_for(other, hash, now) }).await, None);
        // Another CS on file (changed, recovered): a stranger again. A year later too.
        assert_eq!(with_known(known.clone(), async { known_for(rut, Some("$argon2id$v=19$new"), now) }).await, None);
        assert_eq!(with_known(known.clone(), async { known_for(rut, hash, now + LASTS_SECONDS + 1) }).await, None);
        // A second RUT in the same browser keeps the browser's id.
        let again = with_known(known, async { after_sign_in(&sealer, other, "$argon2id$v=19$other", now) }).await;
        let both = open(&sealer, &again);
        assert_eq!(with_known(both.clone(), async { known_for(other, Some("$argon2id$v=19$other"), now) }).await, id);
        assert_eq!(with_known(both, async { known_for(rut, hash, now) }).await, id);
        assert!(open(&sealer, "forged").is_none());
        assert_eq!(known_for(rut, hash, now), None, "outside a request nothing is known");
    }
}

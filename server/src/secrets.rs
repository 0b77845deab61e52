//! Hashing of every secret the system keeps (CS, secret answers, provisional CS) with Argon2id, m=19 MiB,
//! t=2, p=1 (OWASP Password Storage Cheat Sheet; ASVS V11.4.2).
//!
//! Each computation takes ~15 ms of a core and 19 MiB, so they run on a fixed set of hashing threads (one per
//! core by default), each with its 19 MiB allocated once and reused: memory stays at threads × 19 MiB however
//! many logins arrive, and no allocator arena grows per request. A request that would wait longer than
//! `hash_wait_ms` in the queue (estimated from the recent cost of one hash) is refused at once with
//! `server_busy`, instead of aging in the queue and being refused late.
//!
//! One computation can check a secret against several stored hashes that share a salt: the provisional CS of a
//! recovery is hashed with the salt of the CS on file, so a login costs one hash whether the CS is right,
//! wrong, or a provisional one.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::oneshot;

use crate::telemetry::metric;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// The queue is longer than can be served within the configured wait.
    #[error("password hashing is saturated")]
    Busy,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).unwrap_or_default()
}

/// What a hashing thread runs: the job gets the thread's reusable memory.
type Job = Box<dyn FnOnce(&mut [Block]) + Send>;

#[derive(Clone)]
pub struct Hasher {
    jobs: mpsc::Sender<Job>,
    threads: usize,
    wait: Duration,
    /// Jobs submitted and not yet started.
    queued: Arc<AtomicUsize>,
    /// Recent cost of one job, in microseconds (exponentially weighted).
    cost_us: Arc<AtomicU64>,
    /// A hash of nothing, checked when there is nothing to check against, so that a missing account or
    /// credential costs the same time as a wrong one (no RUT oracle).
    dummy: Arc<String>,
}

/// The PHC string of `secret` under `salt`, computed in `memory`.
fn hash_with(secret: &[u8], salt: Salt<'_>, memory: &mut [Block]) -> Result<String, HashError> {
    let failed = |e: &dyn std::fmt::Display| HashError::Failed(e.to_string());
    let params = params();
    let mut salt_bytes = [0u8; 64];
    let raw_salt = salt.decode_b64(&mut salt_bytes).map_err(|e| failed(&e))?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        argon2
            .hash_password_into_with_memory(secret, raw_salt, out, &mut *memory)
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .map_err(|e| failed(&e))?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| failed(&e))?,
        salt: Some(salt),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Whether `secret` matches each of `phcs`, with one Argon2id computation per distinct (salt, parameters).
/// Unparseable entries never match.
fn verify_with(secret: &[u8], phcs: &[&str], memory: &mut [Block]) -> Vec<bool> {
    let parsed: Vec<Option<PasswordHash<'_>>> = phcs.iter().map(|phc| PasswordHash::new(phc).ok()).collect();
    let mut results = vec![false; phcs.len()];
    let mut done = vec![false; phcs.len()];
    for i in 0..parsed.len() {
        let Some(first) = parsed[i].as_ref().filter(|_| !done[i]) else { continue };
        let (Ok(algorithm), Ok(params), Some(salt)) =
            (Algorithm::try_from(first.algorithm), Params::try_from(first), first.salt)
        else {
            continue;
        };
        let version = first.version.and_then(|v| Version::try_from(v).ok()).unwrap_or_default();
        let mut salt_bytes = [0u8; 64];
        let Ok(raw_salt) = salt.decode_b64(&mut salt_bytes) else { continue };
        let Some(expected_len) = first.hash.map(|h| h.len()) else { continue };
        let argon2 = Argon2::new(algorithm, version, params.clone());
        // Hashes made with more memory than ours (none today) get their own, once.
        let mut own;
        let memory: &mut [Block] = if params.block_count() > memory.len() {
            own = vec![Block::default(); params.block_count()];
            &mut own
        } else {
            &mut *memory
        };
        let computed = Output::init_with(expected_len, |out| {
            argon2
                .hash_password_into_with_memory(secret, raw_salt, out, &mut *memory)
                .map_err(|_| argon2::password_hash::Error::Crypto)
        });
        for j in i..parsed.len() {
            let same_input = parsed[j].as_ref().is_some_and(|p| {
                p.salt == first.salt
                    && p.params == first.params
                    && p.algorithm == first.algorithm
                    && p.version == first.version
            });
            if same_input {
                done[j] = true;
                // `Output`'s equality is constant-time.
                results[j] =
                    matches!((&computed, parsed[j].as_ref().and_then(|p| p.hash)), (Ok(c), Some(h)) if *c == h);
            }
        }
    }
    results
}

impl Hasher {
    /// `threads` hashing threads (0: one per core); requests that would wait longer than `wait` are refused.
    pub fn new(threads: usize, wait: Duration) -> Self {
        let threads = if threads == 0 { std::thread::available_parallelism().map_or(2, |n| n.get()) } else { threads };
        let (jobs, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..threads {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new().name(format!("argon2-{n}")).spawn(move || {
                let mut memory = vec![Block::default(); params().block_count()];
                loop {
                    let job = match receiver.lock() {
                        Ok(receiver) => receiver.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(&mut memory),
                        Err(_) => return,
                    }
                }
            });
            if let Err(error) = spawned {
                tracing::error!(%error, "could not start a hashing thread");
            }
        }
        let mut memory = vec![Block::default(); params().block_count()];
        let salt = SaltString::generate(&mut OsRng);
        let dummy = hash_with(b"clave-sence-dummy", salt.as_salt(), &mut memory).unwrap_or_default();
        Hasher {
            jobs,
            threads,
            wait,
            queued: Arc::default(),
            cost_us: Arc::new(AtomicU64::new(20_000)),
            dummy: Arc::new(dummy),
        }
    }

    /// Runs `work` on a hashing thread, unless the queue is longer than can be served within the wait.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut [Block]) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let cost = self.cost_us.load(Ordering::Relaxed).max(1);
        let capacity = (self.threads as u64 * self.wait.as_micros() as u64 / cost).max(self.threads as u64) as usize;
        if self.queued.fetch_add(1, Ordering::AcqRel) >= capacity {
            self.queued.fetch_sub(1, Ordering::AcqRel);
            return Err(HashError::Busy);
        }
        let (done, result) = oneshot::channel();
        let queued = self.queued.clone();
        let cost_us = self.cost_us.clone();
        let submitted = Instant::now();
        let job: Job = Box::new(move |memory| {
            queued.fetch_sub(1, Ordering::AcqRel);
            metrics::histogram!(metric::HASH_WAIT).record(submitted.elapsed().as_secs_f64());
            let started = Instant::now();
            let value = work(memory);
            let took = started.elapsed().as_micros() as u64;
            let previous = cost_us.load(Ordering::Relaxed);
            cost_us.store((previous * 7 + took) / 8, Ordering::Relaxed);
            metrics::counter!(metric::HASHES).increment(1);
            let _ = done.send(value);
        });
        if self.jobs.send(job).is_err() {
            return Err(HashError::Failed("the hashing threads are gone".into()));
        }
        result.await.map_err(|_| HashError::Failed("a hashing thread dropped its job".into()))
    }

    /// Hashes a secret into a PHC string under a new random salt.
    pub async fn hash(&self, secret: &str) -> Result<String, HashError> {
        let salt = SaltString::generate(&mut OsRng);
        self.hash_with_salt_of(secret, salt).await
    }

    /// Hashes a secret with the salt of `phc` (the provisional CS under the salt of the CS on file, so one
    /// computation checks both at login); a new salt when `phc` is `None` or has none.
    pub async fn hash_sharing_salt(&self, secret: &str, phc: Option<&str>) -> Result<String, HashError> {
        let salt = phc
            .and_then(|phc| PasswordHash::new(phc).ok().and_then(|p| p.salt.map(|s| s.as_str().to_owned())))
            .and_then(|s| SaltString::from_b64(&s).ok())
            .unwrap_or_else(|| SaltString::generate(&mut OsRng));
        self.hash_with_salt_of(secret, salt).await
    }

    async fn hash_with_salt_of(&self, secret: &str, salt: SaltString) -> Result<String, HashError> {
        let secret = SecretString::from(secret);
        self.run(move |memory| hash_with(secret.expose_secret().as_bytes(), salt.as_salt(), memory)).await?
    }

    /// Whether `secret` matches the PHC string `phc`.
    pub async fn verify(&self, secret: &str, phc: &str) -> Result<bool, HashError> {
        Ok(self.verify_each(secret, &[Some(phc)]).await?.first().copied().unwrap_or(false))
    }

    /// Whether `secret` matches each of `phcs` (`None` never matches). Costs one Argon2id computation when the
    /// present hashes share their salt, and one against a dummy hash when none is present, so that a missing
    /// account or credential takes as long as a wrong one.
    pub async fn verify_each(&self, secret: &str, phcs: &[Option<&str>]) -> Result<Vec<bool>, HashError> {
        let present: Vec<String> = phcs.iter().flatten().map(|s| (*s).to_owned()).collect();
        let against = if present.is_empty() { vec![self.dummy.as_str().to_owned()] } else { present };
        let secret = SecretString::from(secret);
        let matched = self
            .run(move |memory| {
                let refs: Vec<&str> = against.iter().map(String::as_str).collect();
                verify_with(secret.expose_secret().as_bytes(), &refs, memory)
            })
            .await?;
        let mut matched = matched.into_iter();
        Ok(phcs.iter().map(|phc| phc.is_some() && matched.next().unwrap_or(false)).collect())
    }

    /// Verifies against `phc`, or against the dummy hash when there is none (which never matches).
    pub async fn verify_or_dummy(&self, secret: &str, phc: Option<&str>) -> Result<bool, HashError> {
        Ok(self.verify_each(secret, &[phc]).await?.first().copied().unwrap_or(false))
    }
}

/// Alphabet of provisional keys: upper-case letters and digits, as the guide's `J53722W1`, without the
/// look-alikes I, O, 0 and 1 (the key is read from an SMS and typed, case and all).
const PROVISIONAL_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A new provisional CS: 8 characters from the OS CSPRNG (ASVS 6.4.1), 40 bits.
pub fn provisional_clave() -> SecretString {
    let mut rng = rand::rngs::OsRng;
    let key: String =
        (0..8).map(|_| PROVISIONAL_ALPHABET[rng.gen_range(0..PROVISIONAL_ALPHABET.len())] as char).collect();
    SecretString::from(key)
}

/// SHA-256 in hex: how random secrets (flow keys, client secrets, codes, tokens, session ids) are stored. They
/// carry 122 random bits or more (a UUID v4), so a fast hash is enough; a chosen password never goes through this.
pub fn sha256_hex(secret: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares in constant time, so a secret cannot be guessed byte by byte from timings.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// An unguessable identifier (flows, captchas, outbox rows): a UUID v4, 122 random bits.
pub fn random_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let hasher = Hasher::new(2, Duration::from_secs(5));
        let phc = hasher.hash("Mapocho#24").await.unwrap_or_default();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(hasher.verify("Mapocho#24", &phc).await.unwrap_or(false));
        assert!(!hasher.verify("mapocho#24", &phc).await.unwrap_or(true));
        assert!(!hasher.verify_or_dummy("Mapocho#24", None).await.unwrap_or(true));
        // Hashes made by the argon2 crate's own API (every account so far) verify too.
        use argon2::password_hash::PasswordHasher;
        let salt = SaltString::generate(&mut OsRng);
        let legacy = Argon2::default().hash_password(b"Alameda-77", &salt).map(|h| h.to_string()).unwrap_or_default();
        assert!(hasher.verify("Alameda-77", &legacy).await.unwrap_or(false));
    }

    #[tokio::test]
    async fn one_computation_checks_the_cs_and_a_provisional_key_under_its_salt() {
        let hasher = Hasher::new(1, Duration::from_secs(5));
        let cs = hasher.hash("Mapocho#24").await.unwrap_or_default();
        let provisional = hasher.hash_sharing_salt("J53722W1", Some(&cs)).await.unwrap_or_default();
        assert_ne!(cs, provisional);
        let checks = |secret: &'static str| {
            let hasher = hasher.clone();
            let (cs, provisional) = (cs.clone(), provisional.clone());
            async move { hasher.verify_each(secret, &[Some(&cs), Some(&provisional)]).await.unwrap_or_default() }
        };
        assert_eq!(checks("Mapocho#24").await, [true, false]);
        assert_eq!(checks("J53722W1").await, [false, true]);
        assert_eq!(checks("otra-clave").await, [false, false]);
        // The two share a salt: one computation served both (the memory buffer holds one result).
        let salt_of = |phc: &str| PasswordHash::new(phc).ok().and_then(|p| p.salt).map(|s| s.as_str().to_owned());
        assert_eq!(salt_of(&cs), salt_of(&provisional));
        let mut memory = vec![Block::default(); params().block_count()];
        assert_eq!(verify_with(b"J53722W1", &[&cs, &provisional], &mut memory), [false, true]);
    }

    #[tokio::test]
    async fn a_queue_longer_than_the_wait_answers_busy_at_once() {
        let hasher = Hasher::new(1, Duration::from_millis(1));
        // Occupy the only thread, then ask for more than a millisecond's worth of hashes.
        let blocker = hasher.clone();
        let busy = tokio::spawn(async move { blocker.hash("x").await });
        tokio::time::sleep(Duration::from_millis(5)).await;
        let started = Instant::now();
        let answers = futures::future::join_all((0..3).map(|_| hasher.hash("y"))).await;
        let refused = answers.iter().filter(|a| matches!(a, Err(HashError::Busy))).count();
        assert!(refused >= 1, "no request was refused");
        assert!(busy.await.is_ok());
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn provisional_keys_look_like_the_guide() {
        let key = provisional_clave();
        assert_eq!(key.expose_secret().len(), 8);
        assert!(key.expose_secret().bytes().all(|b| PROVISIONAL_ALPHABET.contains(&b)));
        assert_ne!(key.expose_secret(), provisional_clave().expose_secret());
        assert_eq!(PROVISIONAL_ALPHABET.len(), 32);
        for _ in 0..200 {
            let key = provisional_clave();
            assert!(!key.expose_secret().contains(['I', 'O', '0', '1']), "a look-alike in {}", key.expose_secret());
        }
    }
}

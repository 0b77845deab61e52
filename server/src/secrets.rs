//! Hashing of every secret the system keeps (CS, secret answers, provisional CS) with Argon2id, m=19 MiB,
//! t=2, p=1 (OWASP Password Storage Cheat Sheet; ASVS V11.4.2). Each hash takes ~15 ms of a core and 19 MiB,
//! so it runs on the blocking pool behind a semaphore: excess requests wait briefly, then get 429, instead of
//! exhausting memory under a burst.

use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{OnceCell, Semaphore};

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every hashing slot stayed busy for the configured wait.
    #[error("password hashing is saturated")]
    Busy,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    wait: Duration,
    /// A hash of nothing, verified when an account does not exist so the answer takes as long (no RUT oracle).
    dummy: Arc<OnceCell<String>>,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl Hasher {
    pub fn new(concurrency: usize, wait: Duration) -> Self {
        Hasher { permits: Arc::new(Semaphore::new(concurrency.max(1))), wait, dummy: Arc::new(OnceCell::new()) }
    }

    async fn run<T: Send + 'static>(&self, job: impl FnOnce() -> T + Send + 'static) -> Result<T, HashError> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| HashError::Busy)?
            .map_err(|_| HashError::Busy)?;
        let result = tokio::task::spawn_blocking(move || {
            let value = job();
            drop(permit);
            value
        })
        .await
        .map_err(|e| HashError::Failed(e.to_string()))?;
        Ok(result)
    }

    /// Hashes a secret into a PHC string (salted, parameters embedded).
    pub async fn hash(&self, secret: &str) -> Result<String, HashError> {
        let secret = SecretString::from(secret);
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(secret.expose_secret().as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| HashError::Failed(e.to_string()))
        })
        .await?
    }

    /// Whether `secret` matches the PHC string `phc`.
    pub async fn verify(&self, secret: &str, phc: &str) -> Result<bool, HashError> {
        let secret = SecretString::from(secret);
        let phc = phc.to_owned();
        self.run(move || {
            let parsed = PasswordHash::new(&phc).map_err(|e| HashError::Failed(e.to_string()))?;
            Ok(argon2().verify_password(secret.expose_secret().as_bytes(), &parsed).is_ok())
        })
        .await?
    }

    /// Verifies against `phc`, or against a dummy hash when there is none, so that a missing account or
    /// credential costs the same time as a wrong one. Returns false for the dummy.
    pub async fn verify_or_dummy(&self, secret: &str, phc: Option<&str>) -> Result<bool, HashError> {
        match phc {
            Some(phc) => self.verify(secret, phc).await,
            None => {
                let dummy = self.dummy.get_or_try_init(|| self.hash("clave-sence-dummy")).await?.clone();
                self.verify(secret, &dummy).await.map(|_| false)
            }
        }
    }
}

/// Alphabet of provisional keys: upper-case letters and digits, as the guide's `J53722W1`.
const PROVISIONAL_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// A new provisional CS: 8 characters from the OS CSPRNG (ASVS 6.4.1), ~41 bits.
pub fn provisional_clave() -> SecretString {
    let mut rng = rand::rngs::OsRng;
    let key: String =
        (0..8).map(|_| PROVISIONAL_ALPHABET[rng.gen_range(0..PROVISIONAL_ALPHABET.len())] as char).collect();
    SecretString::from(key)
}

/// An unguessable identifier (flows, captchas, outbox rows): 128 random bits.
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
    }

    #[tokio::test]
    async fn saturated_hasher_answers_busy() {
        let hasher = Hasher::new(1, Duration::from_millis(1));
        let _held = hasher.permits.clone().acquire_owned().await;
        assert!(matches!(hasher.hash("x").await, Err(HashError::Busy)));
    }

    #[test]
    fn provisional_keys_look_like_the_guide() {
        let key = provisional_clave();
        assert_eq!(key.expose_secret().len(), 8);
        assert!(key.expose_secret().bytes().all(|b| PROVISIONAL_ALPHABET.contains(&b)));
        assert_ne!(key.expose_secret(), provisional_clave().expose_secret());
    }
}

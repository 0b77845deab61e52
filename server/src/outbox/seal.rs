//! Sealing of message texts that carry a secret (the provisional CS) while they wait in the outbox: AES-256-GCM
//! with a key that lives outside the database (`notifications.seal_key`). PostgreSQL keeps old row versions
//! until vacuum, and backups keep everything: what they hold of a provisional key is ciphertext. The worker
//! opens the text just before sending, then the row's text is replaced by a placeholder.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

const PREFIX: &str = "sealed:v1:";

#[derive(Clone)]
pub struct Sealer(Aes256Gcm);

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer")
    }
}

impl Sealer {
    /// From the configured key (base64 of 32 bytes).
    pub fn from_base64(key: &SecretString) -> Result<Sealer, String> {
        let bytes = STANDARD.decode(key.expose_secret().trim()).map_err(|_| "seal_key is not base64".to_owned())?;
        if bytes.len() != 32 {
            return Err(format!("seal_key must be 32 bytes, not {}", bytes.len()));
        }
        Ok(Sealer(Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&bytes))))
    }

    /// The development key: fixed and public, refused in production.
    pub fn development() -> Sealer {
        let key = Sha256::digest(b"clave-sence development seal key (never in production)");
        Sealer(Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key)))
    }

    pub fn seal(&self, text: &str) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        match self.0.encrypt(&nonce, text.as_bytes()) {
            Ok(ciphertext) => {
                let mut sealed = nonce.to_vec();
                sealed.extend_from_slice(&ciphertext);
                format!("{PREFIX}{}", STANDARD.encode(sealed))
            }
            // Encryption of a short text cannot fail; if it ever did, nothing of the secret is kept.
            Err(_) => String::new(),
        }
    }

    /// The text of `body`: opened when sealed, as it is otherwise.
    pub fn open(&self, body: &str) -> Result<String, String> {
        let Some(sealed) = body.strip_prefix(PREFIX) else { return Ok(body.to_owned()) };
        let bytes = STANDARD.decode(sealed).map_err(|_| "sealed text is not base64".to_owned())?;
        if bytes.len() < 12 {
            return Err("sealed text too short".into());
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let plain = self
            .0
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| "sealed text does not open with this key".to_owned())?;
        String::from_utf8(plain).map_err(|_| "sealed text is not UTF-8".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_text_hides_the_key_and_opens_only_with_it() {
        let sealer = Sealer::development();
        let sealed = sealer.seal("su clave Sence es: J53722W1");
        assert!(sealed.starts_with(PREFIX) && !sealed.contains("J53722W1"));
        assert_eq!(sealer.open(&sealed).as_deref(), Ok("su clave Sence es: J53722W1"));
        assert_ne!(sealed, sealer.seal("su clave Sence es: J53722W1"), "a new nonce each time");
        let other =
            Sealer::from_base64(&SecretString::from(STANDARD.encode([7u8; 32]))).unwrap_or_else(|_| sealer.clone());
        assert!(other.open(&sealed).is_err());
        assert_eq!(sealer.open("plain text").as_deref(), Ok("plain text"));
        assert!(Sealer::from_base64(&SecretString::from("c2hvcnQ=")).is_err());
    }
}

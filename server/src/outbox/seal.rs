//! Sealing of message texts, every one of which carries a secret (a provisional CS, a code, a link that
//! freezes or confirms) while they wait in the outbox: AES-256-GCM with a key outside the database
//! (`notifications.seal_key`). PostgreSQL keeps old row versions until vacuum, SQLite's freed pages keep old
//! bytes, and backups keep everything: what they hold of a secret is ciphertext. The worker opens the text
//! just before sending, then the row's text is replaced by a placeholder.
//!
//! The same key seals values the server hands out and must get back unchanged ([`Sealer::seal_value`]): a
//! platform's pending login request travels in the login page's address instead of a table row anyone could
//! fill by calling `/oauth2/authorize` in a loop.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
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

    /// `value` sealed for the purpose `purpose` (bound as associated data: a value sealed for one purpose never
    /// opens as another's), in base64url so it fits a URL's path.
    pub fn seal_value(&self, purpose: &[u8], value: &[u8]) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        match self.0.encrypt(&nonce, Payload { msg: value, aad: purpose }) {
            Ok(ciphertext) => {
                let mut sealed = nonce.to_vec();
                sealed.extend_from_slice(&ciphertext);
                URL_SAFE_NO_PAD.encode(sealed)
            }
            Err(_) => String::new(),
        }
    }

    /// What [`Sealer::seal_value`] sealed for `purpose`; `None` for anything else.
    pub fn open_value(&self, purpose: &[u8], sealed: &str) -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        if bytes.len() < 12 {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        self.0.decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: purpose }).ok()
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

    #[test]
    fn a_sealed_value_opens_only_for_its_purpose_and_unchanged() {
        let sealer = Sealer::development();
        let sealed = sealer.seal_value(b"oidc-request", b"{\"client_id\":\"x\"}");
        assert!(sealed.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{sealed}");
        assert_eq!(sealer.open_value(b"oidc-request", &sealed).as_deref(), Some(&b"{\"client_id\":\"x\"}"[..]));
        assert_eq!(sealer.open_value(b"other", &sealed), None);
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed).unwrap_or_default();
        if let Some(last) = bytes.last_mut() {
            *last ^= 1;
        }
        assert_eq!(sealer.open_value(b"oidc-request", &URL_SAFE_NO_PAD.encode(bytes)), None, "tampered");
        assert_eq!(sealer.open_value(b"oidc-request", "not sealed"), None);
    }
}

//! ID-token signing keys: ES256 (P-256), made by the server and kept in the database with the private half
//! sealed by the seal key, so every replica signs with the same keys. Each key signs for
//! `key_rotation_seconds`. Its successor is made `key_prepublish_seconds` before that ends, so it is in the
//! JWKS a platform caches before the first token it signs; a retired key stays in the JWKS until the last ID
//! token it signed has expired. Two replicas that make a key at once only publish one key more.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use p256::ecdsa::SigningKey;
use p256::pkcs8::EncodePrivateKey;
use serde::Serialize;

use super::OidcError;
use crate::secrets::random_id;
use crate::state::AppState;
use crate::store::oidc::{self as table, StoredKey};

/// A key that can sign now.
pub struct Signer {
    kid: String,
    key: EncodingKey,
}

impl Signer {
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, OidcError> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).map_err(|e| OidcError::Internal(format!("sign: {e}")))
    }
}

/// The keys published at `now`, newest first, and the one that signs now: made if none does, with its
/// successor made when that is due.
async fn published(app: &AppState, now: i64) -> Result<(Vec<StoredKey>, StoredKey), OidcError> {
    let mut keys = table::published_keys(app.store.db(), now).await?;
    let signing = match keys.iter().find(|k| k.signs_from <= now && now < k.signs_until) {
        Some(key) => key.clone(),
        None => {
            let key = generate(app, now, now)?;
            table::insert_key(app.store.writer(), &key).await?;
            keys.insert(0, key.clone());
            key
        }
    };
    let last_end = keys.iter().map(|k| k.signs_until).max().unwrap_or(signing.signs_until);
    if last_end - now <= app.settings.oidc.key_prepublish_seconds {
        let next = generate(app, now, last_end)?;
        table::insert_key(app.store.writer(), &next).await?;
        keys.insert(0, next);
    }
    Ok((keys, signing))
}

/// The key to sign with at `now`.
pub async fn signer(app: &AppState, now: i64) -> Result<Signer, OidcError> {
    let (_, stored) = published(app, now).await?;
    let der = app.sealer.open(&stored.sealed_private).map_err(|e| OidcError::Internal(format!("key: {e}")))?;
    let der = STANDARD.decode(der).map_err(|e| OidcError::Internal(format!("key: {e}")))?;
    Ok(Signer { kid: stored.kid, key: EncodingKey::from_ec_der(&der) })
}

/// A new key, published from `now`, signing from `signs_from`.
fn generate(app: &AppState, now: i64, signs_from: i64) -> Result<StoredKey, OidcError> {
    let settings = &app.settings.oidc;
    let private = SigningKey::random(&mut rand::rngs::OsRng);
    let der = private.to_pkcs8_der().map_err(|e| OidcError::Internal(format!("key: {e}")))?;
    let kid = random_id();
    let mut jwk: serde_json::Value =
        serde_json::from_str(&p256::PublicKey::from(private.verifying_key()).to_jwk_string())
            .map_err(|e| OidcError::Internal(format!("jwk: {e}")))?;
    jwk["kid"] = kid.clone().into();
    jwk["use"] = "sig".into();
    jwk["alg"] = "ES256".into();
    let signs_until = signs_from + settings.key_rotation_seconds;
    Ok(StoredKey {
        kid,
        sealed_private: app.sealer.seal(&STANDARD.encode(der.as_bytes())),
        public_jwk: jwk.to_string(),
        created_at: now,
        signs_from,
        signs_until,
        // Its last ID token has expired by then, and so has any session that began with it (logout's
        // `id_token_hint` may be that token).
        published_until: signs_until + settings.id_token_ttl_seconds.max(settings.session_max_seconds),
    })
}

/// The JWKS: every key still published, the one that signs now included (made if there is none yet, so that
/// a platform that fetched the JWKS before the first login still knows the key of its first ID token).
pub async fn jwks(app: &AppState, now: i64) -> Result<serde_json::Value, OidcError> {
    let (keys, _) = published(app, now).await?;
    let keys: Vec<serde_json::Value> = keys
        .iter()
        .map(|k| serde_json::from_str(&k.public_jwk))
        .collect::<Result<_, _>>()
        .map_err(|e| OidcError::Internal(format!("jwk: {e}")))?;
    Ok(serde_json::json!({ "keys": keys }))
}

/// The claims of an ID token this server signed with a key still published, whatever its expiry (logout's
/// `id_token_hint` may be an expired token).
pub async fn verify_hint(app: &AppState, token: &str, now: i64) -> Option<serde_json::Value> {
    let kid = jsonwebtoken::decode_header(token).ok()?.kid?;
    let keys = table::published_keys(app.store.db(), now).await.ok()?;
    let key = keys.iter().find(|k| k.kid == kid)?;
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_str(&key.public_jwk).ok()?;
    let mut validation = jsonwebtoken::Validation::new(Algorithm::ES256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.set_issuer(&[app.public_url()]);
    validation.required_spec_claims.clear();
    let decoded = jsonwebtoken::decode::<serde_json::Value>(token, &DecodingKey::from_jwk(&jwk).ok()?, &validation);
    decoded.ok().map(|d| d.claims)
}

//! The OpenID Connect provider's tables: clients, signing keys, subjects, pending authorization requests,
//! single sign-on sessions, codes and access tokens. Every secret (client secret, code, token, session id)
//! is stored as its SHA-256 only.

use serde::{Deserialize, Serialize};

use super::{Db, StoreError};
use crate::params;
use domain::Rut;

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| corrupt("oidc json", e))
}

fn parse<T: for<'de> Deserialize<'de>>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(what, e))
}

fn rut(text: &str) -> Result<Rut, StoreError> {
    Rut::parse(text).map_err(|e| corrupt("oidc rut", e.as_str()))
}

/// A platform registered to log citizens in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub id: String,
    pub name: String,
    /// `None`: a public client (PKCE alone).
    pub secret_hash: Option<String>,
    pub redirect_uris: Vec<String>,
    pub post_logout_uris: Vec<String>,
    pub scopes: Vec<String>,
}

/// Writes a platform: `replace` (the configuration file's clients) overwrites one of the same id, otherwise
/// (`clave-sence clients add`) an existing id is left alone and `false` returned.
pub async fn insert_client(db: Db<'_>, client: &Client, now: i64, replace: bool) -> Result<bool, StoreError> {
    let on_conflict = if replace {
        "DO UPDATE SET name = excluded.name, secret_hash = excluded.secret_hash, \
         redirect_uris = excluded.redirect_uris, post_logout_uris = excluded.post_logout_uris, scopes = excluded.scopes"
    } else {
        "DO NOTHING"
    };
    let written = db
        .execute(
            &format!(
                "INSERT INTO oidc_clients (id, name, secret_hash, redirect_uris, post_logout_uris, scopes, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) {on_conflict}"
            ),
            params![
                &client.id,
                &client.name,
                client.secret_hash.clone(),
                json(&client.redirect_uris)?,
                json(&client.post_logout_uris)?,
                client.scopes.join(" "),
                now
            ],
        )
        .await?;
    Ok(written == 1)
}

/// Removes a client; whether it existed.
pub async fn delete_client(db: Db<'_>, id: &str) -> Result<bool, StoreError> {
    Ok(db.execute("DELETE FROM oidc_clients WHERE id = $1", params![id]).await? > 0)
}

pub async fn find_client(db: Db<'_>, id: &str) -> Result<Option<Client>, StoreError> {
    let row: Option<(String, String, Option<String>, String, String, String)> = db
        .fetch_optional(
            "SELECT id, name, secret_hash, redirect_uris, post_logout_uris, scopes FROM oidc_clients WHERE id = $1",
            params![id],
        )
        .await?;
    row.map(|(id, name, secret_hash, redirects, logouts, scopes)| {
        Ok(Client {
            id,
            name,
            secret_hash,
            redirect_uris: parse("redirect_uris", &redirects)?,
            post_logout_uris: parse("post_logout_uris", &logouts)?,
            scopes: scopes.split_whitespace().map(str::to_owned).collect(),
        })
    })
    .transpose()
}

/// An ID-token signing key as stored (the private half sealed).
#[derive(Debug, Clone)]
pub struct StoredKey {
    pub kid: String,
    pub sealed_private: String,
    pub public_jwk: String,
    pub created_at: i64,
    pub signs_from: i64,
    pub signs_until: i64,
    pub published_until: i64,
}

pub async fn insert_key(db: Db<'_>, key: &StoredKey) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO oidc_keys (kid, private_key, public_jwk, created_at, signs_from, signs_until, published_until) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            &key.kid,
            &key.sealed_private,
            &key.public_jwk,
            key.created_at,
            key.signs_from,
            key.signs_until,
            key.published_until
        ],
    )
    .await?;
    Ok(())
}

/// The keys still published at `now`, newest first.
pub async fn published_keys(db: Db<'_>, now: i64) -> Result<Vec<StoredKey>, StoreError> {
    let rows: Vec<(String, String, String, i64, i64, i64, i64)> = db
        .fetch_all(
            "SELECT kid, private_key, public_jwk, created_at, signs_from, signs_until, published_until \
             FROM oidc_keys WHERE published_until > $1 ORDER BY signs_from DESC, kid",
            params![now],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|(kid, sealed_private, public_jwk, created_at, signs_from, signs_until, published_until)| StoredKey {
            kid,
            sealed_private,
            public_jwk,
            created_at,
            signs_from,
            signs_until,
            published_until,
        })
        .collect())
}

/// The account's `sub`, if a platform has had one.
pub async fn find_subject(db: Db<'_>, rut_: Rut) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> =
        db.fetch_optional("SELECT sub FROM oidc_subjects WHERE rut = $1", params![rut_.canonical()]).await?;
    Ok(row.map(|(sub,)| sub))
}

/// The account's `sub`, made (random) on its first use by any platform.
pub async fn subject(db: Db<'_>, rut_: Rut, candidate: &str) -> Result<String, StoreError> {
    let (sub,): (String,) = db
        .fetch_one(
            "INSERT INTO oidc_subjects (rut, sub) VALUES ($1, $2) \
             ON CONFLICT (rut) DO UPDATE SET sub = oidc_subjects.sub RETURNING sub",
            params![rut_.canonical(), candidate],
        )
        .await?;
    Ok(sub)
}

/// What a platform asked for in `/oauth2/authorize`, sealed into the login page's address while the citizen
/// logs in (`oidc::pending`; the `oidc_requests` table of earlier versions is only purged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: String,
    /// Seconds: a session older than this must log in again.
    pub max_age: Option<i64>,
    /// `prompt=login`: the citizen types the CS again even with a session.
    pub force_login: bool,
}

/// A single sign-on session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    pub rut: Rut,
    pub auth_time: i64,
    pub last_seen: i64,
    pub expires_at: i64,
}

pub async fn insert_session(db: Db<'_>, id_hash: &str, session: &Session) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO oidc_sessions (id_hash, rut, auth_time, last_seen, expires_at) VALUES ($1, $2, $3, $4, $5)",
        params![id_hash, session.rut.canonical(), session.auth_time, session.last_seen, session.expires_at],
    )
    .await?;
    Ok(())
}

/// The session if it has not ended (absolute end, or idle since before `idle_since`); its use is recorded.
pub async fn touch_session(
    db: Db<'_>,
    id_hash: &str,
    now: i64,
    idle_since: i64,
) -> Result<Option<Session>, StoreError> {
    let row: Option<(String, i64, i64)> = db
        .fetch_optional(
            "UPDATE oidc_sessions SET last_seen = $1 WHERE id_hash = $2 AND expires_at > $3 AND last_seen > $4 \
             RETURNING rut, auth_time, expires_at",
            params![now, id_hash, now, idle_since],
        )
        .await?;
    row.map(|(text, auth_time, expires_at)| Ok(Session { rut: rut(&text)?, auth_time, last_seen: now, expires_at }))
        .transpose()
}

/// Ends a session and revokes every access token issued under it; its RUT if it existed.
pub async fn end_session(db: Db<'_>, id_hash: &str) -> Result<Option<Rut>, StoreError> {
    let row: Option<(String,)> =
        db.fetch_optional("DELETE FROM oidc_sessions WHERE id_hash = $1 RETURNING rut", params![id_hash]).await?;
    row.map(|(text,)| rut(&text)).transpose()
}

/// Ends every session of a citizen and revokes every token issued to them (the CS changed or was recovered:
/// whoever knew the old one keeps nothing it opened).
pub async fn end_sessions_of(tx: &mut super::Tx, rut_: Rut) -> Result<(), StoreError> {
    tx.db().execute("DELETE FROM oidc_sessions WHERE rut = $1", params![rut_.canonical()]).await?;
    tx.db().execute("DELETE FROM oidc_codes WHERE rut = $1", params![rut_.canonical()]).await?;
    tx.db().execute("UPDATE oidc_tokens SET revoked = 1 WHERE rut = $1", params![rut_.canonical()]).await?;
    Ok(())
}

/// Forgets the codes issued under a session not yet traded (logout).
pub async fn delete_codes_of_session(db: Db<'_>, session_hash: &str) -> Result<u64, StoreError> {
    db.execute("DELETE FROM oidc_codes WHERE session_hash = $1", params![session_hash]).await
}

/// What a code grants, fixed when it was issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub redirect_uri: String,
    pub scope: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: String,
    pub auth_time: i64,
}

/// A code as stored.
#[derive(Debug, Clone)]
pub struct Code {
    pub client_id: String,
    pub rut: Rut,
    pub session_hash: String,
    pub grant: Grant,
    pub expires_at: i64,
    /// How many times it has been presented, this time included.
    pub uses: i64,
}

pub async fn insert_code(db: Db<'_>, code_hash: &str, code: &Code) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO oidc_codes (code_hash, client_id, rut, session_hash, grant_json, expires_at, used) \
         VALUES ($1, $2, $3, $4, $5, $6, 0)",
        params![
            code_hash,
            &code.client_id,
            code.rut.canonical(),
            &code.session_hash,
            json(&code.grant)?,
            code.expires_at
        ],
    )
    .await?;
    Ok(())
}

/// Counts one more use of the code and returns it: whoever presents it first sees `uses == 1`.
pub async fn use_code(db: Db<'_>, code_hash: &str) -> Result<Option<Code>, StoreError> {
    let row: Option<(String, String, String, String, i64, i64)> = db
        .fetch_optional(
            "UPDATE oidc_codes SET used = used + 1 WHERE code_hash = $1 \
             RETURNING client_id, rut, session_hash, grant_json, expires_at, used",
            params![code_hash],
        )
        .await?;
    row.map(|(client_id, rut_text, session_hash, grant, expires_at, uses)| {
        Ok(Code {
            client_id,
            rut: rut(&rut_text)?,
            session_hash,
            grant: parse("oidc grant", &grant)?,
            expires_at,
            uses,
        })
    })
    .transpose()
}

/// An access token as stored.
#[derive(Debug, Clone)]
pub struct Token {
    pub client_id: String,
    pub rut: Rut,
    pub scope: Vec<String>,
    pub code_hash: String,
    pub session_hash: String,
    pub expires_at: i64,
}

pub async fn insert_token(db: Db<'_>, token_hash: &str, token: &Token) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO oidc_tokens (token_hash, client_id, rut, scope, code_hash, session_hash, expires_at, revoked) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0)",
        params![
            token_hash,
            &token.client_id,
            token.rut.canonical(),
            token.scope.join(" "),
            &token.code_hash,
            &token.session_hash,
            token.expires_at
        ],
    )
    .await?;
    Ok(())
}

/// The token if it is neither revoked nor expired.
pub async fn find_token(db: Db<'_>, token_hash: &str, now: i64) -> Result<Option<Token>, StoreError> {
    let row: Option<(String, String, String, String, String, i64)> = db
        .fetch_optional(
            "SELECT client_id, rut, scope, code_hash, session_hash, expires_at FROM oidc_tokens \
             WHERE token_hash = $1 AND revoked = 0 AND expires_at > $2",
            params![token_hash, now],
        )
        .await?;
    row.map(|(client_id, rut_text, scope, code_hash, session_hash, expires_at)| {
        Ok(Token {
            client_id,
            rut: rut(&rut_text)?,
            scope: scope.split_whitespace().map(str::to_owned).collect(),
            code_hash,
            session_hash,
            expires_at,
        })
    })
    .transpose()
}

/// The client a token was issued to, whether or not it is still valid (RFC 7009 §2.1: a client may revoke only
/// its own tokens, and is told when it tries another's).
pub async fn token_client(db: Db<'_>, token_hash: &str) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> =
        db.fetch_optional("SELECT client_id FROM oidc_tokens WHERE token_hash = $1", params![token_hash]).await?;
    Ok(row.map(|(client_id,)| client_id))
}

/// Revokes one client's token (another client's is left alone).
pub async fn revoke_token(db: Db<'_>, token_hash: &str, client_id: &str) -> Result<u64, StoreError> {
    db.execute(
        "UPDATE oidc_tokens SET revoked = 1 WHERE token_hash = $1 AND client_id = $2",
        params![token_hash, client_id],
    )
    .await
}

/// Revokes what a code got (the code was presented twice: RFC 6749 §4.1.2).
pub async fn revoke_for_code(db: Db<'_>, code_hash: &str) -> Result<u64, StoreError> {
    db.execute("UPDATE oidc_tokens SET revoked = 1 WHERE code_hash = $1", params![code_hash]).await
}

/// Revokes every token issued under a session (logout).
pub async fn revoke_for_session(db: Db<'_>, session_hash: &str) -> Result<u64, StoreError> {
    db.execute("UPDATE oidc_tokens SET revoked = 1 WHERE session_hash = $1", params![session_hash]).await
}

/// Deletes requests, sessions and tokens that ended before `before`, and codes that ended before
/// `codes_before` (kept as long as the tokens they got, so that a late replay still revokes them); how many
/// rows went.
pub async fn purge(tx: &mut super::Tx, before: i64, codes_before: i64) -> Result<u64, StoreError> {
    let mut gone = 0;
    for table in ["oidc_requests", "oidc_sessions", "oidc_tokens"] {
        gone += tx.db().execute(&format!("DELETE FROM {table} WHERE expires_at < $1"), params![before]).await?;
    }
    gone += tx.db().execute("DELETE FROM oidc_codes WHERE expires_at < $1", params![codes_before]).await?;
    Ok(gone)
}

/// How many sessions of `rut` are open at `now`.
pub async fn count_sessions(db: Db<'_>, rut_: Rut, now: i64) -> Result<i64, StoreError> {
    let (count,): (i64,) = db
        .fetch_one(
            "SELECT COUNT(*) FROM oidc_sessions WHERE rut = $1 AND expires_at > $2",
            params![rut_.canonical(), now],
        )
        .await?;
    Ok(count)
}

//! "Ingresar con Clave Sence": an OpenID Connect provider, so that SENCE's platforms log citizens in by
//! redirect and never see a Clave Sence. Authorization code flow only, PKCE S256 required of every client,
//! redirect URIs matched exactly, `iss` in every authorization response (RFC 9207), single-use codes (a second
//! use revokes what the first got), `prompt=login|none` and `max_age` honoured (`max_age=0` always asks for the
//! CS), an `id_token_hint` naming another citizen never reuses the session, ES256 ID tokens. Scopes we do not
//! offer (`profile`) are ignored, as OpenID Connect Core §5.4 says; clients authenticate with
//! `client_secret_basic` or `client_secret_post`.
//!
//! The steps: a platform sends the citizen to `/oauth2/authorize`; with a live single sign-on session (and no
//! `prompt=login` or too old a login) the answer is at once a redirect with a code; otherwise the request is
//! sealed into the address of the UI's login page (`/ingresar/<sealed request>`: nothing is stored until the
//! citizen signs in, so no caller can fill a table by asking), which posts RUT + CS to
//! `/api/authorize/<id>` ([`login`]): the same checks and counts as every login, then a session and the code.
//! The platform trades the code at `/oauth2/token` for an access token (opaque, for `/oauth2/userinfo`) and
//! an ID token.

pub mod keys;

use serde::{Deserialize, Serialize};

use crate::refusal::Refusal;
use crate::secrets::{random_id, same, sha256_hex};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::oidc::{self as table, AuthRequest, Client, Code, Grant, Session, Token};
use domain::Rut;

/// Scopes a platform may ask for. `profile` is not among them: the guide's forms never ask for names.
pub const SCOPES: [&str; 3] = ["openid", "rut", "email"];

/// A refusal of the protocol, as RFC 6749 names it (`error`, `error_description`).
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("{0}: {1}")]
    Protocol(&'static str, String),
    /// Unknown client, wrong secret, or a confidential client that did not authenticate (401).
    #[error("invalid_client")]
    InvalidClient,
    /// A missing, unknown, expired or revoked access token (401 with `WWW-Authenticate: Bearer`).
    #[error("invalid_token")]
    InvalidToken,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

fn protocol(code: &'static str, description: impl Into<String>) -> OidcError {
    OidcError::Protocol(code, description.into())
}

impl From<Refusal> for OidcError {
    fn from(refusal: Refusal) -> Self {
        OidcError::Internal(format!("{refusal:?}"))
    }
}

/// The query of `/oauth2/authorize`.
#[derive(Debug, Default, Deserialize)]
pub struct AuthorizeParams {
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub response_type: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub prompt: Option<String>,
    pub max_age: Option<String>,
    pub response_mode: Option<String>,
    pub request: Option<String>,
    pub request_uri: Option<String>,
    pub id_token_hint: Option<String>,
}

/// Where `/oauth2/authorize` sends the browser.
#[derive(Debug, PartialEq, Eq)]
pub enum Authorized {
    /// Back to the platform: a code, or an error it must handle.
    Redirect(String),
    /// To our login page, with the request kept under this id.
    Login(String),
}

/// `redirect_uri` with the answer's parameters and `iss` added.
fn redirect_to(app: &AppState, redirect_uri: &str, pairs: &[(&str, Option<&str>)]) -> String {
    let mut url = match url::Url::parse(redirect_uri) {
        Ok(url) => url,
        Err(_) => return redirect_uri.to_owned(),
    };
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in pairs {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
        query.append_pair("iss", app.public_url());
    }
    url.into()
}

fn error_redirect(app: &AppState, redirect_uri: &str, state: Option<&str>, code: &str, why: &str) -> Authorized {
    Authorized::Redirect(redirect_to(
        app,
        redirect_uri,
        &[("error", Some(code)), ("error_description", Some(why)), ("state", state)],
    ))
}

/// `/oauth2/authorize`. Refused without a redirect (the caller shows an error page) while the client or its
/// redirect URI is not known to be right: an attacker's URI must never receive anything.
pub async fn authorize(app: &AppState, p: AuthorizeParams, session: Option<&str>) -> Result<Authorized, OidcError> {
    let client_id = p.client_id.as_deref().ok_or_else(|| protocol("invalid_request", "client_id is missing"))?;
    let client = table::find_client(app.store.db(), client_id)
        .await?
        .ok_or_else(|| protocol("invalid_client", "unknown client"))?;
    let redirect_uri = p.redirect_uri.as_deref().unwrap_or_default();
    if !client.redirect_uris.iter().any(|r| r == redirect_uri) {
        return Err(protocol("invalid_request", "redirect_uri is not registered for this client"));
    }
    let state = p.state.as_deref();
    let refuse = |code: &str, why: &str| Ok(error_redirect(app, redirect_uri, state, code, why));
    if p.request.is_some() {
        return refuse("request_not_supported", "request objects are not supported");
    }
    if p.request_uri.is_some() {
        return refuse("request_uri_not_supported", "request_uri is not supported");
    }
    // They travel in the login page's address, sealed: bounded, so the address stays one a browser keeps.
    if [&p.state, &p.nonce].iter().any(|v| v.as_ref().is_some_and(|v| v.len() > MAX_STATE_CHARS)) {
        return refuse("invalid_request", "state and nonce are at most 512 characters");
    }
    if p.response_type.as_deref() != Some("code") {
        return refuse("unsupported_response_type", "only response_type=code");
    }
    if p.response_mode.as_deref().is_some_and(|m| m != "query") {
        return refuse("invalid_request", "only response_mode=query");
    }
    let mut scope: Vec<String> = p.scope.as_deref().unwrap_or_default().split_whitespace().map(str::to_owned).collect();
    if !scope.iter().any(|s| s == "openid") {
        return refuse("invalid_scope", "the openid scope is required");
    }
    // Scopes we do not offer (`profile`, asked by default by several libraries) are ignored (OpenID Connect Core
    // §5.4: "unrecognized scope values SHOULD be ignored"); one we offer but this client may not have is refused.
    scope.retain(|s| SCOPES.contains(&s.as_str()));
    scope.sort();
    scope.dedup();
    if let Some(extra) = scope.iter().find(|s| !client.scopes.contains(s)) {
        return refuse("invalid_scope", &format!("scope {extra} is not allowed for this client"));
    }
    let challenge = match (p.code_challenge.as_deref(), p.code_challenge_method.as_deref()) {
        (Some(challenge), Some("S256")) if is_pkce_value(challenge, 43) => challenge.to_owned(),
        (None, _) => return refuse("invalid_request", "PKCE is required: code_challenge with S256"),
        _ => return refuse("invalid_request", "code_challenge_method must be S256, with a 43-character challenge"),
    };
    let max_age = match p.max_age.as_deref().map(str::parse::<i64>) {
        None => None,
        Some(Ok(age)) if age >= 0 => Some(age),
        Some(_) => return refuse("invalid_request", "max_age must be a number of seconds"),
    };
    let prompts: Vec<&str> = p.prompt.as_deref().unwrap_or_default().split_whitespace().collect();
    if let Some(other) = prompts.iter().find(|p| !["none", "login"].contains(p)) {
        return refuse("invalid_request", &format!("prompt={other} is not supported"));
    }
    let (none, prompt_login) = (prompts.contains(&"none"), prompts.contains(&"login"));
    if none && prompt_login {
        return refuse("invalid_request", "prompt=none cannot go with other values");
    }
    // `max_age=0` asks for a login now: compared in whole seconds, a login in the same second would pass.
    let force_login = prompt_login || max_age == Some(0);
    let request = AuthRequest {
        client_id: client.id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        scope,
        state: p.state.clone(),
        nonce: p.nonce.clone(),
        code_challenge: challenge,
        max_age,
        force_login,
    };
    let now = app.now();
    // Single sign-on for confidential clients only: a public client (a phone app) proves no identity, and an
    // app that claims its redirect scheme must not get a code without the citizen seeing a page (RFC 8252 §8.6).
    if !force_login && client.secret_hash.is_some() {
        if let Some((session_hash, session)) = live_session(app, session, now).await? {
            // OpenID Connect Core §3.1.2.1: the hint names the End-User (a token of an earlier session of the
            // same citizen is as good); another citizen's, or one that is not ours, never reuses this session.
            let same_citizen = match p.id_token_hint.as_deref() {
                None => true,
                Some(hint) => hint_is_citizen(app, hint, session.rut, now).await?,
            };
            if same_citizen && max_age.is_none_or(|age| now - session.auth_time <= age) {
                let redirect = issue_code(app, &request, session.rut, &session_hash, session.auth_time).await?;
                return Ok(Authorized::Redirect(redirect));
            }
        }
    }
    if none {
        return refuse("login_required", "the citizen must log in");
    }
    Ok(Authorized::Login(seal_request(app, &request, now + app.settings.oidc.request_ttl_seconds)))
}

/// Whether a valid ID token of ours (`hint`) was issued to the citizen `rut` (its `sub`). Anything else
/// (another citizen, a token that is not ours) is `false`.
async fn hint_is_citizen(app: &AppState, hint: &str, rut: Rut, now: i64) -> Result<bool, StoreError> {
    let Some(claims) = keys::verify_hint(app, hint, now).await else { return Ok(false) };
    let subject = table::find_subject(app.store.db(), rut).await?;
    Ok(subject.is_some_and(|sub| claims["sub"].as_str() == Some(sub.as_str())))
}

/// Whether verified ID token claims name this session (its `sid`) or, for tokens issued before `sid`, its
/// citizen (its `sub`): what a logout may end without asking.
async fn claims_name(
    app: &AppState,
    claims: &serde_json::Value,
    session_hash: &str,
    rut: Rut,
) -> Result<bool, StoreError> {
    if let Some(sid) = claims["sid"].as_str() {
        return Ok(same(sid.as_bytes(), session_hash.as_bytes()));
    }
    let subject = table::find_subject(app.store.db(), rut).await?;
    Ok(subject.is_some_and(|sub| claims["sub"].as_str() == Some(sub.as_str())))
}

/// The longest `state` or `nonce` accepted (libraries send 22 to 64).
const MAX_STATE_CHARS: usize = 512;

/// Associated data of a sealed pending request: it opens as nothing else.
const REQUEST_PURPOSE: &[u8] = b"clave-sence oidc pending request v1";

#[derive(Serialize, Deserialize)]
struct SealedRequest {
    request: AuthRequest,
    expires_at: i64,
}

fn seal_request(app: &AppState, request: &AuthRequest, expires_at: i64) -> String {
    let sealed = SealedRequest { request: request.clone(), expires_at };
    let json = serde_json::to_vec(&sealed).unwrap_or_default();
    app.sealer.seal_value(REQUEST_PURPOSE, &json)
}

/// RFC 7636's alphabet and length for a challenge (43) or verifier (43 to 128).
fn is_pkce_value(value: &str, min: usize) -> bool {
    (min..=128).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The session a cookie (or an app's bearer) names, if it is live (its use extends the idle timeout); with its
/// hash. Shared by "Ingresar con Clave Sence" and "Mi Clave Sence".
pub async fn live_session(
    app: &AppState,
    cookie: Option<&str>,
    now: i64,
) -> Result<Option<(String, Session)>, StoreError> {
    let Some(id) = cookie else { return Ok(None) };
    let hash = sha256_hex(id);
    let idle_since = now - app.settings.oidc.session_idle_seconds;
    Ok(table::touch_session(app.store.writer(), &hash, now, idle_since).await?.map(|s| (hash, s)))
}

async fn issue_code(
    app: &AppState,
    request: &AuthRequest,
    rut: Rut,
    session_hash: &str,
    auth_time: i64,
) -> Result<String, OidcError> {
    let code = random_id();
    let grant = Grant {
        redirect_uri: request.redirect_uri.clone(),
        scope: request.scope.clone(),
        nonce: request.nonce.clone(),
        code_challenge: request.code_challenge.clone(),
        auth_time,
    };
    let stored = Code {
        client_id: request.client_id.clone(),
        rut,
        session_hash: session_hash.to_owned(),
        grant,
        expires_at: app.now() + app.settings.oidc.code_ttl_seconds,
        uses: 0,
    };
    table::insert_code(app.store.writer(), &sha256_hex(&code), &stored).await?;
    Ok(redirect_to(app, &request.redirect_uri, &[("code", Some(&code)), ("state", request.state.as_deref())]))
}

/// What the login page shows: the platform's name and what it asks for; `None` for an id that is not a
/// request we sealed, or one that expired.
pub async fn pending(app: &AppState, id: &str) -> Result<Option<(Client, AuthRequest)>, OidcError> {
    let Some(bytes) = app.sealer.open_value(REQUEST_PURPOSE, id) else { return Ok(None) };
    let Ok(sealed) = serde_json::from_slice::<SealedRequest>(&bytes) else { return Ok(None) };
    if sealed.expires_at <= app.now() {
        return Ok(None);
    }
    let client = table::find_client(app.store.db(), &sealed.request.client_id).await?;
    Ok(client.map(|c| (c, sealed.request)))
}

/// After the citizen's RUT and CS were accepted for a pending request: a new session (its id for the cookie)
/// and the redirect back to the platform with a code. At a kiosk the session ends as it begins: it only ties
/// the tokens together for logout, and no later request can use it.
pub async fn logged_in(
    app: &AppState,
    request: &AuthRequest,
    rut: Rut,
    kiosk: bool,
    previous: Option<&str>,
) -> Result<(String, String), OidcError> {
    let lasts = if kiosk { 0 } else { app.settings.oidc.session_max_seconds };
    let session_id = open_session(app, rut, lasts, previous).await?;
    let session_hash = sha256_hex(&session_id);
    let redirect = issue_code(app, request, rut, &session_hash, app.now()).await?;
    Ok((session_id, redirect))
}

/// The form of `/oauth2/token` and `/oauth2/revoke`.
#[derive(Debug, Default, Deserialize)]
pub struct TokenParams {
    pub grant_type: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub token: Option<String>,
}

/// The client a token or revocation request comes from: HTTP Basic (`client_secret_basic`) or the form's
/// `client_id` + `client_secret` (`client_secret_post`) for confidential clients, `client_id` alone for public
/// ones. RFC 6749 §2.3: a request uses one method, never two.
async fn client_of(app: &AppState, basic: Option<(String, String)>, p: &TokenParams) -> Result<Client, OidcError> {
    match (basic, p.client_secret.as_deref()) {
        (Some(_), Some(_)) => Err(protocol("invalid_request", "use one client authentication method, not two")),
        (Some((id, secret)), None) => {
            if p.client_id.as_deref().is_some_and(|given| given != id) {
                return Err(protocol("invalid_request", "client_id differs from the authenticated client"));
            }
            confidential_client(app, &id, &secret).await?.ok_or(OidcError::InvalidClient)
        }
        (None, Some(secret)) => {
            let id = p.client_id.as_deref().ok_or(OidcError::InvalidClient)?;
            confidential_client(app, id, secret).await?.ok_or(OidcError::InvalidClient)
        }
        (None, None) => {
            let id = p.client_id.as_deref().ok_or(OidcError::InvalidClient)?;
            let client = table::find_client(app.store.db(), id).await?.ok_or(OidcError::InvalidClient)?;
            // A confidential client must prove itself.
            if client.secret_hash.is_some() {
                return Err(OidcError::InvalidClient);
            }
            Ok(client)
        }
    }
}

/// The confidential client `id` if `secret` is its secret (HTTP Basic).
async fn confidential_client(app: &AppState, id: &str, secret: &str) -> Result<Option<Client>, StoreError> {
    let client = table::find_client(app.store.db(), id).await?;
    Ok(client.filter(|c| c.secret_hash.as_deref().is_some_and(|h| same(sha256_hex(secret).as_bytes(), h.as_bytes()))))
}

#[derive(serde::Serialize)]
struct IdTokenClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
    iat: i64,
    auth_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    amr: [&'static str; 1],
    /// The session (OpenID Connect Front-Channel Logout §3: `sid`): the hash of its cookie, never the cookie.
    /// A platform's logout with this token as hint ends this session even when the browser sends no cookie.
    sid: &'a str,
}

/// `/oauth2/token`: a code for an access token and an ID token.
pub async fn token(
    app: &AppState,
    basic: Option<(String, String)>,
    p: TokenParams,
) -> Result<serde_json::Value, OidcError> {
    let client = client_of(app, basic, &p).await?;
    if p.grant_type.as_deref() != Some("authorization_code") {
        return Err(protocol("unsupported_grant_type", "only authorization_code"));
    }
    let code = p.code.as_deref().ok_or_else(|| protocol("invalid_request", "code is missing"))?;
    let verifier = p.code_verifier.as_deref().ok_or_else(|| protocol("invalid_request", "code_verifier is missing"))?;
    let code_hash = sha256_hex(code);
    let invalid = || protocol("invalid_grant", "the code is unknown, used, expired or not this client's");
    let now = app.now();
    // Before the transaction: the first signature of a key period writes the key (on SQLite the transaction
    // holds the one writer).
    let signer = keys::signer(app, now).await?;
    // The code's use, the token and the subject in one commit; every refusal after the use commits it too, so
    // a code is spent by its first presentation, right or wrong.
    let mut tx = app.store.begin().await?;
    let Some(stored) = table::use_code(tx.db(), &code_hash).await? else { return Err(invalid()) };
    let refusal = if stored.uses > 1 {
        // A code presented twice was stolen or replayed: what it got is revoked (RFC 6749 §4.1.2).
        let revoked = table::revoke_for_code(tx.db(), &code_hash).await?;
        tracing::warn!(client = %client.id, revoked, "an authorization code was presented again");
        Some(invalid())
    } else if stored.client_id != client.id || stored.expires_at <= now {
        Some(invalid())
    } else if p.redirect_uri.as_deref() != Some(stored.grant.redirect_uri.as_str()) {
        Some(protocol("invalid_grant", "redirect_uri differs from the authorization request's"))
    } else if !is_pkce_value(verifier, 43)
        || !same(pkce_challenge(verifier).as_bytes(), stored.grant.code_challenge.as_bytes())
    {
        Some(protocol("invalid_grant", "code_verifier does not match the code_challenge"))
    } else {
        None
    };
    if let Some(refusal) = refusal {
        crate::store::commit(tx).await?;
        return Err(refusal);
    }
    let settings = &app.settings.oidc;
    let access_token = random_id() + &random_id();
    let token = Token {
        client_id: client.id.clone(),
        rut: stored.rut,
        scope: stored.grant.scope.clone(),
        code_hash,
        session_hash: stored.session_hash.clone(),
        expires_at: now + settings.access_token_ttl_seconds,
    };
    table::insert_token(tx.db(), &sha256_hex(&access_token), &token).await?;
    let sub = table::subject(tx.db(), stored.rut, &random_id()).await?;
    crate::store::commit(tx).await?;
    let claims = IdTokenClaims {
        iss: app.public_url(),
        sub: &sub,
        aud: &client.id,
        exp: now + settings.id_token_ttl_seconds,
        iat: now,
        auth_time: stored.grant.auth_time,
        nonce: stored.grant.nonce.as_deref(),
        amr: ["pwd"],
        sid: &stored.session_hash,
    };
    let id_token = signer.sign(&claims)?;
    Ok(serde_json::json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": settings.access_token_ttl_seconds,
        "id_token": id_token,
        "scope": stored.grant.scope.join(" "),
    }))
}

/// BASE64URL(SHA-256(verifier)), RFC 7636 §4.6.
fn pkce_challenge(verifier: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// `/oauth2/userinfo`: the claims the token's scopes allow.
pub async fn userinfo(app: &AppState, bearer: Option<&str>) -> Result<serde_json::Value, OidcError> {
    let bearer = bearer.ok_or(OidcError::InvalidToken)?;
    let token =
        table::find_token(app.store.db(), &sha256_hex(bearer), app.now()).await?.ok_or(OidcError::InvalidToken)?;
    // Made when the token was issued: a read, not a write, per userinfo.
    let sub = match table::find_subject(app.store.db(), token.rut).await? {
        Some(sub) => sub,
        None => table::subject(app.store.writer(), token.rut, &random_id()).await?,
    };
    let mut claims = serde_json::json!({ "sub": sub });
    if token.scope.iter().any(|s| s == "rut") {
        // As ClaveÚnica's `RolUnico`: the number and its check digit apart.
        claims["rut"] = serde_json::json!({ "numero": token.rut.body(), "dv": token.rut.check_digit().to_string() });
    }
    if token.scope.iter().any(|s| s == "email") {
        let account = crate::store::accounts::find(app.store.db(), token.rut).await?;
        if let Some(account) = account {
            claims["email"] = account.email.as_ref().into();
            // Typed by the citizen at registration, never confirmed by a link.
            claims["email_verified"] = false.into();
        }
    }
    Ok(claims)
}

/// `/oauth2/revoke` (RFC 7009): 200 for the client's own token and for one we do not know; another client's
/// token is refused (§2.1) and stays valid.
pub async fn revoke(app: &AppState, basic: Option<(String, String)>, p: TokenParams) -> Result<(), OidcError> {
    let client = client_of(app, basic, &p).await?;
    let token = p.token.as_deref().ok_or_else(|| protocol("invalid_request", "token is missing"))?;
    let hash = sha256_hex(token);
    match table::token_client(app.store.db(), &hash).await? {
        Some(owner) if owner != client.id => {
            Err(protocol("unauthorized_client", "the token was not issued to this client"))
        }
        Some(_) => {
            table::revoke_token(app.store.writer(), &hash, &client.id).await?;
            Ok(())
        }
        None => Ok(()),
    }
}

/// The query (GET) or form (POST) of `/oauth2/logout` (RP-initiated logout 1.0 §2).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LogoutParams {
    pub id_token_hint: Option<String>,
    pub client_id: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
}

/// What `/oauth2/logout` answers.
#[derive(Debug, PartialEq, Eq)]
pub enum LoggedOut {
    /// Back to the platform's registered post-logout URI.
    Redirect(String),
    /// Our own "session closed" page.
    Closed,
    /// Nothing proves the platform asked for this citizen's session: ask the citizen first (§2: "the OP SHOULD
    /// ask the End-User whether to log out"), so that no other site can end a session with a bare link.
    Confirm,
}

/// `/oauth2/logout`: ends the session (and revokes every token issued under it) when a valid `id_token_hint`
/// names it or the citizen confirmed on our page; then back to the platform when it named a post-logout URI
/// registered for it. The hint's own session (`sid`) ends even without a cookie: a platform's form POST is
/// cross-site, and the browser sends no `SameSite=Lax` cookie with it.
pub async fn logout(
    app: &AppState,
    p: LogoutParams,
    cookie: Option<&str>,
    confirmed: bool,
) -> Result<LoggedOut, OidcError> {
    let now = app.now();
    let hinted = match p.id_token_hint.as_deref() {
        Some(hint) => keys::verify_hint(app, hint, now).await,
        None => None,
    };
    if let Some(sid) = hinted.as_ref().and_then(|c| c["sid"].as_str()) {
        end_session(app, sid).await?;
    }
    if let Some((hash, session)) = live_session(app, cookie, now).await? {
        let named = match &hinted {
            Some(claims) => claims_name(app, claims, &hash, session.rut).await?,
            None => false,
        };
        if !named && !confirmed {
            return Ok(LoggedOut::Confirm);
        }
        end_session(app, &hash).await?;
    }
    if p.id_token_hint.is_some() && hinted.is_none() {
        return Err(protocol("invalid_request", "id_token_hint is not a token of this provider"));
    }
    let hinted_client = hinted.as_ref().and_then(|c| c["aud"].as_str().map(str::to_owned));
    if let (Some(given), Some(hinted)) = (&p.client_id, &hinted_client) {
        if given != hinted {
            return Err(protocol("invalid_request", "client_id is not the id_token_hint's audience"));
        }
    }
    let Some(uri) = p.post_logout_redirect_uri.as_deref() else { return Ok(LoggedOut::Closed) };
    let client = match p.client_id.clone().or(hinted_client) {
        Some(id) => table::find_client(app.store.db(), &id).await?,
        None => None,
    };
    let client = client
        .ok_or_else(|| protocol("invalid_request", "post_logout_redirect_uri needs client_id or id_token_hint"))?;
    if !client.post_logout_uris.iter().any(|u| u == uri) {
        return Err(protocol("invalid_request", "post_logout_redirect_uri is not registered for this client"));
    }
    let mut url = url::Url::parse(uri).map_err(|_| protocol("invalid_request", "bad post_logout_redirect_uri"))?;
    if let Some(state) = &p.state {
        url.query_pairs_mut().append_pair("state", state);
    }
    Ok(LoggedOut::Redirect(String::from(url)))
}

/// Opens a single sign-on session of `rut` that ends `lasts` seconds from now; returns its id (for the cookie).
/// A new login in the same browser replaces its session (`previous`): the old one must not stay usable,
/// unreachable by logout.
pub async fn open_session(app: &AppState, rut: Rut, lasts: i64, previous: Option<&str>) -> Result<String, StoreError> {
    if let Some(previous) = previous {
        end_session(app, &sha256_hex(previous)).await?;
    }
    let now = app.now();
    let session_id = random_id();
    let session = Session { rut, auth_time: now, last_seen: now, expires_at: now + lasts };
    table::insert_session(app.store.writer(), &sha256_hex(&session_id), &session).await?;
    Ok(session_id)
}

/// Ends a session: the row, the codes not yet traded, and every token issued under it.
async fn end_session(app: &AppState, hash: &str) -> Result<(), StoreError> {
    table::end_session(app.store.writer(), hash).await?;
    table::delete_codes_of_session(app.store.writer(), hash).await?;
    table::revoke_for_session(app.store.writer(), hash).await?;
    Ok(())
}

/// Writes the configuration file's clients to the database (every replica does, with the same result).
pub async fn configure_clients(
    store: &crate::store::Store,
    clients: &[crate::config::ConfiguredClient],
    now: i64,
) -> Result<(), OidcError> {
    for c in clients {
        let mut scopes = vec!["openid".to_owned()];
        scopes.extend(c.scopes.iter().filter(|s| s.as_str() != "openid").cloned());
        if let Some(unknown) = scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
            return Err(protocol("invalid_scope", format!("client {}: scope {unknown} is not offered", c.id)));
        }
        let client = Client {
            id: c.id.clone(),
            name: c.name.clone(),
            secret_hash: c.secret_sha256.as_ref().map(|h| h.to_ascii_lowercase()),
            redirect_uris: c.redirect_uris.clone(),
            post_logout_uris: c.post_logout_uris.clone(),
            scopes,
        };
        table::insert_client(store.writer(), &client, now, true).await?;
    }
    Ok(())
}

/// Removes the sample platform with its development secret, which a database keeps from any start in the
/// development profile: its secret is public, so a production start never serves it, wherever it came from.
pub async fn forget_sample_platform(store: &crate::store::Store) -> Result<(), OidcError> {
    use crate::config::{DEV_PLATFORM_ID, DEV_PLATFORM_SECRET};
    let Some(client) = table::find_client(store.db(), DEV_PLATFORM_ID).await? else { return Ok(()) };
    let dev_secret = sha256_hex(DEV_PLATFORM_SECRET);
    if client.secret_hash.as_deref().is_some_and(|h| same(h.as_bytes(), dev_secret.as_bytes())) {
        table::delete_client(store.writer(), DEV_PLATFORM_ID).await?;
        tracing::warn!(client = DEV_PLATFORM_ID, "removed the sample platform left by a development start");
    }
    Ok(())
}

/// A client as the operator registers it (`clave-sence clients add`); the secret is returned once.
pub async fn register_client(
    app_store: &crate::store::Store,
    client: Client,
    confidential: bool,
    now: i64,
) -> Result<Option<String>, OidcError> {
    let secret = confidential.then(|| random_id() + &random_id());
    let client = Client { secret_hash: secret.as_deref().map(sha256_hex), ..client };
    if !table::insert_client(app_store.writer(), &client, now, false).await? {
        return Err(protocol("invalid_request", format!("a client {} exists already", client.id)));
    }
    Ok(secret)
}

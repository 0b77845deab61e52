-- OpenID Connect provider ("Ingresar con Clave Sence"). Secrets are kept only as SHA-256 (hex) of random
-- values: client secrets, codes, access tokens and session ids are 128+ random bits, so a fast hash is enough.

-- Platforms allowed to log citizens in.
CREATE TABLE oidc_clients (
    id                       TEXT PRIMARY KEY,
    name                     TEXT NOT NULL,      -- shown on the login page ("Plataforma SENCE de ejemplo")
    secret_hash              TEXT,               -- NULL: a public client (phone apps), PKCE alone
    redirect_uris            TEXT NOT NULL,      -- JSON array, matched exactly
    post_logout_uris         TEXT NOT NULL,      -- JSON array, matched exactly
    scopes                   TEXT NOT NULL,      -- space-separated, `openid` included
    created_at               BIGINT NOT NULL
);

-- ID-token signing keys (ES256). The private key is sealed with the server's seal key.
CREATE TABLE oidc_keys (
    kid          TEXT PRIMARY KEY,
    private_key  TEXT NOT NULL,                  -- sealed PKCS#8
    public_jwk   TEXT NOT NULL,                  -- JSON
    created_at   BIGINT NOT NULL,                -- published from then on
    signs_from   BIGINT NOT NULL,                -- each key signs in [signs_from, signs_until)
    signs_until  BIGINT NOT NULL,
    published_until BIGINT NOT NULL              -- kept in the JWKS until its last tokens expired
);

-- The stable, opaque `sub` of each account that has logged in through a platform.
CREATE TABLE oidc_subjects (
    rut  TEXT PRIMARY KEY,
    sub  TEXT NOT NULL UNIQUE
);

-- A platform's authorization request while the citizen logs in on our page.
CREATE TABLE oidc_requests (
    id          TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL,
    request     TEXT NOT NULL,                   -- JSON: redirect_uri, scope, state, nonce, challenge, max_age
    expires_at  BIGINT NOT NULL
);
CREATE INDEX oidc_requests_expires_at ON oidc_requests (expires_at);

-- Single sign-on sessions (the cookie holds the id; the table its hash).
CREATE TABLE oidc_sessions (
    id_hash     TEXT PRIMARY KEY,
    rut         TEXT NOT NULL,
    auth_time   BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL                  -- absolute end
);
CREATE INDEX oidc_sessions_rut ON oidc_sessions (rut);

-- Authorization codes: single use; a second use revokes the tokens the first one got.
CREATE TABLE oidc_codes (
    code_hash    TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL,
    rut          TEXT NOT NULL,
    session_hash TEXT NOT NULL,
    grant_json   TEXT NOT NULL,                  -- JSON: redirect_uri, scope, nonce, challenge, auth_time
    expires_at   BIGINT NOT NULL,
    used         BIGINT NOT NULL
);

-- Access tokens (opaque), for userinfo and revocation.
CREATE TABLE oidc_tokens (
    token_hash  TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL,
    rut         TEXT NOT NULL,
    scope       TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    session_hash TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked     BIGINT NOT NULL
);
CREATE INDEX oidc_tokens_code ON oidc_tokens (code_hash);
CREATE INDEX oidc_tokens_session ON oidc_tokens (session_hash);

-- "Mi Clave Sence" and "No fui yo": what a citizen sees of their account, how they stop someone else using it
-- (Ley 21.719: access, portability, blocking; Decreto 9/2023: a record of accesses kept 12 months).

-- "No fui yo": login and every change refused until a recovery with the ID card's serial number.
ALTER TABLE accounts ADD COLUMN frozen_at BIGINT;

-- Where each recorded event came from, as the citizen's activity page shows it.
ALTER TABLE audit_events ADD COLUMN place TEXT;      -- the address masked: 192.0.2.0/24, 2001:db8:1::/48
ALTER TABLE audit_events ADD COLUMN device TEXT;     -- coarse: "Chrome, Android"
ALTER TABLE audit_events ADD COLUMN platform TEXT;   -- the platform's client id, for logins
CREATE INDEX audit_events_at ON audit_events (at);

-- Single-use links sent in notices ("No fui yo"); only the SHA-256 of the token is kept.
CREATE TABLE account_links (
    token_hash  TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL,                   -- disavow
    rut         TEXT NOT NULL,
    event       TEXT NOT NULL,                   -- the notice it came in: cs_changed, data_updated, ...
    undo        TEXT,                            -- JSON: the contacts a recovery replaced, to put back
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX account_links_expires_at ON account_links (expires_at);
CREATE INDEX account_links_rut ON account_links (rut);

-- Reports and requests for SENCE staff: "No fui yo", block or delete my account.
CREATE TABLE account_requests (
    id          TEXT PRIMARY KEY,
    rut         TEXT NOT NULL,
    kind        TEXT NOT NULL,                   -- no_fui_yo | block | delete
    detail      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    handled_at  BIGINT
);
CREATE INDEX account_requests_rut ON account_requests (rut);

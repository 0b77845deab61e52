-- Clave Sence schema. Kept portable between SQLite and PostgreSQL: TEXT, BIGINT unix seconds, no
-- engine-specific types; booleans as INTEGER 0/1.

CREATE TABLE accounts (
    rut                    TEXT PRIMARY KEY,   -- canonical `12345678-5`
    cs_hash                TEXT,               -- Argon2id PHC; NULL = no usable CS (legacy import)
    question               TEXT,               -- secret question code; NULL = none on file (§3.1)
    answer_hash            TEXT,
    street                 TEXT,
    street_number          TEXT,
    block                  TEXT,
    apartment              TEXT,
    comuna                 TEXT,               -- official CUT code; its región follows from it
    email                  TEXT NOT NULL,
    home_phone             TEXT,
    work_phone             TEXT,
    mobile                 TEXT,               -- E.164; NULL = "Sin celular"
    provisional_hash       TEXT,               -- provisional CS from a recovery, only good to change the CS
    provisional_expires_at BIGINT,
    origin                 TEXT NOT NULL,      -- 'registration' | 'legacy'
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL
);

CREATE TABLE flows (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,                  -- registration | recovery | change | update
    step       TEXT NOT NULL,                  -- the step the flow waits for
    rut        TEXT,
    state      TEXT NOT NULL,                  -- JSON: branch taken and data carried between steps
    version    BIGINT NOT NULL,                -- optimistic lock: one request moves one step
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX flows_expires_at ON flows (expires_at);

CREATE TABLE captchas (
    id         TEXT PRIMARY KEY,
    answer     TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used       INTEGER NOT NULL
);
CREATE INDEX captchas_expires_at ON captchas (expires_at);

-- Failures per subject (a RUT) and kind (login, answer, serial); also for RUTs with no account, so that
-- refusals do not tell whether an account exists.
CREATE TABLE throttles (
    subject         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    failures        BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL,
    locked_until    BIGINT NOT NULL,
    PRIMARY KEY (subject, kind)
);

-- Notifications written in the same transaction as the account change; a worker delivers them.
-- Times in this table and the next are unix MILLISECONDS (retry backoff and latency need them).
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,          -- also the idempotency key sent to the provider
    channel         TEXT NOT NULL,             -- email | sms
    event           TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT,
    body            TEXT NOT NULL,             -- the provisional CS is wiped from it once sent
    status          TEXT NOT NULL,             -- pending | sent | failed
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_owner     TEXT,
    lease_until     BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE outbox_attempts (
    outbox_id TEXT NOT NULL,
    attempt   BIGINT NOT NULL,
    at        BIGINT NOT NULL,
    worker    TEXT NOT NULL,
    outcome   TEXT NOT NULL,                   -- sent | retry | failed
    error     TEXT,
    PRIMARY KEY (outbox_id, attempt)
);

-- Who did what and when (Decreto 9/2023: every access logged, kept at least 12 months).
CREATE TABLE audit_events (
    at      BIGINT NOT NULL,
    rut     TEXT,
    event   TEXT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX audit_events_rut ON audit_events (rut, at);

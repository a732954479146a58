-- API clients: organisations, OAuth2 client-credentials clients and API keys.
-- Secrets are random 256-bit tokens, stored as SHA-256 digests (a slow
-- password hash buys nothing for secrets with that much entropy).
CREATE TABLE IF NOT EXISTS plans (
    name       text PRIMARY KEY,
    per_minute integer NOT NULL CHECK (per_minute > 0),
    per_day    integer NOT NULL CHECK (per_day > 0)
);
INSERT INTO plans (name, per_minute, per_day) VALUES
    ('trial', 60, 1000),
    ('standard', 1000, 200000),
    ('enterprise', 10000, 5000000),
    -- internal tooling and benchmarks only
    ('unmetered', 100000000, 2000000000)
ON CONFLICT (name) DO NOTHING;

CREATE TABLE IF NOT EXISTS organisations (
    id         text PRIMARY KEY,                  -- org_…
    name       text NOT NULL,
    plan       text NOT NULL REFERENCES plans (name),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS api_clients (
    id              text PRIMARY KEY,             -- cli_… (the OAuth2 client_id)
    organisation_id text NOT NULL REFERENCES organisations (id),
    name            text NOT NULL,
    secret_sha256   text NOT NULL,
    previous_secret_sha256 text,                  -- valid until previous_expires_at (rotation)
    previous_expires_at    timestamptz,
    scopes          text[] NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz
);

CREATE TABLE IF NOT EXISTS api_keys (
    id              text PRIMARY KEY,             -- key_…
    organisation_id text NOT NULL REFERENCES organisations (id),
    name            text NOT NULL,
    prefix          text NOT NULL UNIQUE,         -- shown in logs and listings
    secret_sha256   text NOT NULL,
    scopes          text[] NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    revoked_at      timestamptz
);

-- Fixed-window request counters shared by every API process.
CREATE TABLE IF NOT EXISTS rate_limit_counters (
    subject      text NOT NULL,                   -- client id or key id
    window_kind  text NOT NULL CHECK (window_kind IN ('minute', 'day')),
    window_start timestamptz NOT NULL,
    count        integer NOT NULL,
    PRIMARY KEY (subject, window_kind, window_start)
);
CREATE INDEX IF NOT EXISTS rate_limit_counters_start ON rate_limit_counters (window_start);

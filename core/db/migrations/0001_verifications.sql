-- Verifications and what happened to them. Results are structured JSON; what
-- clients filter on has its own indexed column.
CREATE TABLE IF NOT EXISTS verifications (
    id                text PRIMARY KEY,                 -- ver_…
    organisation_id   text NOT NULL DEFAULT 'default',
    requested_type    text NOT NULL,                    -- the route: identity|…|auto
    verification_type text NOT NULL,                    -- IDENTITY|ADDRESS|…|AUTO until detected
    status            text NOT NULL CHECK (status IN ('received', 'processing', 'completed', 'failed')),
    decision          text,
    reference         text,
    metadata          jsonb NOT NULL DEFAULT '{}'::jsonb,
    webhook_url       text,
    total_files       integer NOT NULL,
    result            jsonb,
    metrics           jsonb,
    error             jsonb,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    completed_at      timestamptz
);
CREATE INDEX IF NOT EXISTS verifications_org_created ON verifications (organisation_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS verifications_org_status ON verifications (organisation_id, status, created_at DESC);
CREATE INDEX IF NOT EXISTS verifications_org_type ON verifications (organisation_id, verification_type, created_at DESC);
CREATE INDEX IF NOT EXISTS verifications_org_reference ON verifications (organisation_id, reference);

-- The files of a verification, as stored in object storage.
CREATE TABLE IF NOT EXISTS verification_files (
    verification_id text NOT NULL REFERENCES verifications (id) ON DELETE CASCADE,
    position        integer NOT NULL,
    role            text NOT NULL CHECK (role IN ('document', 'selfie')),
    object_key      text NOT NULL,
    sha256          text NOT NULL,
    size_bytes      bigint NOT NULL,
    media_type      text NOT NULL,
    filename        text,
    PRIMARY KEY (verification_id, position)
);
CREATE INDEX IF NOT EXISTS verification_files_sha256 ON verification_files (sha256);

-- Every lifecycle transition, with the stage that caused it.
CREATE TABLE IF NOT EXISTS verification_transitions (
    id              bigserial PRIMARY KEY,
    verification_id text NOT NULL REFERENCES verifications (id) ON DELETE CASCADE,
    from_status     text,
    to_status       text NOT NULL,
    stage           text NOT NULL,
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS verification_transitions_ver ON verification_transitions (verification_id, id);

-- One row per (verification, stage): a redelivered event overwrites nothing
-- (the stage's write is idempotent on this key).
CREATE TABLE IF NOT EXISTS stage_results (
    verification_id text NOT NULL REFERENCES verifications (id) ON DELETE CASCADE,
    stage           text NOT NULL,
    event_id        text NOT NULL,
    result          jsonb NOT NULL,
    duration_ms     double precision NOT NULL,
    model_ms        double precision,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (verification_id, stage)
);

-- Idempotency-Key: the first answer to a request, replayed for retries.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    organisation_id text NOT NULL,
    key             text NOT NULL,
    request_hash    text NOT NULL,
    verification_id text,
    response_status integer,
    response_body   jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organisation_id, key)
);

-- Liveness sessions: a server-chosen challenge, one upload of the end-user's
-- clip, the assessment. Single-use: the upload moves CREATED to IN_PROGRESS once.
CREATE TABLE IF NOT EXISTS liveness_sessions (
    id                  text PRIMARY KEY,                 -- lvs_…
    organisation_id     text NOT NULL,
    reference           text,
    status              text NOT NULL
        CHECK (status IN ('CREATED', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'EXPIRED')),
    challenge           jsonb NOT NULL,
    audit_images_limit  integer NOT NULL,
    webhook_url         text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    expires_at          timestamptz NOT NULL,
    started_at          timestamptz,
    completed_at        timestamptz,
    media_key           text,
    media_type          text,
    confidence          integer,
    is_live             boolean,
    result              jsonb,
    reference_image_key text,
    audit_image_keys    jsonb NOT NULL DEFAULT '[]'::jsonb
);
CREATE INDEX IF NOT EXISTS liveness_sessions_org ON liveness_sessions (organisation_id, created_at DESC);

-- Batches: many verifications submitted in one call, tracked together.
CREATE TABLE IF NOT EXISTS batches (
    id              text PRIMARY KEY,                 -- bat_…
    organisation_id text NOT NULL,
    reference       text,
    webhook_url     text,
    total           integer NOT NULL,
    status          text NOT NULL CHECK (status IN ('processing', 'completed')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz
);
CREATE INDEX IF NOT EXISTS batches_org ON batches (organisation_id, created_at DESC);
ALTER TABLE verifications ADD COLUMN IF NOT EXISTS batch_id text REFERENCES batches (id);
CREATE INDEX IF NOT EXISTS verifications_batch ON verifications (batch_id) WHERE batch_id IS NOT NULL;

-- The ingest outbox: accepted submissions whose event is not yet acknowledged by
-- Kafka. The API publishes right after commit; a relay republishes leftovers.
CREATE TABLE IF NOT EXISTS submission_outbox (
    event_id        text PRIMARY KEY,
    verification_id text NOT NULL REFERENCES verifications (id) ON DELETE CASCADE,
    topic           text NOT NULL,
    payload         bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    published_at    timestamptz
);
CREATE INDEX IF NOT EXISTS submission_outbox_pending ON submission_outbox (created_at)
    WHERE published_at IS NULL;

-- Transactional outbox: the decision stage writes the verification's final
-- state and its public event in one transaction, then publishes. A worker
-- killed in between publishes on redelivery; nothing is lost.
CREATE TABLE IF NOT EXISTS outbox (
    event_id        text PRIMARY KEY,
    verification_id text NOT NULL REFERENCES verifications (id) ON DELETE CASCADE,
    topic           text NOT NULL,
    key             bytea,
    payload         bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    published_at    timestamptz
);
CREATE INDEX IF NOT EXISTS outbox_unpublished ON outbox (created_at) WHERE published_at IS NULL;

-- Dead letters already replayed (so that "replay all" does not replay twice).
CREATE TABLE IF NOT EXISTS dead_letter_replays (
    dead_letter_id  text PRIMARY KEY,
    stage           text NOT NULL,
    verification_id text,
    replayed_at     timestamptz NOT NULL DEFAULT now(),
    replayed_by     text NOT NULL DEFAULT current_user
);

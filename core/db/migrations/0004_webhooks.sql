-- Webhook subscriptions, the delivery log, and the organisation-wide secret
-- that signs deliveries to a per-request webhookUrl.
ALTER TABLE organisations ADD COLUMN IF NOT EXISTS webhook_secret text NOT NULL DEFAULT
    'whsec_' || encode(decode(replace(gen_random_uuid()::text, '-', '') ||
                              replace(gen_random_uuid()::text, '-', ''), 'hex'), 'base64');

CREATE TABLE IF NOT EXISTS webhook_subscriptions (
    id                   text PRIMARY KEY,        -- whk_…
    organisation_id      text NOT NULL REFERENCES organisations (id),
    url                  text NOT NULL,
    event_types          text[] NOT NULL,
    description          text,
    secret               text NOT NULL,            -- whsec_…, needed in clear to sign
    previous_secret      text,                     -- also signs until previous_expires_at
    previous_expires_at  timestamptz,
    enabled              boolean NOT NULL DEFAULT true,
    disabled_reason      text,
    consecutive_failures integer NOT NULL DEFAULT 0,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    deleted_at           timestamptz
);
CREATE INDEX IF NOT EXISTS webhook_subscriptions_org ON webhook_subscriptions (organisation_id)
    WHERE deleted_at IS NULL;

-- One row per delivery attempt.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id              bigserial PRIMARY KEY,
    delivery_id     text NOT NULL,                 -- one event to one target, all attempts
    subscription_id text REFERENCES webhook_subscriptions (id),
    organisation_id text NOT NULL,
    event_id        text NOT NULL,
    event_type      text NOT NULL,
    url             text NOT NULL,
    attempt         integer NOT NULL,
    outcome         text NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'dead-lettered')),
    status_code     integer,
    latency_ms      double precision,
    response_excerpt text,
    error           text,
    payload         text NOT NULL,
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_sub ON webhook_deliveries (subscription_id, id DESC);
CREATE INDEX IF NOT EXISTS webhook_deliveries_event ON webhook_deliveries (event_id);

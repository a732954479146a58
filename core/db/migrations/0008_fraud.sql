-- Fraud (#8): versioned risk policies per organisation, and what repeat-fraud
-- detection remembers of every verification (face embeddings, document
-- hashes, document numbers). PostgreSQL is the source of truth; the workers'
-- in-memory search indexes are rebuilt from these tables.

-- One row per version; the highest version of an organisation is in force.
-- A decision stores the version it used, so it can be explained later.
CREATE TABLE IF NOT EXISTS risk_policies (
    organisation_id text NOT NULL,
    version         integer NOT NULL CHECK (version > 0),
    policy          jsonb NOT NULL,
    -- Opt-in: repeat fraud may match this organisation's records against other
    -- opted-in organisations' (the match reveals nothing of the other record).
    share_signals   boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text,
    PRIMARY KEY (organisation_id, version)
);

CREATE TABLE IF NOT EXISTS fraud_faces (
    id              bigserial PRIMARY KEY,             -- the face index's key
    verification_id text NOT NULL,
    organisation_id text NOT NULL,
    reference       text,
    file_position   integer NOT NULL,
    page            integer NOT NULL,
    role            text NOT NULL,
    id_number       text,                              -- digits only, when extracted
    full_name       text,
    embedding       real[] NOT NULL CHECK (cardinality(embedding) = 128),
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (verification_id, file_position, page)
);
CREATE INDEX IF NOT EXISTS fraud_faces_org ON fraud_faces (organisation_id, id);
CREATE INDEX IF NOT EXISTS fraud_faces_number
    ON fraud_faces (organisation_id, id_number) WHERE id_number IS NOT NULL;

CREATE TABLE IF NOT EXISTS fraud_documents (
    id              bigserial PRIMARY KEY,
    verification_id text NOT NULL,
    organisation_id text NOT NULL,
    reference       text,
    file_position   integer NOT NULL,
    page            integer NOT NULL,
    document_type   text,
    id_number       text,
    full_name       text,
    layout_hash     bytea NOT NULL,                    -- 64-bit pHash of the page layout
    ink_hash        text NOT NULL,                     -- models.fraud.hashing.DocumentHash
    ink_vector      real[] NOT NULL,                   -- models.fraud.reuse.ink_vector (shortlist)
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (verification_id, file_position, page)
);
CREATE INDEX IF NOT EXISTS fraud_documents_org ON fraud_documents (organisation_id, id);
CREATE INDEX IF NOT EXISTS fraud_documents_number
    ON fraud_documents (organisation_id, id_number, created_at) WHERE id_number IS NOT NULL;
-- Velocity by the device and IP address the client gives in metadata.
CREATE INDEX IF NOT EXISTS verifications_org_device
    ON verifications (organisation_id, (metadata->>'deviceId'), created_at);
CREATE INDEX IF NOT EXISTS verifications_org_ip
    ON verifications (organisation_id, (metadata->>'ipAddress'), created_at);

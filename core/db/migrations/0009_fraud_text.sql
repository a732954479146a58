-- The value fingerprint of a stored page (models.fraud.reuse.text_tokens): 63-bit hashes
-- of the OCR tokens that carry digits (amounts, dates, numbers). Document reuse compares
-- it next to the ink map: same-template pages whose values are too faint for the ink map
-- still differ here, and a re-capture whose page outline was not found is still found.
ALTER TABLE fraud_documents ADD COLUMN IF NOT EXISTS text_tokens bigint[] NOT NULL DEFAULT '{}';
CREATE INDEX IF NOT EXISTS fraud_documents_text ON fraud_documents USING gin (text_tokens);

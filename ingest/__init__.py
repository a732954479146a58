"""The ingest API (Litestar): accepts uploads, stores them, emits events. No model work here."""

"""Local services (Kafka, MinIO, PostgreSQL, Triton) started natively, without Docker."""

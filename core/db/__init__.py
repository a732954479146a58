"""PostgreSQL access: connections and forward-only SQL migrations."""

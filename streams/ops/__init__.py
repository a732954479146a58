"""Operations tools for the pipeline (dead-letter inspection and replay)."""

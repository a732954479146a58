"""The pipeline's stages, in order: intake → quality → decision (core/events/topics.py)."""

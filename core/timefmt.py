"""Timestamps as the public API writes them."""

from __future__ import annotations

from datetime import datetime


def iso_z(at: datetime | None) -> str | None:
    """ISO 8601 with ``Z`` for UTC (``2026-11-27T09:00:00Z``), or None for None."""
    return None if at is None else at.isoformat().replace("+00:00", "Z")

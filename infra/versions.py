"""Versions pinned in ``infra/versions.env`` (shared with ``infra/install.sh``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from core.settings import REPO_ROOT


@lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    """KEY=VALUE pairs of versions.env, comments skipped."""
    out: dict[str, str] = {}
    for raw in (REPO_ROOT / "infra" / "versions.env").read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            out[key.strip()] = value.strip()
    return out


def postgres_bin() -> Path:
    """Binaries of the Debian PostgreSQL major version the project pins."""
    return Path("/usr/lib/postgresql") / versions()["POSTGRES_MAJOR"] / "bin"

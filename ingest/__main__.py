"""``python -m ingest``: serve the API with uvicorn (settings from the environment)."""

from __future__ import annotations

import uvicorn

from core.settings import get_settings


def main() -> None:
    api = get_settings().api
    uvicorn.run(
        "ingest.app:create_app",
        factory=True,
        host=api.host,
        port=api.port,
        workers=api.workers,
        loop="uvloop",
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()

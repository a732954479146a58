"""Start, stop and inspect the local stack; run the smoke round trip.

    python -m infra.stack up [SERVICE ...]      install what is missing, start, wait healthy
    python -m infra.stack down [SERVICE ...]    stop (idempotent)
    python -m infra.stack status                one line per service
    python -m infra.stack smoke                 a round trip through every service
    python -m infra.stack demo                  a demo verification through the API

Services start in parallel (they are independent); each reports its own error.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor

from core.settings import Settings, SettingsError, get_settings
from infra.services import (
    ApiService,
    KafkaService,
    MinioService,
    PostgresService,
    Service,
    ServiceError,
    TritonService,
    WorkerService,
)

SERVICE_TYPES: dict[str, type[Service]] = {
    "postgres": PostgresService,
    "minio": MinioService,
    "kafka": KafkaService,
    "triton": TritonService,
}
# The platform's own processes need the services above; they start after them.
PLATFORM_TYPES: dict[str, type[Service]] = {"worker": WorkerService, "api": ApiService}
ALL_TYPES = SERVICE_TYPES | PLATFORM_TYPES


def services(settings: Settings, names: list[str] | None = None) -> list[Service]:
    """Launchers for the named services (all when ``names`` is empty)."""
    chosen = names or list(ALL_TYPES)
    unknown = [n for n in chosen if n not in ALL_TYPES]
    if unknown:
        raise SystemExit(f"unknown service(s): {', '.join(unknown)}; known: {list(ALL_TYPES)}")
    return [ALL_TYPES[n](settings) for n in chosen]


def up(settings: Settings, names: list[str] | None = None) -> list[str]:
    """Start the services in parallel, then the platform's processes.

    Raises ServiceError listing every failure.
    """
    chosen = services(settings, names)
    first = [s for s in chosen if s.name in SERVICE_TYPES]
    then = [s for s in chosen if s.name in PLATFORM_TYPES]
    lines = _start_all(first)
    return lines + _start_all(then)


def _start_all(chosen: list[Service]) -> list[str]:
    if not chosen:
        return []
    with ThreadPoolExecutor(max_workers=len(chosen)) as pool:
        futures = {s.name: pool.submit(s.start) for s in chosen}
    lines, errors = [], []
    for name, fut in futures.items():
        try:
            lines.append(fut.result())
        except ServiceError as exc:
            errors.append(str(exc))
        except Exception as exc:  # report every service, not only the first failure
            errors.append(f"{name}: {type(exc).__name__}: {exc}")
    if errors:
        raise ServiceError("\n\n".join(errors))
    return lines


def down(settings: Settings, names: list[str] | None = None) -> list[str]:
    """Stop services (reverse order of the catalogue)."""
    return [s.stop() for s in reversed(services(settings, names))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.stack", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status", "smoke", "demo"])
    parser.add_argument("services", nargs="*", help="subset of: " + ", ".join(ALL_TYPES))
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        if args.command == "up":
            for line in up(settings, args.services):
                print(line)
        elif args.command == "down":
            for line in down(settings, args.services):
                print(line)
        elif args.command == "status":
            for s in services(settings, args.services):
                print(s.status().line())
        elif args.command == "smoke":
            from infra.smoke import run_smoke

            run_smoke(settings)
        else:
            from infra.demo import run_demo

            run_demo(settings)
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

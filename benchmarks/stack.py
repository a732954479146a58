"""Stack start time (warm: builds cached) and idle resident memory of each service.

    python -m benchmarks.stack

Stops the stack, starts it again timing each service and the whole, waits
for it to settle, then reads the resident memory of each service's process
tree. (Cold start, with nothing cached, is timed by running `make test` or
`make demo` on a fresh machine; see docs/benchmarks.md.)
"""

from __future__ import annotations

import time

from benchmarks.common import group_rss_mib, machine
from core.settings import get_settings
from infra.stack import SERVICE_TYPES, down, services, up


def main() -> None:
    settings = get_settings()
    names = list(SERVICE_TYPES)
    print(f"machine: {machine()}")
    down(settings)
    started = time.monotonic()
    for line in up(settings, names):
        print(f"  {line}")
    total = time.monotonic() - started
    print(f"warm start of {', '.join(names)}: {total:.1f} s (in parallel)")
    time.sleep(15)
    grand = 0.0
    for svc in services(settings, names):
        pid = svc.read_pid()
        rss = group_rss_mib(pid) if pid else 0.0
        grand += rss
        print(f"  idle RSS {svc.name:<9} {rss:7.0f} MiB")
    print(f"  idle RSS total     {grand:7.0f} MiB")
    up(settings)  # bring the API and worker back too
    print("reproduce: make up && .venv/bin/python -m benchmarks.stack")


if __name__ == "__main__":
    main()

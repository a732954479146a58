"""Shared helpers: percentiles, machine description, CPU contention, process memory,
Triton's model counters. Standard library only: ``benchmarks.triton_gpu`` runs it on a
lent machine without the project's environment."""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
from pathlib import Path
from typing import Any


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def triton_counters(stats: dict[str, Any]) -> dict[str, int]:
    """A model's cumulative counters from Triton's ``/v2/models/<m>/stats`` answer."""
    s = stats["model_stats"][0]
    inf = s["inference_stats"]
    return {
        "inferences": int(s["inference_count"]),
        "executions": int(s["execution_count"]),
        "compute_ns": int(inf["compute_infer"]["ns"]),
        "cache_hits": int(inf.get("cache_hit", {}).get("count", 0)),
        "cache_hit_ns": int(inf.get("cache_hit", {}).get("ns", 0)),
        "success": int(inf["success"]["count"]),
    }


def machine() -> str:
    """One line describing the machine the figures come from."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem_kb / 1024 / 1024:.0f} GiB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def _cpu_ticks() -> tuple[int, int, int] | None:
    """(steal, idle, total) jiffies of all CPUs since boot; None off Linux."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return None
    ticks = [int(v) for v in fields[:8]]  # user nice system idle iowait irq softirq steal
    return ticks[7] if len(ticks) > 7 else 0, ticks[3] + ticks[4], sum(ticks)


class CpuMeter:
    """Share of CPU time the hypervisor gave to other guests (steal) and the load average
    while a benchmark ran: a shared VM's timings are only comparable at similar steal.

    Use as a context manager; :meth:`summary` is one printable line.
    """

    def __init__(self) -> None:
        self._start: tuple[int, int, int] | None = None
        self.steal_pct = float("nan")
        self.idle_pct = float("nan")

    def __enter__(self) -> CpuMeter:
        self._start = _cpu_ticks()
        return self

    def __exit__(self, *exc: object) -> None:
        end = _cpu_ticks()
        if self._start is None or end is None or end[2] <= self._start[2]:
            return
        total = end[2] - self._start[2]
        self.steal_pct = 100 * (end[0] - self._start[0]) / total
        self.idle_pct = 100 * (end[1] - self._start[1]) / total

    def summary(self) -> str:
        load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
        return (
            f"CPU steal {self.steal_pct:.1f}%, idle {self.idle_pct:.1f}% during the run; "
            f"load average {load}"
        )


def group_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MiB."""
    out = subprocess.run(
        ["ps", "-e", "-o", "pid=,ppid=,rss="], capture_output=True, text=True, check=True
    ).stdout
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for line in out.splitlines():
        p, pp, r = (int(x) for x in line.split())
        children.setdefault(pp, []).append(p)
        rss[p] = r
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total / 1024

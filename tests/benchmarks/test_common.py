"""Benchmark helpers: the CPU meter reads the kernel's counters."""

from __future__ import annotations

import sys
import time
from typing import Any

import pytest

from benchmarks.common import CpuMeter, percentile, triton_counters


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/stat is Linux's")
def test_the_cpu_meter_reports_shares_of_the_run() -> None:
    with CpuMeter() as meter:
        started = time.perf_counter()
        while time.perf_counter() - started < 0.1:  # several of the kernel's 10 ms ticks
            pass
    assert 0.0 <= meter.steal_pct <= 100.0
    assert 0.0 <= meter.idle_pct <= 100.0
    assert "steal" in meter.summary() and "load average" in meter.summary()


def test_percentile_is_nearest_rank() -> None:
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    assert percentile([1.0, 2.0], 100) == 2.0


def test_triton_counters_read_a_stats_answer() -> None:
    answer: dict[str, Any] = {
        "model_stats": [
            {
                "inference_count": "12",
                "execution_count": "5",
                "inference_stats": {
                    "success": {"count": 12, "ns": 9},
                    "compute_infer": {"count": 5, "ns": 4000},
                    "cache_hit": {"count": 3, "ns": 70},
                },
            }
        ]
    }
    assert triton_counters(answer) == {
        "inferences": 12,
        "executions": 5,
        "compute_ns": 4000,
        "cache_hits": 3,
        "cache_hit_ns": 70,
        "success": 12,
    }
    del answer["model_stats"][0]["inference_stats"]["cache_hit"]  # no cache configured
    assert triton_counters(answer)["cache_hits"] == 0

"""The liveness evaluation's figures (on made-up outcomes: running it takes minutes)."""

from __future__ import annotations

import pytest

from models.eval.liveness import EVAL_SEED0, Outcome, markdown, summarise, wilson
from models.liveness.calibrate import TRAIN_SEED0


def outcome(kind: str, seed: int, live: bool) -> Outcome:
    return Outcome(
        kind=kind,
        seed=seed,
        identities=("obama",),
        challenge=("TURN_LEFT", "BLINK", "COME_CLOSER"),
        live=live,
        confidence=80 if live else 20,
        reasons=() if live else ("CHALLENGE_FAILED",),
        scores={"flatness": 0.1, "naturalMotion": 0.2, "screenMoire": 0.4, "screenBanding": 0.1},
        raws={"flatness": 30.0, "naturalMotion": 9.0, "screenMoire": 1.2, "screenBanding": 4.0},
        wall_ms=900.0,
        cpu_ms=800.0,
        frames=47,
    )


def test_wilson_intervals_say_what_50_sessions_can_show() -> None:
    low, high = wilson(0, 50)
    assert low == 0.0 and 0.06 < high < 0.08  # 0 errors in 50: the rate is below ~7%
    low, high = wilson(1, 20)
    assert low < 0.05 < high
    assert wilson(0, 0) == (0.0, 1.0)


def test_the_summary_reports_rates_intervals_seeds_and_targets() -> None:
    seeds = range(EVAL_SEED0, EVAL_SEED0 + 50)
    outcomes = [outcome("genuine", s, s != EVAL_SEED0) for s in seeds]
    outcomes += [outcome("print_attack", s, False) for s in seeds]
    summary = summarise(outcomes)
    assert summary["bpcer"] == {
        "n": 50,
        "rejected": 1,
        "bpcer": pytest.approx(0.02),
        "ci95": pytest.approx(wilson(1, 50)),
    }
    assert summary["apcer"]["print_attack"]["apcer"] == 0.0
    assert summary["seeds"] == [EVAL_SEED0, EVAL_SEED0 + 49]
    assert summary["targetsMet"]
    text = markdown(summary)
    assert "| genuine | 50 | BPCER (rejected) | 2.0% (1) |" in text
    assert "3,000,000-3,000,049" in text


def test_evaluation_seeds_are_apart_from_tuning_seeds() -> None:
    assert EVAL_SEED0 - TRAIN_SEED0 >= 1_000_000

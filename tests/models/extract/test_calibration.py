"""Calibration of field confidence: Platt maps fitted per source, identity without a file."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np

from models.doctype.train import expected_calibration_error
from models.extract.calibration import Calibration, fit, fit_platt, load


def _overconfident(n: int, rng: random.Random) -> tuple[list[float], list[bool]]:
    """Raw scores whose true hit rate is raw**3: a rule that claims too much."""
    raw = [rng.uniform(0.5, 0.999) for _ in range(n)]
    return raw, [rng.random() < r**3 for r in raw]


def test_a_platt_map_fitted_on_overconfident_scores_removes_most_of_the_error() -> None:
    rng = random.Random(1)
    raw, right = _overconfident(4000, rng)
    platt = fit_platt(raw, right)
    test_raw, test_right = _overconfident(4000, rng)
    before = expected_calibration_error(np.array(test_raw), np.array(test_right))
    after = expected_calibration_error(np.array([platt(r) for r in test_raw]), np.array(test_right))
    assert before > 0.1
    assert after < 0.03
    assert platt(0.9) < 0.9  # it learned to claim less
    assert platt(0.6) < platt(0.9)  # and kept the order


def test_sources_without_enough_errors_fall_back_to_the_shared_map() -> None:
    rng = random.Random(2)
    raw, right = _overconfident(600, rng)
    samples = [("VIZ", r, c) for r, c in zip(raw, right, strict=True)]
    samples += [("MRZ", 0.99, True)] * 200  # never wrong: nothing to learn from
    cal = fit(samples)
    assert set(cal.per_source) == {"VIZ"}
    assert cal.apply("MRZ", 0.99) == cal.default(0.99)
    assert cal.apply("VIZ", 0.9) == cal.per_source["VIZ"](0.9)


def test_round_trip_and_identity(tmp_path: Path) -> None:
    rng = random.Random(3)
    raw, right = _overconfident(500, rng)
    cal = fit([("VIZ", r, c) for r, c in zip(raw, right, strict=True)], {"command": "test"})
    file = tmp_path / "calibration.json"
    file.write_text(json.dumps(cal.to_dict()))
    again = load(file)
    assert again.apply("VIZ", 0.8) == cal.apply("VIZ", 0.8)
    assert again.provenance == {"command": "test"}
    assert load(tmp_path / "missing.json").apply("VIZ", 0.8) == 0.8
    assert Calibration.identity().apply("MRZ", 0.37) == 0.37

"""Calibration of field confidence: raw rule confidence → probability that the value is right.

The extractor's raw confidence (OCR line confidence × rule factors, or the
MRZ's check-digit verdict) ranks fields well but is not a probability. A
Platt map per source — ``p = sigmoid(a · logit(raw) + b)`` — is fitted on
fields read from generated pages whose seeds are kept apart from the
evaluation's, and stored in ``calibration.json`` beside this module with the
command and the data that produced it (``python -m models.extract.calibrate``).

Sources with too few fields, or with no wrong field to learn from, use the
map fitted on all sources together. Without a ``calibration.json`` the raw
confidence is returned unchanged (``Calibration.identity``). Pure, apart from
:func:`load` reading the packaged file once.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
# A source needs this many fields, some of them wrong, for a map of its own.
MIN_FIELDS_PER_SOURCE = 40
MIN_ERRORS_PER_SOURCE = 3
# Raw confidences are clipped away from 0 and 1 before the logit.
EPS = 1e-4
# Ridge on (a - 1, b): a small pull towards the identity map for small groups.
RIDGE = 1e-2


def _logit(p: float) -> float:
    p = min(max(p, EPS), 1 - EPS)
    return math.log(p / (1 - p))


@dataclass(frozen=True)
class PlattMap:
    a: float = 1.0
    b: float = 0.0

    def __call__(self, raw: float) -> float:
        return 1.0 / (1.0 + math.exp(-(self.a * _logit(raw) + self.b)))


@dataclass(frozen=True)
class Calibration:
    """Per-source Platt maps and a fallback for every other source."""

    default: PlattMap = field(default_factory=PlattMap)
    per_source: dict[str, PlattMap] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def identity(cls) -> Calibration:
        return cls(provenance={"fitted": False})

    def apply(self, source: str, raw: float) -> float:
        """Calibrated confidence in [0, 1] of a field read with ``raw`` from ``source``."""
        if not self.per_source and self.default == PlattMap():
            return raw
        return self.per_source.get(source, self.default)(raw)

    def to_dict(self) -> dict[str, Any]:
        return {
            "default": {"a": self.default.a, "b": self.default.b},
            "perSource": {k: {"a": m.a, "b": m.b} for k, m in sorted(self.per_source.items())},
            "provenance": self.provenance,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        return cls(
            default=PlattMap(**data["default"]),
            per_source={k: PlattMap(**v) for k, v in data.get("perSource", {}).items()},
            provenance=data.get("provenance", {}),
        )


def fit_platt(raw: Iterable[float], correct: Iterable[bool], iterations: int = 50) -> PlattMap:
    """Logistic regression of ``correct`` on ``logit(raw)`` (Newton steps, light ridge)."""
    x = np.array([_logit(r) for r in raw], dtype=np.float64)
    y = np.array(list(correct), dtype=np.float64)
    if len(x) == 0:
        return PlattMap()
    X = np.stack([x, np.ones_like(x)], axis=1)  # noqa: N806 - the design matrix
    w = np.array([1.0, 0.0])
    prior = np.array([1.0, 0.0])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(X @ w)))
        grad = X.T @ (p - y) + RIDGE * (w - prior)
        hess = (X * (p * (1 - p))[:, None]).T @ X + RIDGE * np.eye(2)
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return PlattMap(float(w[0]), float(w[1]))


def fit(
    samples: Iterable[tuple[str, float, bool]], provenance: dict[str, Any] | None = None
) -> Calibration:
    """A calibration from (source, raw confidence, value was right) triples."""
    rows = list(samples)
    default = fit_platt([r for _, r, _ in rows], [c for _, _, c in rows])
    per_source: dict[str, PlattMap] = {}
    for source in sorted({s for s, _, _ in rows}):
        group = [(r, c) for s, r, c in rows if s == source]
        errors = sum(not c for _, c in group)
        if len(group) >= MIN_FIELDS_PER_SOURCE and errors >= MIN_ERRORS_PER_SOURCE:
            per_source[source] = fit_platt([r for r, _ in group], [c for _, c in group])
    return Calibration(default, per_source, provenance or {})


@cache
def load(path: Path = CALIBRATION_FILE) -> Calibration:
    """The packaged calibration (read once); the identity map if there is none."""
    if not path.exists():
        return Calibration.identity()
    return Calibration.from_dict(json.loads(path.read_text()))

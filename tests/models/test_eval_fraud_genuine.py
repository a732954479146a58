"""The interval the genuine false-positive evaluation reports."""

from __future__ import annotations

import math

from models.eval.fraud_genuine import wilson_upper


def test_wilson_upper_bounds() -> None:
    # No false positive in 200 uploads bounds the rate below 2% (the target) ...
    assert 0.018 < wilson_upper(0, 200) < 0.019
    # ... one in 50 does not bound it below 10%.
    assert 0.10 < wilson_upper(1, 50) < 0.11
    assert wilson_upper(50, 50) == 1.0 and math.isnan(wilson_upper(0, 0))

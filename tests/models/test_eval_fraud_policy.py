"""Policies compared on stored evaluation rows (pure; the rows are made here)."""

from __future__ import annotations

from typing import Any

import pytest

from models.eval.fraud_policy import PREVIOUS, compare, report
from models.fraud.score import RiskPolicy, policy_from_body
from models.fraud.signal import ReasonCode, Signal


def _row(kind: str, local_edits: float, dq: float = 0.0) -> dict[str, Any]:
    sigs = [
        Signal("local_edits", local_edits, 0.5, ReasonCode.TAMPERING_SUSPECTED),
        Signal("double_compression", dq, 0.75, ReasonCode.TAMPERING_SUSPECTED),
    ]
    return {"kind": kind, "signals": [s.to_dict() for s in sigs]}


ROWS = [
    _row("genuine", 0.01),
    _row("genuine", 0.05),
    _row("genuine", 0.02, dq=0.9),  # a genuine upload the double-JPEG signal trips
    _row("recompressed", 0.2),
    _row("retype", 0.3),  # under the cut: only graded evidence ranks it
    _row("retype", 0.9),
]


def test_graded_evidence_ranks_what_the_previous_policy_tied_at_zero() -> None:
    res = compare(ROWS, [PREVIOUS, RiskPolicy()])
    old, new = res[PREVIOUS.version]["retype"], res[RiskPolicy().version]["retype"]
    assert old["notApproved"] == new["notApproved"] == 1  # decisions: the cut decides
    # 0.3 tied with two genuine uploads at 0 before; it now ranks above them (11.7
    # points against 0.01 and 0.08), still below the one with a double-JPEG trace (24.1)
    assert old["aucRisk"] == pytest.approx(4 / 6)
    assert new["aucRisk"] == pytest.approx(5 / 6)
    assert new["aucRiskVsUntouched"] == pytest.approx(7 / 8)


def test_the_double_jpeg_weight_decides_whether_a_genuine_upload_is_reviewed() -> None:
    res = compare(ROWS, [PREVIOUS, RiskPolicy()])
    assert res[PREVIOUS.version]["genuine"]["notApproved"] == 1  # 45 * 0.8 = 36 points
    assert res[RiskPolicy().version]["genuine"]["notApproved"] == 0  # 30 * 0.8 = 24
    stricter = policy_from_body({"weights": {"double_compression": 60}}, "candidate")
    assert compare(ROWS, [stricter])["candidate"]["genuine"]["notApproved"] == 1
    text = report(res, "cmd")
    assert "| retype | 2 | 1 / 0 | 0.667 (0.688) | 1 / 0 | 0.833 (0.875) |" in text

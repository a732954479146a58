"""The hold-out evaluation's figures from per-upload rows."""

from __future__ import annotations

from typing import Any

import pytest

from models.eval.fraud_holdout import AS_TAMPERGEN, summarise


def _row(kind: str, learned: float, risk: float, codes: list[str]) -> dict[str, Any]:
    return {
        "kind": kind,
        "scores": {"local_edits": learned, "copy_move": 0.0},
        "risk": risk,
        "decision": "approve" if risk <= 30 else "review",
        "triggered": codes,
        "triggeredSignals": ["local_edits"] if learned >= 0.5 else [],
        "details": {"careful": learned < 0.9},
    }


def test_summarise_separates_attacks_from_controls() -> None:
    controls = [_row("resaved", 0.01 * i, 0.0, []) for i in range(20)]
    controls.append(_row("resaved", 0.6, 40.0, ["TAMPERING_SUSPECTED"]))
    clones = [_row("clone_digits", 0.95, 60.0, ["TAMPERING_SUSPECTED"]) for _ in range(3)]
    clones.append(_row("clone_digits", 0.055, 0.0, []))
    out = summarise(controls + clones)
    e = out["perAttack"]["clone_digits"]
    # 3 of 4 above all 21 controls, the careful one above 6 of them
    assert e["n"] == 4 and e["auc_learned"] == pytest.approx((3 * 21 + 6) / 84)
    assert e["det1pct_learned"] == 0.75 and e["learnedOverCut"] == 0.75
    assert e["notApproved"] == 0.75 and e["signals"][-1] == "local_edits"
    assert e["aucLearnedCareful"] == pytest.approx(6 / 21)
    c = out["controls"]
    assert c["n"] == 21 and c["anyReason"] == pytest.approx(1 / 21)
    assert c["byReason"] == {"TAMPERING_SUSPECTED": 1}
    # attacks with no rows are left out, not reported as NaN
    assert set(out["perAttack"]) == {"clone_digits"} and "clone_digits" in AS_TAMPERGEN

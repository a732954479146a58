"""The fraud evaluation's summary (models.eval.fraud.summarise) on hand-made rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from models.eval.fraud import auc, auc_interval, auc_of_counts, summarise


def _row(kind: str, score: float, decision: str, failed: list[str] | None) -> dict[str, Any]:
    return {
        "kind": kind,
        "condition": "scan",
        "docType": "national_id_front",
        "scores": {"copy_move": score},
        "triggered": ["COPY_MOVE_DETECTED"] if score > 0.5 else [],
        "risk": 80.0 if decision != "approve" else 0.0,
        "decision": decision,
        "failedChecks": failed,
        "times": {"decode": 0.01},
    }


def test_the_pipeline_column_counts_integrity_not_age() -> None:
    rows = [
        _row("genuine", 0.1, "approve", []),
        _row("genuine", 0.2, "approve", ["BILL_OLDER_THAN_3_MONTHS"]),  # stale, not forged
        _row("genuine", 0.3, "approve", ["MRZ_CHECKDIGIT_FAILED:expiry_date"]),
        _row("copy_move", 0.9, "approve", []),
        _row("copy_move", 0.4, "approve", ["DOCUMENT_EXPIRED", "OMANG_NUMBER_INVALID"]),
        _row("copy_move", 0.1, "review", []),
    ]
    out = summarise(rows)
    genuine = out["genuine"]
    assert genuine["notApprovedPipeline"] == 1 / 3
    assert genuine["outOfDate"] == 1 / 3
    assert genuine["failedCheckShare"]["BILL_OLDER_THAN_3_MONTHS"] == 1 / 3
    cm = out["perAttack"]["copy_move"]
    assert cm["notApproved"] == 1 / 3  # the risk score alone
    assert cm["notApprovedPipeline"] == 2 / 3  # plus the failed Omang check
    assert cm["aucSignal"] == auc([0.9, 0.4, 0.1], [0.1, 0.2, 0.3])


def test_without_the_served_ocr_the_pipeline_is_not_measured() -> None:
    rows = [_row("genuine", 0.1, "approve", None), _row("copy_move", 0.9, "review", None)]
    out = summarise(rows)
    assert out["perAttack"]["copy_move"]["notApprovedPipeline"] is None
    assert out["perAttack"]["copy_move"]["aucSignalWithChecks"] is None


def test_recompressed_uploads_are_negatives_reported_apart() -> None:
    def row(kind: str, learned: float, risk: float, codes: list[str]) -> dict[str, Any]:
        return {
            **_row(kind, 0.0, "approve" if risk <= 30 else "review", []),
            "scores": {"local_edits": learned},
            "triggered": codes,
            "risk": risk,
        }

    rows = [
        row("genuine", 0.1, 0.0, []),
        row("genuine", 0.2, 0.0, []),
        row("recompressed", 0.7, 40.0, ["TAMPERING_SUSPECTED"]),
        row("recompressed", 0.3, 0.0, []),
        row("retype", 0.6, 40.0, ["TAMPERING_SUSPECTED"]),
        row("retype", 0.9, 60.0, ["TAMPERING_SUSPECTED"]),
    ]
    out = summarise(rows)
    rt = out["perAttack"]["retype"]
    # against camera uploads only, as before; the re-encoded ones make it harder
    assert rt["aucLearned"] == 1.0
    assert rt["vsUntouched"]["aucLearned"] == auc([0.6, 0.9], [0.1, 0.2, 0.7, 0.3])
    assert rt["vsUntouched"]["aucRisk"] == auc([40.0, 60.0], [0.0, 0.0, 40.0, 0.0])
    rc = out["recompressed"]
    assert rc["n"] == 2 and rc["anyReason"] == 0.5 and rc["notApproved"] == 0.5
    assert rc["falsePositiveByReason"] == {"TAMPERING_SUSPECTED": 0.5}
    assert out["genuine"]["n"] == 2  # the camera uploads' own figures leave them out
    assert (
        "vsUntouched"
        not in summarise([r for r in rows if r["kind"] != "recompressed"])["perAttack"]["retype"]
    )


def test_the_auc_from_counts_is_the_auc_and_the_interval_holds_it() -> None:
    rng = np.random.default_rng(7)
    pos = [round(float(v), 1) for v in rng.normal(1.0, 1.0, 20)]  # rounded: ties
    neg = [round(float(v), 1) for v in rng.normal(0.0, 1.0, 120)]
    values = np.unique(pos + neg)
    pc = np.bincount(np.searchsorted(values, pos), minlength=values.size)
    nc = np.bincount(np.searchsorted(values, neg), minlength=values.size)
    assert auc_of_counts(pc, nc) == pytest.approx(auc(pos, neg))
    interval = auc_interval(pos, neg)
    assert interval is not None
    lo, hi = interval
    assert lo < auc(pos, neg) < hi and 0.05 < hi - lo < 0.4  # 20 attacks: a wide interval
    assert auc_interval(pos, neg) == interval  # fixed seed: a report is reproducible
    assert auc_interval([], neg) is None

"""Re-scoring stored fraud results under a candidate policy (pure; no services)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from models.fraud.score import DEFAULT_WEIGHTS, RiskPolicy, score, strongest
from models.fraud.signal import ReasonCode, Signal
from models.fraud.whatif import StoredFraud, rescore, simulate

AT = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


def _stored(vid: str, pages: list[list[Signal]], repeat: list[Signal] | None = None) -> StoredFraud:
    """A fraud result shaped as the pipeline stores it, through JSON as PostgreSQL has it."""
    everything = [s for page in pages for s in page] + (repeat or [])
    fraud: dict[str, Any] = {
        "documents": [
            {"position": i, "page": 0, "signals": [s.to_dict() for s in page]}
            for i, page in enumerate(pages)
        ],
        "repeatFraud": [s.to_dict() for s in repeat or []],
        "velocity": [],
        "consistency": [],
        "risk": score(strongest(everything)).to_dict(),
    }
    return StoredFraud(vid, AT, json.loads(json.dumps(fraud)))


EDITED = Signal("exif_software", 0.9, 0.5, ReasonCode.EDITED_WITH_SOFTWARE)
REUSED = Signal("document_reuse", 1.0, 0.5, ReasonCode.DOCUMENT_REUSED)
FAINT = Signal("local_edits", 0.3, 0.5, ReasonCode.TAMPERING_SUSPECTED)


def test_the_policy_a_result_was_made_with_gives_it_back() -> None:
    rec = _stored(
        "ver_a", [[EDITED, FAINT], [Signal("exif_software", 0.6, 0.5, EDITED.reason_code)]]
    )
    again = rescore(rec.fraud, RiskPolicy())
    assert again.score == pytest.approx(rec.fraud["risk"]["score"], abs=0.05)
    assert again.decision == rec.fraud["risk"]["decision"] == "review"
    # the strongest page counts: 0.9 on the first page, not 0.6 on the second
    c = next(c for c in again.contributions if c.signal == "exif_software")
    assert c.signal_score == pytest.approx(0.9)


def test_a_candidate_policy_is_counted_by_transition_largest_change_first() -> None:
    records = [
        _stored("ver_clean", [[FAINT]]),
        _stored("ver_edited", [[EDITED]]),
        _stored("ver_reused", [[FAINT]], repeat=[REUSED]),
    ]
    stricter = RiskPolicy(
        version="cand", weights={**DEFAULT_WEIGHTS, "exif_software": 100.0, "document_reuse": 40.0}
    )
    out = simulate(records, stricter)
    assert out["verifications"] == 3 and out["unreadable"] == 0
    assert out["recordedPolicies"] == {RiskPolicy().version: 3}
    assert out["transitions"]["approve"]["approve"] == 1
    assert out["transitions"]["review"]["decline"] == 1  # edited: 67.5 -> 90 points
    assert out["transitions"]["decline"]["review"] == 1  # reused: 80 -> 40 points
    assert out["changed"] == 2
    ids = [c["verificationId"] for c in out["changes"]]
    assert ids == ["ver_reused", "ver_edited"]  # 91.7 -> 51.7 before 67.5 -> 90
    assert out["changes"][1]["candidate"]["reasonCodes"] == ["EDITED_WITH_SOFTWARE"]
    assert simulate(records, stricter, examples=1)["changes"][0]["verificationId"] == "ver_reused"


def test_a_result_that_cannot_be_read_is_counted_not_dropped() -> None:
    good = _stored("ver_ok", [[EDITED]])
    broken = StoredFraud("ver_broken", AT, {"documents": [{"signals": [{"name": "x"}]}]})
    no_risk = StoredFraud("ver_old", AT, {"documents": []})
    out = simulate([good, broken, no_risk], RiskPolicy())
    assert out["verifications"] == 1 and out["unreadable"] == 2

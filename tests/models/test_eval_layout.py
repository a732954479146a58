"""The layout evaluation's figures, from readings (no OCR here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from models.doctypes import DocumentType
from models.eval.layout import counterfeit_jobs, evaluate, report
from models.fraud.layout import fit_profile, page_from_reading, profiles_to_json
from models.fraud.layout_data import Read
from tests.fixtures.layout import LABELS, reading_of


def _reading(words: dict[str, tuple[float, float]], shift: float = 0.0) -> dict[str, Any]:
    return reading_of([(t, x + shift, y + shift) for t, (x, y) in words.items()])


def _read(kind: str, reading: dict[str, Any], cond: str = "scan") -> Read:
    return Read(f"{kind}/{id(reading)}", DocumentType.NATIONAL_ID_FRONT, 0, cond, kind, reading)


def test_counterfeits_rank_above_genuine_uploads_and_the_report_says_so(tmp_path: Path) -> None:
    pages = [page_from_reading(_reading(LABELS)) for _ in range(10)]
    profile = fit_profile("national_id_front", "t0", pages)
    path = tmp_path / "profiles.json"
    path.write_text(profiles_to_json([profile], {}))
    genuine = [
        _read("genuine", _reading(LABELS, s / 1000), c) for s, c in ((0, "scan"), (3, "phone"))
    ]
    reordered = dict(LABELS)
    for a, b in (("SURNAME", "EXPIRY"), ("FORENAMES", "BIRTHPLACE"), ("REPUBLIC", "SIGNATURE")):
        reordered[a], reordered[b] = LABELS[b], LABELS[a]
    fakes = [
        _read("rearranged", _reading(reordered)),
        _read("rearranged", _reading(reordered, 0.002)),
    ]
    res = evaluate([*genuine, *fakes], path)
    assert res["perKind"]["rearranged"]["auc"] == 1.0
    assert res["perKind"]["rearranged"]["flagged"] == 1.0
    assert res["genuine"]["flagged"] == 0 and res["genuine"]["n"] == 2
    assert res["genuine"]["byCondition"]["phone"]["n"] == 1
    text = report(res, "python -m models.eval.layout", 1.0)
    assert "| rearranged | 2 | 1.000 |" in text and "| scan | 1 | 0 |" in text


def test_counterfeit_jobs_are_deterministic_and_cover_every_kind() -> None:
    a = [(j.key, j.make()) for j in counterfeit_jobs(4_900_000, 1)]
    b = [(j.key, j.make()) for j in counterfeit_jobs(4_900_000, 1)]
    assert a == b
    assert sorted({key.split("/")[0] for key, _ in a}) == sorted(
        ["reworded", "missing_text", "rearranged", "other_typography"]
    )

"""The semantic copy-move evaluation's parts: the copy lands on a value the document
repeats, and the summary counts per defence (pure logic, no services)."""

from __future__ import annotations

import numpy as np
import pytest

from models.doctypes import DocumentType
from models.eval.copy_move_semantic import REPEATED, onto_repeated, summarise
from tools.docgen import generate


def _overlap(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    ax, ay, aw, ah = a
    bx0, by0, bx1, by1 = b
    return max(0, min(ax + aw, bx1) - max(ax, bx0)) * max(0, min(ay + ah, by1) - max(ay, by0))


@pytest.mark.parametrize("doc_type", [DocumentType.PASSPORT, DocumentType.PAYSLIP])
def test_the_copy_lands_on_a_repeated_value_and_only_there(doc_type: DocumentType) -> None:
    sample = generate(4_800_001, doc_type, 0, "scan")
    forged = onto_repeated(sample, np.random.default_rng(1))
    (target,) = forged.regions
    keep = REPEATED[doc_type][1]
    hit = {f.name for f in sample.fields if _overlap(target, f.box) > 0.5 * target[2] * target[3]}
    assert hit and all(keep(name) for name in hit)
    assert forged.kind == "copy_move" and forged.image_bytes[:2] == b"\xff\xd8"


def test_summary_counts_stopped_copies_and_untouched_per_defence() -> None:
    def row(
        defence: str, kind: str, stopped: bool, broken: bool, unprinted: tuple[str, ...] = ()
    ) -> dict[str, object]:
        return {
            "defence": defence,
            "kind": kind,
            "stopped": stopped,
            "brokenCheck": broken,
            "unprinted": list(unprinted),
        }

    rows = [
        row("MRZ", "copy_move", True, True),
        row("MRZ", "copy_move", False, False, ("birth_date",)),
        row("MRZ", "genuine", False, False),
        row("MRZ", "genuine", False, False),
        row("arithmetic", "copy_move", True, False),
        row("arithmetic", "genuine", True, False),
    ]
    s = summarise(rows)
    assert s["MRZ"] == {
        "copies": 2,
        "copiesStopped": 0.5,
        "copiesBrokenCheck": 0.5,
        "untouched": 2,
        "untouchedStopped": 0.0,
        "untouchedBrokenCheck": 0.0,
        "copiesStoppedWithUnprinted": 1.0,
        "untouchedStoppedWithUnprinted": 0.0,
    }
    assert s["arithmetic"]["untouchedStopped"] == 1.0
    assert s["all"]["copies"] == 3 and s["all"]["copiesStopped"] == pytest.approx(2 / 3)

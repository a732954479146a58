"""Counterfeits made from scratch: each kind changes the layout it claims, deterministically."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from models.doctypes import DocumentType
from tools.counterfeit import KINDS, NotApplicable, counterfeit, missing_text, rearranged, reworded
from tools.docgen.content import Form, Text
from tools.docgen.specs import build

SEED = 4_123_456


def _texts(doc_type: DocumentType, template: int) -> list[str]:
    doc = build(SEED, doc_type, template)
    out = []
    for b in doc.blocks():
        if isinstance(b, Text):
            out.append(b.text)
        elif isinstance(b, Form):
            out.extend(label for label, _ in b.items)
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_yields_a_decodable_upload_and_is_deterministic(kind: str) -> None:
    data, details = counterfeit(SEED, DocumentType.NATIONAL_ID_FRONT, 0, "phone", kind)
    again, _ = counterfeit(SEED, DocumentType.NATIONAL_ID_FRONT, 0, "phone", kind)
    assert data == again and details["kind"] == kind
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert img is not None and img.shape[0] > 100


def test_reworded_changes_fixed_text_only() -> None:
    doc = build(SEED, DocumentType.NATIONAL_ID_FRONT, 0)
    before = _texts(DocumentType.NATIONAL_ID_FRONT, 0)
    values = dict(doc.fields)
    details = reworded(doc, random.Random(1))
    after = [b.text for b in doc.blocks() if isinstance(b, Text)] + [
        label for b in doc.blocks() if isinstance(b, Form) for label, _ in b.items
    ]
    assert details["changed"]
    for old, new in details["changed"]:
        assert old != new and old in before and new in after
    assert doc.fields == values  # the person's values stay


def test_missing_text_removes_lines_and_rearranged_moves_them() -> None:
    doc = build(SEED, DocumentType.NATIONAL_ID_FRONT, 0)
    n = len(doc.blocks())
    details = missing_text(doc, random.Random(2))
    assert details["removed"] and len(doc.blocks()) < n
    doc = build(SEED, DocumentType.NATIONAL_ID_FRONT, 0)
    labels = [label for b in doc.blocks() if isinstance(b, Form) for label, _ in b.items]
    details = rearranged(doc, random.Random(3))
    moved = [label for b in doc.blocks() if isinstance(b, Form) for label, _ in b.items]
    order_changed = moved != labels and sorted(moved) == sorted(labels)
    assert order_changed or "swapped" in details


def test_a_page_with_nothing_to_change_is_not_applicable() -> None:
    doc = build(SEED, DocumentType.NATIONAL_ID_FRONT, 0)
    doc.header, doc.body, doc.footer = [], [], []
    for fn in (reworded, missing_text, rearranged):
        with pytest.raises(NotApplicable):
            fn(doc, random.Random(0))

"""The reuse shortlist ranks a re-captured document first among cards of its template."""

from __future__ import annotations

import numpy as np

from models.doctypes import DocumentType
from models.fraud.hashing import document_hash
from models.fraud.reuse import INK_SIDE, ink_vector, shortlist
from tests.fixtures.fraud import sample

SEEDS = range(2_100_200, 2_100_208)


def test_a_recaptured_card_comes_first_among_cards_of_its_template() -> None:
    stored = np.stack(
        [
            ink_vector(document_hash(sample(DocumentType.NATIONAL_ID_FRONT, "scan", s).image))
            for s in SEEDS
        ]
    )
    for i, seed in enumerate(SEEDS):
        phone = sample(DocumentType.NATIONAL_ID_FRONT, "phone", seed)
        assert shortlist(ink_vector(document_hash(phone.image)), stored, 1) == [i]


def test_vectors_are_unit_length_and_blank_pages_are_zero() -> None:
    v = ink_vector(document_hash(sample(DocumentType.PASSPORT, "scan", 2_100_300).image))
    assert v.shape == (INK_SIDE * INK_SIDE,) and abs(float(np.linalg.norm(v)) - 1) < 1e-5
    blank = document_hash(np.full((400, 600, 3), 255, np.uint8))
    assert not ink_vector(blank).any()
    assert shortlist(v, np.zeros((0, v.size), np.float32), 3) == []
    assert shortlist(v, np.stack([v, -v]), 1) == [0]


def test_rows_not_allowed_are_never_picked() -> None:
    rng = np.random.default_rng(3)
    stored = rng.normal(size=(6, 8)).astype(np.float32)
    allowed = np.array([True, False, True, False, False, False])
    assert shortlist(stored[1], stored, 1, allowed) != [1]
    assert sorted(shortlist(stored[1], stored, 5, allowed)) == [0, 2]

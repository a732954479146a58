"""The reuse shortlist ranks a re-captured document first among cards of its template."""

from __future__ import annotations

import numpy as np

from models.doctypes import DocumentType
from models.fraud.hashing import document_hash
from models.fraud.reuse import (
    INK_SIDE,
    ink_vector,
    same_document,
    shortlist,
    text_overlap,
    text_tokens,
    worth_comparing,
)
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


def test_value_tokens_keep_numbers_and_read_through_ocr_lookalikes() -> None:
    page = ["PAYSLIP  Period: 2026-10", "Employee No. E10442", "Net pay P 12,345.00", "Gaborone"]
    again = ["PAYSLIP Period 2026-1O", "Employee No E1O442", "Net pay P12,345.00", "Gaborone"]
    a, b = text_tokens(page), text_tokens(again)
    assert len(a) == 3 and a == sorted(a)  # the period, the number, the amount; no words
    assert a == b  # punctuation, spacing and O/0 do not change a value
    assert all(0 <= t < 2**63 for t in a)  # fits PostgreSQL's bigint


def test_values_decide_with_the_ink_map() -> None:
    mine = list(range(10))
    other_person = [0, 1, 2, 3, 40, 41, 42, 43, 44, 45]  # the template's numbers only
    assert text_overlap(mine, mine[:2]) is None  # too few values: no evidence
    assert text_overlap(mine, other_person) == 0.4
    # The ink map matches, the values disagree: a same-template page of another person.
    assert not same_document(0.0, text_overlap(mine, other_person))
    # The ink map matches, the values agree or cannot be compared: the same document.
    assert same_document(0.0, 1.0) and same_document(0.0, None)
    # The ink map failed (page outline not found), the values agree: the same document.
    assert same_document(0.9, 0.9) and not same_document(0.9, None)
    # Pages whose values disagree are not compared in full; unknown values always are.
    assert not worth_comparing(mine, other_person) and worth_comparing(mine, mine[:2])

"""The classifier's refusal rules and feature hashing (pure logic, hand-made weights)."""

from __future__ import annotations

import numpy as np

from models.doctype.classifier import DocTypeClassifier
from models.doctype.features import DIM, feature_indices, normalise, tokens
from models.doctypes import LABELS, DocumentType


def test_features_are_stable_and_tolerate_case_and_accents() -> None:
    a = feature_indices("Botswana Power Corporation")
    assert np.array_equal(a, feature_indices("BOTSWANA  power corporation"))
    assert np.array_equal(feature_indices("Séretse"), feature_indices("SERETSE"))
    assert a.min() >= 0 and a.max() < DIM and len(a) == len(set(a.tolist()))
    assert normalise("é") == "E"


def test_numbers_become_length_classes() -> None:
    assert tokens("Omang 123416789 P 1") == ["OMANG", "#9", "#1"]


def _classifier(word: str, target: DocumentType, threshold: float = 0.5) -> DocTypeClassifier:
    weights = np.zeros((DIM, len(LABELS)), np.float32)
    for i in feature_indices(word):
        weights[i, LABELS.index(target)] = 20.0
    return DocTypeClassifier(
        weights, np.zeros(len(LABELS), np.float32), [t.value for t in LABELS], 1.0, threshold
    )


def test_a_strong_signal_wins_with_its_probability() -> None:
    clf = _classifier("PAYSLIP", DocumentType.PAYSLIP)
    pred = clf.predict("PAYSLIP for the month of March, employee Kabelo")
    assert pred.document_type is DocumentType.PAYSLIP
    assert 0.5 < pred.probability <= 1 and pred.reason is None
    assert pred.top[0][0] == "payslip"


def test_too_little_text_is_unknown_without_asking_the_model() -> None:
    pred = _classifier("PAYSLIP", DocumentType.PAYSLIP).predict("PAYSLIP")
    assert pred.document_type is DocumentType.UNKNOWN and pred.reason == "NO_TEXT"


def test_low_confidence_is_refused() -> None:
    clf = _classifier("ZZQXJV", DocumentType.PAYSLIP, threshold=0.5)
    pred = clf.predict("a paragraph of text that no class claims at all, long enough")
    assert pred.document_type is DocumentType.UNKNOWN and pred.reason == "LOW_CONFIDENCE"


def test_the_unknown_class_is_an_answer() -> None:
    clf = _classifier("COOKIES", DocumentType.UNKNOWN)
    pred = clf.predict("We use COOKIES to improve your experience on this website")
    assert pred.document_type is DocumentType.UNKNOWN and pred.reason == "UNKNOWN_CLASS"


def test_every_type_has_a_category_and_a_public_code() -> None:
    for t in DocumentType:
        assert t.public_code
        assert t is DocumentType.UNKNOWN or t.categories
    assert DocumentType.BANK_STATEMENT.categories == {"address", "income"}
    assert DocumentType.NATIONAL_ID_BACK.public_code == "OMANG"

"""File forensics (EXIF, PDF, text layer) and re-capture-robust document hashes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from models.doctypes import DocumentType
from models.fraud import forensics
from models.fraud.hashing import document_hash, hash_distance, same_document
from tests.fixtures.fraud import (
    SUBMITTED,
    compressed_font_pdf,
    edited_pdf,
    sample,
    simple_pdf,
)
from tools.tampergen import genuine, metadata
from tools.tampergen.exif import CameraExif, build_exif, with_exif


def _codes(sigs: list) -> set[str]:  # type: ignore[type-arg]
    return {s.reason_code.value for s in sigs if s.triggered}


def test_genuine_phone_exif_is_clean_and_edits_are_caught() -> None:
    s = sample(DocumentType.NATIONAL_ID_FRONT, "phone")
    for seed in range(6):
        up = genuine(s, np.random.default_rng(seed))
        assert _codes(forensics.image_metadata(up.image_bytes, SUBMITTED)) == set()
    caught = set()
    for seed in range(8):
        up = metadata(s, np.random.default_rng(seed))
        codes = _codes(forensics.image_metadata(up.image_bytes, SUBMITTED))
        assert codes & {"EDITED_WITH_SOFTWARE", "METADATA_INCONSISTENT"}
        caught |= codes
    assert {"EDITED_WITH_SOFTWARE", "METADATA_INCONSISTENT"} <= caught


def test_thumbnail_of_another_picture_and_missing_camera() -> None:
    s = sample(DocumentType.PASSPORT, "phone")
    other = sample(DocumentType.PAYSLIP, "phone")
    up = genuine(s, np.random.default_rng(0))
    import cv2

    _ok, thumb = cv2.imencode(".jpg", cv2.resize(other.image, (120, 160)))
    cam = CameraExif(
        "Apple", "iPhone 13", "17.5.1", SUBMITTED - dt.timedelta(days=1), None, thumb.tobytes()
    )
    bad = with_exif(up.image_bytes, build_exif(cam))
    assert "THUMBNAIL_MISMATCH" in _codes(forensics.image_metadata(bad, SUBMITTED))
    bare = with_exif(up.image_bytes, None)
    sigs = forensics.image_metadata(bare, SUBMITTED, claims_phone_photo=True)
    missing = next(x for x in sigs if x.name == "exif_camera_missing")
    assert missing.score > 0 and not missing.triggered  # weak evidence only


def test_pdf_structure() -> None:
    clean = forensics.pdf_structure(simple_pdf(), SUBMITTED)
    assert _codes(clean) == set()
    facts = forensics.read_pdf(edited_pdf())
    assert facts.revisions == 2 and facts.producer and "Sejda" in facts.producer
    assert "Courier-Bold" in facts.fonts_by_revision[1]
    codes = _codes(forensics.pdf_structure(edited_pdf(), SUBMITTED))
    assert {
        "PDF_INCREMENTALLY_UPDATED",
        "PDF_EDITED_WITH_SOFTWARE",
        "PDF_FONTS_ADDED",
        "PDF_METADATA_INCONSISTENT",
    } <= codes
    assert "ComicSans" in forensics.read_pdf(compressed_font_pdf()).fonts_by_revision[1]
    with pytest.raises(ValueError):
        forensics.read_pdf(b"not a pdf")


def test_text_layer() -> None:
    import pypdfium2 as pdfium

    pages = forensics.pdf_text_layer(simple_pdf())
    assert "2,488.60" in pages[0]
    assert isinstance(pdfium.PdfDocument, type)
    same = forensics.compare_text_layer(
        "Pay 2,488.60 on 05/02/2025 acct 74547501126", "Pay 2,488.6O on 05/02/2025 acct 74547501126"
    )
    assert not same.triggered
    edited = forensics.compare_text_layer(
        "Pay 2,488.60 on 05/02/2025 acct 74547501126", "Pay 9,488.60 on 05/02/2026 acct 74547501126"
    )
    assert edited.triggered and "248860" in edited.details["onlyInTextLayer"]


@pytest.mark.parametrize("doc_type", [DocumentType.NATIONAL_ID_FRONT, DocumentType.PAYSLIP])
def test_same_document_across_captures_not_other_people(doc_type: DocumentType) -> None:
    base = document_hash(sample(doc_type, "scan", 77, 1).image)
    for cond in ("phone", "jpeg", "shadow"):
        assert same_document(base, document_hash(sample(doc_type, cond, 77, 1).image)), cond
    for seed in (78, 79):
        other = document_hash(sample(doc_type, "scan", seed, 1).image)
        assert not same_document(base, other)
        assert hash_distance(base, other) > 0.015


def test_inked_windows_are_the_tiles_with_ink_and_spread() -> None:
    """The vectorised tile selection equals the per-tile definition (float64 reference)."""
    from models.fraud import hashing

    rng = np.random.default_rng(7)
    side = hashing.CONTENT_SIDE
    ink = np.zeros((side, side), np.uint8)
    ink[rng.random((side, side)) < 0.08] = 200  # scattered strokes: ink with spread
    ink[100:140, 60:200] = 30  # a flat grey patch: ink, no spread
    ww, wh = hashing.WINDOW
    margin = round(side * hashing.BORDER_MARGIN)
    expected = []
    for y in range(margin, side - wh + 1 - margin, wh):
        for x in range(margin, side - ww + 1 - margin, ww):
            t = ink[y : y + wh, x : x + ww].astype(np.float64) / 255.0
            if t.mean() >= hashing.WINDOW_MIN_INK and t.std() >= hashing.WINDOW_MIN_STD:
                expected.append((y, x))
    got = hashing._inked_windows(ink)
    assert got == expected
    assert 0 < len(got) < ((side - 2 * margin) // wh) * ((side - 2 * margin) // ww)
    assert (margin + 6 * wh, margin + 3 * ww) not in got  # inside the flat patch

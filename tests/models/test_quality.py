"""Image quality measurements flag what they claim to flag (pure logic)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from models import quality
from models.doctypes import DocumentType
from tests.fixtures.images import Image, as_image, encode
from tools.docgen import generate


def test_a_sharp_well_lit_document_has_no_issue(sharp_document: Image) -> None:
    report = quality.assess(sharp_document)
    assert report.issues == []
    assert report.score > 0.8


def test_blur_is_flagged(sharp_document: Image) -> None:
    blurred = as_image(cv2.GaussianBlur(sharp_document, (0, 0), 6))
    report = quality.assess(blurred)
    assert "BLURRY" in report.issues
    assert report.score < quality.assess(sharp_document).score


def test_low_light_is_flagged(sharp_document: Image) -> None:
    dark = as_image(sharp_document.astype(np.float32) * 0.15)
    assert "UNDEREXPOSED" in quality.assess(dark).issues


def test_glare_is_flagged(sharp_document: Image) -> None:
    img = sharp_document.copy()
    cv2.circle(img, (600, 380), 160, (255, 255, 255), -1)
    assert "GLARE" in quality.assess(img).issues


def test_small_image_is_low_resolution(sharp_document: Image) -> None:
    small = as_image(cv2.resize(sharp_document, (300, 190), interpolation=cv2.INTER_AREA))
    assert "LOW_RESOLUTION" in quality.assess(small).issues


def test_document_cut_by_the_frame_is_cropped(sharp_document: Image) -> None:
    # Shift the card so that its text lines run off the left edge.
    lines = sharp_document[:, 150:].copy()
    for y in range(0, lines.shape[0], 12):
        cv2.line(lines, (0, y), (40, y), (0, 0, 0), 2)
    assert "CROPPED" in quality.assess(lines).issues


def test_a_card_scanned_to_its_outline_is_not_cropped(sharp_document: Image) -> None:
    # A scanner that crops to the card leaves the card's frame line along the border.
    # Edges running along a side are the document's outline, not print cut off by it.
    card = sharp_document[27:-27, 27:-27].copy()
    assert "CROPPED" not in quality.assess(card).issues


def test_generated_scans_are_cropped_only_where_the_frame_cuts_their_print() -> None:
    whole = generate(4_200_003, DocumentType.NATIONAL_ID_FRONT, 0, "scan").image
    assert "CROPPED" not in quality.assess(whole).issues
    assert "CROPPED" in quality.assess(whole[:, : int(0.85 * whole.shape[1])]).issues
    page = generate(4_200_004, DocumentType.EMPLOYMENT_LETTER, 0, "scan").image
    assert "CROPPED" not in quality.assess(page).issues


@pytest.mark.parametrize("data", [b"", b"\x00" * 10, b"GIF89a nonsense", b"\xff\xd8\xff\xe0trunc"])
def test_undecodable_bytes_raise(data: bytes) -> None:
    with pytest.raises(quality.UndecodableImage):
        quality.decode_image(data)


def test_decode_round_trip(sharp_document: Image) -> None:
    img = quality.decode_image(encode(sharp_document, ".png"))
    assert img.shape == sharp_document.shape

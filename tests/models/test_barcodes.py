"""Reading barcodes on document photos (models.ocr.barcodes) and in ``read_document``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, cast

import cv2
import numpy as np
import pytest

from models.doctypes import DocumentType as D
from models.ocr import barcodes as bc
from models.ocr.document import _upload_to_page, read_document
from models.ocr.engine import OcrEngine, OcrResult
from models.ocr.geometry import find_page, rectify, rotate
from tests.fixtures.documents import document
from tools.docgen import BarcodeTruth, Sample

MODEL_DIR = Path(__file__).resolve().parents[2] / "triton-repo" / "document_ocr" / "1" / "ppocr"
# One type per payload kind: BURS QR, CIPA QR, bill Code 128, licence PDF417.
KINDS = [
    (D.TAX_CLEARANCE_CERTIFICATE, 0),
    (D.VAT_REGISTRATION_CERTIFICATE, 1),
    (D.CERTIFICATE_OF_INCORPORATION, 2),
    (D.ELECTRICITY_BILL, 0),
    (D.COUNCIL_RATES_BILL, 1),
    (D.DRIVERS_LICENCE, 0),
    (D.DRIVERS_LICENCE, 2),
]


def upload(doc_type: D, template: int, condition: str) -> tuple[np.ndarray, Sample]:
    """The generated document as the pipeline receives it (JPEG, quality 90)."""
    data, sample = document(doc_type, template, condition)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return np.asarray(image, np.uint8), sample


def truth(sample: Sample) -> BarcodeTruth:
    (code,) = sample.barcodes
    return code


def centre(quad: list[list[float]]) -> tuple[float, float]:
    return sum(p[0] for p in quad) / 4, sum(p[1] for p in quad) / 4


@pytest.mark.parametrize(("doc_type", "template"), KINDS)
def test_a_scan_reads_the_printed_payload_where_it_is_printed(doc_type: D, template: int) -> None:
    image, sample = upload(doc_type, template, "scan")
    code = truth(sample)
    found = bc.read_barcodes(image)
    assert [(b.format, b.text, b.valid) for b in found] == [(code.format, code.text, True)]
    cx, cy = centre(found[0].quad)
    x0, y0, x1, y1 = code.box
    assert x0 <= cx <= x1 and y0 <= cy <= y1


@pytest.mark.parametrize(("doc_type", "template"), KINDS)
def test_a_phone_photo_reads_on_the_rectified_page(doc_type: D, template: int) -> None:
    image, sample = upload(doc_type, template, "phone")
    quad = find_page(image)
    assert quad is not None
    found = bc.read_barcodes(rectify(image, quad))
    assert [(b.format, b.text) for b in found] == [(truth(sample).format, truth(sample).text)]


@pytest.mark.parametrize(
    ("doc_type", "template"), [(D.TAX_CLEARANCE_CERTIFICATE, 1), (D.WATER_BILL, 2)]
)
def test_a_phone_photo_of_an_a4_page_reads_without_rectifying(doc_type: D, template: int) -> None:
    image, sample = upload(doc_type, template, "phone")
    assert [b.text for b in bc.read_barcodes(image)] == [truth(sample).text]


def test_a_page_without_a_barcode_gives_nothing() -> None:
    for doc_type in (D.BANK_STATEMENT, D.PASSPORT):
        image, _ = upload(doc_type, 0, "scan")
        assert bc.read_barcodes(image) == []


def test_grey_and_bgra_images_read_the_same() -> None:
    image, sample = upload(D.WATER_BILL, 0, "scan")
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    bgra = cv2.cvtColor(image, cv2.COLOR_BGR2BGRA)
    for variant in (grey, grey[..., None], bgra):
        assert [b.text for b in bc.read_barcodes(variant)] == [truth(sample).text]


def test_a_large_photo_is_searched_downscaled_and_quads_come_back_in_its_pixels() -> None:
    image, sample = upload(D.ELECTRICITY_BILL, 2, "scan")
    big = cv2.resize(image, None, fx=2.5, fy=2.5, interpolation=cv2.INTER_CUBIC)
    (found,) = bc.read_barcodes(big)
    assert found.text == truth(sample).text
    cx, cy = centre(found.quad)
    x0, y0, x1, y1 = (2.5 * v for v in truth(sample).box)
    assert x0 <= cx <= x1 and y0 <= cy <= y1


def test_garbage_does_not_crash_and_reads_as_nothing() -> None:
    rng = np.random.default_rng(0)
    assert bc.read_barcodes(rng.integers(0, 256, (600, 800, 3), dtype=np.uint8)) == []
    assert bc.read_barcodes(np.zeros((0, 0, 3), np.uint8)) == []
    assert bc.read_barcodes(np.zeros((5, 5, 3), np.uint8)) == []
    assert bc.read_barcodes(np.zeros((100,), np.uint8)) == []
    assert bc.read_barcodes(np.zeros((100, 100, 2), np.uint8)) == []
    assert bc.read_barcodes(np.zeros((100, 100, 3), np.float32)) == []
    assert bc.read_barcodes(np.zeros((4, 100, 100, 3), np.uint8)) == []
    with pytest.raises(TypeError):
        bc.read_barcodes(cast(Any, b"not an image"))


def test_a_huge_image_is_bounded_in_time() -> None:
    rng = np.random.default_rng(1)
    huge = np.ascontiguousarray(
        np.repeat(np.repeat(rng.integers(0, 256, (1500, 2000), dtype=np.uint8), 4, 0), 4, 1)
    )  # 6000 x 8000, noise in 4 px cells
    t0 = time.perf_counter()
    assert bc.read_barcodes(huge) == []
    assert time.perf_counter() - t0 < 20  # generous: shared CI cores; ~1 s alone


def test_the_payload_is_cut_to_its_bound() -> None:
    import zxingcpp

    made = zxingcpp.create_barcode("7" * 5000, zxingcpp.BarcodeFormat.QRCode, ec_level="L")
    image = np.asarray(made.to_image(scale=2), np.uint8)
    (found,) = bc.read_barcodes(image)
    assert found.text == "7" * bc.MAX_TEXT


def test_to_dict_is_json_ready() -> None:
    b = bc.Barcode("QRCode", "x", [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]], True)
    assert b.to_dict() == {"format": "QRCode", "text": "x", "quad": b.quad, "valid": True}


# -- read_document ----------------------------------------------------------------------
class _NoText:
    """An OCR engine that finds no text: read_document's barcode path without the models."""

    def detect(self, image: np.ndarray) -> list[Any]:
        return []

    def read(self, image: np.ndarray, quads: list[Any] | None = None) -> OcrResult:
        return OcrResult(lines=[])


def test_read_document_reports_barcodes_and_their_time() -> None:
    image, sample = upload(D.COUNCIL_RATES_BILL, 0, "phone")
    reading = read_document(image, cast(OcrEngine, _NoText()))
    out = reading.to_dict()
    assert [b["text"] for b in out["barcodes"]] == [truth(sample).text]
    assert "barcodes" in out["timingsMs"]
    # Quads are in the corrected page's pixels, like the lines'.
    cx, cy = centre(reading.barcodes[0].quad)
    assert 0 <= cx <= reading.geometry.width and 0 <= cy <= reading.geometry.height


def test_read_document_of_a_page_without_barcode_lists_none() -> None:
    image, _ = upload(D.PAYSLIP, 0, "phone")
    assert read_document(image, cast(OcrEngine, _NoText())).to_dict()["barcodes"] == []


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_a_barcode_read_on_the_upload_is_carried_into_page_pixels(rotation: int) -> None:
    image, _ = upload(D.TAX_CLEARANCE_CERTIFICATE, 2, "phone")
    quad = find_page(image)
    assert quad is not None
    page = rotate(rectify(image, quad), rotation)
    (on_page,) = bc.read_barcodes(page)
    (on_upload,) = bc.read_barcodes(image)
    mapped = _upload_to_page(on_upload, quad, rotation)
    assert mapped.text == on_page.text
    # Same corners (zxing names them by the symbol's own orientation) within a module or two.
    for p in on_page.quad:
        assert min(np.hypot(p[0] - q[0], p[1] - q[1]) for q in mapped.quad) < 12


@pytest.fixture(scope="module")
def engine() -> OcrEngine:
    if not (MODEL_DIR / "ch_PP-OCRv4_det_infer.onnx").exists():
        pytest.fail(f"PP-OCRv4 models missing in {MODEL_DIR}: run `bash infra/install.sh models`")
    return OcrEngine(MODEL_DIR)


def test_real_models_read_a_turned_licence_and_its_pdf417(engine: OcrEngine) -> None:
    image, sample = upload(D.DRIVERS_LICENCE, 1, "rotated_90")
    reading = read_document(image, engine)
    assert reading.geometry.rotation in (90, 270)
    (code,) = reading.barcodes
    assert code.format == "PDF417" and code.text == truth(sample).text
    # Upright page: the licence's PDF417 lies wider than tall, below the header.
    xs = [p[0] for p in code.quad]
    ys = [p[1] for p in code.quad]
    assert max(xs) - min(xs) > max(ys) - min(ys)
    assert min(ys) > reading.geometry.height / 3

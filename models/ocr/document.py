"""Read a document photo: page geometry, then OCR, as one blocking call.

``read_document`` is what the ``document_ocr`` Triton model serves: find the
page and undo perspective, turn it upright, then detect, classify and
recognise its lines, and decode its barcodes. Line boxes and barcode quads
are in the corrected page's pixels; ``geometry`` says how that page was
obtained from the upload.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from models.ocr.barcodes import Barcode, read_barcodes
from models.ocr.engine import Image, Line, OcrEngine, Quad
from models.ocr.geometry import PageGeometry, find_page, rectify, rotate, upright_rotation


@dataclass(frozen=True)
class DocumentReading:
    lines: list[Line]
    geometry: PageGeometry
    timings_ms: dict[str, float]
    barcodes: list[Barcode] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "lines": [line.to_dict() for line in self.lines],
            "geometry": self.geometry.to_dict(),
            "barcodes": [b.to_dict() for b in self.barcodes],
            "timingsMs": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }


def read_document(image: Image, engine: OcrEngine) -> DocumentReading:
    """Geometry + OCR. Blocking, CPU-bound (about a second per A4 page on 2 cores)."""
    t0 = time.perf_counter()
    quad = find_page(image)
    page = rectify(image, quad) if quad is not None else image
    t1 = time.perf_counter()
    quads = engine.detect(page)
    rotation = upright_rotation(page, engine, quads)
    if rotation:
        page = rotate(page, rotation)
        quads = engine.detect(page)
    t2 = time.perf_counter()
    result = engine.read(page, quads=quads)
    t3 = time.perf_counter()
    barcodes = read_barcodes(page)
    if not barcodes and quad is not None:
        # Rectifying resamples the page; a symbol that did not survive it may still
        # read on the upload itself. One attempt only: a page without a barcode
        # (most of them) should not pay for the full search twice.
        barcodes = [
            _upload_to_page(b, quad, rotation) for b in read_barcodes(image, max_attempts=1)
        ]
    t4 = time.perf_counter()
    geometry = PageGeometry(
        page_found=quad is not None,
        quad=quad.astype(np.float64).round(1).tolist() if quad is not None else None,
        rotation=rotation,
        width=int(page.shape[1]),
        height=int(page.shape[0]),
    )
    timings = {
        "geometry": (t1 - t0) * 1000,
        "orientation": (t2 - t1) * 1000,
        "classifyAngle": result.timings.classify_ms,
        "recognize": result.timings.recognize_ms,
        "barcodes": (t4 - t3) * 1000,
    }
    return DocumentReading(
        lines=result.lines, geometry=geometry, timings_ms=timings, barcodes=barcodes
    )


def _upload_to_page(barcode: Barcode, quad: Quad, rotation: int) -> Barcode:
    """``barcode`` with its quad carried from upload pixels into the corrected page's.

    The same mapping as ``rectify`` (``warp_quad``: the page quad onto a rectangle
    with the quad's longest measured sides), then the clockwise ``rotation``.
    """
    q = np.asarray(quad, np.float32)
    width = max(int(max(np.linalg.norm(q[0] - q[1]), np.linalg.norm(q[2] - q[3]))), 1)
    height = max(int(max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2]))), 1)
    dst = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    m = cv2.getPerspectiveTransform(q, dst)
    pts = cv2.perspectiveTransform(np.asarray([barcode.quad], np.float32), m)[0]
    out: list[list[float]] = []
    for x, y in pts.tolist():
        if rotation == 90:
            x, y = height - 1 - y, x
        elif rotation == 180:
            x, y = width - 1 - x, height - 1 - y
        elif rotation == 270:
            x, y = y, width - 1 - x
        out.append([round(float(x), 1), round(float(y), 1)])
    return Barcode(barcode.format, barcode.text, out, barcode.valid)

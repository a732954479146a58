"""Read a document photo: page geometry, then OCR, as one blocking call.

``read_document`` is what the ``document_ocr`` Triton model serves: find the
page and undo perspective, turn it upright, then detect, classify and
recognise its lines. Line boxes are in the corrected page's pixels;
``geometry`` says how that page was obtained from the upload.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.ocr.engine import Image, Line, OcrEngine
from models.ocr.geometry import PageGeometry, find_page, rectify, rotate, upright_rotation


@dataclass(frozen=True)
class DocumentReading:
    lines: list[Line]
    geometry: PageGeometry
    timings_ms: dict[str, float]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "lines": [line.to_dict() for line in self.lines],
            "geometry": self.geometry.to_dict(),
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
    }
    return DocumentReading(lines=result.lines, geometry=geometry, timings_ms=timings)

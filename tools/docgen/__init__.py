"""Synthetic, labelled Botswana KYC document images (all data fake).

``generate(seed, doc_type, template, condition)`` draws one document of every
:class:`~models.doctypes.DocumentType` (and the ``unknown`` class), applies a
capture condition, and returns the image with its ground truth: the value,
box and quad of every printed variable field, the MRZ, every printed text
line in reading order, the portrait box, and the payload and box of every
printed barcode (a BURS or CIPA verification QR, a bill's payment Code 128, the
licence PDF417). The same arguments always give identical image bytes and truth.

``document_text(seed, doc_type, template)`` is the fast text-only path: the
same text lines, without drawing anything.

Portraits are crops of one real photograph, ``skimage.data.astronaut()``: every
document shows the same person's face; it is not a different person per
document.

Command line: ``python -m tools.docgen --out DIR --seed 1 --per-type 2``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from models.doctypes import DocumentType
from tools.docgen.capture import CONDITIONS, capture, transform_points
from tools.docgen.content import text_lines
from tools.docgen.render import PORTRAIT_SOURCE, render, to_bgr
from tools.docgen.specs import build

__all__ = [
    "CONDITIONS",
    "HELD_OUT_TEMPLATE",
    "PORTRAIT_SOURCE",
    "TEMPLATES_PER_TYPE",
    "UNKNOWN_TEMPLATES",
    "BarcodeTruth",
    "Field",
    "Sample",
    "document_text",
    "generate",
    "templates_of",
]

TEMPLATES_PER_TYPE: int = 3
HELD_OUT_TEMPLATE: int = 2
UNKNOWN_TEMPLATES: int = 5

Quad = tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]
BoxT = tuple[int, int, int, int]


@dataclass(frozen=True)
class Field:
    """One printed variable value and where it is in the final image."""

    name: str
    value: str
    box: BoxT  # x0, y0, x1, y1 (exclusive), clipped to the image
    quad: Quad  # corners top-left, top-right, bottom-right, bottom-left
    visible: bool  # False when (part of) the value is outside the frame


@dataclass(frozen=True)
class BarcodeTruth:
    """One printed barcode: its ``zxingcpp.BarcodeFormat`` name, payload and place.

    ``box`` and ``quad`` outline the symbol itself, quiet zone excluded, in the final
    image (as for :class:`Field`); ``visible`` is False when part of it is cut off.
    """

    format: str  # QRCode, Code128, PDF417
    text: str
    box: BoxT
    quad: Quad
    visible: bool


@dataclass(frozen=True)
class Sample:
    """A generated document image and its ground truth."""

    image: npt.NDArray[np.uint8]  # BGR
    doc_type: DocumentType
    template: int
    condition: str
    seed: int
    fields: tuple[Field, ...]
    mrz: tuple[str, ...] | None
    text_lines: tuple[str, ...]
    portrait_box: BoxT | None
    barcodes: tuple[BarcodeTruth, ...] = ()

    def field(self, name: str) -> Field:
        """The field called ``name``."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def truth(self) -> dict[str, object]:
        """JSON-serialisable ground truth."""
        h, w = self.image.shape[:2]
        return {
            "doc_type": self.doc_type.value,
            "categories": sorted(self.doc_type.categories),
            "template": self.template,
            "condition": self.condition,
            "seed": self.seed,
            "width": w,
            "height": h,
            "fields": [
                {
                    "name": f.name,
                    "value": f.value,
                    "box": list(f.box),
                    "quad": [list(p) for p in f.quad],
                    "visible": f.visible,
                }
                for f in self.fields
            ],
            "mrz": list(self.mrz) if self.mrz is not None else None,
            "text_lines": list(self.text_lines),
            "portrait_box": list(self.portrait_box) if self.portrait_box else None,
            "portrait_source": PORTRAIT_SOURCE if self.portrait_box else None,
            "barcodes": [
                {
                    "format": b.format,
                    "text": b.text,
                    "box": list(b.box),
                    "quad": [list(p) for p in b.quad],
                    "visible": b.visible,
                }
                for b in self.barcodes
            ],
        }


def templates_of(doc_type: DocumentType) -> int:
    """How many templates ``doc_type`` has."""
    return UNKNOWN_TEMPLATES if doc_type is DocumentType.UNKNOWN else TEMPLATES_PER_TYPE


def _validate(doc_type: DocumentType, template: int, condition: str = "scan") -> None:
    if not isinstance(doc_type, DocumentType):
        raise TypeError(f"doc_type must be a DocumentType, not {doc_type!r}")
    n = templates_of(doc_type)
    if not 0 <= template < n:
        raise ValueError(f"{doc_type.value} has templates 0..{n - 1}, not {template}")
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; known: {', '.join(CONDITIONS)}")


def document_text(seed: int, doc_type: DocumentType, template: int) -> list[str]:
    """The text lines ``generate`` prints for these arguments, without rendering."""
    _validate(doc_type, template)
    return text_lines(build(seed, doc_type, template))


def _quad_box(quad: list[tuple[float, float]], w: int, h: int) -> tuple[BoxT, bool]:
    xs = [p[0] for p in quad]
    ys = [p[1] for p in quad]
    tol = 0.5
    visible = min(xs) >= -tol and min(ys) >= -tol and max(xs) <= w + tol and max(ys) <= h + tol
    x0 = min(max(math.floor(min(xs)), 0), w)
    y0 = min(max(math.floor(min(ys)), 0), h)
    x1 = min(max(math.ceil(max(xs)), 0), w)
    y1 = min(max(math.ceil(max(ys)), 0), h)
    return (x0, y0, x1, y1), visible


def generate(
    seed: int,
    doc_type: DocumentType,
    template: int,
    condition: str = "scan",
    *,
    barcodes: bool = True,
) -> Sample:
    """One synthetic document image with its ground truth (deterministic).

    ``barcodes=False`` draws the page without its barcodes (and lists none): every
    pixel outside the barcodes' quiet zones is the same as with them.
    """
    _validate(doc_type, template, condition)
    doc = build(seed, doc_type, template)
    page = render(doc, seed, codes=barcodes)
    missing = set(doc.fields) - set(page.boxes)
    if missing:
        raise RuntimeError(f"fields not drawn on {doc_type.value} t{template}: {sorted(missing)}")
    rng = np.random.default_rng(
        [seed, list(DocumentType).index(doc_type), template, CONDITIONS.index(condition)]
    )
    image, m = capture(to_bgr(page.image), condition, doc.kind, rng)
    h, w = image.shape[:2]
    fields: list[Field] = []
    for name, value in doc.fields.items():
        x0, y0, x1, y1 = page.boxes[name]
        pts = transform_points([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], m)
        box, visible = _quad_box(pts, w, h)
        quad = tuple((round(x, 1), round(y, 1)) for x, y in pts)
        fields.append(Field(name, value, box, quad, visible))  # type: ignore[arg-type]
    portrait_box: BoxT | None = None
    if page.portrait_box is not None:
        x0, y0, x1, y1 = page.portrait_box
        pts = transform_points([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], m)
        portrait_box, _ = _quad_box(pts, w, h)
    codes: list[BarcodeTruth] = []
    for code, (x0, y0, x1, y1) in page.codes:
        pts = transform_points([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], m)
        box, visible = _quad_box(pts, w, h)
        quad = tuple((round(x, 1), round(y, 1)) for x, y in pts)
        codes.append(BarcodeTruth(code.format, code.payload, box, quad, visible))  # type: ignore[arg-type]
    return Sample(
        image=image,
        doc_type=doc_type,
        template=template,
        condition=condition,
        seed=seed,
        fields=tuple(fields),
        mrz=doc.mrz,
        text_lines=tuple(text_lines(doc)),
        portrait_box=portrait_box,
        barcodes=tuple(codes),
    )

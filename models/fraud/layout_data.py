"""Readings of generated pages for the template-layout check: genuine and counterfeit.

``python -m models.fraud.train_layout`` (the profiles) and ``python -m
models.eval.layout`` (the evaluation) both need the OCR of many generated
uploads. :func:`read_uploads` reads them with the production OCR
(:func:`models.ocr.document.read_document`, in process: no services) and
caches each reading in a JSON-lines file keyed by what made the upload, so that
a rerun with other fitting parameters costs seconds instead of the OCR's
minutes (it holds each reading's lines and page geometry, so that a change to
:func:`models.fraud.layout.page_from_reading` needs no new OCR). Blocking,
CPU-bound (about a second a card on 2 cores).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from models.doctypes import DocumentType
from models.fraud.layout import Page, page_from_reading

OCR_MODELS = Path(__file__).resolve().parents[2] / "triton-repo" / "document_ocr" / "1" / "ppocr"


@dataclass(frozen=True)
class Job:
    """One upload to read: its key (unique in a cache file) and how to make its bytes."""

    key: str
    doc_type: DocumentType
    template: int
    condition: str
    kind: str  # "genuine" or a counterfeit kind
    make: Callable[[], bytes]


@dataclass(frozen=True)
class Read:
    """A job's OCR reading (its lines' text and boxes, and the page geometry)."""

    key: str
    doc_type: DocumentType
    template: int
    condition: str
    kind: str
    reading: dict[str, Any]

    @property
    def page(self) -> Page | None:
        """The page as the layout check sees it (None: no text)."""
        return page_from_reading(self.reading)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "docType": self.doc_type.value,
            "template": self.template,
            "condition": self.condition,
            "kind": self.kind,
            "reading": self.reading,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Read:
        return cls(
            d["key"],
            DocumentType(d["docType"]),
            int(d["template"]),
            d["condition"],
            d["kind"],
            d["reading"],
        )


def read_uploads(jobs: Iterable[Job], cache: Path | None, log: bool = True) -> Iterator[Read]:
    """Each job's reading, from ``cache`` when it holds the key, else by OCR (appended to
    ``cache``). Needs the PP-OCRv4 files ``make install`` links into ``triton-repo``;
    raises :class:`models.ocr.engine.ModelsMissing` when they are not there."""
    from models.ocr.document import read_document
    from models.ocr.engine import OcrEngine

    done: dict[str, Read] = {}
    if cache is not None and cache.exists():
        for line in cache.read_text().splitlines():
            if line.strip():
                r = Read.from_dict(json.loads(line))
                done[r.key] = r
    engine: OcrEngine | None = None
    out = cache.open("a") if cache is not None else None
    t0, n = time.perf_counter(), 0
    try:
        for job in jobs:
            if job.key in done:
                yield done[job.key]
                continue
            if engine is None:
                engine = OcrEngine(OCR_MODELS)
            data = job.make()
            img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
            full = read_document(img, engine).to_dict()
            reading = {
                "lines": [{"text": x["text"], "box": x["box"]} for x in full["lines"]],
                "geometry": full["geometry"],
            }
            r = Read(job.key, job.doc_type, job.template, job.condition, job.kind, reading)
            if out is not None:
                out.write(json.dumps(r.to_dict(), separators=(",", ":")) + "\n")
                out.flush()
            n += 1
            if log and n % 25 == 0:
                print(
                    f"  read {n} uploads ({(time.perf_counter() - t0) / n:.2f} s each)", flush=True
                )
            yield r
    finally:
        if out is not None:
            out.close()

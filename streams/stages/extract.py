"""Extraction: the fields of every classified page, validated, and the cross-document checks.

Pure core: :func:`extract_pages` (rules over the OCR lines: label/value in
the visual zone, the MRZ with its check digits; ``models/extract``).
Adapter: :class:`ExtractStage`, CPU work in a thread; no model call, so no
Triton (the rules are code, not a model).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

from models.doctypes import DocumentType
from models.extract.cross import cross_checks
from models.extract.document import extract_document
from streams.runtime import StageContext, StageOutput


def extract_pages(
    event: dict[str, Any], today: dt.date
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(one entry per classified page of a known type, cross-document checks)."""
    readings = {
        (r["file_position"], r["page"]): json.loads(r["reading_json"])
        for r in (event.get("ocr") or {}).get("pages", [])
    }
    pages: list[dict[str, Any]] = []
    per_document: list[tuple[str, dict[str, Any]]] = []
    for c in (event.get("classification") or {}).get("pages", []):
        doc_type = DocumentType(c["document_type"])
        reading = readings.get((c["file_position"], c["page"]))
        if doc_type is DocumentType.UNKNOWN or not reading or "error" in reading:
            continue
        result = extract_document(
            doc_type, reading.get("lines", []), today, barcodes=reading.get("barcodes", [])
        ).to_dict()
        pages.append(
            {
                "file_position": c["file_position"],
                "page": c["page"],
                "document_type": doc_type.value,
                "extraction_json": json.dumps(result, separators=(",", ":")),
            }
        )
        per_document.append((doc_type.value, result["fields"]))
    return pages, cross_checks(per_document)


class ExtractStage:
    name = "extract"
    input_schema = "stage_event"

    async def process(self, ctx: StageContext, event: dict[str, Any]) -> StageOutput:
        pages, cross = await asyncio.to_thread(extract_pages, event, dt.date.today())
        return StageOutput(
            result={"pages": len(pages), "crossChecks": len(cross)},
            event_fields={"extraction": {"pages": pages, "cross_checks_json": json.dumps(cross)}},
        )

"""OCR: the text of every document page, after page geometry. Served by Triton's ``document_ocr``.

Pure core: :func:`pages_to_read` (which pages) and :func:`summarise` (the
stage result). Adapter: :class:`OcrStage` fetches the normalised pages from
object storage and sends them to Triton in one request, so that Triton's
dynamic batcher and response cache see them together.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from streams.runtime import StageContext, StageOutput


def pages_to_read(event: dict[str, Any]) -> list[dict[str, Any]]:
    """Decoded pages of documents (selfies are not read)."""
    intake = event.get("intake") or {"pages": []}
    return [p for p in intake["pages"] if p.get("object_key") and p["role"] == "document"]


def summarise(pages: list[dict[str, Any]], readings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per page read, in the order of ``pages``."""
    return [
        {
            "file_position": page["file_position"],
            "page": page["page"],
            "reading_json": json.dumps(reading, separators=(",", ":")),
        }
        for page, reading in zip(pages, readings, strict=True)
    ]


class OcrStage:
    """Adapter: fetch pages, one Triton call per verification."""

    name = "ocr"
    input_schema = "stage_event"

    async def process(self, ctx: StageContext, event: dict[str, Any]) -> StageOutput:
        pages = pages_to_read(event)
        readings: list[dict[str, Any]] = []
        model_ms: float | None = None  # None: the model was not called
        if pages:
            images = await asyncio.gather(
                *(asyncio.to_thread(ctx.store.get_bytes, p["object_key"]) for p in pages)
            )
            started = time.monotonic()
            # One request per page: Triton's dynamic batcher joins them, and its
            # response cache (keyed by the whole request) then serves a page
            # seen before on its own.
            answers = await asyncio.gather(
                *(asyncio.to_thread(ctx.triton.document_ocr, [img]) for img in images)
            )
            readings = [a[0] for a in answers]
            model_ms = 1000 * (time.monotonic() - started)
        out = summarise(pages, readings)
        lines = sum(len(r.get("lines", [])) for r in readings)
        return StageOutput(
            result={"pages": len(out), "lines": lines},
            event_fields={"ocr": {"pages": out}},
            model_ms=model_ms,
        )

"""Image quality: is each page good enough to read? Served by Triton's ``image_quality`` model.

Pure core: :func:`summarise` turns the model's reports into the stage result.
Adapter: :class:`QualityStage` reads the normalised pages from object
storage and sends them to Triton in one batch.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from core.inference import QualityResult
from streams.runtime import StageContext, StageOutput

# Issues that make a page unreadable for the later stages.
BLOCKING_ISSUES = frozenset(
    {"BLURRY", "LOW_RESOLUTION", "UNDEREXPOSED", "OVEREXPOSED", "GLARE", "LOW_CONTRAST"}
)


def summarise(pages: list[dict[str, Any]], results: list[QualityResult]) -> list[dict[str, Any]]:
    """One entry per readable page, in the same order as ``pages``."""
    out = []
    for page, res in zip(pages, results, strict=True):
        issues = list(res.report.get("issues", []))
        if "error" in res.report:
            issues = [str(res.report["error"])]
        out.append(
            {
                "file_position": page["file_position"],
                "page": page["page"],
                "score": float(res.score),
                "issues": issues,
                "report_json": json.dumps(res.report),
            }
        )
    return out


class QualityStage:
    """Adapter: fetch normalised pages, one Triton call per verification."""

    name = "quality"
    input_schema = "stage_event"

    async def process(self, ctx: StageContext, event: dict[str, Any]) -> StageOutput:
        intake = event.get("intake") or {"pages": []}
        readable = [p for p in intake["pages"] if p.get("object_key")]
        results: list[QualityResult] = []
        model_ms = 0.0
        if readable:
            images = await asyncio.gather(
                *(asyncio.to_thread(ctx.store.get_bytes, p["object_key"]) for p in readable)
            )
            started = time.monotonic()
            results = await asyncio.to_thread(ctx.triton.image_quality, list(images))
            model_ms = 1000 * (time.monotonic() - started)
        pages = summarise(readable, results)
        return StageOutput(
            result={"pages": pages}, event_fields={"quality": {"pages": pages}}, model_ms=model_ms
        )

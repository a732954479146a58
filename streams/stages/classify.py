"""Classification: the document type of every page read. Served by Triton's ``document_classifier``.

Pure core: :func:`page_texts` (the text each page gives the classifier) and
:func:`summarise`. Adapter: :class:`ClassifyStage`, one Triton call per
verification. A page OCR could not read is classified from empty text, which
the model answers with ``unknown`` (reason ``NO_TEXT``): never a guess. A
type the client declared (form field ``documentType``) is taken as given,
with reason ``DECLARED_BY_CLIENT``, and the model is not called.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from streams.runtime import StageContext, StageOutput


def page_texts(event: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """(page, its OCR text) for every page the OCR stage read."""
    out = []
    for page in (event.get("ocr") or {}).get("pages", []):
        reading = json.loads(page["reading_json"])
        text = "\n".join(line["text"] for line in reading.get("lines", []))
        out.append((page, text))
    return out


def declared_type(event: dict[str, Any]) -> dict[str, Any] | None:
    """The client's declared type as a prediction (the model is skipped), or None."""
    declared = json.loads(event["submission_json"]).get("declared_document_type")
    if not declared:
        return None
    return {"documentType": declared, "probability": 1.0, "reason": "DECLARED_BY_CLIENT", "top": []}


def summarise(
    pages: list[dict[str, Any]], predictions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    return [
        {
            "file_position": page["file_position"],
            "page": page["page"],
            "document_type": str(pred["documentType"]),
            "probability": float(pred["probability"]),
            "prediction_json": json.dumps(pred, separators=(",", ":")),
        }
        for page, pred in zip(pages, predictions, strict=True)
    ]


class ClassifyStage:
    """Adapter: one Triton call with every page's text."""

    name = "classify"
    input_schema = "stage_event"

    async def process(self, ctx: StageContext, event: dict[str, Any]) -> StageOutput:
        texts = page_texts(event)
        predictions: list[dict[str, Any]] = []
        model_ms: float | None = None  # None: the model was not called
        declared = declared_type(event)
        if declared is not None:
            predictions = [declared] * len(texts)
        elif texts:
            started = time.monotonic()
            predictions = await asyncio.to_thread(
                ctx.triton.classify_documents, [t for _, t in texts]
            )
            model_ms = 1000 * (time.monotonic() - started)
        out = summarise([p for p, _ in texts], predictions)
        return StageOutput(
            result={"pages": [{k: v for k, v in p.items() if k != "prediction_json"} for p in out]},
            event_fields={"classification": {"pages": out}},
            model_ms=model_ms,
        )

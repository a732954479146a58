"""The JSON answer of the Triton ``document_forensics`` model (the adapter only moves bytes).

``analyse(image_bytes, options)`` runs the pixel forensics of
:mod:`models.fraud.tamper` on one encoded image and hashes the page for reuse
search (:mod:`models.fraud.hashing`)::

    {"imageSize": [w, h],
     "signals": [Signal.to_dict() + {"heatmapPng": base64 PNG or null}],
     "documentHash": {"layout": hex, "ink": hex} | null,
     "timingsMs": {"decode", "signals", "hash"}}

or ``{"error": "UNDECODABLE_IMAGE" | "BAD_OPTIONS", "detail": "...", "signals": []}``.

The image should be the upload as the client sent it (a JPEG keeps its
compression history, which the error-level and double-JPEG signals read);
for a PDF, the rendered page. Options (JSON object; unknown keys are an
error so that typos are seen), all optional:

- ``frameSize`` ``[w, h]``: the frame the boxes below are in (the pipeline's
  normalised page); they are scaled to the image. Without it boxes are
  taken to be in the image's own pixels.
- ``portraitBox`` ``[x, y, w, h]``: the document portrait (face stage);
- ``textBoxes``: ``[[x, y, w, h], ...]``: OCR line boxes (font consistency);
- ``hash`` (default true), ``heatmaps`` (default true);
- ``experimental`` (default false): also run the signals
  :data:`models.fraud.tamper.EXPERIMENTAL` (copy-move, splice, font), weak
  on the evaluation set and about 40% of the CPU time; off, they come back
  not applicable. The fraud stage asks for them when the organisation's
  policy weighs one of them.

Blocking, CPU; never raises on content. With a ``pool`` (the Triton adapter passes a
thread pool of ``threads`` from the model's ``config.pbtxt``) the signals and the page
hash run as concurrent tasks of it; the answer is the same, except that ``timingsMs.hash``
is then the wait for the hash after the signals.
"""

from __future__ import annotations

import base64
import json
import time
from concurrent.futures import Executor
from typing import Any

from models.fraud.edits import EditModel
from models.fraud.hashing import DocumentHash, document_hash
from models.fraud.signal import Box
from models.fraud.tamper import UndecodableImage, analyse_image, load_image

MAX_TEXT_BOXES = 400
BOX_ASPECT_TOLERANCE = 0.05
_OPTION_KEYS = frozenset(
    {"frameSize", "portraitBox", "textBoxes", "hash", "heatmaps", "experimental"}
)


def _box(value: Any) -> Box | None:
    if not isinstance(value, list | tuple) or len(value) != 4:
        return None
    if not all(isinstance(v, int | float) and v == v for v in value):  # v == v: not NaN
        return None
    x, y, w, h = (float(v) for v in value)
    if w <= 0 or h <= 0:
        return None
    return (round(x), round(y), round(w), round(h))


def parse_options(raw: object) -> dict[str, Any] | None:
    """Validated options (module docstring), or None when malformed."""
    if raw is None or raw == b"" or raw == "":
        raw = {}
    if isinstance(raw, bytes | str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    if not isinstance(raw, dict) or not set(raw) <= _OPTION_KEYS:
        return None
    out: dict[str, Any] = {
        "hash": raw.get("hash", True),
        "heatmaps": raw.get("heatmaps", True),
        "experimental": raw.get("experimental", False),
        "frameSize": None,
        "portraitBox": None,
        "textBoxes": None,
    }
    if not all(isinstance(out[k], bool) for k in ("hash", "heatmaps", "experimental")):
        return None
    if raw.get("frameSize") is not None:
        frame = raw["frameSize"]
        if (
            not isinstance(frame, list)
            or len(frame) != 2
            or not all(type(v) is int and v > 0 for v in frame)
        ):
            return None
        out["frameSize"] = (frame[0], frame[1])
    if raw.get("portraitBox") is not None:
        out["portraitBox"] = _box(raw["portraitBox"])
        if out["portraitBox"] is None:
            return None
    if raw.get("textBoxes") is not None:
        boxes = raw["textBoxes"]
        if not isinstance(boxes, list) or len(boxes) > MAX_TEXT_BOXES:
            return None
        parsed = [_box(b) for b in boxes]
        if any(b is None for b in parsed):
            return None
        out["textBoxes"] = [b for b in parsed if b is not None]
    return out


def _scaled(box: Box, sx: float, sy: float, width: int, height: int) -> Box | None:
    x, y, w, h = box
    x0, y0 = max(0, round(x * sx)), max(0, round(y * sy))
    x1, y1 = min(width, round((x + w) * sx)), min(height, round((y + h) * sy))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return (x0, y0, x1 - x0, y1 - y0)


def analyse(
    image_bytes: bytes,
    options: object = None,
    pool: Executor | None = None,
    edit_model: EditModel | None = None,
) -> dict[str, Any]:
    """Pixel forensics and the page hash of one image (see the module docstring).

    ``edit_model``: the local-edit detector the server loaded (None: that signal is
    reported as not applicable).
    """
    opts = parse_options(options)
    if opts is None:
        return {"error": "BAD_OPTIONS", "detail": "malformed options", "signals": []}
    started = time.perf_counter()
    try:
        img = load_image(image_bytes)
    except UndecodableImage as exc:
        return {"error": "UNDECODABLE_IMAGE", "detail": str(exc)[:200], "signals": []}
    decoded = time.perf_counter()
    height, width = img.bgr.shape[:2]
    sx = sy = 1.0
    boxes_usable = True
    if opts["frameSize"] is not None:
        sx, sy = width / opts["frameSize"][0], height / opts["frameSize"][1]
        # A frame of another aspect (a turn the caller applied and this decode did not):
        # its boxes would land elsewhere, so none is used.
        boxes_usable = abs(sx - sy) <= BOX_ASPECT_TOLERANCE * max(sx, sy)
    if not boxes_usable:
        opts["portraitBox"] = opts["textBoxes"] = None
    portrait = _scaled(opts["portraitBox"], sx, sy, width, height) if opts["portraitBox"] else None
    text_boxes = None
    if opts["textBoxes"] is not None:
        text_boxes = [
            b
            for b in (_scaled(t, sx, sy, width, height) for t in opts["textBoxes"])
            if b is not None
        ]
    hashing = pool.submit(document_hash, img.bgr) if pool and opts["hash"] else None
    signals = analyse_image(
        img,
        portrait_box=portrait,
        text_boxes=text_boxes,
        experimental=opts["experimental"],
        pool=pool,
        edit_model=edit_model,
    )
    measured = time.perf_counter()
    out_signals = []
    for sig in signals:
        entry = sig.to_dict()
        png = sig.heatmap_png() if opts["heatmaps"] and sig.triggered else None
        entry["heatmapPng"] = base64.b64encode(png).decode() if png else None
        out_signals.append(entry)
    page: DocumentHash | None = None
    if hashing is not None:
        page = hashing.result()
    elif opts["hash"]:
        page = document_hash(img.bgr)
    page_hash = page.to_dict() if page is not None else None
    hashed = time.perf_counter()
    return {
        "imageSize": [width, height],
        "signals": out_signals,
        "documentHash": page_hash,
        "boxesUsed": boxes_usable,
        "timingsMs": {
            "decode": round(1000 * (decoded - started), 1),
            "signals": round(1000 * (measured - decoded), 1),
            "hash": round(1000 * (hashed - measured), 1),
        },
    }

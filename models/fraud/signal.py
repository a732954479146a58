"""The common shape of every fraud signal: score, threshold, reason code, regions, heat map.

A :class:`Signal` is what each detector in ``models.fraud`` returns and what
``models.fraud.score`` combines:

- ``score`` in [0, 1], 1 = suspicious; ``threshold`` is the documented value
  at or above which the signal counts as *triggered* (and its reason code is
  raised);
- ``reason_code``: one :class:`ReasonCode` per signal kind, stable strings
  the API and the reviewers' tools show;
- ``regions``: suspicious areas as ``(x, y, w, h)`` boxes in the pixels of the
  image that was analysed (empty for file-level signals);
- ``heatmap``: for image signals, a small ``uint8`` map (long side at most
  :data:`HEATMAP_LONG_SIDE`, the image's aspect) of where the evidence is,
  0 = nothing, 255 = strongest; the pipeline stores it for reviewers
  (:meth:`Signal.heatmap_png` encodes it);
- ``details``: the measurements behind the score, JSON-ready, so that a
  result explains itself.

``applicable`` is False when a signal could not be measured on this input
(a PNG has no JPEG error levels, a card without a portrait has no portrait
check): its score is then 0 and it contributes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

HEATMAP_LONG_SIDE = 256
# Regions below this share of the block map's peak are not reported.
REGION_MIN_LEVEL = 0.5
MAX_REGIONS = 8

Box = tuple[int, int, int, int]  # x, y, w, h in image pixels
FloatMap = npt.NDArray[np.float64]


class ReasonCode(str, Enum):  # noqa: UP042 - same convention as models.doctypes
    """Why a document was flagged; one per signal kind."""

    TAMPERING_SUSPECTED = "TAMPERING_SUSPECTED"
    NOISE_INCONSISTENT = "NOISE_INCONSISTENT"
    COPY_MOVE_DETECTED = "COPY_MOVE_DETECTED"
    SPLICE_SUSPECTED = "SPLICE_SUSPECTED"
    FONT_INCONSISTENT = "FONT_INCONSISTENT"
    LAYOUT_INCONSISTENT = "LAYOUT_INCONSISTENT"
    PORTRAIT_SUBSTITUTED = "PORTRAIT_SUBSTITUTED"
    EDITED_WITH_SOFTWARE = "EDITED_WITH_SOFTWARE"
    METADATA_INCONSISTENT = "METADATA_INCONSISTENT"
    METADATA_MISSING = "METADATA_MISSING"
    THUMBNAIL_MISMATCH = "THUMBNAIL_MISMATCH"
    PDF_INCREMENTALLY_UPDATED = "PDF_INCREMENTALLY_UPDATED"
    PDF_EDITED_WITH_SOFTWARE = "PDF_EDITED_WITH_SOFTWARE"
    PDF_METADATA_INCONSISTENT = "PDF_METADATA_INCONSISTENT"
    PDF_FONTS_ADDED = "PDF_FONTS_ADDED"
    PDF_TEXT_LAYER_MISMATCH = "PDF_TEXT_LAYER_MISMATCH"
    SCREEN_RECAPTURE = "SCREEN_RECAPTURE"
    PRINT_RECAPTURE = "PRINT_RECAPTURE"
    DOCUMENT_REUSED = "DOCUMENT_REUSED"
    FACE_REUSED = "FACE_REUSED"
    FACE_REUSED_OTHER_IDENTITY = "FACE_REUSED_OTHER_IDENTITY"
    ID_NUMBER_REUSED = "ID_NUMBER_REUSED"
    VELOCITY_EXCEEDED = "VELOCITY_EXCEEDED"
    MRZ_VIZ_MISMATCH = "MRZ_VIZ_MISMATCH"
    BARCODE_VIZ_MISMATCH = "BARCODE_VIZ_MISMATCH"
    ARITHMETIC_MISMATCH = "ARITHMETIC_MISMATCH"
    CROSS_DOCUMENT_MISMATCH = "CROSS_DOCUMENT_MISMATCH"

    def __str__(self) -> str:
        return str(self.value)


@dataclass(frozen=True)
class Signal:
    """One fraud signal's outcome (see the module docstring)."""

    name: str
    score: float
    threshold: float
    reason_code: ReasonCode
    applicable: bool = True
    regions: tuple[Box, ...] = ()
    heatmap: npt.NDArray[np.uint8] | None = field(default=None, compare=False, repr=False)
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"{self.name}: score {self.score} outside [0, 1]")
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"{self.name}: threshold {self.threshold} outside (0, 1]")

    @property
    def triggered(self) -> bool:
        """The score reached the documented threshold."""
        return self.applicable and self.score >= self.threshold

    def heatmap_png(self) -> bytes | None:
        """The heat map as PNG bytes (what the pipeline stores), or None."""
        if self.heatmap is None:
            return None
        ok, buf = cv2.imencode(".png", self.heatmap)
        if not ok:  # pragma: no cover - a uint8 2-D array always encodes
            raise RuntimeError("PNG encoding of the heat map failed")
        return bytes(buf.tobytes())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, camelCase; the heat map itself travels as PNG, not here."""
        return {
            "name": self.name,
            "score": round(self.score, 4),
            "threshold": self.threshold,
            "triggered": self.triggered,
            "applicable": self.applicable,
            "reasonCode": self.reason_code.value,
            "regions": [{"x": x, "y": y, "w": w, "h": h} for x, y, w, h in self.regions],
            "heatmap": None
            if self.heatmap is None
            else {"width": int(self.heatmap.shape[1]), "height": int(self.heatmap.shape[0])},
            "details": _jsonable(self.details),
        }


def signal_from_dict(d: dict[str, Any]) -> Signal:
    """A signal as served or stored (:meth:`Signal.to_dict`) back as a :class:`Signal`,
    without its heat map. Raises ``KeyError``/``ValueError`` on a malformed dict."""
    regions = tuple(
        (int(r["x"]), int(r["y"]), int(r["w"]), int(r["h"])) for r in d.get("regions", [])
    )
    return Signal(
        str(d["name"]),
        float(min(1.0, max(0.0, d["score"]))),
        float(d["threshold"]),
        ReasonCode(d["reasonCode"]),
        applicable=bool(d.get("applicable", True)),
        regions=regions,
        details=dict(d.get("details") or {}),
    )


def not_applicable(name: str, threshold: float, code: ReasonCode, why: str) -> Signal:
    """A signal that could not be measured on this input (score 0)."""
    return Signal(name, 0.0, threshold, code, applicable=False, details={"notApplicable": why})


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        return round(float(value), 4)
    if isinstance(value, Enum):
        return value.value
    return value


def squash(x: float, at_half: float, at_high: float) -> float:
    """Map a raw measurement to [0, 1]: 0.5 at ``at_half``, about 0.9 at ``at_high``.

    A logistic curve, so that each signal's score has a documented meaning:
    ``at_half`` is the measurement at which the evidence is even.
    """
    if at_high == at_half:
        raise ValueError("at_high must differ from at_half")
    k = 2.1972245773362196 / (at_high - at_half)  # ln(9): 0.9 at at_high
    z = k * (x - at_half)
    return float(1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0))))


def heatmap_from_blocks(block_map: FloatMap, image_shape: tuple[int, ...]) -> npt.NDArray[np.uint8]:
    """A block-level evidence map (any non-negative scale) as a small uint8 heat map."""
    h, w = int(image_shape[0]), int(image_shape[1])
    s = HEATMAP_LONG_SIDE / max(h, w)
    out_w, out_h = max(1, round(w * min(1.0, s))), max(1, round(h * min(1.0, s)))
    peak = float(block_map.max()) if block_map.size else 0.0
    norm = block_map / peak if peak > 0 else np.zeros_like(block_map)
    small = cv2.resize(norm.astype(np.float32), (out_w, out_h), interpolation=cv2.INTER_NEAREST)
    return np.asarray(np.clip(small * 255.0, 0, 255), dtype=np.uint8)


def regions_from_blocks(
    mask: npt.NDArray[np.bool_], block: int, image_shape: tuple[int, ...], weight: FloatMap
) -> tuple[Box, ...]:
    """Boxes (image pixels) around connected groups of flagged blocks, strongest first."""
    h, w = int(image_shape[0]), int(image_shape[1])
    if not mask.any():
        return ()
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    found: list[tuple[float, Box]] = []
    for i in range(1, n):
        bx, by, bw, bh = (int(v) for v in stats[i, :4])
        x0, y0 = bx * block, by * block
        x1, y1 = min(w, (bx + bw) * block), min(h, (by + bh) * block)
        strength = float(weight[labels == i].sum())
        found.append((strength, (x0, y0, x1 - x0, y1 - y0)))
    found.sort(key=lambda t: -t[0])
    return tuple(b for _, b in found[:MAX_REGIONS])

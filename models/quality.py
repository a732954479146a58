"""Image quality assessment: is this capture good enough to read?

Classical measurements, each a number with a documented threshold, so that a
reviewer can see why an image was flagged:

- resolution: the short side in pixels;
- sharpness: variance of the Laplacian of the grey image scaled to a fixed
  long side (scale-independent), the standard focus measure;
- exposure: mean brightness and the share of crushed-dark pixels;
- glare: the share of near-white, unsaturated pixels brighter than the paper
  around them (specular reflections; a white scan's paper is not glare);
- contrast: the ink-to-paper range (grey levels between the darkest and the
  lightest 1% of pixels);
- cropping: how much strong edge runs *across* the image border (a document cut
  off by the frame leaves its strokes running into the edge; a card scanned to its
  outline leaves its frame line along it, which does not count).

Pure function of the image; no I/O.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

ANALYSIS_LONG_SIDE = 1000

# Thresholds: one place, named, so that the result explains itself.
MIN_SHORT_SIDE_PX = 400
MIN_SHARPNESS = 60.0
MIN_BRIGHTNESS = 60.0
MAX_BRIGHTNESS = 230.0
MAX_CLIPPED_RATIO = 0.5
MAX_DARK_RATIO = 0.35
MAX_GLARE_RATIO = 0.04
MIN_CONTRAST = 40.0  # grey levels between the darkest and the lightest 1%
GLARE_ABOVE_PAPER = 10.0
MIN_INK_RATIO = 0.002
MAX_BORDER_EDGE_RATIO = 0.03
BORDER_ACROSS = 1.0  # |gradient along the side| over |across it| for an edge that crosses it


class UndecodableImage(ValueError):
    """The bytes are not an image OpenCV can decode."""


@dataclass(frozen=True)
class QualityReport:
    """Measurements, the issues they imply, and an overall score in [0, 1]."""

    width: int
    height: int
    sharpness: float
    brightness: float
    dark_ratio: float
    glare_ratio: float
    contrast: float
    border_edge_ratio: float
    score: float
    issues: list[str] = field(default_factory=list)

    @property
    def acceptable(self) -> bool:
        """No issue that makes the image unreadable."""
        return not self.issues

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def decode_image(data: bytes) -> npt.NDArray[np.uint8]:
    """Decode encoded image bytes to BGR.

    Raises:
        UndecodableImage: not a decodable image, or zero-sized.
    """
    if not data:
        raise UndecodableImage("empty input")
    arr = np.frombuffer(data, dtype=np.uint8)
    try:
        img = cv2.imdecode(arr, cv2.IMREAD_COLOR)
    except cv2.error as exc:
        raise UndecodableImage(f"not a decodable image: {exc}") from exc
    if img is None or img.size == 0:
        raise UndecodableImage("not a decodable image")
    return np.asarray(img, dtype=np.uint8)


def _ratio_score(value: float, good: float, bad: float) -> float:
    """1 at ``good`` or better, 0 at ``bad`` or worse, linear between."""
    if good == bad:
        return 1.0
    t = (value - bad) / (good - bad)
    return float(min(1.0, max(0.0, t)))


def _border_crossing_ratio(grey: npt.NDArray[np.uint8]) -> float:
    """Share of the pixels in a strip along the worst side of the frame that are edges
    running *across* that side.

    Print the frame cuts off leaves strokes that run into the border. An edge running
    along the border is not that: it is the document's own outline or frame line, as in
    a card scanned to its outline, or the edge of a table. Counting every edge (the
    first version of this check) flagged nearly every scanned card as cut off.
    """
    edges = cv2.Canny(grey, 80, 200) > 0
    # Replicated, not reflected, borders: a reflection zeroes the gradient across the
    # outermost row and column, where a line along the border would then count as crossing.
    gx = np.abs(cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3, borderType=cv2.BORDER_REPLICATE))
    gy = np.abs(cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3, borderType=cv2.BORDER_REPLICATE))
    # across the top and bottom sides an edge is near-vertical: its gradient is horizontal
    across_rows = edges & (gx > BORDER_ACROSS * gy)
    across_cols = edges & (gy > BORDER_ACROSS * gx)
    m = max(2, int(0.01 * min(grey.shape)))
    # The worst side counts: a document cut by one edge of the frame leaves
    # its strokes on that side only.
    sides = (across_rows[:m, :], across_rows[-m:, :], across_cols[:, :m], across_cols[:, -m:])
    return max(float(side.mean()) for side in sides)


def assess(image: npt.NDArray[np.uint8]) -> QualityReport:
    """Measure a BGR (or grey) image. Never raises for a valid non-empty array."""
    height, width = image.shape[:2]
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scale = ANALYSIS_LONG_SIDE / max(height, width)
    if scale < 1.0:
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)

    sharpness = float(cv2.Laplacian(grey, cv2.CV_64F).var())
    brightness = float(grey.mean())
    p1, paper, p99 = (float(v) for v in np.percentile(grey, [1, 60, 99]))
    # Ink against paper, not the spread of all pixels: a dim but legible page
    # (dark grey paper, black ink) has a small standard deviation and a
    # clear ink-to-paper range.
    contrast = p99 - p1
    dark_ratio = float((grey < 30).mean())
    clipped_ratio = float((grey >= 250).mean())
    ink_ratio = float((grey < 128).mean())

    if image.ndim == 3:
        small = (
            cv2.resize(image, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_AREA)
            if scale < 1.0
            else image
        )
        hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
        glare_mask = (hsv[..., 2] >= 250) & (hsv[..., 1] <= 25)
    else:
        glare_mask = grey >= 250
    # Glare is light brighter than the paper it falls on. On a white scan the
    # paper itself is near 255: that is not glare, and is not counted.
    glare_mask &= grey >= paper + GLARE_ABOVE_PAPER
    glare_ratio = float(glare_mask.mean())

    border_edge_ratio = _border_crossing_ratio(np.asarray(grey, np.uint8))

    issues: list[str] = []
    if min(height, width) < MIN_SHORT_SIDE_PX:
        issues.append("LOW_RESOLUTION")
    if sharpness < MIN_SHARPNESS:
        issues.append("BLURRY")
    if brightness < MIN_BRIGHTNESS or dark_ratio > MAX_DARK_RATIO:
        issues.append("UNDEREXPOSED")
    # White paper is bright by nature: only washed-out detail counts (the
    # page clipped AND almost no dark ink left on it).
    if (
        brightness > MAX_BRIGHTNESS
        and clipped_ratio > MAX_CLIPPED_RATIO
        and ink_ratio < MIN_INK_RATIO
    ):
        issues.append("OVEREXPOSED")
    if glare_ratio > MAX_GLARE_RATIO:
        issues.append("GLARE")
    if contrast < MIN_CONTRAST:
        issues.append("LOW_CONTRAST")
    if border_edge_ratio > MAX_BORDER_EDGE_RATIO:
        issues.append("CROPPED")

    parts = [
        _ratio_score(min(height, width), 1.5 * MIN_SHORT_SIDE_PX, MIN_SHORT_SIDE_PX / 2),
        _ratio_score(sharpness, 3 * MIN_SHARPNESS, MIN_SHARPNESS / 3),
        # Exposure: dark is bad; bright is only bad when detail is clipped
        # (white paper is bright by nature).
        min(
            _ratio_score(brightness, 100.0, MIN_BRIGHTNESS / 2),
            _ratio_score(-clipped_ratio, -0.2, -0.8),
        ),
        _ratio_score(-glare_ratio, -MAX_GLARE_RATIO / 4, -MAX_GLARE_RATIO * 3),
        _ratio_score(contrast, 1.6 * MIN_CONTRAST, MIN_CONTRAST / 2),
        _ratio_score(-border_edge_ratio, -MAX_BORDER_EDGE_RATIO / 3, -MAX_BORDER_EDGE_RATIO * 2),
    ]
    # The weakest aspect bounds readability; the mean rewards the rest.
    score = round(0.5 * min(parts) + 0.5 * float(np.mean(parts)), 4)
    return QualityReport(
        width=int(width),
        height=int(height),
        sharpness=round(sharpness, 2),
        brightness=round(brightness, 2),
        dark_ratio=round(dark_ratio, 4),
        glare_ratio=round(glare_ratio, 4),
        contrast=round(contrast, 2),
        border_edge_ratio=round(border_edge_ratio, 4),
        score=score,
        issues=issues,
    )

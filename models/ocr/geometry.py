"""Page geometry: find the document in a photo, undo perspective, turn it upright.

- ``find_page``: the largest convex four-sided outline (edges of the paper or
  card against the background) covering a meaningful share of the frame and
  not simply the frame itself. A scan (the page *is* the frame) has none,
  which is the right answer: nothing to correct.
- ``rectify``: perspective warp of that quad to a rectangle whose sides keep
  the quad's measured lengths.
- ``upright_rotation``: multiples of 90° that make text lines horizontal and
  upright, decided from the text itself: the share of detected line boxes
  that are tall rather than wide (90°/270°), then the PP-OCR angle
  classifier's vote over the lines (0° vs 180°).

Pure functions of the image except ``upright_rotation``, which needs the
detector and classifier (an ``OcrEngine``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from models.ocr.engine import Image, OcrEngine, Quad

# A page outline must cover this share of the frame, and must not be the frame.
MIN_PAGE_AREA = 0.2
MAX_PAGE_AREA = 0.97
# Lab distance between the ground just outside an outline and the paper just
# inside it; below this the outline is drawn on the page, not the page's edge.
MIN_EDGE_CONTRAST = 18.0
# A shadow's edge is soft, the paper's is sharp. Across each side, the grey
# step between the ends of a profile PROFILE_REACH × the analysed side long
# each way, and the share of it that the steepest 4 px hold. A side is a
# shadow's (or a light's) edge, not the page's, when that share is under
# SOFT_ALONE, or under SHARP_SHARE and under SOFT_RELATIVE × the outline's
# sharpest side: a blurred photo blurs every side alike, a shadow softens its
# own. Development seeds: page edges put 0.69 of their step in 4 px or more
# in phone photos, 0.34 or more under a further blur of σ 4 px, every side of
# an outline within 2× of the others; shadow edges 0.29 or less, against 0.99
# or more for the lit part's other sides. Steps under MIN_SOFT_STEP say nothing.
PROFILE_REACH = 0.03
SHARP_SHARE = 0.45
SOFT_ALONE = 0.25
SOFT_RELATIVE = 0.4
MIN_SOFT_STEP = 25.0
ANALYSIS_SIDE = 800
# Orientation: lines sampled for the votes, and the margin a vote must win by.
ORIENTATION_SAMPLE = 24
TALL_SHARE = 0.6
FLIP_SHARE = 0.6


@dataclass(frozen=True)
class PageGeometry:
    """What was done to the image before OCR (reported with the result)."""

    page_found: bool
    quad: list[list[float]] | None
    rotation: int  # degrees clockwise applied after rectification: 0, 90, 180, 270
    width: int
    height: int

    def to_dict(self) -> dict[str, object]:
        return {
            "pageFound": self.page_found,
            "quad": self.quad,
            "rotation": self.rotation,
            "width": self.width,
            "height": self.height,
        }


def find_page(image: Image) -> Quad | None:
    """The document's outline (4×2, clockwise from top-left) in image pixels, or None."""
    h, w = image.shape[:2]
    scale = ANALYSIS_SIDE / max(h, w)
    small = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))))
    grey_raw = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    grey = cv2.GaussianBlur(grey_raw, (5, 5), 0)
    frame_area = float(small.shape[0] * small.shape[1])
    best: npt.NDArray[np.float32] | None = None
    best_area = 0.0
    # Two edge maps: Canny for crisp borders, Otsu for a light page on a dark
    # ground whose border is soft.
    edges = cv2.dilate(cv2.Canny(grey, 50, 150), np.ones((3, 3), np.uint8))
    _, otsu = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    for mask in (edges, otsu):
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
            hull = cv2.convexHull(contour)
            approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
            if len(approx) != 4:
                continue
            area = cv2.contourArea(approx)
            share = area / frame_area
            if not MIN_PAGE_AREA <= share <= MAX_PAGE_AREA or area <= best_area:
                continue
            if _borders_touched(approx.reshape(4, 2), small.shape[1], small.shape[0]) > 1:
                # A frame printed on a scan, or the frame edge itself: the page
                # already fills the image, and cropping to it could cut content.
                continue
            if _edge_contrast(small, approx) < MIN_EDGE_CONTRAST:
                # The same paper on both sides of the outline: a table or a
                # photo printed on the page, not the page on a background.
                continue
            if _soft_side(grey_raw, approx):
                # The lit part of a page with a shadow across it: cropping to
                # it would cut off what lies in the shadow (an MRZ, a name).
                continue
            best, best_area = approx.reshape(4, 2).astype(np.float32), area
    if best is None:
        return None
    from models.ocr.engine import order_quad

    return order_quad(best / scale)


def _edge_contrast(image: Image, outline: npt.NDArray[Any]) -> float:
    """The weakest side's colour step across the outline (Lab distance, median along the side).

    Sampled at points along each side, a short way outwards and inwards. A
    page on a table steps on every side; a table printed on a page may step
    on one (a coloured header row) but not on all. Sides whose outer samples
    fall outside the image (a page cut by the frame) are skipped; fewer than
    two measurable sides count as no contrast.
    """
    h, w = image.shape[:2]
    lab = cv2.cvtColor(image, cv2.COLOR_BGR2LAB).astype(np.float32)
    k = max(3.0, 0.015 * max(h, w))
    steps: list[float] = []
    for points in _across_sides(outline, np.array([k, -k], np.float32), w, h):
        ints = np.clip(np.round(points).astype(int), 0, [w - 1, h - 1])
        out_pts, in_pts = ints[:, 0], ints[:, 1]
        diff = lab[out_pts[:, 1], out_pts[:, 0]] - lab[in_pts[:, 1], in_pts[:, 0]]
        steps.append(float(np.median(np.linalg.norm(diff, axis=1))))
    return min(steps) if len(steps) >= 2 else 0.0


def _soft_side(grey: npt.NDArray[Any], outline: npt.NDArray[Any]) -> bool:
    """Whether a side of ``outline`` is a soft step (a shadow's edge), not the page's edge.

    Each side is crossed by grey profiles at 15 points along it; their median
    profile is robust to print that one of them crosses. Sides whose profiles
    leave the image, and sides with too small a step to judge, say nothing.
    """
    h, w = grey.shape[:2]
    reach = int(max(8.0, PROFILE_REACH * max(h, w)))
    offsets = np.arange(-reach, reach + 1, dtype=np.float32)
    image = grey.astype(np.float32)
    shares: list[float] = []  # per measurable side: the share of its step in 4 px
    for points in _across_sides(outline, offsets, w, h):
        xs = np.ascontiguousarray(points[..., 0], dtype=np.float32)
        ys = np.ascontiguousarray(points[..., 1], dtype=np.float32)
        profile = np.median(cv2.remap(image, xs, ys, cv2.INTER_LINEAR), axis=0)
        step = abs(float(profile[-4:].mean() - profile[:4].mean()))
        if step >= MIN_SOFT_STEP:
            shares.append(float(np.abs(profile[4:] - profile[:-4]).max()) / step)
    if not shares:
        return False
    sharpest = max(shares)
    return any(s < SOFT_ALONE or (s < SHARP_SHARE and s < SOFT_RELATIVE * sharpest) for s in shares)


def _across_sides(
    outline: npt.NDArray[Any], offsets: npt.NDArray[np.float32], width: int, height: int
) -> Iterator[npt.NDArray[np.float32]]:
    """Per side of ``outline``, points that cross it: at 15 places along the side (15% to
    85% of its length, clear of the corners), one point per offset along the side's
    outward normal (positive offsets outside). Shape (places, offsets, 2), only the
    places whose points all lie in the frame; a side with fewer than 80% of its places
    in the frame (a page cut by the frame) is left out."""
    pts = outline.reshape(4, 2).astype(np.float32)
    centre = pts.mean(axis=0)
    for a, b in zip(pts, np.roll(pts, -1, axis=0), strict=True):
        on_edge = a + np.linspace(0.15, 0.85, 15, dtype=np.float32)[:, None] * (b - a)
        normal = np.array([-(b - a)[1], (b - a)[0]], dtype=np.float32)
        normal /= max(1e-6, float(np.linalg.norm(normal)))
        if np.dot(centre - (a + b) / 2, normal) > 0:
            normal = -normal  # point outwards
        points = on_edge[:, None, :] + offsets[None, :, None] * normal[None, None, :]
        x, y = points[..., 0], points[..., 1]
        in_frame = ((x >= 0) & (x < width) & (y >= 0) & (y < height)).all(axis=1)
        if in_frame.mean() >= 0.8:
            yield points[in_frame]


def _borders_touched(pts: npt.NDArray[Any], width: int, height: int, margin: int = 3) -> int:
    """How many image borders the outline runs along (two of its corners near it)."""
    near = [
        int((pts[:, 0] <= margin).sum() >= 2),
        int((pts[:, 0] >= width - 1 - margin).sum() >= 2),
        int((pts[:, 1] <= margin).sum() >= 2),
        int((pts[:, 1] >= height - 1 - margin).sum() >= 2),
    ]
    return sum(near)


def rectify(image: Image, quad: Quad) -> Image:
    """The page's content as an upright rectangle (side lengths as measured)."""
    from models.ocr.engine import warp_quad

    return warp_quad(image, quad)


def rotate(image: Image, degrees: int) -> Image:
    """Rotate clockwise by a multiple of 90°."""
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    d = degrees % 360
    return image if d == 0 else cv2.rotate(image, codes[d]).astype(np.uint8)


def upright_rotation(image: Image, engine: OcrEngine, quads: list[Quad]) -> int:
    """Clockwise degrees (0/90/180/270) that make the text upright; 0 when there is no text.

    ``quads`` are the detector's lines on ``image`` (the caller has them already).
    """
    if not quads:
        return 0
    quads = sorted(quads, key=_quad_area, reverse=True)[:ORIENTATION_SAMPLE]
    tall = sum(1 for q in quads if _quad_h(q) > 1.5 * _quad_w(q))
    wide = sum(1 for q in quads if _quad_w(q) > 1.5 * _quad_h(q))
    base = 0
    if tall > TALL_SHARE * max(1, tall + wide):
        base = 90
        image = rotate(image, 90)
        quads = sorted(engine.detect(image), key=_quad_area, reverse=True)[:ORIENTATION_SAMPLE]
    from models.ocr.engine import crop_quad

    crops = [crop_quad(image, q) for q in quads if _quad_w(q) > 1.5 * _quad_h(q)]
    if not crops:
        return base
    votes = engine.classify_angle(crops)
    # Weighted by confidence: short lines ("1", "P") vote weakly.
    flip = sum(p for a, p in votes if a == 180)
    keep = sum(p for a, p in votes if a == 0)
    if flip > FLIP_SHARE * (flip + keep):
        return (base + 180) % 360
    return base


def _quad_w(q: Quad) -> float:
    return float(np.linalg.norm(q[0] - q[1]))


def _quad_h(q: Quad) -> float:
    return float(np.linalg.norm(q[0] - q[3]))


def _quad_area(q: Quad) -> float:
    return _quad_w(q) * _quad_h(q)

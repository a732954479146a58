"""Capture conditions: how a rendered page ends up in front of the pipeline.

Each condition maps the flat page to a final image and returns the 3x3
homography from page coordinates to final-image coordinates, so that every
box can be carried along exactly. All randomness comes from the
``numpy.random.Generator`` passed in. Effects are kept moderate: a person can
still read the document.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
Matrix = npt.NDArray[np.float64]

CONDITIONS: tuple[str, ...] = (
    "scan",
    "phone",
    "rotated_90",
    "rotated_180",
    "blur",
    "noise",
    "jpeg",
    "glare",
    "shadow",
    "low_light",
    "partial_crop",
)


def _u8(arr: npt.NDArray[np.floating] | npt.NDArray[np.integer]) -> Image:
    return np.asarray(np.clip(np.rint(arr), 0, 255), dtype=np.uint8)


def _paper(img: Image, rng: np.random.Generator) -> Image:
    """A flatbed scan: a slight paper tone and sensor noise."""
    tone = np.array(
        [rng.uniform(0.93, 0.99), rng.uniform(0.95, 1.0), rng.uniform(0.96, 1.0)], np.float32
    )
    out = img.astype(np.float32) * tone + rng.normal(0, 2.0, img.shape[:2])[..., None]
    return _u8(out)


def _texture(w: int, h: int, rng: np.random.Generator) -> Image:
    """A table top: wood grain or fabric, as BGR."""
    small = rng.normal(0, 1, (max(2, h // 40), max(2, w // 40))).astype(np.float32)
    low = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if rng.random() < 0.5:  # wood
        base = np.array(rng.choice([[40, 80, 130], [30, 60, 100], [60, 100, 150]]), np.float32)
        grain = np.sin((yy + 25 * low) / rng.uniform(5, 12)) * 14
        tex = base + (grain + 10 * low)[..., None]
    else:  # fabric
        base = np.array(rng.choice([[90, 90, 90], [120, 70, 50], [60, 90, 60]]), np.float32)
        weave = (np.sin(xx / 2.1) * np.sin(yy / 2.1)) * 10
        tex = base + (weave + 12 * low)[..., None]
    tex += rng.normal(0, 4, (h, w))[..., None]
    return _u8(tex)


def _lighting(img: Image, rng: np.random.Generator, lo: float = 0.8, hi: float = 1.05) -> Image:
    h, w = img.shape[:2]
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = (np.cos(angle) * xx / w + np.sin(angle) * yy / h + 1) / 2
    gain = lo + (hi - lo) * t
    return _u8(img.astype(np.float32) * gain[..., None])


def _phone(
    img: Image,
    rng: np.random.Generator,
    long_side: int,
    jitter: tuple[float, float],
    blur: bool = True,
) -> tuple[Image, Matrix]:
    """The page photographed on a table: perspective, background, light, blur."""
    h, w = img.shape[:2]
    if h >= w:
        cw, ch = round(long_side * 0.75), long_side
    else:
        cw, ch = long_side, round(long_side * 0.75)
    fill = 0.8
    s = min(cw * fill / w, ch * fill / h)
    pw, ph = w * s, h * s
    ox, oy = (cw - pw) / 2, (ch - ph) / 2
    dst = np.array([[ox, oy], [ox + pw, oy], [ox + pw, oy + ph], [ox, oy + ph]], np.float64)
    lo, hi = jitter
    for i in range(4):
        dst[i, 0] += rng.choice([-1, 1]) * rng.uniform(lo, hi) * pw
        dst[i, 1] += rng.choice([-1, 1]) * rng.uniform(lo, hi) * ph
    dst[:, 0] = np.clip(dst[:, 0], 2, cw - 3)
    dst[:, 1] = np.clip(dst[:, 1], 2, ch - 3)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64)
    hmat = np.asarray(
        cv2.getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32)), np.float64
    )
    warped = cv2.warpPerspective(img, hmat, (cw, ch), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(
        np.full((h, w), 255, np.uint8), hmat, (cw, ch), flags=cv2.INTER_LINEAR
    )
    bg = _texture(cw, ch, rng)
    # soft drop shadow under the page
    shadow = cv2.GaussianBlur(mask, (0, 0), 9).astype(np.float32) / 255.0
    bg = _u8(bg.astype(np.float32) * (1 - 0.35 * np.roll(shadow, (6, 6), (0, 1)))[..., None])
    alpha = (mask.astype(np.float32) / 255.0)[..., None]
    out = warped.astype(np.float32) * alpha + bg.astype(np.float32) * (1 - alpha)
    out = _lighting(_u8(out), rng, 0.78, 1.04)
    if blur:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 0.9))
    out = _u8(out.astype(np.float32) + rng.normal(0, 2.5, out.shape[:2])[..., None])
    return out, hmat


def _rotate(img: Image, k: int) -> tuple[Image, Matrix]:
    """Rotate by ``k`` quarter turns counter-clockwise (exact, no crop)."""
    h, w = img.shape[:2]
    out = np.ascontiguousarray(np.rot90(img, k))
    k %= 4
    if k == 1:  # (x, y) -> (y, w - x)
        m = np.array([[0, 1, 0], [-1, 0, w], [0, 0, 1]], np.float64)
    elif k == 2:
        m = np.array([[-1, 0, w], [0, -1, h], [0, 0, 1]], np.float64)
    elif k == 3:  # (x, y) -> (h - y, x)
        m = np.array([[0, -1, h], [1, 0, 0], [0, 0, 1]], np.float64)
    else:
        m = np.eye(3)
    return out, m


def _soft_mask(
    full_h: int, full_w: int, draw: str, rng: np.random.Generator
) -> npt.NDArray[np.float32]:
    """A soft-edged ellipse or polygon in [0, 1], drawn at quarter size for speed."""
    h, w = max(8, full_h // 4), max(8, full_w // 4)
    mask = np.zeros((h, w), np.uint8)
    if draw == "ellipse":
        center = (int(rng.uniform(0.25, 0.75) * w), int(rng.uniform(0.2, 0.8) * h))
        axes = (int(rng.uniform(0.12, 0.25) * w), int(rng.uniform(0.06, 0.14) * h))
        cv2.ellipse(mask, center, axes, float(rng.uniform(0, 180)), 0, 360, (255,), -1)
        sigma = min(h, w) * 0.05
    else:
        side = int(rng.integers(0, 4))
        depth = rng.uniform(0.25, 0.5)
        if side == 0:
            pts = [(0, 0), (int(w * depth), 0), (int(w * depth * rng.uniform(0.4, 1.3)), h), (0, h)]
        elif side == 1:
            pts = [(w, 0), (int(w * (1 - depth)), 0), (int(w * (1 - depth * 0.7)), h), (w, h)]
        elif side == 2:
            pts = [(0, 0), (w, 0), (w, int(h * depth * rng.uniform(0.3, 1.0))), (0, int(h * depth))]
        else:
            pts = [(0, h), (w, h), (w, int(h * (1 - depth))), (0, int(h * (1 - depth * 0.5)))]
        cv2.fillPoly(mask, [np.array(pts, np.int32)], (255,))
        sigma = min(h, w) * 0.04
    soft = cv2.GaussianBlur(mask, (0, 0), sigma)
    soft = cv2.resize(soft, (full_w, full_h), interpolation=cv2.INTER_LINEAR)
    return np.asarray(soft, np.float32) / 255.0


def capture(
    img: Image, condition: str, kind: str, rng: np.random.Generator
) -> tuple[Image, Matrix]:
    """Apply ``condition`` to the flat page ``img`` (BGR).

    Returns the final image and the homography from page to final coordinates.
    """
    eye = np.eye(3)
    if condition == "scan":
        return _paper(img, rng), eye
    if condition == "phone":
        long_side = {
            "a4": 1600,
            "letter": 1600,
            "blank": 1600,
            "card": 1200,
            "passport_page": 1200,
        }.get(kind, 1400)
        return _phone(img, rng, long_side, (0.03, 0.10))
    if condition in ("rotated_90", "rotated_180"):
        base = _paper(img, rng)
        k = 2 if condition == "rotated_180" else int(rng.choice([1, 3]))
        return _rotate(base, k)
    base = _paper(img, rng)
    h, w = base.shape[:2]
    if condition == "blur":
        if rng.random() < 0.5:
            return np.asarray(cv2.GaussianBlur(base, (0, 0), rng.uniform(1.3, 2.2)), np.uint8), eye
        length = int(rng.integers(7, 13))
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1.0
        rot = cv2.getRotationMatrix2D(
            (length / 2 - 0.5, length / 2 - 0.5), float(rng.uniform(0, 180)), 1.0
        )
        kernel = np.asarray(cv2.warpAffine(kernel, rot, (length, length)), np.float32)
        kernel /= max(1e-6, float(kernel.sum()))
        return np.asarray(cv2.filter2D(base, -1, kernel), np.uint8), eye
    if condition == "noise":
        out = base.astype(np.float32) + rng.normal(0, rng.uniform(9, 16), base.shape)
        salt = rng.random(base.shape[:2])
        out[salt < 0.003] = 0
        out[salt > 0.997] = 255
        return _u8(out), eye
    if condition == "jpeg":
        quality = int(rng.integers(15, 31))
        ok, buf = cv2.imencode(".jpg", base, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        return np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR), np.uint8), eye
    if condition == "glare":
        mask = _soft_mask(h, w, "ellipse", rng) * rng.uniform(0.6, 0.8)
        glared = base.astype(np.float32)
        glared += (255 - glared) * mask[..., None]
        return _u8(glared), eye
    if condition == "shadow":
        mask = _soft_mask(h, w, "polygon", rng) * rng.uniform(0.35, 0.5)
        return _u8(base.astype(np.float32) * (1 - mask)[..., None]), eye
    if condition == "low_light":
        gain = rng.uniform(0.35, 0.5)
        dark = base.astype(np.float32) * gain + rng.uniform(8, 18)
        dark = _lighting(_u8(dark), rng, 0.85, 1.0).astype(np.float32)
        dark += rng.normal(0, rng.uniform(3, 5), dark.shape)
        return _u8(dark), eye
    if condition == "partial_crop":
        sides = list(rng.choice(4, size=int(rng.integers(1, 3)), replace=False))
        cut = [0, 0, 0, 0]  # left, top, right, bottom
        for side in sides:
            frac = rng.uniform(0.05, 0.15)
            cut[int(side)] = round(frac * (w if side in (0, 2) else h))
        cropped = base[cut[1] : h - cut[3], cut[0] : w - cut[2]].copy()
        m = np.array([[1, 0, -cut[0]], [0, 1, -cut[1]], [0, 0, 1]], np.float64)
        return cropped, m
    raise ValueError(f"unknown condition {condition!r}; known: {', '.join(CONDITIONS)}")


def transform_points(points: list[tuple[float, float]], m: Matrix) -> list[tuple[float, float]]:
    """Apply homography ``m`` to ``points``."""
    arr = np.array([[x, y, 1.0] for x, y in points], np.float64) @ m.T
    return [(float(p[0] / p[2]), float(p[1] / p[2])) for p in arr]

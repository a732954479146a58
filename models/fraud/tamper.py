"""Pixel forensics on a document image: was it edited, pasted together, or re-photographed?

Each function takes an :class:`ImageInput` (decoded once by :func:`load_image`)
and returns a :class:`~models.fraud.signal.Signal` with a score in [0, 1], the
threshold at which it counts, the suspicious regions and a heat map. All
thresholds are the named constants below; they were set on generated
genuine documents across every capture condition (``python -m
models.eval.fraud`` measures them) so that each signal alone stays under
about 2% false positives on genuine phone photos.

Signals:

- :func:`error_level` (ELA): the image re-saved at its own JPEG quality; the
  per-block re-compression error divided by the block's high-frequency
  energy (text edges always re-compress badly, so raw ELA is an edge map);
  blocks whose normalised error is far from the page's are flagged.
- :func:`double_compression`: aligned double-JPEG evidence. A photo edited
  and saved again has DCT coefficients quantised twice everywhere except in
  the edited area, whose histogram lacks the periodic gaps of double
  quantisation. Per frequency, the first quantisation step is estimated
  from the page's histogram; each block then gets a log-likelihood ratio
  "single vs double". Blind when the editor saved at a lower quality than
  the camera and the steps divide evenly; strong otherwise.
- :func:`noise_inconsistency`: sensor/paper noise (high-pass residual on flat
  pixels) per block against its neighbourhood: painted-over areas are too
  clean, pasted pieces from another capture too clean or too noisy.
- :func:`copy_move`: ORB keypoints matched within the image, grouped by a
  common shift; a group is a copy only if the *paper noise* between the
  glyphs moved along with them: two identically printed strings (repeated
  labels, the same year in two dates) match in their ink, never in their
  noise. Inconclusive (score 0) on images without measurable noise (heavy
  blur or JPEG), where a copy cannot be told from a repeat.
- :func:`splice`: JPEG 8x8 grid phase per window (a piece pasted from
  another JPEG keeps its own grid) and local sharpness inconsistency.
- :func:`font_inconsistency`: words found as ink components; per word the
  edge sharpness, stroke width relative to height and ink contrast, against
  the words of the same height on the page: a value re-typed in another font
  or drawn after the capture stands out.
- :func:`portrait_substitution`: inside the portrait box against the frame
  around it: noise level, double-JPEG evidence, grid phase, sharpness.
- :func:`recapture`: periodic structure of the page in the frequency
  domain: LCD subpixel grids give strong colour (chroma) peaks and moiré,
  print halftones strong luminance peaks at the screen frequency.

:func:`analyse_image` runs them all. Pure functions; no I/O; input size is
bounded by :data:`MAX_PIXELS`.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from models.fraud.signal import (
    Box,
    FloatMap,
    ReasonCode,
    Signal,
    heatmap_from_blocks,
    not_applicable,
    regions_from_blocks,
    squash,
)

BGR = npt.NDArray[np.uint8]

MAX_PIXELS = 40_000_000
MAX_BYTES = 50 * 1024 * 1024

# -- thresholds (score at or above = triggered) -------------------------------------------
# Set at about the 98th percentile of each score on 110 generated genuine uploads
# (tools.tampergen, seeds 4,000,000+, every capture condition); the evaluation uses
# other seeds. 0.999 marks a signal that is not yet reliable on genuine documents
# (it fires on repeated print, guilloche or text styles): reported, weight 0 by default.
ELA_THRESHOLD = 0.85
DQ_THRESHOLD = 0.75
NOISE_THRESHOLD = 0.8
COPY_MOVE_THRESHOLD = 0.999
SPLICE_THRESHOLD = 0.999
FONT_THRESHOLD = 0.999
PORTRAIT_THRESHOLD = 0.6
SCREEN_THRESHOLD = 0.8
PRINT_THRESHOLD = 0.999

# ELA
ELA_BLOCK = 16
ELA_MIN_ACTIVITY = 4.0  # block high-pass energy (grey levels) below which it carries no evidence
ELA_Z_HALF = 4.0  # robust z of a 2x2-block cluster's log error ratio at score 0.5
ELA_Z_HIGH = 7.0

# double JPEG
DQ_FREQUENCIES = 20  # AC frequencies in zigzag order
DQ_MAX_VALUE = 40
DQ_MIN_COEFFS = 300  # non-zero coefficients a frequency needs to be estimated
DQ_MIN_GAIN_PER_COEFF = 0.04  # log-likelihood gain per non-zero coefficient to accept "double"
DQ_MIN_FREQUENCIES = 2
DQ_WINDOW = 4  # blocks of 8 px
DQ_LLR_HALF = 25.0  # summed LLR (nats) in a window for score 0.5
DQ_LLR_HIGH = 60.0

# noise
NOISE_BLOCK = 16
NOISE_MIN_FLAT = 0.35  # share of flat pixels a block needs
NOISE_EDGE = 24.0  # Sobel |gx|+|gy| above this is an edge, not noise
NOISE_FLOOR = 0.35  # grey levels added to every sigma (JPEG leaves a floor)
NOISE_RING = 5  # neighbourhood (blocks) a block is compared with
NOISE_Z_HALF = 1.1  # |log sigma ratio| of a cluster at score 0.5
NOISE_Z_HIGH = 1.8
NOISE_MIN_BLOCKS = 2

# copy-move
CM_FEATURES = 2500
CM_MAX_HAMMING = 40
CM_MIN_SHIFT = 12.0
CM_MIN_MATCHES = 4
CM_CANDIDATES = 25
CM_MAX_EXTENT = (320, 160)  # a moved group is a few characters, not half a page
CM_MIN_FLAT_PX = 60
CM_MIN_NOISE_VAR = 0.25  # below this the page has no noise to compare: inconclusive
CM_Z_HALF = 6.0  # (1 - noise ratio) * sqrt(flat px) at score 0.5
CM_Z_HIGH = 12.0

# splice (grid phase, sharpness)
SPLICE_WINDOW = 64
SPLICE_MIN_BLOCKINESS = 1.0  # grey levels: windows below carry no grid evidence
SPLICE_PHASE_RATIO_HALF = 2.5  # off-grid over on-grid blockiness at score 0.5
SPLICE_PHASE_RATIO_HIGH = 5.0

# font
FONT_MIN_H, FONT_MAX_H = 9, 80  # word heights (px) analysed
FONT_MIN_WORDS = 8
FONT_Z_HALF = 6.0
FONT_Z_HIGH = 10.0

# portrait
PORTRAIT_RING = 0.25  # ring width around the box, share of the box's short side
PORTRAIT_NOISE_HALF = 0.9  # |log noise ratio| inside vs outside at score 0.5
PORTRAIT_NOISE_HIGH = 1.6

# recapture
RC_SIDE = 512  # analysed crop (page centre), pixels
RC_MIN_PERIOD = 2.2  # px: the band where screens and halftones show
RC_MAX_PERIOD = 12.0
RC_PEAK_HALF = 9.0  # peak over local spectrum median (log10 * 10, dB-like) at score 0.5
RC_PEAK_HIGH = 14.0
RC_CHROMA_SHARE = 0.5  # chroma peak over luma peak: above = screen, below = print


class UndecodableImage(ValueError):
    """Not an image this module can decode, or too large."""


@dataclass(frozen=True)
class ImageInput:
    """A decoded upload: pixels plus what the file says about its JPEG history."""

    bgr: BGR
    format: str  # "JPEG", "PNG", ...
    luma: npt.NDArray[np.float64] | None  # JPEG: Y as decoded (before colour conversion), -128
    quant: npt.NDArray[np.float64] | None  # JPEG: luminance quantisation table, natural order
    quality: int | None  # JPEG: estimated IJG quality of ``quant``

    @property
    def is_jpeg(self) -> bool:
        return self.quant is not None and self.luma is not None


_STD_LUMA = np.array(
    [
        [16, 11, 10, 16, 24, 40, 51, 61],
        [12, 12, 14, 19, 26, 58, 60, 55],
        [14, 13, 16, 24, 40, 57, 69, 56],
        [14, 17, 22, 29, 51, 87, 80, 62],
        [18, 22, 37, 56, 68, 109, 103, 77],
        [24, 35, 55, 64, 81, 104, 113, 92],
        [49, 64, 78, 87, 103, 121, 120, 101],
        [72, 92, 95, 98, 112, 100, 103, 99],
    ],
    np.float64,
)


def _ijg_table(quality: int) -> npt.NDArray[np.float64]:
    scale = 5000 / quality if quality < 50 else 200 - 2 * quality
    return np.clip(np.floor((_STD_LUMA * scale + 50) / 100), 1, 255)


def estimate_quality(quant: npt.NDArray[np.float64]) -> int:
    """The IJG quality whose luminance table is closest to ``quant``."""
    errs = [float(np.abs(_ijg_table(q) - quant).sum()) for q in range(1, 101)]
    return int(np.argmin(errs)) + 1


def load_image(data: bytes) -> ImageInput:
    """Decode an upload once for every signal.

    Raises:
        UndecodableImage: empty, too large (:data:`MAX_BYTES`, :data:`MAX_PIXELS`)
            or not an image.
    """
    if not data:
        raise UndecodableImage("empty input")
    if len(data) > MAX_BYTES:
        raise UndecodableImage(f"{len(data)} bytes is over the {MAX_BYTES} limit")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = str(probe.format or "")
            w, h = probe.size
            quant_tables: Any = getattr(probe, "quantization", None)
    except Exception as exc:
        raise UndecodableImage(f"not an image: {exc}") from exc
    if w * h > MAX_PIXELS:
        raise UndecodableImage(f"{w}x{h} is over the {MAX_PIXELS} pixel limit")
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None or bgr.size == 0:
        raise UndecodableImage("OpenCV cannot decode the image")
    luma = quant = None
    quality = None
    if fmt == "JPEG" and quant_tables and 0 in quant_tables:
        quant = np.asarray(quant_tables[0], np.float64).reshape(8, 8)
        quality = estimate_quality(quant)
        with Image.open(io.BytesIO(data)) as im:
            im.draft("YCbCr", im.size)  # decoder output before colour conversion
            arr = np.asarray(im)
        y = arr[..., 0] if arr.ndim == 3 else arr
        luma = y.astype(np.float64) - 128.0
        if luma.shape != bgr.shape[:2]:  # EXIF-less orientation quirks: give up the JPEG view
            luma = quant = None
            quality = None
    return ImageInput(np.asarray(bgr, np.uint8), fmt, luma, quant, quality)


def from_array(bgr: BGR) -> ImageInput:
    """An already decoded image (no JPEG history known)."""
    return ImageInput(np.asarray(bgr, np.uint8), "RAW", None, None, None)


# -- shared helpers -------------------------------------------------------------------------
def _grey(img: ImageInput) -> npt.NDArray[np.float32]:
    return np.asarray(cv2.cvtColor(img.bgr, cv2.COLOR_BGR2GRAY), np.float32)


def _blocks(a: npt.NDArray[Any], b: int) -> npt.NDArray[Any]:
    """(H/b, W/b, b*b) view of the top-left part of ``a`` divisible by ``b``."""
    h, w = a.shape[:2]
    hh, ww = h // b, w // b
    return a[: hh * b, : ww * b].reshape(hh, b, ww, b).transpose(0, 2, 1, 3).reshape(hh, ww, b * b)


def _robust_z(x: FloatMap, valid: npt.NDArray[np.bool_]) -> FloatMap:
    vals = x[valid]
    if vals.size < 8:
        return np.zeros_like(x)
    med = float(np.median(vals))
    mad = float(np.median(np.abs(vals - med))) * 1.4826
    spread = max(mad, 1e-3)
    z = (x - med) / spread
    z[~valid] = 0.0
    return z


def _touches_border(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Components of ``mask`` that touch the map's border (background, page edges)."""
    _n, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    edge_labels = set(np.unique(labels[0, :])) | set(np.unique(labels[-1, :]))
    edge_labels |= set(np.unique(labels[:, 0])) | set(np.unique(labels[:, -1]))
    edge_labels.discard(0)
    return np.isin(labels, list(edge_labels))


def _dct_matrix() -> npt.NDArray[np.float64]:
    m = np.zeros((8, 8))
    for k in range(8):
        for i in range(8):
            c = math.sqrt(1 / 8) if k == 0 else math.sqrt(2 / 8)
            m[k, i] = c * math.cos(math.pi * (2 * i + 1) * k / 16)
    return m


_DCT = _dct_matrix()
_ZIGZAG = sorted(
    ((i, j) for i in range(8) for j in range(8)),
    key=lambda p: (p[0] + p[1], p[1] if (p[0] + p[1]) % 2 else p[0]),
)


def _block_dct(y: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """8x8 orthonormal DCT of every block: shape (H/8, W/8, 8, 8)."""
    h, w = y.shape
    hh, ww = h // 8, w // 8
    b = y[: hh * 8, : ww * 8].reshape(hh, 8, ww, 8).transpose(0, 2, 1, 3)
    return np.asarray(_DCT @ b @ _DCT.T, np.float64)


# -- ELA ----------------------------------------------------------------------------------------
def error_level(img: ImageInput) -> Signal:
    """Error-level analysis at the file's own quality, normalised by block activity."""
    name, code = "error_level", ReasonCode.TAMPERING_SUSPECTED
    if not img.is_jpeg or img.quality is None:
        return not_applicable(name, ELA_THRESHOLD, code, "not a JPEG")
    grey = np.asarray(cv2.cvtColor(img.bgr, cv2.COLOR_BGR2GRAY), np.uint8)
    ok, buf = cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, img.quality])
    if not ok:  # pragma: no cover
        raise RuntimeError("JPEG re-encoding failed")
    again = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE).astype(np.float32)
    g = grey.astype(np.float32)
    err = np.abs(g - again)
    act = np.abs(g - cv2.GaussianBlur(g, (0, 0), 1.0))
    e = _blocks(err, ELA_BLOCK).mean(-1)
    a = _blocks(act, ELA_BLOCK).mean(-1)
    valid = a >= ELA_MIN_ACTIVITY
    ratio = np.log((e + 0.05) / (a + 0.05))
    z = _robust_z(ratio, valid)
    # a 2x2 cluster mean, so one odd block (a glyph on a grid line) is not a region
    zc = cv2.blur(np.where(valid, z, 0.0).astype(np.float32), (2, 2))
    n = cv2.blur(valid.astype(np.float32), (2, 2))
    zc = np.where(n >= 0.74, zc, 0.0)
    strength = np.abs(zc)
    best = float(strength.max()) if strength.size else 0.0
    score = squash(best, ELA_Z_HALF, ELA_Z_HIGH) if valid.sum() >= 8 else 0.0
    mask = strength >= ELA_Z_HALF
    return Signal(
        name,
        score,
        ELA_THRESHOLD,
        code,
        regions=regions_from_blocks(mask, ELA_BLOCK, img.bgr.shape, strength),
        heatmap=heatmap_from_blocks(strength, img.bgr.shape),
        details={"quality": img.quality, "maxClusterZ": best, "blocks": int(valid.sum())},
    )


# -- double JPEG ----------------------------------------------------------------------------
def _reach_counts(q1: float, q2: float, maxv: int) -> npt.NDArray[np.float64]:
    """How many first-quantised values k*q1 land on each second-quantised value v."""
    top = int(maxv * q2 / q1) + 4
    ks = np.arange(-top, top + 1)
    v = np.rint(ks * q1 / q2).astype(np.int64)
    ok = np.abs(v) <= maxv
    n = np.zeros(2 * maxv + 1)
    np.add.at(n, v[ok] + maxv, 1)
    return n


def _dq_llr(img: ImageInput) -> tuple[FloatMap, list[tuple[int, int, int, int]]]:
    """Per 8x8 block, summed log-likelihood ratio "single vs double compressed" (> 0: single)."""
    assert img.luma is not None and img.quant is not None
    y = img.luma
    coeffs = _block_dct(y)
    calib = _block_dct(y[4:, 4:])  # off-grid: the histogram without quantisation traces
    mv = DQ_MAX_VALUE
    llr = np.zeros(coeffs.shape[:2])
    used: list[tuple[int, int, int, int]] = []
    for i, j in _ZIGZAG[1 : 1 + DQ_FREQUENCIES]:
        q2 = float(img.quant[i, j])
        c = np.clip(np.rint(coeffs[:, :, i, j] / q2).astype(np.int64), -mv, mv)
        hobs = np.bincount((c + mv).ravel(), minlength=2 * mv + 1).astype(np.float64)
        nonzero = hobs.sum() - hobs[mv]
        if nonzero < DQ_MIN_COEFFS:
            continue
        cc = np.clip(np.rint(calib[:, :, i, j] / q2).astype(np.int64), -mv, mv)
        h1 = np.bincount((cc + mv).ravel(), minlength=2 * mv + 1).astype(np.float64) + 0.5
        h1 /= h1.sum()
        base = float((hobs * np.log(h1)).sum())
        best_gain, best_q1 = 0.0, 0
        for q1 in range(1, int(3 * q2) + 2):
            if q1 == int(q2):
                continue
            n = _reach_counts(float(q1), q2, mv)
            p = n * h1
            p = np.maximum(p / p.sum(), 1e-6)
            gain = float((hobs * np.log(p)).sum()) - base
            if gain > best_gain:
                best_gain, best_q1 = gain, q1
        if best_q1 == 0 or best_gain < DQ_MIN_GAIN_PER_COEFF * nonzero:
            continue
        n = _reach_counts(float(best_q1), q2, mv)
        ratio = np.maximum(n / (q2 / best_q1), 0.05)
        llr += -np.log(ratio)[c + mv]
        used.append((i, j, int(q2), best_q1))
    return llr, used


def double_compression(img: ImageInput) -> Signal:
    """Areas quantised once in a page quantised twice (see the module docstring)."""
    name, code = "double_compression", ReasonCode.TAMPERING_SUSPECTED
    if not img.is_jpeg:
        return not_applicable(name, DQ_THRESHOLD, code, "not a JPEG")
    llr, used = _dq_llr(img)
    if len(used) < DQ_MIN_FREQUENCIES:
        return Signal(
            name,
            0.0,
            DQ_THRESHOLD,
            code,
            details={"doubleCompressed": False, "frequencies": len(used)},
        )
    win = np.ones((DQ_WINDOW, DQ_WINDOW), np.float32)
    s = cv2.filter2D(llr.astype(np.float32), -1, win, borderType=cv2.BORDER_CONSTANT)
    best = float(s.max())
    strength = np.maximum(s, 0.0).astype(np.float64)
    mask = strength >= DQ_LLR_HALF
    return Signal(
        name,
        squash(best, DQ_LLR_HALF, DQ_LLR_HIGH),
        DQ_THRESHOLD,
        code,
        regions=regions_from_blocks(mask, 8, img.bgr.shape, strength),
        heatmap=heatmap_from_blocks(strength, img.bgr.shape),
        details={
            "doubleCompressed": True,
            "frequencies": len(used),
            "firstSteps": [[i, j, q2, q1] for i, j, q2, q1 in used],
            "maxWindowLlr": best,
        },
    )


# -- noise --------------------------------------------------------------------------------------
def noise_map(grey: npt.NDArray[np.float32], block: int = NOISE_BLOCK) -> FloatMap:
    """Per block, the mean |high-pass residual| on flat pixels (NaN: too few flat pixels)."""
    k = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    res = np.abs(cv2.filter2D(grey, -1, k)) * (math.sqrt(math.pi / 2) / 6.0)  # Immerkaer
    smooth = cv2.GaussianBlur(grey, (0, 0), 1.0)
    grad = np.abs(cv2.Sobel(smooth, cv2.CV_32F, 1, 0)) + np.abs(cv2.Sobel(smooth, cv2.CV_32F, 0, 1))
    flat = cv2.erode((grad < NOISE_EDGE).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    r = _blocks(res, block).astype(np.float64)
    f = _blocks(flat, block)
    count = f.sum(-1)
    total = np.where(f, r, 0.0).sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = total / count
    sigma[count < NOISE_MIN_FLAT * block * block] = np.nan
    return np.asarray(sigma, np.float64)


def _local_log_ratio(sigma: FloatMap) -> tuple[FloatMap, npt.NDArray[np.bool_]]:
    """log(sigma / median of the ring around each block); valid where both are measured."""
    valid = np.isfinite(sigma)
    ls = np.log(np.where(valid, sigma, 1.0) + NOISE_FLOOR)
    k = 2 * NOISE_RING + 1
    # ring mean of valid neighbours (a median would be nicer; the mean is fast and bounded)
    num = cv2.blur(np.where(valid, ls, 0.0).astype(np.float32), (k, k))
    den = cv2.blur(valid.astype(np.float32), (k, k))
    with np.errstate(invalid="ignore", divide="ignore"):
        ring = num / den
    ok = valid & (den > 0.3)
    out = np.where(ok, ls - ring, 0.0)
    return np.asarray(out, np.float64), ok


def noise_inconsistency(img: ImageInput, exclude: Box | None = None) -> Signal:
    """Blocks whose noise level differs from their neighbourhood (painted or pasted areas).

    ``exclude``: a box (the portrait) whose own texture is not paper noise.
    """
    name, code = "noise_inconsistency", ReasonCode.NOISE_INCONSISTENT
    grey = _grey(img)
    sigma = noise_map(grey)
    if exclude is not None:
        x, y, w, h = exclude
        b = NOISE_BLOCK
        sigma[max(0, y // b - 1) : (y + h) // b + 2, max(0, x // b - 1) : (x + w) // b + 2] = np.nan
    ratio, ok = _local_log_ratio(sigma)
    strength = np.abs(ratio)
    mask = ok & (strength >= NOISE_Z_HALF)
    mask &= ~_touches_border(mask)  # the table around a photographed page, page edges
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    best = 0.0
    for i in range(1, n):
        if stats[i, cv2.CC_STAT_AREA] < NOISE_MIN_BLOCKS:
            mask[labels == i] = False
            continue
        best = max(best, float(np.median(strength[labels == i])))
    score = squash(best, NOISE_Z_HALF, NOISE_Z_HIGH) if best > 0 else 0.0
    shown = np.where(ok, strength, 0.0)
    return Signal(
        name,
        score,
        NOISE_THRESHOLD,
        code,
        regions=regions_from_blocks(mask, NOISE_BLOCK, img.bgr.shape, shown),
        heatmap=heatmap_from_blocks(shown, img.bgr.shape),
        details={
            "pageNoise": float(np.nanmedian(sigma)) if np.isfinite(sigma).any() else None,
            "maxLogRatio": best,
        },
    )


# -- copy-move ----------------------------------------------------------------------------------
def _flat_noise(grey: npt.NDArray[np.float32]) -> tuple[npt.NDArray[np.bool_], float]:
    smooth = cv2.GaussianBlur(grey, (0, 0), 1.5)
    grad = np.abs(cv2.Sobel(smooth, cv2.CV_32F, 1, 0)) + np.abs(cv2.Sobel(smooth, cv2.CV_32F, 0, 1))
    flat = cv2.erode((grad < 12).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    res = grey - smooth
    var = float(np.mean(res[flat] ** 2)) if flat.any() else 0.0
    return np.asarray(flat, np.bool_), var


def copy_move(img: ImageInput) -> Signal:
    """Regions copied within the image, told apart from repeated print by their noise."""
    name, code = "copy_move", ReasonCode.COPY_MOVE_DETECTED
    g8 = np.asarray(cv2.cvtColor(img.bgr, cv2.COLOR_BGR2GRAY), np.uint8)
    grey = g8.astype(np.float32)
    flat, page_var = _flat_noise(grey)
    if page_var < CM_MIN_NOISE_VAR:
        return not_applicable(name, COPY_MOVE_THRESHOLD, code, "no measurable noise")
    orb = cv2.ORB_create(
        nfeatures=CM_FEATURES, nlevels=3, edgeThreshold=15, patchSize=15, fastThreshold=10
    )
    kps, des = orb.detectAndCompute(g8, None)
    if des is None or len(kps) < 2 * CM_MIN_MATCHES:
        return Signal(name, 0.0, COPY_MOVE_THRESHOLD, code, details={"keypoints": len(kps)})
    pts = np.array([k.pt for k in kps], np.float32)
    matches = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(des, des, k=4)
    pairs = np.array(
        [
            (m.queryIdx, m.trainIdx)
            for ms in matches
            for m in ms[1:]
            if m.distance <= CM_MAX_HAMMING
        ],
        np.int64,
    ).reshape(-1, 2)
    a, b = pts[pairs[:, 0]], pts[pairs[:, 1]]
    d = b - a
    keep = np.hypot(d[:, 0], d[:, 1]) >= CM_MIN_SHIFT
    a, b, d = a[keep], b[keep], d[keep]
    if not len(d):
        return Signal(name, 0.0, COPY_MOVE_THRESHOLD, code, details={"candidates": 0})
    # one direction per pair: the shift points right (or down)
    flip = (d[:, 0] < 0) | ((d[:, 0] == 0) & (d[:, 1] < 0))
    a = np.where(flip[:, None], b, a)
    d = np.where(flip[:, None], -d, d)
    arr = np.column_stack([np.round(d / 2) * 2, a]).astype(np.float64)
    keys, inv, counts = np.unique(arr[:, :2], axis=0, return_inverse=True, return_counts=True)
    inv = inv.ravel()
    h, w = grey.shape
    best_z, best_pair = 0.0, None
    tried = 0
    for ci in np.argsort(-counts)[:CM_CANDIDATES]:
        if counts[ci] < CM_MIN_MATCHES:
            break
        src = arr[inv == ci][:, 2:]
        x0, y0 = np.percentile(src, 5, axis=0)
        x1, y1 = np.percentile(src, 95, axis=0)
        if x1 - x0 > CM_MAX_EXTENT[0] or y1 - y0 > CM_MAX_EXTENT[1]:
            continue
        tried += 1
        sx0, sy0, sx1, sy1 = int(x0) - 4, int(y0) - 4, int(x1) + 5, int(y1) + 5
        dx, dy = int(keys[ci][0]), int(keys[ci][1])
        found = _verify_copy(grey, flat, page_var, (sx0, sy0, sx1, sy1), (dx, dy), (w, h))
        if found is not None and found[0] > best_z:
            best_z, best_pair = found
    score = squash(best_z, CM_Z_HALF, CM_Z_HIGH) if best_z > 0 else 0.0
    regions: tuple[Box, ...] = ()
    heat = np.zeros((max(1, h // 16), max(1, w // 16)))
    if best_pair is not None and score > 0:
        regions = best_pair
        for bx, by, bw, bh in best_pair:
            heat[by // 16 : (by + bh) // 16 + 1, bx // 16 : (bx + bw) // 16 + 1] = best_z
    return Signal(
        name,
        score,
        COPY_MOVE_THRESHOLD,
        code,
        regions=regions,
        heatmap=heatmap_from_blocks(heat, img.bgr.shape),
        details={"pageNoiseVar": page_var, "bestZ": best_z, "groupsVerified": tried},
    )


def _verify_copy(
    grey: npt.NDArray[np.float32],
    flat: npt.NDArray[np.bool_],
    page_var: float,
    box: tuple[int, int, int, int],
    shift: tuple[int, int],
    size: tuple[int, int],
) -> tuple[float, tuple[Box, Box]] | None:
    """Does the paper noise between the matched glyphs move with them? (z, (source, target))."""
    w, h = size
    sx0, sy0, sx1, sy1 = max(0, box[0]), max(0, box[1]), min(w, box[2]), min(h, box[3])
    bw, bh = sx1 - sx0, sy1 - sy0
    if bw < 8 or bh < 8:
        return None
    best: tuple[float, int, int] | None = None
    p1 = grey[sy0:sy1, sx0:sx1]
    for ox in range(-1, 2):
        for oy in range(-1, 2):
            tx, ty = sx0 + shift[0] + ox, sy0 + shift[1] + oy
            if tx < 0 or ty < 0 or tx + bw > w or ty + bh > h:
                continue
            e = float(np.median((p1 - grey[ty : ty + bh, tx : tx + bw]) ** 2))
            if best is None or e < best[0]:
                best = (e, tx, ty)
    if best is None:
        return None
    _, tx, ty = best
    p2 = grey[ty : ty + bh, tx : tx + bw]
    both = flat[sy0:sy1, sx0:sx1] & flat[ty : ty + bh, tx : tx + bw]
    nflat = int(both.sum())
    if nflat < CM_MIN_FLAT_PX:
        return None
    # high-pass both sides so that lighting gradients do not count as noise differences
    r1 = p1 - cv2.GaussianBlur(p1, (0, 0), 1.5)
    r2 = p2 - cv2.GaussianBlur(p2, (0, 0), 1.5)
    diff_var = float(np.mean((r1 - r2)[both] ** 2))
    own_var = float(np.mean(r1[both] ** 2) + np.mean(r2[both] ** 2))
    if own_var < 2 * CM_MIN_NOISE_VAR:  # no noise here to have been copied
        return None
    ratio = diff_var / own_var
    z = (1.0 - ratio) * math.sqrt(nflat)
    return z, ((sx0, sy0, bw, bh), (tx, ty, bw, bh))


# -- splice: JPEG grid phase ------------------------------------------------------------------
def _grid_energy(grey: npt.NDArray[np.float32], win: int) -> tuple[FloatMap, FloatMap]:
    """Per window: blockiness on the page's 8x8 grid, and on the strongest shifted grid.

    Blockiness at phase p: the mean jump across pixel columns (rows) p|p+1 (mod 8)
    beyond the jumps beside it; JPEG's own grid is phase 7|0.
    """
    dx = np.abs(np.diff(grey, axis=1))
    dy = np.abs(np.diff(grey, axis=0))
    bx = np.zeros_like(grey)
    by = np.zeros_like(grey)
    # bx[:, k] is the boundary between columns k and k+1
    bx[:, 1:-2] = np.maximum(dx[:, 1:-1] - 0.5 * (dx[:, :-2] + dx[:, 2:]), 0)
    by[1:-2, :] = np.maximum(dy[1:-1, :] - 0.5 * (dy[:-2, :] + dy[2:, :]), 0)
    h, w = grey.shape
    hh, ww = h // win, w // win
    if hh == 0 or ww == 0:
        return np.zeros((hh, ww)), np.zeros((hh, ww))
    cx = bx[: hh * win, : ww * win].reshape(hh, win, ww, win // 8, 8).mean(axis=(1, 3))
    cy = by[: hh * win, : ww * win].reshape(hh, win // 8, 8, ww, win).mean(axis=(1, 4))
    cy = cy.transpose(0, 2, 1)  # (hh, ww, 8)
    on = cx[..., 7] + cy[..., 7]
    off = cx[..., :7].max(axis=-1) + cy[..., :7].max(axis=-1)
    return np.asarray(on, np.float64), np.asarray(off, np.float64)


def splice(img: ImageInput) -> Signal:
    """Windows whose JPEG grid is shifted from the page's (a piece pasted from another JPEG)."""
    name, code = "splice", ReasonCode.SPLICE_SUSPECTED
    if not img.is_jpeg:
        return not_applicable(name, SPLICE_THRESHOLD, code, "not a JPEG")
    grey = _grey(img)
    on, off = _grid_energy(grey, SPLICE_WINDOW)
    evidence = (off + 0.1) / (on + 0.1)
    valid = off >= SPLICE_MIN_BLOCKINESS
    strength = np.where(valid, evidence, 0.0)
    page = float(np.median(evidence[np.isfinite(evidence)])) if evidence.size else 1.0
    rel = strength / max(page, 0.5)
    mask = valid & (rel >= SPLICE_PHASE_RATIO_HALF)
    mask &= ~_touches_border(mask)
    best = float(rel[mask].max()) if mask.any() else 0.0
    return Signal(
        name,
        squash(best, SPLICE_PHASE_RATIO_HALF, SPLICE_PHASE_RATIO_HIGH) if best > 0 else 0.0,
        SPLICE_THRESHOLD,
        code,
        regions=regions_from_blocks(mask, SPLICE_WINDOW, img.bgr.shape, rel),
        heatmap=heatmap_from_blocks(np.where(valid, rel, 0.0), img.bgr.shape),
        details={"pageGridRatio": page, "maxWindowRatio": best},
    )


# -- font / text consistency ----------------------------------------------------------------
@dataclass(frozen=True)
class _Word:
    box: Box
    sharp: float  # max gradient / ink contrast (1 / edge width)
    stroke: float  # stroke width / word height
    contrast: float  # background - ink, grey levels


def _words(grey: npt.NDArray[np.float32], boxes: list[Box] | None) -> list[_Word]:
    g8 = np.clip(grey, 0, 255).astype(np.uint8)
    bg = cv2.medianBlur(g8, 31).astype(np.float32)
    ink = (bg - grey) > 28
    if boxes is None:
        joined = cv2.dilate(ink.astype(np.uint8), np.ones((3, 9), np.uint8))
        n, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
        boxes = [tuple(int(v) for v in stats[i, :4]) for i in range(1, n)]  # type: ignore[misc]
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1)
    grad = np.sqrt(gx * gx + gy * gy) / 8.0
    out: list[_Word] = []
    for x, y, w, h in boxes:
        if not (FONT_MIN_H <= h <= FONT_MAX_H) or w < h or w > 40 * h:
            continue
        m = ink[y : y + h, x : x + w]
        area = int(m.sum())
        if area < 20:
            continue
        patch = grey[y : y + h, x : x + w]
        paper = float(np.median(bg[y : y + h, x : x + w]))
        dark = float(np.percentile(patch[m], 10))
        contrast = paper - dark
        if contrast < 30:
            continue
        sharp = float(np.percentile(grad[y : y + h, x : x + w], 98)) / contrast
        edges = cv2.morphologyEx(m.astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
        perimeter = max(1.0, float(edges.sum()) / 2.0)
        stroke = area / perimeter / h
        out.append(_Word((x, y, w, h), sharp, stroke, contrast))
    return out


def font_inconsistency(img: ImageInput, text_boxes: list[Box] | None = None) -> Signal:
    """Words whose edge sharpness or stroke differs from the page's words of the same size.

    ``text_boxes``: word or line boxes from OCR (x, y, w, h); found from the ink when None.
    """
    name, code = "font_inconsistency", ReasonCode.FONT_INCONSISTENT
    grey = _grey(img)
    words = _words(grey, text_boxes)
    if len(words) < FONT_MIN_WORDS:
        return not_applicable(name, FONT_THRESHOLD, code, f"{len(words)} words")
    heights = np.array([wd.box[3] for wd in words], np.float64)
    feats = np.array([[math.log(wd.sharp), math.log(wd.stroke)] for wd in words])
    zs = np.zeros(len(words))
    for k, wd in enumerate(words):
        peers = np.abs(np.log(heights / wd.box[3])) < 0.25
        peers[k] = False
        if peers.sum() < FONT_MIN_WORDS // 2:
            continue
        ref = feats[peers]
        med = np.median(ref, axis=0)
        mad = np.median(np.abs(ref - med), axis=0) * 1.4826 + np.array([0.05, 0.05])
        zs[k] = float(np.max(np.abs((feats[k] - med) / mad)))
    order = np.argsort(-zs)
    best = float(zs[order[0]])
    score = squash(best, FONT_Z_HALF, FONT_Z_HIGH)
    flagged = [words[int(i)].box for i in order[:3] if zs[int(i)] >= FONT_Z_HALF]
    h, w = grey.shape
    heat = np.zeros((max(1, h // 16), max(1, w // 16)))
    for k, wd in enumerate(words):
        x, y, bw, bh = wd.box
        heat[y // 16 : (y + bh) // 16 + 1, x // 16 : (x + bw) // 16 + 1] = max(0.0, zs[k])
    return Signal(
        name,
        score,
        FONT_THRESHOLD,
        code,
        regions=tuple(flagged),
        heatmap=heatmap_from_blocks(heat, img.bgr.shape),
        details={"words": len(words), "maxWordZ": best},
    )


# -- portrait ---------------------------------------------------------------------------------
def portrait_substitution(img: ImageInput, portrait_box: Box | None) -> Signal:
    """Does the portrait carry the same capture traces as the page around it?"""
    name, code = "portrait_substitution", ReasonCode.PORTRAIT_SUBSTITUTED
    if portrait_box is None:
        return not_applicable(name, PORTRAIT_THRESHOLD, code, "no portrait box")
    x, y, w, h = portrait_box
    ih, iw = img.bgr.shape[:2]
    if w < 32 or h < 32 or x < 0 or y < 0 or x + w > iw or y + h > ih:
        return not_applicable(name, PORTRAIT_THRESHOLD, code, "portrait box outside the image")
    grey = _grey(img)
    b = 8
    sigma = noise_map(grey, b)
    inner = sigma[(y + 4) // b : (y + h - 4) // b, (x + 4) // b : (x + w - 4) // b]
    ring_w = max(16, int(min(w, h) * PORTRAIT_RING))
    ry0, ry1 = max(0, (y - ring_w) // b), min(sigma.shape[0], (y + h + ring_w) // b)
    rx0, rx1 = max(0, (x - ring_w) // b), min(sigma.shape[1], (x + w + ring_w) // b)
    ring = sigma[ry0:ry1, rx0:rx1].copy()
    ring[
        max(0, y // b - ry0) : (y + h) // b - ry0 + 1, max(0, x // b - rx0) : (x + w) // b - rx0 + 1
    ] = np.nan
    measures: dict[str, float] = {}
    parts: list[float] = []
    if np.isfinite(inner).sum() >= 6 and np.isfinite(ring).sum() >= 6:
        nr = math.log((np.nanmedian(inner) + NOISE_FLOOR) / (np.nanmedian(ring) + NOISE_FLOOR))
        measures["noiseLogRatio"] = nr
        parts.append(squash(abs(nr), PORTRAIT_NOISE_HALF, PORTRAIT_NOISE_HIGH))
    if img.is_jpeg:
        llr, used = _dq_llr(img)
        if len(used) >= DQ_MIN_FREQUENCIES:
            inside = llr[(y + 8) // 8 : (y + h - 8) // 8, (x + 8) // 8 : (x + w - 8) // 8]
            mean_in = float(inside.mean()) if inside.size else 0.0
            measures["doubleJpegLlrPerBlock"] = mean_in
            parts.append(squash(mean_in, 0.5, 1.5))
        on, off = _grid_energy(grey[y : y + h, x : x + w], 32)
        if on.size:
            ratio = float(np.median((off + 0.1) / (on + 0.1)))
            measures["gridRatio"] = ratio
            valid = float(np.median(off)) >= SPLICE_MIN_BLOCKINESS
            parts.append(squash(ratio, 2.0, 4.0) if valid else 0.0)
    score = max(parts) if parts else 0.0
    heat = np.zeros((max(1, ih // 16), max(1, iw // 16)))
    heat[y // 16 : (y + h) // 16 + 1, x // 16 : (x + w) // 16 + 1] = score
    return Signal(
        name,
        score,
        PORTRAIT_THRESHOLD,
        code,
        regions=(portrait_box,) if score >= PORTRAIT_THRESHOLD else (),
        heatmap=heatmap_from_blocks(heat, img.bgr.shape),
        details=measures,
    )


# -- recapture ------------------------------------------------------------------------------
def _peak_db(chan: npt.NDArray[np.float32]) -> tuple[float, float]:
    """Strongest isolated spectral peak in the recapture band (dB over local median), period."""
    n = chan.shape[0]
    win = np.outer(np.hanning(n), np.hanning(n)).astype(np.float32)
    spec = np.abs(np.fft.fftshift(np.fft.fft2((chan - chan.mean()) * win)))
    logs = np.log10(spec + 1e-3).astype(np.float32) * 10.0
    local = cv2.medianBlur(np.clip(logs + 60, 0, 255).astype(np.uint8), 9).astype(np.float32) - 60
    excess = logs - local
    yy, xx = np.mgrid[0:n, 0:n]
    fr = np.hypot(yy - n / 2, xx - n / 2) / n  # cycles per pixel
    band = (fr >= 1 / RC_MAX_PERIOD) & (fr <= 1 / RC_MIN_PERIOD)
    if not band.any():
        return 0.0, 0.0
    idx = np.argmax(np.where(band, excess, -1e9))
    f = float(fr.ravel()[idx])
    return float(excess.ravel()[idx]), (1.0 / f if f > 0 else 0.0)


def recapture(img: ImageInput) -> tuple[Signal, Signal]:
    """Screen (LCD subpixel moiré, colour) and print (halftone, luminance) recapture signals."""
    h, w = img.bgr.shape[:2]
    side = min(RC_SIDE, h // 2 * 2, w // 2 * 2)
    if side < 128:
        return (
            not_applicable(
                "screen_recapture", SCREEN_THRESHOLD, ReasonCode.SCREEN_RECAPTURE, "small"
            ),
            not_applicable("print_recapture", PRINT_THRESHOLD, ReasonCode.PRINT_RECAPTURE, "small"),
        )
    y0, x0 = (h - side) // 2, (w - side) // 2
    crop = img.bgr[y0 : y0 + side, x0 : x0 + side].astype(np.float32)
    b, g, r = crop[..., 0], crop[..., 1], crop[..., 2]
    luma = 0.299 * r + 0.587 * g + 0.114 * b
    chroma = r - g  # LCD stripes put red and green side by side
    luma_db, luma_period = _peak_db(luma)
    chroma_db, chroma_period = _peak_db(chroma)
    screen_score = squash(chroma_db, RC_PEAK_HALF, RC_PEAK_HIGH)
    print_score = squash(luma_db, RC_PEAK_HALF, RC_PEAK_HIGH)
    # one cause, one code: colour-led periodicity is a screen, luminance-led a print
    if chroma_db >= luma_db * (1 + RC_CHROMA_SHARE) and chroma_db > 0:
        print_score = min(print_score, screen_score * 0.5)
    else:
        screen_score = min(screen_score, print_score * 0.5)
    box = (x0, y0, side, side)
    details = {
        "lumaPeakDb": luma_db,
        "lumaPeriodPx": luma_period,
        "chromaPeakDb": chroma_db,
        "chromaPeriodPx": chroma_period,
    }
    return (
        Signal(
            "screen_recapture",
            screen_score,
            SCREEN_THRESHOLD,
            ReasonCode.SCREEN_RECAPTURE,
            regions=(box,) if screen_score >= SCREEN_THRESHOLD else (),
            details=details,
        ),
        Signal(
            "print_recapture",
            print_score,
            PRINT_THRESHOLD,
            ReasonCode.PRINT_RECAPTURE,
            regions=(box,) if print_score >= PRINT_THRESHOLD else (),
            details=details,
        ),
    )


def analyse_image(
    img: ImageInput, portrait_box: Box | None = None, text_boxes: list[Box] | None = None
) -> list[Signal]:
    """Every pixel signal for one image, in a fixed order."""
    screen, printed = recapture(img)
    return [
        error_level(img),
        double_compression(img),
        noise_inconsistency(img, exclude=portrait_box),
        copy_move(img),
        splice(img),
        font_inconsistency(img, text_boxes),
        portrait_substitution(img, portrait_box),
        screen,
        printed,
    ]

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
- :func:`noise_inconsistency` (experimental, weight 0): sensor/paper noise (high-pass
  residual on flat pixels) per block against its neighbourhood: painted-over areas are
  too clean, pasted pieces from another capture too clean or too noisy. Weak: a JPEG
  re-save erases paper noise unevenly, so a genuine upload cropped in a gallery app and
  saved again trips it (14% of 120 re-encoded dev uploads) about as often as a forgery
  does (ROC AUC 0.46-0.65 per field attack against untouched uploads, 0.42 on portrait
  swaps, session 9).
- :func:`copy_move` (experimental, weight 0): ORB keypoints matched within the image, grouped by a
  common shift; a group is a copy only if the *paper noise* between the
  glyphs moved along with them: two identically printed strings (repeated
  labels, the same year in two dates) match in their ink, never in their
  noise. Inconclusive (score 0) on images without measurable noise (heavy
  blur or JPEG), where a copy cannot be told from a repeat. Weak: on the generated
  set (ROC AUC about 0.5) the few digits a forger moves leave too few flat pixels
  between the glyphs, and the editor's JPEG re-save (quality 70-95, on another 8x8 grid
  phase than the source) replaces the copied paper noise by its own errors.
- :func:`splice` (experimental, weight 0): JPEG 8x8 grid phase per window (a piece
  pasted from another JPEG keeps its own grid). Weak: a donor piece resized to fit loses
  its grid, and genuine pages with strong print structure show shifted-grid windows too.
- :func:`font_inconsistency` (experimental, weight 0): words found as ink components; per word the
  edge sharpness, stroke width relative to height and ink contrast, against
  the words of the same height on the page: a value re-typed in another font
  or drawn after the capture stands out. Weak: generated templates mix fonts and
  weights legitimately, so a genuine page has outlier words as often as a retyped one.
- :func:`portrait_substitution`: the printed photo's frame is found around the given box
  (the face detector's box, or the photo's); inside it against the ring around it:
  noise level, double-JPEG evidence, and the seam a paste leaves some pixels inside the
  frame, at any inset (the grid phase is reported, not scored).
- ``local_edits`` (:mod:`models.fraud.edits`): a learned detector over 32 x 32 windows
  (their noise, texture, sharpness, JPEG grid and double-JPEG evidence against the page
  and their neighbours), trained on generated forgeries; run when the caller passes the
  trained model (the served model always does).
- :func:`recapture`: periodic structure shared by the whole page in the frequency
  domain (five tiles; per frequency the peak most tiles show): an LCD's pixel grid
  or a print's halftone covers the page, a genuine document's fine patterns are
  local. A fine period or colour in the peak says screen, else print.

:func:`analyse_image` runs them all (``experimental=False`` leaves out the
:data:`EXPERIMENTAL` ones). Intermediate results several signals need (grey image,
noise maps, double-JPEG evidence) are computed once per :class:`ImageInput`. Pure
functions; no I/O; input size is bounded by :data:`MAX_PIXELS`.
"""

from __future__ import annotations

import io
import itertools
import math
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from models.fraud.edits import EditModel, local_edits, window_features
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
_T = TypeVar("_T")

MAX_PIXELS = 40_000_000
MAX_BYTES = 50 * 1024 * 1024

# -- thresholds (score at or above = triggered) -------------------------------------------
# Set at about the 98th percentile of each score on 110 generated genuine uploads
# (tools.tampergen, seeds 4,000,000+, every capture condition); the evaluation uses
# other seeds (5,000,000+). 0.999 marks a signal that is not yet reliable on genuine
# documents (it fires on repeated print, guilloche or text styles): reported, weight 0
# by default (:data:`EXPERIMENTAL`). Recapture: the genuine maximum on the dev set
# (seeds 4,000,000+, 90 genuine uploads) scored 0.36; 0.8 needs a page-wide peak of 10.9.
ELA_THRESHOLD = 0.85
DQ_THRESHOLD = 0.75
NOISE_THRESHOLD = 0.8
COPY_MOVE_THRESHOLD = 0.999
SPLICE_THRESHOLD = 0.999
FONT_THRESHOLD = 0.999
PORTRAIT_THRESHOLD = 0.6
SCREEN_THRESHOLD = 0.8
PRINT_THRESHOLD = 0.8

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
CM_FEATURES = 600
CM_MAX_HAMMING = 40
CM_MIN_SHIFT = 12.0
CM_MIN_MATCHES = 4
CM_CANDIDATES = 10
CM_MAX_EXTENT = (320, 160)  # a moved group is a few characters, not half a page
CM_MIN_FLAT_PX = 60
CM_MIN_NOISE_VAR = 0.25  # below this the page has no noise to compare: inconclusive
CM_Z_HALF = 6.0  # (1 - noise ratio) * sqrt(flat px) at score 0.5
CM_Z_HIGH = 12.0

# splice (grid phase, sharpness)
SPLICE_WINDOW = 64
SPLICE_MIN_BLOCKINESS = 1.0  # grey levels: windows below carry no grid evidence
# window's off-grid over on-grid blockiness, over the page's, at score 0.5: the 98th
# percentile on the dev genuine uploads (43), so that a genuine page rarely scores high
SPLICE_PHASE_RATIO_HALF = 45.0
SPLICE_PHASE_RATIO_HIGH = 90.0

# font
FONT_MIN_H, FONT_MAX_H = 9, 80  # word heights (px) analysed
FONT_MIN_WORDS = 8
FONT_Z_HALF = 25.0  # the 98th percentile of the page's top word z on dev genuine uploads
FONT_Z_HIGH = 35.0

# portrait
PORTRAIT_RING = 0.25  # ring width around the box, share of the box's short side
PORTRAIT_NOISE_HALF = 0.9  # |log noise ratio| inside vs outside at score 0.5
PORTRAIT_NOISE_HIGH = 1.6
PORTRAIT_DQ_HALF = 0.5  # mean double-JPEG LLR per block inside the box at score 0.5
PORTRAIT_DQ_HIGH = 1.5
# The frame: production passes the face detector's box, a tight box around the face inside
# the printed photo, so the photo's edges (where it meets the card) are searched outwards
# from it. ID photos put the face roughly centred, in the upper middle: the photo reaches
# about 0.5-0.9 face sizes beyond the face box at the sides and top and up to ~1.5 below.
PORTRAIT_FRAME_REACH = 1.5  # face sizes searched outwards at the sides and top
PORTRAIT_FRAME_REACH_BELOW = 2.0  # and below
PORTRAIT_FRAME_INSIDE = 6  # px searched inside the box (a frame box's edge is on its border)
PORTRAIT_FRAME_REFINE = 8  # px around the first estimate searched again along the photo
# grey levels (median step along a side): weaker is no photo edge; low, as a phone capture
# blurs a thin frame line down to ~15
PORTRAIT_FRAME_MIN_STEP = 8.0
# refining a side: steps this close to the strongest compete and the innermost wins (a
# header band just beyond the photo); close to 1 so that a paste's edge just inside a
# faint frame rarely wins
PORTRAIT_FRAME_SHARE = 0.9
PORTRAIT_LINE_MAX = 4  # px: a printed frame line is this thin at most
PORTRAIT_LINE_SHARE = 0.3  # a line's outer step against its inner step, at least
PORTRAIT_FRAME_ASPECT = (0.9, 1.6)  # photo height over width (ID photos: about 1.3)
# opposite edges this close to the strongest pair compete and the tightest pair wins: a
# header band, a machine-readable zone or the card's edge beyond the photo can be stronger
PORTRAIT_FRAME_PAIR_SHARE = 0.7
PORTRAIT_FRAME_CENTRE = 0.15  # the face's centre off the photo's, share of its width
# The seam: a portrait pasted a few pixels inside the photo (the frame line stays) leaves
# a jump between the last original and the first pasted pixel rows/columns, even with a
# feathered edge. A forger chooses the inset, so every inset up to PORTRAIT_SEAM_MAX_INSET
# from the frame's outer edge is tried: per side, the jump into that line against the
# larger of the jumps one line outside and two lines inside it (a blurred frame's falling
# edge or the face's own edges do not peak there; at a JPEG block boundary also the jump
# one block deeper), the log ratios summed over the four sides (a pasted rectangle shows
# on all of them). The best inset is the frame line's own inner edge, so the score is the
# second best, away from it. Dev (seeds 4,000,000+, face-detector boxes): genuine at most
# 0.87 (79 pages with a found face), swaps median 2.3.
PORTRAIT_SEAM_MAX_INSET = 16  # the frame's line, then up to ~12 px
PORTRAIT_SEAM_FLOOR = 0.2  # grey levels added to each mean jump
# a phone capture tilts the frame by a pixel or two along a side: each side is read in
# segments, each shifted (up to PORTRAIT_SEAM_ALIGN px) onto the side's mean frame profile
PORTRAIT_SEAM_SEGMENTS = 4
PORTRAIT_SEAM_ALIGN = 3
PORTRAIT_SEAM_HALF = 1.2  # summed log jump ratio at score 0.5
PORTRAIT_SEAM_HIGH = 2.2

# recapture
RC_TILE = 256  # analysed tiles (pixels); five of them over the page
RC_TILE_CENTRES = ((0.5, 0.5), (0.3, 0.3), (0.3, 0.7), (0.7, 0.3), (0.7, 0.7))  # (y, x) shares
RC_MIN_TILES = 3
RC_MIN_PERIOD = 2.2  # px: the band where screens and halftones show
RC_MAX_PERIOD = 12.0
RC_SPREAD = 7  # bins: a peak may move this much between tiles (perspective)
RC_PEAK_HALF = 9.0  # page-wide peak over local spectrum median (dB-like) at score 0.5
RC_PEAK_HIGH = 12.0
# screen or print? a screen's pixel pitch is finer, and its subpixels put colour in the peak
RC_SCREEN_MAX_PERIOD = 2.75  # px: a peak this fine is a screen's pixel grid
RC_SCREEN_CHROMA_GAP = -3.0  # dB: chroma peak this close to the luma peak: a screen...
RC_SCREEN_CHROMA_MAX_PERIOD = 4.3  # ... when the period is short enough for a pixel pitch
RC_CHROMA_MIN_DB = 8.0  # below this luma evidence (score < 0.33) colour is not measured


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
    # intermediate results shared by the signals (grey image, noise map, DQ evidence)
    _cache: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)
    _locks: dict[str, threading.Lock] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    _guard: threading.Lock = field(
        default_factory=threading.Lock, init=False, compare=False, repr=False
    )

    @property
    def is_jpeg(self) -> bool:
        return self.quant is not None and self.luma is not None

    def shared(self, key: str, compute: Callable[[], _T]) -> _T:
        """``compute()`` once per image and key, also when signals run on several threads.

        A second caller of the same key blocks until the first has computed it (one lock
        per key, so different intermediates are computed in parallel). The value is
        shared: callers copy before they edit it.
        """
        if key in self._cache:
            return self._cache[key]  # type: ignore[no-any-return]
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._cache:
                self._cache[key] = compute()
            return self._cache[key]  # type: ignore[no-any-return]


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
def _grey8(img: ImageInput) -> npt.NDArray[np.uint8]:
    g = img.shared("grey8", lambda: cv2.cvtColor(img.bgr, cv2.COLOR_BGR2GRAY))
    return np.asarray(g, np.uint8)


def _grey(img: ImageInput) -> npt.NDArray[np.float32]:
    return np.asarray(img.shared("grey", lambda: _grey8(img).astype(np.float32)), np.float32)


def _noise(img: ImageInput, block: int) -> FloatMap:
    """:func:`noise_map` of the image, computed once per block size (a copy)."""
    m = img.shared(f"noise{block}", lambda: noise_map(_grey(img), block))
    return np.array(m, np.float64)


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
_DCT32 = _DCT.astype(np.float32)
_ZIGZAG = sorted(
    ((i, j) for i in range(8) for j in range(8)),
    key=lambda p: (p[0] + p[1], p[1] if (p[0] + p[1]) % 2 else p[0]),
)


def _block_dct(y: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """8x8 orthonormal DCT of every block: shape (H/8, W/8, 8, 8)."""
    h, w = y.shape
    hh, ww = h // 8, w // 8
    # two batched matrix products (float32: ample for quantisation bins of 1 and more)
    a = np.ascontiguousarray(y[: hh * 8, : ww * 8], np.float32).reshape(hh, 8, ww * 8)
    t = (_DCT32 @ a).reshape(hh, 8, ww, 8)  # rows of every block: (hh, k, ww, j)
    c = t @ _DCT32.T  # columns: (hh, k, ww, l)
    return np.asarray(c.transpose(0, 2, 1, 3), np.float64)


# -- ELA ----------------------------------------------------------------------------------------
def error_level(img: ImageInput) -> Signal:
    """Error-level analysis at the file's own quality, normalised by block activity."""
    name, code = "error_level", ReasonCode.TAMPERING_SUSPECTED
    if not img.is_jpeg or img.quality is None:
        return not_applicable(name, ELA_THRESHOLD, code, "not a JPEG")
    grey = _grey8(img)
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


@lru_cache(maxsize=512)
def _reach_table(q2: float, maxv: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Candidate first steps q1 (all but q2 itself) and their :func:`_reach_counts` rows."""
    q1s = np.array([q for q in range(1, int(3 * q2) + 2) if q != int(q2)], np.int64)
    table = np.stack([_reach_counts(float(q), q2, maxv) for q in q1s])
    table.setflags(write=False)
    q1s.setflags(write=False)
    return q1s, table


def _dq_llr(img: ImageInput) -> tuple[FloatMap, list[tuple[int, int, int, int]]]:
    """Per 8x8 block, summed log-likelihood ratio "single vs double compressed" (> 0: single).

    Computed once per image (the portrait check reuses it).
    """
    llr, used = img.shared("dq", lambda: _dq_llr_compute(img))
    return np.array(llr, np.float64), list(used)  # a copy: callers may edit it


def _dq_llr_compute(img: ImageInput) -> tuple[FloatMap, list[tuple[int, int, int, int]]]:
    assert img.luma is not None and img.quant is not None
    y = img.luma
    mv = DQ_MAX_VALUE
    nbins = 2 * mv + 1
    freqs = _ZIGZAG[1 : 1 + DQ_FREQUENCIES]
    fi = np.array([i for i, _ in freqs])
    fj = np.array([j for _, j in freqs])
    q2s = img.quant[fi, fj].astype(np.float64)
    offsets = np.arange(len(freqs)) * nbins

    def quantised(coeffs: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        sel = coeffs[:, :, fi, fj] / q2s  # (hh, ww, frequencies)
        return np.asarray(np.clip(np.rint(sel), -mv, mv), np.int64) + mv

    c_all = quantised(_block_dct(y))
    # off-grid: the histogram without quantisation traces
    cc_all = quantised(_block_dct(y[4:, 4:]))
    shape = (len(freqs), nbins)
    counts = np.bincount((c_all + offsets).ravel(), minlength=nbins * len(freqs))
    hobs_all = counts.reshape(shape).astype(np.float64)
    counts = np.bincount((cc_all + offsets).ravel(), minlength=nbins * len(freqs))
    h1_all = counts.reshape(shape).astype(np.float64) + 0.5
    llr = np.zeros(c_all.shape[:2])
    used: list[tuple[int, int, int, int]] = []
    for f, (i, j) in enumerate(freqs):
        q2 = float(q2s[f])
        hobs = hobs_all[f]
        nonzero = hobs.sum() - hobs[mv]
        if nonzero < DQ_MIN_COEFFS:
            continue
        h1 = h1_all[f] / h1_all[f].sum()
        base = float((hobs * np.log(h1)).sum())
        q1s, table = _reach_table(q2, mv)
        p = table * h1
        p = np.maximum(p / p.sum(axis=1, keepdims=True), 1e-6)
        gains = np.log(p) @ hobs - base
        k = int(np.argmax(gains))
        best_gain, best_q1 = float(gains[k]), int(q1s[k])
        if best_gain <= 0.0 or best_gain < DQ_MIN_GAIN_PER_COEFF * nonzero:
            continue
        ratio = np.maximum(table[k] / (q2 / best_q1), 0.05)
        llr += -np.log(ratio)[c_all[:, :, f]]
        used.append((i, j, int(q2), best_q1))
    return llr, used


def dq_evidence(img: ImageInput) -> FloatMap | None:
    """The per-block double-quantisation LLR map, or None (not a JPEG, or too few
    frequencies carry a first quantisation to estimate)."""
    if not img.is_jpeg:
        return None
    llr, used = _dq_llr(img)
    return llr if len(used) >= DQ_MIN_FREQUENCIES else None


def edit_features(img: ImageInput) -> npt.NDArray[np.float32]:
    """The learned detector's window features of a decoded upload
    (:func:`models.fraud.edits.window_features`, with this image's DQ evidence)."""
    return window_features(img.bgr, img.quality, dq_evidence(img))


def local_edits_of(img: ImageInput, model: EditModel | None) -> Signal:
    """The ``local_edits`` signal of a decoded upload (:func:`models.fraud.edits.local_edits`
    with this image's DQ evidence, which ``double_compression`` shares).

    The DQ map is asked for after the detector's pixel pass: in :func:`analyse_image`'s
    pool, ``double_compression`` computes it on the other thread meanwhile, which takes
    it off the longest chain of work."""
    return local_edits(img.bgr, img.quality, lambda: dq_evidence(img), model)


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
    sigma = _noise(img, NOISE_BLOCK)
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
    # the page's noise variance on flat pixels, from every other row and column (an estimate)
    res = (grey - smooth)[::2, ::2]
    sub = flat[::2, ::2]
    n = int(np.count_nonzero(sub))
    var = float(np.sum(res * res * sub) / n) if n else 0.0
    return np.asarray(flat, np.bool_), var


def copy_move(img: ImageInput) -> Signal:
    """Regions copied within the image, told apart from repeated print by their noise."""
    name, code = "copy_move", ReasonCode.COPY_MOVE_DETECTED
    g8 = _grey8(img)
    grey = _grey(img)
    flat, page_var = _flat_noise(grey)
    if page_var < CM_MIN_NOISE_VAR:
        return not_applicable(name, COPY_MOVE_THRESHOLD, code, "no measurable noise")
    orb = cv2.ORB.create(
        nfeatures=CM_FEATURES, nlevels=3, edgeThreshold=15, patchSize=15, fastThreshold=10
    )
    kps, des = orb.detectAndCompute(g8, None)  # type: ignore[call-overload]  # stubs omit None
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
def _paper(grey: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Local paper brightness: a 31 px median, computed at a quarter of the resolution."""
    h, w = grey.shape
    f = 4
    small = cv2.resize(
        np.clip(grey, 0, 255).astype(np.uint8),
        (max(1, w // f), max(1, h // f)),
        interpolation=cv2.INTER_AREA,
    )
    med = cv2.medianBlur(small, 31 // f | 1)
    return np.asarray(cv2.resize(med, (w, h), interpolation=cv2.INTER_LINEAR), np.float32)


@dataclass(frozen=True)
class _Word:
    box: Box
    sharp: float  # max gradient / ink contrast (1 / edge width)
    stroke: float  # stroke width / word height
    contrast: float  # background - ink, grey levels


def _words(grey: npt.NDArray[np.float32], boxes: list[Box] | None) -> list[_Word]:
    bg = _paper(grey)
    ink = (bg - grey) > 28
    if boxes is None:
        joined = cv2.dilate(ink.astype(np.uint8), np.ones((3, 9), np.uint8))
        n, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
        boxes = [tuple(int(v) for v in stats[i, :4]) for i in range(1, n)]  # type: ignore[misc]
    gh, gw = grey.shape
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
        # gradient of the word only (1 px margin: the same values as on the whole image)
        y0, x0 = max(0, y - 1), max(0, x - 1)
        sub = grey[y0 : min(gh, y + h + 1), x0 : min(gw, x + w + 1)]
        gx = cv2.Sobel(sub, cv2.CV_32F, 1, 0)[y - y0 : y - y0 + h, x - x0 : x - x0 + w]
        gy = cv2.Sobel(sub, cv2.CV_32F, 0, 1)[y - y0 : y - y0 + h, x - x0 : x - x0 + w]
        grad = np.sqrt(gx * gx + gy * gy) / 8.0
        sharp = float(np.percentile(grad, 98)) / contrast
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
    """Does the portrait carry the same capture traces as the page around it?

    ``portrait_box`` may be the face detector's box of the portrait face or the printed
    photo's frame: the frame is searched around it (:func:`_portrait_frame`) and, when
    none is convincing, the box itself is taken as the photo's edge.
    """
    name, code = "portrait_substitution", ReasonCode.PORTRAIT_SUBSTITUTED
    if portrait_box is None:
        return not_applicable(name, PORTRAIT_THRESHOLD, code, "no portrait box")
    x, y, w, h = portrait_box
    ih, iw = img.bgr.shape[:2]
    if w < 32 or h < 32 or x < 0 or y < 0 or x + w > iw or y + h > ih:
        return not_applicable(name, PORTRAIT_THRESHOLD, code, "portrait box outside the image")
    grey = _grey(img)
    found = _portrait_frame(grey, portrait_box)
    measures: dict[str, float] = {"frameFound": float(found is not None)}
    if found is not None:
        x, y, w, h = found
    b = 8
    ring_w = max(16, int(min(w, h) * PORTRAIT_RING))
    # the noise map of the portrait and its ring only (block-aligned, with a margin so that
    # the filters see the same neighbours as on the whole image)
    cy0, cx0 = max(0, y - ring_w - 16) // b * b, max(0, x - ring_w - 16) // b * b
    cy1, cx1 = min(ih, y + h + ring_w + 24), min(iw, x + w + ring_w + 24)
    sub = noise_map(grey[cy0:cy1, cx0:cx1], b)
    sigma = np.full((ih // b, iw // b), np.nan)
    sigma[cy0 // b : cy0 // b + sub.shape[0], cx0 // b : cx0 // b + sub.shape[1]] = sub
    inner = sigma[(y + 4) // b : (y + h - 4) // b, (x + 4) // b : (x + w - 4) // b]
    ry0, ry1 = max(0, (y - ring_w) // b), min(sigma.shape[0], (y + h + ring_w) // b)
    rx0, rx1 = max(0, (x - ring_w) // b), min(sigma.shape[1], (x + w + ring_w) // b)
    ring = sigma[ry0:ry1, rx0:rx1].copy()
    ring[
        max(0, y // b - ry0) : (y + h) // b - ry0 + 1, max(0, x // b - rx0) : (x + w) // b - rx0 + 1
    ] = np.nan
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
            parts.append(squash(mean_in, PORTRAIT_DQ_HALF, PORTRAIT_DQ_HIGH))
        # reported only: a genuine page's print structure shifts the grid as often (AUC 0.64
        # on the dev set, and the cause of most false positives)
        on, off = _grid_energy(grey[y : y + h, x : x + w], 32)
        if on.size:
            measures["gridRatio"] = float(np.median((off + 0.1) / (on + 0.1)))
    seam = _portrait_seam(grey, x, y, w, h)
    measures["seamLogRatio"] = seam
    parts.append(squash(seam, PORTRAIT_SEAM_HALF, PORTRAIT_SEAM_HIGH))
    score = max(parts) if parts else 0.0
    heat = np.zeros((max(1, ih // 16), max(1, iw // 16)))
    heat[y // 16 : (y + h) // 16 + 1, x // 16 : (x + w) // 16 + 1] = score
    return Signal(
        name,
        score,
        PORTRAIT_THRESHOLD,
        code,
        regions=((x, y, w, h),) if score >= PORTRAIT_THRESHOLD else (),
        heatmap=heatmap_from_blocks(heat, img.bgr.shape),
        details=measures,
    )


def _side_lines(
    grey: npt.NDArray[np.float32], side: int, edge: int, out: int, inn: int, lo: int, hi: int
) -> tuple[npt.NDArray[np.float32], int]:
    """Lines parallel to one side (0 left, 1 right, 2 top, 3 bottom), outermost first.

    ``edge``: the side's outermost photo line (a column for left/right, a row for top/bottom);
    from ``out`` lines outside it to ``inn`` - 1 inside, each over ``lo:hi`` along the side
    (clipped to the image). Returns the lines and the index of ``edge`` among them.
    """
    ih, iw = grey.shape
    n = iw if side < 2 else ih
    inward = 1 if side in (0, 2) else -1
    out = max(0, min(out, edge if inward > 0 else n - 1 - edge))
    inn = max(1, min(inn, n - edge if inward > 0 else edge + 1))
    a, b = (edge - out, edge + inn) if inward > 0 else (edge - inn + 1, edge + out + 1)
    lines = grey[lo:hi, a:b].T if side < 2 else grey[a:b, lo:hi]
    return (lines if inward > 0 else lines[::-1]), out


def _edge_strength(lines: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """Per line i of ``lines`` (parallel lines, outermost first), how straight and strong an
    edge between lines i - 1 and i is: the median over the side of the step across five
    lines, which a slight tilt or blur of the frame survives and the face's or the photo's
    own curved edges do not."""
    n = lines.shape[0]
    out = np.zeros(n)
    if n >= 6:
        out[3 : n - 2] = np.abs(np.median(lines[5:] - lines[:-5], axis=1))
    return out


def _frame_edge(lines: npt.NDArray[np.float32]) -> int | None:
    """Index of the frame's outermost line among ``lines`` (parallel lines, outermost first).

    The frame is the innermost strong straight step (a header band or the card's edge just
    beyond it can be stronger); with a printed frame line, that is the line's inner step,
    and its outer step is returned.
    """
    n = lines.shape[0]
    strength = _edge_strength(lines)
    top = float(strength.max()) if n else 0.0
    if top < PORTRAIT_FRAME_MIN_STEP:
        return None
    c = int(np.flatnonzero(strength >= PORTRAIT_FRAME_SHARE * top).max())
    steps = np.diff(lines.mean(axis=1, dtype=np.float64))  # steps[i]: into line i + 1
    near = np.arange(max(0, c - 4), min(n - 1, c + 3))
    e = int(near[np.argmax(np.abs(steps[near]))])
    # a printed frame line: a ridge or valley, its outer step opposite to its inner one (a
    # blurred single edge only ramps one way)
    line = [
        i
        for i in range(max(1, e - PORTRAIT_LINE_MAX - 1), e - 1)
        if steps[i] * steps[e] < 0
        and abs(steps[i]) >= PORTRAIT_LINE_SHARE * abs(steps[e])
        and abs(steps[i]) >= max(abs(steps[i - 1]), abs(steps[i + 1]))
    ]
    if line:
        e = max(line, key=lambda i: abs(steps[i]))
    return e + 1


def _best_pair(
    a: npt.NDArray[np.float64],
    ca: npt.NDArray[np.int64],
    b: npt.NDArray[np.float64],
    cb: npt.NDArray[np.int64],
    ok: npt.NDArray[np.bool_],
) -> tuple[int, int] | None:
    """The coordinates (ca[i], cb[j]) of the strongest allowed pair of opposite edges."""
    if not a.size or not b.size:
        return None
    total = np.where(ok, a[:, None] + b[None, :], -1.0)
    weak = (a[:, None] < PORTRAIT_FRAME_MIN_STEP) | (b[None, :] < PORTRAIT_FRAME_MIN_STEP)
    total[weak] = -1.0
    best = float(total.max())
    if best < 0:
        return None
    # the tightest pair nearly as strong as the best: a header band or the card's edge
    # beyond the photo can be stronger than the photo's own edge
    span = np.abs(cb[None, :] - ca[:, None]).astype(np.float64)
    span[total < PORTRAIT_FRAME_PAIR_SHARE * best] = np.inf
    i, j = np.unravel_index(int(np.argmin(span)), span.shape)
    return int(ca[i]), int(cb[j])


def _portrait_frame(grey: npt.NDArray[np.float32], box: Box) -> Box | None:
    """The printed photo around ``box`` (a face inside it, or the photo itself), or None.

    Opposite sides are searched together, outwards from the box: left and right with the
    face about centred between them, then top and bottom photo-shaped for that width.
    Each side is then refined along the photo's own extent.
    """
    x, y, w, h = box
    edges = [x, x + w - 1, y, y + h - 1]
    reach = [
        round(PORTRAIT_FRAME_REACH * w),
        round(PORTRAIT_FRAME_REACH * w),
        round(PORTRAIT_FRAME_REACH * h),
        round(PORTRAIT_FRAME_REACH_BELOW * h),
    ]

    def candidates(side: int, lo: int, hi: int) -> tuple[npt.NDArray[np.float64], Any]:
        lines, at = _side_lines(
            grey, side, edges[side], reach[side], PORTRAIT_FRAME_INSIDE, max(0, lo), hi
        )
        sign = 1 if side in (0, 2) else -1
        return _edge_strength(lines), edges[side] + sign * (np.arange(lines.shape[0]) - at)

    sl, cl = candidates(0, y, y + h)
    sr, cr = candidates(1, y, y + h)
    width = cr[None, :] - cl[:, None] + 1
    off = np.abs((cl[:, None] + cr[None, :]) / 2 - (x + w / 2))
    lr = _best_pair(sl, cl, sr, cr, (width >= w) & (off <= PORTRAIT_FRAME_CENTRE * width))
    if lr is None:
        return None
    fw = lr[1] - lr[0] + 1
    st, ct = candidates(2, lr[0], lr[1] + 1)
    sb, cb = candidates(3, lr[0], lr[1] + 1)
    height = cb[None, :] - ct[:, None] + 1
    lo_a, hi_a = PORTRAIT_FRAME_ASPECT
    tb = _best_pair(st, ct, sb, cb, (height >= lo_a * fw) & (height <= hi_a * fw))
    if tb is None:
        return None
    edges = [lr[0], lr[1], tb[0], tb[1]]
    found: list[int] = []
    for side in range(4):
        a, b = (edges[2], edges[3] + 1) if side < 2 else (edges[0], edges[1] + 1)
        m = (b - a) // 10
        r = PORTRAIT_FRAME_REFINE
        # few lines inside: a paste's edge just inside the frame can be the stronger one
        lines, at = _side_lines(grey, side, edges[side], r, r + 1, a + m, b - m)
        i = _frame_edge(lines)
        if i is None:
            return None
        found.append(edges[side] + (i - at) * (1 if side in (0, 2) else -1))
    x0, x1, y0, y1 = found
    fw, fh = x1 - x0 + 1, y1 - y0 + 1
    holds = x0 <= x + w // 5 and x1 >= x + w - w // 5 and y0 <= y + h // 5 and y1 >= y + h - h // 5
    if fw < 32 or fh < 32 or not holds:
        return None
    return (x0, y0, fw, fh)


def _portrait_seam_ratios(
    grey: npt.NDArray[np.float32], x: int, y: int, w: int, h: int
) -> npt.NDArray[np.float64]:
    """Per side (rows) and inset k = 1..PORTRAIT_SEAM_MAX_INSET (columns), the log ratio of
    the jump between the lines k-1 and k px inside the photo over its neighbours' jumps.

    The neighbours are the jumps one line outside and two lines inside (a blurred or
    feathered seam spreads over two lines); only the middle of each side, away from the
    corners, is read.
    """
    kmax = PORTRAIT_SEAM_MAX_INSET
    m = max(4, min(w, h) // 8)
    edges = [x, x + w - 1, y, y + h - 1]
    out = np.zeros((4, kmax))
    slack = PORTRAIT_SEAM_ALIGN
    pad = slack + 1  # lines read outside the frame's edge
    need = pad + kmax + 3 + 8 + slack  # the lines one JPEG block deeper too
    frame = np.arange(pad - 1, pad + PORTRAIT_LINE_MAX + 1)  # steps into the frame's lines
    k = np.arange(1, kmax + 1)
    for side in range(4):
        lo, hi = (y + m, y + h - m) if side < 2 else (x + m, x + w - m)
        cuts = np.linspace(lo, hi, PORTRAIT_SEAM_SEGMENTS + 1).astype(int)
        steps, jumps = [], []
        for a, b in itertools.pairwise(cuts):
            lines, at = _side_lines(grey, side, edges[side], pad, need - pad, a, b)
            lines = lines.astype(np.float64)
            if at < pad or lines.shape[0] < need:  # the image's border: repeat its last line
                lines = np.concatenate(
                    [
                        np.repeat(lines[:1], pad - at, axis=0),
                        lines,
                        np.repeat(lines[-1:], need - lines.shape[0] - (pad - at), axis=0),
                    ]
                )
            steps.append(np.diff(lines.mean(axis=1)))  # [i]: into line i + 1
            jumps.append(np.abs(np.diff(lines, axis=0)).mean(axis=1))
        # a tilted frame: each segment is shifted onto the side's mean frame profile
        ref = np.mean(steps, axis=0)[frame]
        here, beside = np.zeros(k.size), np.zeros(k.size)
        for st, jump in zip(steps, jumps, strict=True):
            fit = [float(st[frame + d] @ ref) for d in range(-slack, slack + 1)]
            d = int(np.argmax(fit)) - slack
            # jump[base + k]: the jump into inset line k (k = 0: from outside into the frame)
            base = pad - 1 + d
            here += jump[base + k]
            near = np.maximum(jump[base + k - 1], jump[base + k + 2])
            # a JPEG block boundary jumps on every genuine page: one block deeper it does too
            at_k = edges[side] + d + k if side in (0, 2) else edges[side] - d - k + 1
            beside += np.where(at_k % 8 == 0, np.maximum(near, jump[base + k + 8]), near)
        n = len(steps)
        out[side] = np.log((here / n + PORTRAIT_SEAM_FLOOR) / (beside / n + PORTRAIT_SEAM_FLOOR))
    return out


def _portrait_seam(grey: npt.NDArray[np.float32], x: int, y: int, w: int, h: int) -> float:
    """Evidence of a paste boundary inside the frame: the second-best inset, summed over sides.

    The best inset is the frame line's inner edge where the frame has a printed line (the
    same inset on every side), so the paste is the next one; insets within two lines of
    the best are a blurred copy of it.
    """
    total = _portrait_seam_ratios(grey, x, y, w, h).sum(axis=0)
    best = int(np.argmax(total))
    rest = np.delete(total, np.arange(max(0, best - 2), min(total.size, best + 3)))
    return float(rest.max()) if rest.size else 0.0


# -- recapture ------------------------------------------------------------------------------
@lru_cache(maxsize=8)
def _spectrum_geometry(n: int) -> tuple[npt.NDArray[np.float32], FloatMap, npt.NDArray[np.bool_]]:
    """Hann window, frequency radius (cycles per pixel) and the recapture band of an n x n tile,
    top half of the centred spectrum (and its centre row) only."""
    win = np.outer(np.hanning(n), np.hanning(n)).astype(np.float32)
    half = n // 2 + 1
    yy, xx = np.mgrid[0:half, 0:n]
    fr = np.hypot(yy - n / 2, xx - n / 2) / n
    band = (fr >= 1 / RC_MAX_PERIOD) & (fr <= 1 / RC_MIN_PERIOD)
    for a in (win, fr, band):
        a.setflags(write=False)
    return win, fr, band


def _excess_db(chan: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Log spectrum over its local (9 x 9) median, top half of the centred spectrum, dB-like.

    A real image's spectrum is point-symmetric: the top half and the centre row hold every
    value; the median needs 4 rows beyond it.
    """
    n = chan.shape[0]
    win, _fr, _band = _spectrum_geometry(n)
    x = np.ascontiguousarray((chan - chan.mean()) * win, np.float32)
    f = cv2.dft(x, flags=cv2.DFT_COMPLEX_OUTPUT)
    spec = np.fft.fftshift(cv2.magnitude(f[..., 0], f[..., 1]))
    half = n // 2 + 1
    logs = np.log10(spec[: half + 4] + 1e-3).astype(np.float32) * 10.0
    q = np.clip(logs + 60, 0, 255).astype(np.uint8)
    local = cv2.medianBlur(q, 9)[:half].astype(np.float32) - 60
    return np.asarray(logs[:half] - local, np.float32)


def _page_wide(maps: list[npt.NDArray[np.float32]]) -> npt.NDArray[np.float32]:
    """Per frequency, the evidence most tiles share: the 25th percentile over the tiles of each
    tile's excess (widened by :data:`RC_SPREAD` bins, as perspective moves a peak)."""
    k = np.ones((RC_SPREAD, RC_SPREAD), np.uint8)
    stack = np.stack([cv2.dilate(m, k) for m in maps])
    return np.asarray(np.percentile(stack, 25, axis=0), np.float32)


def recapture(img: ImageInput) -> tuple[Signal, Signal]:
    """Screen (LCD pixel grid) and print (halftone) recapture: periodic structure on the whole page.

    Five tiles across the page; per frequency in the band (periods :data:`RC_MIN_PERIOD` to
    :data:`RC_MAX_PERIOD` px) the peak over the local spectrum that most tiles share: a screen's
    pixel grid or a halftone covers the whole page, while a genuine document's fine patterns
    (guilloche, ruled tables, text) are local. The evidence is one number; which code it
    raises depends on the peak: a fine period (:data:`RC_SCREEN_MAX_PERIOD`) or colour in the
    peak (subpixels) is a screen, else a print; the other code gets half the score. Generated
    prints and screens only: a genuine laser-printed bill photographed closely can show its
    own halftone (see the module docstring of ``models.eval.fraud``).
    """
    h, w = img.bgr.shape[:2]
    side = RC_TILE
    while side > 64 and (2 * side > h or 2 * side > w):
        side //= 2
    tiles: list[npt.NDArray[np.float32]] = []
    if 2 * side <= h and 2 * side <= w:
        for fy, fx in RC_TILE_CENTRES:
            y0 = min(max(0, round(fy * h - side / 2)), h - side)
            x0 = min(max(0, round(fx * w - side / 2)), w - side)
            tiles.append(img.bgr[y0 : y0 + side, x0 : x0 + side].astype(np.float32))
    if len(tiles) < RC_MIN_TILES:
        return (
            not_applicable(
                "screen_recapture", SCREEN_THRESHOLD, ReasonCode.SCREEN_RECAPTURE, "small"
            ),
            not_applicable("print_recapture", PRINT_THRESHOLD, ReasonCode.PRINT_RECAPTURE, "small"),
        )
    luma = [_excess_db(0.299 * t[..., 2] + 0.587 * t[..., 1] + 0.114 * t[..., 0]) for t in tiles]
    _win, fr, band = _spectrum_geometry(side)
    lum = np.where(band, _page_wide(luma), -1e9)
    idx = np.unravel_index(int(np.argmax(lum)), lum.shape)
    luma_db = float(lum[idx])
    f_peak = float(fr[idx])
    period = 1.0 / f_peak if f_peak > 0 else 0.0
    chroma_db = -1e9  # only needed to attribute real evidence (else the period decides)
    if luma_db >= RC_CHROMA_MIN_DB:
        for c1, c2 in ((2, 1), (0, 1)):  # R - G, B - G
            chroma = _page_wide([_excess_db(t[..., c1] - t[..., c2]) for t in tiles])
            chroma_db = max(chroma_db, float(np.where(band, chroma, -1e9).max()))
    evidence = squash(luma_db, RC_PEAK_HALF, RC_PEAK_HIGH)
    screen_like = period < RC_SCREEN_MAX_PERIOD or (
        chroma_db - luma_db > RC_SCREEN_CHROMA_GAP and period < RC_SCREEN_CHROMA_MAX_PERIOD
    )
    screen_score = evidence if screen_like else 0.5 * evidence
    print_score = 0.5 * evidence if screen_like else evidence
    details = {
        "tiles": len(tiles),
        "tileSide": side,
        "lumaPeakDb": luma_db,
        "lumaPeriodPx": period,
        "chromaPeakDb": chroma_db if chroma_db > -1e9 else None,
        "screenLike": screen_like,
    }
    page = (0, 0, w, h)
    return (
        Signal(
            "screen_recapture",
            screen_score,
            SCREEN_THRESHOLD,
            ReasonCode.SCREEN_RECAPTURE,
            regions=(page,) if screen_score >= SCREEN_THRESHOLD else (),
            details=details,
        ),
        Signal(
            "print_recapture",
            print_score,
            PRINT_THRESHOLD,
            ReasonCode.PRINT_RECAPTURE,
            regions=(page,) if print_score >= PRINT_THRESHOLD else (),
            details=details,
        ),
    )


#: Signals not yet reliable on genuine documents (weight 0 in ``score.DEFAULT_WEIGHTS``);
#: :func:`analyse_image` can leave them out (``experimental=False``) to save their time.
EXPERIMENTAL: frozenset[str] = frozenset(
    {"noise_inconsistency", "copy_move", "splice", "font_inconsistency"}
)
_EXPERIMENTAL_META = {
    "noise_inconsistency": (NOISE_THRESHOLD, ReasonCode.NOISE_INCONSISTENT),
    "copy_move": (COPY_MOVE_THRESHOLD, ReasonCode.COPY_MOVE_DETECTED),
    "splice": (SPLICE_THRESHOLD, ReasonCode.SPLICE_SUSPECTED),
    "font_inconsistency": (FONT_THRESHOLD, ReasonCode.FONT_INCONSISTENT),
}


def analyse_image(
    img: ImageInput,
    portrait_box: Box | None = None,
    text_boxes: list[Box] | None = None,
    experimental: bool = True,
    pool: Executor | None = None,
    edit_model: EditModel | None = None,
) -> list[Signal]:
    """Every pixel signal for one image, in a fixed order.

    ``edit_model``: the trained local-edit detector (:mod:`models.fraud.edits`); without
    it ``local_edits`` is returned as not applicable.

    ``experimental=False`` skips the :data:`EXPERIMENTAL` signals (about half the time on a
    phone photo); they are then returned as not applicable, in the same places, so that
    the list keeps its shape. Under the default policy they weigh 0 either way.

    ``pool``: run the signals as tasks of this executor (threads: NumPy and OpenCV release
    the GIL for most of the work) and wait for all of them; the result is the same as
    without it. Blocks the caller either way; an exception of a signal is re-raised.
    """

    def skipped(name: str) -> Signal:
        threshold, code = _EXPERIMENTAL_META[name]
        return not_applicable(name, threshold, code, "experimental signal not run")

    # The slowest first (the learned detector: about half the CPU time on a phone photo),
    # and the portrait check (which reuses the DQ and noise maps computed before it) last,
    # so that a small pool is never idle behind one long task.
    steps: list[Callable[[], list[Signal]]] = [
        lambda: [local_edits_of(img, edit_model)],
        lambda: [double_compression(img)],
        lambda: [
            noise_inconsistency(img, exclude=portrait_box)
            if experimental
            else skipped("noise_inconsistency")
        ],
        lambda: list(recapture(img)),
        lambda: [error_level(img)],
        lambda: [copy_move(img) if experimental else skipped("copy_move")],
        lambda: [splice(img) if experimental else skipped("splice")],
        lambda: [
            font_inconsistency(img, text_boxes) if experimental else skipped("font_inconsistency")
        ],
        lambda: [portrait_substitution(img, portrait_box)],
    ]
    if pool is None:
        parts = [step() for step in steps]
    else:
        futures = [pool.submit(step) for step in steps]
        parts = [f.result() for f in futures]
    edits, dq, noise, (screen, printed), ela, cm, sp, font, portrait = parts
    return [*ela, *dq, *noise, *cm, *sp, *edits, *font, *portrait, screen, printed]

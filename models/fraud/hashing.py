"""Perceptual hashes of document images, robust to re-capture: has this document been seen?

Two documents of the same template differ only in their printed values (and
perhaps the portrait), so a hash of the whole page matches every document
of a template. :func:`document_hash` therefore keeps two parts:

- ``layout``: a 64-bit pHash (DCT of a 32x32 grey thumbnail, low 8x8
  frequencies against their median) of the rectified page: the same
  template gives a small Hamming distance (:data:`SAME_LAYOUT_BITS`); the
  cheap first filter of a search (``search.HashIndex``);
- ``ink``: the page's ink darkness on a :data:`CONTENT_SIDE` square, after
  rectification (``models.ocr.geometry``) and illumination normalisation
  (each pixel against its local paper brightness, so that shadows, glare
  falloff and low light are not ink). The values, names and numbers that
  tell two people apart are ink.

:func:`hash_distance` compares the content: the page is cut into
text-sized windows (:data:`WINDOW`); each inked window of one page is
searched in the other within :data:`SEARCH_SHIFT` pixels (normalised
cross-correlation); the distance is the share of inked windows without a
match (correlation under :data:`WINDOW_MATCH`). Re-capture moves and blurs
ink but leaves every word findable; another person's document of the same
template has its names, numbers and dates unmatched. Below
:data:`SAME_DOCUMENT_DISTANCE` two images show the same document; set on
generated documents (the same document under scan, phone, jpeg, shadow and
low light: distance 0; other people's documents of the same template:
0.036 and more); ``python -m models.eval.fraud`` reports precision and
recall on held-out seeds. The page must be upright (the OCR stage's
orientation is applied first).

Pure functions; no I/O.
"""

from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from models.fraud.signal import ReasonCode, Signal, squash
from models.ocr.geometry import find_page, rectify

CANON = 768  # rectified page side (pixels) for normalisation
CONTENT_SIDE = 320  # stored ink map side
PAPER_KERNEL = 41  # px at CANON: wider than a stroke, narrower than a shadow's gradient
PAPER_SCALE = 4  # the paper estimate is made at CANON / PAPER_SCALE
WINDOW = (32, 16)  # (w, h) px at CONTENT_SIDE: a word
SEARCH_SHIFT = 4  # px at CONTENT_SIDE a window may move between captures
WINDOW_MIN_INK = 0.04  # mean darkness of a window worth comparing
WINDOW_MIN_STD = 0.05
WINDOW_MATCH = 0.6  # normalised cross-correlation of a found window
BORDER_MARGIN = 0.04  # page edges: rectification leaves a sliver of table there
SAME_DOCUMENT_DISTANCE = 0.015
MIN_INKED_WINDOWS = 12
SAME_LAYOUT_BITS = 20
REUSE_THRESHOLD = 0.5


@dataclass(frozen=True)
class DocumentHash:
    """A page's layout pHash (8 bytes) and ink map (``CONTENT_SIDE`` square, uint8)."""

    layout: npt.NDArray[np.uint8]
    ink: npt.NDArray[np.uint8]

    @functools.cached_property
    def inked_windows(self) -> list[tuple[int, int]]:
        """:func:`_inked_windows` of the ink map, once per hash (a probe meets many pages)."""
        return _inked_windows(self.ink)

    def to_dict(self) -> dict[str, str]:
        """Hex strings; the ink map is zlib-compressed (mostly paper: small)."""
        return {
            "layout": self.layout.tobytes().hex(),
            "ink": zlib.compress(self.ink.tobytes(), 6).hex(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, str]) -> DocumentHash:
        raw = zlib.decompressobj().decompress(bytes.fromhex(d["ink"]), CONTENT_SIDE**2)
        if len(raw) != CONTENT_SIDE**2:
            raise ValueError("ink map of the wrong size")
        ink = np.frombuffer(raw, np.uint8).reshape(CONTENT_SIDE, CONTENT_SIDE).copy()
        return cls(np.frombuffer(bytes.fromhex(d["layout"]), np.uint8).copy(), ink)


def _page(bgr: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """The page, rectified when a page outline is found, as a CANON x CANON grey image."""
    quad = find_page(bgr)
    grey = np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), np.uint8)
    if quad is not None:  # grey first: a third of the warping
        grey = np.asarray(rectify(grey, quad), np.uint8)
    return np.asarray(cv2.resize(grey, (CANON, CANON), interpolation=cv2.INTER_AREA), np.float32)


def _phash(grey: npt.NDArray[np.float32]) -> npt.NDArray[np.uint8]:
    small = cv2.resize(grey, (32, 32), interpolation=cv2.INTER_AREA)
    low = cv2.dct(small.astype(np.float32))[:8, :8].reshape(-1)
    return np.packbits(low > np.median(low[1:]))


def _ink(grey: npt.NDArray[np.float32]) -> npt.NDArray[np.uint8]:
    # paper brightness: a closing (max filter) removes the ink, a blur smooths it; both at a
    # quarter of the resolution (the paper varies slowly), then brought back to full size
    f = PAPER_SCALE
    side = grey.shape[0]
    small = cv2.resize(grey, (side // f, side // f), interpolation=cv2.INTER_AREA)
    k = PAPER_KERNEL // f | 1
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    paper = cv2.GaussianBlur(paper, (0, 0), PAPER_KERNEL / 3 / f)
    paper = cv2.resize(paper, (side, side), interpolation=cv2.INTER_LINEAR)
    dark = np.clip(1.0 - grey / np.maximum(paper, 1.0), 0.0, 1.0)
    small = cv2.resize(dark, (CONTENT_SIDE, CONTENT_SIDE), interpolation=cv2.INTER_AREA)
    return np.asarray(np.rint(small * 255.0), np.uint8)


def document_hash(bgr: npt.NDArray[np.uint8]) -> DocumentHash:
    """Hash an upright document image (BGR). Raises ``ValueError`` on an empty image."""
    if bgr.size == 0:
        raise ValueError("empty image")
    grey = _page(bgr)
    return DocumentHash(_phash(grey), _ink(grey))


def layout_distance(a: DocumentHash, b: DocumentHash) -> int:
    """Hamming distance of the layout pHashes (0..64)."""
    return int(np.unpackbits(a.layout ^ b.layout).sum())


def _inked_windows(ink: npt.NDArray[np.uint8]) -> list[tuple[int, int]]:
    """Top-left corners (y, x) of the :data:`WINDOW` tiles inside the border margin whose
    mean darkness and spread make them worth comparing, in row-major order.

    Integer sums over all tiles at once: one pass instead of a mean and a deviation per
    tile (the tiles' loop was most of a comparison's time), and exact.
    """
    ww, wh = WINDOW
    side = ink.shape[0]
    margin = round(side * BORDER_MARGIN)
    ny, nx = (side - 2 * margin) // wh, (side - 2 * margin) // ww
    if ny <= 0 or nx <= 0:
        return []
    tiles = ink[margin : margin + ny * wh, margin : margin + nx * ww].astype(np.int64)
    tiles = tiles.reshape(ny, wh, nx, ww)
    n = wh * ww
    total = tiles.sum(axis=(1, 3))
    squares = (tiles * tiles).sum(axis=(1, 3))
    mean = total / (n * 255.0)
    var = (n * squares - total * total) / (n * n * 255.0 * 255.0)
    keep = (mean >= WINDOW_MIN_INK) & (var >= WINDOW_MIN_STD * WINDOW_MIN_STD)
    rows, cols = np.nonzero(keep)
    return [(margin + int(i) * wh, margin + int(j) * ww) for i, j in zip(rows, cols, strict=True)]


def _unmatched_share(
    a: npt.NDArray[np.float32],
    b: npt.NDArray[np.float32],
    inked: list[tuple[int, int]],
    stop_above: float | None,
) -> float | None:
    """Share of ``a``'s ``inked`` windows not found in ``b`` (None: too few of them)."""
    ww, wh = WINDOW
    side = a.shape[0]
    total = len(inked)
    # A page with (almost) no inked windows, a dark or washed-out capture, says
    # nothing about the other page: no evidence, not a match.
    if total < MIN_INKED_WINDOWS:
        return None
    limit = total if stop_above is None else int(stop_above * total)
    bad = 0
    # Another person's values sit together (a name, a number): visiting the windows in a
    # scattered order meets them early, so most non-matches stop after a few windows.
    order = np.random.default_rng(total).permutation(total) if stop_above is not None else None
    for k in order if order is not None else range(total):
        y, x = inked[int(k)]
        t = a[y : y + wh, x : x + ww]
        y0, y1 = max(0, y - SEARCH_SHIFT), min(side, y + wh + SEARCH_SHIFT)
        x0, x1 = max(0, x - SEARCH_SHIFT), min(side, x + ww + SEARCH_SHIFT)
        found = float(cv2.matchTemplate(b[y0:y1, x0:x1], t, cv2.TM_CCOEFF_NORMED).max())
        bad += found < WINDOW_MATCH
        if bad > limit:
            break
    return bad / total


def hash_distance(a: DocumentHash, b: DocumentHash, stop_above: float | None = None) -> float:
    """Share of inked windows of one page not found in the other, in [0, 1].

    Symmetric: the smaller of the two directions (a blurred capture's soft
    windows may miss in a sharp one, never the reverse); a direction whose page
    has fewer than :data:`MIN_INKED_WINDOWS` inked windows is no evidence, and
    two such pages are 1.0 apart. About 1-3 ms on one core (another person's page, stopped
    early) to 5 ms (the same document, every window searched).

    ``stop_above``: only whether the distance is at most this matters (a search):
    the answer is exact when it is at most ``stop_above``, and otherwise some value
    above it, found sooner (a few ms for another person's document).
    """
    fa = a.ink.astype(np.float32) / 255.0
    fb = b.ink.astype(np.float32) / 255.0
    first = _unmatched_share(fa, fb, a.inked_windows, stop_above)
    if stop_above is not None and first is not None and first <= stop_above:
        stop_above = None  # a match: the exact smaller direction is wanted
    second = _unmatched_share(fb, fa, b.inked_windows, stop_above)
    shares = [v for v in (first, second) if v is not None]
    return min(shares) if shares else 1.0


def same_document(a: DocumentHash, b: DocumentHash) -> bool:
    """The two hashes show the same document (see :data:`SAME_DOCUMENT_DISTANCE`)."""
    return hash_distance(a, b, SAME_DOCUMENT_DISTANCE) <= SAME_DOCUMENT_DISTANCE


def reuse_signal(matches: list[tuple[int, float]]) -> Signal:
    """``DOCUMENT_REUSED`` from (key, :func:`hash_distance`) of earlier submissions."""
    if not matches:
        return Signal("document_reuse", 0.0, REUSE_THRESHOLD, ReasonCode.DOCUMENT_REUSED)
    nearest = min(d for _, d in matches)
    score = squash(-nearest, -SAME_DOCUMENT_DISTANCE, -SAME_DOCUMENT_DISTANCE / 3)
    return Signal(
        "document_reuse",
        score,
        REUSE_THRESHOLD,
        ReasonCode.DOCUMENT_REUSED,
        details={"nearestDistance": nearest, "matches": [[k, d] for k, d in matches[:10]]},
    )

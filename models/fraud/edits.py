"""Local edits: a learned detector of pasted, painted and re-typed regions.

The hand-built pixel signals in :mod:`models.fraud.tamper` each look for one trace
(double quantisation, a noise level, a JPEG grid, matched keypoints) and each misses
what leaves none of its trace. This detector looks at every 32 x 32 window of the page
(stride 16) and asks whether its *local statistics* fit the rest of the page:

- the window's own measurements (:func:`window_features`): paper noise on flat pixels,
  edge strength and sharpness against contrast, the co-occurrence of second-order
  residuals (the texture a capture leaves: sensor noise, demosaicking, blur), first-
  order residual histogram, chroma noise, blockiness on the file's 8 x 8 grid and the
  double-quantisation evidence of :func:`models.fraud.tamper._dq_llr`;
- the same measurements relative to the page (robust z against the page's median
  window) and to the ring of windows around it;
- the file's JPEG quality.

A gradient-boosted tree ensemble (trained by :mod:`models.fraud.train_edits` on
generated documents and generated forgeries, seeds disjoint from every evaluation;
exported as an ONNX ``TreeEnsembleRegressor``, run with onnxruntime) gives each window
the log-odds that it was edited. The page's evidence weighs the whole map of window
log-odds, away from the image border (a page edge on a table is not an edit): a
logistic aggregator (trained on the validation uploads, whose maps the window model
never saw) over :data:`PAGE_FEATURES` -- the largest mean of 2 x 2 neighbouring
windows, the next one apart from it, line-shaped pools, the page's own quantiles and
how many windows lean "edited". One stray high window on a page whose other windows
all lean the same way is weaker evidence than a cluster on a quiet page; the largest
2 x 2 mean alone (the evidence until session 17) cannot tell them apart. The signal's
score is ``sigmoid(evidence - cut)``, where ``cut`` is the evidence the trainer
measured at the :data:`CUT_QUANTILE` of genuine validation uploads, half of them phone
photos (where the false alarms are): score 0.5 is where 1 genuine upload in 200 of
that set lies. The regions and heat map are the 2 x 2 means over ``windowCut`` (the
same quantile of the largest 2 x 2 mean).

Caveat, stated wherever a figure of this detector is: it has learned the edits of
``tools.tampergen`` (another seed range, the same forger). On the held-out seeds it is
measured in-distribution; a forger with other tools will do better against it.
"""

from __future__ import annotations

import functools
import json
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from models.fraud.signal import (
    Box,
    ReasonCode,
    Signal,
    heatmap_from_blocks,
    not_applicable,
    regions_from_blocks,
)

__all__ = [
    "CELL",
    "FEATURE_VERSION",
    "MODEL_FILE",
    "PAGE_FEATURES",
    "Aggregator",
    "EditModel",
    "load_installed",
    "local_edits",
    "page_features",
    "window_features",
]

#: Bumped whenever :func:`window_features` changes: a model of another version is refused.
FEATURE_VERSION = 1
CELL = 16  # px; a window is 2 x 2 cells
MODEL_FILE = "edits.onnx"
CARD_FILE = "model-card.json"
CUT_QUANTILE = 0.995
THRESHOLD = 0.5
EDGE = 24.0  # Sobel |gx| + |gy| above this is an edge, not paper
_COOC_T = 2  # second-order residuals truncated to [-T, T]
_HIST_T = 3  # first-order residuals truncated to [-T, T]
BORDER_WINDOWS = 1  # windows along the image border that are never reported

FloatArray = npt.NDArray[np.float32]


def _cell_mean(a: FloatArray, hh: int, ww: int) -> FloatArray:
    """Mean of every 16 x 16 cell (INTER_AREA at an integer factor is the exact block mean)."""
    part = np.ascontiguousarray(a[: hh * CELL, : ww * CELL], np.float32)
    return np.asarray(cv2.resize(part, (ww, hh), interpolation=cv2.INTER_AREA), np.float32)


def _cell_reduce(a: FloatArray, hh: int, ww: int, op: str) -> FloatArray:
    """Max (or min) of every 16 x 16 cell (over the cell's rows first: long inner loops)."""
    v = np.ascontiguousarray(a[: hh * CELL, : ww * CELL]).reshape(hh, CELL, ww * CELL)
    f = np.maximum if op == "max" else np.minimum
    return np.asarray(f.reduce(f.reduce(v, axis=1).reshape(hh, ww, CELL), axis=2), np.float32)


def _window(c: FloatArray, op: str) -> FloatArray:
    """2 x 2 cells -> one window (32 px, stride 16)."""
    a, b, d, e = c[:-1, :-1], c[1:, :-1], c[:-1, 1:], c[1:, 1:]
    if op == "mean":
        return np.asarray((a + b + d + e) / 4, np.float32)
    if op == "max":
        return np.maximum(np.maximum(a, b), np.maximum(d, e))
    return np.minimum(np.minimum(a, b), np.minimum(d, e))


@functools.lru_cache(maxsize=8)
def _cell_keys(hh: int, ww: int, n: int) -> npt.NDArray[np.int64]:
    """Per pixel, ``n`` times the index of its cell (a bincount key base; cached per size)."""
    rows = np.arange(hh * CELL, dtype=np.int64) // CELL
    cols = np.arange(ww * CELL, dtype=np.int64) // CELL
    keys = (rows[:, None] * ww + cols[None, :]) * n
    keys.setflags(write=False)
    return keys


def _code_shares(codes: npt.NDArray[np.uint8], n: int, hh: int, ww: int) -> list[FloatArray]:
    """Per cell, the share of pixels with each code in ``range(n)`` (one map per code)."""
    counts = np.bincount((_cell_keys(hh, ww, n) + codes).ravel(), minlength=hh * ww * n)
    shares = counts.reshape(hh, ww, n).astype(np.float32) / float(CELL * CELL)
    return [np.ascontiguousarray(shares[..., k]) for k in range(n)]


DqSource = npt.NDArray[np.float64] | None | Callable[[], npt.NDArray[np.float64] | None]
Cells = list[tuple[FloatArray, str]]  # per-cell maps and how a window pools them


def window_features(
    bgr: npt.NDArray[np.uint8], quality: int | None, dq_llr: DqSource
) -> FloatArray:
    """Per window, the detector's input: ``(H/16 - 1, W/16 - 1, F)`` float32, all finite.

    ``quality``: the file's estimated JPEG quality (None: not a JPEG); ``dq_llr``: the
    per-8x8-block double-quantisation log-likelihood map, or None where it was not
    measurable, or a function that returns it: called after the pixel pass, so that
    another thread can compute the map meanwhile. Pure; about 40 ms on a 1200 x 900
    photo (one core of this machine, quiet; see ``docs/benchmarks.md``).

    Raises:
        ValueError: the image is smaller than 3 x 3 cells.
    """
    cells = _pixel_cells(bgr)
    hh, ww = cells[0][0].shape
    dq_map = dq_llr() if callable(dq_llr) else dq_llr
    dq = np.zeros((hh, ww), np.float32)
    if dq_map is not None:
        part = dq_map[: 2 * hh, : 2 * ww]
        if part.shape == (2 * hh, 2 * ww):
            dq = np.asarray(part.reshape(hh, 2, ww, 2).sum(axis=(1, 3)), np.float32)
    cells.append((np.clip(dq, -20.0, 20.0), "mean"))
    return _assemble(cells, quality)


def _pixel_cells(bgr: npt.NDArray[np.uint8]) -> Cells:
    """Every per-cell map of :func:`window_features` that the pixels alone give."""
    h, w = bgr.shape[:2]
    hh, ww = h // CELL, w // CELL
    if hh < 3 or ww < 3:
        raise ValueError(f"{w}x{h} is too small for windows of {2 * CELL} px")
    h, w = hh * CELL, ww * CELL  # only whole cells are read
    bgr = bgr[:h, :w]
    g8 = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    grey = g8.astype(np.float32)
    resid = cv2.absdiff(g8, cv2.medianBlur(g8, 3)).astype(np.float32)
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    edge = np.asarray(cv2.add(np.abs(gx, out=gx), np.abs(gy, out=gy)), np.float32)
    flat = (edge < EDGE).astype(np.float32)
    flat_share = _cell_mean(flat, hh, ww)
    cells: list[tuple[FloatArray, str]] = []
    paper_noise = _cell_mean(resid * flat, hh, ww) / np.maximum(flat_share, 1.0 / 256)
    cells.append((np.log(paper_noise + 0.2), "mean"))
    cells.append((flat_share, "mean"))
    cells.append((np.log(_cell_mean(edge, hh, ww) + 1.0), "mean"))
    max_edge = _cell_reduce(edge, hh, ww, "max")
    hi, lo = _cell_reduce(grey, hh, ww, "max"), _cell_reduce(grey, hh, ww, "min")
    cells.append((np.log(max_edge + 1.0), "max"))
    cells.append((hi - lo, "max"))
    cells.append((_cell_mean(grey, hh, ww) / 255.0, "mean"))
    cells.append((lo / 255.0, "min"))
    cells.append((max_edge / (hi - lo + 4.0), "max"))
    # second-order residuals of neighbouring pixels, horizontally and vertically: codes of
    # pairs of residuals truncated to [-T, T]
    t = _COOC_T
    n2 = 2 * t + 1
    second = np.array([[1, -2, 1]], np.float32)
    h2 = cv2.filter2D(g8, cv2.CV_16S, second, borderType=cv2.BORDER_REFLECT)
    v2 = cv2.filter2D(g8, cv2.CV_16S, second.T, borderType=cv2.BORDER_REFLECT)
    qh = (np.clip(h2, -t, t) + t).astype(np.uint8)
    qv = (np.clip(v2, -t, t) + t).astype(np.uint8)
    pair_h = np.empty_like(qh)
    pair_v = np.empty_like(qv)
    pair_h[:, :-1] = qh[:, :-1] * n2 + qh[:, 1:]
    pair_h[:, -1] = pair_h[:, -2]
    pair_v[:-1, :] = qv[:-1, :] * n2 + qv[1:, :]
    pair_v[-1, :] = pair_v[-2, :]
    shares_h = _code_shares(pair_h, n2 * n2, hh, ww)
    shares_v = _code_shares(pair_v, n2 * n2, hh, ww)
    cells.extend(
        (np.asarray((a + b) / 2, np.float32), "mean")
        for a, b in zip(shares_h, shares_v, strict=True)
    )
    d1 = cv2.filter2D(g8, cv2.CV_16S, np.array([[0, -1, 1]], np.float32))
    q1 = (np.clip(d1, -_HIST_T, _HIST_T) + _HIST_T).astype(np.uint8)
    cells.extend((c, "mean") for c in _code_shares(q1, 2 * _HIST_T + 1, hh, ww))
    ycc = cv2.cvtColor(bgr, cv2.COLOR_BGR2YCrCb)
    for ch in (1, 2):
        c8 = np.ascontiguousarray(ycc[..., ch])
        cres = cv2.absdiff(c8, cv2.medianBlur(c8, 3)).astype(np.float32)
        cells.append((np.log(_cell_mean(cres, hh, ww) + 0.1), "mean"))
    # blockiness on the file's 8x8 grid (boundaries 7|0) against the other boundaries
    jump_x = np.zeros_like(grey)
    jump_y = np.zeros_like(grey)
    jump_x[:, :-1] = cv2.absdiff(g8[:, 1:], g8[:, :-1])
    jump_y[:-1, :] = cv2.absdiff(g8[1:, :], g8[:-1, :])
    on_col = (np.arange(w) % 8 == 7).astype(np.float32)
    on_row = (np.arange(h) % 8 == 7).astype(np.float32)
    on = jump_x * on_col[None, :] + jump_y * on_row[:, None]
    off = (jump_x + jump_y - on) / 7.0
    cells.append((_cell_mean(on, hh, ww) - _cell_mean(off, hh, ww), "mean"))
    return cells


def _assemble(cells: Cells, quality: int | None) -> FloatArray:
    """Windows of the cell maps, against the page and their ring, with the page's facts."""
    win = np.stack([_window(c, op) for c, op in cells], axis=-1)
    n_feat = win.shape[-1]
    flat_win = win.reshape(-1, n_feat)
    med = np.median(flat_win, axis=0)
    mad = np.median(np.abs(flat_win - med), axis=0) + 1e-3
    z = (win - med) / mad
    ring = np.empty_like(win)
    for f in range(n_feat):
        s5 = cv2.boxFilter(win[..., f], -1, (5, 5), normalize=False, borderType=cv2.BORDER_REFLECT)
        s3 = cv2.boxFilter(win[..., f], -1, (3, 3), normalize=False, borderType=cv2.BORDER_REFLECT)
        ring[..., f] = (s5 - s3) / 16.0
    page = np.array([(quality or 100) / 100.0, float(quality is not None)], np.float32)
    page_all = np.broadcast_to(np.concatenate([page, med]), (*win.shape[:2], 2 + n_feat))
    out = np.concatenate([win, z, win - ring, page_all], axis=-1).astype(np.float32)
    return np.nan_to_num(out, nan=0.0, posinf=1e6, neginf=-1e6)


#: Where ``make up`` links the trained model (the Triton model's directory).
INSTALLED = (
    Path(__file__).resolve().parents[2] / "triton-repo" / "document_forensics" / "1" / "edits"
)


def load_installed() -> EditModel:
    """The model ``make up`` trained for this checkout (evaluations, benchmarks, tests).

    Raises:
        FileNotFoundError: not trained yet; ``make up`` (or ``bash infra/install.sh
            models``) trains it.
    """
    if not (INSTALLED / MODEL_FILE).is_file():
        raise FileNotFoundError(f"no local-edit model at {INSTALLED}: run `make up` first")
    return EditModel.load(INSTALLED)


#: What :func:`page_features` measures on a map of window log-odds, in its order.
PAGE_FEATURES: tuple[str, ...] = (
    "pooled2x2Max",  # the largest 2 x 2 mean (the evidence until session 17)
    "pooled2x2Second",  # the largest 2 x 2 mean at least three windows from it
    "top4Mean",
    "top16Mean",
    "pooled1x3Max",  # a short stretch of one text line
    "pooled2x4Max",
    "windowMax",
    "q50",
    "q90",
    "q99",
    "std",
    "sharePositive",  # windows with log-odds over 0
    "countOver2",
    "pooled2x2MaxOverQ99",
)


def _pooled(m: FloatArray, kh: int, kw: int) -> FloatArray:
    if m.shape[0] < kh or m.shape[1] < kw:
        return np.full((1, 1), float(m.max()), np.float32)
    view = np.lib.stride_tricks.sliding_window_view(m, (kh, kw))
    return np.asarray(view.mean(axis=(-2, -1)), np.float32)


def page_features(logits: FloatArray) -> FloatArray | None:
    """:data:`PAGE_FEATURES` of a window log-odds map, away from the border; ``None`` when
    fewer than 2 x 2 windows remain (the image is too small)."""
    b = BORDER_WINDOWS
    inner = np.asarray(logits[b : logits.shape[0] - b, b : logits.shape[1] - b], np.float32)
    if inner.shape[0] < 2 or inner.shape[1] < 2:
        return None
    p22 = _window(inner, "mean")
    e1 = float(p22.max())
    iy, ix = np.unravel_index(int(p22.argmax()), p22.shape)
    apart = np.ones(p22.shape, bool)
    apart[max(0, iy - 2) : iy + 3, max(0, ix - 2) : ix + 3] = False
    e2 = float(p22[apart].max()) if apart.any() else e1
    ranked = np.sort(inner.ravel())[::-1]
    q50, q90, q99 = (float(q) for q in np.percentile(inner, [50, 90, 99]))
    return np.array(
        [
            e1,
            e2,
            ranked[:4].mean(),
            ranked[:16].mean(),
            _pooled(inner, 1, 3).max(),
            _pooled(inner, 2, 4).max(),
            ranked[0],
            q50,
            q90,
            q99,
            inner.std(),
            (inner > 0).mean(),
            (inner > 2).sum(),
            e1 - q99,
        ],
        np.float32,
    )


@dataclass(frozen=True)
class Aggregator:
    """A standardised logistic model over :data:`PAGE_FEATURES`: the page's log-odds."""

    mean: npt.NDArray[np.float64]
    scale: npt.NDArray[np.float64]
    coef: npt.NDArray[np.float64]
    intercept: float

    def evidence(self, features: FloatArray) -> float:
        z = (np.asarray(features, np.float64) - self.mean) / self.scale
        return float(z @ self.coef + self.intercept)

    def to_card(self) -> dict[str, Any]:
        return {
            "features": list(PAGE_FEATURES),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "coef": [round(float(v), 6) for v in self.coef],
            "intercept": round(self.intercept, 6),
        }

    @classmethod
    def from_card(cls, card: dict[str, Any]) -> Aggregator:
        """Raises ``ValueError`` when the card was written for other page features."""
        if tuple(card.get("features", ())) != PAGE_FEATURES:
            raise ValueError("the model's page aggregator measures other features: retrain")
        return cls(
            np.asarray(card["mean"], np.float64),
            np.asarray(card["scale"], np.float64),
            np.asarray(card["coef"], np.float64),
            float(card["intercept"]),
        )


@dataclass
class EditModel:
    """The trained window classifier, the page aggregator and the cuts (module docstring).

    Thread-safe: one onnxruntime session serves concurrent callers.
    """

    session: Any  # onnxruntime.InferenceSession
    cut: float
    card: dict[str, Any]
    _lock: threading.Lock
    aggregator: Aggregator
    window_cut: float

    @classmethod
    def load(cls, path: Path) -> EditModel:
        """Load ``edits.onnx`` and ``model-card.json`` from the directory ``path``.

        Raises:
            FileNotFoundError: a file is missing (``make up`` trains the model).
            ValueError: the model was trained on another :data:`FEATURE_VERSION`, or its
                page aggregator on other :data:`PAGE_FEATURES` (or it has none).
        """
        import onnxruntime as ort  # the Triton and project venvs both have it

        card = json.loads((path / CARD_FILE).read_text())
        if int(card.get("featureVersion", -1)) != FEATURE_VERSION:
            raise ValueError(
                f"{path} holds a model for features v{card.get('featureVersion')}, "
                f"this code computes v{FEATURE_VERSION}: retrain (make up)"
            )
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1  # the forensics pool already runs signals side by side
        opts.inter_op_num_threads = 1
        session = ort.InferenceSession(
            str(path / MODEL_FILE), sess_options=opts, providers=["CPUExecutionProvider"]
        )
        if "aggregator" not in card:
            raise ValueError(f"{path} holds a model without a page aggregator: retrain (make up)")
        return cls(
            session,
            float(card["cut"]),
            card,
            threading.Lock(),
            Aggregator.from_card(card["aggregator"]),
            float(card["windowCut"]),
        )

    def window_logits(self, features: FloatArray) -> FloatArray:
        """Log-odds that each window was edited: features ``(h, w, F)`` -> ``(h, w)``."""
        hw = features.shape[:2]
        x = np.ascontiguousarray(features.reshape(-1, features.shape[-1]), np.float32)
        (y,) = self.session.run(None, {"X": x})
        return np.asarray(y, np.float32).reshape(hw)


def page_evidence(logits: FloatArray) -> tuple[float, FloatArray]:
    """The largest 2 x 2 mean of window log-odds away from the border, and that mean map."""
    b = BORDER_WINDOWS
    inner = logits[b : logits.shape[0] - b, b : logits.shape[1] - b]
    if inner.shape[0] < 2 or inner.shape[1] < 2:
        return float("-inf"), np.zeros((0, 0), np.float32)
    pooled = _window(np.asarray(inner, np.float32), "mean")
    return float(pooled.max()), pooled


def local_edits(
    bgr: npt.NDArray[np.uint8],
    quality: int | None,
    dq_llr: DqSource,
    model: EditModel | None,
) -> Signal:
    """The ``local_edits`` signal (reason ``TAMPERING_SUSPECTED``); see the module docstring.

    ``dq_llr`` as in :func:`window_features` (a function is not called without a model).
    Not applicable when no model is loaded or the image is too small. Blocks for the
    feature pass and one onnxruntime call (about 70 ms on a 1200 x 900 phone photo).
    """
    name, code = "local_edits", ReasonCode.TAMPERING_SUSPECTED
    if model is None:
        return not_applicable(name, THRESHOLD, code, "no trained model loaded")
    try:
        feats = window_features(bgr, quality, dq_llr)
    except ValueError as exc:
        return not_applicable(name, THRESHOLD, code, str(exc))
    logits = model.window_logits(feats)
    window_evidence, pooled = page_evidence(logits)
    measured = page_features(logits)
    if not math.isfinite(window_evidence) or measured is None:
        return not_applicable(name, THRESHOLD, code, "image too small")
    evidence = model.aggregator.evidence(measured)
    score = 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, evidence - model.cut))))
    # Cells under the pooled windows over the window cut, for the regions and the heat
    # map. A page can pass the page cut with no window over the window cut (several
    # windows leaning "edited"); its strongest windows are then what a reviewer sees.
    hh, ww = bgr.shape[0] // CELL, bgr.shape[1] // CELL
    strength = np.zeros((hh, ww), np.float64)
    level = model.window_cut if score < THRESHOLD else min(model.window_cut, window_evidence)
    over = np.where(pooled >= level, pooled - level + 1e-3, 0.0)
    off = BORDER_WINDOWS
    for dy in range(3):  # a pooled value spans 3 x 3 cells
        for dx in range(3):
            view = strength[
                off + dy : off + dy + over.shape[0], off + dx : off + dx + over.shape[1]
            ]
            np.maximum(view, over[: view.shape[0], : view.shape[1]], out=view)
    regions: tuple[Box, ...] = ()
    if score >= THRESHOLD:
        regions = regions_from_blocks(strength > 0, CELL, bgr.shape, strength)
    return Signal(
        name,
        score,
        THRESHOLD,
        code,
        regions=regions,
        heatmap=heatmap_from_blocks(strength, bgr.shape),
        details={
            "evidence": round(evidence, 3),
            "cut": round(model.cut, 3),
            "windowEvidence": round(window_evidence, 3),
            "windowCut": round(model.window_cut, 3),
            "windows": int(logits.size),
            "model": model.card.get("version"),
        },
    )

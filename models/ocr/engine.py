"""PP-OCRv4 text detection, angle classification and recognition on ONNX Runtime.

The three networks are the ONNX exports that ship inside the
``rapidocr-onnxruntime`` wheel (``infra/install.sh models`` takes them from
PyPI and links them next to the Triton model). The pre- and post-processing
here follows PaddleOCR's published pipeline:

- detection (DB): the image scaled so that both sides are multiples of 32,
  normalised to [-1, 1]; the probability map thresholded, each connected
  region's min-area rectangle scored by its mean probability and grown by the
  DB "unclip" offset (area × ratio / perimeter);
- angle classification: each line crop at 48×192, two classes (0°, 180°);
- recognition: crops at height 48, batched by aspect ratio, CTC greedy
  decoding over the character list stored in the model's metadata; a line's
  confidence is the mean probability of its decoded characters.

Blocking and CPU-bound: callers run it in a worker (the Triton Python
backend). No I/O besides loading the models once.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort
import pyclipper

# OpenCV's stubs type arrays loosely; these aliases say what is meant.
Image = npt.NDArray[Any]  # H×W×3 uint8, BGR
Quad = npt.NDArray[Any]  # 4×2 float32, clockwise from top-left

DET_MODEL = "ch_PP-OCRv4_det_infer.onnx"
CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_infer.onnx"
REC_MODEL = "ch_PP-OCRv4_rec_infer.onnx"

# DB post-processing, PaddleOCR's defaults for PP-OCRv4.
DET_THRESH = 0.3
DET_BOX_THRESH = 0.5
DET_UNCLIP_RATIO = 1.6
DET_MAX_CANDIDATES = 1000
# Longest side the detector sees. Documents are ≤ 2000 px here; 1280 keeps
# 18 px A4 text above the detector's useful size and halves the time of 2000.
DET_MAX_SIDE = 1280
DET_MIN_SIDE = 32

CLS_SHAPE = (48, 192)
CLS_THRESH = 0.9
REC_HEIGHT = 48
REC_MIN_WIDTH = 320
REC_BATCH = 8
# Lines read with less confidence are dropped, as PaddleOCR does (text_score).
MIN_LINE_CONFIDENCE = 0.5
# MRZ lines pack 30-44 wide OCR-B characters: at the recogniser's height each
# gets about three CTC steps, and on phone photos it drops letters (BWA read
# as BA). A line that reads as MRZ (fillers in it) is read again stretched
# horizontally, which gave every dropped letter back on the development set.
MRZ_MIN_FILLERS = 3
MRZ_STRETCH = 1.5
# fixed_shapes (for ONNX Runtime's CUDA provider, see OcrEngine): the recognition widths,
# each served by a session of its own. Steps of about 1.22x keep a line's padding within
# about a fifth of its width (padding changes what the recogniser reads: one width of
# 3,072 px for every line misread clean text). An MRZ line stretched for its re-read is
# about 2,600 px at height 48; a line wider than the last width is squeezed to fit.
REC_WIDTH_BUCKETS = (320, 384, 480, 576, 704, 864, 1056, 1280, 1568, 1920, 2336, 2848, 3456)


class ModelsMissing(FileNotFoundError):
    """The PP-OCRv4 ONNX files are not where the engine was told to look."""


@dataclass(frozen=True)
class Line:
    """One recognised text line: its text, confidence in [0, 1] and quad (page pixels)."""

    text: str
    confidence: float
    box: list[list[float]]

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "confidence": round(self.confidence, 4), "box": self.box}


@dataclass
class OcrTimings:
    detect_ms: float = 0.0
    classify_ms: float = 0.0
    recognize_ms: float = 0.0


@dataclass
class OcrResult:
    lines: list[Line]
    timings: OcrTimings = field(default_factory=OcrTimings)
    rotated_180: int = 0  # how many line crops the angle classifier turned over


def _session(path: Path, threads: int, providers: list[str]) -> ort.InferenceSession:
    if not path.is_file():
        raise ModelsMissing(f"{path} is missing: run `bash infra/install.sh models`")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=opts, providers=providers)


class OcrEngine:
    """The three PP-OCRv4 networks, loaded once. Not thread-safe for concurrent ``read``.

    ``fixed_shapes``: each ONNX Runtime session runs on one input shape only. ONNX
    Runtime's CUDA provider pays whenever a session's input shape differs from its
    previous run's (on an H200: 100-700 ms with the heuristic cuDNN search, up to 1.7 s
    with the default exhaustive one, against 2-5 ms for the run itself; docs/benchmarks.md),
    and a page's lines changed it at almost every run. So angle-classifier and recogniser
    batches are padded to ``REC_BATCH`` crops, and each recognition width of
    ``REC_WIDTH_BUCKETS`` gets a session of its own (all created by :meth:`warm_up`,
    else on first use), a line going to the narrowest that holds it. The detector is
    left as it is: padding its input changed which lines it found, and its shape
    changes once a page (about 100 ms with the heuristic search). On a CPU the padding
    only costs: leave it off there.
    """

    def __init__(
        self,
        model_dir: Path,
        *,
        threads: int = 2,
        providers: list[str] | None = None,
        fixed_shapes: bool = False,
    ) -> None:
        providers = providers or ["CPUExecutionProvider"]
        self.fixed_shapes = fixed_shapes
        self.det = _session(model_dir / DET_MODEL, threads, providers)
        self.cls = _session(model_dir / CLS_MODEL, threads, providers)
        self.rec = _session(model_dir / REC_MODEL, threads, providers)
        # fixed_shapes: one recogniser session per width (self.rec serves the first)
        self._rec_by_width: dict[int, ort.InferenceSession] = {REC_WIDTH_BUCKETS[0]: self.rec}
        self._rec_args = (model_dir / REC_MODEL, threads, providers)
        meta = self.rec.get_modelmeta().custom_metadata_map
        if "character" not in meta:
            raise ModelsMissing(f"{REC_MODEL} carries no character list in its metadata")
        # CTC: index 0 is the blank; the space is the last class.
        self.charset = ["", *meta["character"].splitlines(), " "]

    # -- detection -------------------------------------------------------

    def detect(self, image: Image) -> list[Quad]:
        """Text-line quads in ``image`` coordinates, top-to-bottom then left-to-right."""
        h, w = image.shape[:2]
        scale = min(1.0, DET_MAX_SIDE / max(h, w))
        nh = max(DET_MIN_SIDE, round(h * scale / 32) * 32)
        nw = max(DET_MIN_SIDE, round(w * scale / 32) * 32)
        resized = cv2.resize(image, (nw, nh))
        x = (resized.astype(np.float32) / 255.0 - 0.5) / 0.5
        x = x.transpose(2, 0, 1)[None]
        prob = self.det.run(None, {self.det.get_inputs()[0].name: x})[0][0, 0]
        return sort_quads(db_boxes(prob, w / nw, h / nh, (w, h)))

    # -- angle classification -------------------------------------------

    def classify_angle(self, crops: list[Image]) -> list[tuple[int, float]]:
        """(0 or 180, probability) per crop."""
        out: list[tuple[int, float]] = []
        ch, cw = CLS_SHAPE
        for start in range(0, len(crops), REC_BATCH):
            batch = self._padded_batch(
                [_resize_pad(c, ch, cw) for c in crops[start : start + REC_BATCH]]
            )
            probs = self.cls.run(None, {self.cls.get_inputs()[0].name: batch})[0]
            for p in probs[: min(REC_BATCH, len(crops) - start)]:
                k = int(np.argmax(p))
                out.append((180 if k == 1 else 0, float(p[k])))
        return out

    # -- recognition -------------------------------------------------------

    def recognize(self, crops: list[Image]) -> list[tuple[str, float]]:
        """(text, confidence) per crop, in the order given.

        Crops are batched only with others of nearly the same aspect ratio:
        padding is computed like text, and on a CPU a padded batch costs more
        than running the lines one by one.
        """
        result: list[tuple[str, float]] = [("", 0.0)] * len(crops)
        ratios = [max(REC_MIN_WIDTH / REC_HEIGHT, c.shape[1] / max(c.shape[0], 1)) for c in crops]
        order = sorted(range(len(crops)), key=lambda i: ratios[i])
        batches: list[list[int]] = []
        for i in order:
            if (
                batches
                and len(batches[-1]) < REC_BATCH
                and self._same_batch(ratios[batches[-1][0]], ratios[i])
            ):
                batches[-1].append(i)
            else:
                batches.append([i])
        for idx in batches:
            width = math.ceil(REC_HEIGHT * max(ratios[i] for i in idx))
            rec = self.rec
            if self.fixed_shapes:
                width = rec_bucket(width)
                rec = self._rec_session(width)
            batch = self._padded_batch([_resize_pad(crops[i], REC_HEIGHT, width) for i in idx])
            probs = rec.run(None, {rec.get_inputs()[0].name: batch})[0]
            for i, p in zip(idx, probs[: len(idx)], strict=True):
                text, conf, steps = ctc_decode(p, self.charset)
                if "<" in text and MRZ_LINE.fullmatch(text.replace(" ", "")):
                    # The recogniser spaces out OCR-B's monospaced digits; an
                    # MRZ has no spaces by definition.
                    text, steps = _without_spaces(text, steps)
                result[i] = (insert_word_spaces(text, steps, len(p), crops[i], width), conf)
        return result

    def warm_up(self) -> None:
        """With ``fixed_shapes``: create every width's recogniser session and run each
        network once on its shape, so that no request pays for a first run (on an H200
        about 0.1-1.7 s per session, docs/benchmarks.md). Blocking: seconds on a GPU,
        about 11 s on a 2-core CPU. Without ``fixed_shapes`` it does nothing."""
        if not self.fixed_shapes:
            return
        zeros = np.zeros((REC_BATCH, 3, *CLS_SHAPE), np.float32)
        self.cls.run(None, {self.cls.get_inputs()[0].name: zeros})
        for width in REC_WIDTH_BUCKETS:
            rec = self._rec_session(width)
            zeros = np.zeros((REC_BATCH, 3, REC_HEIGHT, width), np.float32)
            rec.run(None, {rec.get_inputs()[0].name: zeros})

    def _same_batch(self, first: float, ratio: float) -> bool:
        """May a crop of aspect ratio ``ratio`` join a batch that starts with ``first``?"""
        if self.fixed_shapes:  # the same width bucket
            return rec_bucket(math.ceil(REC_HEIGHT * ratio)) == rec_bucket(
                math.ceil(REC_HEIGHT * first)
            )
        return ratio <= 1.1 * first

    def _rec_session(self, width: int) -> ort.InferenceSession:
        """The recogniser session that runs batches ``width`` wide (created on first use)."""
        if width not in self._rec_by_width:
            self._rec_by_width[width] = _session(*self._rec_args)
        return self._rec_by_width[width]

    def _padded_batch(self, items: list[npt.NDArray[np.float32]]) -> npt.NDArray[np.float32]:
        """``items`` stacked; with ``fixed_shapes``, zero crops make up ``REC_BATCH``."""
        batch = np.stack(items)
        if self.fixed_shapes and len(items) < REC_BATCH:
            pad = np.zeros((REC_BATCH - len(items), *batch.shape[1:]), np.float32)
            batch = np.concatenate([batch, pad])
        return batch

    # -- the whole page ----------------------------------------------------

    def read(
        self, image: Image, *, quads: list[Quad] | None = None, use_angle_cls: bool = True
    ) -> OcrResult:
        """Detect (unless ``quads`` are given), turn upside-down lines over, recognise.

        Lines below ``MIN_LINE_CONFIDENCE`` are dropped.
        """
        timings = OcrTimings()
        t0 = time.perf_counter()
        quads = self.detect(image) if quads is None else quads
        t1 = time.perf_counter()
        crops = [crop_quad(image, q) for q in quads]
        originals = list(crops)
        turned: list[int] = []
        if use_angle_cls and crops:
            for i, (angle, p) in enumerate(self.classify_angle(crops)):
                if angle == 180 and p >= CLS_THRESH:
                    crops[i] = cv2.rotate(crops[i], cv2.ROTATE_180)
                    turned.append(i)
        t2 = time.perf_counter()
        texts = self.recognize(crops) if crops else []
        # A turn must earn its keep: the angle classifier calls some symmetric
        # lines upside down (an MRZ name line, mostly '<<<<', read turned as
        # '>>>>' at low confidence, then dropped). Such a line is read both ways
        # and the more confident reading wins.
        if turned:
            for i, unturned in zip(
                turned, self.recognize([originals[i] for i in turned]), strict=True
            ):
                if unturned[1] > texts[i][1]:
                    texts[i] = unturned
                    crops[i] = originals[i]
        flipped = sum(1 for i in turned if crops[i] is not originals[i])
        mrz_like = [i for i, (text, _) in enumerate(texts) if text.count("<") >= MRZ_MIN_FILLERS]
        if mrz_like:
            stretched = [stretch(crops[i], MRZ_STRETCH) for i in mrz_like]
            for i, reread in zip(mrz_like, self.recognize(stretched), strict=True):
                texts[i] = reread
        t3 = time.perf_counter()
        timings.detect_ms = (t1 - t0) * 1000
        timings.classify_ms = (t2 - t1) * 1000
        timings.recognize_ms = (t3 - t2) * 1000
        lines = [
            Line(text=text.strip(), confidence=conf, box=q.astype(np.float64).round(1).tolist())
            for q, (text, conf) in zip(quads, texts, strict=True)
            if conf >= MIN_LINE_CONFIDENCE and text.strip()
        ]
        return OcrResult(lines=lines, timings=timings, rotated_180=flipped)


# -- pure helpers (unit-tested without the models) ----------------------------


def db_boxes(prob: npt.NDArray[Any], sx: float, sy: float, size: tuple[int, int]) -> list[Quad]:
    """DB post-processing: probability map → text quads scaled back by (sx, sy), clipped to size."""
    bitmap = cv2.dilate((prob > DET_THRESH).astype(np.uint8), np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(bitmap, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    w, h = size
    quads: list[Quad] = []
    for contour in contours[:DET_MAX_CANDIDATES]:
        rect = cv2.minAreaRect(contour)
        if min(rect[1]) < 3:
            continue
        box = cv2.boxPoints(rect)
        if _box_score(prob, box) < DET_BOX_THRESH:
            continue
        grown = _unclip(box)
        if grown is None:
            continue
        rect = cv2.minAreaRect(grown)
        if min(rect[1]) < 5:
            continue
        quad = order_quad(cv2.boxPoints(rect))
        quad[:, 0] = np.clip(quad[:, 0] * sx, 0, w - 1)
        quad[:, 1] = np.clip(quad[:, 1] * sy, 0, h - 1)
        if np.linalg.norm(quad[0] - quad[1]) <= 3 or np.linalg.norm(quad[0] - quad[3]) <= 3:
            continue
        quads.append(quad)
    return quads


def _box_score(prob: npt.NDArray[Any], box: Quad) -> float:
    h, w = prob.shape
    x0 = int(np.clip(np.floor(box[:, 0].min()), 0, w - 1))
    x1 = int(np.clip(np.ceil(box[:, 0].max()), 0, w - 1))
    y0 = int(np.clip(np.floor(box[:, 1].min()), 0, h - 1))
    y1 = int(np.clip(np.ceil(box[:, 1].max()), 0, h - 1))
    mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), dtype=np.uint8)
    pts = (box - np.array([x0, y0], dtype=np.float32)).astype(np.int32)
    cv2.fillPoly(mask, [pts], (1,))
    return float(cv2.mean(prob[y0 : y1 + 1, x0 : x1 + 1], mask)[0])


def _unclip(box: Quad) -> Quad | None:
    area = cv2.contourArea(box)
    perimeter = cv2.arcLength(box, True)
    if perimeter <= 0:
        return None
    distance = area * DET_UNCLIP_RATIO / perimeter
    offset = pyclipper.PyclipperOffset()
    offset.AddPath(box.astype(np.int64).tolist(), pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    paths = offset.Execute(distance)
    if len(paths) != 1:
        return None
    return np.array(paths[0], dtype=np.float32)


def order_quad(pts: Quad) -> Quad:
    """Top-left, top-right, bottom-right, bottom-left."""
    xs = pts[np.argsort(pts[:, 0])]
    left = xs[:2][np.argsort(xs[:2, 1])]
    right = xs[2:][np.argsort(xs[2:, 1])]
    return np.array([left[0], right[0], right[1], left[1]], dtype=np.float32)


def sort_quads(quads: list[Quad]) -> list[Quad]:
    """Reading order: by top edge, then left to right for lines within 10 px of each other."""
    quads = sorted(quads, key=lambda q: (float(q[0, 1]), float(q[0, 0])))
    for i in range(len(quads) - 1):
        for j in range(i, -1, -1):
            a, b = quads[j], quads[j + 1]
            if abs(float(b[0, 1]) - float(a[0, 1])) < 10 and float(b[0, 0]) < float(a[0, 0]):
                quads[j], quads[j + 1] = b, a
            else:
                break
    return quads


def warp_quad(image: Image, quad: Quad, flags: int = cv2.INTER_CUBIC) -> Image:
    """The quad's content as an upright rectangle whose sides keep the quad's measured lengths."""
    width = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    height = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    width, height = max(width, 1), max(height, 1)
    dst = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    out = cv2.warpPerspective(
        image, m, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=flags
    )
    return out.astype(np.uint8)


def stretch(image: Image, factor: float) -> Image:
    """``image`` widened by ``factor`` (height kept)."""
    h, w = image.shape[:2]
    return cv2.resize(image, (max(1, round(w * factor)), h), interpolation=cv2.INTER_CUBIC)


def crop_quad(image: Image, quad: Quad) -> Image:
    """A text line's quad warped upright; tall crops (vertical text) are turned 90°."""
    crop = warp_quad(image, quad)
    if crop.shape[0] / crop.shape[1] >= 1.5:
        crop = np.rot90(crop).copy()
    return crop


def rec_bucket(width: int) -> int:
    """The narrowest of ``REC_WIDTH_BUCKETS`` that holds ``width`` (the widest if none does)."""
    return next((b for b in REC_WIDTH_BUCKETS if b >= width), REC_WIDTH_BUCKETS[-1])


def _resize_pad(img: Image, height: int, width: int) -> npt.NDArray[np.float32]:
    """Resize to ``height`` keeping the aspect ratio (at most ``width``), normalise, pad right."""
    h, w = img.shape[:2]
    rw = min(width, math.ceil(height * w / max(h, 1)))
    resized = cv2.resize(img, (max(rw, 1), height)).astype(np.float32)
    resized = (resized / 255.0 - 0.5) / 0.5
    out = np.zeros((3, height, width), dtype=np.float32)
    out[:, :, : resized.shape[1]] = resized.transpose(2, 0, 1)
    return out


def ctc_decode(probs: npt.NDArray[np.float32], charset: list[str]) -> tuple[str, float, list[int]]:
    """Greedy CTC: best class per step, repeats collapsed, blanks (0) removed.

    Returns the text, its confidence (mean probability of the kept steps) and
    the time step of each character (for word spacing).
    """
    idx = probs.argmax(axis=1)
    best = probs.max(axis=1)
    keep = np.ones(len(idx), dtype=bool)
    keep[1:] = idx[1:] != idx[:-1]
    keep &= idx != 0
    steps = [int(t) for t in np.nonzero(keep)[0]]
    chars = [charset[i] if i < len(charset) else "" for i in idx[keep]]
    if not chars:
        return "", 0.0, []
    return "".join(chars), float(best[keep].mean()), steps


def _without_spaces(text: str, steps: list[int]) -> tuple[str, list[int]]:
    kept = [(ch, t) for ch, t in zip(text, steps, strict=True) if ch != " "]
    return "".join(ch for ch, _ in kept), [t for _, t in kept]


# A blank run of columns at least this share of the line height is a word gap
# (letter gaps are a few per cent of it, word spaces a quarter or more).
WORD_GAP = 0.18
DIGIT_GAP = 0.4
NUMERIC = frozenset("0123456789.,")
MRZ_LINE = re.compile(r"[A-Z0-9<]{28,}")


def insert_word_spaces(
    text: str, steps: list[int], n_steps: int, crop: Image, padded_width: int
) -> str:
    """Put back the spaces PP-OCRv4's recogniser drops between Latin words.

    The Chinese-trained recogniser often omits spaces. Word gaps are measured
    on the crop itself (blank column runs in the binarised line) and a space
    is inserted between the characters whose CTC steps straddle each gap.
    """
    if len(text) != len(steps) or len(text) < 2 or ("<" in text and MRZ_LINE.fullmatch(text)):
        return text
    h, w = crop.shape[:2]
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    rw = min(padded_width, math.ceil(REC_HEIGHT * w / max(h, 1)))
    grey = cv2.resize(grey, (max(rw, 1), REC_HEIGHT))
    _, ink = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    if ink.mean() > 0.5:  # light text on a dark ground
        ink = 1 - ink
    columns = ink[4:-4].sum(axis=0) > 0
    # Step t of the CTC output covers columns [t*stride, (t+1)*stride).
    stride = padded_width / max(1, n_steps)
    runs: list[tuple[int, int]] = []  # (start column, length) of blank runs between ink
    run = 0
    for x, has_ink in enumerate(columns):
        if not has_ink:
            run += 1
            continue
        if run and x - run > 0:
            runs.append((x - run, run))
        run = 0
    if not runs:
        return text
    # A word gap is wide for the font size AND wide for this line's letter
    # spacing (monospace MRZ letters stand as far apart as words elsewhere).
    threshold = max(WORD_GAP * REC_HEIGHT, 2.5 * float(np.median([r for _, r in runs])))
    gaps = [(start + length / 2, length) for start, length in runs if length >= threshold]
    if not gaps:
        return text
    # Between digits the bar is higher: a proportional "1" stands alone in a
    # wide cell, and a space inside a number is rare (and costs one character
    # when missed, where a false split costs one per "1").
    digit_gap = DIGIT_GAP * REC_HEIGHT
    out = [text[0]]
    for k in range(1, len(text)):
        left, right = (steps[k - 1] + 0.5) * stride, (steps[k] + 0.5) * stride
        # MRZ filler runs are spaced like words but never hold a space.
        digits = {text[k], out[-1]} <= NUMERIC and (text[k].isdigit() or out[-1].isdigit())
        needed = digit_gap if digits else 0.0
        if (
            " " not in (text[k], out[-1])
            and "<" not in (text[k], out[-1])
            and any(left < g < right and length >= needed for g, length in gaps)
        ):
            out.append(" ")
        out.append(text[k])
    return "".join(out)

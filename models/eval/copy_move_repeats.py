"""Why copy-move is hard on documents: genuine pages repeat their own print.

``python -m models.eval.copy_move_repeats [--n 80]`` (about 2 minutes of CPU, no services).

A clone tool's copy is an exact duplicate until the editor saves the page again;
after that, the copy differs from its source by the new JPEG's errors. A document
repeats its own print too: the same digits in two dates, a repeated label, a
number printed twice. This measures, on generated pages (``tools.tampergen``,
development seeds 4,000,000+, where no figure of the main evaluation comes from):

- on genuine uploads, the repeated glyph groups (two or more glyphs of the same
  size and shape at one common shift) and how close the closest of them is (RMS
  grey-level difference of the group's box at the best whole-pixel shift);
- on copy-move forgeries, how close the forger's copy is to its source, measured
  the same way at the true shift;
- the ROC AUC of "the page's closest repeat" as a copy-move detector;
- the same with closeness *calibrated* for the editor's save (session 18): a copy
  differs from its source by two JPEG errors only, a genuine repeat by those and by
  two independent draws of the capture's noise. So each pair's difference (in the
  JPEG's own luma) is divided by the difference two fresh JPEG saves at the file's
  quality leave on this content (the box saved at three grid phases other than the
  page's): log ratio about 0 for a copy, above for a repeat carrying its own noise.
  Pairs whose shift is a whole number of 8 x 8 blocks are left out (their JPEG
  errors are the same, for a copy and a repeat). Reported as the page's lowest
  log ratio over its repeats, and, as an upper bound for any detector built on
  it, at the forger's true pair (an oracle that knows where the copy is).

If genuine repeats are as close as copies, duplication alone cannot tell them apart,
whatever the matcher; a detector has to use something else (the paste's seam, the
noise the copy carried along). Pure measurement: no model is trained or tuned here.
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from models.eval.fraud import auc
from models.fraud import tamper
from tools.tampergen import iter_set

SEED0 = 4_000_000
GLYPH_HEIGHT = (7, 60)  # px: a printed character at the generator's resolutions
GLYPH_WIDTH = (2, 60)
SHAPE_TOLERANCE = 0.05  # mean squared difference of 8 x 8 thumbnails, over their variance
MIN_SHIFT = 12  # px: a glyph is not a repeat of its own neighbourhood
SEARCH = 2  # px: whole-pixel refinement of a group's shift

Boxes = npt.NDArray[np.int32]  # (n, 4): x, y, w, h


def glyph_boxes(grey8: npt.NDArray[np.uint8]) -> Boxes:
    """Boxes of dark connected components of character size."""
    ink = cv2.adaptiveThreshold(
        grey8, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15
    )
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    _, _, w, h, area = stats[1:].T
    ok = (h >= GLYPH_HEIGHT[0]) & (h <= GLYPH_HEIGHT[1]) & (w >= GLYPH_WIDTH[0])
    ok &= (w <= GLYPH_WIDTH[1]) & (area >= 8)
    return np.asarray(stats[1:][ok][:, :4], np.int32)


def repeated_groups(
    grey: npt.NDArray[np.float32], boxes: Boxes
) -> list[tuple[tuple[int, int, int, int], tuple[int, int]]]:
    """Groups of two or more neighbouring glyphs that reappear together at one shift:
    (the group's box as x0, y0, x1, y1; the shift)."""
    if len(boxes) < 4:
        return []
    thumbs = []
    for x, y, w, h in boxes:
        patch = grey[max(0, y - 2) : y + h + 2, max(0, x - 2) : x + w + 2]
        t = cv2.resize(patch, (8, 8), interpolation=cv2.INTER_AREA).ravel()
        thumbs.append(t - t.mean())
    th = np.asarray(thumbs, np.float32)
    var = np.maximum(th.var(axis=1), 1.0)
    d2 = ((th[:, None, :] - th[None, :, :]) ** 2).mean(-1) / np.sqrt(var[:, None] * var[None, :])
    size = boxes[:, 2:4].astype(np.int32)
    same = (np.abs(size[:, None, :] - size[None, :, :]) <= 1).all(-1)
    i, j = np.nonzero(np.triu(same & (d2 < SHAPE_TOLERANCE), 1))
    shift = boxes[j, :2] - boxes[i, :2]
    # one direction per pair, so that a pair and its mirror fall in one group
    flip = (shift[:, 0] < 0) | ((shift[:, 0] == 0) & (shift[:, 1] < 0))
    i = np.where(flip, j, i)
    shift = np.where(flip[:, None], -shift, shift)
    far = np.hypot(shift[:, 0], shift[:, 1]) >= MIN_SHIFT
    by_shift: dict[tuple[int, int], list[int]] = {}
    for a, key in zip(i[far], map(tuple, np.round(shift[far] / 2).astype(int)), strict=True):
        by_shift.setdefault((int(key[0]), int(key[1])), []).append(int(a))
    out = []
    for (kx, ky), members in by_shift.items():
        group = boxes[np.unique(members)]
        group = group[np.argsort(group[:, 0])]
        runs: list[list[npt.NDArray[np.int32]]] = [[group[0]]]
        for g in group[1:]:  # neighbours on one line: a run of characters
            last = runs[-1][-1]
            tall = max(int(last[3]), int(g[3]))
            if abs(int(g[1]) - int(last[1])) <= tall and g[0] - (last[0] + last[2]) <= 1.5 * tall:
                runs[-1].append(g)
            else:
                runs.append([g])
        for run in runs:
            if len(run) >= 2:
                r = np.asarray(run)
                box = (
                    int(r[:, 0].min()) - 3,
                    int(r[:, 1].min()) - 3,
                    int((r[:, 0] + r[:, 2]).max()) + 3,
                    int((r[:, 1] + r[:, 3]).max()) + 3,
                )
                out.append((box, (2 * kx, 2 * ky)))
    return out


def _aligned(
    grey: npt.NDArray[np.float32], box: tuple[int, int, int, int], shift: tuple[int, int]
) -> tuple[float, tuple[int, int, int, int], tuple[int, int]] | None:
    """``box`` (x0, y0, x1, y1, clipped to the image) against the box ``shift`` away, at
    the best whole-pixel shift within :data:`SEARCH` px: (mean squared difference with
    the brightness offset removed, the clipped box as x, y, w, h, the match's top-left);
    None when the box is too small or every shifted box leaves the image."""
    h, w = grey.shape
    x0, y0, x1, y1 = max(0, box[0]), max(0, box[1]), min(w, box[2]), min(h, box[3])
    bw, bh = x1 - x0, y1 - y0
    if bw < 4 or bh < 4:
        return None
    src = grey[y0:y1, x0:x1]
    best: tuple[float, int, int] | None = None
    for ox in range(-SEARCH, SEARCH + 1):
        for oy in range(-SEARCH, SEARCH + 1):
            tx, ty = x0 + shift[0] + ox, y0 + shift[1] + oy
            if tx < 0 or ty < 0 or tx + bw > w or ty + bh > h:
                continue
            diff = src - grey[ty : ty + bh, tx : tx + bw]
            e = float(np.mean((diff - diff.mean()) ** 2))
            if best is None or e < best[0]:
                best = (e, tx, ty)
    return None if best is None else (best[0], (x0, y0, bw, bh), (best[1], best[2]))


def closeness(
    grey: npt.NDArray[np.float32], box: tuple[int, int, int, int], shift: tuple[int, int]
) -> float | None:
    """RMS grey-level difference between ``box`` and the box ``shift`` away, at the best
    whole-pixel shift within :data:`SEARCH` px (brightness offset removed); None when
    the shifted box leaves the image."""
    found = _aligned(grey, box, shift)
    return None if found is None else math.sqrt(found[0])


def page_repeats(grey8: npt.NDArray[np.uint8]) -> tuple[int, float | None]:
    """(repeated glyph groups on the page, RMS of the closest one)."""
    grey = grey8.astype(np.float32)
    groups = repeated_groups(grey, glyph_boxes(grey8))
    rms = [c for box, shift in groups if (c := closeness(grey, box, shift)) is not None]
    return len(groups), (min(rms) if rms else None)


def _fresh_jpeg_error(
    grey: npt.NDArray[np.float32], box: tuple[int, int, int, int], q: int
) -> float:
    """Mean squared error a fresh JPEG save at quality ``q`` leaves on ``box`` (x, y, w, h),
    averaged over three grid phases that are not the page's."""
    h, w = grey.shape
    x, y, bw, bh = box
    errs = []
    for px, py in ((3, 5), (5, 2), (1, 6)):
        x0, y0 = max(0, x - 8 - px), max(0, y - 8 - py)
        x1, y1 = min(w, x + bw + 8), min(h, y + bh + 8)
        crop = np.clip(np.rint(grey[y0:y1, x0:x1]), 0, 255).astype(np.uint8)
        ok, buf = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, int(q)])
        if not ok:
            continue
        dec = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE).astype(np.float32)
        err = (dec - crop)[y - y0 : y - y0 + bh, x - x0 : x - x0 + bw]
        errs.append(float(np.mean(err**2)))
    return float(np.mean(errs)) if errs else math.nan


def calibrated(
    grey: npt.NDArray[np.float32], box: tuple[int, int, int, int], shift: tuple[int, int], q: int
) -> float | None:
    """log(pair difference / two fresh JPEG errors) of ``box`` (x0, y0, x1, y1) and the box
    ``shift`` away, aligned as in :func:`closeness`; None when it cannot be measured or
    the aligned shift is a whole number of 8 x 8 blocks."""
    found = _aligned(grey, box, shift)
    if found is None:
        return None
    diff, (x0, y0, bw, bh), (tx, ty) = found
    if (tx - x0) % 8 == 0 and (ty - y0) % 8 == 0:
        return None
    fresh = 0.5 * (
        _fresh_jpeg_error(grey, (x0, y0, bw, bh), q) + _fresh_jpeg_error(grey, (tx, ty, bw, bh), q)
    )
    if not math.isfinite(fresh):
        return None
    return math.log((diff + 0.05) / (2 * fresh + 0.05))


def run(n: int) -> dict[str, Any]:
    """Measure ``n`` genuine uploads and ``n`` copy-moves. Blocking, CPU."""
    genuine_best: list[float] = []
    groups: list[int] = []
    copy_true: list[float] = []
    copy_best: list[float] = []
    cal_genuine: list[float] = []  # the page's lowest calibrated log ratio
    cal_copy_page: list[float] = []
    cal_copy_true: list[float] = []
    for kind, _, up in iter_set(n, SEED0, ("genuine", "copy_move")):
        img = tamper.load_image(up.image_bytes)
        grey8 = np.asarray(cv2.cvtColor(img.bgr, cv2.COLOR_BGR2GRAY), np.uint8)
        count, best = page_repeats(grey8)
        # the JPEG's own luma, where its quantisation errors live (no colour conversion)
        luma = (
            (img.luma + 128).astype(np.float32)
            if img.luma is not None
            else grey8.astype(np.float32)
        )
        q = img.quality or 95
        cal = [
            c
            for box, shift in repeated_groups(grey8.astype(np.float32), glyph_boxes(grey8))
            if (c := calibrated(luma, box, shift, q)) is not None
        ]
        page_cal = min(cal, default=math.inf)
        if kind == "genuine":
            groups.append(count)
            genuine_best.append(best if best is not None else math.inf)
            cal_genuine.append(page_cal)
            continue
        cal_copy_page.append(page_cal)
        copy_best.append(best if best is not None else math.inf)
        sx, sy, pw, ph = up.details["source"]
        tx, ty, _, _ = up.regions[0]
        true = closeness(grey8.astype(np.float32), (sx, sy, sx + pw, sy + ph), (tx - sx, ty - sy))
        if true is not None:
            copy_true.append(true)
        oracle = calibrated(luma, (sx, sy, sx + pw, sy + ph), (tx - sx, ty - sy), q)
        if oracle is not None:
            cal_copy_true.append(oracle)
    finite = [g for g in genuine_best if math.isfinite(g)]
    median_copy = float(np.median(copy_true))
    return {
        "n": n,
        "genuineWithRepeats": float(np.mean([g > 0 for g in groups])),
        "repeatedGroupsPerPageMedian": float(np.median(groups)),
        "closestGenuineRepeatRmsMedian": float(np.median(finite)),
        "closestGenuineRepeatRmsP10": float(np.percentile(finite, 10)),
        "copyToSourceRmsMedian": median_copy,
        "copyToSourceRmsP90": float(np.percentile(copy_true, 90)),
        "genuineCloserThanMedianCopy": float(np.mean(np.asarray(genuine_best) < median_copy)),
        "aucClosestRepeat": auc([-c for c in copy_best], [-g for g in genuine_best]),
        "calibratedTruePairMedian": float(np.median(cal_copy_true)),
        "calibratedGenuinePageMinMedian": float(
            np.median(np.asarray(cal_genuine)[np.isfinite(cal_genuine)])
        ),
        "aucCalibratedPage": auc([-c for c in cal_copy_page], [-g for g in cal_genuine]),
        "aucCalibratedTruePairOracle": auc([-c for c in cal_copy_true], [-g for g in cal_genuine]),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--n", type=int, default=80, help="genuine uploads and copy-moves each")
    args = ap.parse_args(argv)
    t0 = time.time()
    res = run(args.n)
    print(f"python -m models.eval.copy_move_repeats --n {args.n}  ({time.time() - t0:.0f} s)")
    for k, v in res.items():
        print(f"  {k}: {v:.3f}" if isinstance(v, float) else f"  {k}: {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

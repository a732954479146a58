"""A second forger, written apart from :mod:`tools.tampergen`, for evaluation only.

The learned detector (:mod:`models.fraud.edits`) was trained on ``tools.tampergen``'s
forgeries. Its held-out figures (other seeds, the same forger) say how well it learned
*that* forger's traces, not how it does against a forger with other tools. This module
is that other forger. Nothing trains on it and no threshold is set on it: it exists so
that ``python -m models.eval.fraud_holdout`` can measure the detector out of
distribution.

What it does differently, on purpose:

- **tools**: OpenCV inpainting (Telea or Navier-Stokes) instead of a flat background
  fill; Poisson blending (``cv2.seamlessClone``, as a healing brush or a "content-aware"
  paste does) instead of alpha feathering; OpenCV's Hershey vector fonts instead of
  FreeType fonts; sub-pixel resampling of cloned pieces;
- **edits**: besides re-typing, cloning digits and splicing a donor's field, it also
  *erases* a field (no new text), which ``tools.tampergen`` never does;
- **saving**: Pillow's encoder (not OpenCV's), chroma subsampling 4:4:4 or 4:2:0,
  optimised Huffman tables, quality 75-98, and sometimes a lossless PNG; EXIF is
  always dropped (Pillow does not carry it over unless asked).

Every forgery starts from the genuine camera upload of :func:`tools.tampergen.genuine`
(the world's part: the phone's JPEG), decoded. The controls (:func:`resaved`) go through
the same decode and save with no edit, so that a detector cannot score by spotting
the editor's encoder instead of the edit.

All randomness comes from the ``numpy.random.Generator`` passed in: a seed reproduces
the set. Regions are ``(x, y, w, h)`` in the saved image's pixels.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from tools.docgen import CONDITIONS, Sample, generate
from tools.tampergen import REAL_TYPES, UPRIGHT, NotApplicable, genuine, sweep
from tools.tampergen import TamperedSample as Forgery  # the same record: bytes, kind, regions

__all__ = [
    "ATTACKS",
    "KINDS",
    "Forgery",
    "NotApplicable",
    "clone_digits",
    "erase_field",
    "inpaint_retype",
    "iter_set",
    "poisson_splice",
    "resaved",
]

BGR = npt.NDArray[np.uint8]
Box = tuple[int, int, int, int]

SAVE_QUALITY = (75, 99)  # [lo, hi)
P_PNG = 0.15
P_SUBSAMPLE_444 = 0.5
P_CAREFUL = 0.5
HERSHEY = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
    cv2.FONT_HERSHEY_PLAIN,
)


# -- open and save, as an editor does ---------------------------------------------------
def _open(data: bytes) -> BGR:
    with Image.open(io.BytesIO(data)) as im:
        rgb = np.asarray(im.convert("RGB"), np.uint8)
    return np.ascontiguousarray(rgb[..., ::-1])


def _save(img: BGR, rng: np.random.Generator) -> tuple[bytes, dict[str, Any]]:
    pil = Image.fromarray(np.ascontiguousarray(img[..., ::-1]))
    buf = io.BytesIO()
    if rng.random() < P_PNG:
        pil.save(buf, format="PNG")
        return buf.getvalue(), {"format": "PNG"}
    quality = int(rng.integers(*SAVE_QUALITY))
    subsampling = 0 if rng.random() < P_SUBSAMPLE_444 else 2  # 4:4:4 or 4:2:0
    pil.save(buf, format="JPEG", quality=quality, subsampling=subsampling, optimize=True)
    return buf.getvalue(), {"format": "JPEG", "quality": quality, "subsampling": subsampling}


def _saved(img: BGR, kind: str, region: Box | None, rng: Any, **details: Any) -> Forgery:
    """The edited page saved by the editor (:func:`_save`), as an upload of ``kind``."""
    data, save = _save(img, rng)
    return Forgery(data, kind, (region,) if region else (), {**details, **save})


def _capture(sample: Sample, rng: np.random.Generator) -> BGR:
    """The genuine phone/scanner upload, decoded: what the forger starts from."""
    return _open(genuine(sample, rng).image_bytes)


# -- helpers over fields -----------------------------------------------------------------
def _fields(sample: Sample, img: BGR, digits: int = 0) -> list[tuple[str, str, Box]]:
    """Visible fields of a usable size, as (name, value, (x0, y0, x1, y1))."""
    h, w = img.shape[:2]
    out = []
    for f in sample.fields:
        x0, y0, x1, y1 = (int(v) for v in f.box)
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
        ok = f.visible and x1 - x0 >= 24 and 10 <= y1 - y0 < 0.2 * h and len(f.value) >= 2
        if ok and sum(c.isdigit() for c in f.value) >= digits:
            out.append((f.name, f.value, (x0, y0, x1, y1)))
    return out


def _ink_mask(img: BGR, box: Box, grow: int) -> npt.NDArray[np.uint8]:
    """255 on the printed strokes inside ``box`` (Otsu on the box), grown by ``grow`` px."""
    x0, y0, x1, y1 = box
    grey = cv2.cvtColor(img[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    mask = np.zeros(img.shape[:2], np.uint8)
    mask[y0:y1, x0:x1] = ink
    if grow > 0:
        mask[:] = cv2.dilate(mask, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))
    return mask


def _erase(img: BGR, box: Box, rng: np.random.Generator) -> BGR:
    """The strokes in ``box`` inpainted away (Telea or Navier-Stokes)."""
    mask = _ink_mask(img, box, int(rng.integers(1, 4)))
    method = cv2.INPAINT_TELEA if rng.random() < 0.5 else cv2.INPAINT_NS
    return np.asarray(cv2.inpaint(img, mask, float(rng.uniform(2, 6)), method), np.uint8)


def _ink_colour(img: BGR, box: Box) -> tuple[int, int, int]:
    x0, y0, x1, y1 = box
    px = img[y0:y1, x0:x1].reshape(-1, 3).astype(np.int32)
    dark = px[px.sum(axis=1) <= np.percentile(px.sum(axis=1), 10)]
    return tuple(int(v) for v in np.median(dark, axis=0))  # type: ignore[return-value]


def _page_noise(img: BGR) -> float:
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    res = grey.astype(np.float32) - cv2.GaussianBlur(grey, (0, 0), 1.0).astype(np.float32)
    return float(1.4826 * np.median(np.abs(res)))


def _clone(dst: BGR, piece: BGR, x: int, y: int, mode: int) -> tuple[BGR, Box] | None:
    """``piece`` Poisson-blended into ``dst`` with its top-left at (x, y) (``mode``: a
    ``cv2`` clone flag); None when it does not fit (``seamlessClone`` needs the piece
    inside, off the border)."""
    h, w = dst.shape[:2]
    ph, pw = piece.shape[:2]
    if x < 2 or y < 2 or x + pw > w - 2 or y + ph > h - 2 or pw < 6 or ph < 6:
        return None
    mask = np.zeros((ph, pw), np.uint8)
    mask[1:-1, 1:-1] = 255
    centre = (x + pw // 2, y + ph // 2)
    out = cv2.seamlessClone(piece, dst, mask, centre, mode)
    # seamlessClone centres the mask's bounding box: the top-left may move by one pixel
    return np.asarray(out, np.uint8), (centre[0] - pw // 2, centre[1] - ph // 2, pw, ph)


# -- the attacks --------------------------------------------------------------------------
def resaved(sample: Sample, rng: np.random.Generator) -> Forgery:
    """The control: the genuine upload opened and saved by the editor, no edit."""
    return _saved(_capture(sample, rng), "resaved", None, rng)


def inpaint_retype(sample: Sample, rng: np.random.Generator) -> Forgery:
    """A field's strokes inpainted away and another value drawn in a Hershey font."""
    img = _capture(sample, rng)
    fields = _fields(sample, img)
    if not fields:
        raise NotApplicable("no field to retype")
    with_digits = [f for f in fields if any(c.isdigit() for c in f[1])]
    pool = with_digits if with_digits and rng.random() < 0.7 else fields
    name, value, box = pool[int(rng.integers(len(pool)))]
    x0, y0, x1, y1 = box
    ink = _ink_colour(img, box)
    img = _erase(img, box, rng)
    chars = list(value)
    for i in rng.choice(len(chars), size=min(len(chars), int(rng.integers(1, 4))), replace=False):
        c = chars[int(i)]
        chars[int(i)] = str((int(c) + 1 + int(rng.integers(8))) % 10) if c.isdigit() else c
    new = "".join(chars)
    face = HERSHEY[int(rng.integers(len(HERSHEY)))]
    thick = 1 if y1 - y0 < 24 else int(rng.integers(1, 3))
    (tw, th), _ = cv2.getTextSize(new, face, 1.0, thick)
    scale = min((y1 - y0) * float(rng.uniform(0.75, 0.95)) / max(th, 1), (x1 - x0) / max(tw, 1))
    (tw, th), base = cv2.getTextSize(new, face, scale, thick)
    layer = img.copy()
    org = (x0, y0 + (y1 - y0 + th) // 2)
    cv2.putText(layer, new, org, face, scale, ink, thick, cv2.LINE_AA)
    careful = bool(rng.random() < P_CAREFUL)
    px0, py0 = max(0, x0 - 3), max(0, y0 - 3)
    px1, py1 = min(img.shape[1], max(x1, x0 + tw) + 3), min(img.shape[0], y1 + base + 3)
    if careful:  # the capture's blur and noise on the new text, as a careful forger adds
        part = cv2.GaussianBlur(layer[py0:py1, px0:px1], (0, 0), float(rng.uniform(0.5, 1.0)))
        noise = rng.normal(0, _page_noise(img), part.shape[:2])[..., None]
        layer[py0:py1, px0:px1] = np.clip(part.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    region = (px0, py0, px1 - px0, py1 - py0)
    return _saved(layer, "inpaint_retype", region, rng, field=name, careful=careful)


def erase_field(sample: Sample, rng: np.random.Generator) -> Forgery:
    """A field's value inpainted away, nothing written in its place."""
    img = _capture(sample, rng)
    fields = _fields(sample, img)
    if not fields:
        raise NotApplicable("no field to erase")
    name, _, box = fields[int(rng.integers(len(fields)))]
    x0, y0, x1, y1 = box
    img = _erase(img, box, rng)
    return _saved(img, "erase_field", (x0, y0, x1 - x0, y1 - y0), rng, field=name)


def clone_digits(sample: Sample, rng: np.random.Generator) -> Forgery:
    """Digits of one field Poisson-cloned over digits elsewhere (a healing brush), half of
    the time resampled at a sub-pixel offset first."""
    img = _capture(sample, rng)
    fields = _fields(sample, img, digits=2)
    if not fields:
        raise NotApplicable("no field with digits")
    _, value, (x0, y0, x1, y1) = fields[int(rng.integers(len(fields)))]
    step = (x1 - x0) / len(value)
    starts = [i for i in range(len(value) - 1) if value[i : i + 2].isdigit()] or [0]
    i = starts[int(rng.integers(len(starts)))]
    n = min(len(value) - i, int(rng.integers(2, 5)))
    pad = int(rng.integers(3, 7))
    sx0, sy0 = max(0, round(x0 + i * step) - pad), max(0, y0 - pad)
    sx1, sy1 = min(img.shape[1], round(x0 + (i + n) * step) + pad), min(img.shape[0], y1 + pad)
    piece = img[sy0:sy1, sx0:sx1].copy()
    subpixel = bool(rng.random() < 0.5)
    if subpixel:
        m = np.array([[1, 0, rng.uniform(0.2, 0.8)], [0, 1, rng.uniform(0.2, 0.8)]], np.float32)
        size = (piece.shape[1], piece.shape[0])
        piece = np.asarray(cv2.warpAffine(piece, m, size, borderMode=cv2.BORDER_REFLECT), np.uint8)
    targets = [f for f in fields if f[2] != (x0, y0, x1, y1)]
    ph, pw = piece.shape[:2]
    if targets:
        _, v2, (a0, b0, a1, b1) = targets[int(rng.integers(len(targets)))]
        j = int(rng.integers(0, max(1, len(v2) - n + 1)))
        tx = round(a0 + j * (a1 - a0) / len(v2)) - pad
        ty = b0 - pad + ((b1 - b0) - (y1 - y0)) // 2
    else:
        tx, ty = sx1 + int(rng.integers(4, 12)), sy0
    if abs(tx - sx0) < pw and abs(ty - sy0) < ph:
        raise NotApplicable("no distinct place to clone to")
    done = _clone(img, piece, tx, ty, cv2.NORMAL_CLONE)  # a clone stamp overwrites
    if done is None:
        raise NotApplicable("the clone does not fit")
    img, region = done
    source = [sx0, sy0, pw, ph]
    return _saved(img, "clone_digits", region, rng, source=source, subpixel=subpixel)


def poisson_splice(sample: Sample, rng: np.random.Generator) -> Forgery:
    """The same field of another person's document (another capture) Poisson-blended in."""
    img = _capture(sample, rng)
    others = [c for c in CONDITIONS if c not in ("rotated_90", "rotated_180", "partial_crop")]
    donor_sample = generate(
        int(rng.integers(10**7, 2 * 10**7)),
        sample.doc_type,
        sample.template,
        others[int(rng.integers(len(others)))],
    )
    donor = _capture(donor_sample, rng)
    mine = {f[0]: f for f in _fields(sample, img)}
    theirs = {f[0]: f for f in _fields(donor_sample, donor)}
    names = sorted(set(mine) & set(theirs))
    if not names:
        raise NotApplicable("no field in common")
    name = names[int(rng.integers(len(names)))]
    x0, y0, x1, y1 = mine[name][2]
    d0, e0, d1, e1 = theirs[name][2]
    m = int(rng.integers(3, 8))
    piece = donor[max(0, e0 - m) : e1 + m, max(0, d0 - m) : d1 + m]
    tw = max(d1 - d0, x1 - x0) + 2 * m
    th = (y1 - y0) + 2 * m
    piece = np.asarray(cv2.resize(piece, (tw, th), interpolation=cv2.INTER_CUBIC), np.uint8)
    img = _erase(img, (x0, y0, x1, y1), rng)  # else the old value shows through a blend
    mixed = bool(rng.random() < 0.4)
    done = _clone(img, piece, x0 - m, y0 - m, cv2.MIXED_CLONE if mixed else cv2.NORMAL_CLONE)
    if done is None:
        raise NotApplicable("the piece does not fit")
    img, region = done
    return _saved(
        img, "poisson_splice", region, rng, field=name, donor=donor_sample.seed, mixed=mixed
    )


ATTACKS: dict[str, Callable[[Sample, np.random.Generator], Forgery]] = {
    "resaved": resaved,
    "inpaint_retype": inpaint_retype,
    "erase_field": erase_field,
    "clone_digits": clone_digits,
    "poisson_splice": poisson_splice,
}
#: Every kind, the control first.
KINDS: tuple[str, ...] = tuple(ATTACKS)


def iter_set(
    per_kind: int, seed0: int, kinds: tuple[str, ...] = KINDS
) -> Iterator[tuple[str, Sample, Forgery]]:
    """``per_kind`` uploads of each kind: (kind, the genuine sample, the upload).

    Document types and templates cycle through every real type and template,
    conditions through the upright ones (tampergen's loop, :func:`tools.tampergen.sweep`,
    over this forger's attacks). Deterministic in ``seed0``; a sample an attack cannot
    use is replaced by the next seed. Blocking, CPU (~0.2 s per upload).
    """
    return sweep(ATTACKS, KINDS, per_kind, seed0, kinds, lambda _: REAL_TYPES, lambda _: UPRIGHT)

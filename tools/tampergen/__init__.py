"""The tampering set: attacks on genuine generated documents, and the genuine uploads.

Every attack is a function ``(sample, rng) -> TamperedSample``: it takes a
:class:`tools.docgen.Sample` and a ``numpy.random.Generator`` (all randomness
comes from it, so a seed reproduces the set) and returns the bytes a
fraudster would upload, the kind of attack, and the tampered regions as
``(x, y, w, h)`` in the uploaded image's pixels.

How a forgery is made, as in the field: the forger starts from a genuine
capture, usually the phone's JPEG (:data:`P_START_FROM_JPEG`, quality
:data:`CAMERA_QUALITY`), sometimes a lossless scan; edits it; and saves a JPEG
again (:data:`EDITOR_QUALITY`). The saved file keeps the original EXIF
verbatim (some tools do), keeps it with a fresh thumbnail (a careful forger),
or has none (most online editors and messengers strip it), see
:data:`EXIF_FATE`. Half the pixel forgeries are *careful*: the painted
background gets the page's noise and a little blur, edges are feathered.

Kinds (:data:`KINDS`):

- ``genuine``: the untouched capture, saved as a camera would (quality
  :data:`CAMERA_QUALITY`, with camera EXIF for photo-like conditions);
- ``retype``: a field value painted over with the background colour and
  re-typed with different characters, in another font and size;
- ``copy_move``: a group of digits copied from one field onto another place
  of the same image (pure translation, as a clone tool does);
- ``portrait_swap``: another document's portrait (another capture, resized)
  pasted over the portrait;
- ``splice``: a region from another document of the same template (another
  person, another capture condition) pasted over the same fields;
- ``screen_recapture``: the document shown on a simulated LCD (RGB subpixel
  stripes, gamma, backlight) and photographed (perspective, moiré, blur);
- ``print_recapture``: the document printed (CMYK halftone on paper) and
  photographed on a table;
- ``metadata``: pixels untouched (the same compressed data), EXIF edited:
  an editor's name in Software, a capture date after the submission or
  before 2000;
- ``retouch``: a field's strokes removed with a retouch tool (grey-level
  closing or a large median) and, 7 times in 10, another value typed on the
  retouched paper;
- ``resampled_paste``: another person's field scaled, turned by up to 2
  degrees, resampled (bicubic) and pasted over the same field.
- ``recompressed``: untouched, like ``genuine``: the genuine capture re-encoded on
  its way (cropped or scaled in a gallery app, or passed through a messenger) and
  saved at an editor's quality. A detector that takes "compressed twice" for
  "edited" fails here; :data:`UNTOUCHED` names the kinds that are not forgeries.

Portraits are all the same real face (``skimage.data.astronaut``, see
``tools.docgen``), so a swapped portrait is the same person from another
capture: it tests the forensic traces of pasting, not face comparison.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from models.doctypes import DocumentType
from tools.docgen import CONDITIONS, Sample, generate
from tools.docgen.fonts import font
from tools.tampergen.exif import CameraExif, build_exif, exif_payload, with_exif

__all__ = [
    "ATTACKS",
    "KINDS",
    "PHOTO_CONDITIONS",
    "REAL_TYPES",
    "SUBMITTED_AT",
    "UNTOUCHED",
    "UPRIGHT",
    "TamperedSample",
    "copy_move",
    "genuine",
    "iter_set",
    "metadata",
    "portrait_swap",
    "print_recapture",
    "recompressed",
    "resampled_paste",
    "retouch",
    "retype",
    "screen_recapture",
    "splice",
    "sweep",
]

Box = tuple[int, int, int, int]  # x, y, w, h
BGR = npt.NDArray[np.uint8]

#: The submission time the set is made for: capture dates are before it.
SUBMITTED_AT = dt.datetime(2026, 11, 26, 12, 0, 0)
#: Conditions that stand for a photo (camera EXIF); the others for a scanner.
PHOTO_CONDITIONS = frozenset({"phone", "blur", "noise", "glare", "shadow", "low_light"})
CAMERA_QUALITY = (85, 96)  # [lo, hi) JPEG quality of a phone camera / scanner driver
EDITOR_QUALITY = (70, 96)  # an editor's "save as JPEG"
P_START_FROM_JPEG = 0.75
P_CAREFUL = 0.5
P_CAMERA_EXIF = 0.8  # genuine photos: the rest were stripped on the way (messenger, browser)
P_SCANNER_EXIF = 0.3
# What happens to the EXIF of a pixel forgery: (stripped, copied verbatim, copied + new thumbnail).
EXIF_FATE = (0.4, 0.3, 0.3)

PHONES: tuple[tuple[str, str, str], ...] = (
    ("samsung", "SM-A146B", "A146BXXS4CXB2"),
    ("samsung", "SM-G991B", "G991BXXSBGXA1"),
    ("Apple", "iPhone 13", "17.5.1"),
    ("Apple", "iPhone 11", "16.7.8"),
    ("HUAWEI", "VOG-L29", "VOG-L29 12.0.0.206(C432E7R1P5)"),
    ("Xiaomi", "Redmi Note 12", "MIUI 14.0.6"),
    ("TECNO", "TECNO KI5q", "KI5q-H6921ABC-T-GL-240115V591"),
)
SCANNERS: tuple[tuple[str, str, str], ...] = (
    ("EPSON", "ES-50", "Epson Scan 2"),
    ("Canon", "CanoScan LiDE 300", "CanoScan Toolbox"),
    ("HP", "HP LaserJet MFP M234sdw", "HP Scan"),
)
EDITORS: tuple[str, ...] = (
    "Adobe Photoshop 25.0 (Windows)",
    "Adobe Photoshop CC 2019 (Macintosh)",
    "GIMP 2.10.36",
    "Adobe Lightroom 7.2",
    "Snapseed 2.21",
    "Canva",
    "PicsArt",
)
RETYPE_FONTS: tuple[str, ...] = (
    "dejavu-sans",
    "dejavu-serif",
    "dejavu-condensed-bold",
    "liberation-sans",
    "liberation-serif",
    "liberation-mono",
    "free-sans",
    "free-serif",
    "free-mono",
    "nimbus-roman",
    "nimbus-narrow",
    "c059",
    "gothic",
    "bookman",
)
# Portrait types; a portrait swap takes its donor from one of these.
PORTRAIT_TYPES: tuple[DocumentType, ...] = (
    DocumentType.NATIONAL_ID_FRONT,
    DocumentType.PASSPORT,
    DocumentType.DRIVERS_LICENCE,
    DocumentType.RESIDENCE_PERMIT,
    DocumentType.FOREIGN_PASSPORT,
    DocumentType.FOREIGN_ID_CARD,
    DocumentType.VISA,
)


class NotApplicable(ValueError):
    """The attack cannot be made on this sample (no portrait, no digits)."""


@dataclass(frozen=True)
class TamperedSample:
    """An upload (genuine or forged) and what was done to it."""

    image_bytes: bytes
    kind: str
    regions: tuple[Box, ...]
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def tampered(self) -> bool:
        return self.kind not in UNTOUCHED


# -- encoding and EXIF -------------------------------------------------------------------
def _jpeg(img: BGR, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return bytes(buf.tobytes())


def _decode(data: bytes) -> BGR:
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise RuntimeError("JPEG decoding failed")
    return np.asarray(img, np.uint8)


def _thumbnail(img: BGR) -> bytes:
    h, w = img.shape[:2]
    s = 160 / max(h, w)
    small = cv2.resize(
        img, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA
    )
    return _jpeg(np.asarray(small, np.uint8), 75)


def _camera(condition: str, img: BGR, rng: np.random.Generator) -> CameraExif | None:
    """The EXIF a genuine capture of ``condition`` carries, or None (stripped)."""
    photo = condition in PHOTO_CONDITIONS
    if rng.random() >= (P_CAMERA_EXIF if photo else P_SCANNER_EXIF):
        return None
    make, model, software = (PHONES if photo else SCANNERS)[
        int(rng.integers(len(PHONES) if photo else len(SCANNERS)))
    ]
    taken = SUBMITTED_AT - dt.timedelta(minutes=float(rng.uniform(2, 60 * 24 * 30)))
    return CameraExif(make, model, software, taken, taken, _thumbnail(img))


def _upload(img: BGR, condition: str, rng: np.random.Generator) -> tuple[bytes, CameraExif | None]:
    quality = int(rng.integers(*CAMERA_QUALITY))
    cam = _camera(condition, img, rng)
    data = _jpeg(img, quality)
    if cam is not None:
        data = with_exif(data, build_exif(cam))
    return data, cam


#: Every kind, genuine first.
KINDS: tuple[str, ...] = (
    "genuine",
    "retype",
    "copy_move",
    "portrait_swap",
    "splice",
    "screen_recapture",
    "print_recapture",
    "metadata",
    # added later, so that the kinds before them keep their seeds
    "retouch",
    "resampled_paste",
    "recompressed",
)
#: The kinds that are not forgeries: what a detector must leave alone.
UNTOUCHED: frozenset[str] = frozenset({"genuine", "recompressed"})
#: A gallery app or messenger on the way: share of uploads cropped, and of uploads scaled.
P_RECOMPRESS_CROP = 0.5
P_RECOMPRESS_SCALE = 0.3
P_RECOMPRESS_EXIF = 0.4  # a gallery app keeps camera EXIF (new thumbnail); messengers strip it


def genuine(sample: Sample, rng: np.random.Generator) -> TamperedSample:
    """The untouched capture as the device saved it."""
    data, cam = _upload(sample.image, sample.condition, rng)
    return TamperedSample(data, "genuine", (), {"exif": cam is not None})


def recompressed(sample: Sample, rng: np.random.Generator) -> TamperedSample:
    """The genuine capture, re-encoded on its way without any edit of its content: opened
    in a gallery app (cropped at the edges half the time, scaled down 3 times in 10) or
    passed through a messenger, and saved as JPEG at an editor's quality. Untouched, but
    compressed twice, on a grid that may no longer be the camera's."""
    data, cam = _upload(sample.image, sample.condition, rng)
    img = _decode(data)
    details: dict[str, Any] = {}
    if rng.random() < P_RECOMPRESS_CROP:
        h, w = img.shape[:2]
        top, bottom, left, right = (int(v) for v in rng.integers(1, 41, 4))
        img = np.ascontiguousarray(img[top : h - bottom, left : w - right])
        details["crop"] = [left, top, right, bottom]
    if rng.random() < P_RECOMPRESS_SCALE:
        scale = float(rng.uniform(0.6, 0.95))
        img = np.asarray(cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
        details["scale"] = round(scale, 3)
    quality = int(rng.integers(*EDITOR_QUALITY))
    out = _jpeg(img, quality)
    kept = cam is not None and rng.random() < P_RECOMPRESS_EXIF
    if kept and cam is not None:
        fresh = CameraExif(
            cam.make, cam.model, cam.software, cam.taken, cam.modified, _thumbnail(img)
        )
        out = with_exif(out, build_exif(fresh))
    return TamperedSample(out, "recompressed", (), {**details, "quality": quality, "exif": kept})


@dataclass
class _Start:
    img: BGR  # what the forger edits
    original: bytes  # the genuine upload the forger started from
    cam: CameraExif | None


def _start(sample: Sample, rng: np.random.Generator) -> _Start:
    data, cam = _upload(sample.image, sample.condition, rng)
    if rng.random() < P_START_FROM_JPEG:
        return _Start(_decode(data), data, cam)
    return _Start(sample.image.copy(), data, cam)


def _finish(
    img: BGR, start: _Start, rng: np.random.Generator, kind: str, regions: tuple[Box, ...], **d: Any
) -> TamperedSample:
    quality = int(rng.integers(*EDITOR_QUALITY))
    data = _jpeg(img, quality)
    fate = int(rng.choice(3, p=list(EXIF_FATE)))
    payload = exif_payload(start.original) if start.cam is not None else None
    if payload is not None and fate == 1:
        data = with_exif(data, payload)
    elif start.cam is not None and fate == 2:
        cam = CameraExif(
            start.cam.make,
            start.cam.model,
            start.cam.software,
            start.cam.taken,
            start.cam.modified,
            _thumbnail(img),
        )
        data = with_exif(data, build_exif(cam))
    fates = ("stripped", "verbatim", "fresh_thumbnail")
    details = {"quality": quality, "exif": fates[fate] if start.cam else "none", **d}
    return TamperedSample(data, kind, regions, details)


# -- helpers over the image --------------------------------------------------------------
def _xyxy_to_xywh(b: tuple[int, int, int, int]) -> Box:
    return (b[0], b[1], b[2] - b[0], b[3] - b[1])


def _clip(x0: int, y0: int, x1: int, y1: int, img: BGR) -> tuple[int, int, int, int]:
    h, w = img.shape[:2]
    return max(0, x0), max(0, y0), min(w, x1), min(h, y1)


def _ring(img: BGR, x0: int, y0: int, x1: int, y1: int, width: int) -> npt.NDArray[np.uint8]:
    """Pixels in a frame of ``width`` around the box (the local background)."""
    a0, b0, a1, b1 = _clip(x0 - width, y0 - width, x1 + width, y1 + width, img)
    patch = img[b0:b1, a0:a1].reshape(-1, 3)
    inner = np.zeros((b1 - b0, a1 - a0), bool)
    inner[max(0, y0 - b0) : y1 - b0, max(0, x0 - a0) : x1 - a0] = True
    return np.asarray(patch[~inner.reshape(-1)], np.uint8)


def _background(img: BGR, box: tuple[int, int, int, int]) -> tuple[int, int, int]:
    ring = _ring(img, *box, width=5)
    grey = ring.astype(np.int32).sum(axis=1)
    light = ring[grey >= np.percentile(grey, 40)]  # the paper, not the ink of neighbours
    med = np.median(light, axis=0)
    return (int(med[0]), int(med[1]), int(med[2]))


def _ink(img: BGR, box: tuple[int, int, int, int]) -> tuple[int, int, int]:
    x0, y0, x1, y1 = box
    patch = img[y0:y1, x0:x1].reshape(-1, 3)
    grey = patch.astype(np.int32).sum(axis=1)
    dark = patch[grey <= np.percentile(grey, 8)]
    med = np.median(dark, axis=0)
    return (int(med[0]), int(med[1]), int(med[2]))


def _noise_sigma(img: BGR) -> float:
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
    res = grey - cv2.medianBlur(grey.astype(np.uint8), 3).astype(np.float32)
    return float(1.4826 * np.median(np.abs(res)) + 0.5)


def _usable_fields(sample: Sample, need_digits: int = 0) -> list[tuple[str, str, tuple[int, ...]]]:
    out: list[tuple[str, str, tuple[int, ...]]] = []
    for f in sample.fields:
        x0, y0, x1, y1 = f.box
        digits = sum(c.isdigit() for c in f.value)
        sized = x1 - x0 >= 24 and 10 <= y1 - y0 < 0.25 * sample.image.shape[0]
        if f.visible and sized and len(f.value) >= 2 and digits >= need_digits:
            out.append((f.name, f.value, f.box))
    return out


def _mutate(value: str, rng: np.random.Generator) -> str:
    chars = list(value)
    idx = [i for i, c in enumerate(chars) if c.isalnum()]
    for i in rng.choice(idx, size=min(len(idx), int(rng.integers(1, 4))), replace=False):
        c = chars[int(i)]
        if c.isdigit():
            chars[int(i)] = str((int(c) + int(rng.integers(1, 10))) % 10)
        else:
            alpha = "ABCDEFGHIJKLMNOPRSTUVWY"
            new = alpha[int(rng.integers(len(alpha)))]
            chars[int(i)] = new if c.isupper() else new.lower()
    return "".join(chars)


def _feather(h: int, w: int, px: float) -> npt.NDArray[np.float32]:
    mask = np.zeros((h + 2, w + 2), np.float32)
    mask[1:-1, 1:-1] = 1.0
    if px > 0:
        mask = np.asarray(cv2.GaussianBlur(mask, (0, 0), px), np.float32)
    return np.asarray(mask[1:-1, 1:-1], np.float32)


def _paste(dst: BGR, patch: BGR, x: int, y: int, feather: float) -> None:
    h, w = patch.shape[:2]
    region = dst[y : y + h, x : x + w].astype(np.float32)
    alpha = _feather(h, w, feather)[..., None]
    dst[y : y + h, x : x + w] = np.clip(
        np.rint(patch.astype(np.float32) * alpha + region * (1 - alpha)), 0, 255
    ).astype(np.uint8)


def _disguised(patch: BGR, img: BGR, rng: np.random.Generator) -> BGR:
    """A careful forger's painted patch: a little blur, and the page's own noise level."""
    patch = np.asarray(cv2.GaussianBlur(patch, (0, 0), float(rng.uniform(0.4, 0.8))), np.uint8)
    noise = rng.normal(0, _noise_sigma(img), patch.shape[:2])[..., None]
    return np.clip(np.rint(patch.astype(np.float32) + noise), 0, 255).astype(np.uint8)


def _brightness_matched(piece: BGR, here: BGR) -> BGR:
    """``piece`` scaled per channel to the median brightness of the place it will cover."""
    gain = (np.median(here.astype(np.float32), axis=(0, 1)) + 1) / (
        np.median(piece.astype(np.float32), axis=(0, 1)) + 1
    )
    return np.clip(piece.astype(np.float32) * gain, 0, 255).astype(np.uint8)


def _typed(
    base: BGR, at: tuple[int, int], height: int, value: str, ink: tuple[int, int, int], rng: Any
) -> tuple[BGR, str]:
    """``value`` typed on a copy of ``base`` in a random font of about ``height`` px, its
    top-left at ``at`` (it shrinks to fit the width); the patch and the font's key."""
    pil = Image.fromarray(np.ascontiguousarray(base[..., ::-1]))
    draw = ImageDraw.Draw(pil)
    key = RETYPE_FONTS[int(rng.integers(len(RETYPE_FONTS)))]
    size = max(8, round(height * rng.uniform(0.9, 1.2)))
    fnt = font(key, size)
    while size > 8 and fnt.getlength(value) > base.shape[1] * 1.05:
        size -= 1
        fnt = font(key, size)
    top = fnt.getbbox(value)[1]
    draw.text((at[0], at[1] - top + rng.uniform(-1, 1)), value, font=fnt, fill=ink[::-1])
    return np.asarray(cv2.cvtColor(np.asarray(pil, np.uint8), cv2.COLOR_RGB2BGR), np.uint8), key


# -- the attacks ---------------------------------------------------------------------------
def retype(sample: Sample, rng: np.random.Generator) -> TamperedSample:
    """Paint over a field value and type another value in another font."""
    start = _start(sample, rng)
    img = start.img
    fields = _usable_fields(sample)
    if not fields:
        raise NotApplicable("no field to retype")
    digit_fields = [f for f in fields if any(c.isdigit() for c in f[1])]
    pool = digit_fields if digit_fields and rng.random() < 0.7 else fields
    name, value, box = pool[int(rng.integers(len(pool)))]
    x0, y0, x1, y1 = box
    pad = int(rng.integers(2, 5))
    bx0, by0, bx1, by1 = _clip(x0 - pad, y0 - pad, x1 + pad, y1 + pad, img)
    bg = _background(img, (x0, y0, x1, y1))
    ink = _ink(img, (x0, y0, x1, y1))
    new_value = _mutate(value, rng)
    careful = bool(rng.random() < P_CAREFUL)
    flat = np.empty((by1 - by0, bx1 - bx0, 3), np.uint8)
    flat[:] = bg
    patch, key = _typed(flat, (x0 - bx0, y0 - by0), y1 - y0, new_value, ink, rng)
    if careful:
        patch = _disguised(patch, img, rng)
    _paste(img, np.asarray(patch, np.uint8), bx0, by0, 1.5 if careful else 0.0)
    region = (bx0, by0, bx1 - bx0, by1 - by0)
    return _finish(
        img, start, rng, "retype", (region,), field=name, value=new_value, font=key, careful=careful
    )


def copy_move(sample: Sample, rng: np.random.Generator) -> TamperedSample:
    """Copy a group of digits from one field over another place of the same image."""
    start = _start(sample, rng)
    img = start.img
    fields = _usable_fields(sample, need_digits=2)
    if not fields:
        raise NotApplicable("no field with digits")
    src = fields[int(rng.integers(len(fields)))]
    _, value, (x0, y0, x1, y1) = src
    cw = (x1 - x0) / len(value)
    runs = [i for i in range(len(value) - 1) if value[i].isdigit() and value[i + 1].isdigit()]
    i = runs[int(rng.integers(len(runs)))] if runs else 0
    n = min(len(value) - i, int(rng.integers(2, 5)))
    pad = 3
    sx0, sy0, sx1, sy1 = _clip(
        round(x0 + i * cw) - pad, y0 - pad, round(x0 + (i + n) * cw) + pad, y1 + pad, img
    )
    patch = img[sy0:sy1, sx0:sx1].copy()
    ph, pw = patch.shape[:2]
    others = [f for f in fields if f[2] != src[2]]
    h, w = img.shape[:2]
    if others:
        _, v2, (a0, b0, a1, b1) = others[int(rng.integers(len(others)))]
        cw2 = (a1 - a0) / len(v2)
        j = int(rng.integers(0, max(1, len(v2) - n + 1)))
        tx, ty = round(a0 + j * cw2) - pad, b0 - pad + (b1 - b0 - (y1 - y0)) // 2
    else:  # one numeric field: overwrite a further place in it, or extend it
        j = int(rng.integers(0, max(1, len(value) - n + 1)))
        tx, ty = round(x0 + j * cw) - pad, sy0
        if abs(tx - sx0) < pw:
            tx = sx0 + pw + int(rng.integers(2, 8))
    tx, ty = min(max(0, tx), w - pw), min(max(0, ty), h - ph)
    if abs(tx - sx0) < pw and abs(ty - sy0) < ph:
        raise NotApplicable("no distinct place to move the digits to")
    careful = bool(rng.random() < P_CAREFUL)
    _paste(img, patch, tx, ty, 1.0 if careful else 0.0)
    return _finish(
        img,
        start,
        rng,
        "copy_move",
        ((tx, ty, pw, ph),),
        source=[sx0, sy0, pw, ph],
        careful=careful,
    )


def _other_capture(
    sample: Sample, rng: np.random.Generator, doc_type: DocumentType | None = None
) -> tuple[Sample, BGR]:
    """Another person's document (another seed) under another condition, as uploaded."""
    conditions = [c for c in CONDITIONS if c not in ("rotated_90", "rotated_180", "partial_crop")]
    conditions = [c for c in conditions if c != sample.condition]
    cond = conditions[int(rng.integers(len(conditions)))]
    kind = doc_type or sample.doc_type
    template = sample.template if kind is sample.doc_type else int(rng.integers(0, 3))
    donor = generate(int(rng.integers(10**6, 10**7)), kind, template, cond)
    quality = int(rng.integers(*CAMERA_QUALITY))
    return donor, _decode(_jpeg(donor.image, quality))


def portrait_swap(sample: Sample, rng: np.random.Generator) -> TamperedSample:
    """Paste another document's portrait over this one's."""
    if sample.portrait_box is None:
        raise NotApplicable("no portrait")
    start = _start(sample, rng)
    img = start.img
    kind = PORTRAIT_TYPES[int(rng.integers(len(PORTRAIT_TYPES)))]
    donor, donor_img = _other_capture(sample, rng, kind)
    if donor.portrait_box is None:  # pragma: no cover - portrait types always have one
        raise NotApplicable("donor without portrait")
    x0, y0, x1, y1 = sample.portrait_box
    d0, e0, d1, e1 = donor.portrait_box
    inset = 3  # the frame line stays
    face = donor_img[e0 + inset : e1 - inset, d0 + inset : d1 - inset]
    tw, th = x1 - x0 - 2 * inset, y1 - y0 - 2 * inset
    face = np.asarray(cv2.resize(face, (tw, th), interpolation=cv2.INTER_CUBIC), np.uint8)
    careful = bool(rng.random() < P_CAREFUL)
    if careful:  # match the page's brightness and tone
        here = img[y0 + inset : y1 - inset, x0 + inset : x1 - inset].astype(np.float32)
        gain = (here.mean(axis=(0, 1)) + 1) / (face.astype(np.float32).mean(axis=(0, 1)) + 1)
        face = np.clip(face.astype(np.float32) * gain, 0, 255).astype(np.uint8)
    _paste(img, face, x0 + inset, y0 + inset, 2.0 if careful else 0.0)
    region = (x0 + inset, y0 + inset, tw, th)
    return _finish(
        img,
        start,
        rng,
        "portrait_swap",
        (region,),
        donor_condition=donor.condition,
        careful=careful,
    )


def splice(sample: Sample, rng: np.random.Generator) -> TamperedSample:
    """Paste the same fields of another person's document (another capture) over these."""
    start = _start(sample, rng)
    img = start.img
    donor, donor_img = _other_capture(sample, rng)
    mine = {f[0]: f for f in _usable_fields(sample)}
    theirs = {f[0]: f for f in _usable_fields(donor)}
    names = [n for n in mine if n in theirs]
    if not names:
        raise NotApplicable("no common field")
    k = int(rng.integers(len(names)))
    chosen = names[k : k + int(rng.integers(1, 4))]
    regions: list[Box] = []
    careful = bool(rng.random() < P_CAREFUL)
    for name in chosen:
        x0, y0, x1, y1 = mine[name][2]
        d0, e0, d1, e1 = theirs[name][2]
        m = int(rng.integers(4, 10))
        d0, e0, d1, e1 = _clip(d0 - m, e0 - m, max(d1, d0 + (x1 - x0)) + m, e1 + m, donor_img)
        t0, u0 = max(0, x0 - m), max(0, y0 - m)
        tw = min(img.shape[1] - t0, d1 - d0)
        th = min(img.shape[0] - u0, round((e1 - e0) * (y1 - y0 + 2 * m) / max(1, e1 - e0)))
        piece = donor_img[e0:e1, d0 : d0 + tw]
        piece = np.asarray(cv2.resize(piece, (tw, th), interpolation=cv2.INTER_LINEAR), np.uint8)
        if careful:
            piece = _brightness_matched(piece, img[u0 : u0 + th, t0 : t0 + tw])
        _paste(img, piece, t0, u0, 1.5 if careful else 0.0)
        regions.append((t0, u0, tw, th))
    return _finish(
        img,
        start,
        rng,
        "splice",
        tuple(regions),
        donor_condition=donor.condition,
        fields=chosen,
        careful=careful,
    )


def retouch(sample: Sample, rng: np.random.Generator) -> TamperedSample:
    """A field's strokes removed with a retouch tool (grey-level closing: dark strokes
    thinner than the brush vanish into the paper around them, or a large median), then,
    most of the time, another value typed on the retouched paper."""
    start = _start(sample, rng)
    img = start.img
    fields = _usable_fields(sample)
    if not fields:
        raise NotApplicable("no field to retouch")
    name, value, box = fields[int(rng.integers(len(fields)))]
    x0, y0, x1, y1 = box
    pad = int(rng.integers(2, 6))
    bx0, by0, bx1, by1 = _clip(x0 - pad, y0 - pad, x1 + pad, y1 + pad, img)
    ink = _ink(img, (x0, y0, x1, y1))
    brush = 2 * max(2, round((y1 - y0) * float(rng.uniform(0.25, 0.45)))) + 1
    part = img[by0:by1, bx0:bx1]
    tool = ("closing", "median")[int(rng.integers(2))]
    if tool == "closing":
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (brush, brush))
        patch = np.asarray(cv2.morphologyEx(part, cv2.MORPH_CLOSE, kernel), np.uint8)
    else:
        closed = cv2.dilate(part, np.ones((3, 3), np.uint8))  # thin strokes first
        patch = np.asarray(cv2.medianBlur(closed, min(brush + 4, 31) | 1), np.uint8)
    new_value = _mutate(value, rng) if rng.random() < 0.7 else None
    if new_value is not None:
        patch, _ = _typed(patch, (x0 - bx0, y0 - by0), y1 - y0, new_value, ink, rng)
    careful = bool(rng.random() < P_CAREFUL)
    if careful:
        patch = _disguised(patch, img, rng)
    _paste(img, np.asarray(patch, np.uint8), bx0, by0, 1.5 if careful else 0.0)
    region = (bx0, by0, bx1 - bx0, by1 - by0)
    return _finish(
        img,
        start,
        rng,
        "retouch",
        (region,),
        field=name,
        tool=tool,
        value=new_value,
        careful=careful,
    )


def resampled_paste(sample: Sample, rng: np.random.Generator) -> TamperedSample:
    """Another person's field scaled, turned by up to 2 degrees and resampled (bicubic),
    then pasted over this document's field: the traces of a free transform."""
    start = _start(sample, rng)
    img = start.img
    donor, donor_img = _other_capture(sample, rng)
    mine = {f[0]: f for f in _usable_fields(sample)}
    theirs = {f[0]: f for f in _usable_fields(donor)}
    names = sorted(set(mine) & set(theirs))
    if not names:
        raise NotApplicable("no common field")
    name = names[int(rng.integers(len(names)))]
    x0, y0, x1, y1 = mine[name][2]
    d0, e0, d1, e1 = theirs[name][2]
    m = int(rng.integers(3, 8))
    d0, e0, d1, e1 = _clip(d0 - m, e0 - m, d1 + m, e1 + m, donor_img)
    t0, u0, t1, u1 = _clip(x0 - m, y0 - m, max(x1, x0 + d1 - d0 - 2 * m) + m, y1 + m, img)
    tw, th = t1 - t0, u1 - u0
    if tw < 8 or th < 8:
        raise NotApplicable("field too small")
    piece = donor_img[e0:e1, d0:d1]
    angle = float(rng.uniform(-2.0, 2.0))
    centre = (piece.shape[1] / 2, piece.shape[0] / 2)
    turn = cv2.getRotationMatrix2D(centre, angle, 1.0)
    piece = np.asarray(
        cv2.warpAffine(
            piece,
            turn,
            (piece.shape[1], piece.shape[0]),
            flags=cv2.INTER_CUBIC,
            borderMode=cv2.BORDER_REPLICATE,
        ),
        np.uint8,
    )
    piece = np.asarray(cv2.resize(piece, (tw, th), interpolation=cv2.INTER_CUBIC), np.uint8)
    careful = bool(rng.random() < P_CAREFUL)
    if careful:
        piece = _brightness_matched(piece, img[u0:u1, t0:t1])
    _paste(img, piece, t0, u0, 1.5 if careful else 0.0)
    return _finish(
        img,
        start,
        rng,
        "resampled_paste",
        ((t0, u0, tw, th),),
        donor_condition=donor.condition,
        field=name,
        angle=round(angle, 2),
        careful=careful,
    )


def _photograph(
    flat: npt.NDArray[np.floating[Any]],
    rng: np.random.Generator,
    long_side: int,
    scale_to: float,
    gamma: float = 1.0,
) -> BGR:
    """Photograph a flat float image (BGR, 0..255) on a table: perspective, light, blur, noise.

    ``scale_to``: final size of the flat image's long side in photo pixels; ``gamma``:
    the camera's tone curve applied to what the sensor integrated (1: none).
    """
    h, w = flat.shape[:2]
    cw, ch = (
        (long_side, round(long_side * 0.75)) if w >= h else (round(long_side * 0.75), long_side)
    )
    s = scale_to / max(h, w)
    pw, ph = w * s, h * s
    ox, oy = (cw - pw) / 2, (ch - ph) / 2
    dst = np.array([[ox, oy], [ox + pw, oy], [ox + pw, oy + ph], [ox, oy + ph]], np.float32)
    dst += rng.uniform(-0.05, 0.05, (4, 2)).astype(np.float32) * np.array([pw, ph], np.float32)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    warped = np.asarray(
        cv2.warpPerspective(flat, m, (cw, ch), flags=cv2.INTER_AREA, borderValue=(0, 0, 0)),
        np.float32,
    )
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), m, (cw, ch), flags=cv2.INTER_LINEAR)
    bg_colour = np.array(rng.uniform(30, 120, 3), np.float32)
    yy, xx = np.mgrid[0:ch, 0:cw].astype(np.float32)
    bg = bg_colour + (8 * np.sin(yy / rng.uniform(20, 60)))[..., None]
    if gamma != 1.0:
        warped = 255.0 * (np.clip(warped, 0, 255) / 255.0) ** (1.0 / gamma)
        # auto-exposure: the brightest of the shown page near white
        bright = float(np.percentile(warped[mask > 0.5], 98)) if (mask > 0.5).any() else 255.0
        warped = warped * (rng.uniform(215, 240) / max(1.0, bright))
    out = warped * mask[..., None] + bg * (1 - mask[..., None])
    angle = rng.uniform(0, 2 * np.pi)
    light = 0.8 + 0.2 * (np.cos(angle) * xx / cw + np.sin(angle) * yy / ch + 1) / 2
    out = out * light[..., None]
    out = np.asarray(cv2.GaussianBlur(out, (0, 0), float(rng.uniform(0.5, 1.0))))
    out = out + rng.normal(0, rng.uniform(1.5, 3.5), out.shape[:2])[..., None]
    return np.asarray(np.clip(np.rint(out), 0, 255), np.uint8)


def screen_recapture(sample: Sample, rng: np.random.Generator) -> TamperedSample:
    """Show the document on an LCD and photograph the screen."""
    img = sample.image
    h, w = img.shape[:2]
    shown = int(rng.integers(520, 820))  # screen pixels along the document's long side
    s = shown / max(h, w)
    disp = cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    lin = (disp.astype(np.float32) / 255.0) ** float(rng.uniform(1.8, 2.6))  # panel gamma
    backlight = np.array([rng.uniform(0.95, 1.1), 1.0, rng.uniform(0.85, 1.0)], np.float32)
    lin = np.clip(lin * backlight, 0, 1)
    k = 3  # each screen pixel: three vertical subpixel stripes, a dark gap row
    big = np.repeat(np.repeat(lin, k, axis=0), k, axis=1)
    stripes = np.zeros((k, k, 3), np.float32)
    for c, channel in enumerate((2, 1, 0)):  # R, G, B left to right (BGR order)
        stripes[: k - 1, c, channel] = 1.0
    tile = np.tile(stripes, (big.shape[0] // k, big.shape[1] // k, 1))
    # linear radiance; 4.5 = 9 subpixel cells / 2 lit per channel: a white pixel averages 1
    panel = np.clip(big * tile * 4.5 * float(rng.uniform(0.75, 0.95)), 0, 1.2) * 255.0
    long_side = int(rng.integers(1200, 1700))
    scale_to = long_side * rng.uniform(0.7, 0.9)
    photo = _photograph(panel.astype(np.float32), rng, long_side, scale_to, gamma=2.2)
    data, _ = _upload(photo, "phone", rng)
    return TamperedSample(data, "screen_recapture", (), {"screenPixels": shown})


def _halftone(
    channel: npt.NDArray[np.float32], angle: float, cell: float
) -> npt.NDArray[np.float32]:
    """Amplitude-modulated dots for ink coverage ``channel`` in [0, 1]."""
    h, w = channel.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    c, s = np.cos(angle), np.sin(angle)
    u = (xx * c + yy * s) / cell
    v = (-xx * s + yy * c) / cell
    du, dv = u - np.round(u), v - np.round(v)
    dist = np.sqrt(du * du + dv * dv)  # 0 at the cell centre, ~0.7 at the corner
    radius = np.sqrt(np.clip(channel, 0, 1) / np.pi)
    return np.asarray(np.clip((radius - dist) * cell * 1.5 + 0.5, 0, 1), np.float32)


def print_recapture(sample: Sample, rng: np.random.Generator) -> TamperedSample:
    """Print the document (CMYK halftone on paper) and photograph the print."""
    img = sample.image
    h, w = img.shape[:2]
    long_print = int(rng.integers(1700, 2300))  # printer dots along the long side
    s = long_print / max(h, w)
    page = cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_CUBIC)
    rgb = page.astype(np.float32)[..., ::-1] / 255.0
    k = 1 - rgb.max(axis=2)
    cmy = (1 - rgb - k[..., None]) / np.maximum(1e-3, 1 - k[..., None])
    cell = float(rng.uniform(5.0, 8.0))
    angles = np.deg2rad(np.array([15, 75, 0, 45], np.float32) + rng.uniform(-3, 3))
    dots = [_halftone(cmy[..., i], float(angles[i]), cell) for i in range(3)]
    dots.append(_halftone(k, float(angles[3]), cell))
    paper = np.array([rng.uniform(0.9, 0.97), rng.uniform(0.93, 0.99), 0.97], np.float32)
    r = paper[2] * (1 - 0.9 * dots[0]) * (1 - 0.9 * dots[3])
    g = paper[1] * (1 - 0.9 * dots[1]) * (1 - 0.9 * dots[3])
    b = paper[0] * (1 - 0.9 * dots[2]) * (1 - 0.9 * dots[3])
    printed = np.stack([b, g, r], axis=-1) * 255.0
    printed += rng.normal(0, 3, printed.shape[:2])[..., None]  # paper fibre
    long_side = int(rng.integers(1300, 1800))
    photo = _photograph(printed, rng, long_side, long_side * rng.uniform(0.75, 0.92))
    data, _ = _upload(photo, "phone", rng)
    return TamperedSample(data, "print_recapture", (), {"cell": cell, "printDots": long_print})


def metadata(sample: Sample, rng: np.random.Generator) -> TamperedSample:
    """The genuine upload with edited EXIF (editor in Software, impossible dates)."""
    data, cam = _upload(sample.image, sample.condition, rng)
    phone = PHONES[int(rng.integers(len(PHONES)))]
    base = cam or CameraExif(
        phone[0], phone[1], phone[2], SUBMITTED_AT - dt.timedelta(days=2), None, None
    )
    edit = int(rng.integers(4))
    software, taken = base.software, base.taken
    if edit in (0, 2):
        software = EDITORS[int(rng.integers(len(EDITORS)))]
    if edit in (1, 2):
        taken = SUBMITTED_AT + dt.timedelta(days=float(rng.uniform(1, 400)))
    if edit == 3:
        taken = dt.datetime(int(rng.integers(1980, 2000)), 1, 1) + dt.timedelta(
            days=float(rng.uniform(0, 365))
        )
    edited = CameraExif(base.make, base.model, software, taken, taken, base.thumbnail)
    what = ("software", "future_date", "software_and_future_date", "old_date")[edit]
    return TamperedSample(with_exif(data, build_exif(edited)), "metadata", (), {"edit": what})


def sweep(
    attacks: Mapping[str, AttackFn],
    order: Sequence[str],
    per_kind: int,
    seed0: int,
    kinds: Sequence[str],
    types_of: Callable[[str], Sequence[DocumentType]],
    conditions_of: Callable[[str], Sequence[str]],
) -> Iterator[tuple[str, Sample, TamperedSample]]:
    """``per_kind`` uploads of each of ``kinds``, made by ``attacks[kind]``: the loop both
    forgers share (this one and ``tools.holdout_forger``).

    Upload number ``tries`` of a kind starts from the document of seed ``seed0 + 1000 *
    order.index(kind) + tries``, of type ``types_of(kind)[tries % n]``, template ``tries %
    3`` and condition ``conditions_of(kind)[(tries // n + tries) % m]``; the attack gets a
    generator seeded with ``[seed, order.index(kind)]``. A document the attack cannot use
    (:class:`NotApplicable`) is replaced by the next seed. Deterministic; blocking, CPU.
    """
    for kind in kinds:
        fn, idx = attacks[kind], order.index(kind)
        types, conditions = list(types_of(kind)), list(conditions_of(kind))
        made, tries = 0, 0
        while made < per_kind:
            seed = seed0 + 1000 * idx + tries
            doc_type = types[tries % len(types)]
            condition = conditions[(tries // len(types) + tries) % len(conditions)]
            template = tries % 3
            tries += 1
            sample = generate(seed, doc_type, template, condition)
            try:
                upload = fn(sample, np.random.default_rng([seed, idx]))
            except NotApplicable:
                continue
            made += 1
            yield kind, sample, upload


#: Every document type the generator makes.
REAL_TYPES: tuple[DocumentType, ...] = tuple(
    t for t in DocumentType if t is not DocumentType.UNKNOWN
)
#: The capture conditions a forger edits (an upright page).
UPRIGHT: tuple[str, ...] = tuple(c for c in CONDITIONS if c not in ("rotated_90", "rotated_180"))


def iter_set(
    per_kind: int, seed0: int, kinds: tuple[str, ...] = KINDS
) -> Iterator[tuple[str, Sample, TamperedSample]]:
    """``per_kind`` uploads of each kind: (kind, the genuine sample, the upload).

    Document types cycle through every real type (portrait types only for
    ``portrait_swap``), templates through all, conditions through every
    condition for the untouched kinds and ``metadata`` and through the upright
    ones for the pixel attacks (a forger edits an upright page). Deterministic in
    ``seed0`` (see :func:`sweep`).
    """
    return sweep(
        ATTACKS,
        KINDS,
        per_kind,
        seed0,
        kinds,
        lambda kind: PORTRAIT_TYPES if kind == "portrait_swap" else REAL_TYPES,
        lambda kind: CONDITIONS if kind in UNTOUCHED | {"metadata"} else UPRIGHT,
    )


AttackFn = Callable[[Sample, np.random.Generator], TamperedSample]
ATTACKS: dict[str, AttackFn] = {
    "genuine": genuine,
    "retype": retype,
    "copy_move": copy_move,
    "portrait_swap": portrait_swap,
    "splice": splice,
    "screen_recapture": screen_recapture,
    "print_recapture": print_recapture,
    "metadata": metadata,
    "retouch": retouch,
    "resampled_paste": resampled_paste,
    "recompressed": recompressed,
}

"""Evaluate face comparison (models.face) on real photos from package registries.

    python -m models.eval.faces [--out DIR] [--max-side N]

The data (``tools.facedata``): 4 identities in 6 distinct photos; only one
identity (Obama) has more than one photo (3), so there are 3 genuine photo
pairs in all. Every figure below comes from those few photos and must be read
as a sanity check of the dlib anchor, not as a FAR/FRR claim.

Pairs (side A is always an unmodified photo, side B a variant of a photo):

- genuine: A and B are DIFFERENT photos of one person (both orders), B under
  every variant in ``VARIANTS`` (crop, lighting, JPEG 30/60/90, document
  portrait size, grey, small rotations, printed ID card);
- same photo, variant: B is a variant of A's own photo (and the re-encodings
  and crops shipped in the sources), a robustness figure, not a genuine pair;
- impostor: A and B show different people, B under every variant.

Reported (Markdown on stdout, ``results.json`` and ``report.md`` in ``--out``):
counts; similarity distributions (min, 5/25/50/75/95th percentiles, max) and
distances; FAR and FRR at ``MATCH_THRESHOLD``; the equal-error rate and the
similarity threshold where it occurs; how dlib's 0.6 anchor holds; pairs that
could not be compared (no face / too small); per-variant genuine minima; and
robustness cases (no face, several faces, tiny face, rotated 90/180) run
through :func:`compare_faces` with the reason codes they gave.

Runs on the CPU, no services; ~1-3 minutes on 2 cores (each image is
detected once; progress on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from models.face.compare import (
    ANCHOR_DISTANCE,
    MATCH_THRESHOLD,
    FaceSide,
    compare_faces,
    compare_sides,
    prepare_side,
)
from models.face.detect import FaceModels
from tools.facedata import RealPhoto, non_faces, photo_variants, real_faces

Image = npt.NDArray[np.uint8]
Box = tuple[int, int, int, int]
PERCENTILES = (5, 25, 50, 75, 95)
KINDS = ("genuine", "same_photo", "impostor")
# Printed-ID-card simulation: the portrait's width on a card photographed at ~300 dpi-equivalent.
ID_CARD_PORTRAIT_WIDTH = 120
ID_CARD_JPEG_QUALITY = 60
DOCUMENT_PORTRAIT_HEIGHT = 200


def _jpeg(image: Image, quality: int) -> Image:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR), np.uint8)


def _crop(image: Image, box: Box, left: float, top: float, right: float, bottom: float) -> Image:
    """The face box grown by the given fractions of its size on each side, clipped."""
    x, y, w, h = box
    x0, y0 = max(0, int(x - left * w)), max(0, int(y - top * h))
    x1, y1 = (
        min(image.shape[1], int(x + w * (1 + right))),
        min(image.shape[0], int(y + h * (1 + bottom))),
    )
    return np.ascontiguousarray(image[y0:y1, x0:x1])


def _resize(image: Image, scale: float) -> Image:
    return np.asarray(cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))


def _gamma(image: Image, gamma: float) -> Image:
    table = (255.0 * (np.arange(256) / 255.0) ** gamma).astype(np.uint8)
    return np.asarray(cv2.LUT(image, table), np.uint8)


def _rotate(image: Image, degrees: float) -> Image:
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return np.asarray(cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE))


def _portrait(image: Image, box: Box) -> Image:
    # ICAO-like head-and-shoulders framing around the face.
    return _crop(image, box, 0.35, 0.55, 0.35, 0.6)


def document_portrait(image: Image, box: Box) -> Image:
    """The head-and-shoulders portrait scaled to ``DOCUMENT_PORTRAIT_HEIGHT`` px high."""
    portrait = _portrait(image, box)
    return _resize(portrait, DOCUMENT_PORTRAIT_HEIGHT / portrait.shape[0])


def id_card_print(image: Image, box: Box) -> Image:
    """The portrait as printed on an ID card and photographed: ~120 px wide, blurred, JPEG 60."""
    portrait = _portrait(image, box)
    small = _resize(portrait, ID_CARD_PORTRAIT_WIDTH / portrait.shape[1])
    blurred = np.asarray(cv2.GaussianBlur(small, (3, 3), 0.8), np.uint8)
    return _jpeg(blurred, ID_CARD_JPEG_QUALITY)


Variant = Callable[[Image, Box], Image]
VARIANTS: dict[str, Variant] = {
    "original": lambda im, box: im,
    "crop": lambda im, box: _crop(im, box, 0.3, 0.4, 0.3, 0.3),
    "dark": lambda im, box: _gamma(im, 1.8),
    "bright": lambda im, box: _gamma(im, 0.55),
    "jpeg30": lambda im, box: _jpeg(im, 30),
    "jpeg60": lambda im, box: _jpeg(im, 60),
    "jpeg90": lambda im, box: _jpeg(im, 90),
    "document_portrait": document_portrait,
    "grey": lambda im, box: np.asarray(
        cv2.cvtColor(cv2.cvtColor(im, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR), np.uint8
    ),
    "rotate+10": lambda im, box: _rotate(im, 10),
    "rotate-10": lambda im, box: _rotate(im, -10),
    "id_card": id_card_print,
}


@dataclass(frozen=True)
class Pair:
    kind: str  # "genuine", "same_photo" or "impostor"
    photo_a: str
    photo_b: str
    variant: str
    similarity: float | None
    distance: float | None
    reasons: list[str]


def _resuffix(side: FaceSide, suffix: str) -> FaceSide:
    return replace(side, reasons=[r[:-1] + suffix for r in side.reasons])


def _shrink(image: Image, max_side: int | None) -> Image:
    if max_side is None or max(image.shape[:2]) <= max_side:
        return image
    return _resize(image, max_side / max(image.shape[:2]))


def evaluate_pairs(
    models: FaceModels,
    photos: Sequence[RealPhoto],
    extra_variants: Sequence[RealPhoto] = (),
    variants: dict[str, Variant] | None = None,
    max_side: int | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> list[Pair]:
    """Every genuine, same-photo and impostor pair (module docstring), each image prepared once.

    ``max_side`` shrinks the photos first (for quick runs); ``extra_variants``
    are files that are variants of a photo in ``photos`` (same ``photo_id``).
    Raises ``ValueError`` if a photo has no detectable face (the set is curated).
    """
    variants = VARIANTS if variants is None else variants
    originals = {p.photo_id: _shrink(p.image_bgr, max_side) for p in photos}
    identity = {p.photo_id: p.identity for p in photos}
    side_a: dict[str, FaceSide] = {}
    side_b: dict[tuple[str, str], FaceSide] = {}
    for photo_id, image in originals.items():
        progress(f"{photo_id}: {image.shape[1]}x{image.shape[0]}")
        first = prepare_side(models, image, "A")
        if first.face is None:
            raise ValueError(f"no face in {photo_id}")
        side_a[photo_id] = first
        for name, make in variants.items():
            side_b[photo_id, name] = (
                _resuffix(first, "B")
                if name == "original"
                else prepare_side(models, make(image, first.face.box), "B")
            )
    for extra in extra_variants:
        name = f"file:{extra.source.rsplit('/', 1)[-1]}"
        side_b[extra.photo_id, name] = prepare_side(models, _shrink(extra.image_bgr, max_side), "B")
    pairs = []
    for photo_a, first in side_a.items():
        for (photo_b, variant), second in side_b.items():
            if photo_a == photo_b:
                if variant == "original":
                    continue
                kind = "same_photo"
            elif identity[photo_a] == identity[photo_b]:
                kind = "genuine"
            else:
                kind = "impostor"
            result = compare_sides(first, second)
            pairs.append(
                Pair(
                    kind,
                    photo_a,
                    photo_b,
                    variant,
                    result.similarity,
                    result.distance,
                    result.reasons,
                )
            )
    return pairs


def _stats(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    array = np.array(values)
    out = {"min": float(array.min())}
    out.update({f"p{q}": float(np.percentile(array, q)) for q in PERCENTILES})
    out["max"] = float(array.max())
    return {k: round(v, 4) for k, v in out.items()}


def error_rates(
    genuine: list[float], impostor: list[float], threshold: float
) -> tuple[float, float]:
    """(FAR, FRR) at ``threshold``: impostors with similarity >= it, genuines below it."""
    far = float(np.mean(np.array(impostor) >= threshold)) if impostor else float("nan")
    frr = float(np.mean(np.array(genuine) < threshold)) if genuine else float("nan")
    return far, frr


def equal_error_rate(genuine: list[float], impostor: list[float]) -> tuple[float, float]:
    """(EER, threshold): among the observed scores, the threshold where FAR and FRR are
    closest (ties: the lower sum); the EER is their mean there.

    With separable scores the EER is 0 and the threshold is the midpoint of the
    gap between the best impostor and the worst genuine score.
    """
    if not genuine or not impostor:
        return float("nan"), float("nan")
    worst_genuine, best_impostor = min(genuine), max(impostor)
    if worst_genuine > best_impostor:
        return 0.0, (worst_genuine + best_impostor) / 2
    candidates = []
    for t in sorted({*genuine, *impostor}):
        far, frr = error_rates(genuine, impostor, t)
        candidates.append((abs(far - frr), far + frr, t))
    _, total, threshold = min(candidates)
    return total / 2, threshold


def summarise(pairs: list[Pair]) -> dict[str, Any]:
    """The figures of ``pairs`` (see the module docstring)."""
    figures: dict[str, Any] = {"threshold": MATCH_THRESHOLD, "anchorDistance": ANCHOR_DISTANCE}
    scores: dict[str, list[float]] = {}
    for kind in KINDS:
        of_kind = [p for p in pairs if p.kind == kind]
        compared = [p for p in of_kind if p.similarity is not None]
        scores[kind] = [p.similarity for p in compared if p.similarity is not None]
        distances = [p.distance for p in compared if p.distance is not None]
        far_or_frr = error_rates(
            scores[kind] if kind != "impostor" else [],
            scores[kind] if kind == "impostor" else [],
            MATCH_THRESHOLD,
        )
        figures[kind] = {
            "pairs": len(of_kind),
            "compared": len(compared),
            "notCompared": {
                "count": len(of_kind) - len(compared),
                "examples": [
                    f"{p.photo_a}/{p.photo_b}:{p.variant} {p.reasons}"
                    for p in of_kind
                    if p.similarity is None
                ][:10],
            },
            "similarity": _stats(scores[kind]),
            "distance": _stats(distances),
            "belowAnchor": round(float(np.mean(np.array(distances) < ANCHOR_DISTANCE)), 4)
            if distances
            else None,
            "errorRateAtThreshold": round(far_or_frr[0 if kind == "impostor" else 1], 4),
        }
    far, frr = error_rates(scores["genuine"], scores["impostor"], MATCH_THRESHOLD)
    eer, eer_threshold = equal_error_rate(scores["genuine"], scores["impostor"])
    figures["far"] = round(far, 4)
    figures["frr"] = round(frr, 4)
    # A genuine pair that could not be compared is a rejection for the customer too.
    genuine = figures["genuine"]
    rejected = round(frr * genuine["compared"]) + genuine["notCompared"]["count"]
    figures["frrWithNotCompared"] = (
        round(rejected / genuine["pairs"], 4) if genuine["pairs"] else None
    )
    figures["eer"] = round(eer, 4)
    figures["eerThreshold"] = round(eer_threshold, 3)
    by_variant: dict[str, dict[str, Any]] = {}
    for p in pairs:
        if p.kind == "impostor":
            continue
        entry = by_variant.setdefault(p.variant, {"genuineMin": None, "samePhotoMin": None})
        key = "genuineMin" if p.kind == "genuine" else "samePhotoMin"
        value = -1.0 if p.similarity is None else p.similarity  # -1: not compared
        entry[key] = value if entry[key] is None else min(entry[key], value)
    impostor_max: dict[str, float] = {}
    for p in pairs:
        if p.kind == "impostor" and p.similarity is not None:
            impostor_max[p.variant] = max(impostor_max.get(p.variant, 0.0), p.similarity)
    for name, entry in by_variant.items():
        entry["impostorMax"] = impostor_max.get(name)
        for key in ("genuineMin", "samePhotoMin", "impostorMax"):
            if entry[key] is not None:
                entry[key] = round(entry[key], 2)
    figures["byVariant"] = by_variant
    return figures


@dataclass(frozen=True)
class Case:
    name: str
    expected: str  # the reason code that must appear, or "" for a clean match
    reasons: list[str]
    similarity: float | None
    match: bool | None

    @property
    def passed(self) -> bool:
        if self.expected:
            return self.expected in self.reasons
        return self.match is True and not self.reasons


def robustness_cases(
    models: FaceModels, photos: Sequence[RealPhoto], max_side: int | None = 800
) -> list[Case]:
    """No face, several faces, a tiny face and rotated uploads, through :func:`compare_faces`."""
    by_id = {p.photo_id: _shrink(p.image_bgr, max_side) for p in photos}
    reference, other = by_id["obama-1"], by_id["obama-2"]
    cases: list[tuple[str, str, object, object]] = []
    nothing = non_faces()
    cases.append(("no face: cat (skimage chelsea)", "NO_FACE_B", reference, nothing["chelsea"]))
    cases.append(("no face: coffee cup", "NO_FACE_B", reference, nothing["coffee"]))
    cases.append(
        ("no face: blank page", "NO_FACE_B", reference, np.full((600, 450, 3), 240, np.uint8))
    )
    cases.append(("undecodable bytes", "UNDECODABLE_IMAGE_B", reference, b"\xff\xd8 not a jpeg"))
    face_box = models.detect(reference)[0].box
    obama_crop = _crop(reference, face_box, 0.5, 0.5, 0.5, 0.5)
    biden = by_id["biden-1"]
    biden_crop = _crop(biden, models.detect(biden)[0].box, 1.0, 1.0, 1.0, 1.0)
    height = 300
    pasted = np.hstack(
        [
            _resize(obama_crop, height / obama_crop.shape[0]),
            _resize(biden_crop, height / biden_crop.shape[0]),
        ]
    )
    cases.append(
        ("two faces side by side", "MULTIPLE_FACES_B", other, np.ascontiguousarray(pasted))
    )
    hopper = by_id["hopper-1"]
    cases.append(("tiny face (hopper at 64 px)", "FACE_TOO_SMALL_B", other, _resize(hopper, 0.5)))
    for code, name in (
        (cv2.ROTATE_90_CLOCKWISE, "90"),
        (cv2.ROTATE_180, "180"),
        (cv2.ROTATE_90_COUNTERCLOCKWISE, "270"),
    ):
        turned = np.ascontiguousarray(cv2.rotate(other, code))
        cases.append((f"rotated {name}", "FACE_ROTATED_B", reference, turned))
    cases.append(("in-plane roll 35 degrees", "", reference, _rotate(other, 35)))
    tight = _crop(reference, face_box, -0.2, -0.2, -0.2, -0.2)
    cases.append(("crop inside the face box (padding)", "", tight, other))
    out = []
    for name, expected, a, b in cases:
        result = compare_faces(models, a, b)
        out.append(Case(name, expected, result.reasons, result.similarity, result.match))
    return out


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def report(figures: dict[str, Any], cases: list[Case], photos: Sequence[RealPhoto]) -> str:
    identities = sorted({p.identity for p in photos})
    per_identity = {i: sum(p.identity == i for p in photos) for i in identities}
    lines = [
        "# Face comparison on real photos",
        "",
        f"**Data: {len(identities)} identities, {len(photos)} distinct photos** "
        f"({', '.join(f'{i}: {n}' for i, n in per_identity.items())}); only Obama has more "
        "than one photo, so every genuine pair comes from 3 photos. Far too few for an "
        "accuracy claim: this checks dlib's anchor and the failure modes.",
        "",
        f"Match threshold: similarity >= {MATCH_THRESHOLD} (distance < {ANCHOR_DISTANCE}).",
        "",
        "| pairs | count | compared | min | p5 | p25 | median | p75 | p95 | max | "
        "distance min-max | d < 0.6 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for kind in KINDS:
        f = figures[kind]
        s = f["similarity"] or {}
        d = f["distance"] or {}
        lines.append(
            f"| {kind} | {f['pairs']} | {f['compared']} | "
            + " | ".join(_fmt(s.get(k)) for k in ("min", "p5", "p25", "p50", "p75", "p95", "max"))
            + f" | {_fmt(d.get('min'), 3)}-{_fmt(d.get('max'), 3)} | {_fmt(f['belowAnchor'], 3)} |"
        )
    lines += [
        "",
        f"- FAR at {MATCH_THRESHOLD}: **{figures['far']:.2%}**; FRR at {MATCH_THRESHOLD}: "
        f"**{figures['frr']:.2%}** (over compared pairs; counting genuine pairs not compared "
        f"as rejected: {figures['frrWithNotCompared']:.2%}; same-photo pairs below threshold: "
        f"{figures['same_photo']['errorRateAtThreshold']:.2%})",
        f"- Equal-error rate: **{figures['eer']:.2%}** at similarity {figures['eerThreshold']}",
        "- Not compared (no face / too small): "
        + ", ".join(f"{k} {figures[k]['notCompared']['count']}" for k in KINDS),
        "",
        "| variant (side B) | genuine min | same-photo min | impostor max |",
        "|---|---|---|---|",
    ]
    for name, entry in figures["byVariant"].items():
        lines.append(
            f"| {name} | {_fmt(entry['genuineMin'])} | {_fmt(entry['samePhotoMin'])} | "
            f"{_fmt(entry['impostorMax'])} |"
        )
    lines += ["", "(-1.00: not compared)", ""]
    lines += ["| robustness case | expected | reasons | similarity | ok |", "|---|---|---|---|---|"]
    for case in cases:
        lines.append(
            f"| {case.name} | {case.expected or 'match, no reason'} | "
            f"{', '.join(case.reasons) or '-'} | {_fmt(case.similarity)} | "
            f"{'yes' if case.passed else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/eval-faces"))
    parser.add_argument(
        "--max-side", type=int, default=None, help="shrink photos to this longest side first"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    models = FaceModels.load()
    photos = real_faces()
    pairs = evaluate_pairs(
        models, photos, photo_variants(), max_side=args.max_side, progress=progress
    )
    progress(f"{len(pairs)} pairs; robustness cases")
    cases = robustness_cases(models, photos)
    figures = summarise(pairs)
    figures["robustness"] = [
        {
            "case": c.name,
            "expected": c.expected,
            "reasons": c.reasons,
            "similarity": None if c.similarity is None else round(c.similarity, 2),
            "passed": c.passed,
        }
        for c in cases
    ]
    figures["identities"] = sorted({p.identity for p in photos})
    figures["photos"] = [f"{p.photo_id} {p.source}" for p in photos]
    figures["pairsDetail"] = [
        {
            "kind": p.kind,
            "a": p.photo_a,
            "b": p.photo_b,
            "variant": p.variant,
            "similarity": None if p.similarity is None else round(p.similarity, 3),
            "distance": None if p.distance is None else round(p.distance, 4),
            "reasons": p.reasons,
        }
        for p in pairs
    ]
    figures["seconds"] = round(time.monotonic() - started, 1)
    md = report(figures, cases, photos)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(figures, indent=1) + "\n")
    (args.out / "report.md").write_text(md + "\n")
    print(md)
    print(f"\n{len(pairs)} pairs in {figures['seconds']} s; reproduce: python -m models.eval.faces")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Face comparison: is the face in image A the same person as the face in image B?

Score: the Euclidean distance between dlib ResNet embeddings, mapped to a
0-100 similarity by a logistic curve anchored on dlib's published operating
point. dlib's model separates LFW pairs at distance 0.6 (99.38% accuracy);
the issue fixes the match threshold at 90% similarity. The two constants are
chosen so that

    similarity(0.6) = 90   (MATCH_THRESHOLD: dlib's same-person threshold)
    similarity(0.4) = 99   (a comfortable genuine pair)

    similarity(d) = 100 / (1 + exp(SLOPE * (d - MIDPOINT)))
    SLOPE = ln(11) / 0.2 = 11.99,  MIDPOINT = 0.6 + ln(9) / SLOPE = 0.783

so similarity 50 is distance 0.78 (a typical different-person distance is
0.75-0.95). The similarity is a monotone re-scaling of the distance, not a
calibrated probability. ``python -m models.eval.faces`` measures how it
holds on real photos.

Robustness: every problem is a reason code in ``FaceComparison.reasons``,
suffixed with the side it concerns (``_A`` or ``_B``); nothing raises on
image content.

- ``UNDECODABLE_IMAGE``: None, empty, or bytes that do not decode.
- ``NO_FACE``: no frontal face, even padded and turned (``locate``).
- ``MULTIPLE_FACES``: more than one confident face; the largest is compared.
- ``FACE_ROTATED``: found only after turning the image 90/180/270 degrees
  (the turn is in ``rotation_a``/``rotation_b``).
- ``FACE_TOO_SMALL``: interocular distance below ``MIN_INTEROCULAR_PX``; the
  embedding of such a face (the 150 px chip upscaled from a ~40 px face) drifts
  by up to ~0.5 from the same face at full size, as far as a different
  person, so no score is given.
- ``LOW_RESOLUTION_FACE``: interocular distance below ``LOW_INTEROCULAR_PX``;
  compared, but the score is less reliable (same-photo drift up to ~0.4 at
  12 px, ~0.25 at 20 px, measured on the real photos of ``tools.facedata``).

When a side has no usable face, ``similarity``, ``match`` and ``distance`` are
``None``: "could not compare" is not "different people".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from models.face.detect import Face, FaceModels
from models.face.geometry import interocular_distance
from models.face.locate import FaceSearch, as_bgr, find_faces

MATCH_THRESHOLD = 90.0
# The logistic's anchors (see the module docstring).
ANCHOR_DISTANCE = 0.6  # dlib's same-person threshold on LFW
ANCHOR_SIMILARITY = MATCH_THRESHOLD
GENUINE_DISTANCE = 0.4
GENUINE_SIMILARITY = 99.0
SLOPE = (
    math.log(GENUINE_SIMILARITY / (100.0 - GENUINE_SIMILARITY))
    - math.log(ANCHOR_SIMILARITY / (100.0 - ANCHOR_SIMILARITY))
) / (ANCHOR_DISTANCE - GENUINE_DISTANCE)
MIDPOINT = ANCHOR_DISTANCE + math.log(ANCHOR_SIMILARITY / (100.0 - ANCHOR_SIMILARITY)) / SLOPE

MIN_INTEROCULAR_PX = 12.0
LOW_INTEROCULAR_PX = 20.0

UNDECODABLE_IMAGE = "UNDECODABLE_IMAGE"
NO_FACE = "NO_FACE"
MULTIPLE_FACES = "MULTIPLE_FACES"
FACE_ROTATED = "FACE_ROTATED"
FACE_TOO_SMALL = "FACE_TOO_SMALL"
LOW_RESOLUTION_FACE = "LOW_RESOLUTION_FACE"

Embedding = npt.NDArray[np.float32]


def similarity(distance: float) -> float:
    """0-100, strictly decreasing in the embedding distance (see the module docstring)."""
    exponent = SLOPE * (distance - MIDPOINT)
    if exponent > 700:  # exp overflows; the limit is 0
        return 0.0
    return 100.0 / (1.0 + math.exp(exponent))


def distance_for(similarity_value: float) -> float:
    """The distance at which :func:`similarity` equals ``similarity_value`` (0 < s < 100)."""
    return MIDPOINT + math.log(100.0 / similarity_value - 1.0) / SLOPE


def compare_embeddings(a: Embedding, b: Embedding) -> tuple[float, float]:
    """(Euclidean distance, similarity) of two 128-D embeddings."""
    distance = float(np.linalg.norm(np.asarray(a, np.float64) - np.asarray(b, np.float64)))
    return distance, similarity(distance)


@dataclass(frozen=True)
class FaceComparison:
    """The outcome of :func:`compare_faces`; ``to_dict`` gives the API's camelCase JSON.

    ``face_a``/``face_b`` are in the coordinates of each input turned by
    ``rotation_a``/``rotation_b`` degrees clockwise (0 when upright).
    """

    similarity: float | None
    match: bool | None
    distance: float | None
    reasons: list[str]
    face_a: Face | None
    face_b: Face | None
    rotation_a: int = 0
    rotation_b: int = 0
    interocular_a: float | None = None
    interocular_b: float | None = None
    threshold: float = field(default=MATCH_THRESHOLD)

    def to_dict(self) -> dict[str, Any]:
        def rounded(value: float | None, digits: int) -> float | None:
            return None if value is None else round(value, digits)

        return {
            "similarity": rounded(self.similarity, 2),
            "match": self.match,
            "distance": rounded(self.distance, 4),
            "threshold": self.threshold,
            "reasons": list(self.reasons),
            "faceA": None if self.face_a is None else self.face_a.to_dict(),
            "faceB": None if self.face_b is None else self.face_b.to_dict(),
            "rotationA": self.rotation_a,
            "rotationB": self.rotation_b,
            "interocularA": rounded(self.interocular_a, 1),
            "interocularB": rounded(self.interocular_b, 1),
        }


@dataclass(frozen=True)
class FaceSide:
    """One side of a comparison: its largest face, embedding (None if not comparable), reasons."""

    face: Face | None  # in the turned, unpadded input
    embedding: Embedding | None
    rotation: int
    interocular: float | None
    reasons: list[str]


def prepare_side(models: FaceModels, image: object, suffix: str = "A") -> FaceSide:
    """Find, check and embed the largest face of one image (half of :func:`compare_faces`).

    ``reasons`` carry ``suffix``; the embedding is None when the side cannot be
    compared. Blocking, never raises on content.
    """
    bgr = as_bgr(image)
    if bgr is None:
        return FaceSide(None, None, 0, None, [f"{UNDECODABLE_IMAGE}_{suffix}"])
    search: FaceSearch = find_faces(models, bgr)
    face = search.face
    if face is None:
        return FaceSide(None, None, 0, None, [f"{NO_FACE}_{suffix}"])
    iod = interocular_distance(face.landmarks)
    reasons, comparable = side_reasons(search.rotation, len(search.other_faces), iod, suffix)
    embedding = models.embed(search.image, face) if comparable else None
    return FaceSide(search.unpadded(face), embedding, search.rotation, iod, reasons)


def side_reasons(
    rotation: int, other_faces: int, interocular: float, suffix: str
) -> tuple[list[str], bool]:
    """Reason codes of a side whose largest face was found, and whether it can be compared
    (an embedding of a face below ``MIN_INTEROCULAR_PX`` means nothing)."""
    reasons = []
    if rotation:
        reasons.append(f"{FACE_ROTATED}_{suffix}")
    if other_faces:
        reasons.append(f"{MULTIPLE_FACES}_{suffix}")
    if interocular < MIN_INTEROCULAR_PX:
        return [*reasons, f"{FACE_TOO_SMALL}_{suffix}"], False
    if interocular < LOW_INTEROCULAR_PX:
        reasons.append(f"{LOW_RESOLUTION_FACE}_{suffix}")
    return reasons, True


def compare_sides(a: FaceSide, b: FaceSide) -> FaceComparison:
    """The comparison of two prepared sides (``a`` suffixed ``_A``, ``b`` ``_B``)."""
    distance: float | None = None
    score: float | None = None
    if a.embedding is not None and b.embedding is not None:
        distance, score = compare_embeddings(a.embedding, b.embedding)
    return FaceComparison(
        score,
        None if score is None else score >= MATCH_THRESHOLD,
        distance,
        [*a.reasons, *b.reasons],
        a.face,
        b.face,
        a.rotation,
        b.rotation,
        a.interocular,
        b.interocular,
    )


def compare_faces(models: FaceModels, image_a: object, image_b: object) -> FaceComparison:
    """Compare the largest face of ``image_a`` with the largest face of ``image_b``.

    Images: BGR/grey/BGRA uint8 arrays or encoded bytes (JPEG, PNG, ...); a
    document portrait crop where the face fills the image works (padding).
    Blocking: two detections (more when a side needs padding or turning) and
    two embeddings, ~0.3-3 s on one core depending on size. Never raises on
    image content; problems are in ``reasons`` (module docstring).
    """
    return compare_sides(prepare_side(models, image_a, "A"), prepare_side(models, image_b, "B"))

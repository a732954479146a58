"""The JSON answer of the Triton ``face_analysis`` model (the adapter only moves bytes).

``analyse(image_bytes, options)`` decodes one encoded image, finds its faces
(padding and 90/270/180 turns as in :mod:`models.face.locate`) and describes
up to ``maxFaces`` of them, largest first::

    {"imageSize": [w, h],        # of the input as sent
     "rotation": 0,              # clockwise turn applied before detection
     "frameSize": [w, h],        # of the turned image: every coordinate is in this frame
     "faces": [{"box": [x, y, w, h], "score": 1.2, "landmarks": [[x, y] x 68],
                "headPose": {"yaw", "pitch", "roll"}, "eyeAspectRatio": 0.31,
                "interocularDistance": 88.2, "embedding": [128 floats]}],
     "facesFound": 1,            # before the maxFaces cut, weak detections included
     "otherFaces": 0}            # faces besides the largest scoring >= OTHER_FACE_MIN_SCORE:
                                 # what compare_faces reports as MULTIPLE_FACES (> 0)

or ``{"error": "UNDECODABLE_IMAGE" | "BAD_OPTIONS", "faces": []}``.

Options (JSON object; unknown keys are an error so that typos are seen):
``maxFaces`` (1-``MAX_FACES_LIMIT``, default 5), ``embed`` (default true; the
embedding costs ~30 ms a face), ``upsample`` (0-2, default 1), ``rotate``
(default true: try turned images when none is upright).
Blocking, CPU; never raises on content.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from models.face.detect import FaceModels
from models.face.geometry import eye_aspect_ratio, head_pose, interocular_distance
from models.face.locate import as_bgr, find_faces

DEFAULT_MAX_FACES = 5
MAX_FACES_LIMIT = 20
MAX_UPSAMPLE = 2
EMBEDDING_DIGITS = 6
_OPTION_KEYS = frozenset({"maxFaces", "embed", "upsample", "rotate"})


@lru_cache(maxsize=1)
def default_models() -> FaceModels:
    """The process's models, loaded on first use (~0.5 s)."""
    return FaceModels.load()


def parse_options(options: object) -> dict[str, Any] | None:
    """Validated options with defaults, from a dict, JSON text/bytes or None; None if invalid."""
    if options is None or options in (b"", ""):
        raw: object = {}
    elif isinstance(options, bytes | str):
        try:
            raw = json.loads(options)
        except ValueError:
            return None
    else:
        raw = options
    if not isinstance(raw, dict) or not set(raw) <= _OPTION_KEYS:
        return None
    max_faces = raw.get("maxFaces", DEFAULT_MAX_FACES)
    upsample = raw.get("upsample", 1)
    embed = raw.get("embed", True)
    rotate = raw.get("rotate", True)
    ints_ok = all(type(v) is int for v in (max_faces, upsample))
    if not ints_ok or not isinstance(embed, bool) or not isinstance(rotate, bool):
        return None
    if not 1 <= max_faces <= MAX_FACES_LIMIT or not 0 <= upsample <= MAX_UPSAMPLE:
        return None
    return {"maxFaces": max_faces, "embed": embed, "upsample": upsample, "rotate": rotate}


def analyse(
    image_bytes: bytes, options: object = None, models: FaceModels | None = None
) -> dict[str, Any]:
    """Describe the faces of an encoded image (module docstring); ``models`` defaults to
    :func:`default_models`."""
    parsed = parse_options(options)
    if parsed is None:
        return {"error": "BAD_OPTIONS", "faces": []}
    image = as_bgr(image_bytes)
    if image is None:
        return {"error": "UNDECODABLE_IMAGE", "faces": []}
    models = models or default_models()
    search = find_faces(models, image, upsample=parsed["upsample"], rotate=parsed["rotate"])
    height, width = image.shape[:2]
    frame = (height, width) if search.rotation in (90, 270) else (width, height)
    faces = []
    for face in search.faces[: parsed["maxFaces"]]:
        shown = search.unpadded(face)
        entry = shown.to_dict()
        entry["headPose"] = head_pose(shown.landmarks, frame).to_dict()
        entry["eyeAspectRatio"] = round(eye_aspect_ratio(shown.landmarks), 4)
        entry["interocularDistance"] = round(interocular_distance(shown.landmarks), 2)
        if parsed["embed"]:
            vector = models.embed(search.image, face)
            entry["embedding"] = [round(float(v), EMBEDDING_DIGITS) for v in vector]
        faces.append(entry)
    return {
        "imageSize": [width, height],
        "rotation": search.rotation,
        "frameSize": list(frame),
        "faces": faces,
        "facesFound": len(search.faces),
        "otherFaces": len(search.other_faces),
    }

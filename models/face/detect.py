"""Face detection, 68-point landmarks and 128-D embeddings with dlib (the only dlib importer).

Models (all from the ``face_recognition_models`` PyPI package, loaded once by
:meth:`FaceModels.load`):

- detector: dlib's HOG + linear SVM frontal face detector (built into dlib, no file);
  its score is the SVM margin (> 0 for a detection, ~0.5-3 for clear faces);
- landmarks: ``shape_predictor_68_face_landmarks.dat`` (iBUG 300-W 68-point order);
- embedding: ``dlib_face_recognition_resnet_model_v1.dat``, a ResNet-29 giving a
  128-D unit-scale descriptor of the aligned 150x150 face chip. dlib's published
  operating point: Euclidean distance < 0.6 means the same person (99.38% on LFW).

Contracts: images are BGR ``uint8`` (OpenCV order) of shape (H, W, 3); every
coordinate is in the input image's pixels. Large images are downscaled to
``MAX_DETECT_SIDE`` for the detector only (the HOG detector's cost grows with
the area); landmarks and embeddings are computed on the full-resolution image.
All calls are CPU-bound and blocking (HOG on a 1024 px image with one upsample:
~0.3-0.6 s on one core; landmarks ~2 ms; an embedding ~20-40 ms). dlib's
objects are not documented as thread-safe: use one ``FaceModels`` per thread.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import dlib  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt

# Larger images are shrunk to this longest side before the HOG detector runs.
MAX_DETECT_SIDE = 1024
# The HOG detector's window is 80x80 px: a face smaller than ~80 px (at 0
# upsamples) is missed. Images whose longest side is at most this are
# upsampled once more than asked, so document portraits (150-300 px) work.
SMALL_IMAGE_SIDE = 400
# The embedding's chip: dlib's default padding around the landmark-aligned face.
CHIP_PADDING = 0.25
LANDMARK_COUNT = 68
EMBEDDING_SIZE = 128

LANDMARKS_FILE = "shape_predictor_68_face_landmarks.dat"
EMBEDDING_FILE = "dlib_face_recognition_resnet_model_v1.dat"

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Face:
    """One detected face.

    ``box`` is (x, y, w, h) in image pixels and may extend past the image's
    edges for a face cut by the border; ``score`` is the HOG detector's SVM
    margin; ``landmarks`` is (68, 2) float32 x, y in iBUG 68 order (0-16 jaw,
    17-26 brows, 27-35 nose, 36-41 subject's right eye, 42-47 subject's left
    eye, 48-67 mouth).
    """

    box: tuple[int, int, int, int]
    score: float
    landmarks: npt.NDArray[np.float32]

    def to_dict(self) -> dict[str, Any]:
        return {
            "box": list(self.box),
            "score": round(float(self.score), 4),
            "landmarks": [[round(float(x), 1), round(float(y), 1)] for x, y in self.landmarks],
        }

    @property
    def area(self) -> int:
        return self.box[2] * self.box[3]


def default_model_dir() -> Path:
    """The ``models/`` folder of the installed ``face_recognition_models`` package.

    Found without importing the package: its ``__init__`` imports
    ``pkg_resources``, which recent setuptools no longer ship. Raises
    ``FileNotFoundError`` when the package is not installed.
    """
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the face-recognition-models package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def _rgb(image_bgr: Image) -> Image:
    if image_bgr.ndim == 2:
        return np.ascontiguousarray(cv2.cvtColor(image_bgr, cv2.COLOR_GRAY2RGB))
    return np.ascontiguousarray(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB))


def _rect(box: tuple[int, int, int, int]) -> Any:
    x, y, w, h = box
    return dlib.rectangle(int(x), int(y), int(x + w - 1), int(y + h - 1))


class FaceModels:
    """The three dlib models, loaded once. Construct with :meth:`load`."""

    def __init__(self, detector: Any, predictor: Any, encoder: Any) -> None:
        self._detector = detector
        self._predictor = predictor
        self._encoder = encoder

    @classmethod
    def load(cls, model_dir: Path | None = None) -> FaceModels:
        """Load the models from ``model_dir`` (default: the ``face_recognition_models`` folder).

        Blocking (~0.5 s: reads ~100 MB). Raises ``FileNotFoundError`` when a
        ``.dat`` file is missing and ``RuntimeError`` (dlib) when one is corrupt.
        """
        if model_dir is None:
            model_dir = default_model_dir()
        for name in (LANDMARKS_FILE, EMBEDDING_FILE):
            if not (model_dir / name).is_file():
                raise FileNotFoundError(model_dir / name)
        return cls(
            dlib.get_frontal_face_detector(),
            dlib.shape_predictor(str(model_dir / LANDMARKS_FILE)),
            dlib.face_recognition_model_v1(str(model_dir / EMBEDDING_FILE)),
        )

    def detect(self, image_bgr: Image, *, upsample: int = 1) -> list[Face]:
        """Every frontal face in the image, largest first.

        ``upsample``: how many times the detector doubles the image (each one
        halves the smallest findable face, ~80 px at 0, and quadruples the
        cost); images with longest side <= ``SMALL_IMAGE_SIDE`` get one more.
        Images longer than ``MAX_DETECT_SIDE`` are shrunk for the detector;
        boxes and landmarks are in the input's coordinates. Never raises on
        content: an image without faces gives ``[]``.
        """
        height, width = image_bgr.shape[:2]
        if height == 0 or width == 0:
            return []
        rgb = _rgb(image_bgr)
        longest = max(height, width)
        scale = min(1.0, MAX_DETECT_SIDE / longest)
        small = rgb
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            small = np.ascontiguousarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))
        times = max(0, upsample) + (1 if longest <= SMALL_IMAGE_SIDE else 0)
        rects, scores, _ = self._detector.run(small, times, 0.0)
        faces = []
        for rect, score in zip(rects, scores, strict=True):
            x0, y0 = rect.left() / scale, rect.top() / scale
            x1, y1 = (rect.right() + 1) / scale, (rect.bottom() + 1) / scale
            box = (round(x0), round(y0), max(1, round(x1 - x0)), max(1, round(y1 - y0)))
            faces.append(Face(box, float(score), self._landmarks(rgb, box)))
        faces.sort(key=lambda f: f.area, reverse=True)
        return faces

    def _landmarks(self, rgb: Image, box: tuple[int, int, int, int]) -> npt.NDArray[np.float32]:
        shape = self._predictor(rgb, _rect(box))
        return np.array(
            [(shape.part(i).x, shape.part(i).y) for i in range(LANDMARK_COUNT)], np.float32
        )

    def landmarks(
        self, image_bgr: Image, box: tuple[int, int, int, int]
    ) -> npt.NDArray[np.float32]:
        """The 68 landmarks inside a given box (e.g. one tracked across video frames)."""
        return self._landmarks(_rgb(image_bgr), box)

    def embed(self, image_bgr: Image, face: Face) -> npt.NDArray[np.float32]:
        """The 128-D descriptor of ``face`` (from :meth:`detect` on this same image).

        The chip is aligned from the face's 68 landmarks (dlib's
        ``get_face_chip`` alignment: eyes and mouth to fixed positions, 150x150,
        padding ``CHIP_PADDING``), so in-plane roll does not matter. Pixels
        outside the image are black. Blocking, ~20-40 ms on one core.
        """
        points = [dlib.point(round(float(x)), round(float(y))) for x, y in face.landmarks]
        shape = dlib.full_object_detection(_rect(face.box), points)
        vector = self._encoder.compute_face_descriptor(_rgb(image_bgr), shape, 0, CHIP_PADDING)
        return np.asarray(vector, dtype=np.float32).reshape(EMBEDDING_SIZE)

    def chip(self, image_bgr: Image, face: Face, size: int = 150) -> Image:
        """The aligned face chip (BGR) the embedding sees: for inspection and texture cues."""
        points = [dlib.point(round(float(x)), round(float(y))) for x, y in face.landmarks]
        shape = dlib.full_object_detection(_rect(face.box), points)
        chip = dlib.get_face_chip(_rgb(image_bgr), shape, size, CHIP_PADDING)
        return np.asarray(cv2.cvtColor(np.asarray(chip, np.uint8), cv2.COLOR_RGB2BGR), np.uint8)

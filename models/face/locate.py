"""Find the faces of a photo that may be a tight crop, tiny, or rotated by 90/180/270 degrees.

:func:`find_faces` wraps :meth:`FaceModels.detect` with the fallbacks a KYC
upload needs, in this order, stopping at the first that finds a face:

1. the image as given;
2. the image padded by ``PAD_FRACTION`` of its longer side on every side
   (mid-grey): the HOG detector needs background around a face, so a document
   portrait cropped to the face is missed without it;
3. the padded image turned 90 degrees clockwise, 90 counter-clockwise, then
   180 (phone photos of ID cards arrive sideways; upside-down is rarest).

``FaceSearch.image`` is the image the faces were found in (turned and padded),
the one to pass to :meth:`FaceModels.embed`. Strong in-plane roll short of 90
degrees needs no turn: the detector tolerates ~±30 degrees and the embedding's
chip is aligned from the landmarks.

Images are decoded and normalised by :func:`as_bgr` (grey and BGRA accepted).
Blocking; worst case (no face anywhere) 5 detector runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from models.face.detect import Face, FaceModels

Image = npt.NDArray[np.uint8]

PAD_FRACTION = 0.25
PAD_GREY = 127
# Clockwise turns tried after the upright image, most likely first.
ROTATIONS = (90, 270, 180)
_ROTATE_CODES = {
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}
# A second detection counts as another person only above this HOG score. On the
# real photos of tools.facedata, false detections (the badge on the astronaut's
# suit) scored up to 0.52 and true faces 0.46-1.9 (0.46: a 128 px photo turned
# 10 degrees; the others >= 0.69): a weak background face may go unreported.
OTHER_FACE_MIN_SCORE = 0.6


@dataclass(frozen=True)
class FaceSearch:
    """Where the faces were found.

    ``faces`` (largest first) are in the coordinates of ``image``: the input
    turned clockwise by ``rotation`` degrees, then padded by ``padding`` pixels
    on each side. ``input_faces`` gives them in the turned, unpadded image.
    """

    image: Image
    faces: list[Face]
    rotation: int = 0
    padding: int = 0
    input_size: tuple[int, int] = (0, 0)  # (width, height) of the input, before turning
    tried: list[str] = field(default_factory=list)

    @property
    def face(self) -> Face | None:
        return self.faces[0] if self.faces else None

    @property
    def other_faces(self) -> list[Face]:
        """Faces besides the largest that are confident enough to be another person."""
        return [f for f in self.faces[1:] if f.score >= OTHER_FACE_MIN_SCORE]

    def unpadded(self, face: Face) -> Face:
        """``face`` in the turned image without the padding."""
        if not self.padding:
            return face
        x, y, w, h = face.box
        p = self.padding
        return replace(face, box=(x - p, y - p, w, h), landmarks=face.landmarks - np.float32(p))

    def to_dict(self) -> dict[str, Any]:
        return {
            "imageSize": list(self.input_size),
            "rotation": self.rotation,
            "faces": [self.unpadded(f).to_dict() for f in self.faces],
        }


def as_bgr(image: object) -> Image | None:
    """A BGR uint8 (H, W, 3) image from an array (grey, BGR, BGRA) or encoded bytes.

    Returns ``None`` for ``None``, empty or undecodable input; never raises.
    """
    if isinstance(image, bytes | bytearray | memoryview):
        if len(image) == 0:
            return None
        decoded = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR)
        return None if decoded is None else np.asarray(decoded, np.uint8)
    if not isinstance(image, np.ndarray) or image.size == 0 or image.ndim not in (2, 3):
        return None
    array = image if image.dtype == np.uint8 else np.clip(image, 0, 255).astype(np.uint8)
    if array.ndim == 2:
        return np.asarray(cv2.cvtColor(array, cv2.COLOR_GRAY2BGR), np.uint8)
    channels = array.shape[2]
    if channels == 1:
        return np.asarray(cv2.cvtColor(array[..., 0], cv2.COLOR_GRAY2BGR), np.uint8)
    if channels == 4:
        return np.ascontiguousarray(array[..., :3])
    if channels == 3:
        return np.ascontiguousarray(array)
    return None


def turn(image: Image, rotation: int) -> Image:
    """``image`` turned clockwise by ``rotation`` (0, 90, 180 or 270) degrees."""
    if rotation % 360 == 0:
        return image
    return np.asarray(cv2.rotate(image, _ROTATE_CODES[rotation % 360]), np.uint8)


def pad(image: Image) -> tuple[Image, int]:
    """``image`` with a mid-grey border of ``PAD_FRACTION`` x its longer side; and that border."""
    border = max(8, round(PAD_FRACTION * max(image.shape[:2])))
    padded = cv2.copyMakeBorder(
        image, border, border, border, border, cv2.BORDER_CONSTANT, value=(PAD_GREY,) * 3
    )
    return np.asarray(padded, np.uint8), border


def find_faces(
    models: FaceModels, image_bgr: Image, *, upsample: int = 1, rotate: bool = True
) -> FaceSearch:
    """The faces of ``image_bgr``, trying padding and then 90/270/180 turns (see module doc).

    Returns a search with no faces when nothing is found; never raises on content.
    """
    height, width = image_bgr.shape[:2]
    size = (width, height)
    tried = ["upright"]
    faces = models.detect(image_bgr, upsample=upsample)
    if faces:
        return FaceSearch(image_bgr, faces, 0, 0, size, tried)
    for rotation in (0, *ROTATIONS) if rotate else (0,):
        padded, border = pad(turn(image_bgr, rotation))
        tried.append(f"padded-{rotation}")
        faces = models.detect(padded, upsample=upsample)
        if faces:
            return FaceSearch(padded, faces, rotation, border, size, tried)
    return FaceSearch(image_bgr, [], 0, 0, size, tried)

"""The face layer: detection, landmarks, embeddings (dlib), geometry and comparison.

- :mod:`models.face.detect`: :class:`Face`, :class:`FaceModels` (the only dlib importer);
- :mod:`models.face.geometry`: head pose, eye aspect ratio, interocular distance;
- :mod:`models.face.locate`: finding faces in crops, tiny and rotated images;
- :mod:`models.face.compare`: similarity (0-100) and :func:`compare_faces`;
- :mod:`models.face.serve`: the JSON the Triton ``face_analysis`` model returns.
"""

from models.face.compare import (
    MATCH_THRESHOLD,
    FaceComparison,
    compare_embeddings,
    compare_faces,
    similarity,
)
from models.face.detect import Face, FaceModels
from models.face.geometry import HeadPose, eye_aspect_ratio, head_pose, interocular_distance
from models.face.locate import FaceSearch, find_faces

__all__ = [
    "MATCH_THRESHOLD",
    "Face",
    "FaceComparison",
    "FaceModels",
    "FaceSearch",
    "HeadPose",
    "compare_embeddings",
    "compare_faces",
    "eye_aspect_ratio",
    "find_faces",
    "head_pose",
    "interocular_distance",
    "similarity",
]

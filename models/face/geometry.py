"""Geometry from 68 iBUG landmarks: head pose, eye aspect ratio, interocular distance.

Pure numpy/OpenCV, no model files. Landmarks are (68, 2) x, y image pixels in
iBUG 300-W order (as :class:`models.face.detect.Face` gives them); indices
36-41 are the subject's right eye (on the image's left for a face looking at
the camera), 42-47 the subject's left eye.

Head-pose sign conventions (degrees, camera frame: x to the image's right, y
down, z away from the camera; 0, 0, 0 = looking straight into the camera):

- ``yaw`` > 0: the face is turned towards the image's right side (the
  subject's own left), i.e. the nose moves right in the image;
- ``pitch`` > 0: the face is tilted up (chin forward, looking above the camera);
- ``roll`` > 0: the face is rotated clockwise in the image (the subject's
  left eye, image right, lower than the right eye).

Yaw and pitch are the horizontal and vertical angles of the face's forward
axis (not a composed Euler sequence), so each reads on its own; roll is the
angle of the eye line. The 3-D model is generic (an average adult face, not
the subject's), the camera's focal length is assumed to be the image width
and the principal point its centre: expect errors of ~5-10 degrees, enough to
tell "turned left" from "facing the camera", not for measurement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

Landmarks = npt.NDArray[np.float32] | npt.NDArray[np.float64]

RIGHT_EYE = slice(36, 42)  # the subject's right eye (image left)
LEFT_EYE = slice(42, 48)
NOSE_TIP = 30

# A generic 3-D face in millimetres, in the camera frame of a face looking into
# the camera (x right in the image, y down, z away from the camera), origin at
# the nose tip. Anthropometric averages for adults (Farkas 1994, rounded):
# outer eye corners 90 mm apart, inner 32 mm, mouth 50 mm wide, nose tip ~25-30
# mm in front of the eye corners, chin 70 mm below the nose tip. Only
# landmarks that sit on rigid, well-defined points are used: the jaw line
# (0-16) moves with the pose's silhouette and the brows move with expression.
MODEL_POINTS_MM: dict[int, tuple[float, float, float]] = {
    NOSE_TIP: (0.0, 0.0, 0.0),
    27: (0.0, -40.0, 22.0),  # nasion (bridge between the eyes)
    33: (0.0, 12.0, 13.0),  # subnasale (under the nose)
    31: (-12.0, 8.0, 17.0),  # nose wing, subject's right
    35: (12.0, 8.0, 17.0),
    36: (-45.0, -35.0, 32.0),  # outer corner, subject's right eye
    39: (-16.0, -35.0, 27.0),  # inner corner, subject's right eye
    42: (16.0, -35.0, 27.0),
    45: (45.0, -35.0, 32.0),
    48: (-25.0, 30.0, 24.0),  # mouth corner, subject's right
    54: (25.0, 30.0, 24.0),
    51: (0.0, 25.0, 12.0),  # upper lip, middle
    57: (0.0, 40.0, 14.0),  # lower lip, middle
    8: (0.0, 72.0, 22.0),  # chin (menton)
}
_MODEL_INDEX = np.array(sorted(MODEL_POINTS_MM), dtype=np.int64)
_MODEL = np.array([MODEL_POINTS_MM[i] for i in _MODEL_INDEX], dtype=np.float64)
# Focal length in pixels = this x the image width (a ~53 degree horizontal view,
# a phone's main camera; webcams are 60-70 degrees).
FOCAL_LENGTH_PER_WIDTH = 1.0
_NO_DISTORTION = np.zeros(4, np.float64)


@dataclass(frozen=True)
class HeadPose:
    """Head orientation in degrees; signs as in the module docstring."""

    yaw: float
    pitch: float
    roll: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "yaw": round(self.yaw, 2),
            "pitch": round(self.pitch, 2),
            "roll": round(self.roll, 2),
        }


def camera_matrix(image_size: tuple[int, int]) -> npt.NDArray[np.float64]:
    """The assumed pinhole camera for an image of ``image_size`` = (width, height)."""
    width, height = image_size
    focal = FOCAL_LENGTH_PER_WIDTH * width
    return np.array([[focal, 0, width / 2], [0, focal, height / 2], [0, 0, 1]], np.float64)


def _ry(yaw: float) -> npt.NDArray[np.float64]:
    c, s = math.cos(yaw), math.sin(yaw)
    return np.array([[c, 0.0, -s], [0.0, 1.0, 0.0], [s, 0.0, c]])


def _rx(pitch: float) -> npt.NDArray[np.float64]:
    c, s = math.cos(pitch), math.sin(pitch)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, s], [0.0, -s, c]])


def _rz(roll: float) -> npt.NDArray[np.float64]:
    c, s = math.cos(roll), math.sin(roll)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def rotation_from_pose(pose: HeadPose) -> npt.NDArray[np.float64]:
    """The model-to-camera rotation of a pose: roll about the face's own forward
    axis first, then tilt (pitch), then turn (yaw); inverse of :func:`pose_from_rotation`."""
    yaw, pitch, roll = (math.radians(a) for a in (pose.yaw, pose.pitch, pose.roll))
    return np.asarray(_ry(yaw) @ _rx(pitch) @ _rz(roll), np.float64)


def pose_from_rotation(rotation: npt.NDArray[np.float64]) -> HeadPose:
    """Yaw/pitch/roll of a model-to-camera rotation matrix.

    Yaw and pitch are read off the face's forward axis (so roll does not leak
    into them); roll is what is left, a spin about that axis.
    """
    forward = rotation @ np.array([0.0, 0.0, -1.0])  # out of the face, towards the camera
    yaw = math.atan2(forward[0], -forward[2])
    pitch = math.atan2(-forward[1], math.hypot(forward[0], forward[2]))
    spin = (_ry(yaw) @ _rx(pitch)).T @ rotation
    roll = math.atan2(spin[1, 0], spin[0, 0])
    return HeadPose(math.degrees(yaw), math.degrees(pitch), math.degrees(roll))


def head_pose(landmarks: Landmarks, image_size: tuple[int, int]) -> HeadPose:
    """Head pose from 68 landmarks with ``cv2.solvePnP`` on the generic model.

    ``image_size`` is (width, height) of the image the landmarks are in. Never
    raises for 68 finite points; a degenerate solve (all points on a line)
    returns whatever the iterative solver converged to.
    """
    points = np.asarray(landmarks, np.float64)[_MODEL_INDEX]
    camera = camera_matrix(image_size)
    # EPnP gives an initial pose that the iterative (Levenberg-Marquardt) refines;
    # starting the iterative solver from nothing can land on the mirror solution.
    _, rvec, tvec = cv2.solvePnP(_MODEL, points, camera, _NO_DISTORTION, flags=cv2.SOLVEPNP_EPNP)
    _, rvec, tvec = cv2.solvePnP(
        _MODEL,
        points,
        camera,
        _NO_DISTORTION,
        np.asarray(rvec, np.float64),
        np.asarray(tvec, np.float64),
        True,
        flags=cv2.SOLVEPNP_ITERATIVE,
    )
    rotation, _ = cv2.Rodrigues(rvec)
    return pose_from_rotation(np.asarray(rotation, np.float64))


def project_model(
    pose: HeadPose, image_size: tuple[int, int], distance_mm: float = 600.0
) -> npt.NDArray[np.float32]:
    """68 landmarks of the generic model seen at ``pose`` (only the model's points are set).

    The inverse of :func:`head_pose`, for tests and synthetic checks; points not
    in the model are NaN.
    """
    rotation = rotation_from_pose(pose)
    rvec, _ = cv2.Rodrigues(rotation)
    tvec = np.array([0.0, 0.0, distance_mm])
    projected, _ = cv2.projectPoints(
        _MODEL, np.asarray(rvec, np.float64), tvec, camera_matrix(image_size), _NO_DISTORTION
    )
    out = np.full((68, 2), np.nan, np.float32)
    out[_MODEL_INDEX] = projected.reshape(-1, 2)
    return out


def _eye_ratio(eye: npt.NDArray[np.float64]) -> float:
    vertical = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
    horizontal = 2.0 * np.linalg.norm(eye[0] - eye[3])
    return float(vertical / horizontal) if horizontal > 0 else 0.0


def eye_aspect_ratio(landmarks: Landmarks) -> float:
    """Mean eye aspect ratio of both eyes (Soukupová & Čech 2016).

    EAR = (|p2-p6| + |p3-p5|) / (2 |p1-p4|) per eye: ~0.25-0.35 open, < ~0.2
    closed; independent of the face's size and in-plane rotation.
    """
    points = np.asarray(landmarks, np.float64)
    return (_eye_ratio(points[RIGHT_EYE]) + _eye_ratio(points[LEFT_EYE])) / 2.0


def interocular_distance(landmarks: Landmarks) -> float:
    """Distance in pixels between the two eye centres (mean of each eye's 6 points)."""
    points = np.asarray(landmarks, np.float64)
    return float(np.linalg.norm(points[RIGHT_EYE].mean(0) - points[LEFT_EYE].mean(0)))

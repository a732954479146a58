"""Head pose, eye aspect ratio and interocular distance: synthetic projections and real photos."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from models.face.detect import FaceModels
from models.face.geometry import (
    HeadPose,
    eye_aspect_ratio,
    head_pose,
    interocular_distance,
    pose_from_rotation,
    project_model,
    rotation_from_pose,
)
from tests.fixtures.faces import shrink
from tools.facedata import RealPhoto

POSES = [
    HeadPose(0, 0, 0),
    HeadPose(30, 0, 0),
    HeadPose(-30, 0, 0),
    HeadPose(0, 20, 0),
    HeadPose(-25, -10, 15),
    HeadPose(20, 15, -30),
]


@pytest.mark.parametrize("pose", POSES)
def test_rotation_round_trip(pose: HeadPose) -> None:
    back = pose_from_rotation(rotation_from_pose(pose))
    assert back.yaw == pytest.approx(pose.yaw, abs=1e-6)
    assert back.pitch == pytest.approx(pose.pitch, abs=1e-6)
    assert back.roll == pytest.approx(pose.roll, abs=1e-6)


@pytest.mark.parametrize("pose", POSES)
def test_head_pose_recovers_a_projected_model(pose: HeadPose) -> None:
    landmarks = project_model(pose, (640, 480))
    # Landmark noise of ~1 px, as dlib's predictor has on a 100 px face.
    noisy = landmarks + np.random.default_rng(0).normal(0, 1.0, landmarks.shape).astype(np.float32)
    found = head_pose(noisy, (640, 480))
    assert found.yaw == pytest.approx(pose.yaw, abs=4)
    assert found.pitch == pytest.approx(pose.pitch, abs=4)
    assert found.roll == pytest.approx(pose.roll, abs=4)


def test_yaw_sign_follows_the_nose(
    face_models: FaceModels, real_photos: dict[str, RealPhoto]
) -> None:
    # obama-2: he speaks towards the image's left (his right): yaw < 0; mirrored: yaw > 0.
    image = shrink(real_photos["obama-2"].image_bgr, 800)
    size = (image.shape[1], image.shape[0])
    face = face_models.detect(image)[0]
    pose = head_pose(face.landmarks, size)
    mirrored_image = np.ascontiguousarray(cv2.flip(image, 1), np.uint8)
    mirrored = head_pose(face_models.detect(mirrored_image)[0].landmarks, size)
    assert pose.yaw < -8
    assert mirrored.yaw > 8
    assert mirrored.yaw == pytest.approx(-pose.yaw, abs=4)
    assert mirrored.pitch == pytest.approx(pose.pitch, abs=4)


def test_frontal_photos_face_the_camera(
    face_models: FaceModels, real_photos: dict[str, RealPhoto]
) -> None:
    for photo_id in ("obama-1", "collins-1"):
        image = shrink(real_photos[photo_id].image_bgr, 800)
        face = face_models.detect(image)[0]
        pose = head_pose(face.landmarks, (image.shape[1], image.shape[0]))
        assert abs(pose.yaw) < 10 and abs(pose.pitch) < 12 and abs(pose.roll) < 6, photo_id


def test_roll_follows_an_in_plane_rotation(
    face_models: FaceModels, real_photos: dict[str, RealPhoto]
) -> None:
    image = shrink(real_photos["obama-1"].image_bgr, 700)
    height, width = image.shape[:2]
    size = (width, height)
    upright = head_pose(face_models.detect(image)[0].landmarks, size).roll
    # cv2's angle is counter-clockwise: -20 turns the picture 20 degrees clockwise.
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), -20, 1.0)
    turned = np.asarray(
        cv2.warpAffine(image, matrix, size, borderMode=cv2.BORDER_REPLICATE), np.uint8
    )
    roll = head_pose(face_models.detect(turned)[0].landmarks, size).roll
    assert roll - upright == pytest.approx(20, abs=4)


def test_eye_aspect_ratio_of_open_and_closed_eyes(
    face_models: FaceModels, real_photos: dict[str, RealPhoto]
) -> None:
    image = shrink(real_photos["collins-1"].image_bgr, 512)
    landmarks = face_models.detect(image)[0].landmarks
    open_ear = eye_aspect_ratio(landmarks)
    assert 0.2 < open_ear < 0.45
    # Close the eyelids: squash each eye's points onto the line through its corners.
    closed = landmarks.copy()
    for eye in (slice(36, 42), slice(42, 48)):
        centre_y = closed[eye, 1].mean()
        closed[eye, 1] = centre_y + 0.15 * (closed[eye, 1] - centre_y)
    # Not exactly 0.15 x: the lid distances also have an x part when the eye is tilted.
    assert eye_aspect_ratio(closed) < min(0.1, 0.35 * open_ear)
    # Scale and in-plane rotation do not change it.
    angle = np.radians(25)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32)
    moved = (landmarks * 2.5) @ rot.T + np.float32(40)
    assert eye_aspect_ratio(moved) == pytest.approx(open_ear, rel=1e-4)


def test_eye_aspect_ratio_by_hand() -> None:
    points = np.zeros((68, 2), np.float32)
    # A 30 px wide eye, 6 and 9 px high at the two lid pairs: (6 + 9) / (2 * 30) = 0.25.
    eye = [(0, 0), (10, -3), (20, -4.5), (30, 0), (20, 4.5), (10, 3)]
    points[36:42] = eye
    points[42:48] = np.array(eye) + np.array([60, 0])
    assert eye_aspect_ratio(points) == pytest.approx(0.25)
    assert interocular_distance(points) == pytest.approx(60)


def test_interocular_distance_scales_with_the_image(
    face_models: FaceModels, real_photos: dict[str, RealPhoto]
) -> None:
    image = shrink(real_photos["biden-1"].image_bgr, 900)
    full = interocular_distance(face_models.detect(image)[0].landmarks)
    half_image = np.asarray(
        cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA), np.uint8
    )
    half = interocular_distance(face_models.detect(half_image)[0].landmarks)
    assert half == pytest.approx(full / 2, rel=0.08)

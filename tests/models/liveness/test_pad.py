"""PAD signals on landmark motion of a real face (3-D head vs flat sheet) and on textures."""

from __future__ import annotations

import cv2
import numpy as np

from models.liveness import pad
from models.liveness.observation import Observation
from tests.fixtures.liveness import head_landmarks, landmark_track, plane_landmarks
from tools.livegen.attacks import _screen_pixels, halftone
from tools.livegen.genuine import photos, selfie_frame
from tools.livegen.head import Pose

YAWS = [0] * 8 + [8, 16, 24, 30, 24, 16, 8, 0, 0, 0]


def test_a_turning_head_is_not_flat_and_a_turning_sheet_is() -> None:
    head = landmark_track([head_landmarks(Pose(yaw=y)) for y in YAWS], [0.6 * y for y in YAWS])
    sheet = landmark_track([plane_landmarks(y) for y in YAWS], [0.6 * y for y in YAWS])
    live, flat = pad.flatness(head), pad.flatness(sheet)
    assert live.raw is not None and flat.raw is not None
    assert live.raw > 3 * flat.raw
    assert live.passed and not flat.passed
    assert live.score < flat.score


def test_failed_fits_at_the_peak_of_a_turn_do_not_flatten_a_head() -> None:
    # at the peak of a strong turn dlib's fit can fail: a frontal-looking shape read as the
    # most turned frames, with no parallax; the frames of the turn around it still show depth
    yaws = [0] * 8 + [10, 16, 22, 28, 34, 34, 34, 28, 22, 16, 10, 0, 0, 0]
    failed = {13, 14, 15}
    shapes = [
        plane_landmarks(0.8 * y) if k in failed else head_landmarks(Pose(yaw=y))
        for k, y in enumerate(yaws)
    ]
    read = [{13: 45.0, 14: 44.0, 15: 46.0}.get(k, 0.6 * y) for k, y in enumerate(yaws)]
    live = pad.flatness(landmark_track(shapes, read))
    assert live.passed and live.raw is not None and live.raw > 2 * pad.FLAT_HALF_PCT


def test_without_a_turn_there_is_no_evidence_of_depth() -> None:
    still = landmark_track([head_landmarks(Pose())] * 10, [0.0] * 10)
    signal = pad.flatness(still)
    assert signal.score == 1.0 and not signal.passed and "no turned frame" in signal.detail


def test_a_photo_moved_by_the_camera_has_no_natural_motion() -> None:
    rng = np.random.default_rng(1)
    base = head_landmarks(Pose())
    shaken = []
    for _ in range(20):
        a = np.deg2rad(rng.normal(0, 1.5))
        s = 1 + rng.normal(0, 0.02)
        m = np.array([[s * np.cos(a), -s * np.sin(a)], [s * np.sin(a), s * np.cos(a)]])
        shaken.append((base @ m.T + rng.normal(0, 5, 2)).astype(np.float32))
    still = pad.natural_motion(landmark_track(shaken, [0.0] * 20))
    performing = [
        head_landmarks(Pose(yaw=y, closure=0.9 if k == 10 else 0.0)) for k, y in enumerate(YAWS * 2)
    ]
    live = pad.natural_motion(landmark_track(performing, [0.6 * y for y in YAWS * 2]))
    assert not still.passed and live.passed
    assert live.raw is not None and still.raw is not None and live.raw > 3 * still.raw


def test_homography_residual_is_zero_for_a_projective_copy() -> None:
    lm = head_landmarks(Pose()).astype(np.float64)
    h = np.array([[1.1, 0.05, 3.0], [-0.02, 0.95, -4.0], [1e-4, -2e-4, 1.0]])
    moved = np.asarray(cv2.perspectiveTransform(lm.reshape(-1, 1, 2), h), np.float64).reshape(-1, 2)
    assert pad.homography_residual(moved, lm, 60.0) < 1e-3
    turned = head_landmarks(Pose(yaw=30)).astype(np.float64)
    assert pad.homography_residual(turned, lm, 60.0) > 2.0


def face_patch() -> np.ndarray:
    photo = next(p for p in photos() if p.identity == "obama")
    image, _ = selfie_frame(photo, np.random.default_rng(2))
    return image


def obs_for(image: np.ndarray) -> Observation:
    h, w = image.shape[:2]
    return Observation(t_ms=0.0, faces=1, box=(w // 2 - 100, h // 3 - 100, 200, 200))


def test_a_screen_pixel_grid_and_a_halftone_raise_the_moire_measure() -> None:
    rng = np.random.default_rng(3)
    photo = face_patch()
    noisy = np.clip(photo + rng.normal(0, 2.5, photo.shape), 0, 255).astype(np.uint8)
    h, w = photo.shape[:2]
    lit = _screen_pixels(photo, 330, 1.0, 0.85, np.ones(3, np.float32))
    screen = np.asarray(cv2.resize(lit, (w, h), interpolation=cv2.INTER_LINEAR), np.uint8)
    big = np.asarray(cv2.resize(photo, (w * 2, h * 2)), np.uint8)
    printed = np.asarray(
        cv2.resize(halftone(big, 5.0, rng), (w, h), interpolation=cv2.INTER_LINEAR), np.uint8
    )
    measures = {}
    for name, img in (("camera", noisy), ("screen", screen), ("print", printed)):
        features = pad.texture_features([img, img], [obs_for(img)] * 2)
        measures[name] = float(np.median(features.moire))
    assert measures["screen"] > measures["camera"] + 0.5
    assert measures["print"] > measures["camera"] + 0.5
    signals = {
        s.name: s for s in pad.texture_signals(pad.TextureFeatures((measures["camera"],), ()))
    }
    assert signals["screenMoire"].passed


def test_refresh_banding_between_frames_is_measured() -> None:
    rng = np.random.default_rng(4)
    photo = face_patch()
    rows = np.arange(photo.shape[0], dtype=np.float32)[:, None, None]
    plain, banded = [], []
    for k in range(2):
        noise = rng.normal(0, 2.0, photo.shape)
        plain.append(np.clip(photo * (1 + 0.01 * k) + noise, 0, 255).astype(np.uint8))
        band = 1 + 0.05 * np.sin(2 * np.pi * (rows / 40.0 + 0.3 * k))
        banded.append(np.clip(photo * band + noise, 0, 255).astype(np.uint8))
    flat_ratio = pad.banding_ratio(*plain)
    band_ratio = pad.banding_ratio(*banded)
    assert band_ratio > 3 * flat_ratio
    assert band_ratio > pad.BANDING_HALF > flat_ratio


def test_signals_are_named_scored_and_serialisable() -> None:
    head = landmark_track([head_landmarks(Pose(yaw=y)) for y in YAWS], [0.6 * y for y in YAWS])
    out = pad.signals(head, pad.TextureFeatures((1.0,), (2.0,)))
    assert set(out) == set(pad.THRESHOLDS)
    for name, s in out.items():
        assert 0.0 <= s.score <= 1.0
        d = s.to_dict()
        assert d["threshold"] == pad.THRESHOLDS[name] and d["passed"] == (s.score < s.threshold)

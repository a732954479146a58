"""The liveness session generator: real faces posed in 3-D, deterministic, correctly labelled."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from models.face.geometry import eye_aspect_ratio, head_pose, interocular_distance
from models.liveness.challenge import Challenge, Step
from tests.fixtures.liveness import challenge, genuine, real_head
from tools.livegen import FPS, FRAME_SIZE, KINDS
from tools.livegen.__main__ import main
from tools.livegen.attacks import other_order, print_attack, wrong_order
from tools.livegen.genuine import (
    TURN_RELATIVE_DEG,
    choreograph,
    face_models,
    identities,
    photos,
    rest_yaw,
)
from tools.livegen.head import Pose

LEFT, RIGHT, BLINK, CLOSER = Step.TURN_LEFT, Step.TURN_RIGHT, Step.BLINK, Step.COME_CLOSER


def measure(image: np.ndarray) -> tuple[float, float, float]:
    face = face_models().detect(image, upsample=1)[0]
    pose = head_pose(face.landmarks, (image.shape[1], image.shape[0]))
    return pose.yaw, eye_aspect_ratio(face.landmarks), interocular_distance(face.landmarks)


def test_genuine_sessions_start_from_several_real_identities() -> None:
    assert len(identities()) >= 3
    assert all(p.box[2] >= 80 for p in photos())


def test_the_rest_pose_reproduces_the_photo() -> None:
    head = real_head()
    image, landmarks = head.render(Pose())
    assert np.abs(image.astype(int) - head.image.astype(int)).mean() < 1.0
    assert np.allclose(landmarks, head.landmarks, atol=0.5)


def test_posed_renders_are_measured_as_posed_by_dlib() -> None:
    head = real_head()
    yaw0, ear0, iod0 = measure(head.render(Pose())[0])
    yaw_left, _, _ = measure(head.render(Pose(yaw=30))[0])
    yaw_right, _, _ = measure(head.render(Pose(yaw=-30))[0])
    # subject's left (yaw > 0) moves the nose towards the image's right, as models.face reads it
    assert yaw_left > yaw0 + 12 and yaw_right < yaw0 - 12
    _, ear_closed, _ = measure(head.render(Pose(closure=0.9))[0])
    assert ear_closed < 0.75 * ear0
    _, _, iod_close = measure(head.render(Pose(distance_mm=290))[0])
    assert iod_close > 1.25 * iod0


def test_choreography_follows_the_steps_in_order_with_human_timing() -> None:
    c = choreograph((LEFT, BLINK, CLOSER), np.random.default_rng(3), spontaneous_blinks=False)
    onsets = [t for _, t in c.onsets]
    assert onsets == sorted(onsets) and onsets[0] >= 300
    times = np.array(c.times)
    assert np.allclose(np.diff(times), 1000 / FPS)
    assert 2000 <= times[-1] <= 4500
    yaw = np.array([p.yaw for p in c.poses])
    closure = np.array([p.closure for p in c.poses])
    distance = np.array([p.distance_mm for p in c.poses])
    assert yaw.max() >= 25 and yaw.min() > -5  # a left turn only
    assert times[yaw.argmax()] < times[closure.argmax()]  # the turn comes before the blink
    assert closure.max() >= 0.8
    assert distance[-1] < 0.8 * distance[0]


def test_turns_aim_at_a_yaw_from_the_camera_whatever_the_rest_pose() -> None:
    # a photo whose subject already looks 15 degrees to their left: a left turn adds less
    # than a right turn does, both within TURN_RELATIVE_DEG of the rest pose
    steps = (LEFT, BLINK, RIGHT)
    frontal = choreograph(steps, np.random.default_rng(3), spontaneous_blinks=False)
    aside = choreograph(steps, np.random.default_rng(3), spontaneous_blinks=False, start_yaw=15.0)
    yaw0 = np.array([p.yaw for p in frontal.poses])
    yaw = np.array([p.yaw for p in aside.poses])
    low, high = TURN_RELATIVE_DEG
    assert low - 4 <= yaw.max() <= yaw0.max() - 5  # (idle sway: a few degrees)
    assert -high - 4 <= yaw.min() <= yaw0.min()
    assert -yaw.min() > yaw.max() + 5
    assert rest_yaw(real_head().landmarks) == pytest.approx(0.0, abs=8.0)  # a frontal photo


def test_a_genuine_session_is_deterministic_and_labelled() -> None:
    s = genuine()
    assert s.kind == "genuine" and not s.is_attack
    assert s.performed == s.challenge.steps
    assert s.frames[0].image.shape == (FRAME_SIZE[1], FRAME_SIZE[0], 3)
    assert 2.0 <= s.frames[-1].t_ms / 1000 <= 4.5
    assert len(s.truth) == len(s.frames)
    again = print_attack(5, s.challenge)
    assert again.images[3].tobytes() == print_attack(5, s.challenge).images[3].tobytes()
    assert again.kind == "print_attack" and BLINK not in again.performed


def test_wrong_order_performs_another_permutation() -> None:
    c = challenge(LEFT, BLINK, RIGHT)
    for seed in range(5):
        order = other_order(c.steps, np.random.default_rng(seed))
        assert order != c.steps and sorted(order) == sorted(c.steps)
    with pytest.raises(ValueError, match="no other order"):
        other_order((LEFT,), np.random.default_rng(0))
    s = wrong_order(3, Challenge((LEFT, CLOSER, RIGHT), "x"))
    assert s.performed != s.challenge.steps and s.is_attack


def test_the_command_writes_mp4_clips_and_truth(tmp_path: Path) -> None:
    assert main(["--out", str(tmp_path), "--seed", "4", "--kinds", "still_photo"]) == 0
    clip = tmp_path / "still_photo-4.mp4"
    truth = json.loads((tmp_path / "still_photo-4.json").read_text())
    assert clip.stat().st_size > 10_000 and clip.read_bytes()[4:8] == b"ftyp"
    assert truth["kind"] == "still_photo" and truth["performed"] == []
    assert len(truth["challenge"]["steps"]) == 3
    assert set(KINDS) >= {"genuine", "screen_replay", "print_attack", "still_photo"}

"""Observation helpers: yaw-corrected distance, glitch detection, JSON."""

from __future__ import annotations

import json
import math

import pytest

from models.liveness.observation import GLITCH_YAW_DEG, Observation, steady
from tests.fixtures.liveness import bump, track


def test_frontal_iod_undoes_the_narrowing_of_a_turn() -> None:
    o = Observation(t_ms=0.0, faces=1, iod=80.0 * math.cos(math.radians(30)), yaw=-30.0)
    assert o.frontal_iod == pytest.approx(80.0)
    assert Observation(t_ms=0.0, faces=0).frontal_iod is None


def test_a_one_frame_yaw_flip_is_a_glitch_and_a_turn_is_not() -> None:
    frames = track(2000, yaw=[bump(300, 35.0, rise_ms=300, hold_ms=300)])
    assert all(steady(frames))
    k = 10
    flipped = frames[k]
    frames[k] = Observation(**{**flipped.__dict__, "yaw": -float(flipped.yaw or 0.0)})
    assert abs(float(frames[k].yaw or 0) - float(frames[k - 1].yaw or 0)) > GLITCH_YAW_DEG
    flags = steady(frames)
    assert flags[k] is False and sum(flags) == len(frames) - 1


def test_frames_without_a_face_are_not_steady_and_serialise() -> None:
    frames = track(1000, missing=[3])
    assert steady(frames)[3] is False
    data = json.loads(json.dumps(frames[0].to_dict()))
    assert data["faces"] == 1 and data["embedded"] is False and "landmarks" not in data

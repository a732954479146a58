"""The identity-continuity rule on synthetic observations (no models): a face change must
show on at least two embedded frames, and a lone far frame gets a second one to confirm it."""

from __future__ import annotations

import numpy as np

from models.liveness.observation import Observation
from models.liveness.session import (
    CONFIRM_MIN_GAP,
    FACE_CHANGED_DISTANCE,
    MIN_CHANGED_FRAMES,
    confirmation_frames,
    decide,
    identity_change,
    reference_frame,
)

N = 30
SAME = np.zeros(128, np.float32)


def _vector(distance: float) -> np.ndarray:
    v = np.zeros(128, np.float32)
    v[0] = distance
    return v


def _track(embedded: dict[int, float]) -> list[Observation]:
    """A steady frontal face; frame -> distance from the reference's embedding (frame 0 is
    the sharpest, so the reference, and embedded as ``SAME``)."""
    landmarks = np.zeros((68, 2), np.float32)
    out = []
    for i in range(N):
        vec = None
        if i == 0:
            vec = SAME
        elif i in embedded:
            vec = _vector(embedded[i])
        out.append(
            Observation(
                t_ms=i * 66.7,
                faces=1,
                box=(100, 100, 200, 200),
                landmarks=landmarks,
                yaw=0.0,
                pitch=0.0,
                roll=0.0,
                ear=0.3,
                iod=80.0,
                embedding=vec,
                sharpness=100.0 if i == 0 else 50.0,
            )
        )
    return out


FAR = FACE_CHANGED_DISTANCE + 0.15
NEAR = FACE_CHANGED_DISTANCE - 0.3


def test_the_fixture_reference_is_frame_0() -> None:
    assert reference_frame(_track({})) == 0


def test_one_far_frame_alone_is_no_face_change() -> None:
    track = _track({10: NEAR, 20: FAR})
    distance, changed = identity_change(track, 0)
    assert distance is not None and abs(distance - FAR) < 1e-5
    assert not changed


def test_two_far_frames_are_a_face_change() -> None:
    assert MIN_CHANGED_FRAMES == 2
    _, changed = identity_change(_track({10: NEAR, 20: FAR, 28: FAR}), 0)
    assert changed


def test_every_frame_within_the_distance_is_no_change() -> None:
    distance, changed = identity_change(_track({10: NEAR, 20: NEAR}), 0)
    assert not changed and distance is not None and distance < FACE_CHANGED_DISTANCE


def test_no_reference_embedding_means_no_decision() -> None:
    track = _track({10: FAR, 20: FAR})
    assert identity_change(track, None) == (None, False)
    assert identity_change(track, 5) == (None, False)  # frame 5 has no embedding


def test_decide_reports_face_changed_only_when_confirmed() -> None:
    from tests.fixtures.liveness import challenge

    images = [np.full((480, 360, 3), 128, np.uint8)] * N
    lone = decide(_track({10: NEAR, 20: FAR}), images, challenge())
    assert "FACE_CHANGED" not in lone.reasons
    assert lone.face_distance is not None and lone.face_distance > FACE_CHANGED_DISTANCE
    both = decide(_track({10: FAR, 20: FAR}), images, challenge())
    assert "FACE_CHANGED" in both.reasons


def test_a_lone_far_frame_is_confirmed_further_from_the_reference() -> None:
    # the reference is frame 0: a swap before frame 12 covers the frames after it
    picks = confirmation_frames(_track({6: NEAR, 12: FAR}))
    assert len(picks) == 1
    (pick,) = picks
    assert pick > 12 and pick - 12 >= CONFIRM_MIN_GAP


def test_a_lone_far_frame_at_the_end_is_confirmed_between_it_and_the_reference() -> None:
    picks = confirmation_frames(_track({10: NEAR, N - 1: FAR}))
    assert len(picks) == 1
    (pick,) = picks
    assert 0 < pick <= N - 1 - CONFIRM_MIN_GAP and pick != 10


def test_no_confirmation_when_nothing_or_two_frames_are_far() -> None:
    assert confirmation_frames(_track({10: NEAR, 20: NEAR})) == []
    assert confirmation_frames(_track({10: FAR, 20: FAR})) == []


def test_confirmation_then_rule_catches_a_swap_and_forgives_a_glitch() -> None:
    # a swap at frame 12: every frame from 12 on is another person
    swap = _track({6: NEAR, 14: FAR})
    (pick,) = confirmation_frames(swap)
    swap[pick] = Observation(**{**swap[pick].__dict__, "embedding": _vector(FAR)})
    assert identity_change(swap, 0)[1]
    # a glitch on frame 14 only: the confirming frame reads as the same person
    glitch = _track({6: NEAR, 14: FAR})
    (pick,) = confirmation_frames(glitch)
    glitch[pick] = Observation(**{**glitch[pick].__dict__, "embedding": _vector(NEAR)})
    assert not identity_change(glitch, 0)[1]

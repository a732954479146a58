"""Challenge drawing and evaluation on observation tracks built from gesture curves."""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import replace

import pytest

from models.liveness.challenge import (
    BLINK_CLOSED_RATIO,
    CLOSER_FACTOR,
    INSTRUCTIONS,
    MIN_STEP_INTERVAL_MS,
    TURN_YAW_DEG,
    TURNS,
    Challenge,
    Step,
    StepFailure,
    evaluate_challenge,
    gestures,
    new_challenge,
    turn_excursions,
)
from models.liveness.observation import Observation
from tests.fixtures.liveness import bump, challenge, ramp, track

LEFT, RIGHT, BLINK, CLOSER = Step.TURN_LEFT, Step.TURN_RIGHT, Step.BLINK, Step.COME_CLOSER


def left_blink_closer() -> list[
    Observation
]:  # a subject's left turn at 0.5 s, blink at 1.6 s, closer at 2.1 s
    return track(
        3000,
        yaw=[bump(500, 30.0)],
        blink=[bump(1600, 0.6, rise_ms=90, hold_ms=80)],
        closer=[ramp(2100, 0.4)],
    )


def test_policy_holds_over_many_draws() -> None:
    rng = random.Random(1)
    counts: Counter[Step] = Counter()
    for _ in range(2000):
        c = new_challenge(rng)
        assert len(c.steps) == 3
        assert all(a != b for a, b in zip(c.steps, c.steps[1:], strict=False))
        assert any(s in TURNS for s in c.steps)
        assert c.steps[0] != BLINK
        assert c.steps.count(CLOSER) <= 1
        counts.update(c.steps)
    assert set(counts) == set(Step)  # every gesture is drawn


def test_draws_are_unpredictable_by_default_and_reproducible_with_a_seed() -> None:
    assert new_challenge(random.Random(3)) == new_challenge(random.Random(3))
    drawn = {new_challenge().steps for _ in range(200)}
    assert len(drawn) > 10
    assert len({new_challenge().nonce for _ in range(50)}) == 50


def test_to_dict_is_json_for_the_device_and_round_trips() -> None:
    c = new_challenge(random.Random(4), steps=4)
    data = json.loads(json.dumps(c.to_dict()))
    assert data["mirroredUpload"] is False
    assert [s["instruction"] for s in data["steps"]] == [INSTRUCTIONS[s] for s in c.steps]
    assert all(s["windowMs"] > 0 for s in data["steps"])
    assert Challenge.from_dict(data) == c
    assert "your left" in INSTRUCTIONS[LEFT] and "your right" in INSTRUCTIONS[RIGHT]


@pytest.mark.parametrize("steps", [0, 7])
def test_step_count_is_bounded(steps: int) -> None:
    with pytest.raises(ValueError, match="steps"):
        new_challenge(random.Random(0), steps=steps)


def test_performed_in_order_passes_with_times_and_peaks() -> None:
    outcomes = evaluate_challenge(challenge(LEFT, BLINK, CLOSER), left_blink_closer())
    assert [o.passed for o in outcomes] == [True, True, True]
    left, blink, closer = outcomes
    assert left.peak is not None and 25 < left.peak <= 30.5
    assert left.t_ms is not None and 500 < left.t_ms < 800
    assert blink.peak is not None and blink.peak <= BLINK_CLOSED_RATIO
    assert blink.t_ms is not None and 1600 < blink.t_ms < 1800
    assert closer.peak is not None and closer.peak >= CLOSER_FACTOR
    assert closer.t_ms is not None and closer.t_ms > blink.t_ms
    assert left.to_dict()["unit"] == "degrees" and closer.to_dict()["reason"] is None


def test_another_order_is_out_of_order() -> None:
    outcomes = evaluate_challenge(challenge(BLINK, LEFT, CLOSER), left_blink_closer())
    assert outcomes[0].passed  # the blink happens (after the turn)...
    assert not outcomes[1].passed  # ...but the turn was before it
    assert outcomes[1].reason == StepFailure.STEP_OUT_OF_ORDER
    assert outcomes[2].passed


def test_a_missing_gesture_is_not_performed() -> None:
    outcomes = evaluate_challenge(challenge(LEFT, RIGHT, CLOSER), left_blink_closer())
    assert outcomes[1].reason == StepFailure.STEP_NOT_PERFORMED
    assert outcomes[1].t_ms is None and outcomes[1].peak is None


def test_left_is_the_subjects_left_in_an_unmirrored_clip() -> None:
    # the subject's left = nose towards the image's right = yaw > 0
    unmirrored = track(2500, yaw=[bump(500, 30.0)])
    mirrored = track(2500, yaw=[bump(500, -30.0)])
    assert evaluate_challenge(challenge(LEFT), unmirrored)[0].passed
    assert not evaluate_challenge(challenge(LEFT), mirrored)[0].passed
    assert evaluate_challenge(challenge(RIGHT), mirrored)[0].passed


def test_a_small_turn_is_not_a_turn() -> None:
    small = track(2500, yaw=[bump(500, TURN_YAW_DEG - 4)])
    assert evaluate_challenge(challenge(LEFT), small)[0].reason == StepFailure.STEP_NOT_PERFORMED


def test_turns_are_measured_from_the_opening_pose() -> None:
    # generic-model head pose is biased per person: a clip that starts at yaw +10
    biased = track(2500, yaw=[bump(600, -25.0)], neutral_yaw=10.0)
    outcome = evaluate_challenge(challenge(RIGHT), biased)[0]
    assert outcome.passed and outcome.peak is not None and outcome.peak > 20


def test_a_gesture_right_after_the_previous_one_is_too_fast() -> None:
    # a quick turn, and a blink as soon as the face is back (before the next instruction
    # could have been read)
    rushed = track(
        2500,
        yaw=[bump(500, 30.0, rise_ms=140, hold_ms=0)],
        blink=[bump(800, 0.6, rise_ms=60, hold_ms=60)],
    )
    found = gestures(rushed)
    gap = found[1].onset_ms - found[0].onset_ms
    assert gap < MIN_STEP_INTERVAL_MS
    outcomes = evaluate_challenge(challenge(LEFT, BLINK), rushed)
    assert outcomes[1].reason == StepFailure.STEP_TOO_FAST


def test_a_shallow_or_endless_eye_closure_is_not_a_blink() -> None:
    shallow = track(2500, blink=[bump(800, 0.1, rise_ms=90, hold_ms=80)])
    shut = track(2500, blink=[bump(800, 0.6, rise_ms=90, hold_ms=1200)])
    for t in (shallow, shut):
        assert evaluate_challenge(challenge(BLINK), t)[0].reason == StepFailure.STEP_NOT_PERFORMED


def test_turning_back_to_the_camera_is_not_coming_closer() -> None:
    # a turned face looks narrower; returning to frontal widens it again
    turn = track(2500, yaw=[bump(500, 35.0, rise_ms=300, hold_ms=300)])
    narrowed = [
        o
        if o.iod is None
        else type(o)(**{**o.__dict__, "iod": o.iod * (1 - 0.012 * abs(o.yaw or 0))})
        for o in turn
    ]
    outcomes = evaluate_challenge(challenge(LEFT, CLOSER), narrowed)
    assert outcomes[0].passed
    assert outcomes[1].reason == StepFailure.STEP_NOT_PERFORMED


def test_frames_without_a_face_are_skipped() -> None:
    t = left_blink_closer()
    gaps = track(3000, yaw=[bump(500, 30.0)], missing=range(0, 45, 4))
    assert sum(o.faces == 0 for o in gaps) > 5
    assert evaluate_challenge(challenge(LEFT), gaps)[0].passed
    assert evaluate_challenge(challenge(LEFT, BLINK, CLOSER), list(reversed(t)))[2].passed
    assert all(not o.passed for o in evaluate_challenge(challenge(LEFT, BLINK), []))


def with_values(
    t: list[Observation],
    yaw: dict[int, float] | None = None,
    ear: dict[int, float] | None = None,
    iod: dict[int, float] | None = None,
) -> list[Observation]:
    """A copy of the track with some frames' yaw, EAR or IOD replaced ({frame: value})."""
    out = list(t)
    for k, v in (yaw or {}).items():
        out[k] = replace(out[k], yaw=v)
    for k, v in (ear or {}).items():
        out[k] = replace(out[k], ear=v)
    for k, v in (iod or {}).items():
        out[k] = replace(out[k], iod=v)
    return out


def test_a_failed_fit_at_the_peak_of_a_turn_is_neither_a_turn_back_nor_a_blink() -> None:
    # a right turn (yaw < 0) whose landmark fit fails at its peak: the yaw jumps to the other
    # side, reads frontal for two frames, and the EAR and IOD of those frames drop
    turn = track(3000, yaw=[bump(600, -30.0, rise_ms=250, hold_ms=300)])
    peak = [k for k, o in enumerate(turn) if (o.yaw or 0.0) <= -29.0]
    a, b, c = peak[0], peak[1], peak[2]
    failed = with_values(
        turn,
        yaw={a: 18.0, b: 1.0, c: -2.0},
        ear={b: 0.6 * 0.30, c: 0.6 * 0.30},
        iod={b: 70.0, c: 70.0},
    )
    (excursion,) = turn_excursions(failed)
    assert [g.step for g in excursion.turns] == [RIGHT]
    assert excursion.turns[0].peak >= 29.0
    assert not [g for g in gestures(failed) if g.step == BLINK]
    outcomes = evaluate_challenge(challenge(RIGHT, LEFT), failed)
    assert outcomes[0].passed and outcomes[1].reason == StepFailure.STEP_NOT_PERFORMED
    # the narrow, frontal-reading failed frames followed by the frontal face: not "closer"
    assert evaluate_challenge(challenge(RIGHT, CLOSER), failed)[1].reason is not None


def test_a_swing_from_one_side_to_the_other_is_two_turns() -> None:
    swing = track(3000, yaw=[bump(500, 30.0, rise_ms=250, hold_ms=100), bump(900, -60.0)])
    found = [g.step for g in gestures(swing)]
    assert found == [LEFT, RIGHT]
    assert [o.passed for o in evaluate_challenge(challenge(LEFT, RIGHT), swing)] == [True, True]


def test_blinks_are_read_against_the_local_open_eye_ratio() -> None:
    # the eyes open less in the second half (e.g. the head tilts down); a blink there dips
    # far below the eyes' new opening but never as low as the first half's
    t = track(3000, blink=[bump(2000, 0.3, rise_ms=90, hold_ms=80)])
    narrower = [o if o.t_ms < 1200 else replace(o, ear=float(o.ear or 0.0) * 0.72) for o in t]
    (outcome,) = evaluate_challenge(challenge(BLINK), narrower)
    assert outcome.passed and outcome.t_ms is not None and 2000 < outcome.t_ms < 2300
    assert outcome.peak is not None and outcome.peak <= BLINK_CLOSED_RATIO


def test_an_eye_narrowing_while_the_head_turns_is_not_a_blink() -> None:
    # a turn the generic model underestimates (under the turn threshold) narrows the EAR
    t = track(3000, yaw=[bump(1000, 8.0, rise_ms=150, hold_ms=100)])
    narrowed = [replace(o, ear=0.30 * (1 - 0.05 * abs(float(o.yaw or 0.0)))) for o in t]
    assert not gestures(narrowed)
    assert (
        evaluate_challenge(challenge(BLINK), narrowed)[0].reason == StepFailure.STEP_NOT_PERFORMED
    )

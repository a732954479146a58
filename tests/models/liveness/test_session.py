"""End-to-end assessments of generated clips (through MP4) with the real dlib models."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from models.face.detect import FaceModels
from models.liveness import pad
from models.liveness.challenge import Step
from models.liveness.observation import Observation
from models.liveness.session import LivenessAssessment, Status, assess, decide, observe_clip
from models.liveness.video import Clip, Frame, decode_video, frames_from_images
from tests.fixtures.liveness import GENUINE_STEPS, challenge, genuine
from tools.livegen import encode_mp4
from tools.livegen.attacks import face_swap, still_photo
from tools.livegen.genuine import face_models, photos


@pytest.fixture(scope="module")
def models() -> FaceModels:
    return face_models()


@pytest.fixture(scope="module")
def genuine_clip() -> Clip:
    return decode_video(encode_mp4(genuine().images))


@pytest.fixture(scope="module")
def genuine_track(genuine_clip: Clip, models: FaceModels) -> list[Observation]:
    return observe_clip(list(genuine_clip.frames), models)


@pytest.fixture(scope="module")
def genuine_result(genuine_clip: Clip, genuine_track: list[Observation]) -> LivenessAssessment:
    return decide(genuine_track, list(genuine_clip.frames), challenge(*GENUINE_STEPS))


def test_a_genuine_session_is_live(genuine_result: LivenessAssessment) -> None:
    r = genuine_result
    assert r.status == Status.SUCCEEDED and r.is_live and r.reasons == []
    assert r.confidence >= 50
    assert [s.passed for s in r.steps] == [True, True, True]
    times = [s.t_ms for s in r.steps]
    assert all(t is not None for t in times) and times == sorted(times)  # type: ignore[type-var]
    assert all(s.passed for s in r.signals.values())
    assert r.face_distance is not None and r.face_distance < 0.6


def test_the_reference_frame_is_frontal_with_open_eyes(
    genuine_result: LivenessAssessment, genuine_track: list[Observation]
) -> None:
    ref = genuine_result.reference_frame
    assert ref is not None
    o = genuine_track[ref]
    yaws = [abs(float(x.yaw or 0)) for x in genuine_track if x.usable]
    ears = [float(x.ear or 0) for x in genuine_track if x.usable]
    assert abs(float(o.yaw or 0)) <= np.percentile(yaws, 60)
    assert float(o.ear or 0) >= 0.9 * np.percentile(ears, 75)
    assert o.embedding is not None
    audit = genuine_result.audit_frames
    assert 3 <= len(audit) <= 6 and audit[0] == 0 and audit[-1] >= len(genuine_track) - 1


def test_the_result_is_json_with_camel_case_keys(genuine_result: LivenessAssessment) -> None:
    data = json.loads(json.dumps(genuine_result.to_dict()))
    assert {
        "status",
        "isLive",
        "confidence",
        "signals",
        "steps",
        "reasons",
        "referenceFrame",
    } <= set(data)
    assert set(data["signals"]) == set(pad.THRESHOLDS)
    assert data["steps"][0]["step"] == "TURN_LEFT"


def test_the_same_clip_answering_another_order_fails(
    genuine_clip: Clip, genuine_track: list[Observation]
) -> None:
    reordered = challenge(Step.COME_CLOSER, Step.TURN_LEFT, Step.BLINK)
    r = decide(genuine_track, list(genuine_clip.frames), reordered)
    assert not r.is_live and r.status == Status.FAILED
    assert "CHALLENGE_FAILED" in r.reasons and "STEP_OUT_OF_ORDER" in r.reasons
    assert r.confidence < 50


def test_decide_from_features_equals_decide_from_frames(
    genuine_clip: Clip, genuine_track: list[Observation], genuine_result: LivenessAssessment
) -> None:
    features = pad.texture_features(genuine_clip.images, genuine_track)
    again = decide(genuine_track, features, challenge(*GENUINE_STEPS))
    assert again.to_dict() == genuine_result.to_dict()


def test_a_still_photo_is_refused(models: FaceModels) -> None:
    c = challenge(Step.TURN_RIGHT, Step.BLINK, Step.TURN_LEFT)
    s = still_photo(11, c)
    r = assess(decode_video(encode_mp4(s.images)), c, models)
    assert not r.is_live
    assert "CHALLENGE_FAILED" in r.reasons and "FLAT_FACE" in r.reasons
    assert r.timings_ms["observe"] > 0


def test_a_face_changing_mid_session_is_caught(models: FaceModels) -> None:
    c = challenge(Step.TURN_LEFT, Step.COME_CLOSER, Step.TURN_RIGHT)
    s = face_swap(12, c)
    assert s.identities[0] != s.identities[1]
    r = assess(list(s.frames), c, models)
    assert not r.is_live and "FACE_CHANGED" in r.reasons
    assert r.face_distance is not None and r.face_distance > 0.6


def test_no_face_and_two_faces(models: FaceModels) -> None:
    from tools.facedata import non_faces

    coffee = non_faces()["coffee"]
    empty = frames_from_images([(k * 100.0, coffee) for k in range(12)])
    r = assess(empty, challenge(Step.TURN_LEFT), models)
    assert r.reasons[0] == "NO_FACE" and r.reference_frame is None and r.confidence < 50

    by_identity = {p.identity: p for p in reversed(photos())}
    faces = [by_identity["obama"], by_identity["collins"]]
    crops = []
    for p in faces:
        x, y, w, h = p.box
        crop = p.image[max(0, y - h // 2) : y + 2 * h, max(0, x - w // 2) : x + w + w // 2]
        crops.append(cv2.resize(crop, (240, 360)))
    pair = np.asarray(np.hstack(crops), np.uint8)
    frames = [Frame(k * 100.0, pair) for k in range(12)]
    r2 = assess(frames, challenge(Step.TURN_LEFT), models)
    assert "MULTIPLE_FACES" in r2.reasons and not r2.is_live

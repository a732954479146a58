"""The ``liveness_check`` model's JSON answer, on a synthesised clip sent as video and as frames."""

from __future__ import annotations

import base64
import json
import random

import cv2
import numpy as np
import pytest

from models.face.detect import FaceModels
from models.liveness.challenge import new_challenge
from models.liveness.serve import check, frames_archive
from tools.livegen import encode_mp4, session


@pytest.fixture(scope="module")
def models() -> FaceModels:
    return FaceModels.load()


def test_a_video_and_the_same_frames_give_an_assessment_with_images(models: FaceModels) -> None:
    challenge = new_challenge(random.Random(4))
    clip = session("genuine", 14, challenge)
    as_video = check(encode_mp4(clip.images), "video", json.dumps(challenge.to_dict()), "", models)
    assert set(as_video) == {"assessment", "clip", "referenceImage", "auditImages"}
    assert as_video["assessment"]["status"] in ("SUCCEEDED", "FAILED")
    assert len(as_video["assessment"]["steps"]) == len(challenge.steps)
    ref = base64.b64decode(as_video["referenceImage"])
    assert cv2.imdecode(np.frombuffer(ref, np.uint8), cv2.IMREAD_COLOR) is not None
    assert 1 <= len(as_video["auditImages"]) <= 4
    frames = []
    for f in clip.frames:
        ok, buf = cv2.imencode(".jpg", f.image, [cv2.IMWRITE_JPEG_QUALITY, 90])
        assert ok
        frames.append((f.t_ms, buf.tobytes()))
    as_frames = check(
        frames_archive(frames),
        "frames",
        json.dumps(challenge.to_dict()),
        json.dumps({"auditImagesLimit": 1}),
        models,
    )
    assert as_frames["clip"]["frames"] == as_video["clip"]["frames"]
    assert len(as_frames["auditImages"]) == 1


def test_bad_input_is_an_error_answer_never_an_exception(models: FaceModels) -> None:
    challenge = json.dumps(new_challenge(random.Random(1)).to_dict())
    assert check(b"not a video", "video", challenge, "", models)["error"] == "UNDECODABLE_VIDEO"
    assert check(b"PK\x03\x04junk", "frames", challenge, "", models)["error"] == (
        "UNDECODABLE_VIDEO"
    )
    assert check(b"", "video", "{not json", "", models)["error"] == "BAD_REQUEST"
    assert check(b"x", "audio", challenge, "", models)["error"] == "BAD_REQUEST"
    too_many = json.dumps({"auditImagesLimit": 99})
    assert check(b"x", "video", challenge, too_many, models)["error"] == "BAD_REQUEST"

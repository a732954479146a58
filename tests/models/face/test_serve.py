"""The face_analysis model's JSON (models.face.serve), called directly on real photos."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from models.face.compare import compare_embeddings
from models.face.detect import FaceModels
from models.face.serve import analyse, parse_options
from tests.fixtures.faces import encode_image, shrink, side_by_side
from tools.facedata import RealPhoto


@pytest.fixture(scope="module")
def obama_jpeg(real_photos: dict[str, RealPhoto]) -> bytes:
    return encode_image(shrink(real_photos["obama-2"].image_bgr, 600))


def test_one_face_fully_described(face_models: FaceModels, obama_jpeg: bytes) -> None:
    answer = analyse(obama_jpeg, None, face_models)
    assert answer["imageSize"] == [313, 600]
    assert answer["rotation"] == 0 and answer["frameSize"] == [313, 600]
    assert answer["facesFound"] == 1 and answer["otherFaces"] == 0
    (face,) = answer["faces"]
    assert set(face) == {
        "box",
        "score",
        "landmarks",
        "headPose",
        "eyeAspectRatio",
        "interocularDistance",
        "embedding",
    }
    assert len(face["landmarks"]) == 68 and len(face["embedding"]) == 128
    assert face["headPose"]["yaw"] < -5  # he turns towards the image's left
    assert 0.2 < face["eyeAspectRatio"] < 0.45
    assert json.loads(json.dumps(answer)) == answer


def test_embeddings_from_the_service_compare_like_compare_faces(
    face_models: FaceModels, obama_jpeg: bytes, real_photos: dict[str, RealPhoto]
) -> None:
    other = analyse(encode_image(shrink(real_photos["obama-1"].image_bgr, 600)), None, face_models)
    biden = analyse(encode_image(shrink(real_photos["biden-1"].image_bgr, 600)), None, face_models)
    mine = np.array(analyse(obama_jpeg, None, face_models)["faces"][0]["embedding"], np.float32)
    same, _ = compare_embeddings(mine, np.array(other["faces"][0]["embedding"], np.float32))
    different, _ = compare_embeddings(mine, np.array(biden["faces"][0]["embedding"], np.float32))
    assert same < 0.6 < different


def test_options_limit_and_skip_work(
    face_models: FaceModels, real_photos: dict[str, RealPhoto]
) -> None:
    pair = side_by_side(
        shrink(real_photos["collins-1"].image_bgr, 400),
        shrink(real_photos["obama-1"].image_bgr, 400),
    )
    both = analyse(encode_image(pair), {"embed": False}, face_models)
    assert both["facesFound"] >= 2 and both["otherFaces"] == 1
    assert all("embedding" not in f for f in both["faces"])
    one = analyse(encode_image(pair), b'{"maxFaces": 1, "embed": false}', face_models)
    assert len(one["faces"]) == 1 and one["faces"][0] == both["faces"][0]


def test_rotated_upload_reports_the_turn_and_the_frame(
    face_models: FaceModels, real_photos: dict[str, RealPhoto]
) -> None:
    image = shrink(real_photos["obama-1"].image_bgr, 500)
    sideways = np.ascontiguousarray(cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE), np.uint8)
    answer = analyse(encode_image(sideways), {"embed": False}, face_models)
    assert answer["rotation"] == 90
    height, width = sideways.shape[:2]
    assert answer["imageSize"] == [width, height] and answer["frameSize"] == [height, width]
    _, y, _, h = answer["faces"][0]["box"]
    # In the turned (upright) frame: the face is in the upper half, eyes level.
    assert y + h / 2 < width / 2
    assert abs(answer["faces"][0]["headPose"]["roll"]) < 10


def test_errors(face_models: FaceModels, obama_jpeg: bytes) -> None:
    assert analyse(b"\x00\x01garbage", None, face_models) == {
        "error": "UNDECODABLE_IMAGE",
        "faces": [],
    }
    for bad in (
        "{not json",
        {"maxFaces": 0},
        {"maxfaces": 2},
        {"embed": "yes"},
        [1],
        {"upsample": 5},
    ):
        assert analyse(obama_jpeg, bad, face_models)["error"] == "BAD_OPTIONS", bad
    blank = encode_image(np.full((200, 200, 3), 90, np.uint8))
    empty = analyse(blank, {"rotate": False}, face_models)
    assert empty["faces"] == [] and empty["facesFound"] == 0 and "error" not in empty


def test_parse_options_defaults() -> None:
    defaults = {"maxFaces": 5, "embed": True, "upsample": 1, "rotate": True}
    assert parse_options(None) == defaults
    assert parse_options(b"") == defaults
    assert parse_options('{"upsample": 2}') == {**defaults, "upsample": 2}
    assert parse_options({"maxFaces": True}) is None  # a bool is not a count

"""Face comparison on real photos: the similarity map, genuine and impostor pairs, reasons."""

from __future__ import annotations

import itertools
import json

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from models.face.compare import (
    MATCH_THRESHOLD,
    MIN_INTEROCULAR_PX,
    compare_embeddings,
    compare_faces,
    distance_for,
    similarity,
)
from models.face.detect import FaceModels
from models.face.locate import find_faces
from tests.fixtures.faces import crop_around, id_card_portrait, jpeg, shrink, side_by_side
from tools.facedata import RealPhoto

Image = npt.NDArray[np.uint8]


@pytest.fixture(scope="module")
def photos(real_photos: dict[str, RealPhoto]) -> dict[str, Image]:
    # Phone-photo sizes: keeps the file fast; the evaluation uses the originals.
    return {pid: shrink(p.image_bgr, 500) for pid, p in real_photos.items()}


def test_similarity_is_anchored_on_dlibs_operating_point() -> None:
    assert similarity(0.6) == pytest.approx(MATCH_THRESHOLD)
    assert similarity(0.4) == pytest.approx(99.0)
    assert similarity(0.0) > 99.9
    assert similarity(1.5) < 0.1
    assert similarity(1e6) == 0.0
    distances = np.linspace(0, 2, 201)
    scores = [similarity(float(d)) for d in distances]
    assert all(a > b for a, b in itertools.pairwise(scores))
    assert distance_for(MATCH_THRESHOLD) == pytest.approx(0.6)


def test_compare_embeddings_is_euclidean() -> None:
    a = np.zeros(128, np.float32)
    b = np.zeros(128, np.float32)
    b[0], b[1] = 0.3, 0.4
    distance, score = compare_embeddings(a, b)
    assert distance == pytest.approx(0.5)
    assert score == pytest.approx(similarity(0.5))


def test_different_photos_of_one_person_match(
    face_models: FaceModels, photos: dict[str, Image]
) -> None:
    for a, b in (("obama-1", "obama-2"), ("obama-1", "obama-3"), ("obama-2", "obama-3")):
        result = compare_faces(face_models, photos[a], photos[b])
        assert result.match is True, (a, b, result.distance)
        assert result.similarity is not None and result.similarity >= MATCH_THRESHOLD
        assert result.reasons == []


def test_different_people_do_not_match(face_models: FaceModels, photos: dict[str, Image]) -> None:
    for a, b in (("obama-1", "biden-1"), ("obama-3", "collins-1"), ("biden-1", "hopper-1")):
        result = compare_faces(face_models, photos[a], photos[b])
        assert result.match is False, (a, b, result.distance)
        assert result.distance is not None and result.distance > 0.6


def test_id_card_portrait_matches_its_holder_only(
    face_models: FaceModels, photos: dict[str, Image]
) -> None:
    face = find_faces(face_models, photos["obama-1"]).faces[0]
    card = id_card_portrait(photos["obama-1"], face.box)  # 120 px wide, blurred, JPEG 60
    assert card.shape[1] == 120
    holder = compare_faces(face_models, card, photos["obama-2"])
    assert holder.match is True
    other = compare_faces(face_models, card, photos["biden-1"])
    assert other.match is False


def test_a_crop_tighter_than_the_face_is_found_by_padding(
    face_models: FaceModels, photos: dict[str, Image]
) -> None:
    image = photos["obama-1"]
    x, y, w, h = face_models.detect(image)[0].box
    tight = np.ascontiguousarray(image[y + h // 5 : y + h - h // 5, x + w // 5 : x + w - w // 5])
    assert face_models.detect(tight) == []  # the bare detector needs background
    search = find_faces(face_models, tight)
    assert search.padding > 0 and search.rotation == 0
    result = compare_faces(face_models, tight, photos["obama-2"])
    assert result.match is True and result.reasons == []
    assert result.face_a is not None
    # Reported in the crop's own coordinates: the face spills past its edges.
    bx, by, bw, _ = result.face_a.box
    assert bx < 0 and by < 0 and bx + bw > tight.shape[1]


@pytest.mark.parametrize(
    ("turn", "expected"),
    [(cv2.ROTATE_90_CLOCKWISE, 270), (cv2.ROTATE_90_COUNTERCLOCKWISE, 90), (cv2.ROTATE_180, 180)],
)
def test_rotated_photos_are_turned_upright_and_reported(
    face_models: FaceModels, photos: dict[str, Image], turn: int, expected: int
) -> None:
    rotated = np.ascontiguousarray(cv2.rotate(photos["obama-2"], turn), np.uint8)
    result = compare_faces(face_models, photos["obama-1"], rotated)
    assert result.reasons == ["FACE_ROTATED_B"]
    assert result.rotation_b == expected
    assert result.match is True


def test_several_faces_use_the_largest_and_say_so(
    face_models: FaceModels, photos: dict[str, Image]
) -> None:
    obama = crop_around(photos["obama-1"], face_models.detect(photos["obama-1"])[0].box, 0.5)
    biden = crop_around(photos["biden-1"], face_models.detect(photos["biden-1"])[0].box, 1.0)
    # Same height, and Biden's crop has twice the margin: Obama's face is the larger.
    pair = side_by_side(obama, biden, height=300)
    assert len(find_faces(face_models, pair).other_faces) == 1
    result = compare_faces(face_models, pair, photos["obama-2"])
    assert "MULTIPLE_FACES_A" in result.reasons
    assert result.match is True


def test_no_face_is_a_reason_not_a_mismatch(
    face_models: FaceModels, photos: dict[str, Image], no_face_photos: dict[str, Image]
) -> None:
    result = compare_faces(face_models, photos["obama-1"], no_face_photos["chelsea"])
    assert result.reasons == ["NO_FACE_B"]
    assert result.similarity is None and result.match is None and result.distance is None
    assert result.face_a is not None and result.face_b is None
    blank = np.full((400, 300, 3), 235, np.uint8)
    assert compare_faces(face_models, blank, blank).reasons == ["NO_FACE_A", "NO_FACE_B"]


def test_undecodable_inputs(face_models: FaceModels, photos: dict[str, Image]) -> None:
    for bad in (None, b"", b"not an image", np.zeros((0, 0, 3), np.uint8)):
        result = compare_faces(face_models, bad, photos["obama-1"])
        assert result.reasons == ["UNDECODABLE_IMAGE_A"]
        assert result.match is None


def test_encoded_and_grey_inputs_are_accepted(
    face_models: FaceModels, photos: dict[str, Image]
) -> None:
    ok, encoded = cv2.imencode(".jpg", photos["obama-1"])
    assert ok
    grey = cv2.cvtColor(photos["obama-3"], cv2.COLOR_BGR2GRAY)
    result = compare_faces(face_models, encoded.tobytes(), grey)
    assert result.match is True and result.reasons == []


def test_tiny_faces_are_not_compared(face_models: FaceModels, photos: dict[str, Image]) -> None:
    hopper = photos["hopper-1"]  # 128 px photo, interocular ~20 px
    half = np.asarray(
        cv2.resize(hopper, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA), np.uint8
    )
    result = compare_faces(face_models, half, hopper)
    assert result.interocular_a is not None and result.interocular_a < MIN_INTEROCULAR_PX
    assert result.reasons == ["FACE_TOO_SMALL_A"]
    assert result.similarity is None and result.match is None
    assert result.face_a is not None  # the face was found, only not compared


def test_low_resolution_faces_are_compared_with_a_warning(
    face_models: FaceModels, photos: dict[str, Image]
) -> None:
    small = shrink(jpeg(photos["obama-1"], 80), 200)  # interocular ~18 px
    result = compare_faces(face_models, small, photos["obama-2"])
    assert result.reasons == ["LOW_RESOLUTION_FACE_A"]
    assert result.similarity is not None


def test_to_dict_is_camel_case_json(face_models: FaceModels, photos: dict[str, Image]) -> None:
    result = compare_faces(face_models, photos["obama-1"], photos["collins-1"]).to_dict()
    assert set(result) == {
        "similarity",
        "match",
        "distance",
        "threshold",
        "reasons",
        "faceA",
        "faceB",
        "rotationA",
        "rotationB",
        "interocularA",
        "interocularB",
    }
    assert result["match"] is False and result["threshold"] == MATCH_THRESHOLD
    assert len(result["faceA"]["landmarks"]) == 68
    assert json.loads(json.dumps(result)) == result

"""The face stage's pure core on real photos analysed as Triton's ``face_analysis`` answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from models.face.detect import FaceModels
from models.face.serve import analyse
from streams.stages.face import compare_pages, pages_to_analyse, side_of
from tests.fixtures.faces import encode_image, shrink
from tools.facedata import non_faces, real_faces


@pytest.fixture(scope="module")
def analyses() -> dict[str, dict[str, Any]]:
    models = FaceModels.load()
    images = {p.photo_id: shrink(p.image_bgr, 800) for p in real_faces()}
    images["cat"] = non_faces()["chelsea"]
    opts = json.dumps({"maxFaces": 3, "embed": True})
    return {k: analyse(encode_image(v), opts, models) for k, v in images.items()}


def _page(position: int, role: str) -> dict[str, Any]:
    return {"file_position": position, "page": 1, "role": role, "object_key": f"k{position}"}


def test_pages_with_faces_are_selfies_references_and_portrait_documents() -> None:
    event = {
        "intake": {
            "pages": [
                _page(0, "document"),
                _page(1, "document"),
                _page(2, "selfie"),
                {**_page(3, "document"), "object_key": None},  # undecodable upload
            ]
        },
        "classification": {
            "pages": [
                {"file_position": 0, "page": 1, "document_type": "passport"},
                {"file_position": 1, "page": 1, "document_type": "payslip"},
            ]
        },
    }
    assert [p["file_position"] for p in pages_to_analyse(event)] == [0, 2]


def test_the_selfie_is_compared_with_each_portrait(analyses: dict[str, dict[str, Any]]) -> None:
    pages = [_page(0, "reference"), _page(1, "reference"), _page(2, "selfie")]
    out = compare_pages(pages, [analyses["obama-1"], analyses["biden-1"], analyses["obama-3"]])
    assert [p["found"] for p in out["portraits"]] == [True, True]
    by_portrait = {c["portrait"]["position"]: c for c in out["comparisons"]}
    assert by_portrait[0]["match"] is True and by_portrait[1]["match"] is False
    assert out["faceMatch"] == by_portrait[0]  # the best comparison


def test_no_face_is_a_reason_not_an_error(analyses: dict[str, dict[str, Any]]) -> None:
    out = compare_pages(
        [_page(0, "reference"), _page(1, "selfie")], [analyses["obama-1"], analyses["cat"]]
    )
    assert out["faceMatch"]["similarity"] is None and out["faceMatch"]["match"] is None
    assert out["faceMatch"]["reasons"] == ["NO_FACE_B"]
    assert side_of({"error": "UNDECODABLE_IMAGE", "faces": []}, "A").reasons == [
        "UNDECODABLE_IMAGE_A"
    ]


def test_a_selfie_without_a_portrait_document_says_so(
    analyses: dict[str, dict[str, Any]],
) -> None:
    out = compare_pages([_page(0, "selfie")], [analyses["obama-1"]])
    assert out["comparisons"] == []
    assert out["faceMatch"]["reasons"] == ["NO_PORTRAIT_DOCUMENT"]


def test_a_liveness_face_is_compared_apart_from_the_selfie(
    analyses: dict[str, dict[str, Any]],
) -> None:
    same, other = ["obama-1", "obama-3"], "biden-1"
    pages = [_page(0, "reference"), _page(1, "selfie"), _page(-1, "liveness")]
    result = compare_pages(pages, [analyses[same[0]], analyses[same[1]], analyses[other]])
    assert result["faceMatch"]["selfie"]["role"] == "selfie" and result["faceMatch"]["match"]
    assert result["livenessMatch"]["selfie"]["role"] == "liveness"
    assert result["livenessMatch"]["match"] is False
    # With no selfie, the live face is the verification's face match.
    alone = compare_pages([pages[0], pages[2]], [analyses[same[0]], analyses[same[1]]])
    assert alone["faceMatch"] == alone["livenessMatch"] and alone["faceMatch"]["match"]

"""Detection, landmarks and embeddings on real photos (tools.facedata)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from models.face.detect import EMBEDDING_SIZE, MAX_DETECT_SIDE, Face, FaceModels
from tests.fixtures.faces import crop_around, shrink
from tools.facedata import RealPhoto


def test_every_real_photo_has_exactly_one_confident_face(
    face_models: FaceModels, real_photos: dict[str, RealPhoto]
) -> None:
    for photo_id, photo in real_photos.items():
        faces = [f for f in face_models.detect(photo.image_bgr) if f.score > 0.3]
        assert len(faces) == 1, photo_id
        face = faces[0]
        x, y, w, h = face.box
        assert face.landmarks.shape == (68, 2)
        assert face.landmarks.dtype == np.float32
        # The 68 points lie around the box (the jaw may reach a little outside it).
        centre = face.landmarks.mean(axis=0)
        assert x < centre[0] < x + w and y < centre[1] < y + h, photo_id
        # iBUG order: the subject's right eye (36-41) is on the image's left.
        assert face.landmarks[36:42, 0].mean() < face.landmarks[42:48, 0].mean()
        # Eyes above the nose tip, nose tip above the mouth, mouth above the chin.
        eyes_y = face.landmarks[36:48, 1].mean()
        assert (
            eyes_y < face.landmarks[30, 1] < face.landmarks[48:68, 1].mean() < face.landmarks[8, 1]
        )


def test_non_faces_give_no_face(
    face_models: FaceModels, no_face_photos: dict[str, np.ndarray]
) -> None:
    for name, image in no_face_photos.items():
        assert face_models.detect(image) == [], name
    blank = np.full((300, 300, 3), 200, np.uint8)
    assert face_models.detect(blank) == []
    assert face_models.detect(np.zeros((0, 0, 3), np.uint8)) == []


def test_large_images_are_detected_downscaled_with_boxes_in_input_pixels(
    face_models: FaceModels, real_photos: dict[str, RealPhoto]
) -> None:
    small = shrink(real_photos["obama-1"].image_bgr, 600)
    big = np.asarray(cv2.resize(small, None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC), np.uint8)
    assert max(big.shape[:2]) > MAX_DETECT_SIDE
    (face_small,) = face_models.detect(small)
    (face_big,) = face_models.detect(big)
    assert np.allclose(np.array(face_big.box), 4 * np.array(face_small.box), atol=16)
    # Landmarks are fitted at full resolution: they agree to within ~2 px of the small image.
    assert np.abs(face_big.landmarks / 4 - face_small.landmarks).mean() < 2.0


def test_document_portrait_sized_faces_are_found(
    face_models: FaceModels, real_photos: dict[str, RealPhoto]
) -> None:
    for photo_id in ("obama-2", "biden-1", "collins-1"):
        image = real_photos[photo_id].image_bgr
        (face,) = [f for f in face_models.detect(image) if f.score > 0.3]
        portrait = crop_around(image, face.box, 0.4)
        # ~180 px high, as cut from a scanned ID card: needs the small-image upsample.
        portrait = shrink(portrait, 180)
        assert face_models.detect(portrait, upsample=0), photo_id


def test_embedding_is_128_d_and_deterministic(
    face_models: FaceModels, real_photos: dict[str, RealPhoto]
) -> None:
    image = shrink(real_photos["collins-1"].image_bgr, 512)
    face = face_models.detect(image)[0]
    first = face_models.embed(image, face)
    assert first.shape == (EMBEDDING_SIZE,)
    assert first.dtype == np.float32
    # dlib's descriptors are not unit vectors: their norms are ~1.35-1.5 on real faces.
    assert 1.2 < float(np.linalg.norm(first)) < 1.7
    assert np.array_equal(first, face_models.embed(image, face))


def test_embedding_uses_the_landmark_aligned_chip(
    face_models: FaceModels, real_photos: dict[str, RealPhoto]
) -> None:
    image = shrink(real_photos["obama-1"].image_bgr, 700)
    face = face_models.detect(image)[0]
    chip = face_models.chip(image, face)
    assert chip.shape == (150, 150, 3)
    # Same face with its box moved: the chip is built from the landmarks, so the
    # embedding barely moves.
    x, y, w, h = face.box
    shifted = Face((x + w // 10, y - h // 10, w, h), face.score, face.landmarks)
    moved = np.linalg.norm(face_models.embed(image, face) - face_models.embed(image, shifted))
    assert moved < 0.05


def test_load_rejects_a_folder_without_the_models(tmp_path: object) -> None:
    from pathlib import Path

    with pytest.raises(FileNotFoundError):
        FaceModels.load(Path(str(tmp_path)))

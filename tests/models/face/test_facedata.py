"""The real-photo set (tools.facedata): what it holds, and that it is served from the cache."""

from __future__ import annotations

from collections import Counter

import numpy as np

from tools.facedata import (
    FACE_RECOGNITION,
    RealPhoto,
    cache_root,
    fetch_sdist_members,
    non_faces,
    photo_variants,
    real_faces,
)


def test_the_set_is_what_the_docstring_says(real_photos: dict[str, RealPhoto]) -> None:
    photos = list(real_photos.values())
    assert Counter(p.identity for p in photos) == {
        "obama": 3,
        "biden": 1,
        "hopper": 1,
        "collins": 1,
    }
    assert len({p.photo_id for p in photos}) == len(photos) == 6
    for photo in photos:
        assert photo.image_bgr.dtype == np.uint8 and photo.image_bgr.ndim == 3
        assert min(photo.image_bgr.shape[:2]) >= 128
    # Distinct photos are not re-encodings of one another.
    sizes = {p.image_bgr.shape for p in photos}
    assert len(sizes) == len(photos)


def test_variants_belong_to_a_listed_photo(real_photos: dict[str, RealPhoto]) -> None:
    variants = photo_variants()
    assert {v.photo_id for v in variants} <= set(real_photos)
    # 32bit.png is obama2.jpg re-encoded: same size, nearly the same pixels.
    (same,) = [v for v in variants if v.source.endswith("32bit.png")]
    original = real_photos[same.photo_id].image_bgr
    assert same.image_bgr.shape == original.shape
    diff = np.abs(same.image_bgr.astype(int) - original.astype(int)).mean()
    assert diff < 8


def test_photos_come_from_the_cache_once_fetched() -> None:
    folder = fetch_sdist_members(FACE_RECOGNITION, ["tests/test_images/obama.jpg"])
    assert folder.is_relative_to(cache_root())
    assert (folder / "tests/test_images/obama.jpg").is_file()


def test_non_faces_are_real_photos() -> None:
    images = non_faces()
    assert set(images) == {"chelsea", "coffee", "camera"}
    assert all(im.ndim == 3 and im.shape[2] == 3 for im in images.values())


def test_real_faces_is_stable() -> None:
    first, second = real_faces(), real_faces()
    assert [p.source for p in first] == [p.source for p in second]
    assert all(np.array_equal(a.image_bgr, b.image_bgr) for a, b in zip(first, second, strict=True))

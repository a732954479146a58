"""The tampering set: every attack yields a decodable upload with truthful regions."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from models.doctypes import DocumentType
from tests.fixtures.fraud import decode, sample
from tools.docgen import CONDITIONS, generate
from tools.tampergen import ATTACKS, KINDS, REAL_TYPES, NotApplicable, iter_set, metadata, retype
from tools.tampergen.exif import exif_payload


@pytest.mark.parametrize("kind", [k for k in KINDS if "recapture" not in k])
def test_attack_output(kind: str) -> None:
    s = sample(DocumentType.NATIONAL_ID_FRONT, "phone")
    up = ATTACKS[kind](s, np.random.default_rng(7))
    img = decode(up.image_bytes)
    h, w = img.shape[:2]
    assert up.kind == kind and up.image_bytes[:2] == b"\xff\xd8"
    for x, y, bw, bh in up.regions:
        assert x >= 0 and y >= 0 and x + bw <= w and y + bh <= h and bw > 0 and bh > 0
    if kind in ("retype", "copy_move", "portrait_swap", "splice", "retouch", "resampled_paste"):
        assert up.regions  # pixel edits say where
        x, y, bw, bh = up.regions[0]
        # the edit really changed pixels there
        orig = s.image[y : y + bh, x : x + bw].astype(np.float32)
        assert np.abs(img[y : y + bh, x : x + bw].astype(np.float32) - orig).mean() > 3


def test_deterministic_and_metadata_keeps_pixels() -> None:
    s = sample(DocumentType.PAYSLIP, "phone")
    a = retype(s, np.random.default_rng(3))
    b = retype(s, np.random.default_rng(3))
    assert a.image_bytes == b.image_bytes
    m = metadata(s, np.random.default_rng(5))
    g = ATTACKS["genuine"](s, np.random.default_rng(5))
    # same compressed image data; only the EXIF differs
    assert (
        m.image_bytes[m.image_bytes.index(b"\xff\xda") :]
        == g.image_bytes[g.image_bytes.index(b"\xff\xda") :]
    )
    assert exif_payload(m.image_bytes) is not None


def test_recaptures_and_not_applicable() -> None:
    s = sample(DocumentType.DRIVERS_LICENCE, "scan")
    for kind in ("screen_recapture", "print_recapture"):
        up = ATTACKS[kind](s, np.random.default_rng(1))
        assert decode(up.image_bytes).shape[0] > 600
        with Image.open(__import__("io").BytesIO(up.image_bytes)) as im:
            assert im.getexif().get(0x010F) is None or isinstance(im.getexif().get(0x010F), str)
    with pytest.raises(NotApplicable):
        ATTACKS["portrait_swap"](sample(DocumentType.PAYSLIP, "scan"), np.random.default_rng(1))


def test_recompressed_is_untouched_and_reencoded() -> None:
    s = sample(DocumentType.NATIONAL_ID_FRONT, "phone")
    ups = [ATTACKS["recompressed"](s, np.random.default_rng(k)) for k in range(12)]
    assert all(not u.tampered and u.regions == () for u in ups)
    assert ATTACKS["retype"](s, np.random.default_rng(1)).tampered
    plain = [
        (k, u) for k, u in enumerate(ups) if "crop" not in u.details and "scale" not in u.details
    ]
    cropped = [u for u in ups if "crop" in u.details and "scale" not in u.details]
    assert plain and cropped
    k, u = plain[0]
    # the same content as the camera upload it started from (the same generator draws)
    first = decode(ATTACKS["genuine"](s, np.random.default_rng(k)).image_bytes).astype(np.float32)
    again = decode(u.image_bytes).astype(np.float32)
    assert again.shape == first.shape and np.abs(again - first).mean() < 3
    left, top, right, bottom = cropped[0].details["crop"]
    h, w = decode(cropped[0].image_bytes).shape[:2]
    assert (h, w) == (first.shape[0] - top - bottom, first.shape[1] - left - right)


def test_iter_set_follows_the_documented_seeds() -> None:
    (kind, got, up) = next(iter_set(1, 7_000_000, ("recompressed",)))
    idx = KINDS.index("recompressed")
    want = generate(7_000_000 + 1000 * idx, REAL_TYPES[0], 0, CONDITIONS[0])
    again = ATTACKS[kind](want, np.random.default_rng([7_000_000 + 1000 * idx, idx]))
    assert (got.seed, got.doc_type, got.condition) == (want.seed, want.doc_type, want.condition)
    assert up.image_bytes == again.image_bytes

"""The hold-out forger: decodable uploads, edits where it says, controls left untouched."""

from __future__ import annotations

import numpy as np
import pytest

from models.doctypes import DocumentType
from tests.fixtures.fraud import decode, sample
from tools.holdout_forger import ATTACKS, KINDS, iter_set, resaved
from tools.tampergen import genuine

EDITS = [k for k in KINDS if k != "resaved"]


@pytest.mark.parametrize("kind", EDITS)
def test_attack_edits_its_region(kind: str) -> None:
    s = sample(DocumentType.NATIONAL_ID_FRONT, "phone")
    rng = np.random.default_rng(11)
    up = ATTACKS[kind](s, rng)
    img = decode(up.image_bytes)
    # the same genuine upload the forger started from (its rng draws come first)
    before = decode(genuine(s, np.random.default_rng(11)).image_bytes).astype(np.float32)
    h, w = img.shape[:2]
    assert up.kind == kind and len(up.regions) == 1
    x, y, bw, bh = up.regions[0]
    assert x >= 0 and y >= 0 and x + bw <= w and y + bh <= h and bw > 0 and bh > 0
    diff = np.abs(img.astype(np.float32) - before).mean(axis=2)
    inside = diff[y : y + bh, x : x + bw].mean()
    outside = np.delete(diff, np.s_[y : y + bh], axis=0).mean()  # rows off the region
    assert inside > 4.0, f"{kind}: the region barely changed ({inside:.2f})"
    assert inside > 4 * outside, f"{kind}: the change is not where it says ({outside:.2f})"


def test_control_changes_only_the_encoding() -> None:
    s = sample(DocumentType.PASSPORT, "phone")
    up = resaved(s, np.random.default_rng(5))
    before = decode(genuine(s, np.random.default_rng(5)).image_bytes).astype(np.float32)
    assert up.regions == () and up.details["format"] in ("JPEG", "PNG")
    # a re-save moves a pixel by a few grey levels at most on average: no edit anywhere
    assert np.abs(decode(up.image_bytes).astype(np.float32) - before).mean() < 2.0


def test_set_is_deterministic_and_covers_every_kind() -> None:
    a = [(k, u.image_bytes) for k, _, u in iter_set(1, 6_990_000)]
    b = [(k, u.image_bytes) for k, _, u in iter_set(1, 6_990_000)]
    assert [k for k, _ in a] == list(KINDS)
    assert a == b

"""Pixel forensics: the contract of analyse_image, and the signals on clear-cut cases."""

from __future__ import annotations

import numpy as np
import pytest

from models.doctypes import DocumentType
from models.fraud import tamper
from models.fraud.signal import Signal
from tests.fixtures.fraud import decode, jpeg, sample
from tools.tampergen import genuine, portrait_swap, print_recapture, retype, screen_recapture

ORDER = [
    "error_level",
    "double_compression",
    "noise_inconsistency",
    "copy_move",
    "splice",
    "font_inconsistency",
    "portrait_substitution",
    "screen_recapture",
    "print_recapture",
]


def _box(s: object) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = s.portrait_box  # type: ignore[attr-defined]
    return (x0, y0, x1 - x0, y1 - y0)


def _by_name(sigs: list[Signal]) -> dict[str, Signal]:
    return {s.name: s for s in sigs}


def test_analyse_image_contract_and_genuine_is_clean() -> None:
    s = sample(DocumentType.NATIONAL_ID_FRONT, "phone")
    up = genuine(s, np.random.default_rng(11))
    img = tamper.load_image(up.image_bytes)
    assert img.is_jpeg and img.quality is not None
    sigs = tamper.analyse_image(img, portrait_box=_box(s))
    assert [x.name for x in sigs] == ORDER
    weighted = [x for x in sigs if x.name not in tamper.EXPERIMENTAL]
    assert not [x.name for x in weighted if x.triggered]
    for x in sigs:
        x.to_dict()  # JSON-ready
        assert x.heatmap is None or x.heatmap.dtype == np.uint8
    # the experimental signals can be left out; the list keeps its shape
    lean = tamper.analyse_image(img, portrait_box=_box(s), experimental=False)
    assert [x.name for x in lean] == ORDER
    for a, b in zip(sigs, lean, strict=True):
        if a.name in tamper.EXPERIMENTAL:
            assert not b.applicable and b.score == 0.0
        else:
            assert a.score == pytest.approx(b.score)


def test_raw_pixels_and_undecodable_input() -> None:
    s = sample(DocumentType.PAYSLIP, "scan")
    sigs = _by_name(tamper.analyse_image(tamper.from_array(s.image)))
    for name in ("error_level", "double_compression", "splice"):
        assert not sigs[name].applicable
    with pytest.raises(tamper.UndecodableImage):
        tamper.load_image(b"")
    with pytest.raises(tamper.UndecodableImage):
        tamper.load_image(b"not an image at all")


def test_recaptures_are_told_apart_from_the_genuine_photo() -> None:
    s = sample(DocumentType.DRIVERS_LICENCE, "scan")
    gen = _by_name(tamper.analyse_image(tamper.load_image(jpeg(s.image, 90))))
    assert gen["screen_recapture"].score < 0.5 and gen["print_recapture"].score < 0.5
    scr = _by_name(
        tamper.analyse_image(
            tamper.load_image(screen_recapture(s, np.random.default_rng(1)).image_bytes)
        )
    )
    prt = _by_name(
        tamper.analyse_image(
            tamper.load_image(print_recapture(s, np.random.default_rng(1)).image_bytes)
        )
    )
    assert scr["screen_recapture"].score > gen["screen_recapture"].score + 0.3
    assert prt["print_recapture"].triggered
    # one cause, one code: the other code gets half the evidence, under its threshold
    assert not prt["screen_recapture"].triggered


def test_a_careless_portrait_swap_is_caught() -> None:
    s = sample(DocumentType.PASSPORT, "phone")
    box = _box(s)
    clean = tamper.portrait_substitution(
        tamper.load_image(genuine(s, np.random.default_rng(3)).image_bytes), box
    )
    assert not clean.triggered
    swaps = (portrait_swap(s, np.random.default_rng(k)) for k in range(20))
    careless = next(u for u in swaps if not u.details["careful"])
    swapped = tamper.portrait_substitution(tamper.load_image(careless.image_bytes), box)
    assert swapped.score > clean.score
    raw = tamper.from_array(decode(jpeg(s.image, 90)))
    assert not tamper.portrait_substitution(raw, None).applicable


def test_shared_intermediates_are_computed_once() -> None:
    s = sample(DocumentType.NATIONAL_ID_FRONT, "phone")
    data = retype(s, np.random.default_rng(0)).image_bytes  # edited, saved again: double JPEG
    img = tamper.load_image(data)
    first = tamper.double_compression(img)
    llr, used = tamper._dq_llr(img)
    assert used and "dq" in img._cache
    llr[:] = 1e6  # callers get a copy: the cached evidence stays intact
    assert tamper.double_compression(img).score == first.score
    fresh = tamper.double_compression(tamper.load_image(data))
    assert fresh.score == pytest.approx(first.score)

"""Pixel forensics: the contract of analyse_image, and the signals on clear-cut cases."""

from __future__ import annotations

import cv2
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
    "local_edits",
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


def _portrait_page(
    pasted: bool, feather: bool, inset: int = 3, rings: bool = False
) -> tamper.ImageInput:
    """A noisy page with a framed, smoothly shaded portrait; optionally another one pasted
    ``inset`` px inside the frame (feathered or not), as a forger's tool does. ``rings``:
    curved shading (a face's edges are curved, the frame's straight)."""
    rng = np.random.default_rng(7)
    page = np.full((240, 240), 200.0) + rng.normal(0, 2.0, (240, 240))
    x, y, w, h = 60, 50, 100, 130
    yy, xx = np.mgrid[0:h, 0:w]
    if rings:
        page[y : y + h, x : x + w] = 120 + 50 * np.sin(np.hypot(xx - 50, yy - 45) / 9.0)
    else:
        page[y : y + h, x : x + w] = 90 + 60 * np.sin(xx / 17.0) * np.cos(yy / 23.0)
    page[y - 2 : y + h + 2, x - 2 : x + w + 2][[0, 1, -2, -1], :] = 90  # the frame
    page[y - 2 : y + h + 2, [x - 2, x - 1, x + w, x + w + 1]] = 90
    if pasted:
        ph, pw = h - 2 * inset, w - 2 * inset
        py, px = np.mgrid[0:ph, 0:pw]
        if rings:
            face = 120 + 50 * np.cos(np.hypot(px - 40, py - 50) / 7.0)  # tone matched
        else:
            face = 150 + 40 * np.cos(px / 11.0 + 1.0) * np.sin(py / 13.0 + 0.5)
        mask = np.zeros((ph + 2, pw + 2), np.float32)
        mask[1:-1, 1:-1] = 1.0
        if feather:  # the 2 px feathered edge of a careful forger
            mask = np.asarray(cv2.GaussianBlur(mask, (0, 0), 2.0), np.float32)
        alpha = mask[1:-1, 1:-1].astype(np.float64)
        inner = (slice(y + inset, y + h - inset), slice(x + inset, x + w - inset))
        page[inner] = alpha * face + (1 - alpha) * page[inner]
    page += rng.normal(0, 1.0, page.shape)
    bgr = np.repeat(np.clip(page, 0, 255).astype(np.uint8)[..., None], 3, axis=2)
    return tamper.from_array(bgr)


@pytest.mark.parametrize("feather", [False, True])
def test_the_seam_of_a_portrait_pasted_inside_the_frame_is_caught(feather: bool) -> None:
    box = (60, 50, 100, 130)
    clean = tamper.portrait_substitution(_portrait_page(False, feather), box)
    swapped = tamper.portrait_substitution(_portrait_page(True, feather), box)
    assert not clean.triggered and clean.details["seamLogRatio"] < 0.6
    assert swapped.triggered and swapped.details["seamLogRatio"] > tamper.PORTRAIT_SEAM_HIGH
    assert swapped.score > clean.score + 0.4
    # the region is the frame found around the box: the photo and its printed line
    assert swapped.regions == ((58, 48, 104, 134),)


@pytest.mark.parametrize("inset", [4, 5])
def test_a_paste_at_another_inset_is_caught_from_a_face_box(inset: int) -> None:
    face = (85, 75, 50, 50)  # the face detector's box: tight, inside the photo's upper middle
    clean = tamper.portrait_substitution(_portrait_page(False, False, rings=True), face)
    swapped = tamper.portrait_substitution(_portrait_page(True, False, inset, True), face)
    assert clean.details["frameFound"] == swapped.details["frameFound"] == 1.0
    assert not clean.triggered and clean.details["seamLogRatio"] < 0.6
    assert swapped.triggered and len(swapped.regions) == 1
    rx, ry, rw, rh = swapped.regions[0]  # the photo found around the face, not the face
    assert rx <= 85 and ry <= 75 and rx + rw >= 135 and ry + rh >= 125 and rw * rh > 3 * 50 * 50


def test_shared_intermediates_are_computed_once_across_threads() -> None:
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from models.fraud.tamper import from_array

    img = from_array(np.zeros((16, 16, 3), np.uint8))
    calls: list[int] = []
    lock = threading.Lock()

    def slow() -> int:
        with lock:
            calls.append(1)
        time.sleep(0.05)  # long enough for every thread to arrive while it runs
        return 7

    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda _: img.shared("k", slow), range(8)))
    assert got == [7] * 8 and len(calls) == 1
    assert img.shared("other", lambda: 1) == 1  # another key computes on its own

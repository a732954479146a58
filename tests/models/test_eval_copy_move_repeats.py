"""The copy-move repeat measurement's parts on drawn pages: a duplicate is found and
measured as exact, a page without repeats has none."""

from __future__ import annotations

import cv2
import numpy as np

from models.eval.copy_move_repeats import (
    calibrated,
    closeness,
    glyph_boxes,
    page_repeats,
    repeated_groups,
)


def _page(text_a: str, text_b: str) -> np.ndarray:
    page = np.full((200, 420), 235, np.uint8)
    cv2.putText(page, text_a, (20, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (20,), 2, cv2.LINE_AA)
    cv2.putText(page, text_b, (20, 150), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (20,), 2, cv2.LINE_AA)
    return page


def test_a_copied_group_is_found_at_its_shift_and_is_exact() -> None:
    page = _page("4719", "XKQW")
    page[120:170, 200:280] = page[30:80, 20:100]  # the clone tool: "47" moved
    grey = page.astype(np.float32)
    groups = repeated_groups(grey, glyph_boxes(page))
    shifts = {s for _, s in groups}
    assert (180, 90) in shifts
    box = next(b for b, s in groups if s == (180, 90))
    assert closeness(grey, box, (180, 90)) == 0.0


def test_noise_makes_the_same_copy_inexact_and_a_plain_page_has_no_repeat() -> None:
    rng = np.random.default_rng(0)
    page = _page("4719", "XKQW").astype(np.float32)
    page[120:170, 200:280] = page[30:80, 20:100] + rng.normal(0, 4, (50, 80))
    rms = closeness(page, (17, 33, 100, 70), (180, 90))
    assert rms is not None and 3 < rms < 5  # the added noise, not the print
    count, best = page_repeats(_page("4719", "XKQW"))
    assert count == 0 and best is None


def _saved(page: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(
        ".jpg", np.clip(np.rint(page), 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE).astype(np.float32)


def test_calibration_tells_a_copy_of_noisy_print_from_a_repeat_with_its_own_noise() -> None:
    # Both pages print "4719" twice and carry capture noise. The forger's copy carries
    # its source's noise along; a genuine repeat has noise of its own. After one JPEG
    # save at 90, the copy differs from its source by JPEG errors only (log ratio near
    # 0), the repeat by its noise too (clearly above).
    rng = np.random.default_rng(1)
    clean = _page("4719", "4719").astype(np.float32)
    repeat = clean + rng.normal(0, 6, clean.shape)
    copy = repeat.copy()
    copy[123:173, 17:117] = copy[33:83, 17:117]  # shift (0, 90): not whole 8 x 8 blocks
    box, shift = (17, 33, 117, 83), (0, 90)
    r_copy = calibrated(_saved(copy, 90), box, shift, 90)
    r_repeat = calibrated(_saved(repeat, 90), box, shift, 90)
    assert r_copy is not None and r_repeat is not None
    assert abs(r_copy) < 0.35 and r_repeat > r_copy + 0.7


def test_calibration_leaves_out_shifts_of_whole_jpeg_blocks() -> None:
    # at a shift of whole 8 x 8 blocks a copy's JPEG errors equal its source's: no evidence
    page = _page("4719", "XKQW").astype(np.float32)
    page[121:171, 17:117] = page[33:83, 17:117]  # moved by (0, 88)
    assert calibrated(page, (17, 33, 117, 83), (0, 88), 90) is None
    assert calibrated(page, (17, 33, 117, 83), (0, 89), 90) is None  # aligned back to 88

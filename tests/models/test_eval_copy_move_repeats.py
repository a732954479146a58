"""The copy-move repeat measurement's parts on drawn pages: a duplicate is found and
measured as exact, a page without repeats has none."""

from __future__ import annotations

import cv2
import numpy as np

from models.eval.copy_move_repeats import closeness, glyph_boxes, page_repeats, repeated_groups


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

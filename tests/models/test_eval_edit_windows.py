"""The window-versus-page measurement on hand-made window maps (no model, no images)."""

from __future__ import annotations

import math

import numpy as np

from models.eval.edit_windows import PageWindows, outranking, report, summarise


def _page(kind: str, edit_logit: float | None, hot: int = 0, size: int = 1) -> PageWindows:
    """An 8 x 8 window map with a border ring; untouched windows at -3, ``hot`` of them at
    +2 (on print: flat share 0.1), and ``size`` x ``size`` edited windows (share 1) at
    ``edit_logit``."""
    logits = np.full((8, 8), -3.0, np.float32)
    share = np.zeros((8, 8), np.float32)
    flat = np.full((8, 8), 0.8, np.float32)
    for i in range(hot):
        logits[1 + i // 6, 1 + i % 6] = 2.0
        flat[1 + i // 6, 1 + i % 6] = 0.1
    if edit_logit is not None:
        logits[5 : 5 + size, 5 : 5 + size] = edit_logit
        share[5 : 5 + size, 5 : 5 + size] = 1.0
    return PageWindows.of(kind, logits, share, flat)


def test_an_edit_hidden_by_hotter_print_is_counted_as_outranked() -> None:
    hidden = outranking(_page("copy_move", 1.0, hot=3))
    assert hidden is not None
    above, flat_above, flat_untouched = hidden
    assert above == 3
    assert math.isclose(flat_above, 0.1, abs_tol=1e-6)
    assert math.isclose(flat_untouched, 0.8, abs_tol=1e-6)
    on_top = outranking(_page("retype", 4.0, hot=3))
    assert on_top is not None and on_top[0] == 0
    assert math.isnan(on_top[1])


def test_an_edit_smaller_than_a_window_is_not_counted() -> None:
    assert outranking(_page("copy_move", None)) is None


def test_summary_separates_window_from_page_failure() -> None:
    # half the genuine pages have hot print, as genuine pages with digits do
    pages = [_page("genuine", None, hot=3 * (h % 2)) for h in range(6)]
    # a small edit that beats every genuine window on its own, but not its page's print
    pages += [_page("copy_move", 1.0, hot=3) for _ in range(4)]
    pages += [_page("retype", 4.0, size=2) for _ in range(4)]
    res = summarise(pages, np.random.default_rng(0))
    cm, rt = res["perKind"]["copy_move"], res["perKind"]["retype"]
    assert cm["windowAuc"] > 0.9
    assert cm["pageAuc"] < rt["pageAuc"]
    assert cm["outrankedMedian"] == 3 and cm["topOfPage"] == 0
    assert rt["topOfPage"] == 1 and rt["pageAuc"] == 1.0
    text = report(res, "python -m models.eval.edit_windows", 1.0)
    assert "| copy_move | 4 |" in text

"""The evaluation's approximate substring distance (pure logic)."""

from __future__ import annotations

import pytest

from models.eval.documents import evaluation_set, substring_distance


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("MOLEFE", "Surname: MOLEFE", 0),
        ("MOLEFE", "Surname: MoLEFE", 1),
        ("MOLEFE", "Surname: MOLFE here", 1),
        ("123416789", "Omang 1234167890", 0),
        ("ABC", "", 3),
        ("", "anything", 0),
        ("KABELO TEBOGO", "KABELOTEBOGO", 1),
    ],
)
def test_substring_distance(pattern: str, text: str, expected: int) -> None:
    assert substring_distance(pattern, text) == expected


def test_the_evaluation_set_covers_every_template_and_is_deterministic() -> None:
    items = evaluation_set(1, 4)
    assert items == evaluation_set(1, 4)
    assert {c for *_, c in items} >= {"scan", "phone", "blur", "rotated_90"}
    assert {(t.value, tpl) for _, t, tpl, _ in items} >= {("passport", 2), ("unknown", 4)}
    assert min(seed for seed, *_ in items) >= 1_000_000

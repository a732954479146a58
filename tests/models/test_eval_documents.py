"""The evaluation's approximate substring distance, set and page-outline check (pure logic)."""

from __future__ import annotations

import pytest

from models import mrz as mrzlib
from models.doctypes import DocumentType
from models.eval.documents import evaluation_set, fields_cut, mrz_field_matches
from models.extract.normalise import substring_distance  # the evaluation's, and the extraction's
from tools.docgen import generate


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
    items = evaluation_set(1, 4, mrz_per_cell=2)
    assert items == evaluation_set(1, 4, mrz_per_cell=2)
    assert {c for _, _, _, c, _ in items} >= {"scan", "phone", "blur", "rotated_90"}
    assert {(t.value, tpl) for _, t, tpl, _, _ in items} >= {("passport", 2), ("unknown", 4)}
    assert min(seed for seed, *_ in items) >= 1_000_000
    extra = [it for it in items if it[4]]
    # 5 MRZ types x 3 templates x (scan, phone) x 2, each seed used once per type.
    assert len(extra) == 60
    assert len({(seed, t) for seed, t, *_ in extra}) == 30


def test_mrz_field_matches_counts_fields_with_their_check_digits() -> None:
    # The ICAO 9303 TD3 specimen.
    truth = (
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    )
    slots = len(mrzlib.LAYOUTS[mrzlib.MrzFormat.TD3].slots)
    assert mrz_field_matches(truth, list(truth)) == (slots, slots)
    wrong = [truth[0], truth[1][:14] + "5" + truth[1][15:]]  # one birth-date digit
    total, exact = mrz_field_matches(truth, wrong)
    assert exact == total - 1
    assert mrz_field_matches(truth, None) == (total, 0)


def test_fields_cut_counts_fields_a_page_outline_leaves_outside() -> None:
    sample = generate(1_000_000, DocumentType.PASSPORT, 0, "scan")
    h, w = sample.image.shape[:2]
    assert fields_cut(sample, None) == 0
    assert fields_cut(sample, [[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]]) == 0
    # The top half only, as a crop to a shadow's edge across the middle would be.
    top = [[0, 0], [w - 1, 0], [w - 1, h // 2], [0, h // 2]]
    below = sum(1 for f in sample.fields if f.visible and max(y for _, y in f.quad) > h // 2 + 4)
    assert below > 0 and fields_cut(sample, top) == below


def test_cached_readings_are_kept_apart_per_served_configuration() -> None:
    # A configuration variant reads differently (cpu_fixed_shapes pads every batch):
    # its readings must not be reused for the default configuration, nor the reverse.
    from models.eval.documents import ocr_sources_hash

    default = ocr_sources_hash()
    assert ocr_sources_hash("") == default
    assert ocr_sources_hash("cpu_fixed_shapes") != default
    assert ocr_sources_hash("gpu") not in (default, ocr_sources_hash("cpu_fixed_shapes"))
    assert ocr_sources_hash("no_such_variant") == default  # Triton falls back to config.pbtxt

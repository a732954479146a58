"""Finding a value printed on a page despite OCR confusions (pure logic)."""

from __future__ import annotations

import pytest

from models.extract import normalise


@pytest.mark.parametrize(
    ("value", "printed", "shown"),
    [
        ("1985-10-11", "Date of birth 11 OCT 1985", True),
        ("1963-10-06", "060CT 1963", True),  # O read as 0
        ("2034-03-07", "07NAR 2034", True),  # one letter wrong
        ("2030-02-11", "TTFEB2030", True),  # 1 read as T
        ("2030-12-30", "3 0 /12/2030", True),  # a space inside
        ("2029-10-15", "150ctober 2029", True),
        ("1985-10-11", "9753CT 1985", False),  # digits copied over "11 O"
        ("2026-04-26", "225/0/2026", False),
        ("2028-07-11", "Date of issue 11 JUL 2018", False),  # another date, one digit away
        ("1999-04-09", "0929R 1999", False),  # digits copied over the month
        ("1985-06-03", "3 June 1985", True),
        ("1985-06-03", "1985-06-03", True),
    ],
)
def test_shown_in_forgives_ocr_confusions_but_not_replaced_digits(
    value: str, printed: str, shown: bool
) -> None:
    assert normalise.shown_in(value, "date", [printed]) is shown


def test_a_code_is_shown_within_one_misread_character_only() -> None:
    assert normalise.shown_in("C5181279", "code", ["Passport No. C5181279"])
    assert normalise.shown_in("C5181279", "code", ["Passport No. CS18I279"])  # S, I confused
    assert not normalise.shown_in("C5181279", "code", ["Passport No. C5187779"])
    assert normalise.confusable("o-1 S/B z") == "01582"

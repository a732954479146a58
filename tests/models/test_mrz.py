"""ICAO 9303 MRZ composition reproduces the specimens of Doc 9303 exactly."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from models import mrz
from models.mrz import MrzData, MrzFormat

ANNA = MrzData(
    document_code="P",
    issuing_state="UTO",
    surname="Eriksson",
    given_names="Anna Maria",
    document_number="L898902C3",
    nationality="UTO",
    birth_date=dt.date(1974, 8, 12),
    sex="F",
    expiry_date=dt.date(2012, 4, 15),
    optional_data="ZE184226B",
)

ANNA_ID = MrzData(
    document_code="I",
    issuing_state="UTO",
    surname="ERIKSSON",
    given_names="ANNA MARIA",
    document_number="D23145890",
    nationality="UTO",
    birth_date=dt.date(1974, 8, 12),
    sex="F",
    expiry_date=dt.date(2012, 4, 15),
)


@pytest.mark.parametrize(
    ("text", "digit"),
    [("L898902C3", "6"), ("740812", "2"), ("120415", "9"), ("ZE184226B<<<<<", "1"), ("", "0")],
)
def test_check_digit_matches_the_specimen(text: str, digit: str) -> None:
    assert mrz.check_digit(text) == digit


def test_check_digit_rejects_lowercase() -> None:
    with pytest.raises(ValueError):
        mrz.check_digit("abc")


def test_td3_specimen_is_reproduced_exactly() -> None:
    assert mrz.compose_td3(ANNA) == (
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    )


def test_td1_specimen_is_reproduced_exactly() -> None:
    assert mrz.compose_td1(ANNA_ID) == (
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<<<<<<<<6",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    )


def test_td2_specimen_is_reproduced_exactly() -> None:
    assert mrz.compose_td2(ANNA_ID) == (
        "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
        "D231458907UTO7408122F1204159<<<<<<<6",
    )


@pytest.mark.parametrize(
    ("fmt", "lines", "width"),
    [
        (MrzFormat.TD1, 3, 30),
        (MrzFormat.TD2, 2, 36),
        (MrzFormat.TD3, 2, 44),
        (MrzFormat.MRVA, 2, 44),
    ],
)
def test_line_lengths_and_check_digits(fmt: MrzFormat, lines: int, width: int) -> None:
    data = dataclasses.replace(ANNA, optional_data="ZE1842")
    out = mrz.compose(data, fmt)
    assert len(out) == lines
    assert all(len(line) == width for line in out)
    assert mrz.check_digits_valid(out, fmt)


def test_a_corrupted_line_fails_validation() -> None:
    a, b = mrz.compose_td3(ANNA)
    bad = b[:2] + ("0" if b[2] != "0" else "1") + b[3:]
    assert not mrz.check_digits_valid((a, bad), MrzFormat.TD3)


def test_long_names_are_truncated_given_names_first() -> None:
    data = MrzData(
        document_code="P",
        issuing_state="BWA",
        surname="Kgosietsile-Ramotswe Mokgosi",
        given_names="Onalenna Boitumelo Keabetswe Goitseone",
        document_number="BN0123456",
        nationality="BWA",
        birth_date=dt.date(1990, 1, 2),
        sex="M",
        expiry_date=dt.date(2030, 1, 1),
    )
    line1, _ = mrz.compose_td3(data)
    assert len(line1) == 44
    assert line1.startswith("P<BWAKGOSIETSILE<RAMOTSWE<MOKGOSI<<ONALENNA<")
    td1 = mrz.compose_td1(data)
    assert len(td1[2]) == 30
    assert td1[2] == "KGOSIETSILE<RAMOTSWE<MOKGOS<<O"  # surname cut, initial kept


def test_names_are_transliterated() -> None:
    assert mrz.format_name("Müller-Lüdenscheidt", "José O'Neil", 30) == (
        "MULLER<LUDENSCHEIDT<<JOSE<ONEI"
    )
    assert mrz.transliterate("Æsir Øst") == "AESIR<OEST"


def test_long_document_number_continues_in_optional_data() -> None:
    data = MrzData(
        document_code="I",
        issuing_state="ZAF",
        surname="Dlamini",
        given_names="Sipho",
        document_number="8001015009087",
        nationality="ZAF",
        birth_date=dt.date(1980, 1, 1),
        sex="M",
        expiry_date=dt.date(2031, 5, 6),
    )
    lines = mrz.compose_td1(data)
    assert lines[0][5:15] == "800101500<"
    assert lines[0][15:20] == "9087" + mrz.check_digit("8001015009087")
    assert mrz.check_digits_valid(lines, MrzFormat.TD1)
    with pytest.raises(ValueError):
        mrz.compose_td3(data)


def test_layouts_describe_fields_for_parsing() -> None:
    lines = mrz.compose_td3(ANNA)
    layout = mrz.LAYOUTS[MrzFormat.TD3]
    assert mrz.slice_field(lines, layout.slot("document_number")) == "L898902C3"
    assert mrz.slice_field(lines, layout.slot("birth_date")) == "740812"
    with pytest.raises(KeyError):
        layout.slot("optional_data_2")


def test_sex_is_validated() -> None:
    with pytest.raises(ValueError):
        mrz.compose_td3(dataclasses.replace(ANNA, sex="Q"))
    unspecified = mrz.compose_td3(dataclasses.replace(ANNA, sex="<"))
    assert unspecified[1][20] == "<"

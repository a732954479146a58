"""ICAO 9303 MRZs: composition reproduces the Doc 9303 specimens; parsing reads them back."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import string

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


# =====================================================================================
# Parsing
# =====================================================================================

TODAY = dt.date(2025, 6, 1)

TD3_SPECIMEN = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
TD1_SPECIMEN = (
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
)
TD2_SPECIMEN = (
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "D231458907UTO7408122F1204159<<<<<<<6",
)
MRVA_SPECIMEN = (
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
)


def _put(lines: tuple[str, ...], line: int, col: int, text: str) -> tuple[str, ...]:
    """``lines`` with ``text`` written over line ``line`` from column ``col``."""
    out = list(lines)
    out[line] = out[line][:col] + text + out[line][col + len(text) :]
    return tuple(out)


def _reseal(lines: tuple[str, ...], fmt: MrzFormat) -> tuple[str, ...]:
    """``lines`` with every field check digit and the composite recomputed."""
    layout = mrz.LAYOUTS[fmt]
    for slot in layout.slots:
        if slot.check is not None:
            lines = _put(
                lines, slot.line, slot.check, mrz.check_digit(mrz.slice_field(lines, slot))
            )
    if layout.composite_at is not None:
        line, col = layout.composite_at
        composite = "".join(lines[ln][a:b] for ln, a, b in layout.composite_ranges)
        lines = _put(lines, line, col, mrz.check_digit(composite))
    return lines


def _values(result: mrz.MrzResult) -> dict[str, str]:
    return {name: f.value for name, f in result.fields.items()}


_CODES = {
    MrzFormat.TD3: ("P", "PO", "PD"),
    MrzFormat.MRVA: ("V", "VS"),
    MrzFormat.TD2: ("I", "ID", "AC", "C"),
    MrzFormat.TD1: ("I", "ID", "AC", "IR"),
}
_OPTIONAL = {MrzFormat.TD3: 14, MrzFormat.MRVA: 16, MrzFormat.TD2: 7, MrzFormat.TD1: 15}
_ALNUM = string.ascii_uppercase + string.digits


def _random_case(rng: random.Random, fmt: MrzFormat) -> tuple[MrzData, dict[str, str]]:
    """Random data for ``fmt`` and the field values parsing its MRZ must give back."""

    def word(low: int, high: int) -> str:
        return "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(low, high)))

    width = mrz.LAYOUTS[fmt].slot("name").length
    surname = " ".join(word(2, 7) for _ in range(rng.choice((1, 1, 2))))
    given = " ".join(word(1, 6) for _ in range(rng.choice((0, 1, 2, 3))))
    while given and len(surname) + 2 + len(given) > width:
        given = given.rsplit(" ", 1)[0] if " " in given else ""
    state = rng.choice((word(3, 3), "D"))
    long_number = fmt in (MrzFormat.TD1, MrzFormat.TD2) and rng.random() < 0.25
    if long_number:
        number = "".join(rng.choice(string.digits) for _ in range(rng.randint(10, 12)))
        room = _OPTIONAL[fmt] - (len(number) - 9) - 2
    else:
        number = "".join(rng.choice(_ALNUM) for _ in range(rng.randint(5, 9)))
        room = _OPTIONAL[fmt]
    optional = "".join(rng.choice(_ALNUM) for _ in range(rng.randint(0, max(room, 0))))
    optional_2 = (
        "".join(rng.choice(_ALNUM) for _ in range(rng.randint(0, 11)))
        if fmt is MrzFormat.TD1
        else ""
    )
    birth = TODAY - dt.timedelta(days=rng.randint(0, 99 * 365))
    expiry = TODAY + dt.timedelta(days=rng.randint(-45 * 365, 45 * 365))
    sex = rng.choice(("M", "F", "<"))
    data = MrzData(
        document_code=rng.choice(_CODES[fmt]),
        issuing_state=state,
        surname=surname,
        given_names=given,
        document_number=number,
        nationality=word(3, 3),
        birth_date=birth,
        sex=sex,
        expiry_date=expiry,
        optional_data=optional,
        optional_data_2=optional_2,
    )
    expected = {
        "document_code": data.document_code,
        "issuing_state": state,
        "surname": surname,
        "given_names": given,
        "document_number": number,
        "nationality": data.nationality,
        "birth_date": birth.isoformat(),
        "sex": "X" if sex == "<" else sex,
        "expiry_date": expiry.isoformat(),
        "optional_data": optional,
    }
    if fmt is MrzFormat.TD1:
        expected["optional_data_2"] = optional_2
    return data, expected


@pytest.mark.parametrize("fmt", list(MrzFormat))
def test_round_trip_compose_parse_gives_the_data_back(fmt: MrzFormat) -> None:
    rng = random.Random(f"mrz-round-trip-{fmt}")
    for _ in range(300):
        data, expected = _random_case(rng, fmt)
        lines = mrz.compose(data, fmt)
        result = mrz.parse(lines, today=TODAY)
        assert result.format is fmt
        assert result.lines == lines
        assert _values(result) == expected, lines
        assert result.valid, lines
        assert result.errors == ()
        assert result.corrections == ()
        assert result.composite_ok is (None if fmt is MrzFormat.MRVA else True)
        assert not any(f.corrected for f in result.fields.values())
        # and the MRZ is found again in a page of text around it
        page = ["REPUBLIC OF UTOPIA", "Name: " + data.surname, *lines, "Signature"]
        assert mrz.find_mrz(page) == list(lines)


@pytest.mark.parametrize(
    ("lines", "fmt"),
    [
        (TD3_SPECIMEN, MrzFormat.TD3),
        (TD1_SPECIMEN, MrzFormat.TD1),
        (TD2_SPECIMEN, MrzFormat.TD2),
        (MRVA_SPECIMEN, MrzFormat.MRVA),
    ],
    ids=["TD3", "TD1", "TD2", "MRVA"],
)
def test_icao_specimens_parse_valid(lines: tuple[str, ...], fmt: MrzFormat) -> None:
    result = mrz.parse(list(lines), today=TODAY)
    assert result.format is fmt
    assert result.valid
    assert result.errors == ()
    assert result.corrections == ()
    assert result.fields["surname"].value == "ERIKSSON"
    assert result.fields["given_names"].value == "ANNA MARIA"
    assert result.fields["issuing_state"].value == "UTO"


def test_td3_specimen_fields() -> None:
    result = mrz.parse(TD3_SPECIMEN, today=TODAY)
    assert _values(result) == {
        "document_code": "P",
        "issuing_state": "UTO",
        "surname": "ERIKSSON",
        "given_names": "ANNA MARIA",
        "document_number": "L898902C3",
        "nationality": "UTO",
        "birth_date": "1974-08-12",
        "sex": "F",
        "expiry_date": "2012-04-15",  # expired: reported, not judged
        "optional_data": "ZE184226B",
    }
    number = result.fields["document_number"]
    assert number == mrz.MrzField("document_number", "L898902C3", "L898902C3", True, False)
    assert result.fields["given_names"].raw.startswith("ANNA<MARIA<<")
    assert result.fields["sex"].check_digit_ok is None
    assert result.composite_ok is True


def test_mrva_has_no_composite() -> None:
    result = mrz.parse(MRVA_SPECIMEN, today=TODAY)
    assert result.composite_ok is None
    assert result.fields["document_number"].value == "L8988901C"
    assert result.fields["nationality"].value == "XXX"
    assert result.fields["birth_date"].value == "1940-09-07"
    assert result.fields["expiry_date"].value == "1996-12-10"
    assert result.fields["optional_data"].value == "6ZE184226B"
    assert result.fields["optional_data"].check_digit_ok is None


def test_expired_document_is_not_a_parser_error() -> None:
    result = mrz.parse(TD1_SPECIMEN, today=dt.date(2030, 1, 1))
    assert result.fields["expiry_date"].value == "2012-04-15"
    assert result.valid
    assert result.errors == ()


@pytest.mark.parametrize(
    ("number", "misread", "correction"),
    [
        ("L898902C3", "L8989O2C3", "document_number[5]: O→0"),
        ("D23145890", "D23I45890", "document_number[3]: I→1"),
        ("D23145890", "D2314S890", "document_number[5]: S→5"),
        ("L898902C3", "L89B902C3", "document_number[3]: B→8"),
        ("123456789", "I23456789", "document_number[0]: I→1"),
    ],
)
def test_confusion_in_the_document_number_is_corrected(
    number: str, misread: str, correction: str
) -> None:
    lines = mrz.compose_td3(dataclasses.replace(ANNA, document_number=number))
    result = mrz.parse(_put(lines, 1, 0, misread), today=TODAY)
    assert result.corrections == (correction,)
    assert result.lines == lines
    field = result.fields["document_number"]
    assert (field.value, field.check_digit_ok, field.corrected) == (number, True, True)
    assert result.valid
    assert result.errors == ()
    assert not result.fields["birth_date"].corrected


def test_confusions_in_dates_are_corrected() -> None:
    lines = _put(_put(TD3_SPECIMEN, 1, 13, "74O8I2"), 1, 21, "I2O4IS")
    result = mrz.parse(lines, today=TODAY)
    assert result.lines == TD3_SPECIMEN
    assert result.corrections == (
        "birth_date[2]: O→0",
        "birth_date[4]: I→1",
        "expiry_date[0]: I→1",
        "expiry_date[2]: O→0",
        "expiry_date[4]: I→1",
        "expiry_date[5]: S→5",
    )
    assert result.fields["birth_date"].value == "1974-08-12"
    assert result.fields["birth_date"].corrected
    assert result.fields["expiry_date"].value == "2012-04-15"
    assert result.valid


def test_misread_check_digits_are_corrected() -> None:
    # document number check 6 read G, birth date check 2 read Z, composite 0 read O
    lines = _put(_put(_put(TD3_SPECIMEN, 1, 9, "G"), 1, 19, "Z"), 1, 43, "O")
    result = mrz.parse(lines, today=TODAY)
    assert result.lines == TD3_SPECIMEN
    assert result.corrections == (
        "document_number[check]: G→6",
        "birth_date[check]: Z→2",
        "composite[check]: O→0",
    )
    assert result.valid
    assert result.fields["document_number"].corrected
    assert not result.fields["expiry_date"].corrected


def test_an_empty_optional_data_field_read_as_k_is_padding_again() -> None:
    # A phone photo of a passport with no personal number read its padding as K.
    data = dataclasses.replace(ANNA, optional_data="")
    line1, line2 = mrz.compose_td3(data)
    assert line2[28:43] == "<" * 15
    read = line2[:28] + "<KKKKKK<KKKKKK<" + line2[43]
    result = mrz.parse((line1, read), today=TODAY)
    assert result.valid and result.lines == (line1, line2)
    assert result.fields["optional_data"].value == ""
    assert result.fields["optional_data"].corrected
    # A K has no weight modulo 10, so a check digit cannot tell it from a filler: only
    # the filler in the check position (an empty field) allows the reading.
    with_check = line2[:28] + "<KKKKKK<KKKKKK0" + line2[43]
    assert mrz.check_digit("<KKKKKK<KKKKKK") == "0"
    kept = mrz.parse((line1, with_check), today=TODAY)
    assert kept.fields["optional_data"].raw == "<KKKKKK<KKKKKK"


def test_letters_only_fields_map_digits_to_letters() -> None:
    lines = _put(_put(TD3_SPECIMEN, 0, 5, "ER1K55ON<<ANNA<MAR1A"), 1, 10, "UT0")
    result = mrz.parse(lines, today=TODAY)
    assert result.lines == TD3_SPECIMEN
    assert result.corrections == (
        "surname[2]: 1→I",
        "surname[4]: 5→S",
        "surname[5]: 5→S",
        "given_names[8]: 1→I",
        "nationality[2]: 0→O",
    )
    assert result.fields["surname"].value == "ERIKSSON"
    assert result.fields["surname"].corrected
    assert result.fields["given_names"].value == "ANNA MARIA"
    assert result.fields["nationality"] == mrz.MrzField("nationality", "UTO", "UTO", None, True)
    assert not result.fields["issuing_state"].corrected
    assert result.valid


def test_a_digit_that_cannot_be_a_letter_is_reported() -> None:
    result = mrz.parse(_put(TD3_SPECIMEN, 0, 5, "ERIK7SON"), today=TODAY)
    assert "MRZ_INVALID_CHARACTER:name" in result.errors
    assert result.valid  # the check digits do not cover names


@pytest.mark.parametrize(
    ("lines", "at", "misread"),
    [
        # 8 read as B: B→8 makes the check digit verify, and so does D→0 in front.
        (TD1_SPECIMEN, (0, 5), "D23145B90"),
        # 8 read as B: B→8 verifies, and so does 5→S in front of the B.
        (
            mrz.compose_td3(dataclasses.replace(ANNA, document_number="583217390")),
            (1, 0),
            "5B3217390",
        ),
    ],
    ids=["TD1", "TD3"],
)
def test_a_confusion_two_candidates_would_fix_is_not_corrected(
    lines: tuple[str, ...], at: tuple[int, int], misread: str
) -> None:
    bad = _put(lines, at[0], at[1], misread)
    result = mrz.parse(bad, today=TODAY)
    assert result.corrections == ()
    assert result.lines == bad
    field = result.fields["document_number"]
    assert (field.value, field.check_digit_ok, field.corrected) == (misread, False, False)
    assert "MRZ_CHECKDIGIT_FAILED:document_number" in result.errors
    assert not result.valid


@pytest.mark.parametrize(
    ("col", "wrong", "field"),
    [
        (13, "740813", "birth_date"),
        (21, "130415", "expiry_date"),
        (0, "L898903C3", "document_number"),
        (0, "L898912C3", "document_number"),
    ],
)
def test_a_genuinely_wrong_character_fails(col: int, wrong: str, field: str) -> None:
    result = mrz.parse(_put(TD3_SPECIMEN, 1, col, wrong), today=TODAY)
    assert result.corrections == ()
    assert result.fields[field].check_digit_ok is False
    assert result.fields[field].raw == wrong
    assert result.errors[0] == f"MRZ_CHECKDIGIT_FAILED:{field}"
    assert "MRZ_COMPOSITE_FAILED" in result.errors
    assert result.composite_ok is False
    assert not result.valid


def test_a_wrong_check_digit_fails() -> None:
    result = mrz.parse(_put(TD3_SPECIMEN, 1, 27, "8"), today=TODAY)
    assert result.errors == ("MRZ_CHECKDIGIT_FAILED:expiry_date", "MRZ_COMPOSITE_FAILED")
    assert result.fields["expiry_date"].value == "2012-04-15"  # still reported


def test_letters_in_a_date_are_not_mapped_unless_the_check_digit_agrees() -> None:
    result = mrz.parse(_put(TD3_SPECIMEN, 1, 13, "74O813"), today=TODAY)
    assert result.corrections == ()
    assert result.fields["birth_date"].raw == "74O813"
    assert result.fields["birth_date"].value == ""
    assert "MRZ_CHECKDIGIT_FAILED:birth_date" in result.errors
    assert "MRZ_INVALID_DATE:birth_date" in result.errors


def test_month_13_is_an_invalid_date() -> None:
    lines = _reseal(_put(TD3_SPECIMEN, 1, 13, "741312"), MrzFormat.TD3)
    result = mrz.parse(lines, today=TODAY)
    assert result.fields["birth_date"].check_digit_ok is True
    assert result.fields["birth_date"].value == ""
    assert result.errors == ("MRZ_INVALID_DATE:birth_date",)


def test_30_february_is_an_invalid_date() -> None:
    lines = _reseal(_put(TD1_SPECIMEN, 1, 8, "300230"), MrzFormat.TD1)
    assert mrz.parse(lines, today=TODAY).errors == ("MRZ_INVALID_DATE:expiry_date",)


@pytest.mark.parametrize(
    ("birth", "expiry", "birth_iso", "expiry_iso"),
    [
        ("250601", "750601", "2025-06-01", "2075-06-01"),
        ("250602", "750602", "1925-06-02", "1975-06-02"),
        ("000229", "990101", "2000-02-29", "1999-01-01"),
        ("7408<<", "301231", "1974-08", "2030-12-31"),
        ("74<<<<", "301231", "1974", "2030-12-31"),
    ],
)
def test_centuries_and_unknown_parts_of_dates(
    birth: str, expiry: str, birth_iso: str, expiry_iso: str
) -> None:
    lines = _reseal(_put(_put(TD3_SPECIMEN, 1, 13, birth), 1, 21, expiry), MrzFormat.TD3)
    result = mrz.parse(lines, today=TODAY)
    assert result.fields["birth_date"].value == birth_iso
    assert result.fields["expiry_date"].value == expiry_iso
    assert result.valid
    assert result.errors == ()


def test_names_with_several_parts() -> None:
    data = dataclasses.replace(
        ANNA, surname="van der Berg", given_names="Anna Maria Louise", sex="<"
    )
    result = mrz.parse(mrz.compose_td3(data), today=TODAY)
    assert result.fields["surname"].value == "VAN DER BERG"
    assert result.fields["surname"].raw == "VAN<DER<BERG"
    assert result.fields["given_names"].value == "ANNA MARIA LOUISE"
    assert result.fields["sex"] == mrz.MrzField("sex", "<", "X", None, False)


def test_a_name_without_given_names() -> None:
    data = dataclasses.replace(ANNA_ID, given_names="")
    result = mrz.parse(mrz.compose_td2(data), today=TODAY)
    assert result.fields["surname"].value == "ERIKSSON"
    assert result.fields["given_names"].value == ""


def test_long_document_number_with_optional_data_round_trips() -> None:
    data = dataclasses.replace(ANNA_ID, document_number="8001015009087", optional_data="AB12")
    lines = mrz.compose_td1(data)
    assert lines[0][15:26] == "9087" + mrz.check_digit("8001015009087") + "<AB12<"
    assert mrz.check_digits_valid(lines, MrzFormat.TD1)
    result = mrz.parse(lines, today=TODAY)
    assert result.fields["document_number"].value == "8001015009087"
    assert result.fields["document_number"].check_digit_ok is True
    assert result.fields["optional_data"].value == "AB12"
    assert result.valid


def test_long_document_number_confusion_is_corrected() -> None:
    lines = mrz.compose_td1(dataclasses.replace(ANNA_ID, document_number="8001015009087"))
    result = mrz.parse(_put(lines, 0, 15, "9O87"), today=TODAY)
    assert result.corrections == ("document_number[10]: O→0",)
    assert result.fields["document_number"].value == "8001015009087"
    assert result.valid


def test_parse_normalises_case_and_spaces() -> None:
    lines = [" p<uto eriksson<<anna<maria<<<<<<<<<<<<<<<<<<< ", TD3_SPECIMEN[1].lower()]
    result = mrz.parse(lines, today=TODAY)
    assert result.lines == TD3_SPECIMEN
    assert result.valid


@pytest.mark.parametrize(
    "lines",
    [
        [],
        ["hello world"],
        [TD3_SPECIMEN[0]],
        [TD3_SPECIMEN[0], TD2_SPECIMEN[1]],
        [TD3_SPECIMEN[0][:-1] + "/", TD3_SPECIMEN[1]],
        ["<" + TD3_SPECIMEN[0][1:], TD3_SPECIMEN[1]],
        ["V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "L8988901C4XXX4009078F9612109<<<<<<<<"],
    ],
    ids=["empty", "text", "one-line", "mixed-widths", "bad-char", "no-code", "mrv-b"],
)
def test_parse_rejects_what_is_not_an_mrz(lines: list[str]) -> None:
    with pytest.raises(mrz.MrzError):
        mrz.parse(lines)
    assert issubclass(mrz.MrzError, ValueError)


def test_find_mrz_in_a_noisy_passport_page() -> None:
    page = [
        "REPUBLIC OF UTOPIA",
        "PASSPORT  PASSEPORT",
        "Surname / Nom",
        "ERIKSSON",
        "Date of expiry 15 APR 2012",
        "p<uto eriksson«anna<maria<<<<<< <<<<<<<<<<<",  # '«' for '<<', 3 fillers missing
        "L898902C3 6UTO7408122F1204159ZE184226B«<<<10",
        "",
        "Page 2",
    ]
    found = mrz.find_mrz(page)
    assert found == list(TD3_SPECIMEN)
    assert mrz.parse(found, today=TODAY).valid


def test_find_mrz_in_a_noisy_identity_card() -> None:
    page = [
        "IDENTITY CARD",
        "Carte d'identité",
        "I<UTOD23145890 7<<<<<<<<<<<<",  # last fillers missing
        "7408122F1204159UTO<<<<K<<<<<<6",  # K read for a filler
        "eriksson<<anna<maria<<くく<<<K<K<",
        "signature:",
    ]
    assert mrz.find_mrz(page) == list(TD1_SPECIMEN)


def test_find_mrz_puts_back_fillers_lost_inside_the_padding() -> None:
    # An Omang back read by phone: one filler lost before the composite check digit, so
    # the line is 29 long and ends with a digit, not a filler.
    short = TD1_SPECIMEN[1].replace("<<<<<<<<<<<", "<<<<<<<<<<", 1)
    assert len(short) == 29
    assert mrz.find_mrz(["IDENTITY CARD", TD1_SPECIMEN[0], short, TD1_SPECIMEN[2]]) == list(
        TD1_SPECIMEN
    )
    # ...and one read twice in a passport's personal-number padding.
    long = TD3_SPECIMEN[1].replace("B<<<<<", "B<<<<<<", 1)
    assert mrz.find_mrz(["PASSPORT", TD3_SPECIMEN[0], long]) == list(TD3_SPECIMEN)


def test_find_mrz_drops_a_speck_read_at_the_end_of_a_line() -> None:
    # Noise on a photo read as a full stop before the first line, a comma after the last.
    page = ["PASSPORT", "." + TD3_SPECIMEN[0], TD3_SPECIMEN[1] + ","]
    assert mrz.find_mrz(page) == list(TD3_SPECIMEN)


def test_find_mrz_joins_a_line_split_in_two() -> None:
    page = [
        "UTOPIA",
        "I<UTOERIKSSON<<ANNA<MARIA",
        "<<<<<<<<<<<",
        "D231458907UTO 7408122F1204159<<<<<<<6",
    ]
    assert mrz.find_mrz(page) == list(TD2_SPECIMEN)


def test_find_mrz_keeps_a_single_letter_k_given_name() -> None:
    data = dataclasses.replace(ANNA, given_names="K")
    lines = mrz.compose_td3(data)
    assert mrz.find_mrz(["PASSPORT", *lines]) == list(lines)
    assert mrz.parse(lines, today=TODAY).fields["given_names"].value == "K"


def test_find_mrz_returns_lines_that_parse_corrects() -> None:
    page = ["visa", "V<UTO ERIKSSON<<ANNA<MARIA", "L8988901C4XXX4OO9O78F96121096ZE184226B<<<<<<"]
    found = mrz.find_mrz(page)
    assert found == [MRVA_SPECIMEN[0], "L8988901C4XXX4OO9O78F96121096ZE184226B<<<<<<"]
    result = mrz.parse(found, today=TODAY)
    assert result.lines == MRVA_SPECIMEN
    assert result.valid


@pytest.mark.parametrize(
    "page",
    [
        [],
        ["REPUBLIC OF UTOPIA", "PASSPORT", "Name: ERIKSSON"],
        ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"],  # one line is not an MRZ
        [
            "PASSPORTNUMBERL898902C3SURNAMEERIKSSONGIVENA",
            "ANNAMARIANATIONALITYUTOPIANDATEOFBIRTH12AUG7",
        ],
    ],
    ids=["empty", "text", "one-line", "caps-text"],
)
def test_find_mrz_finds_nothing_without_an_mrz(page: list[str]) -> None:
    assert mrz.find_mrz(page) is None

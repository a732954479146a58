"""Field extraction and validation rules (pure logic, hand-made OCR lines)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from models.doctypes import DocumentType as D
from models.extract import normalise as n
from models.extract.cross import cross_checks, names_match
from models.extract.document import extract_document
from models.extract.kv import extract
from models.extract.lexicon import fields_of

TODAY = dt.date(2026, 11, 26)


def line(
    text: str, x: float, y: float, w: float = 200, h: float = 24, conf: float = 0.98
) -> dict[str, Any]:
    return {
        "text": text,
        "confidence": conf,
        "box": [[x, y], [x + w, y], [x + w, y + h], [x, y + h]],
    }


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("21 DEC 2000", "2000-12-21"),
        ("22/09/1950", "1950-09-22"),
        ("1 November 2024", "2024-11-01"),
        ("2024-11-02", "2024-11-02"),
        ("December 21, 2000", "2000-12-21"),
        ("31/02/2020", None),
        ("no date here", None),
    ],
)
def test_dates_normalise_to_iso(text: str, iso: str | None) -> None:
    assert n.date(text) == iso


def test_other_normalisers() -> None:
    assert n.amount("BWP 1 060.00") == "1060.00"
    assert n.amount("P 1,234.56") == "1234.56"
    assert n.amount("P32200.00") == "32200.00"
    assert n.sex("FEMALE") == "F" and n.sex("M") == "M" and n.sex("X") is None
    assert n.name("Séretse-Khama  k.") == "SERETSE-KHAMA K"
    assert n.digits("123 416 789", min_len=6) == "123416789"
    assert n.period("01/04/2024 - 30/04/2024") == "2024-04-01/2024-04-30"
    assert n.month("April 2024") == "2024-04"


def test_values_inline_right_and_below_their_labels() -> None:
    lines = [
        line("Surname: MOLEFE", 10, 10),
        line("Forenames", 10, 50, w=120),
        line("KABELO TEBOGO", 300, 50),
        line("Date of Birth", 10, 90),
        line("12/08/1974", 10, 118),
        line("Omang No. 123416789", 10, 160),
    ]
    got = extract(lines, fields_of(D.NATIONAL_ID_FRONT))
    assert got["surname"].normalized == "MOLEFE" and got["surname"].placement == "inline"
    assert got["forenames"].normalized == "KABELO TEBOGO" and got["forenames"].placement == "right"
    assert got["birth_date"].normalized == "1974-08-12" and got["birth_date"].placement == "below"
    assert got["id_number"].normalized == "123416789"
    assert got["surname"].confidence > got["birth_date"].confidence  # inline beats below


def test_a_label_is_never_taken_as_a_value() -> None:
    lines = [line("Surname", 10, 10), line("Date of Birth", 10, 38), line("12/08/1974", 10, 66)]
    assert "surname" not in extract(lines, fields_of(D.NATIONAL_ID_FRONT))


def test_fuzzy_labels_must_end_at_a_word() -> None:
    lines = [line("NATIONAL IDENTITY CARD", 10, 10, w=400)]
    assert "nationality" not in extract(lines, fields_of(D.NATIONAL_ID_FRONT))


def _checks(doc_type: D, lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c.name: c.to_dict() for c in extract_document(doc_type, lines, TODAY).checks}


def test_omang_fifth_digit_must_agree_with_sex() -> None:
    lines = [line("Omang No: 123416789", 10, 10), line("Sex: F", 10, 50)]
    assert _checks(D.NATIONAL_ID_FRONT, lines)["OMANG_NUMBER"]["reasons"] == ["OMANG_SEX_MISMATCH"]
    lines[1] = line("Sex: M", 10, 50)
    assert _checks(D.NATIONAL_ID_FRONT, lines)["OMANG_NUMBER"]["status"] == "pass"


def test_expired_is_a_result_and_dates_must_be_plausible() -> None:
    lines = [
        line("Date of Birth: 12/08/2015", 10, 10),
        line("Date of Issue: 01/01/2020", 10, 50),
        line("Date of Expiry: 01/01/2025", 10, 90),
    ]
    checks = _checks(D.NATIONAL_ID_FRONT, lines)
    assert checks["DOCUMENT_EXPIRY"]["reasons"] == ["DOCUMENT_EXPIRED"]
    assert checks["DATES_PLAUSIBLE"]["reasons"] == []  # no issue date field on an Omang front


def test_bill_recency_and_payslip_arithmetic() -> None:
    old_bill = [line("Bill Date: 01/01/2026", 10, 10)]
    assert _checks(D.ELECTRICITY_BILL, old_bill)["DOCUMENT_RECENT"]["reasons"] == [
        "BILL_OLDER_THAN_3_MONTHS"
    ]
    payslip = [
        line("Gross Pay: P 10,000.00", 10, 10, w=300),
        line("Total Deductions: P 2,500.00", 10, 50, w=300),
        line("Net Pay: P 7,400.00", 10, 90, w=300),
    ]
    check = _checks(D.PAYSLIP, payslip)["PAYSLIP_ARITHMETIC"]
    assert check["reasons"] == ["PAYSLIP_ARITHMETIC_MISMATCH"]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("KABELO TEBOGO MOLEFE", "Molefe Kabelo", True),
        ("KABELO TEBOGO MOLEFE", "K. T. Molefe", True),
        ("KABELO TEBOGO MOLEFE", "Kabelo Seretse", False),
        ("NEO MASILO", "", False),
    ],
)
def test_names_match_tolerates_order_and_initials(a: str, b: str, same: bool) -> None:
    assert names_match(a, b) is same


def test_cross_document_checks_compare_the_id_with_the_rest() -> None:
    omang = {
        "surname": {"normalized": "MOLEFE"},
        "forenames": {"normalized": "KABELO"},
        "birth_date": {"normalized": "1974-08-12"},
    }
    payslip = {"employee_name": {"normalized": "KABELO MOLEFE"}}
    bill = {"customer_name": {"normalized": "NEO SERETSE"}}
    checks = cross_checks(
        [("national_id_front", omang), ("payslip", payslip), ("water_bill", bill)]
    )
    assert [(c["name"], c["status"]) for c in checks] == [
        ("NAME_MATCH", "pass"),
        ("NAME_MATCH", "fail"),
    ]
    assert checks[1]["reasons"] == ["NAME_MISMATCH_ACROSS_DOCUMENTS"]


# A tax clearance certificate's QR code: its TIN, number and expiry (2025-03-31).
_TCC_QR = {
    "format": "QRCode",
    "text": "https://verify.burs.org.bw/c?t=C01234567&n=TCC/2024/1234&v=2025-03-31",
    "quad": [[10, 10], [60, 10], [60, 60], [10, 60]],
}


def _tcc_lines(tin: str, number: str, expiry: str) -> list[dict[str, Any]]:
    return [
        line("TAX CLEARANCE CERTIFICATE", 100, 40, w=500),
        line(f"TIN: {tin}", 100, 120, w=300),
        line(f"Certificate No: {number}", 100, 160, w=400),
        line(f"Date of Expiry: {expiry}", 100, 200, w=400),
    ]


def test_a_barcode_confirms_fills_and_contradicts_the_visual_zone() -> None:
    qr = _TCC_QR
    today = dt.date(2024, 11, 1)
    same = extract_document(
        D.TAX_CLEARANCE_CERTIFICATE,
        _tcc_lines("C01234567", "TCC/2024/1234", "31/03/2025"),
        today,
        barcodes=[qr],
    )
    assert same.fields["tin"].source == "VIZ+BARCODE"
    assert same.barcodes[0]["kind"] == "burs_tax_clearance"
    (agree,) = [c for c in same.checks if c.name == "BARCODE_VIZ_AGREEMENT"]
    assert agree.status == "pass"
    # The printed expiry pushed a year: the barcode keeps the issuer's date.
    edited = extract_document(
        D.TAX_CLEARANCE_CERTIFICATE,
        _tcc_lines("C01234567", "TCC/2024/1234", "31/03/2026"),
        today,
        barcodes=[qr],
    )
    (check,) = [c for c in edited.checks if c.name == "BARCODE_VIZ_AGREEMENT"]
    assert check.status == "fail" and check.reasons == ["EXPIRY_DATE_MISMATCH_BARCODE_VIZ"]
    assert edited.fields["expiry_date"].normalized == "2025-03-31"
    assert edited.fields["expiry_date"].source == "BARCODE"
    # Nothing printed but the barcode: it fills the fields.
    bare = extract_document(D.TAX_CLEARANCE_CERTIFICATE, [], today, barcodes=[qr])
    assert bare.fields["certificate_number"].source == "BARCODE"


def _passport(surname: str, forenames: str, name_line: str) -> list[dict[str, Any]]:
    return [
        line(f"Surname: {surname}", 10, 10),
        line(f"Forenames: {forenames}", 10, 50),
        line(name_line, 10, 400, 600),
        line("M9656240<0BWA0611198M3309302<<<<<<<<<<<<<<<0", 10, 440, 600),
    ]


def test_fillers_read_as_k_in_the_mrz_names_are_read_back_from_the_printed_names() -> None:
    # A phone photo: "<<" read as "<K", the padding as "KK" (the name has no check digit).
    read = "P<BWATSHEKEDI<KORATILE<<KK<<<<<<<<<<<<<<<<<<"
    result = extract_document(D.PASSPORT, _passport("TSHEKEDI", "ORATILE", read), TODAY)
    checks = {c.name: c.to_dict() for c in result.checks}
    assert checks["MRZ_VIZ_AGREEMENT"]["status"] == "pass"
    assert result.fields["surname"].normalized == "TSHEKEDI"
    assert result.fields["given_names"].normalized == "ORATILE"
    assert result.fields["given_names"].source == "VIZ+MRZ"
    assert result.mrz is not None and "name: fillers read again" in result.mrz["corrections"]
    # An identity card whose "<<" came back as "K<": no separator left at all.
    mrz = ("IDNAM27819775530605023983124<<", "0605025F3401273NAM<<<<<<<<<<<9")
    card = _card("AMUPADHI", "SELMA NDINELAO", (*mrz, "AMUPADHIK<SELMA<NDINELAO<KKKK<"))
    result = extract_document(D.FOREIGN_ID_CARD, card, TODAY)
    assert {c.name: c.status for c in result.checks}["MRZ_VIZ_AGREEMENT"] == "pass"
    assert result.fields["given_names"].normalized == "SELMA NDINELAO"
    # ...and one whose "<<" came back as a single "<" (line 3 one filler short).
    mrz = ("IDZWE35121099377807155771598<<", "7807150F2811040ZWE<<<<<<<<<<<8")
    card = _card("DUBE", "RUTENDO", (*mrz, "DUBE<RUTENDO<<<<<<<<<<<<<<<<<"))
    result = extract_document(D.FOREIGN_ID_CARD, card, TODAY)
    assert {c.name: c.status for c in result.checks}["MRZ_VIZ_AGREEMENT"] == "pass"
    assert result.fields["surname"].normalized == "DUBE"
    # ...and one whose filler between two given names came back as a K.
    mrz = ("IDNAM62133391645707067150066<<", "5707061F3202274NAM<<<<<<<<<<<0")
    card = _card("NGHIDINWA", "HELVI NDINELAO", (*mrz, "NGHIDINWA<<HELVIKNDINELAO<<K<<"))
    result = extract_document(D.FOREIGN_ID_CARD, card, TODAY)
    assert {c.name: c.status for c in result.checks}["MRZ_VIZ_AGREEMENT"] == "pass"
    assert result.fields["given_names"].normalized == "HELVI NDINELAO"


def _card(surname: str, forenames: str, mrz: tuple[str, ...]) -> list[dict[str, Any]]:
    """A TD1 card's printed names and its three MRZ lines."""
    printed = [line(f"Surname: {surname}", 10, 10), line(f"Forenames: {forenames}", 10, 50)]
    return printed + [line(text, 10, 400 + 40 * i, 400) for i, text in enumerate(mrz)]


def test_a_name_that_differs_in_another_letter_still_disagrees() -> None:
    # Only a K where a filler can stand is read back; a B is a different name.
    read = "P<BWATSHEKEDI<<BORATILE<<<<<<<<<<<<<<<<<<<<<"
    checks = _checks(D.PASSPORT, _passport("TSHEKEDI", "ORATILE", read))
    assert checks["MRZ_VIZ_AGREEMENT"]["reasons"] == ["GIVEN_NAMES_MISMATCH_MRZ_VIZ"]
    # A K that begins a printed name is left alone: the names already agree.
    read = "P<BWATSHEKEDI<<KORATILE<<<<<<<<<<<<<<<<<<<<<"
    checks = _checks(D.PASSPORT, _passport("TSHEKEDI", "KORATILE", read))
    assert checks["MRZ_VIZ_AGREEMENT"]["status"] == "pass"
    # A K between letters is a filler only where the printed name has a space there.
    read = "P<BWATSHEKEDI<<ORATILEKNEO<<<<<<<<<<<<<<<<<<"
    checks = _checks(D.PASSPORT, _passport("TSHEKEDI", "ORATILE NEOK", read))
    assert checks["MRZ_VIZ_AGREEMENT"]["reasons"] == ["GIVEN_NAMES_MISMATCH_MRZ_VIZ"]


def test_an_unreadable_date_the_mrz_carries_must_still_be_printed() -> None:
    # Digits copied over a printed date leave a value the visual zone cannot parse, so it
    # cannot disagree with the MRZ, which used to fill it in silently (session 18).
    mrz = _passport("TSHEKEDI", "ORATILE", "P<BWATSHEKEDI<<ORATILE<<<<<<<<<<<<<<<<<<<<<<")

    def agreement(printed_birth: str) -> dict[str, Any]:
        lines = [*mrz, line(f"Date of birth: {printed_birth}", 10, 90)]
        return _checks(D.PASSPORT, lines)["MRZ_VIZ_AGREEMENT"]

    assert agreement("19 NOV 2006")["status"] == "pass"
    edited = agreement("8475V 2006")  # "19 NO" overwritten by copied digits
    assert edited["status"] == "fail"
    assert edited["reasons"] == ["BIRTH_DATE_NOT_SHOWN_MRZ_VIZ"]
    # An OCR confusion that breaks the date's parsing still shows the date: no alarm.
    assert agreement("19 N0V 2006")["status"] == "pass"
    assert agreement("I9 NOV 20O6")["status"] == "pass"
    # No birth-date label on the page (cut off, or not read): nothing to hold it to.
    assert _checks(D.PASSPORT, mrz)["MRZ_VIZ_AGREEMENT"]["status"] == "pass"


def test_an_unreadable_date_a_barcode_carries_must_still_be_printed() -> None:
    qr = _TCC_QR
    today = dt.date(2024, 11, 1)

    def agreement(expiry: str) -> dict[str, Any]:
        lines = _tcc_lines("C01234567", "TCC/2024/1234", expiry)
        checks = extract_document(D.TAX_CLEARANCE_CERTIFICATE, lines, today, barcodes=[qr]).checks
        return next(c.to_dict() for c in checks if c.name == "BARCODE_VIZ_AGREEMENT")

    assert agreement("31/03/2025")["status"] == "pass"
    assert agreement("31/03/2O25")["status"] == "pass"  # misread, still shown
    edited = agreement("37/93/2025")
    assert edited["status"] == "fail"
    assert edited["reasons"] == ["EXPIRY_DATE_NOT_SHOWN_BARCODE_VIZ"]

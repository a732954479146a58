"""Label → value reading for the entity documents, and two OCR line-layout cases."""

from __future__ import annotations

from typing import Any

from models.doctypes import DocumentType as D
from models.extract.kv import Line, extract, split_at_labels
from models.extract.lexicon import fields_of


def line(text: str, x: float, y: float, w: float | None = None) -> dict[str, Any]:
    x1 = x + (w if w is not None else 9.0 * len(text))
    return {"text": text, "confidence": 0.98, "box": [[x, y], [x1, y], [x1, y + 24], [x, y + 24]]}


def test_trading_licence_labels() -> None:
    lines = [
        line("Licence No.:", 100, 330),
        line("TL/2023/03706", 460, 330),
        line("Type of Trade:", 100, 370),
        line("Hardware Store", 460, 370),
        line("Premises:", 100, 405),
        line("Plot 73714, White City, Mogoditshane", 460, 405),
        line("Valid From:", 100, 445),
        line("08/10/2023", 460, 445),
        line("Valid To:", 100, 480),
        line("08/10/2024", 460, 480),
    ]
    got = {k: v.normalized for k, v in extract(lines, fields_of(D.TRADING_LICENCE)).items()}
    assert got == {
        "licence_number": "TL202303706",
        "trade_type": "HARDWARE STORE",
        "premises": "PLOT 73714, WHITE CITY, MOGODITSHANE",
        "valid_from": "2023-10-08",
        "valid_to": "2024-10-08",
    }


def test_two_fields_on_one_ocr_line_are_split_at_the_second_label() -> None:
    merged = Line("P.O. Box 7651, Lobatse Account Number: 39499176762", 0.9, 100, 10, 550, 34)
    pieces = split_at_labels(merged)
    assert [p.text for p in pieces] == ["P.O. Box 7651, Lobatse", "Account Number: 39499176762"]
    assert pieces[0].x1 == pieces[1].x0 and pieces[1].x1 == 550
    lines = [line("Address:", 10, 10, 80), line(merged.text, 120, 10, 450)]
    got = extract(lines, fields_of(D.BANK_STATEMENT))
    assert got["address"].normalized == "P O BOX 7651, LOBATSE"
    assert got["account_number"].normalized == "39499176762"


def test_a_longer_label_belongs_to_another_field() -> None:
    lines = [
        line("Company Name:", 100, 200, 190),
        line("CHOBE CONSTRUCTION (PTY) LTD", 360, 200),
        line("Company Type:", 100, 240, 190),  # not "Company" + a value
        line("Private Company", 360, 240),
        line("Name", 100, 400, 60),  # a table's column header
        line("Shares", 900, 400, 60),
    ]
    got = extract(lines, fields_of(D.COMPANY_EXTRACT))
    assert got["company_name"].normalized == "CHOBE CONSTRUCTION (PTY) LTD"


def test_a_negative_balance_keeps_its_sign() -> None:
    lines = [line("Closing Balance: -P 2,075.96", 10, 10)]
    got = extract(lines, fields_of(D.BANK_STATEMENT))
    assert got["closing_balance"].normalized == "-2075.96"

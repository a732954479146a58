"""Tables: company extract directors and shareholders, bank statement rows and arithmetic."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from models.doctypes import DocumentType as D
from models.extract.tables import Transaction, statement_arithmetic, statement_check
from models.extract.viz import extract_visual_zone

FIXTURES = Path(__file__).parents[2] / "fixtures" / "ocr"


def cell(text: str, x0: float, y0: float, w: float | None = None) -> dict[str, Any]:
    x1 = x0 + (w if w is not None else 9.0 * len(text))
    return {
        "text": text,
        "confidence": 0.97,
        "box": [[x0, y0], [x1, y0], [x1, y0 + 24], [x0, y0 + 24]],
    }


def values(doc_type: D, lines: list[dict[str, Any]]) -> dict[str, str]:
    return {k: v.normalized for k, v in extract_visual_zone(doc_type, lines).items()}


def fixture(name: str) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = json.loads((FIXTURES / f"{name}.json").read_text())["lines"]
    return lines


def test_company_extract_tables_from_real_ocr() -> None:
    got = values(D.COMPANY_EXTRACT, fixture("company_extract-0-scan-3100000"))
    people = {k: v for k, v in got.items() if k.startswith(("director_", "shareholder_"))}
    assert people == {
        "director_1_name": "BOIPELO MARY SEGOKGO",
        "director_1_nationality": "MOTSWANA",
        "director_1_appointed": "2015-05-07",
        "director_2_name": "PETER MOTSUMI",
        "director_2_nationality": "MOTSWANA",
        "director_2_appointed": "2020-11-10",
        "director_3_name": "MMASERAME NALEDI KEBONANG",
        "director_3_nationality": "MOTSWANA",
        "director_3_appointed": "2020-08-30",
        "shareholder_1_name": "BOIPELO MARY SEGOKGO",
        "shareholder_1_shares": "97",
        "shareholder_2_name": "PETER MOTSUMI",
        "shareholder_2_shares": "27",
        "shareholder_3_name": "MMASERAME NALEDI KEBONANG",
        "shareholder_3_shares": "2",
    }
    # The labelled fields are still read (a "Name" column header is not the company name).
    assert got["company_name"] == "PULA LOGISTICS (PTY) LTD"
    assert got["postal_address"] == "P O BOX 1938, FRANCISTOWN"


def test_company_tables_in_either_order_with_rows_read_as_one_line() -> None:
    lines = [
        cell("SHAREHOLDERS", 100, 100),
        cell("SHAREHOLDER NO. OF SHARES", 100, 140),
        cell("Kabelo Phenyo Motlhabane 60", 100, 180),
        cell("Moses Mothibi 1,065", 100, 220),
        cell("DIRECTORS", 100, 280),
        cell("FULL NAME Nationality DATE OF APPOINTMENT", 100, 320),
        cell("Kabelo Phenyo Motlhabane MOTSWANA 28/08/2014", 100, 360),
        cell("Moses Mothibi SOUTH AFRICAN 18/05/2016", 100, 400),
        cell("ISSUED BY CIPA. VERIFY AT WWW.CIPA.CO.BW", 100, 460),
    ]
    got = values(D.COMPANY_EXTRACT, lines)
    assert got["shareholder_2_name"] == "MOSES MOTHIBI" and got["shareholder_2_shares"] == "1065"
    assert got["director_2_nationality"] == "SOUTH AFRICAN"
    assert got["director_1_appointed"] == "2014-08-28"
    assert "director_3_name" not in got and "shareholder_3_name" not in got


def test_bank_statement_rows_from_real_ocr_and_their_arithmetic() -> None:
    lines = fixture("bank_statement-0-scan-3100000")
    fields = extract_visual_zone(D.BANK_STATEMENT, lines)
    got = {k: v.normalized for k, v in fields.items()}
    # Row 1: credit and balance came back as one OCR line; row 2: every cell alone.
    assert {k: got.get(k) for k in ("txn_1_date", "txn_1_credit", "txn_1_balance")} == {
        "txn_1_date": "2023-12-01",
        "txn_1_credit": "1495.44",
        "txn_1_balance": "18864.00",
    }
    assert "txn_1_debit" not in got
    assert (got["txn_2_description"], got["txn_2_debit"]) == ("INSURANCE DEBIT ORDER", "51.93")
    assert got["txn_11_balance"] == "36114.41" and "txn_12_date" not in got
    assert statement_check(fields) == ("pass", [])


def test_a_signed_amount_column() -> None:
    header_y, x = 300.0, (100.0, 260.0, 700.0, 950.0)
    lines = [
        cell("BALANCE BROUGHT FORWARD: BWP 17 809.69", 100, 250),
        cell("DATE", x[0], header_y),
        cell("TRANSACTION DETAILS", x[1], header_y),
        cell("AMOUNT", x[2], header_y),
        cell("BALANCE", x[3], header_y),
        cell("01 JUN 2024", x[0], 340),
        cell("CASH DEPOSIT", x[1], 340),
        cell("BWP 7 052.61", x[2], 340),
        cell("BWP 24 862.30", x[3], 340),
        cell("01 JUN 2024", x[0], 380),
        cell("POS PURCHASE WOOLWORTHS", x[1], 380),
        cell("-BWP 804.75", x[2], 380),
        cell("BWP 24 057.55", x[3], 380),
        cell("CLOSING BALANCE: BWP 24 057.55", 100, 430),
    ]
    fields = extract_visual_zone(D.BANK_STATEMENT, lines)
    got = {k: v.normalized for k, v in fields.items()}
    assert (got["txn_1_amount"], got["txn_2_amount"]) == ("7052.61", "-804.75")
    assert got["txn_2_description"] == "POS PURCHASE WOOLWORTHS"
    assert statement_check(fields) == ("pass", [])


def test_debit_and_credit_columns_by_position() -> None:
    cols = {"Date": 100.0, "Description": 260.0, "Debit": 700.0, "Credit": 850.0, "Balance": 1000.0}
    lines = [cell(name, x, 300) for name, x in cols.items()]
    lines += [
        cell("05/05/2024", 100, 340),
        cell("SALARY CHOPPIES", 260, 340),
        cell("P 5,573.80", 850, 340),  # credit column
        cell("P 17,544.00", 1000, 340),
        cell("05/05/2024", 100, 380),
        cell("BPC PREPAID", 260, 380),
        cell("P 532.12", 700, 380),  # debit column
        cell("P 17,011.88", 1000, 380),
    ]
    got = values(D.BANK_STATEMENT, lines)
    assert got["txn_1_credit"] == "5573.80" and "txn_1_debit" not in got
    assert got["txn_2_debit"] == "532.12" and "txn_2_credit" not in got


def row(
    debit: str | None = None, credit: str | None = None, balance: str | None = None
) -> Transaction:
    return Transaction(
        debit=Decimal(debit) if debit else None,
        credit=Decimal(credit) if credit else None,
        balance=Decimal(balance) if balance else None,
    )


@pytest.mark.parametrize(
    ("opening", "rows", "closing", "want"),
    [
        (
            "100.00",
            [row(credit="50.00", balance="150.00"), row(debit="20.01", balance="129.99")],
            "129.99",
            ("pass", []),
        ),
        # A running balance off by a cent.
        (
            "100.00",
            [row(credit="50.00", balance="150.01"), row(debit="20.01", balance="129.99")],
            "129.99",
            ("fail", ["RUNNING_BALANCE_MISMATCH"]),
        ),
        # Every row consistent, but the closing balance is not the last one.
        (
            "100.00",
            [row(credit="50.00", balance="150.00")],
            "160.00",
            ("fail", ["STATEMENT_TOTALS_MISMATCH"]),
        ),
        # An edited amount: the running balance and the totals both break.
        (
            "100.00",
            [row(credit="60.00", balance="150.00")],
            "150.00",
            ("fail", ["RUNNING_BALANCE_MISMATCH", "STATEMENT_TOTALS_MISMATCH"]),
        ),
        ("100.00", [], "100.00", ("not_applicable", [])),
        (None, [row(credit="5.00")], None, ("not_applicable", [])),
    ],
)
def test_statement_arithmetic(
    opening: str | None, rows: list[Transaction], closing: str | None, want: tuple[str, list[str]]
) -> None:
    assert statement_arithmetic(opening, rows, closing) == want


def test_signed_amounts_in_the_arithmetic() -> None:
    rows = [Transaction(amount=Decimal("-804.75"), balance=Decimal("24057.55"))]
    assert statement_arithmetic(Decimal("24862.30"), rows, Decimal("24057.55")) == ("pass", [])


def test_a_statement_without_a_recognised_header_uses_the_balance_change() -> None:
    lines = [
        cell("Opening Balance: P 100.00", 100, 250),
        cell("05/05/2024 SALARY CHOPPIES P 50.00 P 150.00", 100, 340),
        cell("06/05/2024 ATM WITHDRAWAL P 20.01 P 129.99", 100, 380),
        cell("Closing Balance: P 129.99", 100, 430),
    ]
    fields = extract_visual_zone(D.BANK_STATEMENT, lines)
    got = {k: v.normalized for k, v in fields.items()}
    assert (got["txn_1_credit"], got["txn_2_debit"]) == ("50.00", "20.01")
    assert fields["txn_1_credit"].confidence < fields["txn_1_balance"].confidence
    assert statement_check(fields) == ("pass", [])


def test_an_edited_amount_is_still_caught_without_a_header() -> None:
    lines = [
        cell("Opening Balance: P 100.00", 100, 250),
        cell("05/05/2024 SALARY CHOPPIES P 70.00 P 150.00", 100, 340),  # was P 50.00
        cell("Closing Balance: P 150.00", 100, 430),
    ]
    fields = extract_visual_zone(D.BANK_STATEMENT, lines)
    status, reasons = statement_check(fields)
    assert status == "fail" and "RUNNING_BALANCE_MISMATCH" in reasons

"""Barcode payloads (models.extract.barcode): recognised forms, lexicon names, hostile input."""

from __future__ import annotations

import pytest

from models.doctypes import DocumentType as D
from models.extract import normalise
from models.extract.barcode import MAX_TEXT, BarcodePayload, parse_barcode
from models.extract.lexicon import fields_of
from tools.docgen import generate

BURS = "https://verify.burs.org.bw/c?t=C265293983&n=TCC384354584&v=2023-11-25"
VAT = "https://verify.burs.org.bw/vat?t=C265293983&n=P12345678901&e=2022-03-01"
CIPA = "https://www.cipa.co.bw/verify?reg=BW00001234567"
LICENCE = "\n".join(
    [
        "@",
        "ANSI ",
        "DCSMOSWEU",
        "DACGOITSEONE KEFILWE",
        "DBB19560421",
        "DAQ3830817963",
        "DBA20280102",
        "DBC1",
    ]
)


def test_burs_tax_clearance_url() -> None:
    assert parse_barcode("QRCode", BURS) == BarcodePayload(
        "burs_tax_clearance",
        {"tin": "C265293983", "certificate_number": "TCC384354584", "expiry_date": "2023-11-25"},
    )


def test_burs_vat_registration_url() -> None:
    assert parse_barcode("QRCode", VAT) == BarcodePayload(
        "burs_vat_registration",
        {"tin": "C265293983", "vat_number": "P12345678901", "effective_date": "2022-03-01"},
    )


def test_cipa_url_on_either_host_and_in_any_matrix_code() -> None:
    want = BarcodePayload("cipa_company", {"registration_number": "BW00001234567"})
    assert parse_barcode("QRCode", CIPA) == want
    assert parse_barcode("DataMatrix", CIPA.replace("www.", "")) == want
    assert parse_barcode("Aztec", CIPA.replace("https", "HTTPS")) == want


def test_licence_pdf417() -> None:
    assert parse_barcode("PDF417", LICENCE) == BarcodePayload(
        "driving_licence",
        {
            "surname": "MOSWEU",
            "forenames": "GOITSEONE KEFILWE",
            "birth_date": "1956-04-21",
            "licence_number": "3830817963",
            "expiry_date": "2028-01-02",
            "sex": "M",
        },
    )


def test_licence_pdf417_with_a_real_aamva_header_and_us_dates() -> None:
    text = "@\n\x1e\rANSI 636000090002DL00410278ZV03190008DLDAQ D1234567\nDCSSMITH\nDCTJANE\n"
    text += "DBB01311990\nDBA13011990\nDBC2\r"
    got = parse_barcode("PDF417", text)
    assert got.kind == "driving_licence"
    assert got.fields == {
        "licence_number": "D1234567",
        "surname": "SMITH",
        "forenames": "JANE",
        "birth_date": "1990-01-31",  # MMDDCCYY
        "sex": "F",
    }  # 13011990 is a date in neither order: dropped, the rest kept


def test_payment_account_code128() -> None:
    assert parse_barcode("Code128", "7699143061") == BarcodePayload(
        "payment_account", {"account_number": "7699143061"}
    )


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        ("QRCode", "hello"),
        ("QRCode", "https://example.com/c?t=C1&n=T1&v=2023-01-01"),
        ("QRCode", "https://verify.burs.org.bw.evil.example/c?t=C1&n=T1&v=2023-01-01"),
        ("QRCode", "https://evil.example/?u=https://verify.burs.org.bw/c"),
        ("QRCode", "http://verify.burs.org.bw/c?t=C265293983&n=TCC1&v=2023-11-25"),
        ("QRCode", "https://verify.burs.org.bw:8443/c?t=C265293983&n=TCC1&v=2023-11-25"),
        ("QRCode", "https://user@verify.burs.org.bw/c?t=C265293983&n=TCC1&v=2023-11-25"),
        ("QRCode", BURS.replace("2023-11-25", "2023-02-30")),
        ("QRCode", BURS + "&v=2024-01-01"),
        ("QRCode", BURS + "&x=1"),
        ("QRCode", BURS.replace("&v=2023-11-25", "")),
        ("QRCode", BURS.replace("C265293983", "C26<script>")),
        ("QRCode", CIPA.replace("BW00001234567", "BW1")),
        ("QRCode", "https://[::1/verify"),
        ("QRCode", "https://verify.burs.org.bw:99999999/c?t=1&n=2&v=2023-01-01"),
        ("PDF417", "DCSMOSWEU\nDBB19560421"),  # no licence number
        ("PDF417", "just some text"),
        ("Code128", "12 34"),
        ("Code128", "ABC"),
        ("Code128", BURS),
        ("EAN13", "7699143061"),
        ("PDF417", BURS),
        ("Code128", ""),
        ("", ""),
    ],
)
def test_anything_else_is_unknown_with_no_fields(fmt: str, text: str) -> None:
    assert parse_barcode(fmt, text) == BarcodePayload("unknown", {})


def test_payload_length_is_bounded() -> None:
    assert parse_barcode("QRCode", BURS + "&" + "x" * MAX_TEXT).kind == "unknown"
    assert parse_barcode("PDF417", LICENCE + "\n" + "DZZ" + "A" * 100_000).kind == "unknown"
    assert parse_barcode("PDF417", LICENCE + "\nDZZ" + "A" * 200).kind == "driving_licence"
    # Many short fields are no better than one long one.
    assert parse_barcode("QRCode", BURS + "&a=1" * 200).kind == "unknown"


def test_an_overlong_or_odd_value_is_dropped() -> None:
    text = LICENCE.replace("DACGOITSEONE KEFILWE", "DAC" + "A" * 80).replace("DBC1", "DBC9")
    fields = parse_barcode("PDF417", text).fields
    assert "forenames" not in fields and "sex" not in fields and fields["surname"] == "MOSWEU"


@pytest.mark.parametrize(
    "doc_type",
    [
        D.TAX_CLEARANCE_CERTIFICATE,
        D.VAT_REGISTRATION_CERTIFICATE,
        D.CERTIFICATE_OF_INCORPORATION,
        D.ELECTRICITY_BILL,
        D.COUNCIL_RATES_BILL,
        D.DRIVERS_LICENCE,
    ],
)
@pytest.mark.parametrize("template", [0, 1, 2])
def test_generated_barcodes_parse_to_the_documents_own_fields_under_lexicon_names(
    doc_type: D, template: int
) -> None:
    sample = generate(21, doc_type, template, "scan")
    (code,) = sample.barcodes
    payload = parse_barcode(code.format, code.text)
    assert payload.kind != "unknown"
    names = {spec.name for spec in fields_of(doc_type)} | {"sex"}
    assert set(payload.fields) <= names
    printed = {f.name: f.value for f in sample.fields}
    for name, value in payload.fields.items():
        if name == "sex":
            assert value in ("M", "F")
        elif name.endswith("_date"):
            assert normalise.date(printed[name]) == value
        else:
            assert printed[name] == value

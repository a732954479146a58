"""Barcodes on generated documents: present where the real documents carry them, payloads
built from the document's own fields, decodable, and drawn without disturbing anything else."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
import zxingcpp

from models.doctypes import DocumentType as D
from models.extract import normalise
from tools.docgen import Sample, document_text, generate, templates_of
from tools.docgen.render import QUIET_MODULES
from tools.docgen.specs import C128_MODULE, PDF417_MODULE, QR_MODULE

SEED = 11
FORMATS = {
    D.TAX_CLEARANCE_CERTIFICATE: "QRCode",
    D.VAT_REGISTRATION_CERTIFICATE: "QRCode",
    D.CERTIFICATE_OF_INCORPORATION: "QRCode",
    D.ELECTRICITY_BILL: "Code128",
    D.WATER_BILL: "Code128",
    D.TELECOM_BILL: "Code128",
    D.COUNCIL_RATES_BILL: "Code128",
    D.DRIVERS_LICENCE: "PDF417",
}
MODULES = {"QRCode": QR_MODULE, "Code128": C128_MODULE, "PDF417": PDF417_MODULE}
WITH = [(t, k) for t in FORMATS for k in range(templates_of(t))]
# Types without a barcode, one per page engine and family (cards, data pages, pages,
# letters, screenshots, receipts, blank pages, photos).
WITHOUT = [
    (D.NATIONAL_ID_FRONT, 0),
    (D.PASSPORT, 1),
    (D.BANK_STATEMENT, 2),
    (D.PAYSLIP, 0),
    (D.LANDLORD_LETTER, 1),
    (D.BUSINESS_REGISTRATION_CERTIFICATE, 0),
    (D.UNKNOWN, 0),
    (D.UNKNOWN, 1),
    (D.UNKNOWN, 3),
    (D.UNKNOWN, 4),
]


@cache
def scan(doc_type: D, template: int, barcodes: bool = True) -> Sample:
    return generate(SEED, doc_type, template, "scan", barcodes=barcodes)


def iso(printed: str) -> str:
    value = normalise.date(printed)
    assert value is not None, printed
    return value


@pytest.mark.parametrize(("doc_type", "template"), WITH)
def test_barcode_is_printed_with_a_payload_from_the_documents_fields(
    doc_type: D, template: int
) -> None:
    s = scan(doc_type, template)
    assert len(s.barcodes) == 1
    code = s.barcodes[0]
    assert code.format == FORMATS[doc_type] and code.visible
    v = {f.name: f.value for f in s.fields}
    if doc_type is D.TAX_CLEARANCE_CERTIFICATE:
        assert code.text == (
            f"https://verify.burs.org.bw/c?t={v['tin']}&n={v['certificate_number']}"
            f"&v={iso(v['expiry_date'])}"
        )
    elif doc_type is D.VAT_REGISTRATION_CERTIFICATE:
        assert code.text == (
            f"https://verify.burs.org.bw/vat?t={v['tin']}&n={v['vat_number']}"
            f"&e={iso(v['effective_date'])}"
        )
    elif doc_type is D.CERTIFICATE_OF_INCORPORATION:
        assert code.text == f"https://www.cipa.co.bw/verify?reg={v['registration_number']}"
    elif doc_type is D.DRIVERS_LICENCE:
        lines = code.text.split("\n")
        assert lines[:2] == ["@", "ANSI "]
        assert f"DCS{v['surname']}" in lines and f"DAC{v['forenames']}" in lines
        assert f"DAQ{v['licence_number']}" in lines
        assert "DBB" + iso(v["birth_date"]).replace("-", "") in lines
        assert "DBA" + iso(v["expiry_date"]).replace("-", "") in lines
        assert any(line in ("DBC1", "DBC2") for line in lines)
    else:
        assert code.text == v["account_number"].replace(" ", "")


@pytest.mark.parametrize(("doc_type", "template"), WITH)
def test_barcode_decodes_from_the_clean_image_where_its_box_says(
    doc_type: D, template: int
) -> None:
    s = scan(doc_type, template)
    code = s.barcodes[0]
    found = zxingcpp.read_barcodes(s.image, text_mode=zxingcpp.TextMode.Plain)
    assert [(r.format.name, r.text) for r in found] == [(code.format, code.text)]
    pos = found[0].position
    xs = [p.x for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)]
    ys = [p.y for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)]
    x0, y0, x1, y1 = code.box
    tol = 2 * MODULES[code.format] + 2
    assert abs(min(xs) - x0) <= tol and abs(max(xs) - (x1 - 1)) <= tol
    if code.format != "Code128":  # a linear code's "position" is the scan line, not the bars
        assert abs(min(ys) - y0) <= tol and abs(max(ys) - (y1 - 1)) <= tol
    else:
        assert y0 <= min(ys) <= max(ys) <= y1


@pytest.mark.parametrize(("doc_type", "template"), WITH)
def test_barcode_changes_only_its_own_patch(doc_type: D, template: int) -> None:
    with_code, without = scan(doc_type, template), scan(doc_type, template, barcodes=False)
    assert without.barcodes == ()
    assert with_code.fields == without.fields and with_code.text_lines == without.text_lines
    assert with_code.portrait_box == without.portrait_box
    code = with_code.barcodes[0]
    q = QUIET_MODULES[code.format] * MODULES[code.format]
    x0, y0, x1, y1 = code.box
    changed = np.any(with_code.image != without.image, axis=2)
    assert changed[y0:y1, x0:x1].any()
    changed[max(0, y0 - q) : y1 + q, max(0, x0 - q) : x1 + q] = False
    assert not changed.any()


@pytest.mark.parametrize(
    ("doc_type", "template", "condition"),
    [(t, k, "scan") for t, k in WITHOUT] + [(t, k, "phone") for t, k in WITHOUT[:3]],
)
def test_documents_without_a_barcode_are_untouched(
    doc_type: D, template: int, condition: str
) -> None:
    s = generate(SEED, doc_type, template, condition)
    assert s.barcodes == ()
    plain = generate(SEED, doc_type, template, condition, barcodes=False)
    assert np.array_equal(s.image, plain.image)
    assert s.truth()["barcodes"] == []


@pytest.mark.parametrize(("doc_type", "template"), WITH[::3])
def test_barcodes_add_no_text_line(doc_type: D, template: int) -> None:
    s = scan(doc_type, template)
    assert list(s.text_lines) == document_text(SEED, doc_type, template)


def test_barcode_follows_the_capture_geometry() -> None:
    flat = generate(SEED, D.WATER_BILL, 0, "scan")
    turned = generate(SEED, D.WATER_BILL, 0, "rotated_90")
    photo = generate(SEED, D.WATER_BILL, 0, "phone")
    for s in (turned, photo):
        (code,) = s.barcodes
        assert code.text == flat.barcodes[0].text and code.visible
        found = zxingcpp.read_barcodes(
            s.image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.Code128)
        )
        assert [r.text for r in found] == [code.text]
        x0, y0, x1, y1 = code.box
        centre = found[0].position
        cx = (centre.top_left.x + centre.bottom_right.x) / 2
        cy = (centre.top_left.y + centre.bottom_right.y) / 2
        assert x0 <= cx <= x1 and y0 <= cy <= y1
    truth = photo.truth()["barcodes"]
    assert isinstance(truth, list) and truth[0]["format"] == "Code128"
    assert len(truth[0]["quad"]) == 4

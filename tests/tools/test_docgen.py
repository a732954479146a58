"""The synthetic document generator: deterministic, complete, consistent, correctly labelled."""

from __future__ import annotations

import json
import re
import time
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytest

from models import mrz
from models.doctypes import DocumentType
from tools import docgen
from tools.docgen import CONDITIONS, Sample, document_text, generate, templates_of
from tools.docgen.__main__ import main

ALL = [(t, k) for t in DocumentType for k in range(templates_of(t))]
MRZ_TYPES = {
    DocumentType.PASSPORT: "passport_number",
    DocumentType.FOREIGN_PASSPORT: "passport_number",
    DocumentType.NATIONAL_ID_BACK: None,
    DocumentType.RESIDENCE_PERMIT: "permit_number",
    DocumentType.FOREIGN_ID_CARD: "card_number",
    DocumentType.VISA: "visa_number",
}
PORTRAIT_TYPES = {
    DocumentType.NATIONAL_ID_FRONT,
    DocumentType.PASSPORT,
    DocumentType.DRIVERS_LICENCE,
    DocumentType.RESIDENCE_PERMIT,
    DocumentType.FOREIGN_PASSPORT,
    DocumentType.FOREIGN_ID_CARD,
    DocumentType.VISA,
}


@cache
def scan(doc_type: DocumentType, template: int, seed: int = 11) -> Sample:
    return generate(seed, doc_type, template, "scan")


def cents(text: str) -> int:
    """Pula amount as printed (``P 1,234.50``, ``-BWP 1 234.50``, ``P1234.50``) in thebe."""
    assert re.fullmatch(r"-?(P|BWP) ?[0-9][0-9, ]*\.[0-9]{2}", text), text
    value = int(re.sub(r"[^0-9]", "", text))
    return -value if text.startswith("-") else value


def grey(img: np.ndarray) -> np.ndarray:
    return np.asarray(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY))


def test_public_constants() -> None:
    assert docgen.TEMPLATES_PER_TYPE == 3
    assert docgen.HELD_OUT_TEMPLATE == 2
    assert docgen.UNKNOWN_TEMPLATES == 5
    assert CONDITIONS == (
        "scan",
        "phone",
        "rotated_90",
        "rotated_180",
        "blur",
        "noise",
        "jpeg",
        "glare",
        "shadow",
        "low_light",
        "partial_crop",
    )


def test_same_arguments_give_identical_bytes_and_truth() -> None:
    a = generate(7, DocumentType.PASSPORT, 1, "phone")
    b = generate(7, DocumentType.PASSPORT, 1, "phone")
    assert a.image.tobytes() == b.image.tobytes()
    assert a.truth() == b.truth()
    c = generate(8, DocumentType.PASSPORT, 1, "phone")
    assert c.truth()["fields"] != a.truth()["fields"]


@pytest.mark.parametrize(("doc_type", "template"), ALL, ids=[f"{t.value}-{k}" for t, k in ALL])
def test_every_type_and_template_renders_with_boxes_on_ink(
    doc_type: DocumentType, template: int
) -> None:
    s = scan(doc_type, template)
    h, w = s.image.shape[:2]
    assert s.image.dtype == np.uint8 and s.image.ndim == 3 and s.image.shape[2] == 3
    assert min(h, w) >= 400
    blank_or_photo = doc_type is DocumentType.UNKNOWN and template in (3, 4)
    if blank_or_photo:
        assert s.fields == () and s.text_lines == ()
    else:
        assert len(s.fields) >= 3 and len(s.text_lines) >= 5
    g = grey(s.image)
    for f in s.fields:
        x0, y0, x1, y1 = f.box
        assert f.value.strip(), f.name
        assert f.visible, f.name
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h, (f.name, f.box)
        assert int(g[y0:y1, x0:x1].min()) < 130, f"no ink under {f.name}"
    assert s.text_lines == tuple(document_text(11, doc_type, template))
    truth = json.loads(json.dumps(s.truth()))
    assert truth["doc_type"] == doc_type.value and truth["template"] == template
    if doc_type in PORTRAIT_TYPES:
        assert s.portrait_box is not None
        assert truth["portrait_source"] == "skimage.data.astronaut"
    else:
        assert s.portrait_box is None and truth["portrait_source"] is None


def test_field_values_are_printed_in_the_text_lines() -> None:
    for doc_type, template in [
        (DocumentType.PAYSLIP, 0),
        (DocumentType.LANDLORD_LETTER, 2),
        (DocumentType.NATIONAL_ID_FRONT, 1),
    ]:
        s = scan(doc_type, template)
        text = "\n".join(s.text_lines)
        for f in s.fields:
            assert f.value in text, f.name


def test_templates_differ_in_wording() -> None:
    for doc_type in DocumentType:
        if doc_type is DocumentType.UNKNOWN:
            continue
        texts = [document_text(5, doc_type, k) for k in range(3)]
        for a in range(3):
            for b in range(a + 1, 3):
                shared = set(texts[a]) & set(texts[b])
                assert len(shared) < 0.5 * min(len(texts[a]), len(texts[b])), (doc_type, a, b)


def test_document_text_is_fast() -> None:
    document_text(0, DocumentType.BANK_STATEMENT, 0)  # warm up imports
    types = [t for t in DocumentType]
    start = time.perf_counter()
    n = 0
    for seed in range(4):
        for t in types:
            document_text(seed, t, seed % templates_of(t))
            n += 1
    assert (time.perf_counter() - start) / n < 0.005


@pytest.mark.parametrize("doc_type", list(MRZ_TYPES), ids=[t.value for t in MRZ_TYPES])
def test_mrz_has_valid_check_digits_and_matches_printed_fields(doc_type: DocumentType) -> None:
    for template in range(3):
        for seed in (11, 12):
            s = scan(doc_type, template, seed)
            assert s.mrz is not None
            lines = s.mrz
            if len(lines) == 3:
                fmt = mrz.MrzFormat.TD1
            elif len(lines[0]) == 36:
                fmt = mrz.MrzFormat.TD2
            else:
                fmt = mrz.MrzFormat.MRVA if lines[0][0] == "V" else mrz.MrzFormat.TD3
            assert mrz.check_digits_valid(lines, fmt), lines
            layout = mrz.LAYOUTS[fmt]
            number = mrz.slice_field(lines, layout.slot("document_number")).rstrip("<")
            name_field = MRZ_TYPES[doc_type]
            if name_field is not None:
                assert s.field(name_field).value == number
            else:
                assert lines[0].startswith("I<BWA")
            for i, line in enumerate(lines, 1):
                assert s.field(f"mrz_line_{i}").value == line
            if doc_type is DocumentType.VISA:
                assert lines[0].startswith("V<BWA")
            if doc_type is DocumentType.PASSPORT:
                assert lines[0].startswith("P<BWA")
                assert lines[0][5:].startswith(s.field("surname").value.replace(" ", "<"))


def test_payslip_arithmetic_is_exact() -> None:
    earnings = ("basic_pay", "housing_allowance", "transport_allowance", "overtime")
    deductions = ("paye", "pension", "medical_aid", "loan")
    for seed in range(6):
        for template in range(3):
            fields = {
                f.name: f.value for f in generate(seed, DocumentType.PAYSLIP, template).fields
            }
            gross = cents(fields["gross_pay"])
            total = cents(fields["total_deductions"])
            assert sum(cents(fields[n]) for n in earnings if n in fields) == gross
            assert sum(cents(fields[n]) for n in deductions if n in fields) == total
            assert gross - total == cents(fields["net_pay"]) > 0


def test_bank_statement_balances_run_from_opening_to_closing() -> None:
    for seed in range(4):
        for template in range(3):
            fields = {
                f.name: f.value
                for f in generate(seed, DocumentType.BANK_STATEMENT, template).fields
            }
            balance = cents(fields["opening_balance"])
            i = 1
            while f"txn_{i}_balance" in fields:
                if f"txn_{i}_amount" in fields:
                    balance += cents(fields[f"txn_{i}_amount"])
                else:
                    balance += cents(fields.get(f"txn_{i}_credit", "P 0.00"))
                    balance -= cents(fields.get(f"txn_{i}_debit", "P 0.00"))
                assert balance == cents(fields[f"txn_{i}_balance"]), (seed, template, i)
                i += 1
            assert i > 5
            assert balance == cents(fields["closing_balance"])


def test_omang_fifth_digit_agrees_with_printed_sex() -> None:
    seen = set()
    for seed in range(10):
        for template in range(3):
            doc = {
                f.name: f.value
                for f in generate(seed, DocumentType.NATIONAL_ID_FRONT, template).fields
            }
            number, sex = doc["id_number"], doc["sex"].upper()
            assert re.fullmatch(r"[0-9]{9}", number)
            assert number[4] == ("1" if sex in ("M", "MALE") else "2"), (number, sex)
            seen.add(sex[0])
    assert seen == {"M", "F"}


def _rot_candidates(
    box: tuple[int, int, int, int], w: int, h: int, k: str
) -> list[tuple[int, ...]]:
    x0, y0, x1, y1 = box
    if k == "rotated_180":
        return [(w - x1, h - y1, w - x0, h - y0)]
    return [(y0, w - x1, y1, w - x0), (h - y1, x0, h - y0, x1)]  # CCW, CW


@pytest.mark.parametrize("condition", CONDITIONS)
def test_every_condition_gives_a_valid_image_with_transformed_boxes(condition: str) -> None:
    doc_type = DocumentType.PAYSLIP if CONDITIONS.index(condition) % 2 else DocumentType.PASSPORT
    flat = generate(3, doc_type, 0, "scan")
    s = generate(3, doc_type, 0, condition)
    fh, fw = flat.image.shape[:2]
    h, w = s.image.shape[:2]
    assert s.image.dtype == np.uint8 and s.image.shape[2] == 3
    assert s.text_lines == flat.text_lines
    assert [f.name for f in s.fields] == [f.name for f in flat.fields]
    for f in s.fields:
        x0, y0, x1, y1 = f.box
        assert 0 <= x0 <= x1 <= w and 0 <= y0 <= y1 <= h
        if f.visible:
            assert x1 > x0 and y1 > y0
    assert any(f.visible for f in s.fields)
    if condition in ("rotated_90", "rotated_180"):
        assert (h, w) == ((fw, fh) if condition == "rotated_90" else (fh, fw))
        for f, g in zip(s.fields, flat.fields, strict=True):
            got = f.box
            assert any(
                max(abs(a - b) for a, b in zip(got, cand, strict=True)) <= 1
                for cand in _rot_candidates(g.box, fw, fh, condition)
            ), (f.name, got, g.box)
        gray = grey(s.image)
        for f in s.fields:
            x0, y0, x1, y1 = f.box
            assert int(gray[y0:y1, x0:x1].min()) < 130
    elif condition == "partial_crop":
        assert h * w < fh * fw
        assert h >= 0.7 * fh and w >= 0.7 * fw
        hidden = [f for f in s.fields if not f.visible]
        dx = dy = None
        for f, g in zip(s.fields, flat.fields, strict=True):
            if f.visible:
                dx, dy = g.box[0] - f.box[0], g.box[1] - f.box[1]
                assert (g.box[2] - f.box[2], g.box[3] - f.box[3]) == (dx, dy)
        for f in hidden:
            q = np.array(f.quad)
            assert q[:, 0].min() < 0 or q[:, 1].min() < 0 or q[:, 0].max() > w or q[:, 1].max() > h
    elif condition == "phone":
        assert max(h, w) == (1600 if doc_type is DocumentType.PAYSLIP else 1200)
        assert all(f.visible for f in s.fields)
        # The page sits on a background: the frame corners are not paper.
        corners = [s.image[2, 2], s.image[2, w - 3], s.image[h - 3, 2], s.image[h - 3, w - 3]]
        assert min(int(c.mean()) for c in corners) < 200
    else:
        assert (h, w) == (fh, fw)
        assert [f.box for f in s.fields] == [f.box for f in flat.fields]
        diff = np.abs(s.image.astype(int) - flat.image.astype(int)).mean()
        assert condition == "scan" or diff > 0.5, "the condition changed nothing"
        if condition == "low_light":
            assert grey(s.image).mean() < 0.7 * grey(flat.image).mean()
        if condition == "glare":
            assert (grey(s.image) > 250).sum() > (grey(flat.image) > 250).sum()


def test_unknown_class_covers_non_documents() -> None:
    photo = scan(DocumentType.UNKNOWN, 4)
    assert photo.fields == () and photo.portrait_box is None
    assert photo.image.std() > 20  # a real photograph, not a flat page
    blank = scan(DocumentType.UNKNOWN, 3)
    assert blank.image.std() < 12
    receipt = scan(DocumentType.UNKNOWN, 1)
    assert any("TOTAL" in line for line in receipt.text_lines)
    shop = scan(DocumentType.UNKNOWN, 2)
    assert sum("Add to cart" in line for line in shop.text_lines) >= 3


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ValueError):
        generate(1, DocumentType.PASSPORT, 3)
    with pytest.raises(ValueError):
        generate(1, DocumentType.PASSPORT, 0, "underwater")
    with pytest.raises(ValueError):
        document_text(1, DocumentType.UNKNOWN, 5)
    assert document_text(1, DocumentType.UNKNOWN, 3) == []


def test_cli_writes_images_truth_and_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(
        [
            "--out",
            str(tmp_path),
            "--seed",
            "4",
            "--per-type",
            "2",
            "--types",
            "passport,payslip",
            "--templates",
            "0,1",
            "--conditions",
            "scan,jpeg",
        ]
    )
    assert rc == 0
    assert "wrote 16 samples" in capsys.readouterr().out
    rows = [json.loads(line) for line in (tmp_path / "manifest.jsonl").read_text().splitlines()]
    assert len(rows) == 16
    names = {r["image"] for r in rows}
    assert "passport-t0-scan-4.png" in names and "payslip-t1-jpeg-5.jpg" in names
    for r in rows[:4]:
        img = cv2.imread(str(tmp_path / r["image"]))
        assert img is not None and img.shape[:2] == (r["height"], r["width"])
        truth = json.loads((tmp_path / r["truth"]).read_text())
        assert truth["doc_type"] == r["doc_type"] and truth["fields"]


@pytest.mark.parametrize(
    "argv",
    [
        ["--types", "nope"],
        ["--conditions", "underwater"],
        ["--templates", "x"],
        ["--per-type", "0"],
    ],
)
def test_cli_rejects_bad_arguments(tmp_path: Path, argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--out", str(tmp_path), *argv])
    assert exc.value.code == 2

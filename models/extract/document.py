"""Extraction and validation for one document page: fields from the visual zone and the MRZ.

``extract_document(doc_type, ocr_lines, today)`` returns every field with
value, normalised value, confidence and source, the MRZ as parsed (check
digits verified, OCR confusions corrected only where a check digit confirms
them), and the validation checks with reason codes. Pure; no I/O.

Check status: ``pass``, ``fail`` or ``not_applicable``. An expired document
is a ``fail`` of ``DOCUMENT_EXPIRED`` — a result, not an error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from models import mrz as mrzlib
from models.doctypes import DocumentType as D
from models.extract.barcode import parse_barcode
from models.extract.calibration import Calibration
from models.extract.calibration import load as load_calibration
from models.extract.kv import NORMALISERS, Extracted
from models.extract.lexicon import fields_of
from models.extract.normalise import fold, shown_in
from models.extract.normalise import name as norm_name
from models.extract.tables import statement_check
from models.extract.viz import extract_visual_zone
from models.mrz import FILLER_READ_AS

MRZ_TYPES = frozenset(
    {D.PASSPORT, D.FOREIGN_PASSPORT, D.NATIONAL_ID_BACK, D.FOREIGN_ID_CARD, D.VISA}
)
# MRZ field → the visual-zone field it must agree with.
MRZ_TO_VIZ = {
    "surname": "surname",
    "given_names": "given_names",
    "birth_date": "birth_date",
    "expiry_date": "expiry_date",
    "sex": "sex",
    "document_number": "passport_number",
}
MIN_AGE_AT_ISSUE = 16
BILL_MAX_AGE_DAYS = 92  # "within 3 months"
BILLS = frozenset({D.ELECTRICITY_BILL, D.WATER_BILL, D.TELECOM_BILL, D.COUNCIL_RATES_BILL})


@dataclass
class Check:
    name: str
    status: str  # pass, fail, not_applicable
    reasons: list[str] = field(default_factory=list)
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "status": self.status, "reasons": self.reasons}
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass
class DocumentExtraction:
    fields: dict[str, Extracted]
    checks: list[Check]
    mrz: dict[str, Any] | None = None
    barcodes: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "fields": {k: v.to_dict() for k, v in self.fields.items()},
            "checks": [c.to_dict() for c in self.checks],
            "mrz": self.mrz,
            "barcodes": self.barcodes,
        }


# A decoded barcode is exact (Reed-Solomon error correction) but carries no
# check digit of its own and anyone can print one: as sure as a verified MRZ
# field about what it says, not about whether the issuer said it.
BARCODE_CONFIDENCE = 0.99


def _barcode_fields(
    doc_type: D, barcodes: list[dict[str, Any]]
) -> tuple[dict[str, Extracted], list[dict[str, Any]]]:
    """Fields carried by the page's barcodes (named as the type's fields), and a view of
    each symbol (format, what it is, where)."""
    kinds = {spec.name: spec.kind for spec in fields_of(doc_type)} | {"sex": "sex"}
    out: dict[str, Extracted] = {}
    views = []
    for b in barcodes:
        payload = parse_barcode(str(b.get("format", "")), str(b.get("text", "")))
        quad = b.get("quad") or []
        xs, ys = [pt[0] for pt in quad], [pt[1] for pt in quad]
        box = [min(xs), min(ys), max(xs), max(ys)] if quad else []
        views.append({"format": b.get("format"), "kind": payload.kind, "box": box})
        for name, value in payload.fields.items():
            if name not in kinds:
                continue
            normalized = NORMALISERS[kinds[name]](value)
            if normalized is not None:
                out[name] = Extracted(
                    name, value, normalized, BARCODE_CONFIDENCE, box, source="BARCODE"
                )
    return out, views


def _mrz_fields(result: mrzlib.MrzResult, doc_type: D) -> dict[str, Extracted]:
    out: dict[str, Extracted] = {}
    for name, f in result.fields.items():
        if not f.value:
            continue
        # Codes, not the visual zone's words: "BWA" is not "MOTSWANA".
        target = {"nationality": "nationality_code", "issuing_state": "issuing_state_code"}.get(
            name, name
        )
        if name == "document_number":
            target = "passport_number" if doc_type in (D.PASSPORT, D.FOREIGN_PASSPORT) else name
        # A field whose check digit verifies is as certain as OCR gets; one
        # without a check digit (names) rides on the composite.
        ok = f.check_digit_ok if f.check_digit_ok is not None else result.composite_ok
        conf = 0.99 if ok else (0.9 if ok is None else 0.5)
        out[target] = Extracted(target, f.raw, f.value, conf, [], source="MRZ")
    return out


#: In the name field, where no check digit catches it, "<<" between surname and given
#: names comes back as "<K" and the padding as "K<K" (``FILLER_READ_AS``); OCR also loses
#: count in a run: "<<" read as one "<". At most this many such places are tried (each a
#: K read back as a filler, or a lone filler doubled).
MAX_NAME_EDITS = 8


def _names_as_printed(
    mrz_fields: dict[str, Extracted], viz: dict[str, Extracted]
) -> dict[str, Extracted] | None:
    """The MRZ's surname and given names with their fillers read again, when that makes
    them agree with the visual zone's; None when no such reading does.

    Three misreadings are undone, the fewest places first: a K where fillers stand (in a
    run of K and fillers that holds a filler, or at the field's end) read as a filler; a K
    between letters where the printed name has a space (the filler between two names)
    read as that filler; and a lone filler between letters, before any "<<", read as the
    "<<" that separates the surname from the given names. The names carry no check
    digit, so the printed names are the only evidence of what the OCR misread; a name
    that disagrees in any other letter still fails the agreement check.
    """
    sur, giv = mrz_fields.get("surname"), mrz_fields.get("given_names")
    printed = {k: viz[k].normalized for k in ("surname", "given_names") if k in viz}
    if sur is None or not printed:
        return None
    raw = sur.value + ("<<" + giv.value if giv is not None else "")  # the field as read
    k_spots = [
        i
        for run in re.finditer(f"[{FILLER_READ_AS}<]+", raw)
        if "<" in run[0] or run.end() == len(raw)
        for i in range(run.start(), run.end())
        if raw[i] == FILLER_READ_AS
    ]
    first_pair = raw.find("<<") if "<<" in raw else len(raw)
    lone = [
        i
        for i in range(1, min(first_pair, len(raw) - 1))
        if raw[i] == "<" and raw[i - 1].isalpha() and raw[i + 1].isalpha()
    ]
    # A K between letters where the printed name has a space: the one filler that
    # separates two given names (or two surnames), read as a letter.
    gap_ks = []
    for i in range(1, len(raw) - 1):
        if raw[i] != FILLER_READ_AS or not (raw[i - 1].isalpha() and raw[i + 1].isalpha()):
            continue
        name = printed.get("surname" if i < first_pair else "given_names", "")
        at = i if i < first_pair else i - first_pair - 2
        if 0 <= at < len(name) and name[at] == " ":
            gap_ks.append(i)
    spots = k_spots + lone + gap_ks
    if not spots or len(spots) > MAX_NAME_EDITS:
        return None
    for n in range(1, len(spots) + 1):
        for chosen in itertools.combinations(spots, n):
            text = "".join(
                ("<" if c == FILLER_READ_AS else "<<") if i in chosen else c
                for i, c in enumerate(raw)
            )
            sep = text.find("<<")
            parts = {
                "surname": text if sep < 0 else text[:sep],
                "given_names": "" if sep < 0 else text[sep + 2 :],
            }
            values = {k: v.replace("<", " ").strip() for k, v in parts.items()}
            if all(_agree(values[k], printed[k]) for k in printed):
                # (a field the OCR's K had hidden, "SURNAMEK<GIVEN", comes from the surname's)
                return {
                    k: dataclasses.replace(
                        mrz_fields.get(k, sur), name=k, value=parts[k], normalized=values[k]
                    )
                    for k in ("surname", "given_names")
                    if values[k]
                }
    return None


def _confirmed(printed: Extracted, machine: Extracted) -> Extracted:
    """A printed field that a machine-readable one (MRZ, barcode) agrees with: the
    printed text and box, the surer confidence, both sources named."""
    return dataclasses.replace(
        printed,
        confidence=max(printed.confidence, machine.confidence),
        source=f"{printed.source}+{machine.source}",
    )


def _agree(a: str, b: str) -> bool:
    if a == b:
        return True
    na, nb = norm_name(a) or "", norm_name(b) or ""
    return bool(na) and na.replace(" ", "") == nb.replace(" ", "")


# Kinds of field a page prints in digits: where the visual zone's value could not be read
# but its label is on the page, the MRZ's (or barcode's) value must be printed somewhere.
_SHOWN_KINDS = frozenset({"date", "code", "id"})


def _not_shown(doc_type: D, name: str, value: str, printed: list[str]) -> bool:
    """Is ``name``'s label on the page (``printed``: its lines, MRZ left out) while
    ``value``, the MRZ's or barcode's, is printed nowhere on it?

    A value the visual zone cannot parse cannot disagree with the MRZ, which would then
    fill it in silently: right for an OCR miss, and exactly what digits copied over a
    date leave ("11 OCT 1985" read as "9753CT 1985"; docs/accuracy.md, session 18). An
    OCR miss still shows the value, misread letters and all
    (:func:`models.extract.normalise.shown_in`); an edited one does not."""
    spec = next((f for f in fields_of(doc_type) if f.name == name), None)
    if spec is None or spec.kind not in _SHOWN_KINDS:
        return False
    squeezed = [fold(text).replace(" ", "") for text in printed]
    if not any(label.replace(" ", "") in line for label in spec.labels for line in squeezed):
        return False  # the field is not on this page (cut off, or another template)
    return not shown_in(value, "date" if spec.kind == "date" else "code", printed)


def extract_document(
    doc_type: D,
    lines: list[dict[str, Any]],
    today: dt.date | None = None,
    calibration: Calibration | None = None,
    barcodes: list[dict[str, Any]] | None = None,
) -> DocumentExtraction:
    """Fields and checks for one page of a known type (unknown types give nothing).

    ``barcodes`` are the page's decoded symbols (``models.ocr.barcodes``, as in the
    OCR reading): their fields fill what the visual zone missed, win where they
    disagree with it (the ``BARCODE_VIZ_AGREEMENT`` check fails, naming the fields),
    and raise the confidence of fields they confirm.

    Field confidences go through ``calibration`` (default: the packaged map,
    ``models/extract/calibration.json``); pass ``Calibration.identity()`` for the
    raw rule confidence (what the calibration is fitted on).
    """
    today = today or dt.date.today()
    calibration = calibration or load_calibration()
    viz = extract_visual_zone(doc_type, lines)
    printed = [str(line["text"]) for line in lines if "<" not in str(line["text"])]
    checks: list[Check] = []
    fields = dict(viz)
    mrz_view: dict[str, Any] | None = None
    if doc_type in MRZ_TYPES:
        found = mrzlib.find_mrz([str(line["text"]) for line in lines])
        if found is None:
            checks.append(Check("MRZ", "fail", ["MRZ_NOT_FOUND"]))
        else:
            try:
                parsed = mrzlib.parse(found, today=today)
            except mrzlib.MrzError as exc:
                checks.append(Check("MRZ", "fail", ["MRZ_UNPARSEABLE"], str(exc)))
            else:
                mrz_view = {
                    "format": parsed.format.value,
                    "lines": list(parsed.lines),
                    "valid": parsed.valid,
                    "corrections": list(parsed.corrections),
                }
                checks.append(Check("MRZ", "pass" if parsed.valid else "fail", list(parsed.errors)))
                mrz_fields = _mrz_fields(parsed, doc_type)
                names_differ = any(
                    not _agree(mrz_fields[k].normalized, viz[k].normalized)
                    for k in ("surname", "given_names")
                    if k in mrz_fields and k in viz
                )
                reread = _names_as_printed(mrz_fields, viz) if names_differ else None
                if reread is not None:
                    for k in ("surname", "given_names"):  # a K-only part is no name
                        mrz_fields.pop(k, None)
                    mrz_fields.update(reread)
                    mrz_view["corrections"].append("name: fillers read again")
                mismatches = []
                for m_name, v_name in MRZ_TO_VIZ.items():
                    mf = mrz_fields.get(v_name if m_name == "document_number" else m_name)
                    vf = viz.get(v_name)
                    if mf and vf and not _agree(mf.normalized, vf.normalized):
                        mismatches.append(f"{v_name.upper()}_MISMATCH_MRZ_VIZ")
                    elif mf and vf is None and _not_shown(doc_type, v_name, mf.normalized, printed):
                        mismatches.append(f"{v_name.upper()}_NOT_SHOWN_MRZ_VIZ")
                if viz:
                    checks.append(
                        Check("MRZ_VIZ_AGREEMENT", "fail" if mismatches else "pass", mismatches)
                    )
                # The MRZ is check-digit verified: it wins where it is valid,
                # fills what the visual zone missed, and the agreement raises confidence.
                for key, mf in mrz_fields.items():
                    vf = fields.get(key)
                    if vf is None or (
                        mf.confidence >= 0.99 and not _agree(mf.normalized, vf.normalized)
                    ):
                        fields[key] = mf
                    elif _agree(mf.normalized, vf.normalized):
                        fields[key] = _confirmed(vf, mf)
    barcode_fields, barcode_views = _barcode_fields(doc_type, barcodes or [])
    mismatches = []
    for key, bf in barcode_fields.items():
        vf = fields.get(key)
        if vf is None:
            if key not in viz and _not_shown(doc_type, key, bf.normalized, printed):
                mismatches.append(f"{key.upper()}_NOT_SHOWN_BARCODE_VIZ")
            fields[key] = bf
        elif _agree(bf.normalized, vf.normalized):
            fields[key] = _confirmed(vf, bf)
        else:
            mismatches.append(f"{key.upper()}_MISMATCH_BARCODE_VIZ")
            fields[key] = bf
    if barcode_fields:
        checks.append(Check("BARCODE_VIZ_AGREEMENT", "fail" if mismatches else "pass", mismatches))
    checks += _rules(doc_type, fields, today)
    fields = {
        k: dataclasses.replace(f, confidence=calibration.apply(f.source, f.confidence))
        for k, f in fields.items()
    }
    return DocumentExtraction(fields, checks, mrz_view, barcode_views)


def _iso(fields: dict[str, Extracted], name: str) -> dt.date | None:
    f = fields.get(name)
    if f is None:
        return None
    try:
        return dt.date.fromisoformat(f.normalized[:10])
    except ValueError:
        return None


def _rules(doc_type: D, fields: dict[str, Extracted], today: dt.date) -> list[Check]:
    checks: list[Check] = []
    if "id_number" in fields and doc_type in (D.NATIONAL_ID_FRONT, D.DRIVERS_LICENCE, D.PAYSLIP):
        omang = fields["id_number"].normalized
        if len(omang) != 9:
            checks.append(Check("OMANG_NUMBER", "fail", ["OMANG_NUMBER_INVALID"]))
        else:
            reasons = []
            sex = fields.get("sex")
            if omang[4] not in "12":
                reasons.append("OMANG_NUMBER_INVALID")
            elif sex is not None and {"1": "M", "2": "F"}[omang[4]] != sex.normalized:
                reasons.append("OMANG_SEX_MISMATCH")
            checks.append(Check("OMANG_NUMBER", "fail" if reasons else "pass", reasons))
    birth, issue, expiry = (
        _iso(fields, "birth_date"),
        _iso(fields, "issue_date"),
        _iso(fields, "expiry_date"),
    )
    if expiry is not None:
        expired = expiry < today
        checks.append(
            Check(
                "DOCUMENT_EXPIRY",
                "fail" if expired else "pass",
                ["DOCUMENT_EXPIRED"] if expired else [],
                f"expires {expiry.isoformat()}",
            )
        )
    reasons = []
    if issue and expiry and issue >= expiry:
        reasons.append("ISSUED_AFTER_EXPIRY")
    if birth and birth > today:
        reasons.append("BIRTH_DATE_IN_FUTURE")
    if (
        birth
        and issue
        and (issue - birth).days < MIN_AGE_AT_ISSUE * 365.25
        and doc_type in (D.NATIONAL_ID_FRONT, D.NATIONAL_ID_BACK, D.DRIVERS_LICENCE)
    ):
        reasons.append("UNDERAGE_AT_ISSUE")
    if birth or issue or expiry:
        checks.append(Check("DATES_PLAUSIBLE", "fail" if reasons else "pass", reasons))
    if doc_type in BILLS or doc_type is D.BANK_STATEMENT:
        bill = _iso(fields, "bill_date")
        if bill is None and "statement_period" in fields:
            bill = _period_end(fields["statement_period"].normalized)
        if bill is not None:
            old = (today - bill).days > BILL_MAX_AGE_DAYS
            checks.append(
                Check(
                    "DOCUMENT_RECENT",
                    "fail" if old else "pass",
                    ["BILL_OLDER_THAN_3_MONTHS"] if old else [],
                    f"dated {bill.isoformat()}",
                )
            )
    if doc_type is D.BANK_STATEMENT:
        status, reasons = statement_check(fields)
        checks.append(Check("STATEMENT_ARITHMETIC", status, reasons))
    if doc_type is D.PAYSLIP and {"gross_pay", "total_deductions", "net_pay"} <= fields.keys():
        gross, ded, net = (
            float(fields[k].normalized) for k in ("gross_pay", "total_deductions", "net_pay")
        )
        ok = abs(gross - ded - net) < 0.01
        checks.append(
            Check(
                "PAYSLIP_ARITHMETIC",
                "pass" if ok else "fail",
                [] if ok else ["PAYSLIP_ARITHMETIC_MISMATCH"],
                f"gross {gross:.2f} - deductions {ded:.2f} = {gross - ded:.2f}; net {net:.2f}",
            )
        )
    return checks


def _period_end(period: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(period.split("/")[-1][:10])
    except ValueError:
        return None

"""Copy-moves onto values the document prints twice, through the pipeline's checks.

    python -m models.eval.copy_move_semantic [--per-type 10] [--conditions scan,phone] [--out DIR]

Needs the stack's Triton (``make up``): every upload is read by the served OCR, as the
pipeline reads it. About 4 s an upload on 2 cores (120 uploads at the default).

Session 18 found that a copy-move's pixels hold no trace that carries it to the
issue's target (docs/accuracy.md, "the three traces"). What does stop a moved digit is a
document that states the value twice: the MRZ of a passport or an ID card repeats its
number, birth and expiry dates (check-digit protected); a driving licence's PDF417
repeats them too; a payslip's and a bank statement's amounts must add up. This measures
that defence where it applies:

- documents of those types (:data:`REPEATED`), generated on seeds from :data:`SEED0`
  (used by nothing else), under the ``--conditions`` in turn (``scan`` and ``phone``
  by default; ``all``: every capture condition of :mod:`tools.docgen`);
- on each, :func:`tools.tampergen.copy_move` restricted to the fields the document
  repeats (the digits are copied from one such field onto another), and the untouched
  upload of the same document (:func:`tools.tampergen.genuine`);
- both through the pixel signals, the served OCR and the extraction's checks, scored by
  the default policy; an upload is *stopped* when the decision stage would not approve
  it for its integrity (:func:`models.eval.fraud.not_approved_pipeline`'s rule: a risk
  outside the approve band, or a failed check other than the document's age).

Reported per defence (MRZ, barcode, arithmetic): copies stopped, and stopped by a
disagreement (an MRZ or barcode against the visual zone, a sum that no longer adds up:
:data:`BROKEN_BY_EDIT`); the same two for the untouched uploads (a misread can make a
disagreement too). The portrait box is not passed (the portrait signal is not
applicable), as no copy-move here touches a portrait.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from models.doctypes import DocumentType as D
from models.eval.documents import read_page
from models.eval.fraud import AGE_REASONS, analyse, check_signals, served_ocr
from models.extract import normalise
from models.extract.document import extract_document
from models.fraud.score import RiskPolicy, score
from tools.docgen import CONDITIONS as ALL_CONDITIONS
from tools.docgen import Sample, generate
from tools.tampergen import (
    PHOTO_CONDITIONS,
    SUBMITTED_AT,
    NotApplicable,
    TamperedSample,
    copy_move,
    genuine,
)

SEED0 = 4_800_000
CONDITIONS = ("scan", "phone")

_MRZ = frozenset({"passport_number", "birth_date", "expiry_date"})
_AMOUNTS = ("_pay", "_allowance", "overtime", "paye", "pension", "medical_aid", "_deductions")


def _statement_amount(name: str) -> bool:
    return name in {"opening_balance", "closing_balance"} or (
        name.startswith("txn_") and name.endswith(("_credit", "_debit", "_balance", "_amount"))
    )


#: Per type: which defence repeats its values, and which of its fields it repeats.
REPEATED: dict[D, tuple[str, Callable[[str], bool]]] = {
    D.PASSPORT: ("MRZ", _MRZ.__contains__),
    D.FOREIGN_PASSPORT: ("MRZ", _MRZ.__contains__),
    D.FOREIGN_ID_CARD: ("MRZ", {"birth_date", "expiry_date"}.__contains__),
    D.DRIVERS_LICENCE: ("barcode", {"licence_number", "birth_date", "expiry_date"}.__contains__),
    D.PAYSLIP: ("arithmetic", lambda name: name.endswith(_AMOUNTS)),
    D.BANK_STATEMENT: ("arithmetic", _statement_amount),
}

#: Failed-check reasons that say a repeated value disagrees with its other statement
#: (``BIRTH_DATE_MISMATCH_MRZ_VIZ``, ``..._MISMATCH_BARCODE_VIZ``,
#: ``PAYSLIP_ARITHMETIC_MISMATCH``, ``RUNNING_BALANCE_MISMATCH``, ...) or is not printed
#: where the page's label says it should be (``BIRTH_DATE_NOT_SHOWN_MRZ_VIZ``, ...).
BROKEN_BY_EDIT = ("MISMATCH", "NOT_SHOWN")


def onto_repeated(sample: Sample, rng: np.random.Generator) -> TamperedSample:
    """A copy-move whose digits come from one repeated field and land on another (see
    :data:`REPEATED`); raises :class:`tools.tampergen.NotApplicable` when the document
    shows fewer than two such fields with digits."""
    keep = REPEATED[sample.doc_type][1]
    only = dataclasses.replace(sample, fields=tuple(f for f in sample.fields if keep(f.name)))
    return copy_move(only, rng)


def unprinted(reading: dict[str, Any], doc_type: D) -> list[str]:
    """The repeated fields whose MRZ or barcode value the page's text does not show: a
    date that is no date read anywhere on the page, a number that is not in its text.

    A measurement of a check the pipeline does not make (session 18): the extraction
    flags a disagreement only when the visual zone's value could be read, and a copy
    that garbles a date ("11 OCT 1985" read as "9753CT 1985") leaves none to disagree
    with; the MRZ then fills the field in silently. ``reading``: the served OCR's."""
    lines = [str(line["text"]) for line in reading.get("lines", [])]
    extraction = extract_document(
        doc_type,
        reading.get("lines", []),
        SUBMITTED_AT.date(),
        barcodes=reading.get("barcodes", []),
    )
    keep = REPEATED[doc_type][1]
    dates = {d for line in lines for d in normalise.dates_in(line)}
    text = normalise.fold(" ".join(lines)).replace(" ", "")
    out = []
    for name, f in extraction.fields.items():
        if not keep(name) or not ({"MRZ", "BARCODE"} & set(f.source.split("+"))):
            continue
        shown = f.normalized in dates if name.endswith("_date") else f.normalized in text
        if not shown:
            out.append(name)
    return out


def _broken(failed: list[str]) -> bool:
    return any(any(key in reason for key in BROKEN_BY_EDIT) for reason in failed)


def run(per_type: int, gw: Any, conditions: tuple[str, ...] = CONDITIONS) -> list[dict[str, Any]]:
    """``per_type`` copy-moves and their untouched uploads per type of :data:`REPEATED`,
    under ``conditions`` in turn, each through the signals, the served OCR and the
    checks. Blocking, minutes."""
    policy = RiskPolicy()
    rows: list[dict[str, Any]] = []
    for doc_type, (defence, _) in REPEATED.items():
        seed, made = SEED0 + 1000 * list(REPEATED).index(doc_type), 0
        while made < per_type:
            seed += 1
            condition = conditions[seed % len(conditions)]
            sample = generate(seed, doc_type, seed % 3, condition)
            rng = np.random.default_rng(seed)
            try:
                forged = onto_repeated(sample, rng)
            except NotApplicable:
                continue
            made += 1
            untouched = genuine(sample, np.random.default_rng(seed))
            for kind, upload in (("copy_move", forged), ("genuine", untouched)):
                signals, _ = analyse(upload.image_bytes, None, condition in PHOTO_CONDITIONS)
                reading, _ = read_page(gw, upload.image_bytes, "", None)
                extra, failed = check_signals(gw, upload.image_bytes, doc_type, reading)
                risk = score([*signals, *extra], policy)
                integrity = [r for r in failed if r not in AGE_REASONS]
                missing = unprinted(reading, doc_type) if defence != "arithmetic" else []
                rows.append(
                    {
                        "docType": doc_type.value,
                        "defence": defence,
                        "kind": kind,
                        "condition": condition,
                        "seed": seed,
                        "target": list(forged.regions[0]) if kind == "copy_move" else None,
                        "risk": risk.score,
                        "decision": risk.decision,
                        "failedChecks": failed,
                        "stopped": risk.decision != "approve" or bool(integrity),
                        "brokenCheck": _broken(integrity),
                        "unprinted": missing,
                    }
                )
            print(f"  {doc_type.value:17s} {made}/{per_type} {condition}", file=sys.stderr)
    return rows


def summarise(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per defence and overall: copies stopped, stopped by a broken check, untouched stopped;
    and what a check "the MRZ's or barcode's value is printed on the page" would add
    (``...WithUnprinted``: stopped, or a repeated value not shown, see :func:`unprinted`)."""
    out: dict[str, dict[str, Any]] = {}
    for group in [*sorted({r["defence"] for r in rows}), "all"]:
        mine = [r for r in rows if group in ("all", r["defence"])]
        copies = [r for r in mine if r["kind"] == "copy_move"]
        untouched = [r for r in mine if r["kind"] == "genuine"]
        out[group] = {
            "copies": len(copies),
            "copiesStopped": float(np.mean([r["stopped"] for r in copies])) if copies else None,
            "copiesBrokenCheck": (
                float(np.mean([r["brokenCheck"] for r in copies])) if copies else None
            ),
            "untouched": len(untouched),
            "untouchedStopped": (
                float(np.mean([r["stopped"] for r in untouched])) if untouched else None
            ),
            "untouchedBrokenCheck": (
                float(np.mean([r["brokenCheck"] for r in untouched])) if untouched else None
            ),
            "copiesStoppedWithUnprinted": (
                float(np.mean([r["stopped"] or bool(r.get("unprinted")) for r in copies]))
                if copies
                else None
            ),
            "untouchedStoppedWithUnprinted": (
                float(np.mean([r["stopped"] or bool(r.get("unprinted")) for r in untouched]))
                if untouched
                else None
            ),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--per-type", type=int, default=10)
    ap.add_argument("--conditions", default=",".join(CONDITIONS), help="comma-separated, or all")
    ap.add_argument("--out", type=Path, default=Path("out/eval-copy-move-semantic"))
    args = ap.parse_args(argv)
    conditions = (
        tuple(ALL_CONDITIONS) if args.conditions == "all" else tuple(args.conditions.split(","))
    )
    gw = served_ocr()
    if gw is None:
        print("Triton is not ready: start the stack with `make up`", file=sys.stderr)
        return 1
    t0 = time.time()
    rows = run(args.per_type, gw, conditions)
    summary = summarise(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps({"summary": summary, "rows": rows}))
    print(
        "| defence | copy-moves | stopped | by a disagreement | with 'printed' |"
        " untouched | stopped | by a disagreement | with 'printed' |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for group, s in summary.items():
        print(
            f"| {group} | {s['copies']} | {s['copiesStopped']:.3f} | {s['copiesBrokenCheck']:.3f}"
            f" | {s['copiesStoppedWithUnprinted']:.3f} | {s['untouched']}"
            f" | {s['untouchedStopped']:.3f} | {s['untouchedBrokenCheck']:.3f}"
            f" | {s['untouchedStoppedWithUnprinted']:.3f} |"
        )
    took = time.time() - t0
    print(
        f"python -m models.eval.copy_move_semantic --per-type {args.per_type}"
        f" --conditions {args.conditions}  ({took:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

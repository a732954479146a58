"""The extraction stage's agreement checks as fraud signals.

A field edited on the page (re-typed, digits moved, a region spliced in) often
leaves the document disagreeing with itself: the MRZ or a barcode says
otherwise, the payslip or statement no longer adds up, or another document of
the verification names someone else. Those checks (``models.extract``) become
one signal per kind here, so that the risk score counts them. Pure functions.
"""

from __future__ import annotations

from typing import Any

from models.fraud.signal import ReasonCode, Signal

CONSISTENCY_CHECKS: dict[str, tuple[str, ReasonCode]] = {
    "MRZ_VIZ_AGREEMENT": ("mrz_viz_mismatch", ReasonCode.MRZ_VIZ_MISMATCH),
    "BARCODE_VIZ_AGREEMENT": ("barcode_viz_mismatch", ReasonCode.BARCODE_VIZ_MISMATCH),
    "STATEMENT_ARITHMETIC": ("arithmetic_mismatch", ReasonCode.ARITHMETIC_MISMATCH),
    "PAYSLIP_ARITHMETIC": ("arithmetic_mismatch", ReasonCode.ARITHMETIC_MISMATCH),
    "NAME_MATCH": ("cross_document_mismatch", ReasonCode.CROSS_DOCUMENT_MISMATCH),
    "DOB_MATCH": ("cross_document_mismatch", ReasonCode.CROSS_DOCUMENT_MISMATCH),
}
CONSISTENCY_SCORE = 0.8  # a fact, not a measurement; under 1 because OCR misreads fail it too
CONSISTENCY_THRESHOLD = 0.5


def signals(checks: list[dict[str, Any]]) -> list[Signal]:
    """One signal per kind of :data:`CONSISTENCY_CHECKS` from the checks (``Check.to_dict``
    of every page, plus the cross-document checks).

    A kind no check measured is not applicable; one that passed everywhere
    scores 0; one that failed anywhere scores :data:`CONSISTENCY_SCORE` with
    the failing checks' reasons in the details.
    """
    measured: dict[str, list[dict[str, Any]]] = {}
    for c in checks:
        kind = CONSISTENCY_CHECKS.get(c["name"])
        if kind is not None and c["status"] in ("pass", "fail"):
            measured.setdefault(kind[0], []).append(c)
    out = []
    for name, code in dict(CONSISTENCY_CHECKS.values()).items():
        found = measured.get(name)
        if not found:
            out.append(
                Signal(
                    name,
                    0.0,
                    CONSISTENCY_THRESHOLD,
                    code,
                    applicable=False,
                    details={"notApplicable": "no such check on these documents"},
                )
            )
            continue
        failed = [c for c in found if c["status"] == "fail"]
        out.append(
            Signal(
                name,
                CONSISTENCY_SCORE if failed else 0.0,
                CONSISTENCY_THRESHOLD,
                code,
                details={
                    "checks": len(found),
                    "failed": [
                        {"check": c["name"], "reasons": c.get("reasons", [])} for c in failed
                    ],
                },
            )
        )
    return out

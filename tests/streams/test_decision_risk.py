"""The decision's rules once the fraud stage has scored the verification (pure)."""

from __future__ import annotations

import json
from typing import Any

from core.domain import Decision, Status
from models.fraud.score import RiskPolicy, score
from models.fraud.signal import ReasonCode, Signal
from streams.stages.decision import decide
from tests.fixtures.events import submission_json

PAGE = {
    "file_position": 0,
    "page": 0,
    "role": "document",
    "object_key": "p",
    "width": 10,
    "height": 10,
    "rotation_applied": 0,
    "error": None,
}


def _event(
    *,
    signals: list[Signal] | None,
    checks: list[dict[str, Any]] | None = None,
    doc_type: str = "national_id_front",
    extracted: bool = True,
) -> dict[str, Any]:
    lines = [{"text": "OMANG", "confidence": 0.99, "box": [[0, 0], [9, 0], [9, 9], [0, 9]]}]
    event: dict[str, Any] = {
        "submission_json": submission_json("identity"),
        "intake": {"pages": [PAGE]},
        "quality": {
            "pages": [
                {
                    "file_position": 0,
                    "page": 0,
                    "score": 0.9,
                    "issues": [],
                    "report_json": "{}",
                }
            ]
        },
        "ocr": {
            "pages": [{"file_position": 0, "page": 0, "reading_json": json.dumps({"lines": lines})}]
        },
        "classification": {
            "pages": [
                {
                    "file_position": 0,
                    "page": 0,
                    "document_type": doc_type,
                    "probability": 0.97,
                    "prediction_json": json.dumps({"top": []}),
                }
            ]
        },
    }
    if extracted:
        extraction: dict[str, Any] = {"fields": {}, "checks": checks or [], "mrz": None}
        event["extraction"] = {
            "pages": [
                {
                    "file_position": 0,
                    "page": 0,
                    "document_type": doc_type,
                    "extraction_json": json.dumps(extraction),
                }
            ],
            "cross_checks_json": "[]",
        }
    if signals is not None:
        risk = score(signals, RiskPolicy())
        fraud = {"documents": [], "repeatFraud": [], "velocity": [], "risk": risk.to_dict()}
        event["fraud"] = {"result_json": json.dumps(fraud)}
    return event


def _sig(name: str, value: float, code: ReasonCode, threshold: float = 0.5) -> Signal:
    return Signal(name, value, threshold, code)


def test_every_check_passed_and_low_risk_is_approved() -> None:
    v = decide(_event(signals=[_sig("error_level", 0.1, ReasonCode.TAMPERING_SUSPECTED, 0.85)]))
    assert v.status is Status.COMPLETED and v.decision is Decision.APPROVED
    assert v.reasons == []
    assert v.result is not None and v.result["riskBand"] == "low"
    assert v.result["fraud"]["risk"]["policyVersion"] == RiskPolicy().version


def test_strong_fraud_signals_decline_with_their_reason_codes_first() -> None:
    signals = [
        _sig("exif_software", 0.9, ReasonCode.EDITED_WITH_SOFTWARE),
        _sig("document_reuse", 0.95, ReasonCode.DOCUMENT_REUSED),
    ]
    v = decide(_event(signals=signals))
    assert v.decision is Decision.DECLINED
    assert v.reasons == ["DOCUMENT_REUSED", "EDITED_WITH_SOFTWARE"]
    assert v.result is not None and v.result["riskBand"] == "high"
    assert v.result["riskScore"] == 100.0


def test_editing_software_alone_is_for_a_reviewer() -> None:
    # Phone apps that crop also write their name: strong, but not a decline on its own.
    v = decide(_event(signals=[_sig("exif_software", 0.9, ReasonCode.EDITED_WITH_SOFTWARE)]))
    assert v.decision is Decision.REVIEW and v.reasons == ["EDITED_WITH_SOFTWARE"]


def test_a_medium_risk_goes_to_review_with_the_signal_named() -> None:
    # portrait substitution alone weighs 45 at most: the review band (31-70).
    v = decide(
        _event(signals=[_sig("portrait_substitution", 0.7, ReasonCode.PORTRAIT_SUBSTITUTED, 0.6)])
    )
    assert v.decision is Decision.REVIEW and v.reasons == ["PORTRAIT_SUBSTITUTED"]


def test_a_triggered_experimental_signal_informs_but_does_not_decide() -> None:
    v = decide(_event(signals=[_sig("copy_move", 1.0, ReasonCode.COPY_MOVE_DETECTED, 0.999)]))
    assert v.decision is Decision.APPROVED
    assert v.result is not None
    (contribution,) = v.result["fraud"]["risk"]["contributions"]
    assert contribution["triggered"] and contribution["contribution"] == 0


def test_an_expired_document_is_declined_even_at_low_risk() -> None:
    expired = {"name": "DOCUMENT_NOT_EXPIRED", "status": "fail", "reasons": ["DOCUMENT_EXPIRED"]}
    v = decide(_event(signals=[], checks=[expired]))
    assert v.decision is Decision.DECLINED and v.reasons == ["DOCUMENT_EXPIRED"]


def test_another_failed_check_goes_to_review() -> None:
    bad = {"name": "MRZ_CHECK_DIGITS", "status": "fail", "reasons": ["MRZ_CHECKDIGIT_FAILED"]}
    v = decide(_event(signals=[], checks=[bad]))
    assert v.decision is Decision.REVIEW and v.reasons == ["MRZ_CHECKDIGIT_FAILED"]


def test_without_a_fraud_score_nothing_is_approved() -> None:
    v = decide(_event(signals=None))
    assert v.decision is Decision.REVIEW and v.reasons == ["AUTOMATED_CHECKS_INCOMPLETE"]
    assert v.result is not None and v.result["checksIncomplete"] == ["FRAUD_SCORE"]


def test_a_page_without_extraction_is_not_approved() -> None:
    v = decide(_event(signals=[], extracted=False))
    assert v.decision is Decision.REVIEW
    assert v.result is not None and v.result["checksIncomplete"] == ["EXTRACTION"]


def _with_liveness(event: dict[str, Any], live: bool, match: bool | None) -> dict[str, Any]:
    comparison = {
        "portrait": {"position": 0, "page": 0, "role": "document"},
        "selfie": {"position": -1, "page": 0, "role": "liveness"},
        "similarity": 97.0 if match else 40.0,
        "match": match,
        "distance": 0.3,
        "threshold": 90.0,
        "reasons": [],
    }
    face = {
        "portraits": [],
        "comparisons": [comparison],
        "faceMatch": comparison,
        "livenessMatch": comparison,
        "liveness": {
            "sessionId": "lvs_1",
            "status": "SUCCEEDED" if live else "FAILED",
            "isLive": live,
            "confidence": 90 if live else 10,
            "reasons": [] if live else ["FLAT_FACE"],
        },
    }
    event["face"] = {"result_json": json.dumps(face)}
    return event


def test_a_live_session_of_the_holder_passes_and_allows_approval() -> None:
    v = decide(_with_liveness(_event(signals=[]), live=True, match=True))
    assert v.decision is Decision.APPROVED
    assert v.result is not None and v.result["liveness"]["status"] == "pass"


def test_a_failed_liveness_session_is_for_a_reviewer_with_its_reasons() -> None:
    v = decide(_with_liveness(_event(signals=[]), live=False, match=True))
    assert v.decision is Decision.REVIEW
    assert v.reasons == ["LIVENESS_FAILED", "FLAT_FACE"]


def test_a_live_person_who_is_not_the_holder_is_declined() -> None:
    v = decide(_with_liveness(_event(signals=[]), live=True, match=False))
    # Without a selfie the live face is the one compared: a face mismatch.
    assert v.decision is Decision.DECLINED
    assert v.reasons == ["FACE_MISMATCH", "LIVENESS_FACE_MISMATCH"]
    assert v.result is not None
    assert v.result["liveness"]["reasons"] == ["LIVENESS_FACE_MISMATCH"]

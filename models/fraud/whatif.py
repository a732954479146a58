"""What a candidate risk policy would have decided on an organisation's past verifications.

Every verification stores its fraud result (``result.fraud``): each page's signals
with score, threshold and applicability, the repeat-fraud, velocity and
consistency signals, and the risk under the policy then in force. The risk is a
pure function of those signals and a policy (:func:`models.fraud.score.score`),
so a candidate's risk on past traffic is recomputed exactly, not estimated
(signal scores are stored to 4 decimals, so a score can move by a few
hundredths). :func:`simulate` re-scores each stored result and counts how the
risk decision moves.

The verification's own decision also weighs quality, extraction, face and
liveness checks and is not recomputed here: a risk moving from approve to review
sends an otherwise approved verification to review; one already in review for
another reason stays there.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models.fraud.score import RiskPolicy, RiskResult, score, strongest
from models.fraud.signal import Signal, signal_from_dict

DECISIONS = ("approve", "review", "decline")
MAX_EXAMPLES = 50


@dataclass(frozen=True)
class StoredFraud:
    """One past verification's fraud result, as stored."""

    verification_id: str
    created_at: datetime
    fraud: dict[str, Any]


def signals_of(fraud: dict[str, Any]) -> list[Signal]:
    """The signals the risk score counted: every page's, repeat fraud, velocity and
    consistency, each name once at its strongest. Raises ``KeyError``/``ValueError``
    on a malformed result."""
    found = [signal_from_dict(s) for doc in fraud.get("documents", []) for s in doc["signals"]]
    for key in ("repeatFraud", "velocity", "consistency"):
        found += [signal_from_dict(s) for s in fraud.get(key, [])]
    return strongest(found)


def rescore(fraud: dict[str, Any], policy: RiskPolicy) -> RiskResult:
    """The risk of a stored fraud result under ``policy``."""
    return score(signals_of(fraud), policy)


def simulate(
    records: list[StoredFraud], candidate: RiskPolicy, examples: int = MAX_EXAMPLES
) -> dict[str, Any]:
    """How ``candidate`` would have decided ``records``, against what was recorded.

    Returns ``verifications`` (re-scored), ``unreadable`` (results that could not be
    re-scored: none unless the stored shape changed), ``recordedPolicies`` (versions
    the recorded risks were made under, with counts), ``transitions`` (recorded risk
    decision -> candidate decision -> count), ``changed`` and ``changes`` (up to
    ``examples`` verifications whose decision moves, the largest score change first;
    ``createdAt`` as the record's datetime: the caller formats it).
    """
    matrix = {a: dict.fromkeys(DECISIONS, 0) for a in DECISIONS}
    policies: Counter[str] = Counter()
    changes: list[dict[str, Any]] = []
    unreadable = 0
    for rec in records:
        recorded = rec.fraud.get("risk") or {}
        before = recorded.get("decision")
        try:
            after = rescore(rec.fraud, candidate)
        except (KeyError, TypeError, ValueError):
            unreadable += 1
            continue
        if before not in matrix:
            unreadable += 1
            continue
        policies[str(recorded.get("policyVersion"))] += 1
        matrix[before][after.decision] += 1
        if after.decision != before:
            changes.append(
                {
                    "verificationId": rec.verification_id,
                    "createdAt": rec.created_at,
                    "recorded": {
                        "score": recorded.get("score"),
                        "decision": before,
                        "policyVersion": recorded.get("policyVersion"),
                    },
                    "candidate": {
                        "score": round(after.score, 1),
                        "decision": after.decision,
                        "reasonCodes": after.reason_codes,
                    },
                }
            )
    changes.sort(key=lambda c: -abs(c["candidate"]["score"] - float(c["recorded"]["score"] or 0)))
    scored = sum(sum(row.values()) for row in matrix.values())
    return {
        "verifications": scored,
        "unreadable": unreadable,
        "recordedPolicies": dict(policies.most_common()),
        "transitions": matrix,
        "changed": len(changes),
        "changes": changes[:examples],
    }

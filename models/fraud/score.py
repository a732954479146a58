"""The risk combiner: fraud signals -> a 0-100 risk score, a band and a decision.

A :class:`RiskPolicy` (versioned, JSON-serialisable, validated) gives each
signal a weight (points) and the band limits. :func:`score` adds up, per
triggered signal, ``weight * strength`` where ``strength`` rises linearly from
0.5 at the signal's own threshold to 1 at score 1 (a triggered signal always
counts at least half its weight); signals the policy does not name, or that are
not applicable, contribute 0. That total is capped at 100; when the cap bites,
every triggered contribution is scaled by the same factor.

Bands: ``score <= approve_max`` approve, ``<= review_max`` review, else
decline (defaults 0-30 / 31-70 / 71-100). A single strong signal (weight
above ``review_max``) can decline on its own; weak evidence (a missing EXIF
camera) stays far under the review band.

**Graded evidence (since fraud-2026.4).** The triggered signals alone decide
the band. Below its threshold, a signal the policy lists in ``graded`` adds
``weight * graded_share * (score / threshold) ** 2`` points (quadratic: faint
evidence counts little; at the threshold it meets the triggered floor), but
never more, all together, than the room left in the band the triggered signals
reached: the score then ranks uploads within a band (a reviewer's queue, a
client's own cut) and never changes a decision. Only signals whose scores were
measured to rank forgeries above genuine uploads below their thresholds are
listed by default (docs/accuracy.md); the error-level and EXIF scores of
genuine uploads are noise there. Either way the contributions sum to the score:
a reviewer sees exactly which signal put how many points on the document.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from models.fraud.signal import ReasonCode, Signal

MAX_SCORE = 100.0
TRIGGERED_FLOOR = 0.5  # share of the weight a signal gets at its threshold
EVIDENCE_POWER = 2.0  # below the threshold: weight * share * (score / threshold) ** power

DEFAULT_WEIGHTS: dict[str, float] = {
    # pixel forensics
    "error_level": 25.0,
    # 45 until fraud-2026.3. At 30 it reaches the review band only with other evidence: on
    # development seeds 6 of 180 untouched uploads went to review at 45, 1 at 30
    # (docs/accuracy.md).
    "double_compression": 30.0,
    # learned (models.fraud.edits): review, never decline on its own; a person looks
    "local_edits": 65.0,
    # experimental (models.fraud.tamper.EXPERIMENTAL): reported, not yet reliable. The
    # noise map weighed 35 until fraud-2026.3; re-encoded genuine uploads trip it as often
    # as forgeries do (docs/accuracy.md).
    "noise_inconsistency": 0.0,
    "copy_move": 0.0,
    "splice": 0.0,
    "font_inconsistency": 0.0,
    "portrait_substitution": 45.0,
    "screen_recapture": 60.0,
    "print_recapture": 40.0,  # review, not decline: a genuine laser print can show halftone
    # file metadata
    "exif_software": 75.0,
    "exif_dates": 75.0,
    "exif_camera_missing": 5.0,
    "exif_thumbnail": 40.0,
    "pdf_incremental_update": 25.0,
    "pdf_software": 60.0,
    "pdf_dates": 30.0,
    "pdf_fonts_added": 60.0,
    "pdf_text_layer": 75.0,
    # repeat fraud
    "document_reuse": 80.0,
    "face_reuse": 80.0,
    "id_number_reuse": 80.0,
    # velocity (client-given keys; windows in BOTSKYC_FRAUD_VELOCITY_*)
    "velocity_reference": 35.0,
    "velocity_document": 35.0,
    "velocity_device": 25.0,
    "velocity_ip": 15.0,
    # consistency of what the extraction stage read (OCR misreads fail these too: moderate)
    "mrz_viz_mismatch": 35.0,
    "barcode_viz_mismatch": 35.0,
    "arithmetic_mismatch": 25.0,
    "cross_document_mismatch": 25.0,
    # the page's words against its type's template layouts (models.fraud.layout; since
    # fraud-2026.5): a counterfeit re-made from scratch; review, never decline on its own
    "template_layout": 65.0,
}


# Signals whose scores below their threshold still rank forgeries above genuine uploads
# (development seeds, docs/accuracy.md "graded evidence"); the rest add nothing there.
DEFAULT_GRADED: tuple[str, ...] = (
    "double_compression",
    "local_edits",
    "portrait_substitution",
    "print_recapture",
    "screen_recapture",
)
DEFAULT_GRADED_SHARE = 0.5


class InvalidPolicy(ValueError):
    """A policy that cannot be used (bad bands, negative weights, no version);
    ``field`` names the part of a policy body at fault, when one is."""

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field


@dataclass(frozen=True)
class RiskPolicy:
    """Weights and bands of the risk score; see the module docstring."""

    version: str = "fraud-2026.5"
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    approve_max: float = 30.0
    review_max: float = 70.0
    # A policy stored before fraud-2026.4 has no "graded" entry: it reads back as no graded
    # evidence, so a past decision is explained with the rule it was made by.
    graded: tuple[str, ...] = DEFAULT_GRADED
    graded_share: float = DEFAULT_GRADED_SHARE

    def __post_init__(self) -> None:
        if not self.version or not isinstance(self.version, str):
            raise InvalidPolicy("a policy needs a version string")
        if not 0 <= self.approve_max < self.review_max < MAX_SCORE:
            raise InvalidPolicy(f"bands must satisfy 0 <= approve_max < review_max < {MAX_SCORE:g}")
        for name, w in self.weights.items():
            if not isinstance(w, int | float) or not 0 <= float(w) <= MAX_SCORE:
                raise InvalidPolicy(f"weight of {name!r} must be in [0, {MAX_SCORE:g}]")
        if not isinstance(self.graded_share, int | float) or not (
            0 <= float(self.graded_share) <= TRIGGERED_FLOOR
        ):
            raise InvalidPolicy(f"graded share must be in [0, {TRIGGERED_FLOOR:g}]")
        if tuple(sorted(set(self.graded))) != self.graded:
            object.__setattr__(self, "graded", tuple(sorted(set(self.graded))))

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "weights": dict(sorted(self.weights.items())),
            "bands": {"approveMax": self.approve_max, "reviewMax": self.review_max},
            "graded": {"share": self.graded_share, "signals": list(self.graded)},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RiskPolicy:
        """Raises :class:`InvalidPolicy` on a malformed document."""
        try:
            bands = d["bands"]
            graded = d.get("graded") or {"share": 0.0, "signals": []}
            return cls(
                version=str(d["version"]),
                weights={str(k): float(v) for k, v in dict(d["weights"]).items()},
                approve_max=float(bands["approveMax"]),
                review_max=float(bands["reviewMax"]),
                graded=tuple(str(n) for n in graded["signals"]),
                graded_share=float(graded["share"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, InvalidPolicy):
                raise
            raise InvalidPolicy(f"malformed policy: {exc}") from exc

    @classmethod
    def from_json(cls, text: str) -> RiskPolicy:
        return cls.from_dict(json.loads(text))


def policy_from_body(body: Any, version: str, extra: frozenset[str] = frozenset()) -> RiskPolicy:
    """The policy a ``PUT /risk-policy`` body describes over the default policy: what is
    not given keeps the default. Keys other than ``weights``, ``bands``, ``graded`` and
    ``extra`` are errors, and so is an unknown signal name (a typo would otherwise weigh
    nothing). Raises :class:`InvalidPolicy` with ``field`` set where one part is at
    fault."""
    if not isinstance(body, dict):
        raise InvalidPolicy("the body must be a JSON object")
    unknown_keys = set(body) - {"weights", "bands", "graded"} - extra
    if unknown_keys:
        raise InvalidPolicy(f"unknown field(s): {', '.join(sorted(unknown_keys))}")
    weights = body.get("weights", {})
    if not isinstance(weights, dict):
        raise InvalidPolicy("weights must be an object", "weights")
    unknown = set(weights) - set(DEFAULT_WEIGHTS)
    if unknown:
        raise InvalidPolicy(
            f"unknown signal(s): {', '.join(sorted(unknown))}; known: "
            + ", ".join(sorted(DEFAULT_WEIGHTS)),
            "weights",
        )
    bands = body.get("bands") or {}
    if not isinstance(bands, dict):
        raise InvalidPolicy('bands must be {"approveMax": n, "reviewMax": n}', "bands")
    graded = body.get("graded") or {}
    if not isinstance(graded, dict) or set(graded) - {"share", "signals"}:
        raise InvalidPolicy('graded must be {"share": number, "signals": [name]}', "graded")
    named = graded.get("signals", [])
    if not isinstance(named, list) or not all(isinstance(n, str) for n in named):
        raise InvalidPolicy("graded.signals must be a list of signal names", "graded")
    if set(named) - set(DEFAULT_WEIGHTS):
        unknown = set(named) - set(DEFAULT_WEIGHTS)
        raise InvalidPolicy(f"unknown signal(s): {', '.join(sorted(unknown))}", "graded")
    base = RiskPolicy().to_dict()
    return RiskPolicy.from_dict(
        {
            "version": version,
            "weights": base["weights"] | weights,
            "bands": base["bands"] | bands,
            "graded": base["graded"] | graded,
        }
    )


@dataclass(frozen=True)
class Contribution:
    """What one signal added to the score."""

    signal: str
    weight: float
    contribution: float
    reason_code: ReasonCode
    signal_score: float
    triggered: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "signal": self.signal,
            "weight": self.weight,
            "contribution": round(self.contribution, 2),
            "reasonCode": self.reason_code.value,
            "signalScore": round(self.signal_score, 4),
            "triggered": self.triggered,
        }


@dataclass(frozen=True)
class RiskResult:
    """The combined risk; ``contributions`` sum to ``score`` (up to rounding)."""

    score: float
    band: str  # "low" | "medium" | "high"
    decision: str  # "approve" | "review" | "decline"
    contributions: list[Contribution]
    policy_version: str

    @property
    def reason_codes(self) -> list[str]:
        """Codes of the triggered signals the policy weighs, strongest contribution first.

        A signal the policy weighs 0 (an experimental one, or one an organisation turned
        off) stays in ``contributions`` with its score, but gives no reason: a reason code
        is a claim that it moved the decision.
        """
        hits = sorted(
            (c for c in self.contributions if c.triggered and c.weight > 0),
            key=lambda c: -c.contribution,
        )
        return list(dict.fromkeys(c.reason_code.value for c in hits))

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 1),
            "band": self.band,
            "decision": self.decision,
            "reasonCodes": self.reason_codes,
            "contributions": [c.to_dict() for c in self.contributions],
            "policyVersion": self.policy_version,
        }


def strength(sig: Signal) -> float:
    """0 under the threshold; 0.5 at it, rising linearly to 1 at score 1."""
    if not sig.triggered:
        return 0.0
    span = 1.0 - sig.threshold
    if span <= 0:
        return 1.0
    return TRIGGERED_FLOOR + (1 - TRIGGERED_FLOOR) * (sig.score - sig.threshold) / span


def strongest(signals: list[Signal]) -> list[Signal]:
    """One signal per name: the highest score (the page that shows it most)."""
    best: dict[str, Signal] = {}
    for s in signals:
        if s.name not in best or (s.applicable, s.score) > (
            best[s.name].applicable,
            best[s.name].score,
        ):
            best[s.name] = s
    return list(best.values())


def evidence(sig: Signal, policy: RiskPolicy) -> float:
    """Share of its weight a signal under its threshold adds (0 unless graded)."""
    if sig.triggered or not sig.applicable or sig.name not in policy.graded:
        return 0.0
    return float(policy.graded_share * (sig.score / sig.threshold) ** EVIDENCE_POWER)


def score(signals: list[Signal], policy: RiskPolicy | None = None) -> RiskResult:
    """Combine ``signals`` under ``policy`` (the default policy when None); pure."""
    policy = policy or RiskPolicy()
    raw: list[tuple[Signal, float, float, float]] = []
    for sig in signals:
        w = float(policy.weights.get(sig.name, 0.0))
        raw.append((sig, w, w * strength(sig), w * evidence(sig, policy)))
    total = sum(t for _, _, t, _ in raw)
    scale = MAX_SCORE / total if total > MAX_SCORE else 1.0
    decided = min(MAX_SCORE, total)
    if decided <= policy.approve_max:
        band, decision, top = "low", "approve", policy.approve_max
    elif decided <= policy.review_max:
        band, decision, top = "medium", "review", policy.review_max
    else:
        band, decision, top = "high", "decline", MAX_SCORE
    graded = sum(e for _, _, _, e in raw)
    room = top - decided
    e_scale = room / graded if graded > room else 1.0
    contributions = [
        Contribution(s.name, w, t * scale + e * e_scale, s.reason_code, s.score, s.triggered)
        for s, w, t, e in raw
    ]
    value = min(top, decided + graded * e_scale)
    return RiskResult(value, band, decision, contributions, policy.version)

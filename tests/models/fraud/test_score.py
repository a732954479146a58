"""The risk combiner and the common signal shape."""

from __future__ import annotations

import json

import numpy as np
import pytest

from models.fraud.score import InvalidPolicy, RiskPolicy, policy_from_body, score
from models.fraud.signal import (
    ReasonCode,
    Signal,
    heatmap_from_blocks,
    signal_from_dict,
    squash,
)


def _sig(
    name: str, s: float, thr: float = 0.5, code: ReasonCode = ReasonCode.TAMPERING_SUSPECTED
) -> Signal:
    return Signal(name, s, thr, code)


def test_contributions_sum_to_the_score_and_explain_it() -> None:
    sigs = [
        _sig("double_compression", 0.9, 0.75),
        _sig("exif_software", 0.9, 0.5, ReasonCode.EDITED_WITH_SOFTWARE),
        _sig("noise_inconsistency", 0.3, 0.8, ReasonCode.NOISE_INCONSISTENT),
    ]
    res = score(sigs)
    assert res.score == pytest.approx(sum(c.contribution for c in res.contributions))
    assert res.decision == "decline" and res.band == "high"
    assert res.reason_codes[0] == "EDITED_WITH_SOFTWARE"
    assert "NOISE_INCONSISTENT" not in res.reason_codes  # under its threshold: no points
    d = res.to_dict()
    assert d["policyVersion"] == RiskPolicy().version
    assert {"signal", "weight", "contribution", "reasonCode"} <= set(d["contributions"][0])


def test_a_signal_weighed_zero_gives_no_reason_code() -> None:
    sigs = [
        _sig("copy_move", 0.95, 0.5, ReasonCode.COPY_MOVE_DETECTED),  # experimental: weight 0
        _sig("exif_camera_missing", 0.9, 0.5, ReasonCode.METADATA_MISSING),
    ]
    res = score(sigs)
    assert res.reason_codes == ["METADATA_MISSING"]
    weighed_zero = next(c for c in res.contributions if c.signal == "copy_move")
    assert weighed_zero.triggered and weighed_zero.contribution == 0.0
    turned_on = RiskPolicy(version="org-1", weights={**RiskPolicy().weights, "copy_move": 20.0})
    assert score(sigs, turned_on).reason_codes[0] == "COPY_MOVE_DETECTED"


def test_cap_scales_every_contribution() -> None:
    sigs = [_sig("exif_software", 1.0), _sig("exif_dates", 1.0), _sig("document_reuse", 1.0)]
    res = score(sigs)
    assert res.score == 100.0
    assert sum(c.contribution for c in res.contributions) == pytest.approx(100.0)


def test_bands_and_weak_evidence() -> None:
    assert score([]).decision == "approve"
    weak = score([_sig("exif_camera_missing", 0.3, 0.5, ReasonCode.METADATA_MISSING)])
    assert weak.score == 0.0 and weak.decision == "approve"
    policy = RiskPolicy(version="t", weights={"x": 50.0}, approve_max=30, review_max=70)
    at_threshold = score([_sig("x", 0.5)], policy)  # strength 0.5 at the threshold: 25 points
    assert at_threshold.score == pytest.approx(25.0) and at_threshold.decision == "approve"
    assert score([_sig("x", 1.0)], policy).decision == "review"


def test_graded_evidence_ranks_within_the_band_and_never_changes_the_decision() -> None:
    faint = [_sig("local_edits", 0.2), _sig("error_level", 0.8, 0.85)]
    strong = [_sig("local_edits", 0.45), _sig("double_compression", 0.7, 0.75)]
    a, b = score(faint), score(strong)
    # 65 * 0.5 * (0.2 / 0.5) ** 2 = 5.2; error-level is not graded (noise below its threshold)
    assert a.score == pytest.approx(5.2) and a.decision == "approve" and not a.reason_codes
    # 26.3 + 13.1 points of evidence, held to the approve band's 30: still approved
    assert b.score == pytest.approx(30.0) and b.decision == "approve" and not b.reason_codes
    assert sum(c.contribution for c in b.contributions) == pytest.approx(b.score)
    ungraded = RiskPolicy(version="old", graded=())
    assert score(strong, ungraded).score == 0.0

    reviewed = score([_sig("exif_software", 0.5, 0.5, ReasonCode.EDITED_WITH_SOFTWARE), *strong])
    assert reviewed.decision == "review" and reviewed.score == pytest.approx(70.0)
    assert reviewed.reason_codes == ["EDITED_WITH_SOFTWARE"]  # evidence is points, not reasons
    software = next(c for c in reviewed.contributions if c.signal == "exif_software")
    assert software.contribution == pytest.approx(37.5)  # triggered points are never scaled down


def test_graded_evidence_meets_the_triggered_floor_at_the_threshold() -> None:
    policy = RiskPolicy(version="t", weights={"x": 50.0}, graded=("x",))
    below, at = score([_sig("x", 0.4999)], policy), score([_sig("x", 0.5)], policy)
    assert below.score == pytest.approx(at.score, abs=0.01) and at.score == pytest.approx(25.0)


def test_a_policy_stored_before_graded_evidence_reads_back_without_it() -> None:
    stored = RiskPolicy().to_dict()
    del stored["graded"]
    old = RiskPolicy.from_dict(stored)
    assert old.graded == () and old.graded_share == 0.0
    assert score([_sig("local_edits", 0.45)], old).score == 0.0
    with pytest.raises(InvalidPolicy):
        RiskPolicy(version="v", graded_share=0.6)


def test_policy_json_round_trip_and_validation() -> None:
    p = RiskPolicy(version="v9", weights={"a": 10.0}, approve_max=20, review_max=60)
    q = RiskPolicy.from_json(p.to_json())
    assert q == p
    assert json.loads(p.to_json())["bands"] == {"approveMax": 20, "reviewMax": 60}
    with pytest.raises(InvalidPolicy):
        RiskPolicy(version="", weights={})
    with pytest.raises(InvalidPolicy):
        RiskPolicy(version="v", approve_max=80, review_max=70)
    with pytest.raises(InvalidPolicy):
        RiskPolicy(version="v", weights={"a": -1.0})
    with pytest.raises(InvalidPolicy):
        RiskPolicy.from_dict({"version": "v"})


def test_signal_contract() -> None:
    with pytest.raises(ValueError):
        Signal("x", 1.5, 0.5, ReasonCode.SPLICE_SUSPECTED)
    heat = heatmap_from_blocks(np.arange(12, dtype=float).reshape(3, 4), (600, 800, 3))
    s = Signal("x", 0.7, 0.5, ReasonCode.SPLICE_SUSPECTED, regions=((1, 2, 3, 4),), heatmap=heat)
    d = s.to_dict()
    assert d["reasonCode"] == "SPLICE_SUSPECTED" and d["triggered"]
    assert d["regions"] == [{"x": 1, "y": 2, "w": 3, "h": 4}]
    assert heat.dtype == np.uint8 and heat.shape == (192, 256)  # long side 256, aspect kept
    png = s.heatmap_png()
    assert png is not None and png[:4] == b"\x89PNG"
    assert squash(3.0, 3.0, 5.0) == pytest.approx(0.5)
    assert squash(5.0, 3.0, 5.0) == pytest.approx(0.9)


def test_served_signals_round_trip() -> None:
    s = Signal(
        "noise_inconsistency", 0.9, 0.8, ReasonCode.NOISE_INCONSISTENT, regions=((1, 2, 3, 4),)
    )
    back = signal_from_dict(json.loads(json.dumps(s.to_dict())))
    assert (back.name, back.score, back.regions, back.reason_code) == (
        s.name,
        s.score,
        s.regions,
        s.reason_code,
    )


def test_a_policy_body_is_read_over_the_default_and_names_the_part_at_fault() -> None:
    p = policy_from_body({"weights": {"exif_software": 100}, "graded": {"share": 0}}, "v1")
    assert p.weights["exif_software"] == 100 and p.weights["local_edits"] == 65
    assert p.graded == RiskPolicy().graded and p.graded_share == 0 and p.version == "v1"
    for body, field in [
        ({"weights": {"exif_sofware": 1}}, "weights"),
        ({"bands": "strict"}, "bands"),
        ({"graded": {"signals": ["local_edit"]}}, "graded"),
        ({"colour": "red"}, None),
    ]:
        with pytest.raises(InvalidPolicy) as err:
            policy_from_body(body, "v")
        assert err.value.field == field
    with pytest.raises(InvalidPolicy):
        policy_from_body({"bands": {"approveMax": 80}}, "v")  # over review_max 70
    assert policy_from_body({"limit": 5}, "v", frozenset({"limit"})).version == "v"

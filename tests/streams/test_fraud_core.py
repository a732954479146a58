"""The fraud stage's pure core: what is examined, repeat fraud, velocity, the assessment."""

from __future__ import annotations

import json
from typing import Any

from core.settings import FraudSettings
from models.doctypes import DocumentType
from models.fraud.hashing import document_hash
from models.fraud.layout import load_profiles
from models.fraud.score import RiskPolicy
from models.fraud.signal import ReasonCode, Signal
from streams.stages.fraud import (
    Identity,
    assess,
    consistency_signals,
    document_reuse,
    documents_to_examine,
    face_reuse,
    forensics_options,
    id_number_reuse,
    layout_signal,
    other_identity,
    policy_of,
    velocity_signals,
)
from tests.fixtures.fraud import sample
from tests.fixtures.layout import reading_of

ME = Identity(reference="cust-1", id_number="123412345", full_name="NEO MOKGOSI")


def _page(pos: int, role: str = "document", **kw: Any) -> dict[str, Any]:
    return {
        "file_position": pos,
        "page": 0,
        "role": role,
        "object_key": f"k{pos}",
        "width": 1000,
        "height": 600,
        "rotation_applied": 0,
        "error": None,
    } | kw


def test_only_decoded_document_pages_are_examined() -> None:
    pages = [
        _page(0),
        _page(1, role="selfie"),
        _page(2, object_key=None, error="DOCUMENT_UNREADABLE"),
        _page(3, role="reference"),
    ]
    assert documents_to_examine({"intake": {"pages": pages}}) == [pages[0]]


def test_options_carry_the_portrait_and_text_boxes_in_the_page_frame() -> None:
    reading = {"lines": [{"text": "A", "box": [[10, 20], [110, 20], [110, 40], [10, 40]]}]}
    portrait = {"found": True, "box": [600, 100, 200, 260], "rotation": 0}
    opts = json.loads(forensics_options(_page(0), portrait, reading))
    assert opts == {
        "frameSize": [1000, 600],
        "portraitBox": [600, 100, 200, 260],
        "textBoxes": [[10, 20, 100, 20]],
    }
    # A portrait found on a turned page is in another frame: left out.
    turned = json.loads(forensics_options(_page(0), portrait | {"rotation": 90}, None))
    assert "portraitBox" not in turned and "textBoxes" not in turned


def test_another_identity_is_judged_by_number_then_name_then_reference() -> None:
    assert other_identity(ME, "cust-1", "999999999", "NEO MOKGOSI")
    assert not other_identity(ME, "cust-2", "123412345", "SOMEONE ELSE")
    assert other_identity(Identity("c", None, "NEO MOKGOSI"), "c", None, "KABO SETSHEDI")
    assert not other_identity(Identity("c", None, "NEO MOKGOSI"), "x", None, "Mokgosi Neo")
    assert other_identity(Identity("c", None, None), "x", None, None)
    assert not other_identity(Identity(None, None, None), "x", None, None)


def _row(org: str = "org_a", **kw: Any) -> dict[str, Any]:
    return {
        "organisation_id": org,
        "verification_id": "ver_old",
        "reference": "cust-9",
        "id_number": "555512345",
        "full_name": "KABO SETSHEDI",
    } | kw


def test_a_face_seen_under_another_identity_is_reuse_and_hides_other_organisations() -> None:
    sig = face_reuse([(_row(), 0.21), (_row("org_b"), 0.3)], ME, "org_a")
    assert sig.triggered and sig.reason_code is ReasonCode.FACE_REUSED_OTHER_IDENTITY
    matches = sig.details["matches"]
    assert matches[0] == {"verificationId": "ver_old", "reference": "cust-9", "distance": 0.21}
    assert matches[1] == {"organisation": "another organisation (opted in)", "distance": 0.3}


def test_the_same_person_verifying_again_is_a_repeat_not_fraud() -> None:
    sig = face_reuse([(_row(id_number="123412345", full_name="NEO MOKGOSI"), 0.2)], ME, "org_a")
    assert not sig.triggered and len(sig.details["sameIdentityRepeats"]) == 1


def test_a_document_number_under_another_face_or_name_is_flagged() -> None:
    face = [0.0] * 128
    far = [0.1] * 128  # distance sqrt(128 * 0.01) = 1.13: another person
    near = [0.01] * 128  # 0.11: the same person
    conflict = id_number_reuse([_row(embedding=far, full_name="NEO MOKGOSI")], face, ME, "org_a")
    assert conflict.triggered and conflict.reason_code is ReasonCode.ID_NUMBER_REUSED
    assert "another face" in conflict.details["conflicts"][0]["why"][0]
    renamed = id_number_reuse([_row(embedding=near)], face, ME, "org_a")
    assert renamed.triggered and renamed.details["conflicts"][0]["why"] == ["another name"]
    same = id_number_reuse([_row(embedding=near, full_name="NEO MOKGOSI")], face, ME, "org_a")
    assert not same.triggered
    unknown = id_number_reuse([], None, Identity("c", None, None), "org_a")
    assert not unknown.applicable


def test_a_document_image_reused_under_another_number_is_found_and_a_new_one_is_not() -> None:
    a = sample(DocumentType.NATIONAL_ID_FRONT, "scan", 2_100_010)
    b = sample(DocumentType.NATIONAL_ID_FRONT, "scan", 2_100_011)
    ha, hb = document_hash(a.image), document_hash(b.image)
    page = _page(0)

    def row_of(h: Any, **kw: Any) -> dict[str, Any]:
        d = h.to_dict()
        return _row(layout_hash=bytes.fromhex(d["layout"]), ink_hash=d["ink"], **kw)

    stored = {(0, 0): [row_of(ha), row_of(hb)]}  # the shortlist, best first
    sig = document_reuse([(page, ha, [])], stored, ME, "org_a", 5)
    assert sig.triggered and sig.reason_code is ReasonCode.DOCUMENT_REUSED
    assert sig.details["matches"][0]["verificationId"] == "ver_old"
    # Only b stored: another person's card of the same template is not this card.
    assert not document_reuse([(page, ha, [])], {(0, 0): [row_of(hb)]}, ME, "org_a", 5).triggered
    # The same card, the same holder: a repeat.
    same = {"id_number": "123412345", "full_name": "NEO MOKGOSI"}
    mine = {(0, 0): [row_of(ha, reference="cust-1", **same)]}
    repeat = document_reuse([(page, ha, [])], mine, ME, "org_a", 5)
    assert not repeat.triggered and len(repeat.details["sameIdentityRepeats"]) == 1
    # The same card, the same holder, under another client account: reuse.
    other_account = {(0, 0): [row_of(ha, reference="cust-7", **same)]}
    assert document_reuse([(page, ha, [])], other_account, ME, "org_a", 5).triggered
    # Values decide with the ink map: the same ink with other values is another person's
    # page of the template; other ink with the same values is this page captured again.
    values = [11, 22, 33, 44, 55]
    other_values = {(0, 0): [row_of(ha, text_tokens=[11, 66, 77, 88, 99])]}
    assert not document_reuse([(page, ha, values)], other_values, ME, "org_a", 5).triggered
    same_values = {(0, 0): [row_of(hb, text_tokens=values)]}
    rescued = document_reuse([(page, ha, values)], same_values, ME, "org_a", 5)
    assert rescued.triggered and rescued.details["matches"][0]["valueOverlap"] == 1.0


def test_velocity_fires_only_over_the_limit_and_only_for_keys_given() -> None:
    settings = FraudSettings(velocity_max_per_reference=5, velocity_max_per_document=3)
    by_name = {s.name: s for s in velocity_signals({"reference": 5, "document": 6}, settings)}
    assert not by_name["velocity_reference"].triggered
    assert by_name["velocity_document"].triggered
    assert by_name["velocity_document"].details["count"] == 6
    assert not by_name["velocity_device"].applicable and not by_name["velocity_ip"].applicable


def test_a_signal_counts_once_at_its_strongest_page() -> None:
    weak = Signal("screen_recapture", 0.85, 0.8, ReasonCode.SCREEN_RECAPTURE)
    strong = Signal("screen_recapture", 1.0, 0.8, ReasonCode.SCREEN_RECAPTURE)
    docs = [
        {"position": 0, "page": 0, "signals": [weak], "heatmaps": {}},
        {"position": 1, "page": 0, "signals": [strong], "heatmaps": {"screen_recapture": "h.png"}},
    ]
    result = assess(docs, {}, [], [], RiskPolicy())
    (c,) = result["risk"]["contributions"]
    assert c["signalScore"] == 1.0 and c["contribution"] == 60.0
    assert result["documents"][1]["signals"][0]["heatmapKey"] == "h.png"
    assert result["risk"]["decision"] == "review"


def test_an_organisation_policy_names_its_version() -> None:
    assert policy_of(None, "org_a", None).version == RiskPolicy().version
    stored = RiskPolicy(approve_max=10).to_dict()
    assert policy_of(stored, "org_a", 3).version == "org_a/v3"
    assert policy_of(stored, "org_a", 3).approve_max == 10


def test_extraction_disagreements_become_signals_and_unmeasured_kinds_do_not_count() -> None:
    checks = [
        {"name": "MRZ_VIZ_AGREEMENT", "status": "fail", "reasons": ["NAME_MISMATCH_MRZ_VIZ"]},
        {"name": "STATEMENT_ARITHMETIC", "status": "pass", "reasons": []},
        {"name": "DATES_PLAUSIBLE", "status": "fail", "reasons": ["DOCUMENT_EXPIRED"]},
    ]
    extraction = {"fields": {}, "checks": checks}
    event = {
        "extraction": {
            "pages": [{"extraction_json": json.dumps(extraction)}],
            "cross_checks_json": json.dumps(
                [{"name": "NAME_MATCH", "status": "not_applicable", "reasons": []}]
            ),
        }
    }
    by_name = {s.name: s for s in consistency_signals(event)}
    assert by_name["mrz_viz_mismatch"].triggered
    assert by_name["mrz_viz_mismatch"].details["failed"][0]["reasons"] == ["NAME_MISMATCH_MRZ_VIZ"]
    assert (
        by_name["arithmetic_mismatch"].applicable and not by_name["arithmetic_mismatch"].triggered
    )
    assert not by_name["barcode_viz_mismatch"].applicable
    assert not by_name["cross_document_mismatch"].applicable
    risk = assess([], {}, [], [], RiskPolicy(), list(by_name.values()))["risk"]
    assert risk["reasonCodes"] == ["MRZ_VIZ_MISMATCH"] and 0 < risk["score"] <= 35


def test_the_page_layout_is_checked_against_its_type_profiles() -> None:
    profile = load_profiles()["national_id_front"][0]
    anchors = sorted(profile.anchors, key=lambda a: a.y)
    genuine = reading_of([(a.text, a.x, a.y) for a in anchors])
    sig = layout_signal(genuine, "national_id_front")
    assert sig.name == "template_layout" and sig.applicable and not sig.triggered
    # the same words with the lines in reverse order down the page: a re-made layout
    ys = [a.y for a in anchors]
    swapped = reading_of([(a.text, a.x, y) for a, y in zip(anchors, reversed(ys), strict=True)])
    sig = layout_signal(swapped, "national_id_front")
    assert sig.triggered and sig.reason_code is ReasonCode.LAYOUT_INCONSISTENT
    assert sig.details["misplaced"]
    assert not layout_signal(None, "national_id_front").applicable
    assert not layout_signal(genuine, None).applicable
    assert not layout_signal(genuine, "unknown").applicable

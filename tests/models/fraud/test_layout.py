"""The template-layout check: words from OCR, profiles, and the signal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.fraud import layout
from models.fraud.layout import (
    LAYOUT_THRESHOLD,
    Page,
    Profile,
    Word,
    canonical,
    check,
    compare,
    fit_profile,
    load_profiles,
    page_from_reading,
)
from models.fraud.signal import ReasonCode
from models.fraud.train_layout import TYPES
from tests.fixtures.layout import LABELS

OTHER = {  # another template of the type: other words, other places
    "REPUBLIC": (0.50, 0.05),
    "CARD": (0.50, 0.12),
    "NAME": (0.20, 0.35),
    "GIVEN": (0.20, 0.45),
    "CITIZEN": (0.20, 0.55),
    "BORN": (0.20, 0.65),
    "VALID": (0.20, 0.75),
}


def _letters(n: int) -> str:
    """A word of its own for every number (a person's value)."""
    out = "VAL"
    while True:
        n, r = divmod(n, 26)
        out += "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[r]
        if n == 0:
            return out


def _page(
    words: dict[str, tuple[float, float]],
    scale: float = 1.0,
    dx: float = 0.0,
    dy: float = 0.0,
    jitter: float = 0.0,
    seed: int = 0,
) -> Page:
    """The words as a page captured with a scale and offset, plus a value word per label."""
    import random

    rng = random.Random(seed)
    out = []
    for i, (text, (x, y)) in enumerate(words.items()):
        jx, jy = rng.gauss(0, jitter), rng.gauss(0, jitter)
        out.append(Word(text, x * scale + dx + jx, y * scale + dy + jy, 0.03))
        # a value beside the label: changes with every document, never an anchor
        out.append(Word(_letters(seed * 20 + i), x + 0.3, y, 0.03))
    return Page(tuple(out))


@pytest.fixture(scope="module")
def profile() -> Profile:
    return fit_profile(
        "national_id_front", "t0", [_page(LABELS, jitter=0.004, seed=s) for s in range(12)]
    )


@pytest.fixture(scope="module")
def other_profile() -> Profile:
    return fit_profile(
        "national_id_front", "t1", [_page(OTHER, jitter=0.004, seed=s) for s in range(12)]
    )


def test_canonical_reads_ocr_look_alikes_as_letters_and_drops_the_rest() -> None:
    assert canonical("D0B:") == "DOB"
    assert canonical("Surname") == "SURNAME"
    assert canonical("5URNAME") == "SURNAME"
    assert canonical("12/03") == "IZO"  # digits become look-alike letters or nothing
    assert canonical("...") == ""


def test_page_from_reading_places_words_along_their_line() -> None:
    reading = {
        "geometry": {"width": 1000, "height": 500},
        "lines": [
            {"text": "Surname MOTSUMI", "box": [[100, 100], [400, 100], [400, 120], [100, 120]]},
            {"text": "a", "box": [[0, 0], [5, 0], [5, 5], [0, 5]]},  # too short to anchor
        ],
    }
    page = page_from_reading(reading)
    assert page is not None
    first, second = page.words
    assert (first.text, second.text) == ("SURNAME", "MOTSUMI")
    assert first.x == pytest.approx((100 + 300 * 3.5 / 15) / 1000)
    assert second.x == pytest.approx((100 + 300 * 11.5 / 15) / 1000)
    assert first.y == pytest.approx(0.22)
    assert page_from_reading({"geometry": {"width": 0, "height": 0}, "lines": []}) is None
    assert page_from_reading({"geometry": {"width": 10, "height": 10}, "lines": []}) is None


def test_a_profile_keeps_the_fixed_words_and_not_the_values(profile: Profile) -> None:
    texts = {a.text for a in profile.anchors}
    assert texts == set(LABELS)
    surname = next(a for a in profile.anchors if a.text == "SURNAME")
    assert surname.x == pytest.approx(0.45, abs=0.005)
    assert surname.y == pytest.approx(0.30, abs=0.005)
    assert surname.presence == 1.0
    assert Profile.from_dict(json.loads(json.dumps(profile.to_dict()))).anchors[0].text == (
        profile.anchors[0].text
    )


def test_a_genuine_page_cropped_or_found_with_a_margin_passes(profile: Profile) -> None:
    for scale, dx, dy in ((1.0, 0.0, 0.0), (0.85, 0.05, 0.08), (1.12, -0.03, -0.02)):
        page = _page(LABELS, scale, dx, dy, jitter=0.004, seed=99)
        c = compare(page, profile)
        assert c.fitted and not c.misplaced and not c.missing, (scale, c)
        sig = check(page, [profile])
        assert sig.applicable and sig.score == 0.0


def test_moved_labels_are_flagged_and_missing_titles_count_as_evidence(profile: Profile) -> None:
    moved = dict(LABELS)  # the form's labels in another order
    moved["SURNAME"], moved["EXPIRY"] = LABELS["EXPIRY"], LABELS["SURNAME"]
    moved["FORENAMES"], moved["BIRTHPLACE"] = LABELS["BIRTHPLACE"], LABELS["FORENAMES"]
    sig = check(_page(moved, seed=6), [profile])
    assert sig.triggered and sig.reason_code is ReasonCode.LAYOUT_INCONSISTENT
    assert {"SURNAME", "EXPIRY", "FORENAMES", "BIRTHPLACE"} <= set(sig.details["misplaced"])

    # three titles absent from a page read well: evidence, named, but alone under the
    # threshold (three OCR slips on one card are not unheard of)
    missing = {k: v for k, v in LABELS.items() if k not in ("REPUBLIC", "BOTSWANA", "IDENTITY")}
    sig = check(_page(missing, seed=5), [profile])
    assert set(sig.details["missing"]) == {"REPUBLIC", "BOTSWANA", "IDENTITY"}
    assert 0 < sig.score < LAYOUT_THRESHOLD

    # another word where a label belongs counts twice what its absence counts
    absent = check(_page({k: v for k, v in LABELS.items() if k != "SURNAME"}, seed=4), [profile])
    reworded = {("LASTNAME" if k == "SURNAME" else k): v for k, v in LABELS.items()}
    sig = check(_page(reworded, seed=4), [profile])
    assert absent.details["missing"] == ["SURNAME"] and sig.details["replaced"] == ["SURNAME"]
    assert sig.details["evidence"] > absent.details["evidence"]


def test_one_ocr_slip_is_not_a_counterfeit(profile: Profile) -> None:
    slip = {k: v for k, v in LABELS.items() if k != "NATIONALITY"}
    sig = check(_page(slip, seed=7), [profile])
    assert sig.applicable and not sig.triggered


def test_a_page_is_judged_against_the_template_it_resembles(
    profile: Profile, other_profile: Profile
) -> None:
    sig = check(_page(OTHER, seed=8), [profile, other_profile])
    assert sig.applicable and not sig.triggered
    assert sig.details["template"] == "t1"


def test_not_applicable_without_profiles_text_or_anchors(profile: Profile) -> None:
    assert not check(_page(LABELS), []).applicable
    assert not check(None, [profile]).applicable
    few = Page((Word("SURNAME", 0.45, 0.3, 0.03), Word("HELLO", 0.5, 0.5, 0.03)))
    sig = check(few, [profile])
    assert not sig.applicable and sig.score == 0.0 and sig.threshold == LAYOUT_THRESHOLD


def test_load_profiles_reads_a_file_and_rejects_a_broken_one(
    tmp_path: Path, profile: Profile
) -> None:
    good = tmp_path / "good.json"
    good.write_text(layout.profiles_to_json([profile], {"note": "test"}))
    back = load_profiles(good)["national_id_front"][0].anchors
    assert [a.text for a in back] == [a.text for a in profile.anchors]
    assert [a.x for a in back] == pytest.approx([a.x for a in profile.anchors], abs=1e-4)
    assert load_profiles(tmp_path / "absent.json") == {}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"profiles": [{"docType": "x"}]}))
    with pytest.raises(ValueError, match="not a layout profiles file"):
        load_profiles(bad)


def test_the_shipped_profiles_cover_every_template_of_the_identity_types() -> None:
    shipped = load_profiles()
    assert TYPES and all("identity" in t.categories for t in TYPES)
    for doc_type in TYPES:
        profiles = shipped.get(doc_type.value, ())
        assert sorted(p.template for p in profiles) == ["t0", "t1", "t2"], doc_type
        for p in profiles:
            assert len(p.anchors) >= layout.MIN_ANCHORS_VISIBLE, (doc_type, p.template)
            assert all(0 < a.presence <= 1 and a.sx > 0 and a.sy > 0 for a in p.anchors)
    # a document that flows with its content has no profile: the check does not apply
    assert "electricity_bill" not in shipped and "bank_statement" not in shipped


def test_a_poorly_read_page_of_one_template_is_not_judged_against_another(
    profile: Profile, other_profile: Profile
) -> None:
    # A bilingual passport read by phone: its own template's labels all in place, but too
    # few of them read (merged into longer words) for the page to be judged; the other
    # template's words stand on it too, elsewhere (a passport prints them in its own
    # places). Judged against that other template, every one is "misplaced".
    read = {k: OTHER[k] for k in ("REPUBLIC", "CARD", "NAME", "GIVEN")}
    elsewhere = {
        "BOTSWANA": (0.85, 0.95),
        "IDENTITY": (0.10, 0.80),
        "SURNAME": (0.80, 0.20),
        "FORENAMES": (0.15, 0.95),
        "NATIONALITY": (0.90, 0.55),
        "BIRTHPLACE": (0.60, 0.85),
        "EXPIRY": (0.75, 0.70),
    }
    page = _page({**read, **elsewhere}, seed=9)
    own, other = compare(page, other_profile), compare(page, profile)
    assert own.found == 4 and not own.misplaced  # in place, but under the read share
    assert len(other.misplaced) >= 5
    assert not check(page, [other_profile]).applicable
    sig = check(page, [profile, other_profile])
    assert not sig.applicable and "t1" in sig.details["notApplicable"]

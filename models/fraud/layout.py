"""Template layout: does the page carry its type's printed text where its template puts it?

A counterfeit made from scratch (a page re-created in an editor, a template
bought online, a document of another version) can be free of any pixel trace:
nothing was pasted. What can give it away is the layout: a title or label worded
otherwise or missing, labels in another order, fields where the issuer never
prints them. This check compares the OCR of a page against the *layout
profiles* of its document type.

- A page is its OCR words (:func:`page_from_reading`): each word's canonical
  form (:func:`canonical`: upper case, letters only, OCR look-alike digits read
  as letters) and its centre in page coordinates (0..1 of the upright page the
  OCR read).
- A profile (:class:`Profile`, one per known template of a type) lists
  *anchors*: words that a genuine page of the template prints once, on nearly
  every capture (titles, labels, boilerplate; never the person's values, which
  change), with their mean position, its spread across captures, and how often
  the OCR finds them (:attr:`Anchor.presence`). Profiles are fitted from OCR
  readings of generated genuine uploads (``python -m models.fraud.train_layout``)
  and ship as ``layout_profiles.json`` beside this module. Only types printed
  from a fixed template have them (identity documents): a bill or a letter
  flows with its content, so where its words stand proves little.
- Checking a page against a profile (:func:`compare`): find its anchors, fit a
  scale and offset per axis from the page to the profile (a crop or a page found
  with a margin moves and scales everything; that is not a layout change),
  then count the anchors *misplaced* (farther than :data:`MISPLACED_Z` spreads
  after the fit), *missing* (not found on a page the OCR read well although
  their place is on the visible page) and *replaced* (another word stands where
  they belong). The evidence is the excess of these over what genuine captures
  show, in standard deviations (:func:`_excess`).
- :func:`check` compares with every profile of the type and keeps the one with
  the least evidence: a page is judged against the template it resembles most,
  so a genuine page of any known template passes. A page that another template
  places better (more anchors in place, at most one misplaced) but that the OCR
  read too poorly to judge against it is not applicable: judged against the
  template it is not, it would be flagged for the OCR's sake.

What it catches (docs/accuracy.md, ``make eval-layout``): labels in another
order, well. A label reworded, a title left out or a page typeset in another
template's fonts, poorly: the free fit that forgives a crop also forgives a
generated card whose whole form moved up when its title line was dropped, and
one reworded label is hard to tell from one OCR slip.

Limits: the profiles know the generator's templates only; a real issuer's
layout must be profiled from its real documents before the check means
anything for it. A page of a type with no profile, or with too few anchors
read, is *not applicable*, never suspicious. A page the classifier gave the
wrong type fails every profile (it is sent to review, which is what a misread
type deserves anyway).

Pure functions; no I/O except :func:`load_profiles` (a JSON file read once).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from models.extract.normalise import edit_distance
from models.fraud.signal import ReasonCode, Signal, not_applicable, squash

PROFILES_FILE = Path(__file__).with_name("layout_profiles.json")

NAME = "template_layout"
#: An anchor farther than this many of its spreads from its place (after the fit) is
#: misplaced.
MISPLACED_Z = 5.0
#: Anchors the OCR finds less often than this on genuine captures do not count as
#: missing when absent (they still place the page when found).
MIN_PRESENCE_FOR_MISSING = 0.85
#: Missing anchors count only on a page the OCR read well: at least this share of the
#: anchors expected on it found (a blurred capture loses labels the OCR could not read,
#: a counterfeit one or two the counterfeiter left out).
MIN_READ_SHARE = 0.6
#: A word this close to an absent anchor's place (in its spreads, and at least
#: :data:`NEAR_MIN` of the page) that reads as another word (edit distance over half of
#: the anchor's letters) *replaces* the anchor: counted twice, since the OCR read
#: something else where the template prints the anchor.
NEAR_Z = 3.0
NEAR_MIN = 0.012
REPLACED_WEIGHT = 2.0
#: A profile needs this many anchors found to be fitted; fewer on every profile of the
#: type: not applicable.
MIN_ANCHORS_FOUND = 4
#: ...and this many expected on the visible page.
MIN_ANCHORS_VISIBLE = 5
#: The smallest spread of an anchor's position (page fraction): OCR boxes and the page
#: finder move a word by about this much on a clean scan.
MIN_SPREAD = 0.006
#: An anchor whose place spreads wider than this (page fraction) across genuine captures
#: is a recurring value, not a printed label: it places nothing and is left out.
MAX_SPREAD = 0.04
#: The score's shape: evidence (standard deviations of excess misplaced + missing anchors,
#: :func:`_excess`) at score 0.5 and at 0.9.
EVIDENCE_HALF = 4.0
EVIDENCE_HIGH = 8.0
LAYOUT_THRESHOLD = 0.5
#: Words shorter than this are too ambiguous to anchor a layout (M, NO, OF).
MIN_WORD = 3

# OCR look-alikes: a label read with a digit for a letter is still the label.
_LOOKALIKE = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"})


def canonical(word: str) -> str:
    """The form words are compared in: upper case, look-alike digits as letters,
    letters only (``"D0B:"`` and ``"DOB"`` are one word; a number becomes letters or
    nothing)."""
    up = word.upper().translate(_LOOKALIKE)
    return "".join(c for c in up if "A" <= c <= "Z")


@dataclass(frozen=True)
class Word:
    """One OCR word: canonical text, centre (page fractions) and line height (fraction)."""

    text: str
    x: float
    y: float
    h: float


@dataclass(frozen=True)
class Page:
    """The words of one upright page."""

    words: tuple[Word, ...]


def page_from_reading(reading: dict[str, Any]) -> Page | None:
    """The words of an OCR reading (``DocumentReading.to_dict``: ``lines`` with ``text`` and
    a ``box`` quad in page pixels, ``geometry`` with the page's ``width``/``height``), or
    None when it has no size or no text. A word's centre is placed along its line's box in
    proportion to its characters (the OCR boxes lines, not words)."""
    geo = reading.get("geometry") or {}
    width, height = float(geo.get("width") or 0), float(geo.get("height") or 0)
    if width <= 0 or height <= 0:
        return None
    words: list[Word] = []
    for line in reading.get("lines") or []:
        text, quad = str(line.get("text") or ""), line.get("box")
        if not text.strip() or not quad:
            continue
        xs, ys = [p[0] for p in quad], [p[1] for p in quad]
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        n, pos = len(text), 0
        for raw in text.split(" "):
            start, pos = pos, pos + len(raw) + 1
            word = canonical(raw)
            if len(word) < MIN_WORD:
                continue
            mid = (start + len(raw) / 2) / n
            words.append(
                Word(
                    word, (x0 + mid * (x1 - x0)) / width, (y0 + y1) / 2 / height, (y1 - y0) / height
                )
            )
    return Page(tuple(words)) if words else None


@dataclass(frozen=True)
class Anchor:
    """A word a template prints once: its place, the spread of that place across genuine
    captures (page fractions, per axis), and the share of captures the OCR finds it on."""

    text: str
    x: float
    y: float
    sx: float
    sy: float
    presence: float


@dataclass(frozen=True)
class Profile:
    """The anchors of one known template of a document type."""

    doc_type: str
    template: str
    anchors: tuple[Anchor, ...]
    pages: int  # genuine captures it was fitted on

    def to_dict(self) -> dict[str, Any]:
        return {
            "docType": self.doc_type,
            "template": self.template,
            "pages": self.pages,
            "anchors": [
                [
                    a.text,
                    round(a.x, 4),
                    round(a.y, 4),
                    round(a.sx, 4),
                    round(a.sy, 4),
                    round(a.presence, 3),
                ]
                for a in self.anchors
            ],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Profile:
        return cls(
            str(d["docType"]),
            str(d["template"]),
            tuple(Anchor(str(a[0]), *(float(v) for v in a[1:6])) for a in d["anchors"]),
            int(d["pages"]),
        )


@dataclass(frozen=True)
class Comparison:
    """A page against one profile."""

    template: str
    found: int
    visible: int  # anchors expected on the visible page (found or not)
    misplaced: tuple[str, ...]
    missing: tuple[str, ...]
    replaced: tuple[str, ...]  # absent, with another word where the anchor belongs
    evidence: float  # standard deviations of excess misplaced + missing (0 when fewer)
    fitted: bool


# -- fitting a page onto a profile -------------------------------------------------------------
def _axis_fit(
    obs: Sequence[float], exp: Sequence[float], wts: Sequence[float]
) -> tuple[float, float]:
    """Weighted least squares ``exp ≈ a * obs + b``; ``a`` held to [0.6, 1.6] (a page is not
    shrunk or stretched further by any capture)."""
    sw = sum(wts)
    mo = sum(w * o for w, o in zip(wts, obs, strict=True)) / sw
    me = sum(w * e for w, e in zip(wts, exp, strict=True)) / sw
    var = sum(w * (o - mo) ** 2 for w, o in zip(wts, obs, strict=True))
    cov = sum(w * (o - mo) * (e - me) for w, o, e in zip(wts, obs, exp, strict=True))
    a = cov / var if var > 1e-9 else 1.0
    a = min(1.6, max(0.6, a))
    return a, me - a * mo


def _match(page: Page, profile: Profile) -> list[tuple[Anchor, Word]]:
    """Each anchor with the page's words of the same text (the nearest to its place when
    the page prints it more than once)."""
    by_text: dict[str, list[Word]] = {}
    for w in page.words:
        by_text.setdefault(w.text, []).append(w)
    pairs = []
    for a in profile.anchors:
        cands = by_text.get(a.text)
        if cands:
            best = min(cands, key=lambda w: ((w.x - a.x) / a.sx) ** 2 + ((w.y - a.y) / a.sy) ** 2)
            pairs.append((a, best))
    return pairs


def _fit(pairs: list[tuple[Anchor, Word]]) -> tuple[float, float, float, float, list[float]]:
    """Scale and offset per axis from page to profile, robust to misplaced anchors (three
    rounds, each dropping the pairs far off the previous fit); the z of every pair."""
    keep = [True] * len(pairs)
    ax, bx, ay, by = 1.0, 0.0, 1.0, 0.0
    zs: list[float] = []
    for _ in range(3):
        used = [p for p, k in zip(pairs, keep, strict=True) if k]
        if len(used) >= 3:
            wx = [1 / max(a.sx, MIN_SPREAD) ** 2 for a, _ in used]
            wy = [1 / max(a.sy, MIN_SPREAD) ** 2 for a, _ in used]
            ax, bx = _axis_fit([w.x for _, w in used], [a.x for a, _ in used], wx)
            ay, by = _axis_fit([w.y for _, w in used], [a.y for a, _ in used], wy)
        zs = [
            max(
                abs(ax * w.x + bx - a.x) / max(a.sx, MIN_SPREAD),
                abs(ay * w.y + by - a.y) / max(a.sy, MIN_SPREAD),
            )
            for a, w in pairs
        ]
        limit = max(MISPLACED_Z, sorted(zs)[len(zs) // 2] * 3) if zs else MISPLACED_Z
        keep = [z <= limit for z in zs]
    return ax, bx, ay, by, zs


def _excess(observed: float, expected: float, variance: float) -> float:
    """How far ``observed`` exceeds ``expected``, in standard deviations (0 when it does not);
    the variance has a floor of 1 so that a profile that never misses does not make one
    OCR slip a certainty."""
    return max(0.0, (observed - expected) / math.sqrt(variance + 1.0))


def compare(page: Page, profile: Profile) -> Comparison:
    """The page against one profile (see the module docstring)."""
    pairs = _match(page, profile)
    if len(pairs) < MIN_ANCHORS_FOUND:
        return Comparison(profile.template, len(pairs), 0, (), (), (), 0.0, False)
    ax, bx, ay, by, zs = _fit(pairs)
    misplaced = tuple(a.text for (a, _), z in zip(pairs, zs, strict=True) if z > MISPLACED_Z)
    found = {a.text for a, _ in pairs}
    # the visible page in profile coordinates: the fit applied to the page's [0, 1]
    lo_x, hi_x = sorted((bx, ax + bx))
    lo_y, hi_y = sorted((by, ay + by))
    # (an anchor found is visible, wherever the fit puts the page's edges)
    visible = [
        a
        for a in profile.anchors
        if a.text in found or (lo_x <= a.x <= hi_x and lo_y <= a.y <= hi_y)
    ]
    counted = [a for a in visible if a.presence >= MIN_PRESENCE_FOR_MISSING]
    read_well = len(found) >= MIN_READ_SHARE * max(1, len(visible))
    absent = [a for a in counted if a.text not in found] if read_well else []
    # each page word in profile coordinates, to see what stands where an anchor is absent
    placed = [(w.text, ax * w.x + bx, ay * w.y + by) for w in page.words]
    replaced = tuple(a.text for a in absent if _replaced(a, placed))
    missing = tuple(a.text for a in absent if a.text not in replaced)
    # what genuine captures show: each counted anchor missed with 1 - presence (only on a
    # page read well); and one misplaced anchor in twenty (OCR boxes merging two lines)
    exp_missing = sum(1 - a.presence for a in counted) if read_well else 0.0
    var_missing = sum(a.presence * (1 - a.presence) for a in counted) if read_well else 0.0
    exp_misplaced = 0.05 * len(pairs)
    observed = len(missing) + REPLACED_WEIGHT * len(replaced) + len(misplaced)
    evidence = _excess(observed, exp_missing + exp_misplaced, var_missing + exp_misplaced)
    return Comparison(
        profile.template,
        len(pairs),
        len(visible),
        misplaced,
        missing,
        replaced,
        evidence,
        True,
    )


def _replaced(anchor: Anchor, placed: list[tuple[str, float, float]]) -> bool:
    """Does another word stand where ``anchor`` should be (see :data:`NEAR_Z`)?"""
    tx, ty = max(NEAR_MIN, NEAR_Z * anchor.sx), max(NEAR_MIN, NEAR_Z * anchor.sy)
    for text, x, y in placed:
        near = abs(x - anchor.x) <= tx and abs(y - anchor.y) <= ty
        if near and edit_distance(text, anchor.text) * 2 > len(anchor.text):
            return True
    return False


#: A poorly read template takes the page out of judgement only when it places the page's
#: anchors this well (at most this many misplaced): a counterfeit's rearranged labels fit
#: no template, and must not be excused by one they fit a little better by chance.
_CLOSEST_MISPLACED = 1


def _in_place(c: Comparison) -> int:
    """Anchors found where the template puts them (after the fit)."""
    return c.found - len(c.misplaced)


def check(page: Page | None, profiles: Sequence[Profile]) -> Signal:
    """The template-layout signal of a page against its type's profiles: scored by the
    best-fitting profile; not applicable without profiles, text, or enough anchors, or
    when another profile places the page better but read too poorly to judge it."""
    code = ReasonCode.LAYOUT_INCONSISTENT
    if not profiles:
        return not_applicable(NAME, LAYOUT_THRESHOLD, code, "no layout profile for this type")
    if page is None:
        return not_applicable(NAME, LAYOUT_THRESHOLD, code, "no text read")
    comps = [compare(page, p) for p in profiles]
    usable = [
        c
        for c in comps
        if c.fitted and c.visible >= MIN_ANCHORS_VISIBLE and c.found >= MIN_READ_SHARE * c.visible
    ]
    if not usable:
        # no profile's anchors read well enough: the page is not this type at all, or not
        # readable (blur); judging it against a template it barely matches would flag the
        # OCR, not the layout. The quality and classification stages speak to both.
        return not_applicable(NAME, LAYOUT_THRESHOLD, code, "too few anchors found")
    # the template the page resembles most: the least evidence, then the most anchors found
    best = min(usable, key=lambda c: (c.evidence, -c.found))
    # ...unless a template the OCR read too poorly to judge explains more of the page's
    # anchors in place: then the page is that template, read poorly (OCR that merges a
    # bilingual label into one word leaves too few anchors), and judging it against
    # another template would flag the template, not the page.
    placing = [c for c in comps if c.fitted and len(c.misplaced) <= _CLOSEST_MISPLACED]
    closest = max(placing, key=_in_place, default=None)
    if closest is not None and _in_place(closest) > _in_place(best):
        return not_applicable(
            NAME,
            LAYOUT_THRESHOLD,
            code,
            f"closest to template {closest.template}, too few of its anchors read",
        )
    score = squash(best.evidence, EVIDENCE_HALF, EVIDENCE_HIGH) if best.evidence > 0 else 0.0
    return Signal(
        NAME,
        score,
        LAYOUT_THRESHOLD,
        code,
        details={
            "template": best.template,
            "anchorsFound": best.found,
            "anchorsVisible": best.visible,
            "misplaced": list(best.misplaced[:12]),
            "missing": list(best.missing[:12]),
            "replaced": list(best.replaced[:12]),
            "evidence": best.evidence,
            "profilesCompared": len(comps),
        },
    )


# -- fitting profiles ---------------------------------------------------------------------------
def fit_profile(
    doc_type: str,
    template: str,
    pages: Sequence[Page | None],
    min_presence: float = 0.75,
) -> Profile:
    """The anchors of a template from OCR pages of genuine captures: words printed once on
    at least ``min_presence`` of them (a page without text counts as finding nothing), placed
    at their median, their spread measured after fitting each page onto those medians
    (so that a crop or a margin does not count as spread)."""
    n = len(pages)
    once: dict[str, list[tuple[int, Word]]] = {}
    for i, page in enumerate(pages):
        if page is None:
            continue
        counts: dict[str, list[Word]] = {}
        for w in page.words:
            counts.setdefault(w.text, []).append(w)
        for text, ws in counts.items():
            if len(ws) == 1:
                once.setdefault(text, []).append((i, ws[0]))
    kept = {t: obs for t, obs in once.items() if n and len(obs) / n >= min_presence}
    if not kept:
        return Profile(doc_type, template, (), n)
    first = tuple(
        Anchor(
            t,
            _median([w.x for _, w in obs]),
            _median([w.y for _, w in obs]),
            0.05,
            0.05,
            len(obs) / n,
        )
        for t, obs in sorted(kept.items())
    )
    provisional = Profile(doc_type, template, first, n)
    # residuals of every anchor after each page's own fit
    res: dict[str, tuple[list[float], list[float]]] = {a.text: ([], []) for a in first}
    for page in pages:
        if page is None:
            continue
        pairs = _match(page, provisional)
        if len(pairs) < MIN_ANCHORS_FOUND:
            continue
        ax, bx, ay, by, _ = _fit(pairs)
        for a, w in pairs:
            rx, ry = res[a.text]
            rx.append(ax * w.x + bx - a.x)
            ry.append(ay * w.y + by - a.y)
    anchors = []
    for a in first:
        rx, ry = res[a.text]
        if len(rx) < 3 or _spread(rx) > MAX_SPREAD or _spread(ry) > MAX_SPREAD:
            continue
        anchors.append(
            Anchor(
                a.text,
                a.x + _median(rx),
                a.y + _median(ry),
                max(MIN_SPREAD, _spread(rx)),
                max(MIN_SPREAD, _spread(ry)),
                a.presence,
            )
        )
    return Profile(doc_type, template, tuple(anchors), n)


def _median(v: Sequence[float]) -> float:
    s = sorted(v)
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


def _spread(v: Sequence[float]) -> float:
    """A robust standard deviation (1.4826 x the median absolute deviation)."""
    med = _median(v)
    return 1.4826 * _median([abs(x - med) for x in v])


# -- the shipped profiles ---------------------------------------------------------------------
def profiles_to_json(profiles: Iterable[Profile], meta: dict[str, Any]) -> str:
    """The profiles file's text: ``meta`` (how they were made) and the profiles."""
    return json.dumps(
        {"meta": meta, "profiles": [p.to_dict() for p in profiles]}, indent=1, sort_keys=True
    )


@lru_cache(maxsize=4)
def load_profiles(path: Path = PROFILES_FILE) -> dict[str, tuple[Profile, ...]]:
    """The profiles per document type (the type's value), read once per path. A missing
    file gives no profiles (the signal is then not applicable everywhere); a malformed one
    raises ``ValueError`` at once, since it means a broken install."""
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text())
        out: dict[str, list[Profile]] = {}
        for d in raw["profiles"]:
            p = Profile.from_dict(d)
            out.setdefault(p.doc_type, []).append(p)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ValueError(f"{path}: not a layout profiles file ({exc})") from exc
    return {k: tuple(v) for k, v in out.items()}

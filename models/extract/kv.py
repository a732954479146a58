"""Label → value extraction from OCR lines (the visual zone).

For each field the document type has (``lexicon.FIELDS``), find a line that
starts with one of the field's labels (tolerating dropped spaces and a few
misread letters), then take the value from the rest of that line, else from
the nearest line to its right on the same row, else from the nearest line
below it. A candidate must be plausible for the field's kind (a date parses,
an ID has digits, a name has no digits, it is not itself a label) or the
next candidate is tried. Pure; no I/O.

Confidence of a field: the OCR confidence of the line it was read from ×
how well the label matched × a penalty when the value had to be found on a
neighbouring line (more room for picking the wrong one). It is calibrated
afterwards against held-out data (``docs/accuracy.md``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from models.extract import normalise as n
from models.extract.lexicon import FieldSpec, all_labels

_NON_ALNUM = re.compile(r"[^A-Z0-9]")

NORMALISERS: dict[str, Callable[[str], str | None]] = {
    "name": n.name,
    "date": n.date,
    "period": n.period,
    "month": lambda t: n.month(t) or n.period(t),
    "id": lambda t: n.digits(t, min_len=6),
    "code": lambda t: n.code(t, min_len=4),
    "amount": n.amount,
    "sex": n.sex,
    "text": n.text,
    "country": lambda t: n.name(t) if len(t.strip()) <= 20 else None,
    "address": n.address,
    "caps": n.caps,
    "org": n.org,
    "int": n.integer,
    "date_or_year": n.date_or_year,
}
# Where the value sat relative to its label, and how much that costs in confidence.
PLACEMENT_FACTOR = {"inline": 1.0, "right": 0.95, "below": 0.9}
# A label this short (letters) is less specific, and a little less trusted.
SHORT_LABEL = 4
SHORT_LABEL_FACTOR = 0.95
# OCR boxes are padded: the value to the right of a label may start a little
# before the label's box ends (in line heights).
RIGHT_OVERLAP = 0.75


@dataclass(frozen=True)
class Line:
    text: str
    confidence: float
    x0: float
    y0: float
    x1: float
    y1: float

    @classmethod
    def from_ocr(cls, line: dict[str, Any]) -> Line:
        xs = [p[0] for p in line["box"]]
        ys = [p[1] for p in line["box"]]
        return cls(str(line["text"]), float(line["confidence"]), min(xs), min(ys), max(xs), max(ys))

    @property
    def height(self) -> float:
        return max(1.0, self.y1 - self.y0)

    @property
    def box(self) -> list[float]:
        return [round(self.x0, 1), round(self.y0, 1), round(self.x1, 1), round(self.y1, 1)]


@dataclass(frozen=True)
class Extracted:
    """One field read from the visual zone."""

    name: str
    value: str
    normalized: str
    confidence: float
    box: list[float]
    source: str = "VIZ"
    placement: str = "inline"

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "normalized": self.normalized,
            "confidence": round(self.confidence, 4),
            "source": self.source,
            "box": self.box,
        }


def _squash(text: str) -> str:
    return _NON_ALNUM.sub("", n.fold(text))


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        prev = cur
    return prev[-1]


def _distance_within(a: str, b: str, limit: int) -> int:
    """``_edit_distance(a, b)`` when it is at most ``limit``, else some value above it.

    Every edit fixes at most one character of the longer string that the other
    lacks (a multiset count), so that count bounds the distance from below: most
    labels are ruled out without the quadratic table.
    """
    if limit == 0:
        return 0 if a == b else 1
    common = sum((Counter(a) & Counter(b)).values())
    if max(len(a), len(b)) - common > limit:
        return limit + 1
    return _edit_distance(a, b)


def label_match(text: str, labels: tuple[str, ...]) -> tuple[int, float] | None:
    """(characters of ``text`` the label covers, match quality) for the best label at its start."""
    squashed = _squash(text)
    best: tuple[int, float] | None = None
    for label in labels:
        target = _squash(label)
        if not target or len(squashed) < len(target) - 1:
            continue
        allowed = len(target) // 7
        # The label as read may be a letter longer or shorter ("EMPLOYER'S TIN").
        lengths = (len(target), len(target) - 1, len(target) + 1) if allowed else (len(target),)
        dist, size = min(
            (_distance_within(squashed[:k], target, allowed), k) for k in lengths if k > 0
        )
        if dist > allowed:
            continue
        quality = 1.0 - dist / max(1, len(target))
        if len(target) <= SHORT_LABEL:
            # "Name", "Date": also column headers and words of other labels.
            quality *= SHORT_LABEL_FACTOR
        covered = _original_position(text, size)
        folded = n.fold(text)
        if dist and covered < len(folded) and folded[covered].isalnum():
            # A fuzzy match must end where a word ends ("NATIONALITE" is not
            # the start of "NATIONAL IDENTITY CARD").
            continue
        if best is None or (covered, quality) > best:
            best = (covered, quality)
    return best


def _original_position(text: str, alnum_count: int) -> int:
    """Index in ``text`` just after its first ``alnum_count`` letters/digits."""
    seen = 0
    for i, ch in enumerate(n.fold(text)):
        if ch.isalnum():
            seen += 1
            if seen == alnum_count:
                return i + 1
    return len(text)


def _starts_with_label(text: str) -> bool:
    squashed = _squash(text)
    # A whole label is never a value; short labels ("TIN", "PLOT") also begin
    # ordinary values, so only longer ones count as a prefix.
    return squashed in _SQUASHED_LABELS or any(
        squashed.startswith(lbl) for lbl in _SQUASHED_LABELS if len(lbl) >= 5
    )


def _longer_label(text: str, covered: int) -> bool:
    """The line starts with a longer label than the one matched ("Company Number" is not
    "Company"): it belongs to another field."""
    squashed = _squash(text)
    size = len(_squash(text[:covered]))
    return any(
        len(lbl) > size and squashed.startswith(lbl) for lbl in _SQUASHED_LABELS if len(lbl) >= 5
    )


# "Company Type:": a label word, another word, a colon — the label of another field.
_LABEL_THEN_WORD = re.compile(r"^\s*([A-Za-z]+)\s*:")


def _extended_label(text: str, covered: int) -> bool:
    """The matched label goes on with a heading word and a colon ("Company" in
    "Company Type: Private Company"): the line labels something else."""
    m = _LABEL_THEN_WORD.match(text[covered:])
    return m is not None and n.fold(m[1]) in HEADING_WORDS


def split_at_labels(line: Line) -> list[Line]:
    """One OCR line holding two fields ("P.O. Box 7, Maun Account Number: 123") as one
    line per field: split before every label followed by a colon, the box divided in
    proportion to the characters (equal widths assumed)."""
    folded = n.fold_aligned(line.text)
    cuts = [m.start(1) for m in _EMBEDDED_LABEL.finditer(folded) if m.start(1) > 0]
    if not cuts:
        return [line]
    width = (line.x1 - line.x0) / max(1, len(line.text))
    pieces = []
    for a, b in zip([0, *cuts], [*cuts, len(line.text)], strict=True):
        text = line.text[a:b].strip()
        if text:
            x0, x1 = line.x0 + a * width, line.x0 + b * width
            pieces.append(Line(text, line.confidence, x0, line.y0, x1, line.y1))
    return pieces


LABELS = all_labels()
_SQUASHED_LABELS = frozenset(_squash(label) for label in LABELS)
# A label and its colon; matched from the line start too, so that the last word
# of a label ("Account Number:") is never taken for a label of its own ("Number:").
_EMBEDDED_LABEL = re.compile(
    r"(?:^|\s)("
    + "|".join(re.escape(lbl) for lbl in sorted(LABELS, key=len, reverse=True) if len(lbl) > 3)
    + r")\s*:"
)
_LABEL_CUT = re.compile(
    r"\s("
    + "|".join(re.escape(lbl) for lbl in sorted(LABELS, key=len, reverse=True) if len(lbl) > 3)
    + r")\b"
)


# A negative amount right after its label ("Closing Balance: -P 2,075.96").
_NEGATIVE_AMOUNT = re.compile(r"^[\s:;|]*(-(?:BWP|P|PULA|\d))", re.IGNORECASE)


def _clean_remainder(rest: str, spec: FieldSpec) -> str:
    negative = spec.kind == "amount" and _NEGATIVE_AMOUNT.match(rest)
    rest = rest.strip(" :;.-/|")
    # A bilingual label continues with its other language ("/ Date de naissance").
    for _ in range(2):
        m = label_match(rest, spec.labels)
        if m is None:
            break
        rest = rest[m[0] :].strip(" :;.-/|")
    # Two fields on one OCR line: stop at the next label.
    cut = _LABEL_CUT.search(" " + n.fold(rest))
    if cut:
        rest = rest[: max(0, cut.start())]
    rest = rest.strip(" :;,.-/|")
    return "-" + rest if negative else rest


# Words that follow a label in a section heading, not a value ("Employer details").
HEADING_WORDS = frozenset(
    {
        "DETAILS",
        "PROFILE",
        "EXTRACT",
        "INFORMATION",
        "INFO",
        "PARTICULARS",
        "SUMMARY",
        "NAME",
        "TYPE",
        "OFFICE",
        "NUMBER",
        "NO",
        "STATUS",
        "IDENTIFICATION",
        "REGISTRATION",
    }
)


def _first_word(value: str) -> str:
    words = re.findall(r"[A-Z]+", n.fold(value))
    return words[0] if words else ""


def _plausible(spec: FieldSpec, value: str, inline: bool = False) -> str | None:
    if not value or (_starts_with_label(value) and spec.kind in ("name", "text", "country")):
        return None
    if (
        inline
        and spec.kind in ("name", "text")
        and (value.startswith("'") or _first_word(value) in HEADING_WORDS)
    ):
        return None
    if spec.kind == "name" and sum(c.isdigit() for c in value) > 1:
        return None
    return NORMALISERS[spec.kind](value)


def extract(lines: list[dict[str, Any]], specs: tuple[FieldSpec, ...]) -> dict[str, Extracted]:
    """Every field of ``specs`` found in the OCR ``lines`` (dicts with text, confidence, box)."""
    parsed = [
        piece
        for line in lines
        if str(line.get("text", "")).strip()
        for piece in split_at_labels(Line.from_ocr(line))
    ]
    out: dict[str, Extracted] = {}
    for spec in specs:
        if not spec.labels:
            # Read from prose or tables (``models.extract.viz``), not from a label.
            continue
        best: Extracted | None = None
        for i, line in enumerate(parsed):
            m = label_match(line.text, spec.labels)
            if m is None or _longer_label(line.text, m[0]) or _extended_label(line.text, m[0]):
                continue
            covered, quality = m
            for placement, cand in _candidates(parsed, i, covered, spec):
                inline = placement == "inline"
                value = cand_text(line, covered, spec) if inline else cand.text
                norm = _plausible(spec, value, inline)
                if norm is None:
                    continue
                conf = cand.confidence * quality * PLACEMENT_FACTOR[placement]
                found = Extracted(spec.name, value, norm, conf, cand.box, placement=placement)
                if best is None or found.confidence > best.confidence:
                    best = found
                break
        if best is None and spec.name in COMPANY_FIELDS:
            best = _company_line(parsed, spec)
        if best is not None:
            out[spec.name] = best
    return out


COMPANY_FIELDS = frozenset({"company", "company_name", "employer_name"})
_COMPANY = re.compile(r"([A-Z][A-Za-z&'. -]+?\(?PTY\)?\.? ?(?:LTD|LIMITED)\.?)", re.IGNORECASE)
_CERTIFY = re.compile(r"^.*?certify that\s+", re.IGNORECASE)


def _company_line(lines: list[Line], spec: FieldSpec) -> Extracted | None:
    """No label found: the first company name on the page ("… (Pty) Ltd"), less confidently."""
    for line in lines:
        m = _COMPANY.search(_CERTIFY.sub("", line.text))
        if m:
            value = m[1].strip()
            norm = n.text(value)
            if norm:
                conf = 0.8 * line.confidence
                return Extracted(spec.name, value, norm, conf, line.box, placement="fallback")
    return None


# "Lodged by: Kefilwe Ramotswe, P O Box 3474, Serowe": a name followed by an address.
_NAME_THEN_ADDRESS = re.compile(r",[^,]*\d")


def cand_text(line: Line, covered: int, spec: FieldSpec) -> str:
    rest = _clean_remainder(line.text[covered:], spec)
    if spec.kind == "name":
        m = _NAME_THEN_ADDRESS.search(rest)
        if m:
            rest = rest[: m.start()].strip(" ,")
    return rest


def _candidates(lines: list[Line], i: int, covered: int, spec: FieldSpec) -> list[tuple[str, Line]]:
    """Where the value of the label on line ``i`` may be, most likely first."""
    label = lines[i]
    out: list[tuple[str, Line]] = []
    if cand_text(label, covered, spec):
        out.append(("inline", label))
    cy = (label.y0 + label.y1) / 2
    right = [
        ln
        for j, ln in enumerate(lines)
        if j != i
        and abs((ln.y0 + ln.y1) / 2 - cy) < 0.6 * label.height
        and ln.x0 >= label.x1 - RIGHT_OVERLAP * label.height
    ]
    right.sort(key=lambda ln: ln.x0 - label.x1)
    out += [("right", ln) for ln in right[:1]]
    below = [
        ln
        for j, ln in enumerate(lines)
        if j != i
        and label.y1 - 0.3 * label.height < ln.y0 < label.y1 + 1.8 * label.height
        and (abs(ln.x0 - label.x0) < 2 * label.height or (ln.x0 < label.x1 and ln.x1 > label.x0))
    ]
    below.sort(key=lambda ln: (ln.y0, abs(ln.x0 - label.x0)))
    out += [("below", ln) for ln in below[:1]]
    return out

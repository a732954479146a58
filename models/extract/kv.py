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

import itertools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
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
# What OCR reads for the "/" between a bilingual label's languages ("SEX/SEXE" as
# "SEXISEXE"): the only letters that may follow a short label without a space.
_SLASH_READ = frozenset("IL")
# OCR boxes are padded: the value to the right of a label may start a little
# before the label's box ends (in line heights).
RIGHT_OVERLAP = 0.75
# A caption-only label whose nearest line to the right is further than this many label
# widths, with a line right under it (within ``UNDER_GAP`` line heights): the value is
# under it (a card's column), not across.
FAR_RIGHT = 1.5
# Captions read as one line have at most this many words.
MAX_CAPTION_WORDS = 10
# A line of this many words that starts in lower case is a sentence going on.
SENTENCE_WORDS = 5
UNDER_GAP = 0.6


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


def _distance_within(a: str, b: str, limit: int) -> int:
    """``normalise.edit_distance(a, b)`` when it is at most ``limit``, else some value above it.

    Every edit fixes at most one character of the longer string that the other
    lacks (a multiset count), so that count bounds the distance from below: most
    labels are ruled out without the quadratic table.
    """
    if limit == 0:
        return 0 if a == b else 1
    common = sum((Counter(a) & Counter(b)).values())
    if max(len(a), len(b)) - common > limit:
        return limit + 1
    return n.edit_distance(a, b)


# Letters and digits OCR takes for one another, folded to one of them before labels are
# compared ("Date of lssue", "0mang No"); both sides are folded, so labels stay distinct.
_CONFUSABLE = str.maketrans("01L58", "OIISB")
# "rn" read as "m" and the reverse ("Bom" for "Born", "Surnarne"): a label is also
# compared in those spellings.
_RN_M = (("RN", "M"), ("M", "RN"))
# A line that holds nothing but a label (a card's caption above its value) may be read
# worse than a label with its value after it: more misread letters are allowed (a
# quarter of the label), and a label cut short at its end (at least ``MIN_TRUNCATED``
# of it, and ``MIN_TRUNCATED_CHARS`` letters) still counts.
ALONE_DIVISOR = 4
ALONE_MIN_LABEL = 5
MIN_TRUNCATED = 0.6
MIN_TRUNCATED_CHARS = 6


def _canonical(squashed: str) -> str:
    return squashed.translate(_CONFUSABLE)


@lru_cache(maxsize=4096)
def _label_forms(label: str) -> tuple[str, ...]:
    """The label squashed and folded (``_CONFUSABLE``), and its rn/m spellings."""
    base = _canonical(_squash(label))
    forms = [base]
    for a, b in _RN_M:
        if a in base:
            forms.append(base.replace(a, b))
    return tuple(dict.fromkeys(f for f in forms if f))


def label_match(text: str, labels: tuple[str, ...]) -> tuple[int, float] | None:
    """(characters of ``text`` the label covers, match quality) for the best label at its start."""
    squashed = _canonical(_squash(text))
    best: tuple[int, float] | None = None
    for label in labels:
        for target in _label_forms(label):
            found = _match_form(text, squashed, target, label)
            if found is not None and (best is None or found > best):
                best = found
    return best


def _match_form(text: str, squashed: str, target: str, label: str) -> tuple[int, float] | None:
    """``label_match`` for one spelling ``target`` of ``label``."""
    size = len(_squash(label))
    if len(squashed) < len(target) - 1:
        found = _truncated(squashed, target, label)
        return (_original_position(text, len(squashed)), found) if found is not None else None
    allowed = len(target) // 7
    alone = abs(len(squashed) - len(target)) <= 1 and len(target) >= ALONE_MIN_LABEL
    if alone:
        allowed = max(allowed, len(target) // ALONE_DIVISOR)
    # The label as read may be a letter longer or shorter ("EMPLOYER'S TIN").
    lengths = (len(target), len(target) - 1, len(target) + 1) if allowed else (len(target),)
    dist, k = min((_distance_within(squashed[:k], target, allowed), k) for k in lengths if k > 0)
    if dist > allowed:
        return None
    quality = 1.0 - dist / max(1, size)
    if size <= SHORT_LABEL:
        # "Name", "Date": also column headers and words of other labels.
        quality *= SHORT_LABEL_FACTOR
    covered = _original_position(text, k)
    folded = n.fold(text)
    after = text[covered] if covered < len(text) else ""
    if size <= SHORT_LABEL and after.isalpha() and (after.islower() or after not in _SLASH_READ):
        # A short label is a whole word: "No" does not begin "Notice", nor "To" "Total",
        # nor "Nom" (a surname's French label) "NOMSA". Capitals go on only where they
        # are the slash of a bilingual label misread: "SEX/SEXE" read as "SEXISEXE".
        return None
    if dist and covered < len(folded) and folded[covered].isalnum():
        # A fuzzy match must end where a word ends ("NATIONALITE" is not
        # the start of "NATIONAL IDENTITY CARD").
        return None
    return covered, quality


def _truncated(squashed: str, target: str, label: str) -> float | None:
    """The quality of a line that is only the start of a label ("Birthplac", "Issuing o"):
    OCR lost the rest. The whole line must match the label's start, and stop inside a
    word of it: whole words ("Registered" of "Registered office") are values too."""
    k, size = len(squashed), len(_squash(label))
    if k < MIN_TRUNCATED_CHARS or k < MIN_TRUNCATED * len(target):
        return None
    ends = set(itertools.accumulate(len(_squash(w)) for w in label.split()))
    if k in ends:
        return None
    allowed = k // 7
    if _distance_within(squashed, target[:k], allowed) > allowed:
        return None
    # Less sure than a whole label: in proportion to how much of it was read.
    return min(1.0, k / max(1, size)) * SHORT_LABEL_FACTOR


def _original_position(text: str, alnum_count: int) -> int:
    """Index in ``text`` just after its first ``alnum_count`` letters/digits."""
    seen = 0
    for i, ch in enumerate(n.fold(text)):
        if ch.isalnum():
            seen += 1
            if seen == alnum_count:
                return i + 1
    return len(text)


def _starts_with_label(text: str, own: frozenset[str] = frozenset()) -> bool:
    """The text is a label of the page's type (``own``, squashed), a label of several words
    of any type, or starts with one of ``own``. One word may label another type's field
    and be a value here ("Registered", a company's status). Short labels ("TIN", "PLOT")
    also begin ordinary values, so only longer ones count as a prefix; and only the
    type's own: another type's label ("Passport") begins values here ("PASSPORT OFFICE")."""
    squashed = _squash(text)
    return (
        squashed in own
        or squashed in _SQUASHED_PHRASES
        or any(squashed.startswith(lbl) for lbl in own if len(lbl) >= 5)
    )


# "'S" after a word, glued to the next one or not ("EMPLOYER'STIN").
_POSSESSIVE = re.compile(r"(?<=[A-Z])['’`]S")


def _longer_label(text: str, covered: int) -> bool:
    """The line starts with a longer label than the one matched ("Company Number" is not
    "Company", nor is "Employer's TIN" "Employer"): it belongs to another field."""
    # Compared with OCR's look-alikes folded ("Customer Acc0unt" is "Customer Account").
    squashed = _canonical(_squash(_POSSESSIVE.sub("", n.fold(text))))
    size = len(_squash(text[:covered]))
    return any(len(lbl) > size and squashed.startswith(lbl) for lbl in _CANONICAL_LABELS)


# "Company Type:": a label word, another word, a colon — the label of another field.
_LABEL_THEN_WORD = re.compile(r"^\s*([A-Za-z]+)\s*:")


def _extended_label(text: str, covered: int) -> bool:
    """The matched label goes on with a heading word and a colon ("Company" in
    "Company Type: Private Company"): the line labels something else."""
    m = _LABEL_THEN_WORD.match(text[covered:])
    return m is not None and n.fold(m[1]) in HEADING_WORDS


def split_at_labels(line: Line) -> list[Line]:
    """One OCR line holding two fields ("P.O. Box 7, Maun Account Number: 123") as one
    line per field: split before every label followed by a colon, and before a label
    that ends the line after a value ("P 44,410.00 Total Deductions"), the box divided in
    proportion to the characters (equal widths assumed)."""
    folded = n.fold_aligned(line.text)
    cuts = [m.start(1) for m in _EMBEDDED_LABEL.finditer(folded) if m.start(1) > 0]
    trailing = _TRAILING_LABEL.search(folded)
    if trailing and trailing.start(1) not in cuts:
        cuts = sorted([*cuts, trailing.start(1)])
    if cuts:
        # The last word of a label misread at its start ("Business ldentification
        # Number:") is not a label of its own.
        first = label_match(line.text, _ALL_LABELS)
        cuts = [c for c in cuts if first is None or c >= first[0]]
    else:
        cuts = _caption_cuts(line.text)
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


def _caption_cuts(text: str) -> list[int]:
    """Where each caption starts in a line that is only captions read together ("PLACE OF
    BIRTH / LIEU DE NAISSANCE SEX / SEXE"): before every label after the first, except one
    after a slash (a label's other language). Nothing unless the whole line is labels."""
    if re.search(r"\d", text) or len(text.split()) > MAX_CAPTION_WORDS:
        return []
    pos, cuts, joined = 0, [], False
    while pos < len(text):
        m = label_match(text[pos:], _ALL_LABELS)
        if m is None or m[0] <= 0:
            return []
        if pos and not joined:
            cuts.append(pos)
        end = pos + m[0]
        gap = re.match(r"[\s/|:;.,-]*", text[end:])
        joined = gap is not None and "/" in gap[0]
        pos = end + (gap.end() if gap else 0)
    return cuts


LABELS = all_labels()
_ALL_LABELS = tuple(sorted(LABELS))
_SQUASHED_LABELS = frozenset(_squash(label) for label in LABELS)
_CANONICAL_LABELS = frozenset(_canonical(lbl) for lbl in _SQUASHED_LABELS if len(lbl) >= 5)
_SQUASHED_PHRASES = frozenset(_squash(label) for label in LABELS if len(label.split()) > 1)


def _glued(label: str) -> str:
    """A label's pattern with the spaces between its words optional: OCR drops the narrow
    gaps of small print ("BalancePayable:")."""
    return r"\s*".join(re.escape(word) for word in label.split())


# A label and its colon; matched from the line start too, so that the last word
# of a label ("Account Number:") is never taken for a label of its own ("Number:").
# The colon makes a glued label safe to cut at.
_EMBEDDED_LABEL = re.compile(
    r"(?:^|\s)("
    + "|".join(_glued(lbl) for lbl in sorted(LABELS, key=len, reverse=True) if len(lbl) > 3)
    + r")\s*\.?\s*:"
)
# A label that ends the line after a value ("P 44,410.00 Total Deductions"): the caption
# of the value to its right, read into one line with the value to its left.
_TRAILING_LABEL = re.compile(
    r"\d[^A-Z]*\s("
    + "|".join(re.escape(lbl) for lbl in sorted(LABELS, key=len, reverse=True) if len(lbl) > 3)
    + r")\s*\.?\s*:?\s*$"
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


# Spaces OCR dropped: between a lower-case and a capital letter ("MophanePrinting"; both
# parts at least ``MIN_CAMEL_PART`` letters, so that "McAdam" stays), before a bracket.
_CAMEL_GLUE = re.compile(r"(?<=[a-z]{3})(?=[A-Z][a-z]{2})")
_BRACKET_GLUE = re.compile(r"(?<=[A-Za-z])(?=\()")
NAME_KINDS = frozenset({"name", "text", "org", "caps"})


def tidy(spec: FieldSpec, value: str) -> str:
    """A name or free-text value as printed: spaces OCR dropped put back, and a date that
    OCR read into the same line from the next column cut off ("TLOTLO CATERING (PTY) LTD
    17 September 2026")."""
    if spec.kind not in NAME_KINDS:
        return value
    if spec.kind == "name":
        # An account number or address read into the name's line from the next column.
        m = _ADDRESS_START.search(n.fold_aligned(value))
        if m and m.start() > 0:
            value = value[: m.start()].rstrip(" ,;:-")
    spans = n.date_spans(value)
    if spans and spans[0][0] > 0 and re.search(r"[A-Za-z]", value[: spans[0][0]]):
        value = value[: spans[0][0]].rstrip(" ,;:-")
    return _BRACKET_GLUE.sub(" ", _CAMEL_GLUE.sub(" ", value))


def _first_word(value: str) -> str:
    words = re.findall(r"[A-Z]+", n.fold(value))
    return words[0] if words else ""


def _plausible(
    spec: FieldSpec, value: str, inline: bool = False, own: frozenset[str] = frozenset()
) -> str | None:
    if not value or (_starts_with_label(value, own) and spec.kind in ("name", "text", "country")):
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
    # Every label match of every field, per line: a line misread as two labels
    # ("Employee TIN" is one letter from "Employer TIN") belongs to the nearer one.
    matches = [
        {
            spec.name: None if _continues(line) else label_match(line.text, spec.labels)
            for spec in specs
        }
        for line in parsed
    ]
    captions = [_caption(line, specs, found) for line, found in zip(parsed, matches, strict=True)]
    own = frozenset(_squash(label) for spec in specs for label in spec.labels)
    out: dict[str, Extracted] = {}
    for spec in specs:
        if not spec.labels:
            # Read from prose or tables (``models.extract.viz``), not from a label.
            continue
        best: Extracted | None = None
        for i, line in enumerate(parsed):
            m = matches[i][spec.name]
            if m is None or _longer_label(line.text, m[0]) or _extended_label(line.text, m[0]):
                continue
            if _nearer_label(m, spec.name, matches[i]):
                continue
            covered, quality = m
            for placement, cand in _candidates(parsed, i, covered, spec):
                inline = placement == "inline"
                if not inline and captions[parsed.index(cand)]:
                    # The line beside or under a caption is another caption ("Bom" for
                    # "Born"), not its value: the value is further on.
                    continue
                if inline and spec.kind == "name" and _runs_into_label(line.text, covered):
                    continue
                value = tidy(spec, cand_text(line, covered, spec) if inline else cand.text)
                norm = _plausible(spec, value, inline, own)
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


def _continues(line: Line) -> bool:
    """The line starts in lower case and runs on (``SENTENCE_WORDS`` words or more): it goes
    on a sentence ("trade described below at the premises"), and holds no label. (OCR
    lower-cases a short caption now and then: "issued on".)"""
    return line.text.lstrip()[:1].islower() and len(line.text.split()) >= SENTENCE_WORDS


def _caption(
    line: Line, specs: tuple[FieldSpec, ...], found: dict[str, tuple[int, float] | None]
) -> bool:
    """The line is a label and nothing else (a card's caption, "SEX / SEXE" with its
    other language): never a value."""
    for spec in specs:
        m = found.get(spec.name)
        if m is not None and not _NON_ALNUM.sub("", _after_labels(line.text[m[0] :], spec)):
            return True
    return False


def _after_labels(rest: str, spec: FieldSpec) -> str:
    """``rest`` without the further labels of ``spec`` it starts with (the other language)."""
    rest = rest.strip(" :;.-/|")
    for _ in range(2):
        m = label_match(rest, spec.labels)
        if m is None:
            break
        rest = rest[m[0] :].strip(" :;.-/|")
    return rest


def _nearer_label(
    m: tuple[int, float], name: str, found: dict[str, tuple[int, float] | None]
) -> bool:
    """Another field's label matches the line better (as much of it, fewer misread letters)."""
    return any(
        other != name and o is not None and o[1] > m[1] and o[0] >= m[0]
        for other, o in found.items()
    )


COMPANY_FIELDS = frozenset({"company", "company_name", "employer_name"})
_COMPANY = re.compile(r"([A-Z][A-Za-z&'. -]+?\(?PTY\)?\.? ?(?:LTD|LIMITED)\.?)", re.IGNORECASE)
_CERTIFY = re.compile(r"^.*?certify that\s+", re.IGNORECASE)


def _company_line(lines: list[Line], spec: FieldSpec) -> Extracted | None:
    """No label found: the first company name on the page ("… (Pty) Ltd"), less confidently."""
    for line in lines:
        m = _COMPANY.search(_CERTIFY.sub("", line.text))
        if m:
            value = tidy(spec, _capitalised_tail(m[1].strip()))
            norm = n.text(value)
            if norm:
                conf = 0.8 * line.confidence
                return Extracted(spec.name, value, norm, conf, line.box, placement="fallback")
    return None


def _capitalised_tail(value: str) -> str:
    """The name at the end of a phrase: from after its last lower-case word ("The vendor
    Tsodilo Cleaning Services (Pty) Ltd" → "Tsodilo Cleaning Services (Pty) Ltd")."""
    words = value.split()
    lower = [i for i, w in enumerate(words) if w[:1].islower() and w not in ("&", "and", "of")]
    return " ".join(words[lower[-1] + 1 :]) if lower and lower[-1] + 1 < len(words) else value


# "Lodged by: Kefilwe Ramotswe, P O Box 3474, Serowe": a name followed by an address.
_NAME_THEN_ADDRESS = re.compile(r",[^,]*\d")


def _runs_into_label(text: str, covered: int) -> bool:
    """The words after a label, with no colon between, run into another label: a title or
    a sentence ("Employee Tax Deduction Certificate"), not a person's name."""
    rest = text[covered:]
    if re.match(r"\s*[:;|]", rest):
        return False
    return _LABEL_CUT.search(" " + n.fold(rest).strip()) is not None


# Where an address starts after a name with no comma between ("Kefilwe Mothibi
# PrivateBag9493, Ghanzi").
# A digit inside a word is OCR's letter ("Acc0unt"), not a number.
_ADDRESS_START = re.compile(r"\s*(?:\bP\s*\.?\s*O\s*\.?\s*BOX|PRIVATE\s*BAG|\bPLOT\b|(?<![A-Z])\d)")


def cand_text(line: Line, covered: int, spec: FieldSpec) -> str:
    rest = _clean_remainder(line.text[covered:], spec)
    if spec.kind == "name":
        m = _NAME_THEN_ADDRESS.search(rest)
        if m:
            rest = rest[: m.start()].strip(" ,")
        m = _ADDRESS_START.search(n.fold_aligned(rest))
        if m and m.start() > 0:
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
    below = [
        ln
        for j, ln in enumerate(lines)
        if j != i
        # Lower than the label by more than half a line (phone photos' boxes overlap).
        and (ln.y0 + ln.y1) / 2 > cy + 0.6 * label.height
        and ln.y0 < label.y1 + 1.8 * label.height
        and (abs(ln.x0 - label.x0) < 2 * label.height or (ln.x0 < label.x1 and ln.x1 > label.x0))
    ]
    below.sort(key=lambda ln: (ln.y0, abs(ln.x0 - label.x0)))
    caption = not out and not label.text.rstrip().endswith(":")
    if caption and right and below and _far(label, right[0]) and _under(label, below[0]):
        # A caption (no colon: "Status:" points across) with its value right under it,
        # and the nearest line to its right far off: a card's columns ("Citizenship" /
        # "MOTSWANA", "Gender" across).
        return [("below", below[0]), ("right", right[0])]
    out += [("right", ln) for ln in right[:1]]
    out += [("below", ln) for ln in below[:1]]
    return out


def _far(label: Line, right: Line) -> bool:
    """``right`` starts further from the label than ``FAR_RIGHT`` label widths."""
    return right.x0 - label.x1 > FAR_RIGHT * max(label.height, label.x1 - label.x0)


def _under(label: Line, below: Line) -> bool:
    """``below`` starts right under the label, at its left edge."""
    return (
        below.y0 < label.y1 + UNDER_GAP * label.height and abs(below.x0 - label.x0) < label.height
    )

"""Normalised forms of field values: ISO dates, upper-case names, digits-only numbers, amounts.

Each function returns ``None`` when the text is not a value of that kind:
the extractor uses that to reject a wrong candidate (a label read as a
value, a neighbouring field) rather than report it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import numpy as np

MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("JAN", "JANUARY"),
            ("FEB", "FEBRUARY"),
            ("MAR", "MARCH"),
            ("APR", "APRIL"),
            ("MAY",),
            ("JUN", "JUNE"),
            ("JUL", "JULY"),
            ("AUG", "AUGUST"),
            ("SEP", "SEPT", "SEPTEMBER"),
            ("OCT", "OCTOBER"),
            ("NOV", "NOVEMBER"),
            ("DEC", "DECEMBER"),
        ],
        start=1,
    )
    for m in names
}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
# "12 June 2024", "12th June 2024", "12th day of June, 2024". Digits are delimited by
# non-digits rather than word boundaries: OCR drops spaces ("since07JUN2021and").
_DMY_TEXT = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:ST|ND|RD|TH)?\s*(?:(?:DAY\s+)?OF\s+)?({_MONTH_RE})\.?,?\s*(\d{{4}})(?!\d)"
)
_MDY_TEXT = re.compile(rf"(?<![A-Z])({_MONTH_RE})\.?\s+(\d{{1,2}}),?\s*(\d{{4}})(?!\d)")
_DMY_NUM = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})(?!\d)")
_YMD_NUM = re.compile(r"(?<!\d)(\d{4})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})(?!\d)")
_MONTH_YEAR = re.compile(rf"\b({_MONTH_RE})\.?\s*(\d{{4}})\b")
_AMOUNT = re.compile(
    r"(-\s*)?(?:BWP|P|PULA)?\s*(-?\d{1,3}(?:[ ,]\d{3})+(?:\.\d{2})|-?\d+(?:\.\d{2}))\b"
)


def fold(text: str) -> str:
    """Upper-case ASCII (accents dropped): the form labels and names are compared in."""
    text = unicodedata.normalize("NFKD", text)
    return text.encode("ascii", "ignore").decode("ascii").upper()


def _date(y: int, m: int, d: int) -> str | None:
    try:
        return dt.date(y, m, d).isoformat()
    except ValueError:
        return None


def fold_aligned(text: str) -> str:
    """``fold`` character by character: the result has the same length as ``text``.

    Positions found in it are positions in ``text`` (a character with no ASCII
    form becomes a space).
    """
    return "".join((fold(ch) or " ")[:1] for ch in text)


def date_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, ISO date) of every full date in the text, in order (day-first for numbers)."""
    t = fold_aligned(text)
    found: list[tuple[int, int, str]] = []
    for m in _DMY_TEXT.finditer(t):
        iso = _date(int(m[3]), MONTHS[m[2]], int(m[1]))
        if iso:
            found.append((m.start(), m.end(), iso))
    for m in _MDY_TEXT.finditer(t):
        iso = _date(int(m[3]), MONTHS[m[1]], int(m[2]))
        if iso:
            found.append((m.start(), m.end(), iso))
    for m in _YMD_NUM.finditer(t):
        iso = _date(int(m[1]), int(m[2]), int(m[3]))
        if iso:
            found.append((m.start(), m.end(), iso))
    for m in _DMY_NUM.finditer(t):
        iso = _date(int(m[3]), int(m[2]), int(m[1]))
        if iso:
            found.append((m.start(), m.end(), iso))
    out: list[tuple[int, int, str]] = []
    for start, end, iso in sorted(found):
        if not any(abs(start - s) < 3 for s, _, _ in out):
            out.append((start, end, iso))
    return out


def dates_in(text: str) -> list[str]:
    """Every full date in the text, ISO, in order of appearance (day-first for numbers)."""
    return [iso for _, _, iso in date_spans(text)]


def date(text: str) -> str | None:
    """The first date in the text, ISO ``YYYY-MM-DD``."""
    found = dates_in(text)
    return found[0] if found else None


def month(text: str) -> str | None:
    """A month period ("April 2024") as ``YYYY-MM``."""
    m = _MONTH_YEAR.search(fold(text))
    return f"{int(m[2]):04d}-{MONTHS[m[1]]:02d}" if m else None


def period(text: str) -> str | None:
    """A period: two dates → ``start/end`` (ISO 8601 interval), or a month ``YYYY-MM``."""
    found = dates_in(text)
    if len(found) >= 2:
        return f"{found[0]}/{found[1]}"
    return month(text) if not found else None


def name(text: str) -> str | None:
    """Upper-case letters, spaces, hyphens and apostrophes; None if fewer than 2 letters."""
    t = re.sub(r"[^A-Z' -]", " ", fold(text))
    t = " ".join(t.split())
    return t if sum(c.isalpha() for c in t) >= 2 else None


def digits(text: str, *, min_len: int = 4) -> str | None:
    """Digits only (spaces and separators dropped); None if too few."""
    d = re.sub(r"\D", "", text)
    return d if len(d) >= min_len else None


def code(text: str, *, min_len: int = 4) -> str | None:
    """An alphanumeric identifier, upper-case, spaces and separators dropped."""
    c = re.sub(r"[^A-Z0-9]", "", fold(text))
    return c if len(c) >= min_len and any(ch.isdigit() for ch in c) else None


def amount(text: str) -> str | None:
    """A Pula amount as a plain decimal string with two places ("1234.56")."""
    m = _AMOUNT.search(fold(text).replace("O", "0") if re.search(r"\d", text) else "")
    if not m:
        return None
    value = re.sub(r"[ ,]", "", m[2])
    if "." not in value:
        value += ".00"
    # A debit printed as "-BWP 804.75" keeps its sign.
    if m[1] and not value.startswith("-"):
        value = "-" + value
    return value


def sex(text: str) -> str | None:
    """``M`` or ``F`` from M/F/MALE/FEMALE (and the French forms on bilingual documents)."""
    t = fold(text).strip(" .:")
    if t in ("M", "MALE", "MASCULIN", "H"):
        return "M"
    if t in ("F", "FEMALE", "FEMININ"):
        return "F"
    words = set(re.findall(r"[A-Z]+", t))
    if words & {"MALE", "M"} and not words & {"FEMALE", "F"}:
        return "M"
    if words & {"FEMALE", "F"}:
        return "F"
    return None


def text(value: str) -> str | None:
    """Free text, whitespace collapsed; None if empty."""
    t = " ".join(value.split()).strip(" :;,")
    return t or None


def caps(value: str) -> str | None:
    """Free text compared without case or accents: upper-case ASCII, whitespace collapsed."""
    return text(fold(value))


# "P O Box", "P.O. Box", "PO Box", "P. Box" (and OCR's "P 0 Box", "POBox345").
_PO_BOX = re.compile(r"\bP\s*\.?\s*[O0]?\s*\.?\s*BOX(?=\s*\d|\b)")
_PRIVATE_BAG = re.compile(r"\bPRIVATE\s*BAG(?=\s*\d|\b)")


def address(value: str) -> str | None:
    """A Botswana address, upper-case, in one spelling ("P.O. Box 7, Maun" → "P O BOX 7, MAUN").

    Commas separate the parts with one space after each, ``P.O. Box``/``PO Box``
    become ``P O BOX``; None unless it has both a number and a word (every
    plot, box and private bag address does).
    """
    t = fold(value)
    t = _PO_BOX.sub("P O BOX ", t)
    t = _PRIVATE_BAG.sub("PRIVATE BAG ", t)
    t = re.sub(r"\s*,\s*", ", ", t)
    # "PLOT29921, PHASE2" (OCR dropped the spaces) is "PLOT 29921, PHASE 2".
    t = re.sub(r"(?<=[A-Z])(?=\d)", " ", t)
    t = " ".join(t.split()).strip(" .:;,")
    if not re.search(r"\d", t) or sum(c.isalpha() for c in t) < 2:
        return None
    return t


_PTY_LTD = re.compile(r"\(?\s*\bPTY\b\s*\)?\s*\.?\s*\b(?:LTD|LIMITED)\b\.?")


def org(value: str) -> str | None:
    """An organisation's name, upper-case, ``(Pty) Ltd`` in one spelling; None without letters."""
    t = _PTY_LTD.sub(" (PTY) LTD", fold(value))
    t = " ".join(t.split()).strip(" .:;,")
    return t if sum(c.isalpha() for c in t) >= 2 else None


def integer(value: str) -> str | None:
    """A whole number ("016" → "16"); None unless the text is digits (separators allowed)."""
    t = re.sub(r"[\s,]", "", value)
    return str(int(t)) if t.isdigit() else None


_YEAR = re.compile(r"^\s*((?:19|20)\d{2})\s*\.?\s*$")


def date_or_year(value: str) -> str | None:
    """A full date as ISO ``YYYY-MM-DD``, else a bare year ("since 2002") as ``YYYY``."""
    found = date(value)
    if found:
        return found
    m = _YEAR.match(value)
    return m[1] if m else None


def substring_distance(pattern: str, text: str) -> int:
    """Edit distance from ``pattern`` to its best-matching substring of ``text`` (Sellers)."""
    if not pattern:
        return 0
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    idx = np.arange(len(text) + 1)
    prev = np.zeros(len(text) + 1, dtype=np.int64)  # free start anywhere in text
    for i, pc in enumerate(pattern, 1):
        cost = (codes != ord(pc)).astype(np.int64)
        tmp = np.empty_like(prev)
        tmp[0] = i
        tmp[1:] = np.minimum(prev[1:] + 1, prev[:-1] + cost)
        # cur[j] = min(tmp[j], cur[j-1] + 1) = j + running min of (tmp[k] - k)
        prev = np.minimum.accumulate(tmp - idx) + idx
    return int(prev.min())  # free end anywhere in text


# Characters OCR takes for one another on printed documents: compared as one.
_CONFUSED = str.maketrans(
    {"O": "0", "Q": "0", "I": "1", "L": "1", "T": "1", "S": "5", "B": "8", "Z": "2"}
)


def confusable(text: str) -> str:
    """``fold``ed, without spaces or punctuation, with the characters OCR confuses (O and
    0, I/L/T and 1, S and 5, B and 8, Z and 2) made one: the form in which
    :func:`shown_in` looks for a value."""
    return re.sub(r"[^A-Z0-9]", "", fold(text)).translate(_CONFUSED)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between ``a`` and ``b`` (whole strings)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        prev = cur
    return prev[-1]


def shown_in(value: str, kind: str, lines: list[str], tolerance: int = 1) -> bool:
    """Does some line of ``lines`` print ``value``, after :func:`confusable`?

    A ``date`` (ISO) is shown where one line has its day, its month and its year in
    that order (or year, month, day): day and year exactly, as a replaced digit is what
    this looks for and another date on the page (an issue date ten years before the
    expiry) is only one digit away; the month as a number exactly, or as a name within
    one misread letter ("NAR" for MAR). A code is shown within ``tolerance`` edits."""
    folded = [confusable(line) for line in lines]
    if kind == "date":
        y, m, d = value.split("-")
        days = "|".join(sorted({confusable(d), confusable(str(int(d)))}, key=len, reverse=True))
        year = confusable(y)
        numbers = {confusable(m), confusable(str(int(m)))}
        names = {confusable(name) for name, i in MONTHS.items() if i == int(m)}

        def is_month(token: str) -> bool:
            return token in numbers or any(edit_distance(token, n) <= 1 for n in names)

        day_first = re.compile(rf"(?:{days})([A-Z0-9]{{1,9}}?){year}")
        year_first = re.compile(rf"{year}([A-Z0-9]{{1,9}}?)(?:{days})")
        for line in folded:
            for pattern in (day_first, year_first):
                if any(is_month(mt.group(1)) for mt in _overlapping(pattern, line)):
                    return True
        return False
    wanted = confusable(value)
    return any(substring_distance(wanted, line) <= tolerance for line in folded if line)


def _overlapping(pattern: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """Every match of ``pattern`` starting at each position of ``text`` (overlaps too)."""
    out = []
    for start in range(len(text)):
        found = pattern.match(text, start)
        if found:
            out.append(found)
    return out

"""Normalised forms of field values: ISO dates, upper-case names, digits-only numbers, amounts.

Each function returns ``None`` when the text is not a value of that kind:
the extractor uses that to reject a wrong candidate (a label read as a
value, a neighbouring field) rather than report it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

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
_DMY_TEXT = re.compile(rf"\b(\d{{1,2}})\s*({_MONTH_RE})\.?,?\s*(\d{{4}})\b")
_MDY_TEXT = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}}),?\s*(\d{{4}})\b")
_DMY_NUM = re.compile(r"\b(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\b")
_YMD_NUM = re.compile(r"\b(\d{4})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\b")
_MONTH_YEAR = re.compile(rf"\b({_MONTH_RE})\.?\s*(\d{{4}})\b")
_AMOUNT = re.compile(r"(?:BWP|P|PULA)?\s*(-?\d{1,3}(?:[ ,]\d{3})+(?:\.\d{2})|-?\d+(?:\.\d{2}))\b")


def fold(text: str) -> str:
    """Upper-case ASCII (accents dropped): the form labels and names are compared in."""
    text = unicodedata.normalize("NFKD", text)
    return text.encode("ascii", "ignore").decode("ascii").upper()


def _date(y: int, m: int, d: int) -> str | None:
    try:
        return dt.date(y, m, d).isoformat()
    except ValueError:
        return None


def dates_in(text: str) -> list[str]:
    """Every full date in the text, ISO, in order of appearance (day-first for numbers)."""
    t = fold(text)
    found: list[tuple[int, str]] = []
    for m in _DMY_TEXT.finditer(t):
        iso = _date(int(m[3]), MONTHS[m[2]], int(m[1]))
        if iso:
            found.append((m.start(), iso))
    for m in _MDY_TEXT.finditer(t):
        iso = _date(int(m[3]), MONTHS[m[1]], int(m[2]))
        if iso:
            found.append((m.start(), iso))
    for m in _YMD_NUM.finditer(t):
        iso = _date(int(m[1]), int(m[2]), int(m[3]))
        if iso:
            found.append((m.start(), iso))
    for m in _DMY_NUM.finditer(t):
        iso = _date(int(m[3]), int(m[2]), int(m[1]))
        if iso:
            found.append((m.start(), iso))
    seen: set[int] = set()
    out = []
    for pos, iso in sorted(found):
        if not any(abs(pos - s) < 3 for s in seen):
            out.append(iso)
            seen.add(pos)
    return out


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
    value = re.sub(r"[ ,]", "", m[1])
    if "." not in value:
        value += ".00"
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

"""Machine Readable Zones (ICAO Doc 9303): check digits, composition and parsing.

Pure standard-library code. The layouts of the three document formats (TD1
identity cards, TD2 cards and TD3 passports) and of the MRV-A visa are
declared once, as data (:data:`LAYOUTS`): each field names its line, its
zero-based start column, its length and, where it has one, the column of its
check digit. Composition fills these slots; :func:`parse` reads the same slots
back (see :func:`slice_field`), correcting OCR confusions only where the field's
alphabet or its check digit confirms the correction, and :func:`find_mrz` picks
the MRZ lines out of the noisy OCR text of a whole page.

Names follow Doc 9303 part 3: upper case, diacritics transliterated or
dropped, spaces and hyphens become the filler ``<``, other punctuation is
omitted, the primary identifier (surname) is separated from the secondary
identifier (given names) by ``<<``, and over-long names are truncated
(given names first).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

FILLER = "<"
#: What OCR most often reads the chevron (filler) as on phone photos.
FILLER_READ_AS = "K"
# Padding as phone OCR reads it.
_PADDING = frozenset({FILLER, FILLER_READ_AS})

_WEIGHTS = (7, 3, 1)

# Letters whose NFKD decomposition does not reduce to A-Z (Doc 9303 part 3, 6.A).
_SPECIAL = {
    "Æ": "AE",
    "Ø": "OE",
    "ß": "SS",
    "Þ": "TH",
    "Đ": "D",
    "Ł": "L",
    "Ŀ": "L",
    "Œ": "OE",
    "Ħ": "H",
    "Ŋ": "N",
    "Ĳ": "IJ",
    "Ð": "D",
}


class MrzFormat(StrEnum):
    """The MRZ formats this module composes."""

    TD1 = "TD1"  # identity card, 3 lines of 30
    TD2 = "TD2"  # identity card, 2 lines of 36
    TD3 = "TD3"  # passport, 2 lines of 44
    MRVA = "MRVA"  # visa (format A), 2 lines of 44, no composite check digit


@dataclass(frozen=True)
class FieldSlot:
    """Where one MRZ field sits: line index, start column, length, check-digit column."""

    name: str
    line: int
    start: int
    length: int
    check: int | None = None  # column of this field's check digit on the same line


@dataclass(frozen=True)
class Layout:
    """The geometry of one MRZ format."""

    format: MrzFormat
    lines: int
    width: int
    slots: tuple[FieldSlot, ...]
    # (line, start, end) ranges (end exclusive) covered by the composite check digit.
    composite_ranges: tuple[tuple[int, int, int], ...]
    composite_at: tuple[int, int] | None  # (line, column) of the composite check digit

    def slot(self, name: str) -> FieldSlot:
        """The slot of field ``name``."""
        for s in self.slots:
            if s.name == name:
                return s
        raise KeyError(f"{self.format} has no field {name!r}")


LAYOUTS: dict[MrzFormat, Layout] = {
    MrzFormat.TD3: Layout(
        format=MrzFormat.TD3,
        lines=2,
        width=44,
        slots=(
            FieldSlot("document_code", 0, 0, 2),
            FieldSlot("issuing_state", 0, 2, 3),
            FieldSlot("name", 0, 5, 39),
            FieldSlot("document_number", 1, 0, 9, check=9),
            FieldSlot("nationality", 1, 10, 3),
            FieldSlot("birth_date", 1, 13, 6, check=19),
            FieldSlot("sex", 1, 20, 1),
            FieldSlot("expiry_date", 1, 21, 6, check=27),
            FieldSlot("optional_data", 1, 28, 14, check=42),
        ),
        composite_ranges=((1, 0, 10), (1, 13, 20), (1, 21, 43)),
        composite_at=(1, 43),
    ),
    MrzFormat.MRVA: Layout(
        format=MrzFormat.MRVA,
        lines=2,
        width=44,
        slots=(
            FieldSlot("document_code", 0, 0, 2),
            FieldSlot("issuing_state", 0, 2, 3),
            FieldSlot("name", 0, 5, 39),
            FieldSlot("document_number", 1, 0, 9, check=9),
            FieldSlot("nationality", 1, 10, 3),
            FieldSlot("birth_date", 1, 13, 6, check=19),
            FieldSlot("sex", 1, 20, 1),
            FieldSlot("expiry_date", 1, 21, 6, check=27),
            FieldSlot("optional_data", 1, 28, 16),
        ),
        composite_ranges=(),
        composite_at=None,
    ),
    MrzFormat.TD2: Layout(
        format=MrzFormat.TD2,
        lines=2,
        width=36,
        slots=(
            FieldSlot("document_code", 0, 0, 2),
            FieldSlot("issuing_state", 0, 2, 3),
            FieldSlot("name", 0, 5, 31),
            FieldSlot("document_number", 1, 0, 9, check=9),
            FieldSlot("nationality", 1, 10, 3),
            FieldSlot("birth_date", 1, 13, 6, check=19),
            FieldSlot("sex", 1, 20, 1),
            FieldSlot("expiry_date", 1, 21, 6, check=27),
            FieldSlot("optional_data", 1, 28, 7),
        ),
        composite_ranges=((1, 0, 10), (1, 13, 20), (1, 21, 35)),
        composite_at=(1, 35),
    ),
    MrzFormat.TD1: Layout(
        format=MrzFormat.TD1,
        lines=3,
        width=30,
        slots=(
            FieldSlot("document_code", 0, 0, 2),
            FieldSlot("issuing_state", 0, 2, 3),
            FieldSlot("document_number", 0, 5, 9, check=14),
            FieldSlot("optional_data", 0, 15, 15),
            FieldSlot("birth_date", 1, 0, 6, check=6),
            FieldSlot("sex", 1, 7, 1),
            FieldSlot("expiry_date", 1, 8, 6, check=14),
            FieldSlot("nationality", 1, 15, 3),
            FieldSlot("optional_data_2", 1, 18, 11),
            FieldSlot("name", 2, 0, 30),
        ),
        composite_ranges=((0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)),
        composite_at=(1, 29),
    ),
}


@dataclass(frozen=True)
class MrzData:
    """The data an MRZ encodes, as printed in the visual zone."""

    document_code: str  # "P", "I", "ID", "V", "AC", ...
    issuing_state: str  # ICAO three-letter code, e.g. "BWA"
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: dt.date
    sex: str  # "M", "F" or "<" (unspecified)
    expiry_date: dt.date
    optional_data: str = ""
    optional_data_2: str = ""  # TD1 only: line 2 optional data


def _char_value(c: str) -> int:
    if c.isdigit():
        return ord(c) - ord("0")
    if "A" <= c <= "Z":
        return ord(c) - ord("A") + 10
    if c == FILLER:
        return 0
    raise ValueError(f"character {c!r} is not allowed in an MRZ")


def check_digit(s: str) -> str:
    """The ICAO 9303 check digit of ``s`` (weights 7, 3, 1; A-Z = 10-35, ``<`` = 0)."""
    total = sum(_char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(s))
    return str(total % 10)


def transliterate(text: str) -> str:
    """``text`` in MRZ characters: upper case A-Z and 0-9, separators as ``<``.

    Diacritics are removed (``É`` -> ``E``), a few letters expand (``Æ`` -> ``AE``),
    spaces and hyphens become ``<``, other punctuation (apostrophes, commas, dots)
    is dropped, and runs of separators collapse into one ``<``.
    """
    out: list[str] = []
    for ch in text.upper():
        if ch in _SPECIAL:
            out.append(_SPECIAL[ch])
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        for c in base:
            if "A" <= c <= "Z" or (c.isdigit() and c.isascii()):
                out.append(c)
            elif c in " -<" and out and out[-1] != FILLER:
                out.append(FILLER)
    return "".join(out).strip(FILLER)


def _name_part(text: str) -> str:
    """A name component: letters only, separators as single ``<``."""
    cleaned = transliterate(text)
    return "".join(c for c in cleaned if not c.isdigit())


def format_name(surname: str, given_names: str, width: int) -> str:
    """The name field: ``SURNAME<<GIVEN<NAMES`` padded with ``<`` to ``width``.

    When it does not fit, given names are truncated first (keeping at least
    their initial), then the surname.
    """
    primary = _name_part(surname)
    secondary = _name_part(given_names)
    if not primary:
        raise ValueError("an MRZ name needs a surname (primary identifier)")
    if not secondary:
        return _pad(primary[:width], width)
    full = f"{primary}<<{secondary}"
    if len(full) <= width:
        return _pad(full, width)
    room = width - len(primary) - 2
    if room >= 1:
        return _pad(f"{primary}<<{secondary[:room].rstrip(FILLER)}", width)
    # The surname alone overflows: keep the initial of the given names.
    return f"{primary[: width - 3]}<<{secondary[0]}"


def _pad(text: str, width: int) -> str:
    if len(text) > width:
        raise ValueError(f"{text!r} is longer than its {width}-character field")
    return text + FILLER * (width - len(text))


def _code(text: str, width: int) -> str:
    return _pad(transliterate(text), width)


def format_date(d: dt.date) -> str:
    """A date as the MRZ writes it: ``YYMMDD``."""
    return d.strftime("%y%m%d")


def _sex(sex: str) -> str:
    s = sex.upper().strip() or FILLER
    if s in {"X", ""}:
        s = FILLER
    if s not in {"M", "F", FILLER}:
        raise ValueError(f"sex must be 'M', 'F' or '<', not {sex!r}")
    return s


def slice_field(lines: tuple[str, ...] | list[str], slot: FieldSlot) -> str:
    """The raw characters of ``slot`` in ``lines`` (for parsing and tests)."""
    return lines[slot.line][slot.start : slot.start + slot.length]


def compose(data: MrzData, fmt: MrzFormat) -> tuple[str, ...]:
    """The MRZ lines of ``data`` in format ``fmt``, all check digits included.

    A document number longer than nine characters is written, as Doc 9303
    prescribes for TD1 and TD2, as its first nine characters, a ``<`` in the
    check-digit position, and the remainder plus its check digit at the start
    of the optional data. TD3 and visas allow nine characters at most.
    """
    layout = LAYOUTS[fmt]
    rows = [[FILLER] * layout.width for _ in range(layout.lines)]

    def put(name: str, value: str) -> None:
        slot = layout.slot(name)
        text = _pad(value, slot.length)
        rows[slot.line][slot.start : slot.start + slot.length] = list(text)
        if slot.check is not None:
            rows[slot.line][slot.check] = check_digit(text)

    number = transliterate(data.document_number).replace(FILLER, "")
    optional = transliterate(data.optional_data)
    long_number = len(number) > 9
    if long_number:
        if fmt not in (MrzFormat.TD1, MrzFormat.TD2):
            raise ValueError(f"{fmt} document numbers have at most 9 characters: {number!r}")
        rest = number[9:]
        # Doc 9303 part 5, note j: the rest, its check digit, then a filler (so the
        # optional data that follows can be told apart from the number).
        optional = rest + check_digit(number) + (FILLER + optional if optional else "")
        number = number[:9]

    put("document_code", _code(data.document_code, 2))
    put("issuing_state", _code(data.issuing_state, 3))
    put("document_number", number)
    if long_number:
        slot = layout.slot("document_number")
        rows[slot.line][slot.check or 0] = FILLER
    put("nationality", _code(data.nationality, 3))
    put("birth_date", format_date(data.birth_date))
    put("sex", _sex(data.sex))
    put("expiry_date", format_date(data.expiry_date))
    opt_slot = layout.slot("optional_data")
    put("optional_data", _pad(optional, opt_slot.length))
    if fmt is MrzFormat.TD3 and not optional:
        rows[opt_slot.line][opt_slot.check or 0] = FILLER  # Doc 9303: filler or zero
    if fmt is MrzFormat.TD1:
        put("optional_data_2", _pad(transliterate(data.optional_data_2), 11))
    elif data.optional_data_2:
        raise ValueError(f"{fmt} has no second optional data field")
    name_slot = layout.slot("name")
    put("name", format_name(data.surname, data.given_names, name_slot.length))

    if layout.composite_at is not None:
        line, col = layout.composite_at
        composite = "".join(
            "".join(rows[ln][start:end]) for ln, start, end in layout.composite_ranges
        )
        rows[line][col] = check_digit(composite)
    return tuple("".join(r) for r in rows)


def compose_td3(data: MrzData) -> tuple[str, str]:
    """The two 44-character lines of a passport (TD3) MRZ."""
    a, b = compose(data, MrzFormat.TD3)
    return a, b


def compose_td2(data: MrzData) -> tuple[str, str]:
    """The two 36-character lines of a TD2 MRZ."""
    a, b = compose(data, MrzFormat.TD2)
    return a, b


def compose_td1(data: MrzData) -> tuple[str, str, str]:
    """The three 30-character lines of an identity card (TD1) MRZ."""
    a, b, c = compose(data, MrzFormat.TD1)
    return a, b, c


def compose_mrva(data: MrzData) -> tuple[str, str]:
    """The two 44-character lines of a format-A visa (MRV-A) MRZ."""
    a, b = compose(data, MrzFormat.MRVA)
    return a, b


def check_digits_valid(lines: tuple[str, ...] | list[str], fmt: MrzFormat) -> bool:
    """Whether every check digit in ``lines`` (including the composite) is right.

    A ``<`` in a check-digit position is accepted where Doc 9303 allows it: an
    empty TD3 optional data field, and a TD1/TD2 document number that continues
    in the optional data (whose own check digit is then verified).
    """
    layout = LAYOUTS[fmt]
    if len(lines) != layout.lines or any(len(ln) != layout.width for ln in lines):
        return False
    try:
        for slot in layout.slots:
            if slot.check is None:
                continue
            value = slice_field(lines, slot)
            got = lines[slot.line][slot.check]
            if got == FILLER:
                if slot.name == "optional_data" and set(value) == {FILLER}:
                    continue
                if slot.name == "document_number" and fmt in (MrzFormat.TD1, MrzFormat.TD2):
                    opt = slice_field(lines, layout.slot("optional_data"))
                    end = opt.find(FILLER)
                    end = len(opt) if end < 0 else end
                    if end < 2 or check_digit(value + opt[: end - 1]) != opt[end - 1]:
                        return False
                    continue
                return False
            if check_digit(value) != got:
                return False
        if layout.composite_at is not None:
            line, col = layout.composite_at
            composite = "".join(lines[ln][s:e] for ln, s, e in layout.composite_ranges)
            if check_digit(composite) != lines[line][col]:
                return False
    except ValueError:
        return False
    return True


# =====================================================================================
# Parsing
# =====================================================================================
#
# Correction policy (Doc 9303 OCR-B confusions): a character is changed only where
# its field's alphabet rules it out (a letter in a date or a check digit, a digit in a
# name or a country code), or where the check digit confirms it:
#
# * letters-only fields (document code, issuing state, nationality, names) map the
#   digits 0/1/2/5/6/8 to O/I/Z/S/G/B, with no check digit needed;
# * digit-only positions (dates and every check digit) map O/D/Q/I/S/B/Z/G to
#   0/0/0/1/5/8/2/6, but the mapping stands only if the field's check digit then
#   verifies;
# * alphanumeric positions (document number, optional data) are changed only by a
#   single confusion substitution that makes the check digit verify, and only when
#   exactly one such substitution exists: two candidates are never guessed between.
#   A substitution is a candidate only where the character is the odd one out among
#   its neighbours (a letter between digits, a digit among letters). A mod-10 check
#   digit alone cannot tell a confusion from a genuinely wrong character: with every
#   position open, close to a third of genuine single-digit errors in a random
#   document number would be "corrected" into a wrong number that verifies; with
#   the neighbour rule, about one in a hundred. G/6 differ by 10, so a check digit
#   never sees that confusion.
#
# * an optional data field of K and fillers, with a filler in its check position, is
#   padding read as K: only an empty field has a filler there (a K weighs nothing
#   modulo 10, so the check digit itself cannot tell).
#
# The composite check digit is verified after the field corrections (a look-alike
# letter in its own position is mapped to a digit if that verifies); the optional
# data that only the composite covers is never corrected.


class MrzError(ValueError):
    """Lines that are not an MRZ of a format this module knows."""


@dataclass(frozen=True)
class MrzField:
    """One parsed MRZ field."""

    name: str
    raw: str  # as found in the MRZ (after correction), fillers included
    value: str  # cleaned: no fillers, names with spaces, dates ISO, sex M/F/X
    check_digit_ok: bool | None  # None where the field has no check digit
    corrected: bool  # a character was changed (see the correction policy above)


@dataclass(frozen=True)
class MrzResult:
    """A parsed MRZ: fields, check-digit verdicts, corrections made and errors found."""

    format: MrzFormat
    lines: tuple[str, ...]  # normalised lines as parsed, after correction
    fields: dict[str, MrzField]
    composite_ok: bool | None  # None for MRV-A (no composite check digit)
    valid: bool  # every present check digit, and the composite, verifies (check
    # digits only: an impossible date or a stray character is in ``errors`` alone)
    corrections: tuple[str, ...]  # e.g. "document_number[3]: O→0"
    errors: tuple[str, ...]  # e.g. "MRZ_CHECKDIGIT_FAILED:birth_date"


_MRZ_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
_DIGITS = frozenset("0123456789")
# A letter where only a digit may stand, and a digit where only a letter may stand.
_TO_DIGIT = {"O": "0", "D": "0", "Q": "0", "I": "1", "S": "5", "B": "8", "Z": "2", "G": "6"}
_TO_LETTER = {"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B"}
# Where both letters and digits are allowed, what each character may have been.
_ALTERNATIVES: dict[str, tuple[str, ...]] = {
    **{letter: (digit,) for letter, digit in _TO_DIGIT.items()},
    "0": ("O", "D", "Q"),
    "1": ("I",),
    "2": ("Z",),
    "5": ("S",),
    "6": ("G",),
    "8": ("B",),
}
_LETTER_FIELDS = ("document_code", "issuing_state", "nationality", "name")
_DATE_FIELDS = ("birth_date", "expiry_date")
_SEXES = {"M": "M", "F": "F", "X": "X", FILLER: "X"}

# Position kinds for correction: a fixed character, a digit-only position, or an
# alphanumeric one.
_FIXED, _DIGIT, _ALNUM = "fixed", "digit", "alnum"

_Pos = tuple[int, int]  # (line, column)


def _confirmed(chars: list[str], kinds: list[str]) -> list[str] | None:
    """``chars`` (the last one a check digit) corrected so that the check digit verifies.

    Digit-only positions (``kinds`` ``"digit"``) have look-alike letters mapped to
    digits; then, if the check still fails, one alphanumeric position may be changed
    to its OCR look-alike, where the new character matches its neighbours' kind
    (letter or digit). ``None`` when nothing verifies, or when more than one
    candidate does: the policy never guesses.
    """

    def verifies(cand: list[str]) -> bool:
        return check_digit("".join(cand[:-1])) == cand[-1]

    base = list(chars)
    for i, (ch, kind) in enumerate(zip(chars, kinds, strict=True)):
        if kind == _DIGIT and ch not in _DIGITS and ch != FILLER:
            if ch not in _TO_DIGIT:
                return None
            base[i] = _TO_DIGIT[ch]
    if verifies(base):
        return base
    found: set[str] = set()
    for i, kind in enumerate(kinds):
        if kind != _ALNUM:
            continue
        # Only a character that is the odd one out among its neighbours in the field
        # (a letter between digits, a digit after letters, ...) may have been misread.
        neighbours = {
            base[j].isdigit()
            for j in (i - 1, i + 1)
            if 0 <= j < len(kinds) - 1 and kinds[j] == _ALNUM and base[j] != FILLER
        }
        for alt in _ALTERNATIVES.get(base[i], ()):
            if neighbours != {alt.isdigit()}:
                continue
            cand = [*base[:i], alt, *base[i + 1 :]]
            if verifies(cand):
                found.add("".join(cand))
    if len(found) == 1:
        return list(found.pop())
    return None


def _resolve_date(raw: str, limit: dt.date) -> str | None:
    """``YYMMDD`` as ISO, in the century that puts it on or before ``limit``.

    Doc 9303 writes an unknown day (or month and day) as fillers: those give
    ``YYYY-MM`` (or ``YYYY``); six fillers give ``""``. ``None``: not a date.
    """
    if raw == FILLER * 6:
        return ""
    yy, mm, dd = raw[:2], raw[2:4], raw[4:6]
    if not set(yy) <= _DIGITS:
        return None
    month = int(mm) if set(mm) <= _DIGITS else None
    day = int(dd) if set(dd) <= _DIGITS else None
    if (month is None and mm != "<<") or (day is None and dd != "<<"):
        return None
    if month is None and day is not None:
        return None
    year = limit.year - (limit.year - int(yy)) % 100
    if (year, month or 1, day or 1) > (limit.year, limit.month, limit.day):
        year -= 100
    if month is None:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else None
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _years_later(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _clean(line: str) -> str:
    return "".join(line.split()).upper()


def _detect(lines: list[str]) -> MrzFormat:
    """The format of normalised ``lines``, from their count, width and document code."""
    shape = (len(lines), *sorted({len(ln) for ln in lines}))
    bad = {c for ln in lines for c in ln} - _MRZ_CHARS
    if bad:
        raise MrzError(f"characters not allowed in an MRZ: {''.join(sorted(bad))!r}")
    if shape not in ((3, 30), (2, 36), (2, 44)):
        raise MrzError(f"{len(lines)} lines of lengths {[len(ln) for ln in lines]} are not an MRZ")
    first = _TO_LETTER.get(lines[0][0], lines[0][0])
    if not "A" <= first <= "Z":
        raise MrzError(f"an MRZ starts with a document code letter, not {lines[0][0]!r}")
    if shape == (3, 30):
        return MrzFormat.TD1
    if shape == (2, 36):
        if first == "V":
            raise MrzError("MRV-B visas (2 lines of 36, document code V) are not supported")
        return MrzFormat.TD2
    return MrzFormat.MRVA if first == "V" else MrzFormat.TD3


def parse(lines: list[str] | tuple[str, ...], today: dt.date | None = None) -> MrzResult:
    """Parse the MRZ ``lines`` (TD1, TD2, TD3 or MRV-A), correcting OCR confusions.

    Lines are upper-cased and spaces removed; anything else must already be an MRZ
    (:func:`find_mrz` extracts and normalises one from noisy OCR text). Two-digit
    years resolve so that the birth date is not after ``today`` (default: the
    current date) and the expiry date is at most 50 years after it. Expired
    documents are not an error here: judging expiry is for the caller.

    Raises :class:`MrzError` for lines that are not an MRZ of a known format.
    """
    today = today or dt.date.today()
    texts = [_clean(ln) for ln in lines]
    fmt = _detect(texts)
    layout = LAYOUTS[fmt]
    rows = [list(t) for t in texts]
    corrections: list[tuple[_Pos, str]] = []  # in MRZ order at the end
    corrected: set[str] = set()
    errors: list[str] = []

    def text(positions: list[_Pos]) -> str:
        return "".join(rows[ln][col] for ln, col in positions)

    def span(slot: FieldSlot) -> list[_Pos]:
        return [(slot.line, c) for c in range(slot.start, slot.start + slot.length)]

    def apply(labels: list[str], positions: list[_Pos], new: list[str]) -> None:
        """Write ``new`` at ``positions``, recording each change under its label."""
        for label, (ln, col), ch in zip(labels, positions, new, strict=True):
            if rows[ln][col] != ch:
                corrections.append(((ln, col), f"{label}: {rows[ln][col]}→{ch}"))
                corrected.add(label.split("[")[0])
                rows[ln][col] = ch

    # 1. Letters-only fields: digits there are misread letters.
    for name in _LETTER_FIELDS:
        positions = span(layout.slot(name))
        new = [_TO_LETTER.get(c, c) for c in text(positions)]
        if any(c in _DIGITS for c in new):
            errors.append(f"MRZ_INVALID_CHARACTER:{name}")
        if name == "name":
            sep = "".join(new).find(FILLER * 2)
            labels = [
                f"surname[{i}]" if sep < 0 or i < sep else f"given_names[{i - sep - 2}]"
                for i in range(len(new))
            ]
        else:
            labels = [f"{name}[{i}]" for i in range(len(new))]
        apply(labels, positions, new)

    # 2. Fields with a check digit.
    checks: dict[str, bool] = {}
    number_extra: list[_Pos] = []  # TD1/TD2: the rest of a long document number
    optional_from = 0  # where the optional data proper starts, after that rest
    long_numbers = fmt in (MrzFormat.TD1, MrzFormat.TD2)
    for slot in layout.slots:
        if slot.check is None:
            continue
        positions = span(slot)
        check_pos: _Pos = (slot.line, slot.check)
        kind = _DIGIT if slot.name in _DATE_FIELDS else _ALNUM
        got = rows[slot.line][slot.check]
        if got == FILLER and slot.name == "optional_data" and set(text(positions)) <= _PADDING:
            # Doc 9303: an empty optional data field, the only kind with a filler in
            # its check position. Its padding, where a phone photo read the chevrons
            # as K, is written back: a K weighs 20, nothing modulo 10, so no check
            # digit could tell it from a filler.
            new = [FILLER] * len(positions)
            apply([f"{slot.name}[{i}]" for i in range(len(positions))], positions, new)
            checks[slot.name] = True
            continue
        if got == FILLER and slot.name == "document_number" and long_numbers:
            # Doc 9303: the rest of the number, its check digit and a filler open
            # the optional data.
            opt_positions = span(layout.slot("optional_data"))
            end = text(opt_positions).find(FILLER)
            end = len(opt_positions) if end < 0 else end
            optional_from = min(end + 1, len(opt_positions))
            if end < 2:
                checks[slot.name] = False
                continue
            number_extra = opt_positions[: end - 1]
            positions = positions + number_extra
            check_pos = opt_positions[end - 1]
        labels = [f"{slot.name}[{i}]" for i in range(len(positions))] + [f"{slot.name}[check]"]
        all_positions = [*positions, check_pos]
        fixed = _confirmed(list(text(all_positions)), [kind] * len(positions) + [_DIGIT])
        checks[slot.name] = fixed is not None
        if fixed is not None:
            apply(labels, all_positions, fixed)

    # 3. The composite check digit: verified over the corrected fields. Only the
    # composite check digit itself is corrected (a look-alike letter), and only when
    # that makes it verify; optional data that only the composite covers is never
    # changed (a single mod-10 digit over ~25 characters confirms too little).
    composite_ok: bool | None = None
    if layout.composite_at is not None:
        positions = [(ln, c) for ln, a, b in layout.composite_ranges for c in range(a, b)]
        positions.append(layout.composite_at)
        fixed = _confirmed(list(text(positions)), [_FIXED] * (len(positions) - 1) + [_DIGIT])
        composite_ok = fixed is not None
        if fixed is not None:
            apply(["composite[check]"] * len(positions), positions, fixed)

    # 4. Fields, from the corrected lines.
    final = tuple("".join(r) for r in rows)
    fields: dict[str, MrzField] = {}

    def add(name: str, raw: str, value: str, check: bool | None = None) -> None:
        fields[name] = MrzField(name, raw, value, check, name in corrected)

    for slot in layout.slots:
        raw = slice_field(final, slot)
        check = checks.get(slot.name)
        if slot.name == "name":
            sep = raw.find(FILLER * 2)
            surname, given = (raw, "") if sep < 0 else (raw[:sep], raw[sep + 2 :])
            add("surname", surname, surname.replace(FILLER, " ").strip())
            add("given_names", given, given.replace(FILLER, " ").strip())
        elif slot.name == "document_number":
            raw += "".join(final[ln][col] for ln, col in number_extra)
            add(slot.name, raw, raw.replace(FILLER, ""), check)
        elif slot.name == "optional_data":
            raw = raw[optional_from:]
            add(slot.name, raw, raw.replace(FILLER, ""), check)
        elif slot.name in _DATE_FIELDS:
            limit = today if slot.name == "birth_date" else _years_later(today, 50)
            value = _resolve_date(raw, limit)
            if value is None:
                errors.append(f"MRZ_INVALID_DATE:{slot.name}")
            add(slot.name, raw, value or "", check)
        elif slot.name == "sex":
            if raw not in _SEXES:
                errors.append("MRZ_INVALID_CHARACTER:sex")
            add(slot.name, raw, _SEXES.get(raw, ""))
        else:
            add(slot.name, raw, raw.replace(FILLER, ""), check)

    failed = [f"MRZ_CHECKDIGIT_FAILED:{name}" for name, ok in checks.items() if not ok]
    if composite_ok is False:
        failed.append("MRZ_COMPOSITE_FAILED")
    return MrzResult(
        format=fmt,
        lines=final,
        fields=fields,
        composite_ok=composite_ok,
        valid=all(checks.values()) and composite_ok is not False,
        corrections=tuple(note for _, note in sorted(corrections)),
        errors=tuple(failed + errors),
    )


# Characters OCR reads for the filler that are never MRZ characters ('«' is handled
# apart: it may stand for one filler or two).
_FILLER_LOOKALIKES = str.maketrans(dict.fromkeys("‹〈⟨❮ㄑくク", FILLER))
# Punctuation no MRZ holds, which dust or noise at a line's end is read as.
_SPECKS = ".,:;'`\"-_|"
# (format, line count, width, first letters of its document codes)
_SHAPES = (
    (MrzFormat.TD3, 2, 44, "P"),
    (MrzFormat.MRVA, 2, 44, "V"),
    (MrzFormat.TD2, 2, 36, "ACI"),
    (MrzFormat.TD1, 3, 30, "ACI"),
)
_DIGITISH = _DIGITS | set(_TO_DIGIT) | {FILLER}


def _prepare(line: str) -> str:
    """An OCR line upper-cased, without spaces, look-alike fillers mapped (but ``«``), and
    specks read as punctuation at either end dropped (``.P<BWA...`` on a noisy photo)."""
    text = unicodedata.normalize("NFKC", line)
    return "".join(text.split()).upper().translate(_FILLER_LOOKALIKES).strip(_SPECKS)


def _fillers_in_runs(text: str) -> str:
    """``K`` read for ``<`` inside a run of fillers, mapped back.

    A ``K`` counts as a filler only after three fillers (names never hold three in a
    row, so this is padding) and before another filler or the end of the line.
    """
    out = list(text)
    for i, c in enumerate(out):
        if (
            c == FILLER_READ_AS
            and i >= 3
            and out[i - 3 : i] == [FILLER] * 3
            and (i + 1 == len(out) or out[i + 1] in (FILLER, FILLER_READ_AS))
        ):
            out[i] = FILLER
    return "".join(out)


#: Fillers OCR may drop from, or add to, a run of padding inside a line (a run of many
#: identical ``<`` is where a text recogniser loses count).
MAX_INTERIOR_FILLERS = 2
#: A run this long is padding, not a name's separator (names hold at most ``<<``).
_PADDING_RUN = re.compile(f"{FILLER}{{3,}}")


def _fits(text: str, width: int, name_last: bool) -> list[tuple[str, int]]:
    """``text`` as an MRZ line of ``width``: each way to make it fit, with how many fillers
    that added or dropped; empty when there is none.

    Trailing fillers may be missing or extra. A line that misses some must end with a
    filler, unless it ends with the name field (``name_last``), whose whole run of padding
    fillers OCR may drop. Up to :data:`MAX_INTERIOR_FILLERS` may also be missing from, or
    extra in, a run of padding inside the line (the optional data before a final check
    digit): one candidate per such run, for the check digits to choose among
    (:func:`find_mrz`).
    """
    variants = [text] if "«" not in text else [text.replace("«", "<"), text.replace("«", "<<")]
    fitted: list[tuple[str, int]] = []
    for variant in variants:
        line = _fillers_in_runs(variant)
        if not line or not set(line) <= _MRZ_CHARS:
            continue
        if len(line) == width:
            return [(line, 0)]
        off = width - len(line)
        if off > 0 and (name_last or line.endswith(FILLER)):
            fitted.append((line + FILLER * off, off))
        elif off < 0 and set(line[width:]) == {FILLER}:
            fitted.append((line[:width], -off))
        if 0 < abs(off) <= MAX_INTERIOR_FILLERS:
            for run in _PADDING_RUN.finditer(line):
                if run.end() == len(line) or run.end() - run.start() + off < 1:
                    continue  # a trailing run is the case above
                at = run.end()
                fixed = (
                    line[:at] + FILLER * off + line[at:]
                    if off > 0
                    else line[: at + off] + line[at:]
                )
                fitted.append((fixed, abs(off)))
    # in order of finding among equals (trailing fillers first): deterministic ties
    return sorted(dict.fromkeys(fitted), key=lambda f: f[1])


def _plausible(lines: list[str], fmt: MrzFormat, codes: str) -> bool:
    """Whether ``lines`` look like an MRZ of ``fmt``: its document code, its dates."""
    if _TO_LETTER.get(lines[0][0], lines[0][0]) not in codes or FILLER not in lines[0]:
        return False
    layout = LAYOUTS[fmt]
    for slot in layout.slots:
        if slot.check is not None and lines[slot.line][slot.check] not in _DIGITISH:
            return False
        if slot.name in _DATE_FIELDS:
            raw = slice_field(lines, slot)
            if not set(raw) <= _DIGITISH or sum(c in _DIGITS for c in raw) < 2:
                return False
    return True


def _checks_passing(lines: list[str], fmt: MrzFormat) -> int:
    layout = LAYOUTS[fmt]
    spans = [
        (slice_field(lines, s), lines[s.line][s.check]) for s in layout.slots if s.check is not None
    ]
    if layout.composite_at is not None:
        line, col = layout.composite_at
        spans.append(
            ("".join(lines[ln][a:b] for ln, a, b in layout.composite_ranges), lines[line][col])
        )
    return sum(check_digit(value) == digit for value, digit in spans)


def find_mrz(lines: list[str]) -> list[str] | None:
    """The MRZ in the OCR text ``lines`` of a page, normalised; ``None`` if there is none.

    OCR noise handled: spaces inside lines, lower case, ``«`` (one or two fillers),
    ``く``, ``‹`` and the like for ``<``, ``K`` for ``<`` inside runs of fillers, a speck
    read as punctuation at a line's end, an MRZ
    line split over two OCR lines, trailing fillers missing (some of them, or
    all the padding after the name) or extra, and one or two fillers missing from or
    extra in a run of padding inside a line (:func:`_fits`). The
    format follows from the line count, the widths (30, 36, 44) and the document
    code (``P`` passports, ``V`` visas, ``A``/``C``/``I`` cards). Where several line
    groups qualify, the one with the most verifying check digits wins (then the one
    joining fewer OCR lines, then the one adding fewer fillers). Nothing else
    is corrected here: :func:`parse` does that, under check-digit control.
    """
    texts = [t for t in (_prepare(ln) for ln in lines) if t]
    best: tuple[tuple[int, int, int], list[str]] | None = None
    for fmt, count, width, codes in _SHAPES:
        name_line = LAYOUTS[fmt].slot("name").line
        for start in range(len(texts)):
            for pieces in itertools.product((1, 2), repeat=count):
                if start + sum(pieces) > len(texts):
                    continue
                per_line: list[list[tuple[str, int]]] = []
                at = start
                for index, n in enumerate(pieces):
                    per_line.append(_fits("".join(texts[at : at + n]), width, index == name_line))
                    at += n
                    if not per_line[-1]:
                        break
                else:
                    for choice in itertools.product(*per_line):
                        found = [line for line, _ in choice]
                        if not _plausible(found, fmt, codes):
                            continue
                        padded = sum(k for _, k in choice)
                        score = (_checks_passing(found, fmt), -sum(pieces), -padded)
                        if best is None or score > best[0]:
                            best = (score, found)
    return None if best is None else best[1]

"""Machine Readable Zones (ICAO Doc 9303): check digits and composition.

Pure standard-library code. The layouts of the three document formats (TD1
identity cards, TD2 cards and TD3 passports) and of the MRV-A visa are
declared once, as data (:data:`LAYOUTS`): each field names its line, its
zero-based start column, its length and, where it has one, the column of its
check digit. Composition fills these slots; a parser can read the same slots
back (see :func:`slice_field`).

Names follow Doc 9303 part 3: upper case, diacritics transliterated or
dropped, spaces and hyphens become the filler ``<``, other punctuation is
omitted, the primary identifier (surname) is separated from the secondary
identifier (given names) by ``<<``, and over-long names are truncated
(given names first).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

FILLER = "<"

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
        optional = rest + check_digit(number) + optional
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

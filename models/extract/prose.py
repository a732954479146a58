"""Fields stated in sentences rather than under labels: letters, affidavits, contracts.

"This letter serves to confirm that Naomi Ruth Letsholo (Omang 527621084) is
my tenant and has been residing at Plot 50373, Extension 9, Tsabong since
15/01/2022." carries a tenant, her Omang number, an address and a date, and no
label says which is which. This module reads such pages with generic
recognisers, not with the sentences of particular templates:

- **people with an ID**: a 9-digit Omang number and the run of capitalised
  words just before it (skipping the cue between them: "(Omang", ", holder of
  identity number"); the role (tenant, landlord, deponent, ...) from role
  words next to the mention;
- **first person**: "I, <name>," — the author of a letter or affidavit;
- **addresses**: ``Plot N, <area>, <town>`` and ``P O Box`` / ``Private Bag N,
  <town>``, the town checked against a list of real Botswana places
  (``places.txt``) to know where the address ends;
- **dates and amounts after cue words** ("since", "commences on", "sworn ...
  on", "rent", "salary" ...);
- **organisations** ("employed by X", "X (the Employer)", "... (Pty) Ltd", the
  letterhead), **positions** ("as <Title>"), **places of signing**;
- **signatories**: the name line next to a closing role line (Landlord, Kgosi,
  Director, HR Officer, Commissioner of Oaths);
- the **ward and village** of a Kgotla letter, the **registration number** and
  the **authorised person** of a board resolution, the **letter date** (the
  first line that is only a date).

Lines are read in reading order and joined into one text ("the flow") so that
a sentence wrapped over lines reads as one (a heading or a short line ends
its text: names and places do not run on across it). Phone photos come back
with spaces dropped ("monthlyrentis BWP4300.00payable"): capitalised words
glued together are split, cue words are also looked for in the text without
spaces (``Cue``), numbers are delimited by non-digits rather than word
boundaries, and an ID glued to its cue ("Omang345218953") is read too.
Every value keeps the lines it
came from for its box and confidence. Confidence = the lowest OCR confidence
of those lines × a factor per rule (``RULE_FACTOR``), below the factors of a
labelled field since a sentence leaves more room for picking the wrong words.
Pure; no I/O except reading the place list once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from models.doctypes import DocumentType as D
from models.extract import normalise as n
from models.extract.kv import NORMALISERS, Extracted, Line
from models.extract.lexicon import fields_of

# How certain each rule is that it picked the right words (× OCR confidence).
# Labelled fields (kv) get 1.0 / 0.95 / 0.9; a sentence is less explicit.
RULE_FACTOR = {
    "person_id": 0.92,  # strict 9-digit ID; the name boundary is the uncertain part
    "first_person": 0.85,  # "I, <name>,"
    "role_from_signature": 0.75,  # a party's name taken from the signature block
    "cue_date": 0.9,
    "cue_year": 0.8,
    "cue_amount": 0.9,
    "address_cue": 0.9,  # an address after "reside at", "premises", ...
    "address_first": 0.75,  # the only or first address of its kind on the page
    "org_cue": 0.85,  # "employed by X", "X (the Employer)", "business name X"
    "org_pty": 0.75,  # the first "... (Pty) Ltd" in the text
    "org_letterhead": 0.7,  # the page's first line
    "position": 0.85,
    "signed_place": 0.85,
    "signatory": 0.85,
    "letter_date": 0.9,
    "ward": 0.9,
    "village": 0.85,
    "village_from_heading": 0.75,
    "registration": 0.9,
    "authorised": 0.85,
}

# A value is looked for at most this far (characters) before/after its cue.
CUE_WINDOW = 70
ROLE_WINDOW = 80
MAX_NAME_TOKENS = 5
# Letters in one part of a name (between hyphens); longer is words glued together.
MAX_NAME_WORD = 15
MIN_NAME_TOKENS = 2
# Tokens allowed between a name and its ID ("holder of Omang number").
MAX_CUE_TOKENS = 8
# Tokens allowed between "authorised" and the person it names
# (", in the capacity of director, is").
MAX_AUTHORISED_GAP = 12
MAX_ADDRESS_PARTS = 3
# A table row or heading is not a prose line; a letter's sentence is longer.
MAX_ROLE_LINE_WORDS = 6
# A line ending this close to the right margin (fraction of the text width) wraps.
WRAP_MARGIN = 0.2
# The letter date is one of the first lines, before the body.
LETTER_DATE_MAX_EXTRA = 6  # characters besides the date ("Date:")


def _words(text: str) -> frozenset[str]:
    """The whitespace-separated words of a constant (word lists kept readable)."""
    return frozenset(text.split())


# A role word this long glued to the next one ("Landlordand") is not a name.
MIN_GLUED_WORD = 6
# Cues shorter than this (letters) are not looked for in text without spaces: "TO" ends
# "INTO", "AS" ends "IDEAS".
MIN_SQUASHED_CUE = 4


def squeeze(text: str) -> str:
    """The text without whitespace (OCR drops spaces: "monthlyrentis")."""
    return re.sub(r"\s+", "", text)


@dataclass(frozen=True)
class Cue:
    """A cue pattern (upper-case text), and the same pattern for text whose spaces OCR
    dropped: matched on the squeezed text when the spaced one finds nothing."""

    spaced: re.Pattern[str]
    squashed: re.Pattern[str] | None

    @classmethod
    def of(cls, pattern: str) -> Cue:
        bare = pattern.replace(r"\s+", "").replace(r"\s*", "").replace(r"\b", "")
        letters = len(re.sub(r"\(\?[:!=<]+|[^A-Z]", "", bare))
        squashed = re.compile(bare) if letters >= MIN_SQUASHED_CUE else None
        return cls(re.compile(pattern), squashed)

    def search(self, window: str) -> bool:
        """Whether the cue occurs in ``window`` (spaced, else squeezed)."""
        if self.spaced.search(window):
            return True
        return bool(self.squashed and self.squashed.search(squeeze(window)))

    def ends(self, window: str) -> list[int]:
        """End offsets of the cue in ``window``; in squeezed coordinates when only the
        squeezed text has it (callers compare ends of one cue kind at a time)."""
        found = [m.end() for m in self.spaced.finditer(window)]
        if not found and self.squashed is not None:
            found = [m.end() for m in self.squashed.finditer(squeeze(window))]
        return found


# Words that are capitalised but never part of a person's name.
NOT_NAME = _words(
    """
    I THE THIS THAT THESE WE MY OUR HE SHE THEY IT AND OF IN ON AT BY TO FOR WITH FROM AS IS
    BE ARE WAS HAS HAVE HEREBY RESOLVED MR MRS MS MISS DR PROF SIR MADAM REF RE SUBJECT
    OMANG ID NO NUMBER IDENTITY NATIONAL CARD PASSPORT HOLDER DATE DATED SIGNED SWORN
    LANDLORD LANDLADY TENANT LESSOR LESSEE OWNER DEPONENT EMPLOYEE EMPLOYER RESIDENT
    DIRECTOR DIRECTORS MANAGER OFFICER SECRETARY HEADMAN COMMISSIONER OATHS
    COMPANY BOARD CLAUSE PLOT BOX BAG PRIVATE WARD KGOTLA REPUBLIC BOTSWANA POLICE SERVICE
    STATION COUNCIL MINISTRY DEPARTMENT YOURS FAITHFULLY SINCERELY DEAR WHOM CONCERN
    CERTIFIED COPY RESOLUTION LETTER AFFIDAVIT AGREEMENT CONTRACT LEASE PTY LTD LIMITED
    """
)
# Long enough that no name starts with one.
_LONG_NOT_NAME = frozenset(w for w in NOT_NAME if len(w) >= MIN_GLUED_WORD)
# Words of an organisation's or office's name: a line with one is not a signatory.
ORG_WORDS = _words(
    """
    BOTSWANA REPUBLIC POLICE SERVICE STATION KGOTLA COUNCIL MINISTRY DEPARTMENT BANK LTD
    PTY LIMITED AUTHORITY OFFICE COMPANY COMPANIES CORPORATION HOLDINGS SERVICES HOSPITAL
    UNIVERSITY SCHOOL TRUST SOCIETY CITY TOWN DISTRICT LAND BOARD STAMP COMMISSIONER OATHS
    """
)
# Closing role lines under a signature, and the fields they sign for.
ROLE_LINE = Cue.of(
    r"\b(LANDLORD|LANDLADY|OWNER|KGOSI|KGOSANA|HEADMAN|CHIEF|DIRECTOR|MANAGER|OFFICER|SECRETARY|"
    r"CHAIR(?:PERSON|MAN)?|PRINCIPAL|REGISTRAR|CLERK|COMMISSIONER|PARTNER|PROPRIETOR|"
    r"ADMINISTRATOR|SUPERVISOR|CEO|HEAD|PRESIDENT|ATTORNEY)\b"
)
COMMISSIONER_LINE = Cue.of(r"\bCOMMISSIONER\b")
VALEDICTION = re.compile(r"\bYOURS\s*(?:FAITHFULLY|SINCERELY|TRULY)\b|\bREGARDS\b")
# A 9-digit Omang number, spaced or not; OCR may read a digit as a look-alike letter.
ID_NUMBER = re.compile(r"(?<![\dA-Za-z])([\dOIlS]{3}[ ]?[\dOIlS]{3}[ ]?[\dOIlS]{3})(?![\dA-Za-z])")
# The same glued to its cue ("Omang345218953", "(ID343514412)"): OCR dropped the space.
GLUED_ID = re.compile(r"(?:OMANG|ID|NO|NUMBER)\.?(\d{9})(?!\d)", re.IGNORECASE)
ID_LOOKALIKES = str.maketrans("OIlS", "0115")
MIN_ID_DIGITS = 7  # of the 9 characters, at least this many read as digits
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+|\S")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
# A name word: "Naomi", "NAOMI", "Mmaserame-Khama", "D'Kar".
_NAME_WORD = re.compile(r"^[A-Z][A-Za-z'’-]*[A-Za-z]$")
# "P 4,300.00", "BWP 38 650.00"; the end is any non-digit ("BWP4300.00payable").
_AMOUNT = re.compile(r"(-\s*)?\b(?:BWP|P|PULA)\s*(?:\d{1,3}(?:[ ,]\d{3})+|\d+)\.\d{2}(?!\d)")
_YEAR = re.compile(r"(?<![\d/.-])(?:19|20)\d{2}(?![\d/-]|\.\d)")
_ZERO_IN_WORD = re.compile(r"(?<=[A-Za-z])0(?=[A-Za-z])")


def _letter_o(m: re.Match[str]) -> str:
    """The letter O, in the case of the letter after it."""
    return "O" if m.string[m.end()].isupper() else "o"


# A capitalised word with lower-case words glued on ("Developerwitheffectfrom").
_GLUED_TAIL = re.compile(r"^([A-Z][A-Za-z]{2,}?)(?:with|based|since|inthe|from|village)[a-z]*$")
_TRAILING_THE = re.compile(r"\s+THE\s*$")
_SENTENCE_END = re.compile(r"[.;!?]\s+(?=[A-Z(\d])")

PLOT = re.compile(r"\bPLOT\s*(?:NO\.?\s*)?(\d+[A-Z]?)\b")
# "P O Box", "P.O. Box", "PO Box", "P. Box"; OCR reads the O as a zero ("P 0 Box").
BOX = re.compile(r"\b(P\s*\.?\s*[O0]?\s*\.?\s*BOX|PRIVATE\s*BAG)\s*(?:NO\.?\s*)?([A-Z]?\d+)\b")

# Cue words (upper-case, accents folded) that come right before a date, per meaning.
_DATE_CUES: dict[str, tuple[str, ...]] = {
    "since": (r"\bSINCE\s*$", r"\bRESID\w*\s+(?:THERE\s+)?FROM\s*$"),
    "start": (
        r"\bCOMMENC\w*\s*(?:ON|FROM)?\s*:?\s*$",
        r"\bWITH\s+EFFECT\s+FROM\s*$",
        r"\bEFFECTIVE\s+(?:FROM|DATE)?\s*:?\s*$",
        r"\bSTART(?:ING|S)?\s*(?:DATE|ON|FROM)?\s*:?\s*$",
        r"\bJOINED\b[^.]{0,30}\bON\s*$",
        r"\bSINCE\s*$",
        r"\bFROM\s*$",
    ),
    "end": (
        r"\bTERMINAT\w*\s*(?:ON)?\s*:?\s*$",
        r"\bEXPIR\w*\s*(?:ON)?\s*:?\s*$",
        r"\bEND(?:S|ING)?\s*(?:DATE|ON)?\s*:?\s*$",
        r"\bUNTIL\s*$",
        r"\bTO\s*$",
    ),
    "signed": (
        r"\b(?:SIGNED|DATED|EXECUTED)\b[^.]{0,40}\b(?:ON|THIS)\s*(?:DAY\s+OF\s+)?$",
        # The signature block's "Place: Maun  Date: 9 March 2024".
        r"\bP[LI]ACE\s*:[^:.]{1,40}\bDATE\s*:\s*$",
    ),
    "sworn": (
        r"\b(?:SWORN|AFFIRMED|DECLARED|COMMISSIONED)\b[^.]{0,70}\b(?:ON|THIS)\s*(?:DAY\s+OF\s+)?$",
    ),
    "meeting": (
        r"\bHELD\s+ON\s*$",
        r"\bRESOLVED\s+ON\s*$",
        r"\bPASSED\s+ON\s*$",
        r"\bMEETING\b[^.]{0,40}\b(?:ON|DATED)\s*$",
    ),
}
_MONEY_CUES = {
    "rent": r"\bRENT(?:AL)?\b",
    "deposit": r"\bDEPOSIT\b",
    "salary": r"\bSALARY\b|\bREMUNERATION\b|\bEARN\w*\b|\bWAGES?\b|\bGROSS\s+PAY\b",
}
_ROLE_CUES = {
    "landlord": r"\b(?:LANDLORD|LANDLADY|LESSOR|OWNER)\b",
    "tenant": r"\b(?:TENANT|LESSEE|RENTS?|RENTING|LODGER|OCCUPANT)\b",
    "employee": r"\b(?:EMPLOYEE|EMPLOYED|APPOINTED)\b",
    "deponent": r"\b(?:DEPONENT|UNDERSIGNED|SWEAR|OATH)\b",
    "resident": r"\b(?:RESIDENT|RESIDES|RESIDING|MEMBER)\b",
}
DATE_CUES = {k: tuple(Cue.of(p) for p in v) for k, v in _DATE_CUES.items()}
MONEY_CUES = {k: Cue.of(v) for k, v in _MONEY_CUES.items()}
ROLE_CUES = {k: Cue.of(v) for k, v in _ROLE_CUES.items()}
# Residence cue before a street address; postal cue before a box.
RESIDENCE_CUE = Cue.of(
    r"\b(?:RESID\w*|LIV\w*|LIVED|ADDRESS\s+IS|PREMISES|DWELLING|OWNER\s+OF|STAYS?|AT)\b"
)
POSTAL_CUE = Cue.of(r"\b(?:POSTAL|MAIL|LODGED)\b")
# "employed by X", "between X", "Directors of X", "the business name X": an organisation follows.
ORG_AFTER = Cue.of(
    r"\b(?:EMPLOYED\s+(?:BY|WITH|AT)|WORKS?\s+(?:FOR|AT)|EMPLOYEE\s+OF|IN\s+THE\s+EMPLOY\s+OF|"
    r"JOINED|BETWEEN|DIRECTORS\s+OF|"
    r"CONSTITUTION\s+OF|ASSOCIATION\s+OF|BUSINESS\s+NAME|THE\s+BUSINESS|GRANTED\s+TO|"
    r"ISSUED\s+TO|TRADING\s+AS|T/A)\s+$"
)
# "X (the Employer)", "X is hereby licensed", "X has been registered": an organisation precedes.
ORG_BEFORE = Cue.of(
    r"^\s*(?:\(\s*THE\s+EMPLOYER\s*\)|\(\s*REGISTRATION|,\s*REGISTRATION|IS\s+HEREBY\s+LICENSED|"
    r"HAS\s+BEEN\s+REGISTERED|IS\s+REGISTERED|IS\s+LICENSED)"
)
# No word boundary after "Ltd": OCR glues the next word on ("Ltdaslodged"), and no
# name goes on after it.
_PTY = re.compile(r"\(?\s*PTY\s*\)?\s*\.?\s*(?:LTD|LIMITED)\.?", re.IGNORECASE)
POSITION_CUE = Cue(
    re.compile(
        r"\b(?:AS|POSITION\s+OF|CAPACITY\s+OF|POST\s+OF|DESIGNATION\s+OF|TITLE\s+OF)\s+"
        r"(?:(?:A|AN|THE)\s+)?$"
    ),
    # Without spaces a bare "AS" would end "IDEAS": only the longer cues.
    re.compile(
        r"(?:POSITIONOF|CAPACITYOF|POSTOF|DESIGNATIONOF|TITLEOF|APPOINTEDAS|EMPLOYEDAS)(?:THE)?$"
    ),
)
SIGNED_AT = Cue.of(
    r"(?:\b(?:SIGNED|DATED|EXECUTED|GIVEN\s+UNDER\s+MY\s+HAND)\b[^.]{0,30}?\bAT|"
    # The signature block's "Place: Maun  Date: ...".
    r"(?:^|\n)\s*P[LI]ACE\s*:)\s*$"
)
# No word boundaries: OCR glues these long words to their neighbours ("isauthorisedto").
AUTHORISED = re.compile(r"AUTHORI[SZ]ED|EMPOWERED|MANDATED")
REGISTRATION_CODE = re.compile(
    r"REGISTRATION\s*(?:NUMBER|NO\.?)?\s*:?\s*([A-Z]{1,3}\s?\d[\d ]{5,}\d)"
)
# "Mokoro Hardware (Pty) Ltd (BW63768163444)": the company's number in brackets after it.
BRACKETED_CODE = re.compile(r"(?:LTD|LIMITED)\.?\s*[(（]\s*([A-Z]{1,3}\s?\d[\d ]{5,}\d)\s*[)）]")
# "Basimane ward"; OCR may drop the spaces ("Basimaneward", "Kgwatlhengwardof Tonota").
WARD = re.compile(r"\b([A-Z][A-Za-z'’-]+?)\s*[Ww][Aa][Rr][Dd](?:\b|(?=(?:of|in)\b))")
KGOTLA_HEADING = re.compile(r"^\s*(?:THE\s+)?([A-Z][A-Z'’ -]+?)\s+KGOTLA\s*$")
# Words that end an upper-case run of a place or organisation ("SIGNED AT MAUN ON ...").
RUN_STOP = _words(
    "ON THIS THE AND OF AT IN TO BY FOR IS AS DAY THAT WITH FROM BASED SINCE DATED DATE"
)
# A document's title ("Business Identification Certificate") ends a name: no organisation
# is called so, and a title runs on into the first sentence when it is as wide as it.
TITLE_WORDS = _words("CERTIFICATE LICENCE LICENSE RESOLUTION AGREEMENT CONTRACT AFFIDAVIT EXTRACT")
MONTH_WORDS = frozenset(n.MONTHS)


@lru_cache(maxsize=1)
def places() -> frozenset[str]:
    """Botswana towns and villages (upper-case) from ``places.txt``."""
    path = Path(__file__).with_name("places.txt")
    names = (ln.strip() for ln in path.read_text(encoding="utf-8").splitlines())
    return frozenset(n.fold(x) for x in names if x and not x.startswith("#"))


# ---------------------------------------------------------------- the flow of text


@dataclass(frozen=True)
class Flow:
    """The page's lines in reading order joined by spaces, with where each line sits."""

    lines: tuple[Line, ...]
    text: str
    upper: str  # ``text`` folded to upper-case ASCII, same length
    starts: tuple[int, ...]  # offset of each line in ``text``

    @classmethod
    def of(cls, lines: Iterable[Line]) -> Flow:
        """Lines in reading order; a line that reaches the right margin runs on into the
        next (joined by a space), any other ends its text (joined by a newline, which names,
        places and organisations do not cross)."""
        # Spaces OCR dropped between words: "ofTswelelo" reads "of Tswelelo"; a zero
        # between letters is the letter O ("Ke0agile").
        ordered = tuple(
            replace(ln, text=_CAMEL.sub(" ", _ZERO_IN_WORD.sub(_letter_o, ln.text)))
            for ln in reading_order(lines)
        )
        starts: list[int] = []
        text = ""
        if ordered:
            left = min(ln.x0 for ln in ordered)
            right = max(ln.x1 for ln in ordered)
            wraps_at = right - WRAP_MARGIN * (right - left)
            indent = left + WRAP_MARGIN * (right - left)
        for i, line in enumerate(ordered):
            if i:
                prev = ordered[i - 1]
                # A paragraph line spans the text block: it starts at the left margin
                # and reaches the right one (a centred heading may reach it too).
                wraps = prev.x1 >= wraps_at and prev.x0 <= indent and line.x0 <= indent
                text += " " if same_row(prev, line) or wraps else "\n"
            starts.append(len(text))
            text += line.text
        return cls(ordered, text, n.fold_aligned(text), tuple(starts))

    def line_at(self, pos: int) -> int:
        """Index of the line that holds character ``pos``."""
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= pos:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def evidence(self, start: int, end: int) -> tuple[float, list[float]]:
        """(lowest OCR confidence, union box) of the lines that span ``[start, end)``."""
        first, last = self.line_at(start), self.line_at(max(start, end - 1))
        chosen = self.lines[first : last + 1]
        conf = min(ln.confidence for ln in chosen)
        box = [
            round(min(ln.x0 for ln in chosen), 1),
            round(min(ln.y0 for ln in chosen), 1),
            round(max(ln.x1 for ln in chosen), 1),
            round(max(ln.y1 for ln in chosen), 1),
        ]
        return conf, box

    def sentence_start(self, pos: int) -> int:
        """Where the sentence holding ``pos`` begins."""
        last = 0
        for m in _SENTENCE_END.finditer(self.text, 0, pos):
            last = m.end()
        return last


def same_row(a: Line, b: Line) -> bool:
    """Middles within half a line height of each other."""
    return abs((a.y0 + a.y1) / 2 - (b.y0 + b.y1) / 2) < 0.5 * min(a.height, b.height)


def rows_of(lines: Iterable[Line]) -> list[list[Line]]:
    """Lines grouped into rows, top to bottom, each row left to right."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: (ln.y0 + ln.y1) / 2):
        if rows and same_row(rows[-1][0], line):
            rows[-1].append(line)
        else:
            rows.append([line])
    return [sorted(row, key=lambda ln: ln.x0) for row in rows]


def reading_order(lines: Iterable[Line]) -> list[Line]:
    """Top to bottom, rows left to right."""
    return [ln for row in rows_of(lines) for ln in row]


# ---------------------------------------------------------------- value builders


@dataclass(frozen=True)
class Found:
    """A value found in the flow: its text, where, and which rule found it."""

    value: str
    start: int
    end: int
    rule: str


def _tokens(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    return [(m[0], m.start() + start, m.end() + start) for m in _TOKEN.finditer(text[start:end])]


def split_camel(value: str) -> str:
    """Put back the spaces OCR dropped between capitalised words ("NaomiRuth" → "Naomi Ruth")."""
    return " ".join(_CAMEL.sub(" ", value).split())


def is_name_word(tok: str) -> bool:
    """A capitalised word of two letters or more that is not a function, title or role word."""
    if not _NAME_WORD.match(tok) or len(tok) < 2:
        return False
    if any(len(part) > MAX_NAME_WORD for part in re.split(r"[-'’]", tok)):
        # Words OCR glued together ("Hospitalconfirmstheemploymentof").
        return False
    upper = n.fold(tok)
    # "Landlordand": a role word with the next word glued on (OCR dropped the space).
    if any(upper.startswith(w) for w in _LONG_NOT_NAME if len(upper) > len(w)):
        return False
    return all(n.fold(part) not in NOT_NAME for part in _CAMEL.split(tok))


def _only_gap(text: str, a: int, b: int) -> bool:
    """Only spaces between two tokens (no punctuation: a comma ends a name; no line end)."""
    gap = text[a:b]
    return gap.strip() == "" and "\n" not in gap


def name_before(flow: Flow, pos: int, max_skip: int, lower: int = 0) -> Found | None:
    """The run of name words that ends nearest before ``pos`` (after skipping up to
    ``max_skip`` non-name tokens: the cue between a name and what it is attached to)."""
    toks = _tokens(flow.text, max(lower, pos - 200), pos)
    i = len(toks) - 1
    skipped = 0
    while i >= 0 and not is_name_word(toks[i][0]):
        skipped += 1
        # A number between ends the search (another ID, a date), but not the lone
        # digit OCR makes of a letter ("0mang").
        if skipped > max_skip or (toks[i][0].isdigit() and len(toks[i][0]) > 1):
            return None
        i -= 1
    if i < 0:
        return None
    run = [toks[i]]
    i -= 1
    while (
        i >= 0
        and len(run) < MAX_NAME_TOKENS
        and is_name_word(toks[i][0])
        and _only_gap(flow.text, toks[i][2], run[0][1])
    ):
        run.insert(0, toks[i])
        i -= 1
    return _name_found(flow, run, "")


def name_after(flow: Flow, pos: int, max_skip: int = 0) -> Found | None:
    """The run of name words that starts nearest after ``pos``."""
    toks = _tokens(flow.text, pos, min(len(flow.text), pos + 200))
    i = 0
    while i < len(toks) and not is_name_word(toks[i][0]):
        if i >= max_skip:
            return None
        i += 1
    run: list[tuple[str, int, int]] = []
    while (
        i < len(toks)
        and len(run) < MAX_NAME_TOKENS
        and is_name_word(toks[i][0])
        and (not run or _only_gap(flow.text, run[-1][2], toks[i][1]))
    ):
        run.append(toks[i])
        i += 1
    return _name_found(flow, run, "")


def _name_found(flow: Flow, run: list[tuple[str, int, int]], rule: str) -> Found | None:
    words = split_camel(" ".join(t for t, _, _ in run)).split()
    if len(words) < MIN_NAME_TOKENS:
        return None
    return Found(" ".join(words), run[0][1], run[-1][2], rule)


def _run_after(flow: Flow, pos: int, *, org: bool = False, max_words: int = 8) -> Found | None:
    """Capitalised words (a place, a title, an organisation) starting at ``pos``.

    Stops at a lower-case word, punctuation or a function word; an
    organisation may go on through "&", "of"/"and" between capitalised words,
    and ends with "(Pty) Ltd" when that follows.
    """
    text = flow.text
    toks = _tokens(text, pos, min(len(text), pos + 160))
    words: list[tuple[str, int, int]] = []
    i = 0
    while i < len(toks) and len(words) < max_words:
        tok, a, _ = toks[i]
        if words and not _only_gap(text, words[-1][2], a):
            break
        if org and words:
            # On the folded text: OCR's full-width brackets ("（Pty）") fold to ASCII.
            m = _PTY.match(flow.upper, a)
            if m:
                words.append((m[0], a, m.end()))
                break
            if tok in ("&", "and", "of", "AND", "OF") and i + 1 < len(toks):
                nxt = toks[i + 1][0]
                if nxt[:1].isupper() and n.fold(nxt) not in RUN_STOP:
                    words.append(toks[i])
                    i += 1
                    continue
        capital = tok[:1].isupper() or (tok.isdigit() and bool(words))
        if not capital or n.fold(tok) in RUN_STOP or tok in ("(", ")", ",", ".", ":"):
            break
        glued = _GLUED_TAIL.match(tok)
        if glued:
            # "Officerbased in": the run ends inside the word OCR glued to the next.
            words.append((glued[1], a, a + len(glued[1])))
            break
        words.append(toks[i])
        i += 1
    if not words:
        return None
    return Found(text[words[0][1] : words[-1][2]], words[0][1], words[-1][2], "")


def _run_before(flow: Flow, pos: int) -> Found | None:
    """An organisation's name that ends right before ``pos`` ("Botswana Post (the Employer)")."""
    text = flow.text
    lo = max(0, pos - 160)
    head = text[lo:pos].rstrip()
    end = lo + len(head)
    m = re.search(r"\(?\s*PTY\s*\)?\s*\.?\s*(?:LTD|LIMITED)\.?$", n.fold_aligned(head))
    core_end = lo + m.start() if m else end
    toks = _tokens(text, lo, core_end)
    words: list[tuple[str, int, int]] = []
    for tok, a, b in reversed(toks):
        if words and not _only_gap(text, b, words[0][1]):
            break
        if not (tok[:1].isupper() or tok == "&") or n.fold(tok) in RUN_STOP | TITLE_WORDS:
            break
        if len(tok) > MAX_NAME_WORD and not tok.isupper():
            # Words OCR glued together before the name ("Thislicenceauthorises").
            break
        words.insert(0, (tok, a, b))
    if not words:
        return None
    return Found(text[words[0][1] : end], words[0][1], end, "")


# ---------------------------------------------------------------- recognisers


@dataclass(frozen=True)
class Person:
    name: Found
    id_number: str | None
    id_start: int
    id_end: int


def people_with_ids(flow: Flow) -> list[Person]:
    """Every 9-digit ID on the page with the name just before it."""
    out: list[Person] = []
    prev_end = 0
    found = sorted(
        [*ID_NUMBER.finditer(flow.text), *GLUED_ID.finditer(flow.text)], key=lambda m: m.start(1)
    )
    for m in found:
        if sum(c.isdigit() for c in m[1]) < MIN_ID_DIGITS:
            continue
        name = name_before(flow, m.start(), MAX_CUE_TOKENS, lower=prev_end)
        if name is None:
            continue
        digits = re.sub(r"\D", "", m[1].translate(ID_LOOKALIKES))
        out.append(Person(Found(name.value, name.start, name.end, "person_id"), digits, *m.span(1)))
        prev_end = m.end()
    return out


def first_person(flow: Flow) -> Found | None:
    """The author named in "I, <name>," (optionally "I, the undersigned, <name>")."""
    # OCR reads a lone "I" as "1" or "l".
    pattern = r"(?<![\w,])[I1l]\s*,\s*(?:the\s+undersigned\s*,?\s*)?"
    for m in re.finditer(pattern, flow.text):
        name = name_after(flow, m.end())
        if name:
            return Found(name.value, name.start, name.end, "first_person")
    return None


def assign_roles(flow: Flow, persons: list[Person], roles: tuple[str, ...]) -> dict[str, Person]:
    """Which person is which party: role words after a mention (up to the next person), then
    before it, then the remaining roles in their usual order (the first is the document's
    subject: the tenant of a landlord letter; a lease names the landlord first)."""
    out: dict[str, Person] = {}
    taken: set[int] = set()
    for direction in ("after", "before"):
        for k, p in enumerate(persons):
            if k in taken:
                continue
            if direction == "after":
                hi = persons[k + 1].name.start if k + 1 < len(persons) else len(flow.text)
                window = flow.upper[p.id_end : min(hi, p.id_end + ROLE_WINDOW)]
            else:
                lo = persons[k - 1].id_end if k else 0
                window = flow.upper[max(lo, p.name.start - ROLE_WINDOW) : p.name.start]
            hits = []
            for role in roles:
                if role in out:
                    continue
                cue = ROLE_CUES[role]
                for end in cue.ends(window):
                    # After a mention the nearest cue starts soonest; before, ends latest.
                    dist = end if direction == "after" else len(window) - end
                    hits.append((dist, role))
            if hits:
                _, role = min(hits)
                out[role] = p
                taken.add(k)
    free = [p for k, p in enumerate(persons) if k not in taken]
    for role in roles:
        if role not in out and free:
            out[role] = free.pop(0)
    return out


@dataclass(frozen=True)
class Address:
    kind: str  # "plot" (where someone lives or trades) or "box" (postal)
    found: Found


def _place_prefix(words: str) -> str | None:
    """The longest known place that ``words`` starts with."""
    folded = n.fold(words)
    best = None
    for place in places():
        starts = folded == place or folded.startswith(place + " ")
        if starts and (best is None or len(place) > len(best)):
            best = place
    return words[: len(best)] if best else None


def addresses(flow: Flow) -> list[Address]:
    """Every plot and box address, in page order."""
    out: list[Address] = []
    for kind, pattern in (("plot", PLOT), ("box", BOX)):
        for m in pattern.finditer(flow.upper):
            parts: list[str] = []
            pos = m.end()
            for _ in range(MAX_ADDRESS_PARTS if kind == "plot" else 1):
                # On the folded text: OCR's full-width comma ("White City， Palapye").
                sep = re.match(r"\s*,\s*" if kind == "plot" else r"\s*,?\s*", flow.upper[pos:])
                if not sep:
                    break
                run = _run_after(flow, pos + sep.end(), max_words=4)
                if run is None:
                    break
                parts.append(run.value)
                pos = run.end
                # The town ends the address ("Plot 5, Mogoditshane Ledumadumane, Maun"):
                # an area may start with a town's name, a whole part that is a town may not.
                if n.fold(run.value) in places() and (len(parts) > 1 or kind == "box"):
                    break
            if parts:
                # The last part may run on in upper-case text ("MAUN SINCE ..." is cut at
                # SINCE, "MAUN BOTSWANA" is not): keep the town when it starts the part.
                place = _place_prefix(parts[-1])
                if place and (len(parts) > 1 or kind == "box"):
                    pos -= len(parts[-1]) - len(place)
                    parts[-1] = place
            if not parts:
                continue
            head = flow.text[m.start() : m.end()]
            head = re.sub(r"\s+", " ", head)
            if kind == "plot":
                head = f"Plot {m[1]}"
            value = ", ".join([head, *parts])
            out.append(Address(kind, Found(value, m.start(), pos, "")))
    return sorted(out, key=lambda a: a.found.start)


def pick_address(flow: Flow, found: list[Address], kind: str) -> Found | None:
    """The address of ``kind`` with a residence/postal cue just before it, else the first."""
    cue = RESIDENCE_CUE if kind == "plot" else POSTAL_CUE
    of_kind = [a.found for a in found if a.kind == kind]
    for f in of_kind:
        lo = max(flow.sentence_start(f.start), f.start - CUE_WINDOW)
        if cue.search(flow.upper[lo : f.start]):
            return Found(f.value, f.start, f.end, "address_cue")
    if of_kind:
        f = of_kind[0]
        return Found(f.value, f.start, f.end, "address_first")
    return None


def cued_dates(
    flow: Flow, meanings: Iterable[str], years: frozenset[str] | set[str] = frozenset()
) -> dict[str, Found]:
    """For each meaning, the first date right after a cue of that meaning ("since
    15/01/2022"); for the meanings in ``years`` a bare year counts too ("since 2002")."""
    spans = [(a, b, iso, "cue_date") for a, b, iso in n.date_spans(flow.text)]
    if years:
        taken = [(a, b) for a, b, _, _ in spans]
        for m in _YEAR.finditer(flow.upper):
            if not any(a <= m.start() < b for a, b in taken):
                spans.append((m.start(), m.end(), m[0], "cue_year"))
    spans.sort()
    wanted = tuple(meanings)
    out: dict[str, Found] = {}
    for start, end, _, rule in spans:
        # "with effect from the 1st of April": the article does not break the cue.
        window = _TRAILING_THE.sub(" ", flow.upper[max(0, start - CUE_WINDOW) : start])
        for meaning in wanted:
            if meaning in out or (rule == "cue_year" and meaning not in years):
                continue
            if any(cue.search(window) for cue in DATE_CUES[meaning]):
                out[meaning] = Found(flow.text[start:end], start, end, rule)
                break
    return out


def cued_amounts(flow: Flow, meanings: Iterable[str]) -> dict[str, Found]:
    """For each meaning, the first currency amount whose nearest cue word has that meaning."""
    out: dict[str, Found] = {}
    wanted = tuple(meanings)
    for m in _AMOUNT.finditer(flow.upper):
        lo = max(flow.sentence_start(m.start()), m.start() - CUE_WINDOW)
        window = flow.upper[lo : m.start()]
        best: tuple[int, str] | None = None
        for meaning in wanted:
            for end in MONEY_CUES[meaning].ends(window):
                if best is None or end > best[0]:
                    best = (end, meaning)
        if best and best[1] not in out:
            out[best[1]] = Found(flow.text[m.start() : m.end()], m.start(), m.end(), "cue_amount")
    return out


def organisations(flow: Flow) -> list[Found]:
    """Organisations named with a cue ("employed by X", "X (the Employer)"), in page order."""
    out: list[Found] = []
    for m in re.finditer(r"\s", flow.upper):
        pos = m.end()
        if ORG_AFTER.search(flow.upper[max(0, pos - 40) : pos]):
            run = _run_after(flow, pos, org=True)
            if run:
                out.append(Found(run.value, run.start, run.end, "org_cue"))
        if ORG_BEFORE.search(flow.upper[pos - 1 : pos + 40]):
            run = _run_before(flow, pos - 1)
            if run:
                out.append(Found(run.value, run.start, run.end, "org_cue"))
    return sorted(out, key=lambda f: f.start)


def best_organisation(found: list[Found]) -> Found | None:
    """The organisation most cues point at ("the business name X is registered": two),
    the first in page order among equals."""
    if not found:
        return None
    counts: dict[tuple[int, int], int] = {}
    for f in found:
        counts[(f.start, f.end)] = counts.get((f.start, f.end), 0) + 1
    return max(found, key=lambda f: (counts[(f.start, f.end)], -f.start))


def pty_company(flow: Flow) -> Found | None:
    """The first "<Capitalised words> (Pty) Ltd" in the flow."""
    for m in _PTY.finditer(flow.text):
        run = _run_before(flow, m.end())
        if run and n.fold(run.value)[:3] != "PTY":
            return Found(run.value, run.start, run.end, "org_pty")
    return None


def letterhead(flow: Flow) -> Found | None:
    """The page's first line when it reads like an organisation's name."""
    if not flow.lines:
        return None
    text = flow.lines[0].text.strip()
    words = text.split()
    if not words or len(words) > MAX_NAME_TOKENS + 2 or re.search(r"\d", text):
        return None
    if not all(w[:1].isupper() or w in ("&", "of", "and") for w in words):
        return None
    return Found(text, 0, len(flow.lines[0].text), "org_letterhead")


def position(flow: Flow) -> Found | None:
    """The job title after "as", "position of", "capacity of" ... (capitalised words)."""
    for m in re.finditer(r"\s", flow.upper):
        pos = m.end()
        if not POSITION_CUE.search(flow.upper[max(0, pos - 30) : pos]):
            continue
        run = _run_after(flow, pos, max_words=5)
        if run is None or n.fold(run.value.split()[0]) in MONTH_WORDS | NOT_NAME:
            continue
        if _place_prefix(run.value) or re.search(r"\d", run.value):
            continue
        return Found(run.value, run.start, run.end, "position")
    return None


def signed_place(flow: Flow) -> Found | None:
    """The place in "Signed at <place> on ..."."""
    for m in re.finditer(r"\s", flow.upper):
        pos = m.end()
        if SIGNED_AT.search(flow.upper[max(0, pos - 60) : pos]):
            run = _run_after(flow, pos, max_words=3)
            if run:
                return Found(run.value, run.start, run.end, "signed_place")
    return None


def _name_line(line: Line) -> bool:
    words = split_camel(line.text.strip(" .,")).split()
    if not MIN_NAME_TOKENS <= len(words) <= MAX_NAME_TOKENS:
        return False
    return all(is_name_word(w) and n.fold(w) not in ORG_WORDS for w in words)


def _role_line(line: Line, role: Cue) -> bool:
    words = line.text.split()
    if not 0 < len(words) <= MAX_ROLE_LINE_WORDS or re.search(r"\d", line.text):
        return False
    folded = n.fold(line.text)
    # A line OCR read as one word ("COMMISSIONEROFOATHS") is searched without spaces.
    return bool(role.spaced.search(folded)) or (len(words) == 1 and role.search(folded))


def signatory(flow: Flow, role: Cue = ROLE_LINE, below: bool = False) -> Found | None:
    """The person-name line right above a closing role line ("Naomi Sechele" / "HR Officer");
    with ``below``, the line under it may be the name too ("COMMISSIONER OF OATHS" /
    "Precious Tshekedi"). After "Yours faithfully" when there is one."""
    lines = flow.lines
    first = 0
    for i, line in enumerate(lines):
        if VALEDICTION.search(n.fold(line.text)):
            first = i + 1
            break
    for i in range(max(1, first), len(lines)):
        if not _role_line(lines[i], role):
            continue
        neighbours = [i - 1, i + 1] if below else [i - 1]
        for j in neighbours:
            if 0 <= j < len(lines) and j >= first and _name_line(lines[j]):
                start = flow.starts[j]
                value = split_camel(lines[j].text.strip(" .,"))
                return Found(value, start, start + len(lines[j].text), "signatory")
    return None


def letter_date(flow: Flow) -> Found | None:
    """The first line that is only a date (the date under a letterhead)."""
    for i, line in enumerate(flow.lines):
        spans = n.date_spans(line.text)
        if len(spans) != 1:
            continue
        a, b, _ = spans[0]
        rest = (line.text[:a] + line.text[b:]).strip(" .:,")
        if len(rest) <= LETTER_DATE_MAX_EXTRA and not re.search(r"\d", rest):
            start = flow.starts[i]
            return Found(line.text[a:b], start + a, start + b, "letter_date")
    return None


def ward_and_village(flow: Flow) -> tuple[Found | None, Found | None]:
    """The ward ("<Name> ward") and the village after it, else the Kgotla's own name."""
    ward = village = None
    for m in WARD.finditer(flow.text):
        if n.fold(m[1]) in NOT_NAME:
            continue
        ward = Found(m[1], m.start(1), m.end(1), "ward")
        after = re.match(r"\s*(?:,|\bin\b|\bof\b|(?<=[Dd])(?:in|of)\b)\s*", flow.text[m.end() :])
        if after:
            run = _run_after(flow, m.end() + after.end(), max_words=3)
            if run:
                place = _place_prefix(run.value) or run.value
                village = Found(place, run.start, run.start + len(place), "village")
        break
    if village is None:
        for i, line in enumerate(flow.lines[:3]):
            h = KGOTLA_HEADING.match(n.fold(line.text))
            if h:
                start = flow.starts[i]
                value = line.text[h.start(1) : h.end(1)]
                village = Found(value, start, start + len(value), "village_from_heading")
                break
    return ward, village


def registration_number(flow: Flow) -> Found | None:
    """The code after "registration (number|no.)", else in brackets after a company's name."""
    m = REGISTRATION_CODE.search(flow.upper) or BRACKETED_CODE.search(flow.upper)
    if not m:
        return None
    return Found(flow.text[m.start(1) : m.end(1)], m.start(1), m.end(1), "registration")


def authorised_person(flow: Flow) -> Found | None:
    """The person a resolution authorises: the name nearest before "authorised"."""
    for m in AUTHORISED.finditer(flow.upper):
        lo = flow.sentence_start(m.start())
        found = name_before(flow, m.start(), MAX_AUTHORISED_GAP, lower=lo)
        if found:
            return Found(found.value, found.start, found.end, "authorised")
    return None


# ---------------------------------------------------------------- per document type


@dataclass(frozen=True)
class Plan:
    """What a document type states in prose: the parties, and which recognisers to run."""

    roles: tuple[str, ...] = ()  # people with IDs; the first is the subject
    dates: dict[str, str] | None = None  # field -> date meaning
    amounts: dict[str, str] | None = None  # field -> money meaning
    plot: str | None = None  # field for the street address
    box: str | None = None  # field for the postal address
    org: str | None = None  # field for the organisation
    extra: tuple[str, ...] = ()  # further recognisers by field name


PLANS: dict[D, Plan] = {
    D.LANDLORD_LETTER: Plan(
        roles=("tenant", "landlord"),
        dates={"since": "since"},
        amounts={"rent": "rent"},
        plot="address",
        extra=("letter_date", "signatory", "landlord_author"),
    ),
    D.LEASE_AGREEMENT: Plan(
        roles=("landlord", "tenant"),
        dates={"start": "start", "end": "end", "signed_date": "signed"},
        amounts={"rent": "rent", "deposit": "deposit"},
        plot="premises",
    ),
    D.AFFIDAVIT: Plan(
        roles=("deponent",),
        dates={"since": "since", "sworn_date": "sworn"},
        plot="address",
        box="postal",
        extra=("commissioner", "deponent_author"),
    ),
    D.KGOTLA_LETTER: Plan(
        roles=("resident",),
        dates={"since": "since"},
        extra=("letter_date", "signatory", "ward"),
    ),
    D.EMPLOYMENT_LETTER: Plan(
        roles=("employee",),
        dates={"start": "start"},
        amounts={"salary": "salary"},
        org="employer",
        extra=("letter_date", "signatory", "position"),
    ),
    D.EMPLOYMENT_CONTRACT: Plan(
        roles=("employee",),
        dates={"start": "start", "signed_date": "signed"},
        amounts={"salary": "salary"},
        org="employer",
        extra=("position", "signed_place"),
    ),
    D.BOARD_RESOLUTION: Plan(
        dates={"meeting_date": "meeting"},
        org="company",
        extra=("letter_date", "signatory", "reg_no", "signatory_name"),
    ),
    D.MEMORANDUM_COVER: Plan(box="lodged_address", org="company"),
    D.BUSINESS_REGISTRATION_CERTIFICATE: Plan(org="company"),
    D.TRADING_LICENCE: Plan(org="company", plot="premises"),
}


def _recognisers(flow: Flow) -> dict[str, Callable[[], Found | None]]:
    return {
        "letter_date": lambda: letter_date(flow),
        "signatory": lambda: signatory(flow),
        "commissioner": lambda: signatory(flow, COMMISSIONER_LINE, below=True),
        "position": lambda: position(flow),
        "signed_place": lambda: signed_place(flow),
        "reg_no": lambda: registration_number(flow),
        "signatory_name": lambda: authorised_person(flow),
    }


def find(doc_type: D, flow: Flow, kinds: dict[str, str]) -> dict[str, Found]:
    """Every prose field of ``doc_type`` found in ``flow`` (raw values, not normalised).

    ``kinds``: field → kind; a date field of kind ``date_or_year`` may be a bare year.
    """
    plan = PLANS.get(doc_type)
    if plan is None:
        return {}
    out: dict[str, Found] = {}
    if plan.roles:
        persons = people_with_ids(flow)
        for role, p in assign_roles(flow, persons, plan.roles).items():
            out[role] = p.name
            if p.id_number:
                id_found = Found(p.id_number, p.id_start, p.id_end, "person_id")
                out[f"{role}_id"] = id_found
    if plan.dates:
        meanings = {m: f for f, m in plan.dates.items()}
        years = {m for m, f in meanings.items() if kinds.get(f) == "date_or_year"}
        for meaning, found in cued_dates(flow, meanings, years).items():
            out[meanings[meaning]] = found
    if plan.amounts:
        money = {m: f for f, m in plan.amounts.items()}
        for meaning, found in cued_amounts(flow, money).items():
            out[money[meaning]] = found
    if plan.plot or plan.box:
        found_addresses = addresses(flow)
        for field, kind in ((plan.plot, "plot"), (plan.box, "box")):
            if field:
                picked = pick_address(flow, found_addresses, kind)
                if picked:
                    out[field] = picked
    if plan.org:
        org = best_organisation(organisations(flow)) or pty_company(flow) or letterhead(flow)
        if org:
            out[plan.org] = org
    recognisers = _recognisers(flow)
    for field in plan.extra:
        if field in recognisers:
            got = recognisers[field]()
            if got:
                out[field] = got
    if "ward" in plan.extra:
        ward, village = ward_and_village(flow)
        if ward:
            out["ward"] = ward
        if village:
            out["village"] = village
    # The author of the letter is a party: "I, <name>, the owner of ..." / "I, the undersigned, ..."
    for field in plan.extra:
        if field.endswith("_author"):
            role = field.removesuffix("_author")
            author = first_person(flow)
            if author and role not in out:
                out[role] = author
    if "landlord" in plan.roles and "landlord" not in out and "signatory" in out:
        sig = out["signatory"]
        closing = flow.lines[flow.line_at(sig.end) + 1 :][:1]
        if closing and ROLE_CUES["landlord"].search(n.fold(closing[0].text)):
            out["landlord"] = Found(sig.value, sig.start, sig.end, "role_from_signature")
    return out


def extract(doc_type: D, lines: list[dict[str, Any]]) -> dict[str, Extracted]:
    """Prose fields of one page: OCR ``lines`` (dicts with text, confidence, box) → fields.

    Each value is normalised by its kind (``kv.NORMALISERS``); a value that
    does not normalise is dropped. Unknown or label-only types give ``{}``.
    """
    parsed = [Line.from_ocr(ln) for ln in lines if str(ln.get("text", "")).strip()]
    if doc_type not in PLANS or not parsed:
        return {}
    flow = Flow.of(parsed)
    kinds = {spec.name: spec.kind for spec in fields_of(doc_type)}
    out: dict[str, Extracted] = {}
    for field, found in find(doc_type, flow, kinds).items():
        kind = kinds.get(field)
        if kind is None:
            continue
        value = " ".join(found.value.split())
        norm = NORMALISERS[kind](value)
        if norm is None:
            continue
        conf, box = flow.evidence(found.start, found.end)
        out[field] = Extracted(
            field, value, norm, conf * RULE_FACTOR[found.rule], box, placement="prose"
        )
    return out

"""Tables: the directors and shareholders of a company extract, a bank statement's transactions.

OCR gives lines, not cells: a table row may come back as one line or as one
line per cell. Lines are grouped into rows by their vertical middles
(``prose.rows_of``); a row is parsed from its text, and where a column's
meaning depends on where it stands (a debit or a credit column), from the x
position of the value: the box of its own line when the cell was read alone,
else its place along the line's box (characters assumed equally wide).

- Company extract: a header row (no digits) with NATIONALITY/APPOINTED names a
  directors table, one with SHARES a shareholders table (a "Directors"
  heading alone does too); each following row is ``<name> [<nationality>]
  [<date>]`` or ``<name> <number of shares>`` until a row that is neither.
  Fields ``director_N_name|nationality|appointed``, ``shareholder_N_name|shares``,
  N from 1 in printed order.
- Bank statement: the header row (no digits, a DATE column and BALANCE or two
  more) names the columns (DEBIT/CREDIT and synonyms, or one signed AMOUNT);
  each row that starts with a date is a transaction:
  ``txn_N_date|description|debit|credit|amount|balance``. The rightmost amount
  is the balance. A movement goes to the debit or credit column its x
  position is nearer to; when that is unclear (or there is no header), to
  the one the change of the running balance says.

``statement_arithmetic`` checks that the opening balance plus credits less
debits is the closing balance and that every running balance follows, to the
cent. Pure; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from models.doctypes import DocumentType as D
from models.extract import normalise as n
from models.extract.kv import NORMALISERS, Extracted, Line
from models.extract.lexicon import MAX_TABLE_ROWS, MAX_TRANSACTIONS, fields_of
from models.extract.prose import is_name_word, rows_of, split_camel

# How certain a cell is (× OCR confidence): a cell's column from the row's own
# text is near certain; from its x position less so; from the balance's change least.
CELL_FACTOR = {"text": 0.9, "geometry": 0.85, "balance_change": 0.75}
# A debit/credit column decided by x position needs the value this much closer
# (fraction of the two columns' distance) to one column than to the other.
MIN_COLUMN_MARGIN = 0.15
CENT = Decimal("0.01")

# Nationalities (and countries, as some registers print them) a director may have.
_NATIONALITY_WORDS = (
    "MOTSWANA BATSWANA BOTSWANA BWA ZIMBABWEAN ZAMBIAN NAMIBIAN MALAWIAN MOZAMBICAN "
    "ANGOLAN MOSOTHO BASOTHO SWAZI LIPSWATI KENYAN NIGERIAN GHANAIAN TANZANIAN UGANDAN "
    "CONGOLESE ETHIOPIAN RWANDAN BRITISH AMERICAN INDIAN CHINESE PAKISTANI BANGLADESHI "
    "GERMAN FRENCH PORTUGUESE DUTCH IRISH AUSTRALIAN CANADIAN ITALIAN ZIMBABWE ZAMBIA "
    "NAMIBIA MALAWI LESOTHO ESWATINI KENYA NIGERIA INDIA CHINA"
)
NATIONALITIES = frozenset({*_NATIONALITY_WORDS.split(), "SOUTH AFRICAN", "SOUTH AFRICA"})

DIRECTOR_HEADER = re.compile(r"NATIONALITY|CITIZENSHIP|APPOINT")
# No word boundary before SHARES: OCR glues "NO. OFSHARES".
SHAREHOLDER_HEADER = re.compile(r"SHARES\b|SHAREHOLD|\bHOLDING\b")
SECTION_HEADINGS = {
    "DIRECTORS": "director",
    "DIRECTOR": "director",
    "BOARDOFDIRECTORS": "director",
    "SHAREHOLDERS": "shareholder",
    "SHAREHOLDER": "shareholder",
    "MEMBERS": "shareholder",
    "SHAREHOLDING": "shareholder",
    "DIRECTORSANDOFFICERS": "director",
    "DIRECTORSDETAILS": "director",
    "SHAREHOLDERSDETAILS": "shareholder",
    "SHAREHOLDERSMEMBERS": "shareholder",
}
# The number of shares ends the row ("60", "1,000", "60 ordinary shares").
_SHARES = re.compile(r"(\d{1,3}(?:[ ,]\d{3})*|\d+)\s*(?:ORDINARY\s+)?(?:SHARES?)?\s*$", re.I)

# Bank statement columns: header words → column (the first of each is used).
COLUMN_PATTERNS = (
    (re.compile(r"\b(?:MONEY|PAID|FUNDS)\s*IN\b"), "credit"),
    (re.compile(r"\b(?:MONEY|PAID|FUNDS)\s*OUT\b"), "debit"),
    (re.compile(r"\b(?:DEBITS?|WITHDRAWALS?|DR|PAYMENTS?)\b"), "debit"),
    (re.compile(r"\b(?:CREDITS?|DEPOSITS?|CR|RECEIPTS?)\b"), "credit"),
    (re.compile(r"\bAMOUNT\b"), "amount"),
    (re.compile(r"\b(?:BALANCE|BAL)\b"), "balance"),
    (re.compile(r"\b(?:DATE|POSTED|POSTING)\b"), "date"),
    (
        re.compile(r"\b(?:DESCRIPTION|DETAILS|NARRAT\w*|PARTICULARS|TRANSACTION|REFERENCE)\b"),
        "description",
    ),
)
# A header row names at least this many columns (with a date) when it has no BALANCE.
MIN_HEADER_COLUMNS = 3
MOVEMENT_COLUMNS = ("debit", "credit", "amount")
# An amount in a statement row: "P 1,234.56", "-BWP 804.75", "1 234.56 CR".
_ROW_AMOUNT = re.compile(
    r"(-\s*)?(?:\b(?:BWP|P|PULA)\s*)?(?<![\d,.])(?:\d{1,3}(?:[ ,]\d{3})+|\d+)\.\d{2}\b"
    r"(?:\s*(CR|DR)\b)?"
)
NOT_A_TRANSACTION = re.compile(r"OPENING|BROUGHT\s*FORWARD|CARRIED\s*FORWARD|CLOSING|TOTAL")


@dataclass(frozen=True)
class Cell:
    """A value read from a table: raw text, its lines and how its column was decided."""

    value: str
    lines: tuple[Line, ...]
    how: str  # a key of CELL_FACTOR


def _row_text(row: list[Line]) -> str:
    return " ".join(ln.text.strip() for ln in row)


def _x_of(row: list[Line], start: int, end: int) -> float:
    """x middle of characters ``[start, end)`` of ``_row_text(row)``."""
    pos = 0
    for ln in row:
        text = ln.text.strip()
        if start < pos + len(text) + 1:
            a, b = start - pos, min(end - pos, len(text))
            width = (ln.x1 - ln.x0) / max(1, len(text))
            return ln.x0 + width * (a + b) / 2
        pos += len(text) + 1
    return row[-1].x1


def _lines_of(row: list[Line], start: int, end: int) -> tuple[Line, ...]:
    out, pos = [], 0
    for ln in row:
        text = ln.text.strip()
        if pos < end and start < pos + len(text):
            out.append(ln)
        pos += len(text) + 1
    return tuple(out) or tuple(row)


def _squash(text: str) -> str:
    return re.sub(r"[^A-Z]", "", n.fold(text))


# ---------------------------------------------------------------- company extract


def _nationality_split(words: list[str]) -> tuple[list[str], str | None]:
    """(name words, nationality) from the words of a director row before its date."""
    folded = [n.fold(w) for w in words]
    for size in (2, 1):
        if len(words) > size and " ".join(folded[-size:]) in NATIONALITIES:
            return words[:-size], " ".join(words[-size:])
    # An unlisted nationality: the last word when it alone is upper-case.
    if len(words) > 2 and words[-1].isupper() and not all(w.isupper() for w in words[:-1]):
        return words[:-1], words[-1]
    return words, None


def _name_words(words: list[str]) -> bool:
    """At least two words, each a name word (not "BY", "AT", not "WWW.CIPA.CO.BW")."""
    return len(words) >= 2 and all(is_name_word(w) for w in words)


def _director(row: list[Line]) -> dict[str, Cell] | None:
    text = _row_text(row)
    spans = n.date_spans(text)
    head = text[: spans[0][0]] if spans else text
    # An ID or passport number column between the name and the nationality is skipped.
    words = [w for w in split_camel(head).split() if not re.search(r"\d", w)]
    name, nationality = _nationality_split(words)
    # A name alone is not a director row (a footer line is not a director).
    if not _name_words(name) or not (nationality or spans):
        return None
    out = {"name": Cell(" ".join(name), _lines_of(row, 0, len(head)), "text")}
    if nationality:
        out["nationality"] = Cell(nationality, _lines_of(row, 0, len(head)), "text")
    if spans:
        a, b, _ = spans[0]
        out["appointed"] = Cell(text[a:b], _lines_of(row, a, b), "text")
    return out


def _shareholder(row: list[Line]) -> dict[str, Cell] | None:
    text = _row_text(row).rstrip(" %.")
    m = _SHARES.search(text)
    if not m:
        return None
    words = split_camel(text[: m.start()]).split()
    if not _name_words(words):
        return None
    return {
        "name": Cell(" ".join(words), _lines_of(row, 0, m.start()), "text"),
        "shares": Cell(m[1], _lines_of(row, m.start(), m.end()), "text"),
    }


def company_people(lines: Sequence[Line]) -> dict[str, Cell]:
    """``director_N_*`` and ``shareholder_N_*`` cells of a company extract."""
    out: dict[str, Cell] = {}
    counts = {"director": 0, "shareholder": 0}
    section: str | None = None
    for row in rows_of(lines):
        text = _row_text(row)
        folded = n.fold(text)
        heading = SECTION_HEADINGS.get(_squash(text))
        if heading:
            section = heading
            continue
        if not re.search(r"\d", text):
            if DIRECTOR_HEADER.search(folded):
                section = "director"
                continue
            if SHAREHOLDER_HEADER.search(folded):
                section = "shareholder"
                continue
        if section is None:
            continue
        parsed = _director(row) if section == "director" else _shareholder(row)
        if parsed is None:
            section = None  # the table has ended
            continue
        counts[section] += 1
        k = counts[section]
        if k <= MAX_TABLE_ROWS:
            for col, cell in parsed.items():
                out[f"{section}_{k}_{col}"] = cell
    return out


# ---------------------------------------------------------------- bank statement


def _columns(row: list[Line]) -> dict[str, float]:
    """Column → x middle, from a header row's words."""
    folded = n.fold_aligned(_row_text(row))
    found: list[tuple[int, int, str]] = []
    for pattern, col in COLUMN_PATTERNS:
        for m in pattern.finditer(folded):
            # A phrase already taken ("PAID IN") is not read again by a shorter pattern.
            if not any(a < m.end() and m.start() < b for a, b, _ in found):
                found.append((m.start(), m.end(), col))
    cols: dict[str, float] = {}
    for a, b, col in sorted(found):
        cols.setdefault(col, _x_of(row, a, b))
    return cols


def _is_header(row: list[Line]) -> bool:
    """A row of column names: no digits, a DATE column, and BALANCE or enough others."""
    if re.search(r"\d", _row_text(row)):
        return False
    cols = _columns(row)
    return "date" in cols and ("balance" in cols or len(cols) >= MIN_HEADER_COLUMNS)


def _amount(raw: str) -> Decimal | None:
    norm = n.amount(raw)
    if norm is None:
        return None
    value = Decimal(norm)
    if re.search(r"\bDR\s*$", n.fold(raw)) and value > 0:
        value = -value
    return value


@dataclass
class _Txn:
    cells: dict[str, Cell]
    balance: Decimal | None
    # Movements whose column is not yet known: (value, cell, the column to use when the
    # balance does not tell either).
    pending: list[tuple[Decimal, Cell, str]]


def _transaction(row: list[Line], cols: dict[str, float]) -> _Txn | None:
    text = _row_text(row)
    spans = n.date_spans(text)
    if not spans or spans[0][0] > 1:
        return None
    a, b, _ = spans[0]
    # A second date right after the first (value date and posting date): skip it too.
    for a2, b2, _ in spans[1:]:
        if text[b:a2].strip():
            break
        b = b2
    amounts = [
        m for m in _ROW_AMOUNT.finditer(n.fold_aligned(text), b) if n.amount(m[0]) is not None
    ]
    desc_end = amounts[0].start() if amounts else len(text)
    description = text[b:desc_end].strip(" |:")
    if NOT_A_TRANSACTION.search(n.fold(description)):
        return None
    cells = {"date": Cell(text[a:b], _lines_of(row, a, b), "text")}
    if description:
        cells["description"] = Cell(description, _lines_of(row, b, desc_end), "text")
    if not amounts:
        return _Txn(cells, None, [])
    placed = [(m, _x_of(row, m.start(), m.end())) for m in amounts]
    bal_m, _ = max(placed, key=lambda p: p[1])
    cells["balance"] = Cell(bal_m[0], _lines_of(row, bal_m.start(), bal_m.end()), "text")
    balance = _amount(bal_m[0])
    pending: list[tuple[Decimal, Cell, str]] = []
    for m, x in placed:
        if m is bal_m:
            continue
        value = _amount(m[0])
        if value is None:
            continue
        cell = Cell(m[0], _lines_of(row, m.start(), m.end()), "geometry")
        signed = bool(m[1] or m[2])
        present = [c for c in MOVEMENT_COLUMNS if c in cols]
        if "amount" in cols or (signed and not {"debit", "credit"} <= cols.keys()):
            cells["amount"] = Cell(m[0], cell.lines, "text")
        elif {"debit", "credit"} <= cols.keys():
            dd, dc = abs(x - cols["debit"]), abs(x - cols["credit"])
            spread = max(1.0, abs(cols["debit"] - cols["credit"]))
            nearer = "debit" if dd < dc else "credit"
            if abs(dd - dc) / spread >= MIN_COLUMN_MARGIN:
                cells[nearer] = cell
            else:
                pending.append((value, cell, nearer))
        elif present:
            cells[present[0]] = cell
        else:
            # No column names: money in or out as the balance moved; if it does not
            # tell, an unsigned amount (the arithmetic check then flags the row).
            pending.append((value, cell, "amount"))
    return _Txn(cells, balance, pending)


def bank_transactions(lines: Sequence[Line], opening: Decimal | None = None) -> dict[str, Cell]:
    """``txn_N_*`` cells of a bank statement (``opening``: the opening balance, if known)."""
    rows = rows_of(lines)
    header = next((i for i, row in enumerate(rows) if _is_header(row)), None)
    # Without a header row every row that starts with a date and holds an amount is read.
    cols = _columns(rows[header]) if header is not None else {}
    txns: list[_Txn] = []
    for row in rows[header + 1 if header is not None else 0 :]:
        if NOT_A_TRANSACTION.match(n.fold(_row_text(row)).strip()) and txns:
            break
        txn = _transaction(row, cols)
        if txn is not None and (header is not None or txn.balance is not None):
            txns.append(txn)
    # A movement whose column its x position does not tell: the change of the
    # running balance does (credit when it went up by that much). Those rows'
    # direction is then consistent by construction; the arithmetic check still
    # sees their amounts and balances.
    prev = opening
    for txn in txns:
        for value, cell, guess in txn.pending:
            delta = txn.balance - prev if prev is not None and txn.balance is not None else None
            if delta is not None and delta == value:
                txn.cells["credit"] = Cell(cell.value, cell.lines, "balance_change")
            elif delta is not None and delta == -value:
                txn.cells["debit"] = Cell(cell.value, cell.lines, "balance_change")
            else:
                txn.cells[guess] = cell
        prev = txn.balance
    out: dict[str, Cell] = {}
    for k, txn in enumerate(txns[:MAX_TRANSACTIONS], 1):
        for col, cell in txn.cells.items():
            out[f"txn_{k}_{col}"] = cell
    return out


# ---------------------------------------------------------------- arithmetic


@dataclass(frozen=True)
class Transaction:
    """One statement row; ``amount`` is the signed movement when there is one amount column."""

    date: str | None = None
    description: str | None = None
    debit: Decimal | None = None
    credit: Decimal | None = None
    amount: Decimal | None = None
    balance: Decimal | None = None

    @property
    def movement(self) -> Decimal | None:
        """Money in minus money out; None when the row's amounts were not read."""
        if self.amount is not None:
            return self.amount
        if self.debit is None and self.credit is None:
            return None
        return (self.credit or Decimal(0)) - (self.debit or Decimal(0))


def _dec(value: Decimal | str | None) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def statement_arithmetic(
    opening: Decimal | str | None,
    transactions: Sequence[Transaction],
    closing: Decimal | str | None,
) -> tuple[str, list[str]]:
    """(status, reasons) of a statement's sums, to the cent.

    - ``STATEMENT_TOTALS_MISMATCH``: opening + credits − debits ≠ closing (checked
      when both balances and every row's movement are known), or the last
      running balance ≠ closing;
    - ``RUNNING_BALANCE_MISMATCH``: a row's balance ≠ the previous balance (the
      opening one for the first row) + its movement (checked for every row
      where the three are known).

    ``not_applicable`` when there are no transactions or nothing could be checked.
    Amounts: ``Decimal`` or normalised strings ("1234.56").
    """
    open_d, close_d = _dec(opening), _dec(closing)
    if not transactions:
        return "not_applicable", []
    reasons: list[str] = []
    checked = False
    prev = open_d
    for t in transactions:
        mv = t.movement
        if prev is not None and mv is not None and t.balance is not None:
            checked = True
            wrong = (prev + mv).quantize(CENT) != t.balance.quantize(CENT)
            if wrong and "RUNNING_BALANCE_MISMATCH" not in reasons:
                reasons.append("RUNNING_BALANCE_MISMATCH")
        prev = t.balance
    movements = [t.movement for t in transactions]
    if open_d is not None and close_d is not None and all(m is not None for m in movements):
        checked = True
        total = open_d + sum((m for m in movements if m is not None), Decimal(0))
        if total.quantize(CENT) != close_d.quantize(CENT):
            reasons.append("STATEMENT_TOTALS_MISMATCH")
    last = transactions[-1].balance
    if close_d is not None and last is not None:
        checked = True
        wrong = last.quantize(CENT) != close_d.quantize(CENT)
        if wrong and "STATEMENT_TOTALS_MISMATCH" not in reasons:
            reasons.append("STATEMENT_TOTALS_MISMATCH")
    if not checked:
        return "not_applicable", []
    return ("fail" if reasons else "pass"), reasons


def transactions_of(fields: Mapping[str, Extracted]) -> list[Transaction]:
    """The ``txn_N_*`` fields as transactions, N = 1, 2, ... until a row is missing."""
    out: list[Transaction] = []
    k = 1
    while any(f"txn_{k}_{c}" in fields for c in ("date", "balance", "debit", "credit", "amount")):

        def get(col: str, k: int = k) -> str | None:
            f = fields.get(f"txn_{k}_{col}")
            return f.normalized if f is not None else None

        out.append(
            Transaction(
                date=get("date"),
                description=get("description"),
                debit=_dec(get("debit")),
                credit=_dec(get("credit")),
                amount=_dec(get("amount")),
                balance=_dec(get("balance")),
            )
        )
        k += 1
    return out


def statement_check(fields: Mapping[str, Extracted]) -> tuple[str, list[str]]:
    """``statement_arithmetic`` over a bank statement's extracted fields."""
    opening = fields.get("opening_balance")
    closing = fields.get("closing_balance")
    return statement_arithmetic(
        opening.normalized if opening else None,
        transactions_of(fields),
        closing.normalized if closing else None,
    )


# ---------------------------------------------------------------- entry point


def extract(
    doc_type: D, lines: list[dict[str, Any]], opening: str | None = None
) -> dict[str, Extracted]:
    """Table fields of one page (company extract people, statement transactions), normalised.

    ``opening``: the statement's opening balance (normalised), used only to
    place a movement that its column's position does not.
    """
    parsed = [Line.from_ocr(ln) for ln in lines if str(ln.get("text", "")).strip()]
    if doc_type is D.COMPANY_EXTRACT:
        cells = company_people(parsed)
    elif doc_type is D.BANK_STATEMENT:
        cells = bank_transactions(parsed, _dec(opening))
    else:
        return {}
    kinds = {spec.name: spec.kind for spec in fields_of(doc_type)}
    out: dict[str, Extracted] = {}
    for name, cell in cells.items():
        kind = kinds.get(name)
        value = " ".join(cell.value.split())
        norm = NORMALISERS[kind](value) if kind else None
        if norm is None:
            continue
        conf = min(ln.confidence for ln in cell.lines) * CELL_FACTOR[cell.how]
        box = [
            round(min(ln.x0 for ln in cell.lines), 1),
            round(min(ln.y0 for ln in cell.lines), 1),
            round(max(ln.x1 for ln in cell.lines), 1),
            round(max(ln.y1 for ln in cell.lines), 1),
        ]
        out[name] = Extracted(name, value, norm, conf, box, placement="table")
    return out

"""What a document says, independent of how it is drawn.

A :class:`Doc` is a list of blocks (text lines, label/value forms, tables,
signatures, stamps, an MRZ) in reading order, plus the values of its variable
fields. Text is wrapped here, by character count, so that the printed lines
are known without rendering: :func:`text_lines` is the fast path behind
``document_text`` and the renderer draws exactly these lines.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Seg:
    """A run of text on one line; ``field`` names it when it is a variable value."""

    text: str
    field: str | None = None


@dataclass(frozen=True)
class Text:
    """One printed line."""

    segs: tuple[Seg, ...]
    style: str = "body"  # band, title, subtitle, heading, body, small, bold, button, mono
    align: str = "left"  # left, center, right

    @property
    def text(self) -> str:
        """The characters of the line."""
        return "".join(s.text for s in self.segs)


@dataclass(frozen=True)
class Form:
    """Label/value pairs. ``inline``: ``Label value`` on one row; ``stacked``: label above
    value; ``boxed``: a ruled two-cell row per pair."""

    items: tuple[tuple[str, Seg], ...]
    style: str = "inline"
    columns: int = 1


@dataclass(frozen=True)
class Table:
    """A ruled table; each row's cells read left to right."""

    headers: tuple[str, ...]
    rows: tuple[tuple[Seg, ...], ...]
    widths: tuple[float, ...]
    aligns: tuple[str, ...]  # "l" or "r" per column
    zebra: bool = False


@dataclass(frozen=True)
class Signature:
    """A signature scribble on a line, with caption lines under it."""

    caption: tuple[Text, ...]
    align: str = "left"


@dataclass(frozen=True)
class Box:
    """Lines in a frame: an official stamp, a notice, a cookie banner."""

    lines: tuple[Text, ...]
    kind: str = "stamp"  # stamp, notice, banner
    align: str = "right"


@dataclass(frozen=True)
class Tiles:
    """A grid of product tiles (web-shop screenshots); each tile is a few lines."""

    tiles: tuple[tuple[Text, ...], ...]
    columns: int = 3


@dataclass(frozen=True)
class Mrz:
    """The machine readable zone, printed in OCR-B."""

    lines: tuple[str, ...]


@dataclass(frozen=True)
class Gap:
    """Vertical space in pixels (at scale 1)."""

    px: int


@dataclass(frozen=True)
class Rule:
    """A horizontal rule across the text column."""

    heavy: bool = False


Block = Text | Form | Table | Signature | Box | Tiles | Mrz | Gap | Rule


@dataclass(frozen=True)
class Code:
    """A machine-readable symbol: a verification QR, a payment Code 128, a licence PDF417.

    Not a :data:`Block`: it prints no text line and takes no room in the flow. The
    renderer places it afterwards in a free corner, so a document that gains a code
    keeps every other pixel where it was. ``format`` is a ``zxingcpp.BarcodeFormat``
    member name (``QRCode``, ``Code128``, ``PDF417``); ``module`` is the width of one
    module (bar or cell) in page pixels, chosen so that the symbol survives a phone
    photo of the page; ``aspect`` is the row height in modules for PDF417 (3 to 5 in
    practice), ignored for the other formats.
    """

    format: str
    payload: str
    module: int
    aspect: int = 3


@dataclass(frozen=True)
class Theme:
    """Fonts, colours and sizes of one template."""

    font: str  # regular font key
    bold: str  # bold font key
    title_font: str
    accent: tuple[int, int, int]  # RGB
    band: tuple[int, int, int] | None  # header band colour, None for no band
    ink: tuple[int, int, int] = (20, 20, 25)
    paper: tuple[int, int, int] = (255, 255, 255)
    body: int = 20  # value/body size in px
    label: int = 16
    title: int = 34
    upper_labels: bool = False
    guilloche: bool = False
    frame: bool = False


@dataclass
class Doc:
    """A document's content: page kind, theme, blocks in reading order, field values."""

    kind: str  # card, passport_page, a4, letter, screen, receipt, blank, photo
    theme: Theme
    header: list[Block] = field(default_factory=list)
    body: list[Block] = field(default_factory=list)
    footer: list[Block] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    mrz: tuple[str, ...] | None = None
    portrait: str | None = None  # "left" or "right" on cards and data pages
    portrait_grey: bool = False
    photo: str | None = None  # skimage.data image name (unknown, template 4)
    codes: list[Code] = field(default_factory=list)  # drawn after the flow, in a free corner

    def blocks(self) -> list[Block]:
        """Every block in reading order."""
        return [*self.header, *self.body, *self.footer]


def block_lines(block: Block) -> list[str]:
    """The text lines a block prints, in reading order."""
    if isinstance(block, Text):
        return [block.text]
    if isinstance(block, Form):
        out: list[str] = []
        for label, value in block.items:
            if block.style == "stacked":
                out += [label, value.text]
            else:
                out.append(f"{label} {value.text}")
        return out
    if isinstance(block, Table):
        return [" ".join(block.headers)] + [" ".join(c.text for c in row) for row in block.rows]
    if isinstance(block, Signature):
        return [t.text for t in block.caption]
    if isinstance(block, Box):
        return [t.text for t in block.lines]
    if isinstance(block, Tiles):
        return [t.text for tile in block.tiles for t in tile]
    if isinstance(block, Mrz):
        return list(block.lines)
    return []


def text_lines(doc: Doc) -> list[str]:
    """Every line the document prints, in reading order."""
    return [line for b in doc.blocks() for line in block_lines(b)]


_SPACE = re.compile(r"(\s+)")


def wrap(segs: list[Seg], width: int) -> list[tuple[Seg, ...]]:
    """Greedy word wrap at ``width`` characters; field values are never broken.

    Literal text is split into words; a word glued to its neighbour (``Kanye,``)
    stays on the same line.
    """
    tokens: list[tuple[str, str | None, bool]] = []  # text, field, space before
    pending_space = False
    for seg in segs:
        if seg.field is not None:
            tokens.append((seg.text, seg.field, pending_space))
            pending_space = False
            continue
        for part in _SPACE.split(seg.text):
            if not part:
                continue
            if part.isspace():
                pending_space = True
            else:
                tokens.append((part, None, pending_space))
                pending_space = False
    lines: list[list[tuple[str, str | None, bool]]] = [[]]
    length = 0
    for tok in tokens:
        text, _, space = tok
        extra = len(text) + (1 if space and lines[-1] else 0)
        if lines[-1] and space and length + extra > width:
            lines.append([])
            length = 0
            extra = len(text)
        lines[-1].append(tok)
        length += extra
    out: list[tuple[Seg, ...]] = []
    for toks in lines:
        merged: list[Seg] = []
        buf = ""
        for i, (text, fld, space) in enumerate(toks):
            lead = " " if space and i > 0 else ""
            if fld is None:
                buf += lead + text
            else:
                buf += lead
                if buf:
                    merged.append(Seg(buf))
                    buf = ""
                merged.append(Seg(text, fld))
        if buf:
            merged.append(Seg(buf))
        if merged:
            out.append(tuple(merged))
    return out


class Builder:
    """Assembles a :class:`Doc`: registers field values and wraps paragraphs."""

    def __init__(self, kind: str, theme: Theme, template: int, rng: random.Random) -> None:
        self.doc = Doc(kind=kind, theme=theme)
        self.t = template
        self.rng = rng
        self.target: list[Block] = self.doc.body

    # -- fields -------------------------------------------------------------------
    def v(self, name: str, value: str) -> Seg:
        """A printed field value; a name used twice gets a ``_2``, ``_3`` suffix."""
        key, n = name, 1
        while key in self.doc.fields:
            n += 1
            key = f"{name}_{n}"
        self.doc.fields[key] = value
        return Seg(value, key)

    def label(self, text: str) -> str:
        """A label in the template's case."""
        return text.upper() if self.doc.theme.upper_labels else text

    # -- blocks -------------------------------------------------------------------
    def add(self, *blocks: Block) -> None:
        """Append blocks to the current section."""
        self.target.extend(blocks)

    def line(self, text: str, style: str = "body", align: str = "left") -> None:
        """A static line."""
        self.add(Text((Seg(text),), style, align))

    def fline(self, template: str, style: str = "body", align: str = "left", **values: str) -> None:
        """One line with ``{name}`` placeholders filled with field values (no wrapping)."""
        self.add(Text(tuple(self._segs(template, values)), style, align))

    def para(self, template: str, width: int = 82, style: str = "body", **values: str) -> None:
        """A paragraph with ``{name}`` placeholders, wrapped at ``width`` characters."""
        for segs in wrap(self._segs(template, values), width):
            self.add(Text(segs, style, "left"))

    def form(
        self,
        pairs: list[tuple[str, str, str]],
        style: str = "inline",
        columns: int = 1,
        colon: bool = True,
    ) -> None:
        """A form of ``(field name, label, value)`` triples."""
        items = tuple(
            (self.label(label) + (":" if colon and style != "stacked" else ""), self.v(n, val))
            for n, label, val in pairs
        )
        self.add(Form(items, style, columns))

    def table(
        self,
        headers: list[str],
        rows: list[list[tuple[str, str] | str]],
        widths: list[float],
        aligns: str,
        zebra: bool = False,
    ) -> None:
        """A table; a cell ``(name, value)`` is a field, a plain string is static text."""
        out_rows = tuple(
            tuple(self.v(c[0], c[1]) if isinstance(c, tuple) else Seg(c) for c in row)
            for row in rows
        )
        self.add(Table(tuple(headers), out_rows, tuple(widths), tuple(aligns), zebra))

    def _segs(self, template: str, values: dict[str, str]) -> list[Seg]:
        segs: list[Seg] = []
        for literal, name, _, _ in string.Formatter().parse(template):
            if literal:
                segs.append(Seg(literal))
            if name:
                segs.append(self.v(name, values[name]))
        return segs

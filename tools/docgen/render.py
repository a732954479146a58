"""Layout engines: draw a :class:`~tools.docgen.content.Doc` with Pillow.

Two engines share one block renderer (:class:`_Flow`):

- the *page* engine (A4 forms, letters, statements, web-page screenshots,
  receipts): a letterhead, then blocks flowing down a text column;
- the *card* engine (ID-1 cards, passport data pages, visa foils): a
  guilloche background, a header band, the portrait on one side, the fields
  flowing beside it, and the MRZ anchored at the bottom.

Every field's box is recorded where it is drawn. If the content does not fit
the page, the whole document is drawn again at a smaller scale.

Machine-readable codes (:class:`~tools.docgen.content.Code`) are drawn last, on
a free patch of the finished page, by :func:`draw_codes`; they use no random
numbers, so a page with a code differs from the same page without it only
inside the code and its quiet zone.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from tools.docgen.content import (
    Block,
    Box,
    Code,
    Doc,
    Form,
    Gap,
    Mrz,
    Rule,
    Seg,
    Signature,
    Table,
    Text,
    Theme,
    Tiles,
)
from tools.docgen.fonts import font

RGB = tuple[int, int, int]
BoxT = tuple[int, int, int, int]

PAGE_SIZES: dict[str, tuple[int, int]] = {
    "card": (1012, 638),
    "passport_page": (1250, 880),
    "a4": (1240, 1754),
    "letter": (1240, 1754),
    "screen": (1366, 1280),
    "receipt": (640, 1500),
    "blank": (1240, 1754),
}
PORTRAIT_SOURCE = "skimage.data.astronaut"
# Face region of skimage.data.astronaut() (x0, y0, x1, y1), 3:4 aspect.
_FACE = (128, 10, 328, 277)


@dataclass
class Rendered:
    """A drawn page: RGB image, field boxes, portrait box and codes in page coordinates.

    ``codes`` pairs each drawn code with the box of the symbol itself (quiet zone
    excluded); a code that found no free patch on the page is not drawn or listed.
    """

    image: Image.Image
    boxes: dict[str, BoxT]
    portrait_box: BoxT | None
    codes: list[tuple[Code, BoxT]] = field(default_factory=list)


class DoesNotFit(Exception):
    """The content ran past the bottom of the page at this scale."""


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


@lru_cache(maxsize=1)
def _astronaut() -> Image.Image:
    from skimage import data  # imported lazily: only portraits need it

    load: Callable[[], Any] = data.astronaut
    return Image.fromarray(np.asarray(load(), dtype=np.uint8))


@lru_cache(maxsize=16)
def photo(name: str) -> Image.Image:
    """An image of ``skimage.data`` as RGB, long side 1200 px."""
    from skimage import data

    load: Callable[[], Any] = getattr(data, name)
    arr = np.asarray(load())
    if arr.dtype != np.uint8:
        arr = (arr.astype(np.float64) * (255.0 / max(1.0, float(arr.max())))).astype(np.uint8)
    if arr.ndim == 2:
        arr = np.stack([arr] * 3, axis=-1)
    img = Image.fromarray(arr[..., :3])
    scale = 1200 / max(img.size)
    return img.resize(
        (round(img.width * scale), round(img.height * scale)), Image.Resampling.BICUBIC
    )


def portrait_image(w: int, h: int, grey: bool, rng: random.Random) -> Image.Image:
    """The astronaut's face, cropped with a little jitter, resized to ``w`` x ``h``."""
    x0, y0, x1, y1 = _FACE
    s = rng.uniform(0.92, 1.08)
    cx = (x0 + x1) / 2 + rng.uniform(-10, 10)
    cy = (y0 + y1) / 2 + rng.uniform(-8, 8)
    hw, hh = (x1 - x0) * s / 2, (y1 - y0) * s / 2
    box = (max(0, cx - hw), max(0, cy - hh), min(512, cx + hw), min(512, cy + hh))
    img = _astronaut().crop(box).resize((w, h), Image.Resampling.BICUBIC)
    if grey:
        img = img.convert("L").convert("RGB")
    return img


class _Flow:
    """Draws blocks top-down inside a column, recording field boxes."""

    def __init__(self, img: Image.Image, theme: Theme, scale: float, rng: random.Random) -> None:
        self.img = img
        self.draw = ImageDraw.Draw(img)
        self.th = theme
        self.s = scale
        self.rng = rng
        self.boxes: dict[str, BoxT] = {}
        self.x0: float = 0
        self.x1: float = img.width
        self.y: float = 0
        self.bottom: float = img.height

    # -- fonts and styles ------------------------------------------------------------
    def px(self, v: float) -> int:
        return max(8, round(v * self.s))

    def style(self, style: str) -> tuple[ImageFont.FreeTypeFont, RGB]:
        th = self.th
        if style == "band":
            colour: RGB = (255, 255, 255) if th.band else th.accent
            return font(th.title_font, self.px(th.title * 0.8)), colour
        if style == "title":
            return font(th.title_font, self.px(th.title)), _mix(th.accent, th.ink, 0.3)
        if style == "subtitle":
            return font(th.bold, self.px(th.title * 0.72)), th.ink
        if style == "heading":
            return font(th.bold, self.px(th.body * 1.08)), _mix(th.accent, th.ink, 0.2)
        if style == "small":
            return font(th.font, self.px(max(th.label, th.body * 0.82))), (60, 60, 70)
        if style == "bold":
            return font(th.bold, self.px(th.body)), th.ink
        if style == "mono":
            return font("dejavu-mono", self.px(th.body)), th.ink
        if style == "button":
            return font(th.bold, self.px(th.body * 0.9)), (255, 255, 255)
        if style == "label":
            return font(th.font, self.px(th.label)), _mix(th.accent, (70, 70, 70), 0.5)
        return font(th.font, self.px(th.body)), th.ink

    def check(self, needed: float) -> None:
        if self.y + needed > self.bottom + 1:
            raise DoesNotFit

    # -- text -------------------------------------------------------------------------
    def fit(self, fnt: ImageFont.FreeTypeFont, text: str, width: float) -> ImageFont.FreeTypeFont:
        """``fnt``, shrunk until ``text`` fits ``width``."""
        if fnt.getlength(text) <= width or not text:
            return fnt
        path = fnt.path if isinstance(fnt.path, str) else str(fnt.path)
        size = max(8, int(fnt.size * width / max(1.0, fnt.getlength(text))))
        shrunk = ImageFont.truetype(path, size)
        while size > 8 and shrunk.getlength(text) > width:
            size -= 1
            shrunk = ImageFont.truetype(path, size)
        return shrunk

    def segs(
        self,
        x: float,
        y: float,
        segs: tuple[Seg, ...],
        fnt: ImageFont.FreeTypeFont,
        fill: RGB,
        width: float,
        align: str = "left",
    ) -> float:
        """Draw one line of segments; returns its height."""
        text = "".join(s.text for s in segs)
        fnt = self.fit(fnt, text, width)
        total = fnt.getlength(text)
        if align == "center":
            x += (width - total) / 2
        elif align == "right":
            x += width - total
        cx = x
        for seg in segs:
            if not seg.text:
                continue
            self.draw.text((cx, y), seg.text, font=fnt, fill=fill)
            if seg.field is not None:
                bb = self.draw.textbbox((cx, y), seg.text, font=fnt)
                self.boxes[seg.field] = (
                    math.floor(bb[0]),
                    math.floor(bb[1]),
                    math.ceil(bb[2]),
                    math.ceil(bb[3]),
                )
            cx += fnt.getlength(seg.text)
        return fnt.size * 1.32

    def text(self, block: Text) -> None:
        fnt, fill = self.style(block.style)
        h = fnt.size * 1.32
        if block.style == "band":
            self.check(h * 1.5)
            if self.th.band is not None:
                self.draw.rectangle(
                    (0, self.y, self.img.width, self.y + h * 1.45), fill=self.th.band
                )
            self.segs(
                self.x0, self.y + h * 0.2, block.segs, fnt, fill, self.x1 - self.x0, block.align
            )
            self.y += h * 1.6
            return
        if block.style == "button":
            self.check(h * 1.3)
            w = fnt.getlength(block.text) + 30 * self.s
            x = self.x1 - w if block.align == "right" else self.x0
            self.draw.rounded_rectangle(
                (x, self.y, x + w, self.y + h * 1.2), 8, fill=self.th.accent
            )
            self.segs(x + 15 * self.s, self.y + h * 0.12, block.segs, fnt, fill, w)
            self.y += h * 1.35
            return
        self.check(h)
        self.y += self.segs(self.x0, self.y, block.segs, fnt, fill, self.x1 - self.x0, block.align)

    # -- forms ------------------------------------------------------------------------
    def form(self, block: Form) -> None:
        if block.style == "stacked":
            self._stacked(block)
            return
        lab_font, lab_fill = self.style("small" if block.style == "inline" else "bold")
        if block.style == "inline":
            lab_font = font(self.th.font, self.px(self.th.body * 0.9))
        val_font, val_fill = self.style("body")
        cols = max(1, block.columns)
        width = self.x1 - self.x0
        cw = width / cols
        lw = cw * (0.34 if cols == 1 else 0.42)
        row_h = val_font.size * (1.5 if block.style == "inline" else 1.9)
        # A value too long for its cell gets a row of its own across the full width.
        rows: list[list[tuple[str, Seg]]] = [[]]
        for item in block.items:
            if cols > 1 and val_font.getlength(item[1].text) > cw - lw - 18 * self.s:
                rows += [[item], []]
                continue
            if len(rows[-1]) == cols or (
                len(rows[-1]) == 1
                and rows[-1] is not rows[0]
                and self._wide(rows[-1][0], val_font, cw, lw)
            ):
                rows.append([])
            rows[-1].append(item)
        for row in (r for r in rows if r):
            self.check(row_h)
            wide = cols > 1 and len(row) == 1 and self._wide(row[0], val_font, cw, lw)
            cell_w = width if wide else cw
            for c, (label, value) in enumerate(row):
                x = self.x0 + c * cw
                ty = self.y + (row_h - val_font.size * 1.2) / 2
                if block.style == "boxed":
                    self.draw.rectangle(
                        (x, self.y, x + lw, self.y + row_h),
                        fill=_mix(self.th.accent, (255, 255, 255), 0.88),
                        outline=(120, 120, 120),
                    )
                    self.draw.rectangle(
                        (x + lw, self.y, x + cell_w, self.y + row_h), outline=(120, 120, 120)
                    )
                self.segs(x + 8 * self.s, ty, (Seg(label),), lab_font, lab_fill, lw - 14 * self.s)
                self.segs(
                    x + lw + 8 * self.s, ty, (value,), val_font, val_fill, cell_w - lw - 18 * self.s
                )
            self.y += row_h + (0 if block.style == "boxed" else 2 * self.s)

    def _wide(
        self, item: tuple[str, Seg], fnt: ImageFont.FreeTypeFont, cw: float, lw: float
    ) -> bool:
        return fnt.getlength(item[1].text) > cw - lw - 18 * self.s

    def _stacked(self, block: Form) -> None:
        lab_font, lab_fill = self.style("label")
        val_font = font(self.th.bold, self.px(self.th.body))
        cols = max(1, block.columns)
        width = self.x1 - self.x0
        cw = width / cols
        cell_h = lab_font.size * 1.25 + val_font.size * 1.3 + 8 * self.s
        rows: list[list[tuple[str, Seg]]] = [[]]
        for item in block.items:
            wide = val_font.getlength(item[1].text) > cw - 12 * self.s
            if wide and cols > 1:
                if rows[-1]:
                    rows.append([])
                rows[-1].append(item)
                rows.append([])
                continue
            if len(rows[-1]) == cols:
                rows.append([])
            rows[-1].append(item)
        for row in rows:
            if not row:
                continue
            self.check(cell_h)
            span = (
                width
                if len(row) == 1
                and cols > 1
                and (val_font.getlength(row[0][1].text) > cw - 12 * self.s)
                else cw
            )
            for c, (label, value) in enumerate(row):
                x = self.x0 + c * cw
                self.segs(x, self.y, (Seg(label),), lab_font, lab_fill, span - 10 * self.s)
                self.segs(
                    x,
                    self.y + lab_font.size * 1.2,
                    (value,),
                    val_font,
                    self.th.ink,
                    span - 10 * self.s,
                )
            self.y += cell_h

    # -- tables -----------------------------------------------------------------------
    def table(self, block: Table) -> None:
        fnt, ink = self.style("body")
        hfont = font(self.th.bold, self.px(self.th.body * 0.95))
        width = self.x1 - self.x0
        xs = [self.x0]
        for w in block.widths:
            xs.append(xs[-1] + w * width)
        row_h = fnt.size * 1.55
        pad = 8 * self.s
        self.check(row_h)
        head_fill = _mix(self.th.accent, (255, 255, 255), 0.1)
        self.draw.rectangle((self.x0, self.y, self.x1, self.y + row_h), fill=head_fill)
        for i, h in enumerate(block.headers):
            al = "right" if block.aligns[i] == "r" else "left"
            self.segs(
                xs[i] + pad,
                self.y + row_h * 0.18,
                (Seg(h),),
                hfont,
                (255, 255, 255),
                xs[i + 1] - xs[i] - 2 * pad,
                al,
            )
        self.y += row_h
        for r, row in enumerate(block.rows):
            self.check(row_h)
            if block.zebra and r % 2 == 1:
                self.draw.rectangle(
                    (self.x0, self.y, self.x1, self.y + row_h),
                    fill=_mix(self.th.accent, (255, 255, 255), 0.92),
                )
            for i, cell in enumerate(row):
                al = "right" if block.aligns[i] == "r" else "left"
                self.segs(
                    xs[i] + pad,
                    self.y + row_h * 0.16,
                    (cell,),
                    fnt,
                    ink,
                    xs[i + 1] - xs[i] - 2 * pad,
                    al,
                )
            self.y += row_h
            self.draw.line((self.x0, self.y, self.x1, self.y), fill=(185, 185, 185), width=1)
        self.draw.rectangle(
            (self.x0, self.y - row_h * (len(block.rows) + 1), self.x1, self.y),
            outline=(110, 110, 110),
            width=2,
        )
        self.y += 4 * self.s

    # -- signatures, stamps, tiles ------------------------------------------------------
    def scribble(self, x: float, y: float, w: float, h: float) -> None:
        rng = self.rng
        pts = []
        a1, a2 = rng.uniform(0.1, 0.3), rng.uniform(0.3, 0.7)
        f1, f2 = rng.uniform(2, 5), rng.uniform(6, 12)
        for i in range(60):
            u = i / 59
            pts.append(
                (
                    x + u * w * rng.uniform(0.97, 1.0),
                    y
                    + h / 2
                    + h * (a1 * math.sin(f1 * u * 6.28) + a2 * math.sin(f2 * u * 6.28)) * 0.5,
                )
            )
        self.draw.line(pts, fill=(20, 30, 110), width=max(2, round(2.5 * self.s)), joint="curve")

    def signature(self, block: Signature) -> None:
        cap_h = sum(self.style(t.style)[0].size * 1.3 for t in block.caption)
        sig_h = 70 * self.s
        self.check(sig_h + cap_h + 8)
        w = min(320 * self.s, (self.x1 - self.x0) * 0.8)
        if block.align == "right":
            x = self.x1 - w
        elif block.align == "center":
            x = (self.x0 + self.x1 - w) / 2
        else:
            x = self.x0
        self.scribble(x + 10, self.y + 5, w * 0.8, sig_h - 15)
        self.y += sig_h
        self.draw.line((x, self.y, x + w, self.y), fill=(60, 60, 60), width=2)
        self.y += 4 * self.s
        for t in block.caption:
            fnt, fill = self.style(t.style)
            self.y += self.segs(x, self.y, t.segs, fnt, fill, max(w, (self.x1 - x)))
        self.y += 8 * self.s

    def box(self, block: Box) -> None:
        fonts = [self.style(t.style)[0] for t in block.lines]
        pad = 14 * self.s
        if block.kind == "stamp":
            colour: RGB = (55, 40, 140)
            w = max(f.getlength(t.text) for f, t in zip(fonts, block.lines, strict=True)) + 2 * pad
            h = sum(f.size * 1.32 for f in fonts) + 2 * pad
            self.check(h + 10)
            if block.align == "right":
                x = self.x1 - w
            elif block.align == "center":
                x = (self.x0 + self.x1 - w) / 2
            else:
                x = self.x0
            self.draw.rounded_rectangle((x, self.y, x + w, self.y + h), 12, outline=colour, width=3)
            self.draw.rounded_rectangle(
                (x + 5, self.y + 5, x + w - 5, self.y + h - 5), 9, outline=colour, width=1
            )
            y = self.y + pad
            for f, t in zip(fonts, block.lines, strict=True):
                y += self.segs(x + pad, y, t.segs, f, colour, w - 2 * pad, "center")
            self.y += h + 10 * self.s
            return
        h = sum(f.size * 1.35 for f in fonts) + 2 * pad
        self.check(h)
        self.draw.rectangle(
            (self.x0 - 10, self.y, self.x1 + 10, self.y + h),
            fill=(235, 235, 238),
            outline=(150, 150, 150),
        )
        y = self.y + pad
        for t in block.lines:
            if t.style == "button":
                saved = self.y
                self.y = y
                self.text(t)
                y = self.y
                self.y = saved
            else:
                fnt, fill = self.style(t.style)
                y += self.segs(
                    self.x0 + pad, y, t.segs, fnt, fill, self.x1 - self.x0 - 2 * pad, t.align
                )
        self.y += h + 8 * self.s

    def tiles(self, block: Tiles) -> None:
        cols = block.columns
        gap = 24 * self.s
        tw = (self.x1 - self.x0 - gap * (cols - 1)) / cols
        img_h = tw * 0.62
        for r in range(0, len(block.tiles), cols):
            row = block.tiles[r : r + cols]
            lines_h = max(sum(self.style(t.style)[0].size * 1.45 for t in tile) for tile in row)
            self.check(img_h + lines_h + 30 * self.s)
            y_end = self.y
            for c, tile in enumerate(row):
                x = self.x0 + c * (tw + gap)
                tint = _mix(self.th.accent, (255, 255, 255), self.rng.uniform(0.55, 0.85))
                self.draw.rectangle((x, self.y, x + tw, self.y + img_h), fill=tint)
                cx, cy, rad = x + tw / 2, self.y + img_h / 2, img_h * self.rng.uniform(0.2, 0.35)
                self.draw.ellipse(
                    (cx - rad, cy - rad, cx + rad, cy + rad), fill=_mix(tint, (40, 40, 40), 0.35)
                )
                saved_x0, saved_x1, saved_y = self.x0, self.x1, self.y
                self.x0, self.x1, self.y = x, x + tw, self.y + img_h + 10 * self.s
                for t in tile:
                    self.text(t)
                y_end = max(y_end, self.y)
                self.x0, self.x1, self.y = saved_x0, saved_x1, saved_y
            self.y = y_end + 20 * self.s

    def mrz(self, block: Mrz, size: int) -> None:
        fnt = font("ocrb", size)
        for i, line in enumerate(block.lines, 1):
            self.check(size * 1.25)
            self.segs(
                self.x0, self.y, (Seg(line, f"mrz_line_{i}"),), fnt, (10, 10, 10), self.x1 - self.x0
            )
            self.y += size * 1.28

    def block(self, block: Block) -> None:
        if isinstance(block, Text):
            self.text(block)
        elif isinstance(block, Form):
            self.form(block)
        elif isinstance(block, Table):
            self.table(block)
        elif isinstance(block, Signature):
            self.signature(block)
        elif isinstance(block, Box):
            self.box(block)
        elif isinstance(block, Tiles):
            self.tiles(block)
        elif isinstance(block, Mrz):
            self.mrz(block, self.px(30))
        elif isinstance(block, Gap):
            self.y += block.px * self.s
        elif isinstance(block, Rule):
            self.check(10)
            self.y += 5 * self.s
            self.draw.line(
                (self.x0, self.y, self.x1, self.y),
                fill=self.th.accent,
                width=4 if block.heavy else 1,
            )
            self.y += 9 * self.s


def _emblem(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, colour: RGB, rng: random.Random
) -> None:
    """A simple logo: rings and a star (no text)."""
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=colour, width=max(2, round(r / 10)))
    draw.ellipse((cx - r * 0.7, cy - r * 0.7, cx + r * 0.7, cy + r * 0.7), outline=colour, width=2)
    n = rng.choice((5, 6, 8))
    pts = []
    for i in range(2 * n):
        a = math.pi * i / n - math.pi / 2
        rr = r * (0.55 if i % 2 == 0 else 0.25)
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    draw.polygon(pts, fill=colour)


def _guilloche(draw: ImageDraw.ImageDraw, w: int, h: int, colour: RGB, rng: random.Random) -> None:
    for k in range(28):
        amp = rng.uniform(8, 40)
        lam = rng.uniform(120, 400)
        phase = rng.uniform(0, 6.28)
        y0 = h * k / 28
        pts = [(x, y0 + amp * math.sin(x / lam * 6.28 + phase)) for x in range(0, w + 8, 8)]
        draw.line(pts, fill=colour, width=1)
    cx, cy = w * rng.uniform(0.45, 0.6), h * rng.uniform(0.45, 0.6)
    for r in range(40, int(min(w, h) * 0.45), 14):
        draw.ellipse((cx - r * 1.3, cy - r, cx + r * 1.3, cy + r), outline=colour, width=1)


def _render_card(doc: Doc, scale: float, rng: random.Random) -> Rendered:
    w, h = PAGE_SIZES[doc.kind]
    th = doc.theme
    img = Image.new("RGB", (w, h), th.paper)
    draw = ImageDraw.Draw(img)
    _guilloche(draw, w, h, _mix(th.paper, th.accent, 0.22), rng)
    flow = _Flow(img, th, scale, rng)
    m = round(28 * scale) if doc.kind == "card" else 40
    flow.x0, flow.x1, flow.y = m, w - m, 0
    flow.bottom = h - m
    # Header: a band of colour across the top for band lines.
    flow.y = 10
    for block in doc.header:
        flow.block(block)
    header_bottom = round(flow.y + 6)
    if th.band is None:
        draw.line((m, header_bottom - 4, w - m, header_bottom - 4), fill=th.accent, width=3)
    # MRZ at the bottom.
    mrz_blocks = [b for b in doc.footer if isinstance(b, Mrz)]
    others = [b for b in doc.footer if not isinstance(b, Mrz)]
    mrz_top = h - m
    if mrz_blocks:
        lines = mrz_blocks[0].lines
        size = min(
            round(34 * scale) if doc.kind == "card" else 32,
            int((w - 2 * m) / (len(lines[0]) * 0.72)),
        )
        mrz_h = len(lines) * size * 1.3
        mrz_top = round(h - m - mrz_h)
        draw.rectangle((0, mrz_top - 10, w, h), fill=_mix(th.paper, (255, 255, 255), 0.6))
        flow.y = mrz_top
        flow.mrz(mrz_blocks[0], size)
    # Portrait.
    portrait_box: BoxT | None = None
    body_x0, body_x1 = m, w - m
    if doc.portrait:
        pw = round(w * (0.25 if doc.kind == "card" else 0.27))
        ph = round(pw * 1.3)
        ph = min(ph, mrz_top - header_bottom - 24)
        pw = min(pw, round(ph / 1.3))
        px0 = m if doc.portrait == "left" else w - m - pw
        py0 = header_bottom + 8
        img.paste(portrait_image(pw, ph, doc.portrait_grey, rng), (px0, py0))
        draw.rectangle(
            (px0 - 2, py0 - 2, px0 + pw + 1, py0 + ph + 1), outline=(90, 90, 90), width=2
        )
        portrait_box = (px0, py0, px0 + pw, py0 + ph)
        if doc.portrait == "left":
            body_x0 = px0 + pw + round(26 * scale)
        else:
            body_x1 = px0 - round(26 * scale)
    flow.x0, flow.x1 = body_x0, body_x1
    flow.y = header_bottom + 8
    flow.bottom = mrz_top - 8
    for block in doc.body:
        flow.block(block)
    for block in others:
        flow.block(block)
    if th.frame:
        draw.rounded_rectangle(
            (3, 3, w - 4, h - 4), 28, outline=_mix(th.accent, th.paper, 0.3), width=4
        )
    return Rendered(img, flow.boxes, portrait_box)


def _render_page(doc: Doc, scale: float, rng: random.Random) -> Rendered:
    w, h = PAGE_SIZES[doc.kind]
    th = doc.theme
    img = Image.new("RGB", (w, h), th.paper)
    draw = ImageDraw.Draw(img)
    flow = _Flow(img, th, scale, rng)
    mx = {"screen": 60, "receipt": 40}.get(doc.kind, 100)
    flow.x0, flow.x1 = mx, w - mx
    flow.y = 60 if doc.kind not in ("screen", "receipt") else 20
    flow.bottom = h - (70 if doc.kind != "receipt" else 30)
    if th.frame:
        draw.rectangle((40, 40, w - 40, h - 40), outline=th.accent, width=3)
        draw.rectangle((48, 48, w - 48, h - 48), outline=th.accent, width=1)
    header = list(doc.header)
    if doc.kind == "screen" and header:
        # Browser chrome: grey bar with the address field.
        draw.rectangle((0, 0, w, 76), fill=(222, 224, 228))
        for i, c in enumerate(((236, 95, 87), (245, 190, 80), (98, 197, 84))):
            draw.ellipse((18 + i * 26, 28, 36 + i * 26, 46), fill=c)
        draw.rounded_rectangle((120, 16, w - 60, 60), 20, fill=(255, 255, 255))
        flow.x0, flow.y = 145, 22
        flow.block(header.pop(0))
        flow.x0, flow.y = mx, 96
    if (
        header
        and doc.kind in ("a4", "letter")
        and any(isinstance(b, Text) and b.style == "band" for b in header)
    ):
        first_band = next(b for b in header if isinstance(b, Text) and b.style == "band")
        r = 34 * scale
        cx = w - mx - r if first_band.align == "left" else mx + r
        band_font, _ = flow.style("band")
        _emblem(
            draw,
            cx,
            flow.y + band_font.size * 0.95,
            r,
            (255, 255, 255) if th.band else th.accent,
            rng,
        )
    for block in header:
        if isinstance(block, Text) and block.style == "band" and block.align == "left":
            flow.x1 = w - mx - round(80 * scale)
            flow.block(block)
            flow.x1 = w - mx
        elif isinstance(block, Text) and block.style == "band" and block.align == "right":
            flow.x0 = mx + round(80 * scale)
            flow.block(block)
            flow.x0 = mx
        else:
            flow.block(block)
    for block in doc.body:
        flow.block(block)
    if doc.footer:
        scratch = _Flow(Image.new("RGB", (w, h)), th, scale, random.Random(0))  # noqa: S311 - synthetic data, not crypto
        scratch.x0, scratch.x1, scratch.bottom = flow.x0, flow.x1, 10**6
        for block in doc.footer:
            scratch.block(block)
        flow.y = max(flow.y + 16 * scale, flow.bottom - scratch.y - 4)
    for block in doc.footer:
        flow.block(block)
    if doc.kind == "receipt":
        img = img.crop((0, 0, w, min(h, round(flow.y + 60))))
        # zig-zag tear at the bottom edge
        zd = ImageDraw.Draw(img)
        base = img.height - 1
        zd.line(
            [(x, base - (6 if (x // 12) % 2 else 0)) for x in range(0, w + 12, 12)],
            fill=(200, 200, 195),
            width=2,
        )
    return Rendered(img, flow.boxes, None)


def _render_blank(doc: Doc, rng: random.Random) -> Rendered:
    w, h = PAGE_SIZES["blank"]
    tone = rng.randint(238, 252)
    img = Image.new("RGB", (w, h), (tone, tone, max(225, tone - rng.randint(0, 10))))
    draw = ImageDraw.Draw(img)
    if rng.random() < 0.5:  # a faint fold line
        y = h * rng.uniform(0.3, 0.7)
        draw.line(
            (0, y, w, y + rng.uniform(-6, 6)), fill=(tone - 12, tone - 12, tone - 14), width=2
        )
    if rng.random() < 0.5:  # punch holes of a filed page
        for y in (h * 0.38, h * 0.62):
            draw.ellipse((40, y - 14, 68, y + 14), fill=(tone - 40, tone - 40, tone - 40))
    del doc
    return Rendered(img, {}, None)


def render(doc: Doc, seed: int, codes: bool = True) -> Rendered:
    """Draw ``doc``; shrink and retry when the content does not fit the page.

    ``codes=False`` leaves the document's codes off: the page is then exactly what
    it is with them everywhere outside their quiet zones (the tests compare both).
    """
    if doc.kind == "photo":
        assert doc.photo is not None
        return Rendered(photo(doc.photo).copy(), {}, None)
    scale = 1.0
    for _ in range(8):
        rng = random.Random(f"render/{seed}/{doc.kind}")  # noqa: S311
        try:
            if doc.kind == "blank":
                return _render_blank(doc, rng)
            if doc.kind in ("card", "passport_page"):
                page = _render_card(doc, scale, rng)
            else:
                page = _render_page(doc, scale, rng)
        except DoesNotFit:
            scale *= 0.92
            continue
        if codes:
            draw_codes(page, doc)
        return page
    raise RuntimeError(f"{doc.kind} content does not fit even at scale {scale:.2f}")


# -- machine-readable codes ---------------------------------------------------------------
# Quiet zone around a symbol, in modules: what each symbology's specification asks for.
QUIET_MODULES: dict[str, int] = {"QRCode": 4, "PDF417": 2, "Code128": 10}
C128_HEIGHT_MODULES = 18  # bar height of a linear code: tall enough for a tilted photo
_CARD_INK = 150  # on a card, a darker channel value than this is print, not guilloche
_STEP = 8  # px between candidate positions
PDF417_COLUMNS = 4
PDF417_EC = "2"
PDF417_COMPACT = True


def symbol(code: Code) -> npt.NDArray[np.uint8]:
    """The symbol of ``code`` as a 0/255 greyscale array at its module size, no quiet zone.

    QR codes use error-correction level M (15 %): a verification URL stays short
    enough for a 37- or 41-cell symbol and survives a stain or a glare spot.
    """
    import zxingcpp  # imported lazily: only documents with codes need it

    fmt = getattr(zxingcpp.BarcodeFormat, code.format)
    options: dict[str, Any] = {}
    if code.format == "QRCode":
        options["ec_level"] = "M"
    elif code.format == "PDF417":
        options["columns"] = PDF417_COLUMNS
        options["ec_level"] = PDF417_EC
        if PDF417_COMPACT:
            fmt = zxingcpp.BarcodeFormat.CompactPDF417
    made = zxingcpp.create_barcode(code.payload, fmt, **options)
    base = np.asarray(made.to_image(scale=1, add_quiet_zones=False), dtype=np.uint8)
    m = code.module
    if code.format == "Code128":
        row = base[base.shape[0] // 2 : base.shape[0] // 2 + 1]
        return np.ascontiguousarray(np.repeat(np.repeat(row, C128_HEIGHT_MODULES * m, 0), m, 1))
    if code.format == "PDF417":
        # ``to_image`` draws PDF417 rows 3 modules high; ``aspect`` sets it instead.
        if base.shape[0] % 3:
            raise RuntimeError(f"unexpected PDF417 raster height {base.shape[0]}")
        rows = base[1::3]
        return np.ascontiguousarray(np.repeat(np.repeat(rows, code.aspect * m, 0), m, 1))
    return np.ascontiguousarray(np.repeat(np.repeat(base, m, 0), m, 1))


def _free(
    arr: npt.NDArray[np.uint8],
    box: BoxT,
    card: bool,
    paper: RGB,
    taken: list[BoxT],
) -> bool:
    x0, y0, x1, y1 = box
    if any(x0 < t[2] and t[0] < x1 and y0 < t[3] and t[1] < y1 for t in taken):
        return False
    patch = arr[y0:y1, x0:x1]
    if card:  # the guilloche under a card's print may be painted over, print may not
        return bool(patch.min() >= _CARD_INK)
    return bool(np.all(patch == np.asarray(paper, np.uint8)))


def draw_codes(page: Rendered, doc: Doc) -> None:
    """Draw ``doc.codes`` on free patches of ``page``, recording their boxes in ``page.codes``.

    The search starts at the bottom-right corner of the text area (where the page
    footers and the card's signature strip leave room) and moves up, then tries the
    left side. A patch is free when nothing is printed there: on a card, nothing
    darker than the guilloche, away from the portrait; on a page, nothing but paper.
    The quiet zone is painted with the paper colour so that the guilloche cannot
    touch the symbol. Deterministic, no randomness.
    """
    if not doc.codes:
        return
    w, h = page.image.size
    card = doc.kind in ("card", "passport_page")
    margin = 28 if card else (40 if doc.kind == "receipt" else 100)
    top = 60
    bottom = h - (22 if card else 56)
    arr = np.asarray(page.image.convert("RGB"), dtype=np.uint8)
    taken: list[BoxT] = list(page.boxes.values())
    if page.portrait_box is not None:
        taken.append(page.portrait_box)
    draw = ImageDraw.Draw(page.image)
    for code in doc.codes:
        sym = symbol(code)
        q = QUIET_MODULES.get(code.format, 4) * code.module
        sh, sw = sym.shape
        bw, bh = sw + 2 * q, sh + 2 * q
        spot: BoxT | None = None
        for x0 in (w - margin - bw, margin):
            for y0 in range(bottom - bh, top - 1, -_STEP):
                cand = (x0, y0, x0 + bw, y0 + bh)
                if x0 >= 0 and _free(arr, cand, card, doc.theme.paper, taken):
                    spot = cand
                    break
            if spot is not None:
                break
        if spot is None:  # no room: a crowded page simply goes without the code
            continue
        x0, y0, x1, y1 = spot
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=doc.theme.paper)
        tile = np.where((sym < 128)[..., None], np.uint8(0), np.asarray(doc.theme.paper, np.uint8))
        page.image.paste(Image.fromarray(np.asarray(tile, np.uint8)), (x0 + q, y0 + q))
        taken.append(spot)
        page.codes.append((code, (x0 + q, y0 + q, x0 + q + sw, y0 + q + sh)))


def to_bgr(img: Image.Image) -> npt.NDArray[np.uint8]:
    """A Pillow RGB image as an OpenCV BGR array."""
    arr = np.asarray(img.convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(arr[..., ::-1])

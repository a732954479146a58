"""File forensics: what an image's EXIF and a PDF's structure say about editing.

Pure functions over the uploaded bytes, each returning
:class:`~models.fraud.signal.Signal` values (file-level: no regions, no heat
map). Every parser is bounded: inputs over :data:`MAX_FILE_BYTES` are refused,
JPEG segments, TIFF IFDs and PDF revisions are walked with fixed caps, and
compressed PDF object streams are inflated to at most
:data:`MAX_INFLATED_BYTES` in total, so a hostile file costs bounded time and
memory.

Image metadata (:func:`image_metadata`):

- ``EDITED_WITH_SOFTWARE``: EXIF Software (or the XMP CreatorTool) names an
  image editor (:data:`IMAGE_EDITORS`); strong.
- ``METADATA_INCONSISTENT``: capture date after the submission time, or
  before :data:`OLDEST_PLAUSIBLE_CAPTURE`; modification date before capture.
- ``METADATA_MISSING``: no camera make/model on a file that claims to be a
  phone photo; weak evidence (browsers and messengers strip EXIF).
- ``THUMBNAIL_MISMATCH``: the EXIF thumbnail is not a small copy of the
  image (the image was edited by a tool that kept the old EXIF).

PDF structure (:func:`pdf_structure`):

- ``PDF_INCREMENTALLY_UPDATED``: more than one ``%%EOF``/``startxref``
  (a linearised file legitimately has two).
- ``PDF_EDITED_WITH_SOFTWARE``: Producer/Creator naming a PDF editor.
- ``PDF_METADATA_INCONSISTENT``: /Info and XMP dates disagree, or a date
  after the submission, or modification long after creation.
- ``PDF_FONTS_ADDED``: a font name that first appears in a later revision.

Text layer (:func:`compare_text_layer`): the PDF's own text against OCR of
the rendered page; numbers present in one and not the other mean the
visible page and the text layer were edited apart (``PDF_TEXT_LAYER_MISMATCH``).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from models.fraud.signal import ReasonCode, Signal, squash

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_JPEG_SEGMENTS = 256
MAX_IFD_ENTRIES = 512
MAX_PDF_REVISIONS = 64
MAX_OBJECT_STREAMS = 512
MAX_INFLATED_BYTES = 32 * 1024 * 1024
MAX_TEXT_CHARS = 200_000

OLDEST_PLAUSIBLE_CAPTURE = dt.datetime(2000, 1, 1)
# A capture clock may run a little ahead of the server's.
CLOCK_SKEW = dt.timedelta(hours=26)

# Scores of the metadata findings (each is a fact, not a measurement).
SOFTWARE_SCORE = 0.9
FUTURE_DATE_SCORE = 0.9
OLD_DATE_SCORE = 0.7
MODIFIED_BEFORE_TAKEN_SCORE = 0.6
MISSING_CAMERA_SCORE = 0.3  # weak: under the threshold on its own
THUMB_DIFF_HALF = 12.0  # mean |grey difference| of thumbnail and image at score 0.5
THUMB_DIFF_HIGH = 24.0
THUMB_ASPECT_TOLERANCE = 0.08

PDF_INCREMENTAL_SCORE = 0.6  # editors append updates; so do signing tools and form fillers
PDF_EDITOR_SCORE = 0.85
PDF_DATES_SCORE = 0.6
PDF_FONTS_ADDED_SCORE = 0.85
PDF_MODIFIED_AFTER = dt.timedelta(days=2)  # ModDate this long after CreationDate
PDF_INFO_XMP_TOLERANCE = dt.timedelta(minutes=2)

TEXT_MISMATCH_HALF = 0.15  # share of numeric tokens without a counterpart at score 0.5
TEXT_MISMATCH_HIGH = 0.4
TEXT_MIN_NUMBERS = 3

METADATA_THRESHOLD = 0.5
PDF_THRESHOLD = 0.5
TEXT_THRESHOLD = 0.5

IMAGE_EDITORS: tuple[str, ...] = (
    "photoshop",
    "gimp",
    "lightroom",
    "snapseed",
    "canva",
    "picsart",
    "pixlr",
    "paint.net",
    "affinity",
    "photopea",
    "facetune",
    "fotor",
    "inkscape",
    "corel",
    "pixelmator",
    "luminar",
    "remini",
    "meitu",
)
PDF_EDITORS: tuple[str, ...] = (
    "acrobat pro",
    "acrobat standard",
    "adobe acrobat 2",
    "pdfescape",
    "sejda",
    "ilovepdf",
    "smallpdf",
    "pdf-xchange editor",
    "foxit phantompdf",
    "foxit pdf editor",
    "nitro pro",
    "pdfelement",
    "wondershare",
    "pdffiller",
    "dochub",
    "pdf candy",
    "inkscape",
    "canva",
    "photoshop",
    "pdf expert",
    "master pdf editor",
)


class FileTooLarge(ValueError):
    """Input over :data:`MAX_FILE_BYTES`."""


def _check_size(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise FileTooLarge(f"{len(data)} bytes is over the {MAX_FILE_BYTES} limit")


def _names_editor(text: str | None, editors: tuple[str, ...]) -> str | None:
    if not text:
        return None
    low = text.lower()
    return next((e for e in editors if e in low), None)


# -- EXIF -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExifFacts:
    """What the EXIF says (None: absent)."""

    make: str | None = None
    model: str | None = None
    software: str | None = None
    taken: dt.datetime | None = None
    modified: dt.datetime | None = None
    thumbnail: bytes | None = field(default=None, repr=False)
    creator_tool: str | None = None  # XMP

    def to_dict(self) -> dict[str, Any]:
        return {
            "make": self.make,
            "model": self.model,
            "software": self.software,
            "taken": self.taken.isoformat() if self.taken else None,
            "modified": self.modified.isoformat() if self.modified else None,
            "hasThumbnail": self.thumbnail is not None,
            "creatorTool": self.creator_tool,
        }


def _exif_date(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.strptime(value.strip().rstrip("\x00")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("latin-1", "replace")
    if not isinstance(value, str):
        return None
    value = value.strip().rstrip("\x00").strip()
    return value or None


def _app1_payloads(data: bytes) -> list[bytes]:
    """APP1 payloads (EXIF, XMP) of a JPEG, walking at most :data:`MAX_JPEG_SEGMENTS`."""
    if not data.startswith(b"\xff\xd8"):
        return []
    out: list[bytes] = []
    pos = 2
    for _ in range(MAX_JPEG_SEGMENTS):
        if pos + 4 > len(data) or data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        if marker in (0xDA, 0xD9):  # start of scan / end of image
            break
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if marker == 0xE1:
            out.append(data[pos + 4 : pos + 2 + length])
        pos += 2 + length
    return out


def _thumbnail(tiff: bytes) -> bytes | None:
    """The JPEG thumbnail in IFD1 of a TIFF (EXIF) block, bounded."""
    if len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        return None
    end = "<" if tiff[:2] == b"II" else ">"
    try:
        off0 = struct.unpack(end + "I", tiff[4:8])[0]
        n0 = struct.unpack(end + "H", tiff[off0 : off0 + 2])[0]
        if n0 > MAX_IFD_ENTRIES:
            return None
        off1 = struct.unpack(end + "I", tiff[off0 + 2 + 12 * n0 : off0 + 6 + 12 * n0])[0]
        if off1 == 0 or off1 + 2 > len(tiff):
            return None
        n1 = struct.unpack(end + "H", tiff[off1 : off1 + 2])[0]
        if n1 > MAX_IFD_ENTRIES:
            return None
        at = length = None
        for k in range(n1):
            e = off1 + 2 + 12 * k
            tag, typ, _count = struct.unpack(end + "HHI", tiff[e : e + 8])
            raw = tiff[e + 8 : e + 12]
            val = struct.unpack(end + ("H" if typ == 3 else "I"), raw[: 2 if typ == 3 else 4])[0]
            if tag == 0x0201:
                at = val
            elif tag == 0x0202:
                length = val
        if at is None or length is None or at + length > len(tiff) or length <= 0:
            return None
        thumb = tiff[at : at + length]
        return thumb if thumb.startswith(b"\xff\xd8") else None
    except struct.error:
        return None


def read_exif(data: bytes) -> ExifFacts:
    """EXIF facts of an image file (all None when there is none or it is unreadable)."""
    _check_size(data)
    try:
        with Image.open(io.BytesIO(data)) as im:
            exif = im.getexif()
            sub = exif.get_ifd(0x8769) if exif else {}
            xmp_raw = im.info.get("xmp")
    except Exception:
        return ExifFacts()
    thumb = None
    for payload in _app1_payloads(data):
        if payload.startswith(b"Exif\x00\x00"):
            thumb = _thumbnail(payload[6:])
            break
    creator = None
    if isinstance(xmp_raw, bytes | str):
        raw = xmp_raw.decode("utf-8", "replace") if isinstance(xmp_raw, bytes) else xmp_raw
        m = re.search(r"CreatorTool(?:>|=\")([^<\"]{1,200})", raw[:MAX_TEXT_CHARS])
        creator = m.group(1).strip() if m else None
    return ExifFacts(
        make=_text(exif.get(0x010F)),
        model=_text(exif.get(0x0110)),
        software=_text(exif.get(0x0131)),
        taken=_exif_date(sub.get(0x9003)) or _exif_date(sub.get(0x9004)),
        modified=_exif_date(exif.get(0x0132)),
        thumbnail=thumb,
        creator_tool=creator,
    )


def _thumbnail_difference(thumb: bytes, image: bytes) -> float | None:
    """Mean |grey difference| between the thumbnail and the image scaled to it (None: n/a)."""
    try:
        with Image.open(io.BytesIO(thumb)) as t:
            small = np.asarray(t.convert("L"), np.float32)
        with Image.open(io.BytesIO(image)) as im:
            im.draft("L", (small.shape[1] * 2, small.shape[0] * 2))  # fast DCT-domain downscale
            big = im.convert("L")
            if abs(big.width / big.height - small.shape[1] / small.shape[0]) > (
                THUMB_ASPECT_TOLERANCE * big.width / big.height
            ):
                return 255.0  # another picture's shape
            scaled = np.asarray(
                big.resize((small.shape[1], small.shape[0]), Image.Resampling.BOX), np.float32
            )
    except Exception:
        return None
    # compare structure, not exposure: remove each image's mean
    return float(np.mean(np.abs((small - small.mean()) - (scaled - scaled.mean()))))


def image_metadata(
    data: bytes, submitted_at: dt.datetime, claims_phone_photo: bool = False
) -> list[Signal]:
    """Metadata signals of an image upload (see the module docstring).

    ``submitted_at``: when the upload was received (naive, the capture clock's
    local time is unknown, so :data:`CLOCK_SKEW` is allowed). Raises
    :class:`FileTooLarge` only.
    """
    facts = read_exif(data)
    info = facts.to_dict()
    editor = _names_editor(facts.software, IMAGE_EDITORS) or _names_editor(
        facts.creator_tool, IMAGE_EDITORS
    )
    software = Signal(
        "exif_software",
        SOFTWARE_SCORE if editor else 0.0,
        METADATA_THRESHOLD,
        ReasonCode.EDITED_WITH_SOFTWARE,
        details={"software": facts.software, "creatorTool": facts.creator_tool, "editor": editor},
    )
    problems: list[tuple[str, float]] = []
    now = submitted_at.replace(tzinfo=None)
    if facts.taken is not None:
        if facts.taken > now + CLOCK_SKEW:
            problems.append(("capture date after submission", FUTURE_DATE_SCORE))
        if facts.taken < OLDEST_PLAUSIBLE_CAPTURE:
            problems.append(("capture date before 2000", OLD_DATE_SCORE))
        if facts.modified is not None and facts.modified < facts.taken - CLOCK_SKEW:
            problems.append(("modified before taken", MODIFIED_BEFORE_TAKEN_SCORE))
    if facts.modified is not None and facts.modified > now + CLOCK_SKEW:
        problems.append(("modification date after submission", FUTURE_DATE_SCORE))
    dates = Signal(
        "exif_dates",
        max((s for _, s in problems), default=0.0),
        METADATA_THRESHOLD,
        ReasonCode.METADATA_INCONSISTENT,
        details={"problems": [p for p, _ in problems], "taken": info["taken"]},
    )
    missing_camera = claims_phone_photo and not (facts.make and facts.model)
    missing = Signal(
        "exif_camera_missing",
        MISSING_CAMERA_SCORE if missing_camera else 0.0,
        METADATA_THRESHOLD,
        ReasonCode.METADATA_MISSING,
        applicable=claims_phone_photo,
        details={"make": facts.make, "model": facts.model},
    )
    if facts.thumbnail is None:
        thumb = Signal(
            "exif_thumbnail",
            0.0,
            METADATA_THRESHOLD,
            ReasonCode.THUMBNAIL_MISMATCH,
            applicable=False,
            details={"notApplicable": "no thumbnail"},
        )
    else:
        diff = _thumbnail_difference(facts.thumbnail, data)
        thumb = Signal(
            "exif_thumbnail",
            0.0 if diff is None else squash(diff, THUMB_DIFF_HALF, THUMB_DIFF_HIGH),
            METADATA_THRESHOLD,
            ReasonCode.THUMBNAIL_MISMATCH,
            applicable=diff is not None,
            details={"meanAbsDifference": diff},
        )
    return [software, dates, missing, thumb]


# -- PDF -----------------------------------------------------------------------------------------
_PDF_DATE = re.compile(
    rb"D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+\-])?(\d{2})?'?(\d{2})?"
)
_XMP_DATE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+\-]\d{2}:\d{2})?"
)


def _pdf_date(raw: bytes) -> dt.datetime | None:
    m = _PDF_DATE.search(raw)
    if not m:
        return None
    y, mo, d, h, mi, s = (
        int(g) if g else default
        for g, default in zip(m.groups()[:6], (0, 1, 1, 0, 0, 0), strict=True)
    )
    try:
        when = dt.datetime(y, mo, d, h, mi, s)
    except ValueError:
        return None
    sign, th, tm = m.group(7), m.group(8), m.group(9)
    if sign in ("+", "-") and th:
        offset = dt.timedelta(hours=int(th), minutes=int(tm or 0))
        when = when - offset if sign == "+" else when + offset  # to UTC
    return when


def _xmp_date(raw: str) -> dt.datetime | None:
    m = _XMP_DATE.search(raw)
    if not m:
        return None
    y, mo, d, h, mi = (int(m.group(i)) for i in range(1, 6))
    s = int(m.group(6) or 0)
    try:
        when = dt.datetime(y, mo, d, h, mi, s)
    except ValueError:
        return None
    tz = m.group(7)
    if tz and tz not in ("Z",):
        sign = 1 if tz[0] == "+" else -1
        when -= sign * dt.timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))
    return when


def _pdf_string(buf: bytes, key: bytes) -> str | None:
    """The last value of ``/Key (literal)`` or ``/Key <hex>`` in ``buf``."""
    found: str | None = None
    for m in re.finditer(
        rb"/" + key + rb"\s*(\((?:\\.|[^\\)]){0,500}\)|<[0-9A-Fa-f\s]{0,1000}>)", buf
    ):
        raw = m.group(1)
        if raw.startswith(b"("):
            body = raw[1:-1]
            if body.startswith(b"\xfe\xff"):
                found = body[2:].decode("utf-16-be", "replace")
            else:
                found = body.decode("latin-1", "replace")
        else:
            hexs = re.sub(rb"\s", b"", raw[1:-1])
            try:
                b = bytes.fromhex(hexs.decode("ascii"))
            except ValueError:
                continue
            found = (
                b[2:].decode("utf-16-be", "replace")
                if b.startswith(b"\xfe\xff")
                else b.decode("latin-1", "replace")
            )
    return found


def _inflate_object_streams(buf: bytes, budget: list[int]) -> bytes:
    """Inflated contents of FlateDecode object streams in ``buf`` (bounded by ``budget[0]``)."""
    out: list[bytes] = []
    for k, m in enumerate(re.finditer(rb"/Type\s*/ObjStm[^>]*>>\s*stream\r?\n", buf)):
        if k >= MAX_OBJECT_STREAMS or budget[0] <= 0:
            break
        start = m.end()
        end = buf.find(b"endstream", start)
        if end < 0:
            break
        d = zlib.decompressobj()
        try:
            chunk = d.decompress(buf[start:end], budget[0])
        except zlib.error:
            continue
        budget[0] -= len(chunk)
        out.append(chunk)
    return b"\n".join(out)


@dataclass(frozen=True)
class PdfFacts:
    """What the raw PDF bytes say."""

    revisions: int
    linearized: bool
    producer: str | None
    creator: str | None
    created: dt.datetime | None
    modified: dt.datetime | None
    xmp_created: dt.datetime | None
    xmp_modified: dt.datetime | None
    fonts_by_revision: list[list[str]]

    def to_dict(self) -> dict[str, Any]:
        def iso(d: dt.datetime | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "revisions": self.revisions,
            "linearized": self.linearized,
            "producer": self.producer,
            "creator": self.creator,
            "created": iso(self.created),
            "modified": iso(self.modified),
            "xmpCreated": iso(self.xmp_created),
            "xmpModified": iso(self.xmp_modified),
            "fontsByRevision": self.fonts_by_revision,
        }


_FONT_NAME = re.compile(rb"/(?:FontName|BaseFont)\s*/([A-Za-z0-9+\-_.,#]{1,80})")


def _font_key(name: bytes) -> str:
    text = name.decode("latin-1")
    return text.split("+", 1)[1] if re.match(r"^[A-Z]{6}\+", text) else text  # subset prefix


def read_pdf(data: bytes) -> PdfFacts:
    """Parse the raw bytes of a PDF (revisions, metadata, fonts per revision).

    Raises:
        FileTooLarge: over :data:`MAX_FILE_BYTES`.
        ValueError: not a PDF (no ``%PDF-`` header in the first 1024 bytes).
    """
    _check_size(data)
    if b"%PDF-" not in data[:1024]:
        raise ValueError("not a PDF")
    eofs = [m.end() for m in re.finditer(rb"%%EOF", data)][:MAX_PDF_REVISIONS]
    startxrefs = len(re.findall(rb"startxref", data))
    linearized = b"/Linearized" in data[:2048]
    revisions = max(1, max(len(eofs), startxrefs) - (1 if linearized and len(eofs) > 1 else 0))
    # revision slices: bytes up to each %%EOF (the last one runs to the end)
    bounds = [0, *eofs]
    if not eofs or eofs[-1] < len(data) - 64:
        bounds.append(len(data))
    budget = [MAX_INFLATED_BYTES]
    seen: set[str] = set()
    fonts_by_revision: list[list[str]] = []
    for a, b in itertools.pairwise(bounds):
        part = data[a:b]
        part_all = part + _inflate_object_streams(part, budget)
        names = sorted({_font_key(m.group(1)) for m in _FONT_NAME.finditer(part_all)} - seen)
        seen.update(names)
        fonts_by_revision.append(names)
    if linearized and len(fonts_by_revision) > 1:  # the first-page section is not a revision
        fonts_by_revision = [fonts_by_revision[0] + fonts_by_revision[1], *fonts_by_revision[2:]]
    everything = data + _inflate_object_streams(data, [MAX_INFLATED_BYTES // 4])
    xmp_match = re.search(rb"<x:xmpmeta.{0,200000}?</x:xmpmeta>", everything, re.S)
    xmp = xmp_match.group(0).decode("utf-8", "replace") if xmp_match else ""

    def xmp_field(tag: str) -> dt.datetime | None:
        m = re.search(tag + r"(?:>|=\")([^<\"]{1,64})", xmp)
        return _xmp_date(m.group(1)) if m else None

    created_raw = re.findall(rb"/CreationDate\s*\(([^)]{1,64})\)", everything)
    modified_raw = re.findall(rb"/ModDate\s*\(([^)]{1,64})\)", everything)
    return PdfFacts(
        revisions=revisions,
        linearized=linearized,
        producer=_pdf_string(everything, b"Producer"),
        creator=_pdf_string(everything, b"Creator"),
        created=_pdf_date(created_raw[-1]) if created_raw else None,
        modified=_pdf_date(modified_raw[-1]) if modified_raw else None,
        xmp_created=xmp_field("xmp:CreateDate"),
        xmp_modified=xmp_field("xmp:ModifyDate"),
        fonts_by_revision=fonts_by_revision,
    )


def pdf_structure(data: bytes, submitted_at: dt.datetime) -> list[Signal]:
    """Structure signals of a PDF upload (see the module docstring).

    Raises:
        FileTooLarge, ValueError: as :func:`read_pdf`.
    """
    facts = read_pdf(data)
    info = facts.to_dict()
    updated = facts.revisions > 1
    incremental = Signal(
        "pdf_incremental_update",
        PDF_INCREMENTAL_SCORE if updated else 0.0,
        PDF_THRESHOLD,
        ReasonCode.PDF_INCREMENTALLY_UPDATED,
        details={"revisions": facts.revisions, "linearized": facts.linearized},
    )
    editor = _names_editor(facts.producer, PDF_EDITORS) or _names_editor(facts.creator, PDF_EDITORS)
    software = Signal(
        "pdf_software",
        PDF_EDITOR_SCORE if editor else 0.0,
        PDF_THRESHOLD,
        ReasonCode.PDF_EDITED_WITH_SOFTWARE,
        details={"producer": facts.producer, "creator": facts.creator, "editor": editor},
    )
    problems: list[str] = []
    now = submitted_at.replace(tzinfo=None)
    for label, when in (("created", facts.created), ("modified", facts.modified)):
        if when is not None and when > now + CLOCK_SKEW:
            problems.append(f"{label} after submission")
    if facts.created and facts.modified and facts.modified - facts.created > PDF_MODIFIED_AFTER:
        problems.append("modified long after creation")
    for label, a, b in (
        ("creation", facts.created, facts.xmp_created),
        ("modification", facts.modified, facts.xmp_modified),
    ):
        if a is not None and b is not None and abs(a - b) > PDF_INFO_XMP_TOLERANCE:
            problems.append(f"Info and XMP {label} dates differ")
    dates = Signal(
        "pdf_dates",
        PDF_DATES_SCORE if problems else 0.0,
        PDF_THRESHOLD,
        ReasonCode.PDF_METADATA_INCONSISTENT,
        details={"problems": problems, "created": info["created"], "modified": info["modified"]},
    )
    added = [f for rev in facts.fonts_by_revision[1:] for f in rev]
    fonts = Signal(
        "pdf_fonts_added",
        PDF_FONTS_ADDED_SCORE if added else 0.0,
        PDF_THRESHOLD,
        ReasonCode.PDF_FONTS_ADDED,
        applicable=len(facts.fonts_by_revision) > 1,
        details={"addedFonts": added, "fontsByRevision": facts.fonts_by_revision},
    )
    return [incremental, software, dates, fonts]


def pdf_text_layer(data: bytes, max_pages: int = 4) -> list[str]:
    """The text layer of the first ``max_pages`` pages (pypdfium2), one string per page.

    Raises:
        FileTooLarge: over :data:`MAX_FILE_BYTES`.
        pypdfium2.PdfiumError: not a PDF pdfium can open.
    """
    import pypdfium2 as pdfium  # the only pdfium user here; imported when needed

    _check_size(data)
    pdf = pdfium.PdfDocument(data)
    try:
        out: list[str] = []
        for i in range(min(len(pdf), max_pages)):
            page = pdf[i]
            tp = page.get_textpage()
            out.append(tp.get_text_range()[:MAX_TEXT_CHARS])
            tp.close()
            page.close()
        return out
    finally:
        pdf.close()


_NUMBER = re.compile(r"\d[\d.,/\-]*\d|\d")


def _numbers(text: str) -> list[str]:
    text = text[:MAX_TEXT_CHARS]
    # OCR reads 0 as O and 1 as l or I next to digits
    text = re.sub(r"(?<=\d)[Oo]|[Oo](?=\d)", "0", text)
    text = re.sub(r"(?<=\d)[Il]|[Il](?=\d)", "1", text)
    return [re.sub(r"[.,/\-]", "", n) for n in _NUMBER.findall(text[:MAX_TEXT_CHARS])]


def compare_text_layer(text_layer: str, ocr_text: str) -> Signal:
    """Do the PDF's own text and OCR of its rendered page carry the same numbers?

    Numbers (amounts, dates, account and ID numbers) are what a forger edits;
    a number in the text layer that OCR does not see (or the reverse) means
    the visible page and the text layer disagree. Tolerates one OCR character
    substitution per number. Not applicable when either side has fewer than
    :data:`TEXT_MIN_NUMBERS` numbers (a scanned PDF has no text layer).
    """
    name, code = "pdf_text_layer", ReasonCode.PDF_TEXT_LAYER_MISMATCH
    layer = [n for n in _numbers(text_layer) if len(n) >= 2]
    seen = [n for n in _numbers(ocr_text) if len(n) >= 2]
    if len(layer) < TEXT_MIN_NUMBERS or len(seen) < TEXT_MIN_NUMBERS:
        return Signal(
            name,
            0.0,
            TEXT_THRESHOLD,
            code,
            applicable=False,
            details={"layerNumbers": len(layer), "ocrNumbers": len(seen)},
        )
    seen_set, layer_set = set(seen), set(layer)
    missing_in_ocr = sorted({n for n in layer if n not in seen_set})
    missing_in_layer = sorted({n for n in seen if n not in layer_set})
    share = (len(missing_in_ocr) + len(missing_in_layer)) / (len(layer_set) + len(seen_set))
    return Signal(
        name,
        squash(share, TEXT_MISMATCH_HALF, TEXT_MISMATCH_HIGH) if share > 0 else 0.0,
        TEXT_THRESHOLD,
        code,
        details={
            "mismatchShare": share,
            "onlyInTextLayer": missing_in_ocr[:20],
            "onlyInOcr": missing_in_layer[:20],
        },
    )

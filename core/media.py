"""What a file really is, from its bytes (never from its name or declared type).

Pure functions; the cheap checks the API runs on every upload:
the magic number (JPEG, PNG, WebP, TIFF, PDF), image dimensions read from the
header without decoding pixels (a decompression bomb is refused before it is
decoded), the file's end marker (a truncated JPEG or PNG is refused), and the
page count of a PDF.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import IO

from PIL import Image

from core.errors import InvalidDocument, UnsupportedMediaType

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/tiff")
PDF = "application/pdf"


def sniff(head: bytes) -> str | None:
    """Media type from the first bytes (at least 12), or None if not an accepted format."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head.startswith(b"%PDF-"):
        return PDF
    return None


@dataclass(frozen=True)
class Inspection:
    """What the header says."""

    media_type: str
    width: int = 0
    height: int = 0
    pages: int = 1


def inspect_file(
    stream: IO[bytes], head: bytes, tail: bytes, *, max_pixels: int, max_pages: int, field: str
) -> Inspection:
    """Check an upload without decoding its pixels. Blocking; reads ``stream`` from 0
    and leaves it at 0.

    Raises:
        UnsupportedMediaType: not JPEG, PNG, WebP, TIFF or PDF.
        InvalidDocument: truncated, corrupt header, zero-sized, too many pixels
            (code ``IMAGE_TOO_LARGE``) or too many pages (``TOO_MANY_PAGES``).
    """
    media_type = sniff(head)
    if media_type is None:
        raise UnsupportedMediaType(
            "file is not a JPEG, PNG, WebP, TIFF or PDF (judged by its content)", field=field
        )
    if media_type == PDF:
        try:
            return Inspection(PDF, pages=_pdf_pages(stream, max_pages, field))
        finally:
            stream.seek(0)
    if media_type == "image/jpeg" and not tail.rstrip(b"\x00\r\n ").endswith(b"\xff\xd9"):
        raise InvalidDocument(
            "JPEG is truncated (no end-of-image marker)", field=field, code="TRUNCATED_FILE"
        )
    if media_type == "image/png" and b"IEND" not in tail:
        raise InvalidDocument(
            "PNG is truncated (no IEND chunk)", field=field, code="TRUNCATED_FILE"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stream.seek(0)
            with Image.open(stream) as img:  # reads the header only
                width, height = img.size
    except Image.DecompressionBombError as exc:
        raise InvalidDocument(
            f"image has too many pixels: {exc}", field=field, code="IMAGE_TOO_LARGE"
        ) from exc
    except Exception as exc:  # Pillow raises many types on corrupt headers
        raise InvalidDocument(
            f"image header is corrupt: {type(exc).__name__}", field=field, code="CORRUPT_FILE"
        ) from exc
    finally:
        stream.seek(0)
    if width <= 0 or height <= 0:
        raise InvalidDocument("image has no pixels (0×0)", field=field, code="EMPTY_IMAGE")
    if width * height > max_pixels:
        raise InvalidDocument(
            f"image is {width}×{height} = {width * height} pixels; the limit is {max_pixels}",
            field=field,
            code="IMAGE_TOO_LARGE",
        )
    return Inspection(media_type, width, height)


def _pdf_pages(stream: IO[bytes], max_pages: int, field: str) -> int:
    import pypdfium2 as pdfium

    stream.seek(0)
    try:
        doc = pdfium.PdfDocument(stream.read())
    except Exception as exc:  # pdfium raises PdfiumError on anything it cannot open
        raise InvalidDocument(
            f"PDF cannot be opened: {exc}", field=field, code="CORRUPT_FILE"
        ) from exc
    try:
        pages = len(doc)
    finally:
        doc.close()
    if pages == 0:
        raise InvalidDocument("PDF has no pages", field=field, code="EMPTY_DOCUMENT")
    if pages > max_pages:
        raise InvalidDocument(
            f"PDF has {pages} pages; the limit is {max_pages}", field=field, code="TOO_MANY_PAGES"
        )
    return pages

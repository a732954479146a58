"""A minimal EXIF writer and JPEG segment surgery for the tampering set.

Real uploads carry EXIF: a phone photo names its make, model, firmware and
capture time and embeds a small JPEG thumbnail. Pillow reads EXIF but does
not write thumbnails, so this module writes the TIFF structure itself
(little-endian; IFD0, the Exif sub-IFD, IFD1 with the thumbnail) and swaps it
into a JPEG's APP1 segment without touching the compressed image data, which
is what a metadata-only edit (exiftool, a "fix date" app) does.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass

# TIFF field types
_ASCII = 2
_SHORT = 3
_LONG = 4
_UNDEFINED = 7

_SOI = b"\xff\xd8"
_APP1 = 0xE1
_SOS = 0xDA
_MAX_APP1_PAYLOAD = 65533 - 2
_EXIF_HEADER = b"Exif\x00\x00"

Entry = tuple[int, int, int, bytes]  # tag, type, count, value bytes


@dataclass(frozen=True)
class CameraExif:
    """What a capture device writes (None = tag absent)."""

    make: str | None
    model: str | None
    software: str | None
    taken: dt.datetime | None
    modified: dt.datetime | None = None
    thumbnail: bytes | None = None  # a small JPEG


def _ascii(text: str) -> tuple[int, bytes]:
    raw = text.encode("ascii", "replace") + b"\x00"
    return len(raw), raw


def _stamp(when: dt.datetime) -> str:
    return when.strftime("%Y:%m:%d %H:%M:%S")


def _ifd(entries: list[Entry], offset: int, next_ifd: int) -> bytes:
    """One IFD at ``offset`` in the TIFF, with its out-of-line values right after it."""
    entries = sorted(entries, key=lambda e: e[0])
    data_at = offset + 2 + 12 * len(entries) + 4
    head = struct.pack("<H", len(entries))
    data = b""
    for tag, typ, count, value in entries:
        if len(value) <= 4:
            head += struct.pack("<HHI", tag, typ, count) + value.ljust(4, b"\x00")
        else:
            head += struct.pack("<HHII", tag, typ, count, data_at + len(data))
            data += value + (b"\x00" if len(value) % 2 else b"")
    head += struct.pack("<I", next_ifd)
    return head + data


def _ifd_size(entries: list[Entry]) -> int:
    size = 2 + 12 * len(entries) + 4
    for _, _, _, value in entries:
        if len(value) > 4:
            size += len(value) + len(value) % 2
    return size


def build_exif(cam: CameraExif) -> bytes:
    """The APP1 payload (``Exif\\0\\0`` + TIFF) for ``cam``.

    Raises:
        ValueError: the result would not fit one APP1 segment (thumbnail too big).
    """
    ifd0: list[Entry] = [(0x0112, _SHORT, 1, struct.pack("<H", 1))]  # orientation: upright
    for tag, text in ((0x010F, cam.make), (0x0110, cam.model), (0x0131, cam.software)):
        if text:
            n, raw = _ascii(text)
            ifd0.append((tag, _ASCII, n, raw))
    if cam.modified is not None:
        n, raw = _ascii(_stamp(cam.modified))
        ifd0.append((0x0132, _ASCII, n, raw))
    exif_ifd: list[Entry] = [(0x9000, _UNDEFINED, 4, b"0232")]
    if cam.taken is not None:
        n, raw = _ascii(_stamp(cam.taken))
        exif_ifd += [(0x9003, _ASCII, n, raw), (0x9004, _ASCII, n, raw)]
    ifd0.append((0x8769, _LONG, 1, b"\x00\x00\x00\x00"))  # placeholder, size is what counts
    off0 = 8
    off_exif = off0 + _ifd_size(ifd0)
    ifd0[-1] = (0x8769, _LONG, 1, struct.pack("<I", off_exif))
    off1 = off_exif + _ifd_size(exif_ifd)
    ifd1: list[Entry] = []
    if cam.thumbnail:
        ifd1 = [
            (0x0103, _SHORT, 1, struct.pack("<H", 6)),  # compression: JPEG
            (0x0201, _LONG, 1, b"\x00" * 4),
            (0x0202, _LONG, 1, struct.pack("<I", len(cam.thumbnail))),
        ]
        thumb_at = off1 + _ifd_size(ifd1)
        ifd1[1] = (0x0201, _LONG, 1, struct.pack("<I", thumb_at))
    tiff = b"II*\x00" + struct.pack("<I", off0)
    tiff += _ifd(ifd0, off0, off1 if ifd1 else 0)
    tiff += _ifd(exif_ifd, off_exif, 0)
    if ifd1 and cam.thumbnail:
        tiff += _ifd(ifd1, off1, 0) + cam.thumbnail
    payload = _EXIF_HEADER + tiff
    if len(payload) > _MAX_APP1_PAYLOAD:
        raise ValueError(f"EXIF of {len(payload)} bytes does not fit one APP1 segment")
    return payload


def _segments(jpeg: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """Marker segments before the scan (marker, whole segment bytes) and the rest."""
    if not jpeg.startswith(_SOI):
        raise ValueError("not a JPEG (no SOI marker)")
    pos = 2
    segs: list[tuple[int, bytes]] = []
    while pos + 4 <= len(jpeg):
        if jpeg[pos] != 0xFF:
            raise ValueError(f"corrupt JPEG: expected a marker at byte {pos}")
        marker = jpeg[pos + 1]
        if marker == _SOS:
            return segs, jpeg[pos:]
        length = struct.unpack(">H", jpeg[pos + 2 : pos + 4])[0]
        segs.append((marker, jpeg[pos : pos + 2 + length]))
        pos += 2 + length
    raise ValueError("corrupt JPEG: no start-of-scan")


def exif_payload(jpeg: bytes) -> bytes | None:
    """The first ``Exif`` APP1 payload of ``jpeg`` (to copy it onto an edited image)."""
    segs, _ = _segments(jpeg)
    for marker, seg in segs:
        if marker == _APP1 and seg[4:10] == _EXIF_HEADER:
            return seg[4:]
    return None


def with_exif(jpeg: bytes, payload: bytes | None) -> bytes:
    """``jpeg`` with its EXIF replaced by ``payload`` (None: removed); image data untouched."""
    segs, rest = _segments(jpeg)
    kept = [s for m, s in segs if not (m == _APP1 and s[4:10] == _EXIF_HEADER)]
    head = b""
    if payload is not None:
        if len(payload) > _MAX_APP1_PAYLOAD:
            raise ValueError("EXIF payload too large for one APP1 segment")
        head = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return _SOI + head + b"".join(kept) + rest

"""Streaming ``multipart/form-data`` parsing with per-file limits.

Litestar's own form parsing reads the whole body into memory; uploads of up
to 10 × 15 MB must not be. This parser feeds the request stream to
``python-multipart`` chunk by chunk: each file goes to a spooled temporary
file (memory up to 1 MiB, then disk) while its SHA-256 and size are computed,
and a file that passes its limit stops the parse at once.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import IO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from core.errors import FileTooLarge, InvalidRequest, TooManyFiles

SPOOL_BYTES = 1024 * 1024
MAX_FIELD_BYTES = 64 * 1024
HEAD_BYTES = 64
TAIL_BYTES = 64


@dataclass
class UploadedFile:
    """One file part, already on disk (or in a small memory spool)."""

    field: str
    index: int
    filename: str | None
    declared_type: str | None
    spool: IO[bytes]
    size: int = 0
    sha256: str = ""
    head: bytes = b""
    tail: bytes = b""

    def close(self) -> None:
        self.spool.close()


@dataclass
class ParsedForm:
    """Text fields and files of a form; close() releases the temp files."""

    fields: dict[str, str] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)

    def content_hash(self, *extra: str) -> str:
        """What the request says, independent of its multipart framing (boundaries differ
        between retries of the same request), for Idempotency-Key comparisons."""
        h = hashlib.sha256()
        for part in extra:
            h.update(part.encode() + b"\0")
        for name in sorted(self.fields):
            h.update(f"field:{name}={self.fields[name]}".encode() + b"\0")
        for f in self.files:
            h.update(f"file:{f.field}[{f.index}]:{f.filename}:{f.sha256}".encode() + b"\0")
        return h.hexdigest()

    def close(self) -> None:
        for f in self.files:
            f.close()


class _Collector:
    """python-multipart callbacks that build a ParsedForm under limits."""

    def __init__(self, file_fields: set[str], max_files: int, max_file_bytes: int) -> None:
        self.form = ParsedForm()
        self.file_fields = file_fields
        self.max_files = max_files
        self.max_file_bytes = max_file_bytes
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._file: UploadedFile | None = None
        self._hash: hashlib._Hash | None = None
        self._field_name: str | None = None
        self._field_value = bytearray()

    def on_part_begin(self) -> None:
        self._headers = {}

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name = b""
        self._header_value = b""

    def on_headers_finished(self) -> None:
        disposition, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        if disposition != b"form-data" or b"name" not in params:
            raise InvalidRequest("multipart part without a form-data name")
        name = params[b"name"].decode("utf-8", "replace")
        filename = params.get(b"filename")
        if filename is not None or name in self.file_fields:
            if name not in self.file_fields:
                raise InvalidRequest(f"unexpected file field {name!r}", field=name)
            if len(self.form.files) >= self.max_files:
                raise TooManyFiles(f"at most {self.max_files} files per verification", field=name)
            ctype = self._headers.get(b"content-type")
            self._file = UploadedFile(
                field=name,
                index=sum(1 for f in self.form.files if f.field == name),
                filename=filename.decode("utf-8", "replace")[:255] if filename else None,
                declared_type=ctype.decode("latin-1") if ctype else None,
                spool=tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES),  # noqa: SIM115
            )
            self._hash = hashlib.sha256()
            self.form.files.append(self._file)
        else:
            self._field_name = name
            self._field_value = bytearray()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._file is not None:
            f = self._file
            f.size += len(chunk)
            if f.size > self.max_file_bytes:
                raise FileTooLarge(
                    f"file is larger than {self.max_file_bytes} bytes",
                    field=f"{f.field}[{f.index}]",
                )
            if len(f.head) < HEAD_BYTES:
                f.head += chunk[: HEAD_BYTES - len(f.head)]
            f.tail = (f.tail + chunk)[-TAIL_BYTES:]
            assert self._hash is not None
            self._hash.update(chunk)
            f.spool.write(chunk)
        else:
            self._field_value += chunk
            if len(self._field_value) > MAX_FIELD_BYTES:
                raise InvalidRequest(
                    f"form field larger than {MAX_FIELD_BYTES} bytes", field=self._field_name
                )

    def on_part_end(self) -> None:
        if self._file is not None:
            assert self._hash is not None
            self._file.sha256 = self._hash.hexdigest()
            self._file.spool.seek(0)
            self._file = None
        elif self._field_name is not None:
            self.form.fields[self._field_name] = self._field_value.decode("utf-8", "replace")
            self._field_name = None


async def parse_multipart(
    content_type: str,
    stream: AsyncIterator[bytes],
    *,
    file_fields: set[str],
    max_files: int,
    max_file_bytes: int,
) -> ParsedForm:
    """Parse a multipart body from ``stream``.

    On error, temporary files are closed and the rest of the stream is left
    for the caller to drain.

    Raises:
        InvalidRequest: not multipart, no boundary, malformed body.
        FileTooLarge, TooManyFiles: a limit was passed (the parse stops there).
    """
    ctype, params = parse_options_header(content_type.encode("latin-1"))
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise InvalidRequest("expected multipart/form-data with a boundary")
    collector = _Collector(file_fields, max_files, max_file_bytes)
    parser = MultipartParser(
        params[b"boundary"],
        callbacks={
            "on_part_begin": collector.on_part_begin,
            "on_part_data": collector.on_part_data,
            "on_part_end": collector.on_part_end,
            "on_header_field": collector.on_header_field,
            "on_header_value": collector.on_header_value,
            "on_header_end": collector.on_header_end,
            "on_headers_finished": collector.on_headers_finished,
        },
    )
    try:
        async for chunk in stream:
            parser.write(chunk)
        parser.finalize()
    except (FileTooLarge, TooManyFiles, InvalidRequest):
        collector.form.close()
        raise
    except MultipartParseError as exc:
        collector.form.close()
        raise InvalidRequest(f"malformed multipart body: {exc}") from exc
    except BaseException:
        collector.form.close()
        raise
    if collector._file is not None or collector._field_name is not None:
        collector.form.close()
        raise InvalidRequest("multipart body ended in the middle of a part")
    return collector.form

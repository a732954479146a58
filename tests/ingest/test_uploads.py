"""The streaming multipart parser and the Prefer header (pure logic)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import pytest

from core.errors import FileTooLarge, InvalidRequest, TooManyFiles
from ingest.service import Prefer
from ingest.uploads import parse_multipart

BOUNDARY = "XyZ"


def body(*parts: tuple[str, str | None, bytes]) -> bytes:
    out = b""
    for name, filename, data in parts:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disp}\r\n\r\n".encode() + data + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


async def chunks(data: bytes, size: int = 7) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def parse(data: bytes, **limits: int):  # type: ignore[no-untyped-def]
    return await parse_multipart(
        f"multipart/form-data; boundary={BOUNDARY}",
        chunks(data),
        file_fields={"documents", "selfie"},
        max_files=limits.get("max_files", 10),
        max_file_bytes=limits.get("max_file_bytes", 1000),
    )


async def test_files_and_fields_are_parsed_with_hash_and_size() -> None:
    payload = bytes(range(256)) * 3
    form = await parse(
        body(
            ("reference", None, b"abc"),
            ("documents", "a.jpg", payload),
            ("documents", "b.jpg", b"xyz"),
        )
    )
    assert form.fields == {"reference": "abc"}
    a, b = form.files
    assert (a.index, a.filename, a.size) == (0, "a.jpg", len(payload))
    assert a.sha256 == hashlib.sha256(payload).hexdigest() and a.spool.read() == payload
    assert a.head == payload[:64] and a.tail == payload[-64:]
    assert b.index == 1
    form.close()


async def test_file_over_the_limit_stops_the_parse() -> None:
    with pytest.raises(FileTooLarge) as err:
        await parse(body(("documents", "a.jpg", b"x" * 2000)), max_file_bytes=1000)
    assert err.value.field == "documents[0]"


async def test_too_many_files() -> None:
    with pytest.raises(TooManyFiles):
        await parse(body(*[("documents", f"{i}.jpg", b"x") for i in range(3)]), max_files=2)


async def test_unexpected_file_field_and_truncated_body() -> None:
    with pytest.raises(InvalidRequest, match="unexpected file field"):
        await parse(body(("passport", "p.jpg", b"x")))
    with pytest.raises(InvalidRequest):
        await parse(body(("documents", "a.jpg", b"x" * 50))[:-30])


async def test_not_multipart() -> None:
    with pytest.raises(InvalidRequest, match="multipart"):
        await parse_multipart(
            "application/json", chunks(b"{}"), file_fields=set(), max_files=1, max_file_bytes=1
        )


def test_content_hash_ignores_framing() -> None:
    # The same request sent twice has different boundaries; the hash must match.
    import asyncio

    a = asyncio.run(parse(body(("documents", "a.jpg", b"123"))))
    b = asyncio.run(parse(body(("documents", "a.jpg", b"123"))))
    c = asyncio.run(parse(body(("documents", "a.jpg", b"124"))))
    assert a.content_hash("identity") == b.content_hash("identity") != c.content_hash("identity")
    assert a.content_hash("identity") != a.content_hash("address")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, Prefer(False, None)),
        ("respond-async", Prefer(True, None)),
        ("wait=5", Prefer(False, 5.0)),
        ("respond-async, wait=100", Prefer(True, 30.0)),
        ("handling=lenient", Prefer(False, None)),
    ],
)
def test_prefer_header(header: str | None, expected: Prefer) -> None:
    assert Prefer.parse(header, max_wait_s=30) == expected


def test_prefer_wait_must_be_a_number() -> None:
    with pytest.raises(InvalidRequest):
        Prefer.parse("wait=soon", 30)

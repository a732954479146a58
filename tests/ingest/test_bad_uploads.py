"""Corrupt, huge, empty, wrong-type and malicious uploads: a 4xx problem document, nothing kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.files import (
    pdf_with_pages,
    png_bomb,
    png_header_only,
    sparse_jpeg_named_file,
)
from tests.fixtures.images import document_like, encode
from tests.fixtures.pipeline import Harness

pytestmark = pytest.mark.integration

GOOD = encode(document_like())


def _post(h: Harness, files: Any, data: dict[str, str] | None = None) -> Any:
    with h.client() as c:
        return c.post(
            "/api/v1/kyc/verify/identity",
            files=files,
            data=data or {},
            headers={"Prefer": "respond-async"},
        )


CASES: list[tuple[str, Callable[[Path], Any], int, str | None]] = [
    ("empty file", lambda _: {"documents": ("a.jpg", b"", "image/jpeg")}, 422, "EMPTY_FILE"),
    (
        "truncated JPEG",
        lambda _: {"documents": ("a.jpg", GOOD[: len(GOOD) // 2], "image/jpeg")},
        422,
        "TRUNCATED_FILE",
    ),
    (
        "text named .jpg",
        lambda _: {"documents": ("a.jpg", b"hello, I am text\n" * 20, "image/jpeg")},
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    ),
    (
        "decompression bomb",
        lambda _: {"documents": ("bomb.png", png_bomb(), "image/png")},
        422,
        "IMAGE_TOO_LARGE",
    ),
    (
        "0x0 image",
        lambda _: {"documents": ("zero.png", png_header_only(0, 0), "image/png")},
        422,
        None,
    ),
    (
        "500-page PDF",
        lambda _: {"documents": ("long.pdf", pdf_with_pages(500), "application/pdf")},
        422,
        "TOO_MANY_PAGES",
    ),
    (
        "200 MB file",
        lambda tmp: {
            "documents": (
                "huge.jpg",
                sparse_jpeg_named_file(tmp / "huge.jpg", 200 * 1024 * 1024).open("rb"),
                "image/jpeg",
            )
        },
        413,
        "FILE_TOO_LARGE",
    ),
    (
        "eleven files",
        lambda _: [("documents", (f"{i}.jpg", GOOD, "image/jpeg")) for i in range(11)],
        413,
        "TOO_MANY_FILES",
    ),
    ("no documents", lambda _: {"selfie": ("s.jpg", GOOD, "image/jpeg")}, 400, "INVALID_REQUEST"),
    ("a selfie on an address check", lambda _: None, 400, "INVALID_REQUEST"),
]


@pytest.mark.parametrize(("name", "files", "status", "code"), CASES, ids=[c[0] for c in CASES])
def test_bad_upload_is_refused_and_leaves_nothing(
    harness: Harness,
    tmp_path: Path,
    name: str,
    files: Callable[[Path], Any],
    status: int,
    code: str | None,
) -> None:
    rows, objects = harness.count("verifications"), harness.object_count()
    if name == "a selfie on an address check":
        with harness.client() as c:
            resp = c.post(
                "/api/v1/kyc/verify/address",
                files=[
                    ("documents", ("d.jpg", GOOD, "image/jpeg")),
                    ("selfie", ("s.jpg", GOOD, "image/jpeg")),
                ],
            )
    else:
        resp = _post(harness, files(tmp_path))
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert body["status"] == status and body["title"] and body["detail"]
    if code is not None:
        assert body["code"] == code
    else:
        assert body["code"] in ("EMPTY_IMAGE", "CORRUPT_FILE")
    assert "field" in body
    assert harness.count("verifications") == rows, "a refused upload left a database row"
    assert harness.object_count() == objects, "a refused upload left an object behind"


def test_unknown_category_is_a_400(harness: Harness) -> None:
    with harness.client() as c:
        resp = c.post(
            "/api/v1/kyc/verify/horoscope", files={"documents": ("d.jpg", GOOD, "image/jpeg")}
        )
    assert resp.status_code == 400
    assert resp.json()["field"] == "category"


def test_not_multipart_is_a_400(harness: Harness) -> None:
    with harness.client() as c:
        resp = c.post("/api/v1/kyc/verify/identity", json={"documents": []})
    assert resp.status_code == 400
    assert resp.json()["code"] == "INVALID_REQUEST"


def test_malformed_metadata_is_a_400(harness: Harness) -> None:
    resp = _post(harness, {"documents": ("d.jpg", GOOD, "image/jpeg")}, {"metadata": "[1, 2"})
    assert resp.status_code == 400
    assert resp.json()["field"] == "metadata"

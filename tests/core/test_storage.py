"""Object storage against the real MinIO, in this run's own bucket."""

from __future__ import annotations

import io

import pytest

from core.settings import Settings
from core.storage import ObjectNotFound, ObjectStore

pytestmark = pytest.mark.integration


def test_put_get_list_delete(isolated_settings: Settings) -> None:
    store = ObjectStore(isolated_settings.storage)
    store.put_bytes("docs/a.bin", b"alpha")
    store.put_bytes("docs/b.bin", b"bravo")
    store.put_bytes("other/c.bin", b"charlie")
    assert store.get_bytes("docs/a.bin") == b"alpha"
    assert sorted(store.list_keys("docs/")) == ["docs/a.bin", "docs/b.bin"]
    store.delete("docs/a.bin")
    with pytest.raises(ObjectNotFound):
        store.get_bytes("docs/a.bin")


def test_stream_of_unknown_length_is_uploaded_in_parts(isolated_settings: Settings) -> None:
    store = ObjectStore(isolated_settings.storage)
    payload = bytes(range(256)) * 50_000  # 12.8 MB: more than one 10 MiB part
    stored = store.put_stream("big/one.bin", io.BytesIO(payload), length=-1)
    assert stored.size == len(payload)
    assert store.get_bytes("big/one.bin") == payload


def test_ensure_bucket_is_idempotent(isolated_settings: Settings) -> None:
    store = ObjectStore(isolated_settings.storage)
    store.ensure_bucket()
    store.ensure_bucket()
    assert store.client.bucket_exists(store.bucket)

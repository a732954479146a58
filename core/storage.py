"""Object storage over the S3 API (MinIO locally; AWS S3, Ceph… by configuration).

Only S3 calls are used, so any S3-compatible endpoint works. Calls block on
network I/O; async callers run them in a thread.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, BinaryIO, cast

from minio import Minio
from minio.error import S3Error

from core.settings import StorageSettings


class StorageError(RuntimeError):
    """The object store refused or failed an operation."""


class ObjectNotFound(StorageError):
    """The object does not exist."""


@dataclass(frozen=True)
class StoredObject:
    """What a put returns."""

    bucket: str
    key: str
    size: int
    etag: str


class ObjectStore:
    """A bucket on an S3-compatible endpoint."""

    def __init__(self, settings: StorageSettings, bucket: str | None = None) -> None:
        self.settings = settings
        self.bucket = bucket or settings.bucket
        self.client = Minio(
            settings.endpoint,
            access_key=settings.access_key,
            secret_key=settings.secret_key,
            secure=settings.secure,
            region=settings.region,
        )

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist (idempotent)."""
        if not self.client.bucket_exists(self.bucket):
            try:
                self.client.make_bucket(self.bucket, location=self.settings.region)
            except S3Error as exc:
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise StorageError(f"cannot create bucket {self.bucket}: {exc}") from exc

    def put_stream(
        self,
        key: str,
        stream: IO[bytes],
        length: int = -1,
        content_type: str = "application/octet-stream",
        metadata: dict[str, str] | None = None,
    ) -> StoredObject:
        """Upload from a stream; with ``length=-1`` it is sent in 10 MiB multipart chunks."""
        part_size = 10 * 1024 * 1024 if length < 0 else 0
        result = self.client.put_object(
            self.bucket,
            key,
            cast(BinaryIO, stream),  # minio only reads from it
            length,
            content_type=content_type,
            metadata=metadata,  # type: ignore[arg-type]
            part_size=part_size,
        )
        size = length if length >= 0 else self.stat(key)
        return StoredObject(self.bucket, key, size, result.etag or "")

    def put_bytes(
        self, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> StoredObject:
        """Upload a small object held in memory."""
        return self.put_stream(key, io.BytesIO(data), len(data), content_type)

    def get_bytes(self, key: str) -> bytes:
        """Download a whole object.

        Raises:
            ObjectNotFound: no such key.
        """
        try:
            resp = self.client.get_object(self.bucket, key)
        except S3Error as exc:
            if exc.code == "NoSuchKey":
                raise ObjectNotFound(f"{self.bucket}/{key}") from exc
            raise StorageError(str(exc)) from exc
        try:
            return bytes(resp.read())
        finally:
            resp.close()
            resp.release_conn()

    def stat(self, key: str) -> int:
        """Size of an object in bytes."""
        try:
            return int(self.client.stat_object(self.bucket, key).size or 0)
        except S3Error as exc:
            if exc.code == "NoSuchKey":
                raise ObjectNotFound(f"{self.bucket}/{key}") from exc
            raise StorageError(str(exc)) from exc

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        """Keys under ``prefix``, recursively."""
        for obj in self.client.list_objects(self.bucket, prefix=prefix, recursive=True):
            yield str(obj.object_name)

    def delete(self, key: str) -> None:
        """Remove an object (no error if absent)."""
        self.client.remove_object(self.bucket, key)

    def delete_bucket(self) -> None:
        """Empty and remove the bucket (tests clean up their per-run buckets with this)."""
        for key in list(self.list_keys()):
            self.delete(key)
        self.client.remove_bucket(self.bucket)

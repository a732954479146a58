"""Which failures are worth retrying.

Transient: a dependency is down or slow (Triton, MinIO, PostgreSQL, Kafka) —
retry with backoff, first in-process, then through the delayed-retry topic.
Everything else is poison for this event (undecodable, schema-invalid, a
missing object, a bug) — straight to the dead-letter topic.
"""

from __future__ import annotations

import psycopg
from psycopg_pool import PoolTimeout
from urllib3.exceptions import HTTPError as Urllib3HTTPError

from core.inference import InferenceUnavailable
from core.storage import ObjectNotFound, StorageError


class TransientError(RuntimeError):
    """Raised by stage code to say explicitly: try again later."""


TRANSIENT: tuple[type[BaseException], ...] = (
    TransientError,
    InferenceUnavailable,
    psycopg.OperationalError,
    PoolTimeout,
    Urllib3HTTPError,
    ConnectionError,
    TimeoutError,
)


def is_transient(exc: BaseException) -> bool:
    """True when retrying later may succeed."""
    if isinstance(exc, ObjectNotFound):
        return False
    if isinstance(exc, StorageError):
        return True
    return isinstance(exc, TRANSIENT)

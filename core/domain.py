"""Words of the domain shared by the API and the pipeline."""

from __future__ import annotations

import os
import time
from enum import StrEnum

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class Category(StrEnum):
    """The verification routes (``/verify/{category}``)."""

    IDENTITY = "identity"
    ADDRESS = "address"
    INCOME = "income"
    ENTITY = "entity"
    COMPLIANCE = "compliance"
    AUTO = "auto"
    # POST /face/compare: a reference photo against a selfie (not a /verify route).
    FACE = "face"

    @property
    def verification_type(self) -> str:
        """The public ``verificationType`` (AUTO until a stage detects it)."""
        return self.value.upper()


class Status(StrEnum):
    """Lifecycle: received → processing → completed | failed."""

    RECEIVED = "received"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def terminal(self) -> bool:
        return self in (Status.COMPLETED, Status.FAILED)


class Decision(StrEnum):
    """The verdict of a completed verification."""

    APPROVED = "APPROVED"
    REVIEW = "REVIEW"
    DECLINED = "DECLINED"


def new_id(prefix: str) -> str:
    """A time-ordered id: ``prefix_`` + 10 chars of milliseconds + 16 random (Crockford base32)."""
    ms = int(time.time() * 1000)
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms << 80) | rand
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return f"{prefix}_{''.join(reversed(chars)).lower()}"

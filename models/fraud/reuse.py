"""Finding the stored pages a new page may be a re-capture of, before comparing in full.

:func:`models.fraud.hashing.hash_distance` is exact enough to decide reuse but
costs ~50 ms a pair, and the layout pHash cannot shortlist: every card of one
template has nearly the same layout. :func:`ink_vector` condenses a page's ink
map (``DocumentHash.ink``) to a unit vector of :data:`INK_SIDE` ² values whose
dot product ranks stored pages of the same type: a re-capture of the same
document comes first (on generated Omang fronts and passports, rank 0 in every
case where the full hash itself matched; see ``tests/models/fraud/test_reuse.py``),
so only the top few go to the full comparison. A brute-force dot product over
a few thousand 576-d vectors takes about a millisecond (the worker holds them in
memory: ``streams.fraud_index.DocumentVectorMirror``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import cv2
import numpy as np
import numpy.typing as npt

from models.fraud.hashing import SAME_DOCUMENT_DISTANCE, DocumentHash

INK_SIDE = 24
Vector = npt.NDArray[np.float32]


def ink_vector(h: DocumentHash) -> Vector:
    """The page's ink map at ``INK_SIDE`` x ``INK_SIDE``, centred, unit length (zeros if blank)."""
    small = cv2.resize(
        h.ink.astype(np.float32), (INK_SIDE, INK_SIDE), interpolation=cv2.INTER_AREA
    ).reshape(-1)
    small -= small.mean()
    norm = float(np.linalg.norm(small))
    return np.asarray(small / norm if norm > 0 else small, np.float32)


def shortlist(
    query: Vector,
    stored: npt.NDArray[np.float32],
    k: int,
    allowed: npt.NDArray[np.bool_] | None = None,
) -> list[int]:
    """Row indices of the ``k`` rows of ``stored`` (n x d) most similar to ``query``, best
    first; rows where ``allowed`` is False are never picked."""
    if stored.size == 0 or k <= 0:
        return []
    sims = stored @ query
    if allowed is not None:
        sims = np.where(allowed, sims, -np.inf)
    order = np.argsort(-sims, kind="stable")[:k]
    return [int(i) for i in order if np.isfinite(sims[i])]


# -- the page's values, read by OCR ---------------------------------------------------------
# Set on dev pairs (seeds 4,007,000+ / 4,008,000+: a scan against its re-capture, and
# against another person's page of the template under that re-capture; OCR as served):
# the same document overlapped 0.54-1.0 (median 1.0), another person's 0.0-0.43; where
# the ink map failed (page outline not found) the same document still overlapped 0.92-1.0.
TOKEN_MIN_DIGITS = 2
MIN_TOKENS = 3  # fewer value tokens on either page: the text is no evidence (Omang: 3-5)
TEXT_CONFIRMS = 0.5  # an ink-map match needs at least this value overlap ...
TEXT_ALONE = 0.8  # ... and this much overlap is the same document without the ink map
_LOOKALIKES = str.maketrans({"O": "0", "D": "0", "I": "1", "L": "1", "S": "5", "B": "8"})


def text_tokens(lines: Iterable[str]) -> list[int]:
    """The page's value fingerprint: a sorted list of 63-bit hashes of each distinct
    OCR token with at least :data:`TOKEN_MIN_DIGITS` digits (amounts, dates, account,
    document and phone numbers: what tells two people's pages of one template apart),
    reduced to its digits after OCR look-alike letters are read as digits. Hashes,
    not the values: the fraud tables need to compare, not to read."""
    out: set[int] = set()
    for line in lines:
        for raw in line.upper().split():
            token = "".join(c for c in raw if c.isalnum())
            if sum(c.isdigit() for c in token) < TOKEN_MIN_DIGITS:
                continue
            # The digits alone: a currency letter or a prefix OCR joins or splits off
            # ("P 12,345.00" / "P12,345.00") is not the value.
            token = "".join(c for c in token.translate(_LOOKALIKES) if c.isdigit())
            digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
            out.add(int.from_bytes(digest, "big") >> 1)
    return sorted(out)


def text_overlap(a: Sequence[int], b: Sequence[int]) -> float | None:
    """Shared value tokens over the smaller page's count; None when either page has fewer
    than :data:`MIN_TOKENS` (no evidence)."""
    if len(a) < MIN_TOKENS or len(b) < MIN_TOKENS:
        return None
    return len(set(a) & set(b)) / min(len(a), len(b))


def worth_comparing(mine: Sequence[int], theirs: Sequence[int]) -> bool:
    """Can the two pages still be one document (:func:`same_document`) whatever their ink
    maps say? False when their values are comparable and disagree: the full ink-map
    comparison (tens of ms, and the stored map fetched) is then skipped."""
    overlap = text_overlap(mine, theirs)
    return overlap is None or overlap >= TEXT_CONFIRMS


def same_document(distance: float, overlap: float | None) -> bool:
    """The decision of document reuse from the ink-map distance
    (:func:`models.fraud.hashing.hash_distance`) and the value overlap (:func:`text_overlap`):
    an ink-map match whose values agree (or cannot be compared), or values that agree
    almost entirely whatever the ink map says (its page outline may not have been found)."""
    if overlap is None:
        return distance <= SAME_DOCUMENT_DISTANCE
    return overlap >= TEXT_ALONE or (
        distance <= SAME_DOCUMENT_DISTANCE and overlap >= TEXT_CONFIRMS
    )

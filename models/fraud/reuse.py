"""Finding the stored pages a new page may be a re-capture of, before comparing in full.

:func:`models.fraud.hashing.hash_distance` is exact enough to decide reuse but
costs ~50 ms a pair, and the layout pHash cannot shortlist: every card of one
template has nearly the same layout. :func:`ink_vector` condenses a page's ink
map (``DocumentHash.ink``) to a unit vector of :data:`INK_SIDE` ² values whose
dot product ranks stored pages of the same type: a re-capture of the same
document comes first (on generated Omang fronts and passports, rank 0 in every
case where the full hash itself matched; see ``tests/models/fraud/test_reuse.py``),
so only the top few go to the full comparison. A brute-force dot product over
a few thousand 576-d vectors takes about a millisecond.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from models.fraud.hashing import DocumentHash

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


def shortlist(query: Vector, stored: list[Vector], k: int) -> list[int]:
    """Indices of the ``k`` stored vectors most similar to ``query``, best first."""
    if not stored or k <= 0:
        return []
    sims = np.stack(stored) @ query
    order = np.argsort(-sims, kind="stable")[:k]
    return [int(i) for i in order]

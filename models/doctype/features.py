"""Text features for the document classifier: hashed words, word pairs and character n-grams.

OCR text is noisy (dropped spaces, O/0, split lines), so besides whole words
the features include character 3- and 4-grams inside words, which survive a
misread letter. Features are hashed (CRC-32, stable across processes, unlike
``hash()``) into ``DIM`` buckets; each document's vector is L2-normalised
binary presence. Pure; numpy only (the Triton venv has no scipy).
"""

from __future__ import annotations

import itertools
import re
import zlib

import numpy as np
import numpy.typing as npt

from models.extract.normalise import fold as normalise

__all__ = ["DIM", "feature_indices", "normalise", "readable_chars", "tokens"]

DIM = 1 << 15
_WORD = re.compile(r"[A-Z]{2,}|[0-9]+")


def tokens(text: str) -> list[str]:
    """Words (letters, 2+) and digit runs reduced to their length class (numbers vary)."""
    out = []
    for tok in _WORD.findall(normalise(text)):
        out.append(f"#{min(len(tok), 12)}" if tok.isdigit() else tok)
    return out


def _bucket(feature: str) -> int:
    return zlib.crc32(feature.encode()) % DIM


def feature_indices(text: str) -> npt.NDArray[np.int64]:
    """Sorted unique hashed feature indices of a text (may be empty)."""
    toks = tokens(text)
    feats: set[str] = set()
    for t in toks:
        feats.add("w:" + t)
        if not t.startswith("#"):
            padded = f"^{t}$"
            for n in (3, 4):
                feats.update("c:" + padded[i : i + n] for i in range(len(padded) - n + 1))
    feats.update(f"b:{a}_{b}" for a, b in itertools.pairwise(toks))
    return np.array(sorted({_bucket(f) for f in feats}), dtype=np.int64)


def readable_chars(text: str) -> int:
    """Letters and digits in the text: too few and there is nothing to classify."""
    return sum(ch.isalnum() for ch in text)

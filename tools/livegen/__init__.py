"""Synthetic selfie liveness sessions: genuine ones from REAL face photos, and attacks.

There is no real liveness video on any package registry, so genuine sessions are
synthesised: a real photograph (:func:`tools.facedata.real_faces`, the photos whose face is
large enough for a selfie framing) is lifted onto a generic 3-D face shape through its 68
dlib landmarks and re-rendered at each frame's pose by a piecewise-affine warp
(:mod:`tools.livegen.head`), performing the challenge with human-like timing, idle sway,
spontaneous blinks, handheld camera shake, exposure drift and sensor noise
(:mod:`tools.livegen.genuine`, :mod:`tools.livegen.camera`). The attacks
(:mod:`tools.livegen.attacks`) are screen replay, print-and-photograph, still photo with
camera shake, wrong challenge order and a face change mid-session.

The main limitation: every genuine session is one of a handful of real identities (see
:func:`tools.livegen.genuine.identities`), warped; a detector tuned here is tuned on this
simulator, not on real presentation attacks.

    python -m tools.livegen --out DIR [--seed 1] [--sessions 2]   # MP4 clips + truth JSON

:func:`session` is the one entry point by kind; every result is deterministic for a seed.
"""

from __future__ import annotations

from models.liveness.challenge import Challenge
from tools.livegen.attacks import ATTACKS
from tools.livegen.camera import FPS, FRAME_SIZE, encode_mp4
from tools.livegen.genuine import Session, genuine_session, identities

__all__ = [
    "ATTACKS",
    "FPS",
    "FRAME_SIZE",
    "KINDS",
    "Session",
    "encode_mp4",
    "genuine_session",
    "identities",
    "session",
]

KINDS: tuple[str, ...] = ("genuine", *ATTACKS)


def session(kind: str, seed: int, challenge: Challenge) -> Session:
    """A generated session of ``kind`` (``"genuine"`` or a key of ``ATTACKS``) answering, or
    attacking, ``challenge``. Raises ``KeyError`` for an unknown kind. Blocking, ~1-4 s."""
    if kind == "genuine":
        return genuine_session(seed, challenge)
    return ATTACKS[kind](seed, challenge)

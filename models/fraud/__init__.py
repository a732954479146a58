"""Fraud signals for botsKYC: tampering, file forensics, repeat fraud, and the risk score.

The pure layer a pipeline stage calls (no I/O, no global state):

- ``models.fraud.tamper``: pixel forensics on an image (ELA, double JPEG,
  noise, copy-move, splice, font, portrait, screen/print recapture);
- ``models.fraud.forensics``: EXIF and PDF structure, text layer vs OCR;
- ``models.fraud.hashing``: document hashes robust to re-capture;
- ``models.fraud.search``: 1:N face-embedding index (usearch HNSW);
- ``models.fraud.score``: the versioned, explainable risk policy.

Every detector returns a :class:`Signal` (score in [0, 1], documented
threshold, reason code, regions, heat map); :func:`score` combines them.
"""

from __future__ import annotations

from models.fraud.score import RiskPolicy, RiskResult, score
from models.fraud.signal import ReasonCode, Signal

__all__ = ["ReasonCode", "RiskPolicy", "RiskResult", "Signal", "score"]

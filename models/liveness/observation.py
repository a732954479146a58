"""What one video frame shows of the face: the per-frame record every liveness check reads.

An :class:`Observation` is produced by :func:`models.liveness.session.observe` (the costly,
batchable part: detection, landmarks, embedding) and consumed by the pure checks
(:func:`models.liveness.challenge.evaluate_challenge`, :mod:`models.liveness.pad`,
:func:`models.liveness.session.decide`). It can equally be built from landmark arrays in
tests, or from another service's detections.

Conventions: ``t_ms`` is the frame's time from the start of the clip; every coordinate is
in the pixels of the frame that was observed; ``yaw`` > 0 means the face is turned towards
the image's right (see :mod:`models.face.geometry`); fields are ``None`` when no single face
was found (``faces`` != 1), and ``embedding`` is ``None`` for frames that were not embedded
(embeddings are computed for a subset of frames, for speed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Landmarks = npt.NDArray[np.float32]
Embedding = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Observation:
    """One frame's face measurements; see the module docstring for conventions."""

    t_ms: float
    faces: int
    box: tuple[int, int, int, int] | None = None
    landmarks: Landmarks | None = None
    yaw: float | None = None
    pitch: float | None = None
    roll: float | None = None
    ear: float | None = None
    iod: float | None = None
    embedding: Embedding | None = None
    sharpness: float | None = None

    @property
    def usable(self) -> bool:
        """Exactly one face with landmarks and a pose: the frame can inform every check."""
        return (
            self.faces == 1
            and self.landmarks is not None
            and self.yaw is not None
            and self.ear is not None
            and self.iod is not None
        )

    @property
    def frontal_iod(self) -> float | None:
        """Interocular distance corrected for yaw foreshortening (a turned face looks narrower).

        Distance to the camera is what "come closer" changes; dividing by cos(yaw) removes
        most of the narrowing a turn causes (capped at 60 degrees).
        """
        if self.iod is None:
            return None
        yaw = 0.0 if self.yaw is None else min(abs(self.yaw), 60.0)
        return self.iod / math.cos(math.radians(yaw))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, without the landmark array and embedding (audit-sized)."""

        def num(v: float | None, nd: int = 2) -> float | None:
            return None if v is None else round(float(v), nd)

        return {
            "tMs": num(self.t_ms, 1),
            "faces": self.faces,
            "box": None if self.box is None else list(self.box),
            "yaw": num(self.yaw),
            "pitch": num(self.pitch),
            "roll": num(self.roll),
            "ear": num(self.ear, 4),
            "iod": num(self.iod),
            "embedded": self.embedding is not None,
            "sharpness": num(self.sharpness),
        }


# A frame whose yaw is this far off the line between its neighbours' is a landmark-fit
# failure (dlib's 68-point model flips on strongly turned faces), not a head movement: a
# head turning, even fast, moves smoothly from frame to frame at 15 fps.
GLITCH_YAW_DEG = 10.0


def steady(track: Sequence[Observation]) -> list[bool]:
    """Per frame: usable, and not a glitch. A glitch's yaw is more than ``GLITCH_YAW_DEG`` off
    both the mean of its usable neighbours' (previous and next frame) and each of them."""
    out = []
    for i, o in enumerate(track):
        if not o.usable or o.yaw is None:
            out.append(False)
            continue
        near = [
            float(track[j].yaw or 0.0)
            for j in (i - 1, i + 1)
            if 0 <= j < len(track) and track[j].usable and track[j].yaw is not None
        ]
        off_line = abs(o.yaw - sum(near) / len(near)) > GLITCH_YAW_DEG if near else False
        off_all = all(abs(o.yaw - y) > GLITCH_YAW_DEG for y in near)
        out.append(not (off_line and off_all))
    return out

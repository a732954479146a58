"""Bounded decoding of a selfie clip into timed frames for the liveness checks.

Two inputs, one output (:class:`Clip`: frames at most ``MAX_FPS`` apart, each downscaled
so that its longest side is at most ``MAX_SIDE``, times in ms from the first frame):

- :func:`decode_video`: the uploaded bytes of an MP4 or WebM (or any container and codec the
  FFmpeg inside ``opencv-python-headless`` 4.10 decodes; checked: MPEG-4 Part 2 and H.264
  in MP4, VP8 and VP9 in WebM). OpenCV reads only from a path, so the bytes go to a
  private temporary file that is deleted before returning;
- :func:`frames_from_images`: (timestamp ms, BGR image) pairs, e.g. a device that uploads
  timed stills.

Limits are named constants and a violation raises :class:`VideoError` with a code:
``UNDECODABLE_VIDEO`` (not a video FFmpeg can open or decode, or over ``MAX_BYTES``),
``VIDEO_TOO_LONG`` (over ``MAX_DURATION_MS``, or more than ``MAX_DECODED_FRAMES``
frames to read), ``VIDEO_TOO_SHORT`` (under ``MIN_DURATION_MS`` or fewer than
``MIN_FRAMES`` frames after subsampling), ``NO_FRAMES`` (opens but holds no frame). Work
is bounded: decoding stops at the first frame past the duration limit.

Decoding is CPU-bound and blocking (a 3 s 640x480 clip: ~50-100 ms).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]

MAX_FPS = 15.0  # frames kept per second (liveness gestures last 100s of ms)
MAX_DURATION_MS = 10_000.0
MIN_DURATION_MS = 1_000.0
MIN_FRAMES = 8
MAX_FRAMES = int(MAX_DURATION_MS / 1000.0 * MAX_FPS) + 1
MAX_SIDE = 640  # longest side of a kept frame, px (larger frames are downscaled)
MAX_BYTES = 50 * 1024 * 1024
# A 10 s clip at 120 fps; a file claiming more frames than this is not a selfie clip.
MAX_DECODED_FRAMES = 1200
# Keep a frame when at least this share of the 1/MAX_FPS interval has passed since the
# last kept frame (jittery variable-frame-rate timestamps from browsers' MediaRecorder).
KEEP_INTERVAL_SHARE = 0.8


class VideoErrorCode(StrEnum):
    UNDECODABLE_VIDEO = "UNDECODABLE_VIDEO"
    VIDEO_TOO_LONG = "VIDEO_TOO_LONG"
    VIDEO_TOO_SHORT = "VIDEO_TOO_SHORT"
    NO_FRAMES = "NO_FRAMES"


class VideoError(Exception):
    """A clip that cannot be used, with a machine-readable ``code``."""

    def __init__(self, code: VideoErrorCode, message: str) -> None:
        super().__init__(f"{code.value}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Frame:
    t_ms: float
    image: Image


@dataclass(frozen=True)
class Clip:
    """Kept frames (in time order) and what was done to them."""

    frames: tuple[Frame, ...]
    duration_ms: float
    source_fps: float | None
    source_size: tuple[int, int]  # (width, height) before downscaling
    scale: float  # kept frame size / source size (<= 1)

    @property
    def images(self) -> list[Image]:
        return [f.image for f in self.frames]

    def to_dict(self) -> dict[str, Any]:
        return {
            "frames": len(self.frames),
            "durationMs": round(self.duration_ms, 1),
            "sourceFps": None if self.source_fps is None else round(self.source_fps, 2),
            "sourceSize": list(self.source_size),
            "scale": round(self.scale, 4),
        }


def _downscale(image: Image, max_side: int) -> tuple[Image, float]:
    h, w = image.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    if scale >= 1.0:
        return image, 1.0
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8), scale


def _as_bgr(image: npt.NDArray[Any]) -> Image:
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        raise VideoError(VideoErrorCode.UNDECODABLE_VIDEO, f"frame dtype {arr.dtype}, not uint8")
    if arr.ndim == 2:
        return np.asarray(cv2.cvtColor(arr, cv2.COLOR_GRAY2BGR), np.uint8)
    if arr.ndim == 3 and arr.shape[2] == 4:
        return np.asarray(cv2.cvtColor(arr, cv2.COLOR_BGRA2BGR), np.uint8)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise VideoError(VideoErrorCode.UNDECODABLE_VIDEO, f"frame shape {arr.shape}")
    return arr


class _Sampler:
    """Keeps frames at most MAX_FPS apart and enforces the duration limit as they come."""

    def __init__(self, max_fps: float, max_side: int, max_duration_ms: float) -> None:
        self.min_gap = KEEP_INTERVAL_SHARE * 1000.0 / max_fps
        self.max_side = max_side
        self.max_duration_ms = max_duration_ms
        self.kept: list[Frame] = []
        self.first: float | None = None
        self.last_seen: float | None = None
        self.source_size = (0, 0)
        self.scale = 1.0

    def offer(self, t_ms: float, image: Image) -> None:
        if self.first is None:
            self.first = t_ms
            self.source_size = (int(image.shape[1]), int(image.shape[0]))
        t = t_ms - self.first
        if t > self.max_duration_ms:
            raise VideoError(
                VideoErrorCode.VIDEO_TOO_LONG,
                f"longer than {self.max_duration_ms / 1000:.1f} s",
            )
        self.last_seen = t
        if self.kept and t - self.kept[-1].t_ms < self.min_gap:
            return
        small, self.scale = _downscale(_as_bgr(image), self.max_side)
        self.kept.append(Frame(t, small))

    def clip(self, source_fps: float | None, min_duration_ms: float) -> Clip:
        if not self.kept:
            raise VideoError(VideoErrorCode.NO_FRAMES, "no frame could be decoded")
        span = self.kept[-1].t_ms
        gaps = np.diff([f.t_ms for f in self.kept])
        # a clip's duration includes its last frame's display time
        duration = span + (float(np.median(gaps)) if len(gaps) else 0.0)
        if duration < min_duration_ms or len(self.kept) < MIN_FRAMES:
            raise VideoError(
                VideoErrorCode.VIDEO_TOO_SHORT,
                f"{duration / 1000:.2f} s and {len(self.kept)} frames; need "
                f"{min_duration_ms / 1000:.1f} s and {MIN_FRAMES} frames",
            )
        if duration > self.max_duration_ms:
            raise VideoError(
                VideoErrorCode.VIDEO_TOO_LONG, f"longer than {self.max_duration_ms / 1000:.1f} s"
            )
        return Clip(tuple(self.kept), duration, source_fps, self.source_size, self.scale)


def decode_video(
    data: bytes,
    *,
    max_fps: float = MAX_FPS,
    max_side: int = MAX_SIDE,
    max_duration_ms: float = MAX_DURATION_MS,
    min_duration_ms: float = MIN_DURATION_MS,
) -> Clip:
    """Decode an uploaded clip (bytes) into a bounded :class:`Clip`.

    Blocking, CPU-bound; bounded by ``MAX_DECODED_FRAMES`` reads. Raises
    :class:`VideoError` (codes in the module docstring); never leaves the temporary file
    behind.
    """
    if not data:
        raise VideoError(VideoErrorCode.UNDECODABLE_VIDEO, "empty upload")
    if len(data) > MAX_BYTES:
        raise VideoError(VideoErrorCode.UNDECODABLE_VIDEO, f"over {MAX_BYTES} bytes")
    fd, name = tempfile.mkstemp(prefix="botskyc-clip-", suffix=".bin")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return _decode_path(path, max_fps, max_side, max_duration_ms, min_duration_ms)
    finally:
        path.unlink(missing_ok=True)


def _decode_path(
    path: Path, max_fps: float, max_side: int, max_duration_ms: float, min_duration_ms: float
) -> Clip:
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    try:
        if not capture.isOpened():
            raise VideoError(VideoErrorCode.UNDECODABLE_VIDEO, "not a video FFmpeg can open")
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        source_fps = fps if 0.0 < fps < 1000.0 else None
        sampler = _Sampler(max_fps, max_side, max_duration_ms)
        index = 0
        previous_t = -1.0
        while True:
            ok, image = capture.read()
            if not ok or image is None:
                break
            index += 1
            if index > MAX_DECODED_FRAMES:
                raise VideoError(
                    VideoErrorCode.VIDEO_TOO_LONG, f"more than {MAX_DECODED_FRAMES} frames"
                )
            t = float(capture.get(cv2.CAP_PROP_POS_MSEC))
            if not np.isfinite(t) or t <= previous_t:
                # no usable timestamps: fall back to the nominal frame rate
                t = (index - 1) * 1000.0 / (source_fps or 30.0)
                t = max(t, previous_t + 1e-3)
            previous_t = t
            sampler.offer(t, np.asarray(image, np.uint8))
        return sampler.clip(source_fps, min_duration_ms)
    finally:
        capture.release()


def frames_from_images(
    frames: Sequence[tuple[float, npt.NDArray[Any]]],
    *,
    max_fps: float = MAX_FPS,
    max_side: int = MAX_SIDE,
    max_duration_ms: float = MAX_DURATION_MS,
    min_duration_ms: float = MIN_DURATION_MS,
) -> Clip:
    """Bound a list of (timestamp ms, BGR/grey/BGRA uint8 image) pairs like a decoded clip.

    Frames are sorted by time; duplicates and frames closer than the ``max_fps`` interval
    are dropped. Raises :class:`VideoError` (``NO_FRAMES`` for an empty list,
    ``UNDECODABLE_VIDEO`` for a non-image, and the duration codes).
    """
    if len(frames) > MAX_DECODED_FRAMES:
        raise VideoError(VideoErrorCode.VIDEO_TOO_LONG, f"more than {MAX_DECODED_FRAMES} frames")
    sampler = _Sampler(max_fps, max_side, max_duration_ms)
    for t, image in sorted(frames, key=lambda p: float(p[0])):
        if not np.isfinite(float(t)):
            raise VideoError(VideoErrorCode.UNDECODABLE_VIDEO, "a frame has no finite timestamp")
        sampler.offer(float(t), _as_bgr(image))
    if len(sampler.kept) > MAX_FRAMES:
        raise VideoError(VideoErrorCode.VIDEO_TOO_LONG, f"more than {MAX_FRAMES} frames kept")
    return sampler.clip(None, min_duration_ms)

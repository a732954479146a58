"""A phone's front camera, simulated: handheld shake, exposure drift, optics blur, sensor
noise, white balance; and MP4 encoding of the result.

:class:`Camera` is drawn once per session from a seeded generator and applied frame by
frame (:meth:`Camera.shoot`, ~15-30 ms of CPU a 480x640 frame), so that motion and
exposure are smooth over time. Pure numpy/OpenCV except :func:`encode_mp4`, which writes and
reads back a temporary file (OpenCV's writer needs a path) and deletes it.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]

FPS = 15.0
FRAME_SIZE = (480, 640)  # (width, height): a portrait selfie


def smooth_noise(
    rng: np.random.Generator, n: int, amplitude: float, smoothness: float = 6.0
) -> npt.NDArray[np.float64]:
    """``n`` samples of zero-mean noise, low-passed (Gaussian of ``smoothness`` samples),
    scaled so that its standard deviation is ``amplitude``."""
    raw = rng.normal(0.0, 1.0, n + int(6 * smoothness))
    k = np.exp(-0.5 * (np.arange(-3 * smoothness, 3 * smoothness + 1) / smoothness) ** 2)
    out = np.convolve(raw, k / k.sum(), mode="same")[int(3 * smoothness) : int(3 * smoothness) + n]
    sd = float(out.std()) or 1.0
    return np.asarray((out - out.mean()) / sd * amplitude, np.float64)


class Camera:
    """Per-session capture parameters; :meth:`shoot` applies them to frame ``k``."""

    def __init__(
        self,
        rng: np.random.Generator,
        n_frames: int,
        *,
        shake_px: float | None = None,
        shake_deg: float | None = None,
    ) -> None:
        self.rng = rng
        sx = rng.uniform(1.5, 4.5) if shake_px is None else shake_px
        sr = rng.uniform(0.3, 1.0) if shake_deg is None else shake_deg
        self.dx = smooth_noise(rng, n_frames, sx, rng.uniform(3, 8))
        self.dy = smooth_noise(rng, n_frames, sx, rng.uniform(3, 8))
        self.rot = smooth_noise(rng, n_frames, sr, rng.uniform(4, 10))
        self.zoom = 1.0 + smooth_noise(rng, n_frames, rng.uniform(0.003, 0.012), 8)
        self.gain = 1.0 + smooth_noise(rng, n_frames, rng.uniform(0.01, 0.05), 10)
        self.white = rng.uniform(0.93, 1.07, 3)
        self.gamma = rng.uniform(0.9, 1.1)
        self.blur = rng.uniform(0.3, 0.9)
        self.noise = rng.uniform(1.5, 3.5)

    def motion(self, k: int, size: tuple[int, int]) -> npt.NDArray[np.float64]:
        """The 2x3 similarity that the hand's motion applies to frame ``k``."""
        w, h = size
        m = cv2.getRotationMatrix2D((w / 2, h / 2), float(self.rot[k]), float(self.zoom[k]))
        m[0, 2] += self.dx[k]
        m[1, 2] += self.dy[k]
        return np.asarray(m, np.float64)

    def shoot(self, scene: Image, k: int) -> Image:
        """Frame ``k`` of the scene as this camera records it."""
        h, w = scene.shape[:2]
        m = self.motion(k, (w, h))
        img = cv2.warpAffine(
            scene, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
        )
        speed = math.hypot(self.dx[k] - self.dx[max(0, k - 1)], self.dy[k] - self.dy[max(0, k - 1)])
        if speed > 1.5:  # motion blur along the shake
            length = min(9, int(speed))
            kernel = np.zeros((length, length), np.float32)
            kernel[length // 2, :] = 1.0 / length
            angle = math.degrees(
                math.atan2(self.dy[k] - self.dy[max(0, k - 1)], self.dx[k] - self.dx[max(0, k - 1)])
            )
            rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle, 1.0)
            kernel = np.asarray(cv2.warpAffine(kernel, rot, (length, length)), np.float32)
            kernel /= max(1e-6, float(kernel.sum()))
            img = cv2.filter2D(img, -1, kernel)
        img = cv2.GaussianBlur(img, (0, 0), self.blur)
        # exposure, white balance and gamma are one tone curve per channel: a lookup table
        levels = np.arange(256, dtype=np.float64)[:, None] / 255.0
        curve = np.power(np.clip(levels * float(self.gain[k]) * self.white, 0, 1), self.gamma)
        lut = (curve * 255.0).astype(np.float32)  # (256, 3)
        f = np.empty(img.shape, np.float32)
        for c in range(3):
            f[..., c] = lut[img[..., c], c]
        # sensor noise: OpenCV's generator (3x faster than numpy's), seeded from the session's
        noise = np.empty(img.shape, np.float32)
        cv2.setRNGSeed(int(self.rng.integers(1 << 31)))
        cv2.randn(noise, np.zeros(1), np.full(1, float(self.noise)))
        f += noise
        return np.asarray(np.clip(f + 0.5, 0, 255), np.uint8)


def encode_mp4(images: Sequence[Image], fps: float = FPS, fourcc: str = "mp4v") -> bytes:
    """The frames as an MP4 (MPEG-4 Part 2, the encoder OpenCV's FFmpeg ships) or, with
    ``fourcc="VP80"``/``"VP90"``, a WebM. Raises ``RuntimeError`` if the writer fails."""
    if not images:
        raise ValueError("no frames")
    h, w = images[0].shape[:2]
    suffix = ".webm" if fourcc.startswith("VP") else ".mp4"
    fd, name = tempfile.mkstemp(prefix="livegen-", suffix=suffix)
    os.close(fd)
    path = Path(name)
    try:
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), fps, (w, h))
        if not writer.isOpened():
            raise RuntimeError(f"OpenCV cannot write {fourcc}")
        for image in images:
            writer.write(np.ascontiguousarray(image))
        writer.release()
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)

"""Passive presentation-attack detection (PAD): named signals, each a score in [0, 1]
(1 = attack-like) with a documented threshold, computed from the observation track and a
few frames' pixels.

Signals (raw measure -> score; the raw "half point" constants set where a score is 0.5):

- ``flatness`` (3-D check): a least-squares homography maps the most frontal frame's brows,
  eye corners and mouth corners (a roughly flat band of the face) onto a frame turned at
  least ``FLAT_MIN_YAW_DEG``, and predicts where the nose would be if the face were flat.
  A photo (printed or on a screen) turned in front of the camera is a plane: the homography
  explains its nose too. A real nose stands ~25 mm in front of that band and overshoots in
  the direction of the turn (parallax). Raw: that overshoot in % of the interocular
  distance per sin(yaw) (``nose_parallax``), median over the frames turned at least
  ``FLAT_MIN_YAW_DEG`` inside the turns the challenge logic finds
  (:func:`models.liveness.challenge.turn_excursions`, which drops the frames where the
  landmark fit failed: the most turned frames are the likeliest to be such failures, and a
  failed fit has no parallax), or over every frame turned that far when no turn is found;
  score = 1 / (1 + (raw / ``FLAT_HALF_PCT``)^2). Without any turned frame there is no
  evidence of depth and the score is 1. (A plain homography residual of all rigid
  landmarks separated less: dlib's shape prior puts some 3-D-like error on a flat face.)
- ``naturalMotion``: the RMS residual (% of the IOD) of one least-squares homography from
  each frame's 68 landmarks to the most frontal frame's (``homography_residual``); its
  ``MOTION_PERCENTILE``-th percentile over the frames. A still photo moved
  only by the camera (or by hand) changes the landmarks' position, never their
  configuration; a face turns, blinks and moves its mouth. Score as for flatness with
  ``MOTION_HALF_PCT``.
- ``screenMoire``: periodic texture. The 2-D spectrum of a high-passed grey (and a chroma)
  patch of the face and of the background is whitened by its local median; a screen's
  pixel grid and its moiré, and a print's halftone dots, stand out as narrow peaks.
  Raw: the largest log excess in the band ``MOIRE_BAND`` (cycles/px), away from the axes
  and the 8-px block-coding harmonics of video codecs; median over the sampled frames.
  score = raw^2 / (raw^2 + ``MOIRE_HALF``^2).
- ``screenBanding``: refresh banding (a screen's flicker seen by a rolling shutter: bright
  rows that drift from frame to frame). Raw: peak-to-median ratio of the spectrum of the
  per-row median of the log-brightness difference of consecutive frames; median over
  pairs. score = raw^2 / (raw^2 + ``BANDING_HALF``^2).

A signal passes when its score is below its threshold (``THRESHOLDS``, 0.5 for all: the
half-point constants carry the calibration). The half points were set from the raw
distributions on TRAINING seeds of :mod:`tools.livegen` (``python -m
models.liveness.calibrate``: genuine p5/p95 against the attacks' medians), never from the
evaluation seeds. On those seeds: flatness genuine >= ~20, prints ~4-11; naturalMotion
genuine >= ~6, still photos ~1-2, prints ~2-6; banding genuine <= ~6, simulated screens
~11-100; moiré genuine ~1.2-1.4, prints ~1.5-3.3, simulated screens 1.2-1.8 (an unresolved
pixel grid, blurred by the camera's optics, leaves little periodic energy: the moiré cue
catches resolved grids and halftones, not every screen).

Not built: a screen/phone border detector (straight bezel edges are hard to tell from door
frames and curtains without learning), a colour-gamut print cue, a cut-out-mask check, and
a learned combiner (each signal decides on its own; any failed signal rejects).

Pure numpy/OpenCV; :func:`texture_features` is the only part that reads pixels (a few
milliseconds per frame); :func:`signals` combines features and observations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from models.liveness.challenge import Step, neutral_yaw, turn_excursions
from models.liveness.observation import Observation, steady

Image = npt.NDArray[np.uint8]

# --- geometry -----------------------------------------------------------------------------
# brows, eye corners, mouth corners: a roughly flat band of the face
FACE_BAND = np.array([*range(17, 27), 36, 39, 42, 45, 48, 54], np.int64)
NOSE = np.arange(27, 36)
FLAT_MIN_YAW_DEG = 10.0
FLAT_HALF_PCT = 12.0  # nose parallax (% IOD per sin(yaw)) where flatness scores 0.5
MOTION_PERCENTILE = 90.0
MOTION_HALF_PCT = 4.5  # non-rigid landmark motion (% IOD) where naturalMotion scores 0.5
# --- texture ------------------------------------------------------------------------------
PATCH = 96  # px, native resolution (resampling would destroy the pixel-grid frequencies)
MOIRE_BAND = (0.1, 0.5)  # cycles per pixel
BLOCK_PERIOD = 8  # video codecs' transform block: its harmonics are excluded
MOIRE_HALF = 1.5  # log excess over the local spectral median where the score is 0.5
BANDING_PERIOD_ROWS = (8.0, 160.0)
BANDING_HALF = 13.0  # spectral peak-to-median ratio where the score is 0.5
TEXTURE_FRAMES = 6

THRESHOLDS: dict[str, float] = {
    "flatness": 0.5,
    "naturalMotion": 0.5,
    "screenMoire": 0.5,
    "screenBanding": 0.5,
}


@dataclass(frozen=True)
class Signal:
    """One PAD signal: the score (1 = attack-like), its threshold and the raw measure."""

    name: str
    score: float
    threshold: float
    raw: float | None
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.score < self.threshold

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 4),
            "threshold": self.threshold,
            "passed": self.passed,
            "raw": None if self.raw is None else round(self.raw, 4),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class TextureFeatures:
    """Per-frame pixel measures, so that :func:`signals` needs no pixels (batchable)."""

    moire: tuple[float, ...]  # per sampled frame
    banding: tuple[float, ...]  # per sampled consecutive pair


def _rising(raw: float, half: float) -> float:
    """Score that grows with an attack-like raw measure: 0.5 at ``half``."""
    return float(raw * raw / (raw * raw + half * half)) if raw > 0 else 0.0


def _falling(raw: float, half: float) -> float:
    """Score that falls as a live-like raw measure grows: 0.5 at ``half``."""
    return float(1.0 / (1.0 + (max(raw, 0.0) / half) ** 2))


# --- geometry signals ---------------------------------------------------------------------


def homography_residual(
    moving: npt.NDArray[np.floating], fixed: npt.NDArray[np.floating], scale: float
) -> float:
    """RMS distance (% of ``scale``) left after the best least-squares homography from
    ``moving`` to ``fixed`` points; 0 for a perfect fit, NaN if no homography is found."""
    h, _ = cv2.findHomography(moving.astype(np.float64), fixed.astype(np.float64), 0)
    if h is None:
        return math.nan
    mapped = cv2.perspectiveTransform(moving.reshape(-1, 1, 2).astype(np.float64), h).reshape(-1, 2)
    rms = float(np.sqrt(np.mean(np.sum((mapped - fixed) ** 2, axis=1))))
    return 100.0 * rms / scale


def _frontal(frames: list[Observation], neutral: float) -> Observation:
    # the most frontal frame, preferring open eyes (a blink is not the reference shape)
    ears = [o.ear or 0.0 for o in frames]
    top = float(np.percentile(ears, 75)) if ears else 0.0
    candidates = [o for o in frames if (o.ear or 0.0) >= 0.85 * top] or frames
    return min(candidates, key=lambda o: abs(float(o.yaw or 0.0) - neutral))


def nose_parallax(ref: Observation, turned: Observation, neutral: float) -> float | None:
    """How far the nose moved past the face plane in a turn, % of the IOD per unit sin(yaw).

    A homography fitted from the reference frame's brows, eye corners and mouth corners
    (a roughly flat band of the face) to the turned frame's predicts where the nose would be
    if the face were flat; a real nose stands ~25 mm in front of that band and, when the
    head turns, shifts further in the direction of the turn. Signed so that a real head is
    positive; divided by sin(yaw) so that small and large turns compare.
    """
    if ref.landmarks is None or turned.landmarks is None or not ref.iod:
        return None
    yaw = float(turned.yaw or 0.0) - neutral
    if abs(yaw) < FLAT_MIN_YAW_DEG:
        return None
    h, _ = cv2.findHomography(
        ref.landmarks[FACE_BAND].astype(np.float64),
        turned.landmarks[FACE_BAND].astype(np.float64),
        0,
    )
    if h is None:
        return None
    nose_ref = ref.landmarks[NOSE].reshape(-1, 1, 2).astype(np.float64)
    predicted = cv2.perspectiveTransform(nose_ref, h).reshape(-1, 2)
    shift = float(np.mean(turned.landmarks[NOSE][:, 0] - predicted[:, 0])) * math.copysign(1.0, yaw)
    return 100.0 * shift / ref.iod / math.sin(math.radians(abs(yaw)))


def flatness(track: Sequence[Observation]) -> Signal:
    ok = steady(track)
    frames = [o for o, good in zip(track, ok, strict=True) if o.usable and good]
    if len(frames) < 2:
        return Signal("flatness", 1.0, THRESHOLDS["flatness"], None, "too few frames")
    neutral = neutral_yaw(frames)
    ref = _frontal(frames, neutral)
    turned = [o for o in frames if abs(float(o.yaw or 0.0) - neutral) >= FLAT_MIN_YAW_DEG]
    if not turned:
        return Signal("flatness", 1.0, THRESHOLDS["flatness"], None, "no turned frame")
    turns = [g for e in turn_excursions(frames) for g in e.turns]

    def in_a_turn(o: Observation) -> bool:
        left = float(o.yaw or 0.0) > neutral
        return any(
            g.onset_ms <= o.t_ms <= g.end_ms and left == (g.step == Step.TURN_LEFT) for g in turns
        )

    turned = [o for o in turned if in_a_turn(o)] or turned
    values = [nose_parallax(ref, o, neutral) for o in turned]
    found = [v for v in values if v is not None and math.isfinite(v)]
    if not found:
        return Signal("flatness", 1.0, THRESHOLDS["flatness"], None, "no homography")
    raw = float(np.median(found))
    peak = max(abs(float(o.yaw or 0.0) - neutral) for o in turned)
    detail = (
        f"nose parallax {raw:.1f}% IOD per sin(yaw) over {len(found)} turned frames "
        f"(up to {peak:.0f} deg)"
    )
    return Signal("flatness", _falling(raw, FLAT_HALF_PCT), THRESHOLDS["flatness"], raw, detail)


def natural_motion(track: Sequence[Observation]) -> Signal:
    frames = [o for o in track if o.usable]
    if len(frames) < 2:
        return Signal("naturalMotion", 1.0, THRESHOLDS["naturalMotion"], None, "too few frames")
    ref = _frontal(frames, neutral_yaw(frames))
    assert ref.landmarks is not None and ref.iod is not None
    residuals = []
    for o in frames:
        if o is ref or o.landmarks is None:
            continue
        r = homography_residual(o.landmarks, ref.landmarks, ref.iod)
        if math.isfinite(r):
            residuals.append(r)
    raw = float(np.percentile(residuals, MOTION_PERCENTILE)) if residuals else 0.0
    score = _falling(raw, MOTION_HALF_PCT)
    return Signal("naturalMotion", score, THRESHOLDS["naturalMotion"], raw, f"{raw:.2f}% IOD")


# --- texture ------------------------------------------------------------------------------


def _window(n: int) -> npt.NDArray[np.float32]:
    w = np.hanning(n).astype(np.float32)
    return np.outer(w, w)


def _band_mask(n: int) -> npt.NDArray[np.bool_]:
    f = np.fft.fftshift(np.fft.fftfreq(n))
    fx, fy = np.meshgrid(f, f)
    r = np.hypot(fx, fy)
    mask = (r >= MOIRE_BAND[0]) & (r <= MOIRE_BAND[1])
    bin_width = 1.0 / n
    mask &= (np.abs(fx) > 1.5 * bin_width) & (np.abs(fy) > 1.5 * bin_width)
    for k in range(1, BLOCK_PERIOD):
        h = k / BLOCK_PERIOD
        for g in (fx, fy):
            mask &= np.abs(np.abs(g) - h) > 1.5 * bin_width
    return np.asarray(mask, np.bool_)


_MASKS: dict[int, npt.NDArray[np.bool_]] = {}


def spectral_peak(patch: npt.NDArray[np.float32]) -> float:
    """Largest log excess of the whitened high-frequency spectrum of a square patch."""
    n = patch.shape[0]
    if n not in _MASKS:
        _MASKS[n] = _band_mask(n)
    high = patch - cv2.GaussianBlur(patch, (0, 0), 2.0)
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2(high * _window(n))))
    log = np.log(spectrum + 1e-3).astype(np.float32)
    background = cv2.medianBlur(log, 5)
    excess = log - background
    return float(np.max(excess[_MASKS[n]]))


def _patches(image: Image, obs: Observation) -> list[npt.NDArray[np.float32]]:
    """Square native-resolution patches: the face's centre, and the background beside it."""
    h, w = image.shape[:2]
    n = PATCH
    out: list[npt.NDArray[np.float32]] = []
    ycc = cv2.cvtColor(image, cv2.COLOR_BGR2YCrCb).astype(np.float32)
    centres: list[tuple[int, int]] = []
    if obs.box is not None:
        x, y, bw, bh = obs.box
        centres.append((x + bw // 2, y + bh // 2))
        # background: above-beside the head, on the side with more room
        side = x - n // 2 - 4 if x > w - (x + bw) else x + bw + n // 2 + 4
        centres.append((side, max(n // 2, y)))
    else:
        centres.append((w // 2, h // 2))
    for cx, cy in centres:
        x0 = int(min(max(cx - n // 2, 0), w - n))
        y0 = int(min(max(cy - n // 2, 0), h - n))
        if x0 < 0 or y0 < 0:
            continue
        out.append(ycc[y0 : y0 + n, x0 : x0 + n, 0])
        out.append(ycc[y0 : y0 + n, x0 : x0 + n, 1])
    return out


def banding_ratio(previous: Image, current: Image) -> float:
    """Peak-to-median ratio of the row spectrum of the brightness change between frames."""
    a = np.log(cv2.cvtColor(previous, cv2.COLOR_BGR2GRAY).astype(np.float32) + 8.0)
    b = np.log(cv2.cvtColor(current, cv2.COLOR_BGR2GRAY).astype(np.float32) + 8.0)
    w = a.shape[1]
    diff = (b - a)[:, w // 10 : w - w // 10]
    profile = np.median(diff, axis=1)
    profile = profile - np.convolve(profile, np.ones(31) / 31, mode="same")
    n = len(profile)
    spectrum = np.abs(np.fft.rfft(profile * np.hanning(n)))
    freqs = np.fft.rfftfreq(n)
    band = (freqs >= 1.0 / BANDING_PERIOD_ROWS[1]) & (freqs <= 1.0 / BANDING_PERIOD_ROWS[0])
    if not band.any():
        return 0.0
    floor = float(np.median(spectrum[band])) + 1e-9
    return float(spectrum[band].max() / floor)


def texture_features(images: Sequence[Image], track: Sequence[Observation]) -> TextureFeatures:
    """Moiré and banding measures of ``TEXTURE_FRAMES`` frames spread over the clip.

    ``images[i]`` must be the frame ``track[i]`` was observed on. ~5-10 ms per frame.
    """
    n = len(images)
    if n == 0:
        return TextureFeatures((), ())
    picks = sorted({round(i) for i in np.linspace(1 if n > 1 else 0, n - 1, TEXTURE_FRAMES)})
    moire = []
    banding = []
    for i in picks:
        patches = _patches(images[i], track[i])
        if patches:
            moire.append(max(spectral_peak(p) for p in patches))
        if i > 0:
            banding.append(banding_ratio(images[i - 1], images[i]))
    return TextureFeatures(tuple(moire), tuple(banding))


def texture_signals(features: TextureFeatures) -> list[Signal]:
    moire = float(np.median(features.moire)) if features.moire else 0.0
    banding = float(np.median(features.banding)) if features.banding else 0.0
    return [
        Signal(
            "screenMoire",
            _rising(moire, MOIRE_HALF),
            THRESHOLDS["screenMoire"],
            moire,
            "periodic peaks in the face/background spectrum",
        ),
        Signal(
            "screenBanding",
            _rising(banding, BANDING_HALF),
            THRESHOLDS["screenBanding"],
            banding,
            "row-periodic flicker between frames",
        ),
    ]


def signals(track: Sequence[Observation], features: TextureFeatures) -> dict[str, Signal]:
    """Every PAD signal by name."""
    out = [flatness(track), natural_motion(track), *texture_signals(features)]
    return {s.name: s for s in out}

"""Active liveness: a server-chosen gesture sequence, and whether a clip performed it in order.

The server draws a :class:`Challenge` (:func:`new_challenge`), sends ``to_dict()`` to the
device (instruction text and a suggested time window per step), the device records the
user answering it and uploads the clip; :func:`evaluate_challenge` then checks the per-frame
observation track (:class:`~models.liveness.observation.Observation`) against it.

Left and right are the SUBJECT's own left and right. The uploaded clip is NOT mirrored (the
device may show a mirrored preview, but uploads what the front camera saw), so a subject
turning to their own left turns their nose towards the image's RIGHT: ``TURN_LEFT`` is
``yaw > 0`` in the :mod:`models.face.geometry` convention. A mirrored upload would swap the
two turns and fail every challenge that has a turn (reason ``STEP_OUT_OF_ORDER`` or
``STEP_NOT_PERFORMED``), never pass a wrong one.

Gestures (all thresholds are the named constants below):

- ``TURN_LEFT`` / ``TURN_RIGHT``: the yaw, relative to the clip's opening (neutral) yaw,
  goes beyond ``TURN_YAW_DEG`` in that direction for at least ``MIN_TURN_FRAMES`` frames;
  the measured peak is the largest relative yaw of that excursion (degrees). dlib's 68-point
  fit breaks down on strongly turned faces (beyond ~40 degrees from the camera): for a few
  frames at the peak of a turn it may read a frontal or even an opposite yaw. So a turn is
  read as an EXCURSION (:func:`turn_excursions`): frames beyond the threshold, grouped when
  less than ``TURN_BRIDGE_MS`` apart; inside a group, a stretch of the opposite sign between
  two others that the yaw jumps into or out of (by more than ``YAW_JUMP_DEG`` between
  neighbouring frames: faster than any head turns) is a fit failure and is dropped, as is
  any stretch shorter than ``MIN_TURN_FRAMES``; what is left, merged by sign, are the turns.
  A real swing from one side to the other (continuous yaw) stays two turns;
- ``BLINK``: the eye aspect ratio dips to at most ``BLINK_CLOSED_RATIO`` x the LOCAL open-eye
  EAR (the ``EAR_OPEN_PERCENTILE``-th percentile of the frames in the ``EAR_LOCAL_MS`` before
  the dip: EAR drifts with pitch, distance and the person, and a lasting change of level is
  no blink) and recovers to at least ``BLINK_OPEN_RATIO`` x it, with the eyes open before,
  all within ``BLINK_MAX_MS`` and with the yaw within ``BLINK_MAX_YAW_SPREAD_DEG`` over it;
  read only on frames within ``BLINK_MAX_YAW_DEG`` of the neutral yaw and outside turn
  excursions (a turned face's far eye, and a failed fit, narrow the EAR without any blink);
  the peak is the smallest EAR / open EAR (lower is a deeper blink);
- ``COME_CLOSER``: the yaw-corrected interocular distance, on frames within
  ``CLOSER_MAX_YAW_DEG`` of the neutral yaw and outside turn excursions, grows to
  ``CLOSER_FACTOR`` x its smallest value since the previous step; the peak is the largest
  growth factor reached.

Order: step k passes when its gesture starts after step k-1's gesture started, at least
``MIN_STEP_INTERVAL_MS`` later (a person needs that long to read and react to the next
instruction). A failed step reports ``STEP_NOT_PERFORMED`` (the gesture never happens),
``STEP_OUT_OF_ORDER`` (it happens, but only before the previous step) or ``STEP_TOO_FAST``
(it only happens within ``MIN_STEP_INTERVAL_MS`` of the previous step).

Challenge policy (:func:`new_challenge`): steps in random order, no step twice in a row,
at least one turn (the passive 3-D check in :mod:`models.liveness.pad` needs parallax),
``BLINK`` never first (people blink while settling in front of the camera, which would
answer it for free) and ``COME_CLOSER`` at most once (a second one would need the user to
back away first).

Pure functions; no I/O.
"""

from __future__ import annotations

import math
import random
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from models.liveness.observation import Observation

# --- thresholds: one place, named ---------------------------------------------------------
# Yaw beyond the neutral yaw that counts as a turn. dlib landmarks + a generic 3-D model
# read a real 30-40 degree turn as ~10-28 degrees (the far side of the face compresses,
# most when the opening pose is already turned that way); idle sway stays within ~5.
TURN_YAW_DEG = 9.0
MIN_TURN_FRAMES = 2  # a single-frame yaw spike is a landmark error, not a turn
NEUTRAL_MS = 500.0  # the neutral yaw is the median over this opening stretch of the clip
MAX_NEUTRAL_YAW_DEG = 15.0  # ...clamped to this: a clip must start roughly facing the camera
EAR_OPEN_PERCENTILE = 75.0  # open-eye EAR: this percentile of the frontal frames before
EAR_LOCAL_MS = 1000.0  # ...a frame, within this (the whole session's as a fallback)
EAR_LOCAL_MIN_FRAMES = 5  # fewer frontal frames than this before a frame: the session's
# Consecutive frames whose yaw differs by more than this (per 1/15 s) are not one head
# turning (a fast head turn is ~300-400 degrees/s, read compressed by the generic model): one
# of them is a failed landmark fit.
YAW_JUMP_DEG = 28.0
TURN_BRIDGE_MS = 250.0  # frames beyond the turn threshold this close belong to one excursion
EAR_FRONTAL_YAW_DEG = 15.0  # frames beyond this yaw do not set the open-eye EAR
# EAR at most this x open EAR: eyes (nearly) closed. dlib's 68-point model rarely closes its
# eyelid points fully on a closed eye (open ~0.25-0.35, closed ~0.12-0.25).
BLINK_CLOSED_RATIO = 0.8
BLINK_OPEN_RATIO = 0.9  # EAR at least this x open EAR: eyes open again
BLINK_MAX_MS = 800.0  # open -> closed -> open within this (longer is eyes shut, not a blink)
# Blinks are read on near-frontal frames only: on a turned face the far eye's landmarks
# are unreliable and the EAR drops without any blink.
BLINK_MAX_YAW_DEG = 12.0
# ...and while the head keeps still: a turn the generic model underestimates (a face already
# turned that way turns further) narrows the EAR without passing BLINK_MAX_YAW_DEG. The yaw
# over the blink, from the last open frame before to the first open frame after, spans at
# most this (idle sway moves it by ~1-3 degrees in that time).
BLINK_MAX_YAW_SPREAD_DEG = 5.0
CLOSER_FACTOR = 1.25  # yaw-corrected interocular distance growth for "come closer"
# ...measured on near-frontal frames only: foreshortening of a turned face is read as
# distance, and the yaw correction cannot undo it when the yaw itself is underestimated.
CLOSER_MAX_YAW_DEG = 10.0
MIN_STEP_INTERVAL_MS = 300.0  # human reaction time to read and start the next instruction
MAX_YAW_FOR_IOD_DEG = 60.0

DEFAULT_STEPS = 3
MAX_STEPS = 6
MAX_DURATION_MS = 10_000  # the device stops recording after this (see models.liveness.video)


class Step(StrEnum):
    """One gesture the user is asked to make (left/right: the subject's own)."""

    TURN_LEFT = "TURN_LEFT"
    TURN_RIGHT = "TURN_RIGHT"
    BLINK = "BLINK"
    COME_CLOSER = "COME_CLOSER"


class StepFailure(StrEnum):
    STEP_NOT_PERFORMED = "STEP_NOT_PERFORMED"
    STEP_OUT_OF_ORDER = "STEP_OUT_OF_ORDER"
    STEP_TOO_FAST = "STEP_TOO_FAST"


TURNS = frozenset({Step.TURN_LEFT, Step.TURN_RIGHT})

INSTRUCTIONS: dict[Step, str] = {
    Step.TURN_LEFT: "Slowly turn your head to your left, then look back at the camera",
    Step.TURN_RIGHT: "Slowly turn your head to your right, then look back at the camera",
    Step.BLINK: "Blink both eyes",
    Step.COME_CLOSER: "Move the phone closer to your face",
}
# Suggested time for each step on the device (ms); the clip as a whole is capped at
# MAX_DURATION_MS.
STEP_WINDOW_MS: dict[Step, int] = {
    Step.TURN_LEFT: 2500,
    Step.TURN_RIGHT: 2500,
    Step.BLINK: 1500,
    Step.COME_CLOSER: 2500,
}
# What the measured peak of each step is.
PEAK_UNIT: dict[Step, str] = {
    Step.TURN_LEFT: "degrees",
    Step.TURN_RIGHT: "degrees",
    Step.BLINK: "earRatio",
    Step.COME_CLOSER: "iodGrowth",
}

_SYSTEM_RANDOM = secrets.SystemRandom()


@dataclass(frozen=True)
class Challenge:
    """The steps to perform, in order, and a nonce that binds a clip to this challenge."""

    steps: tuple[Step, ...]
    nonce: str

    def to_dict(self) -> dict[str, Any]:
        """JSON for the device: instructions and suggested windows; left/right are the user's."""
        return {
            "nonce": self.nonce,
            "steps": [
                {
                    "step": s.value,
                    "instruction": INSTRUCTIONS[s],
                    "windowMs": STEP_WINDOW_MS[s],
                }
                for s in self.steps
            ],
            "maxDurationMs": MAX_DURATION_MS,
            "mirroredUpload": False,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Challenge:
        """Inverse of :meth:`to_dict` (only ``nonce`` and the step names are read).

        Raises ``ValueError`` for an unknown step name or an empty step list.
        """
        steps = tuple(Step(s["step"] if isinstance(s, dict) else s) for s in data["steps"])
        if not steps:
            raise ValueError("a challenge has at least one step")
        return cls(steps, str(data.get("nonce", "")))


def _allowed(steps: Sequence[Step], candidate: Step) -> bool:
    if steps and steps[-1] == candidate:
        return False
    if not steps and candidate == Step.BLINK:
        return False
    return not (candidate == Step.COME_CLOSER and Step.COME_CLOSER in steps)


def new_challenge(rng: random.Random = _SYSTEM_RANDOM, steps: int = DEFAULT_STEPS) -> Challenge:
    """Draw a challenge of ``steps`` gestures under the policy in the module docstring.

    ``rng`` defaults to the OS's CSPRNG (the server's choice must not be predictable);
    pass a seeded ``random.Random`` for reproducible test data. Raises ``ValueError`` for
    ``steps`` outside 1..``MAX_STEPS``.
    """
    if not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be 1..{MAX_STEPS}, got {steps}")
    while True:
        drawn: list[Step] = []
        for _ in range(steps):
            options = [s for s in Step if _allowed(drawn, s)]
            drawn.append(rng.choice(options))
        if any(s in TURNS for s in drawn):
            nonce = uuid.UUID(int=rng.getrandbits(128), version=4).hex
            return Challenge(tuple(drawn), nonce)


@dataclass(frozen=True)
class Gesture:
    """A gesture found in the track: when it started and ended, and its peak measure."""

    step: Step
    onset_ms: float
    end_ms: float
    peak: float


@dataclass(frozen=True)
class StepOutcome:
    """Whether one challenge step was performed, when, how strongly, and why not."""

    step: Step
    passed: bool
    t_ms: float | None
    peak: float | None
    reason: StepFailure | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step.value,
            "passed": self.passed,
            "tMs": None if self.t_ms is None else round(self.t_ms, 1),
            "peak": None if self.peak is None else round(self.peak, 3),
            "unit": PEAK_UNIT[self.step],
            "reason": None if self.reason is None else self.reason.value,
        }


def _usable(track: Sequence[Observation]) -> list[Observation]:
    return sorted((o for o in track if o.usable), key=lambda o: o.t_ms)


def neutral_yaw(track: Sequence[Observation]) -> float:
    """The clip's opening yaw: median over the first ``NEUTRAL_MS`` of usable frames, clamped.

    Generic-model head pose is biased by a few degrees per person and camera; measuring
    turns from the opening pose removes that bias.
    """
    frames = _usable(track)
    if not frames:
        return 0.0
    start = frames[0].t_ms
    yaws = [o.yaw for o in frames if o.t_ms - start <= NEUTRAL_MS and o.yaw is not None]
    value = float(np.median(yaws)) if yaws else 0.0
    return max(-MAX_NEUTRAL_YAW_DEG, min(MAX_NEUTRAL_YAW_DEG, value))


def open_ear(track: Sequence[Observation]) -> float | None:
    """The session's open-eye EAR (see ``EAR_OPEN_PERCENTILE``); None without usable frames."""
    frames = _usable(track)
    neutral = neutral_yaw(frames)
    ears = [
        o.ear
        for o in frames
        if o.ear is not None and o.yaw is not None and abs(o.yaw - neutral) <= EAR_FRONTAL_YAW_DEG
    ]
    if not ears:
        ears = [o.ear for o in frames if o.ear is not None]
    return float(np.percentile(ears, EAR_OPEN_PERCENTILE)) if ears else None


@dataclass(frozen=True)
class Excursion:
    """A stretch of the clip with the head turned beyond ``TURN_YAW_DEG`` (see the module
    docstring): its time span, fit failures included, and the turns found in it."""

    start_ms: float
    end_ms: float
    turns: tuple[Gesture, ...]


def _frame_ms(frames: Sequence[Observation]) -> float:
    gaps = np.diff([o.t_ms for o in frames])
    return float(np.median(gaps)) if len(gaps) else 1000.0 / 15.0


def turn_excursions(track: Sequence[Observation]) -> list[Excursion]:
    """Every turn excursion of the track, in time order (rules in the module docstring)."""
    frames = _usable(track)
    if not frames:
        return []
    neutral = neutral_yaw(frames)
    rel = [float(o.yaw or 0.0) - neutral for o in frames]
    step_ms = _frame_ms(frames)

    def jump(i: int, j: int) -> bool:
        """Is the yaw change between usable frames i and j too fast for a head?"""
        if not (0 <= i < len(frames) and 0 <= j < len(frames)):
            return False
        dt = max(abs(frames[j].t_ms - frames[i].t_ms), step_ms)
        return abs(rel[j] - rel[i]) > YAW_JUMP_DEG * dt / (1000.0 / 15.0)

    beyond = [i for i, r in enumerate(rel) if abs(r) >= TURN_YAW_DEG]
    groups: list[list[int]] = []
    for i in beyond:
        if groups and frames[i].t_ms - frames[groups[-1][-1]].t_ms <= TURN_BRIDGE_MS:
            groups[-1].append(i)
        else:
            groups.append([i])
    out: list[Excursion] = []
    for group in groups:
        # stretches of one sign: [sign, frame indices]
        runs: list[tuple[float, list[int]]] = []
        for i in group:
            sign = math.copysign(1.0, rel[i])
            if runs and runs[-1][0] == sign:
                runs[-1][1].append(i)
            else:
                runs.append((sign, [i]))
        # a stretch between two of the other sign, jumped into or out of, is a failed fit
        kept = []
        for k, (sign, idx) in enumerate(runs):
            inner = 0 < k < len(runs) - 1
            if inner and (jump(idx[0] - 1, idx[0]) or jump(idx[-1], idx[-1] + 1)):
                continue
            kept.append((sign, idx))
        merged = _merge_runs(kept)
        merged = _merge_runs([r for r in merged if len(r[1]) >= MIN_TURN_FRAMES])
        turns = []
        for sign, idx in merged:
            step = Step.TURN_LEFT if sign > 0 else Step.TURN_RIGHT
            peak = max(sign * rel[i] for i in idx)
            turns.append(Gesture(step, frames[idx[0]].t_ms, frames[idx[-1]].t_ms, peak))
        out.append(Excursion(frames[group[0]].t_ms, frames[group[-1]].t_ms, tuple(turns)))
    return out


def _merge_runs(runs: list[tuple[float, list[int]]]) -> list[tuple[float, list[int]]]:
    out: list[tuple[float, list[int]]] = []
    for sign, idx in runs:
        if out and out[-1][0] == sign:
            out[-1] = (sign, out[-1][1] + idx)
        else:
            out.append((sign, list(idx)))
    return out


def _blinks(frames: list[Observation], fallback: float | None) -> list[Gesture]:
    """Blinks in ``frames`` (the blink-eligible frames, in time order): dips of the EAR
    against the open-eye EAR of the frames just before (``fallback``, the session's, where
    too few frames come before), back up to that level within ``BLINK_MAX_MS``."""
    if fallback is None or fallback <= 0:
        return []
    times = np.array([o.t_ms for o in frames], float)
    ears = np.array([float(o.ear or 0.0) for o in frames], float)
    yaws = np.array([float(o.yaw or 0.0) for o in frames], float)

    def open_before(i: int) -> float:
        window = (times < times[i]) & (times >= times[i] - EAR_LOCAL_MS)
        if window.sum() < EAR_LOCAL_MIN_FRAMES:
            return fallback
        return float(np.percentile(ears[window], EAR_OPEN_PERCENTILE))

    found: list[Gesture] = []
    i = 0
    while i < len(frames):
        base = open_before(i)
        if base <= 0 or ears[i] / base > BLINK_CLOSED_RATIO:
            i += 1
            continue
        # closed (or closing) from i to j-1, against the open level before the dip
        ratio = ears / base
        j = i
        while j < len(frames) and ratio[j] < BLINK_OPEN_RATIO:
            j += 1
        opened = [k for k in range(i) if ratio[k] >= BLINK_OPEN_RATIO]
        if opened and j < len(frames):
            k0 = opened[-1]
            quick = times[j] - times[k0] <= BLINK_MAX_MS
            still = float(np.ptp(yaws[k0 : j + 1])) <= BLINK_MAX_YAW_SPREAD_DEG
            if quick and still:
                peak = float(ratio[i:j].min())
                found.append(Gesture(Step.BLINK, float(times[i]), float(times[j - 1]), peak))
                i = j
                continue
        i += 1
    return found


def gestures(track: Sequence[Observation]) -> list[Gesture]:
    """Every turn and blink in the track, by onset (``COME_CLOSER`` depends on the step
    before it, see :func:`evaluate_challenge`)."""
    frames = _usable(track)
    neutral = neutral_yaw(frames)
    excursions = turn_excursions(frames)
    turns = [g for e in excursions for g in e.turns]
    eligible = [
        o
        for o in frames
        if abs(float(o.yaw or 0.0) - neutral) <= BLINK_MAX_YAW_DEG
        and not in_excursion(o.t_ms, excursions)
    ]
    found = turns + _blinks(eligible, open_ear(frames))
    return sorted(found, key=lambda g: g.onset_ms)


def in_excursion(t_ms: float, excursions: Sequence[Excursion]) -> bool:
    """Is ``t_ms`` inside one of ``excursions`` (fit failures included)?"""
    return any(e.start_ms <= t_ms <= e.end_ms for e in excursions)


def _closer(
    frames: list[Observation], since_ms: float, excursions: Sequence[Excursion] = ()
) -> list[Gesture]:
    """``COME_CLOSER`` gestures after ``since_ms``: growth from the running minimum (frames in
    a turn excursion do not count: a failed fit there can read frontal with a narrow face)."""
    found: list[Gesture] = []
    smallest = math.inf
    onset: float | None = None
    peak = 0.0
    neutral = neutral_yaw(frames)
    for o in frames:
        if o.t_ms < since_ms or abs(float(o.yaw or 0.0) - neutral) > CLOSER_MAX_YAW_DEG:
            continue
        if in_excursion(o.t_ms, excursions):
            continue
        iod = o.frontal_iod
        if iod is None or iod <= 0:
            continue
        if onset is None:
            smallest = min(smallest, iod)
            if iod >= CLOSER_FACTOR * smallest:
                onset, peak = o.t_ms, iod / smallest
        else:
            peak = max(peak, iod / smallest)
    if onset is not None:
        found.append(Gesture(Step.COME_CLOSER, onset, onset, peak))
    return found


def evaluate_challenge(challenge: Challenge, track: Sequence[Observation]) -> list[StepOutcome]:
    """Each step's outcome, in challenge order (rules in the module docstring).

    ``track`` is the clip's observations in any order (sorted by ``t_ms`` here); frames
    without exactly one face are ignored. After a failed step the next step is searched
    from the same point, so each failure is reported on its own.
    """
    frames = _usable(track)
    found = gestures(frames)
    excursions = turn_excursions(frames)
    outcomes: list[StepOutcome] = []
    cursor = -math.inf
    for step in challenge.steps:
        if step == Step.COME_CLOSER:
            # growth is measured from the smallest distance since the previous step started
            after = _closer(frames, cursor, excursions)
            anywhere = _closer(frames, -math.inf, excursions)
        else:
            anywhere = [g for g in found if g.step == step]
            after = [g for g in anywhere if g.onset_ms > cursor]
        timely = [g for g in after if g.onset_ms - cursor >= MIN_STEP_INTERVAL_MS]
        if timely:
            g = timely[0]
            outcomes.append(StepOutcome(step, True, g.onset_ms, g.peak, None))
            cursor = g.onset_ms
            continue
        if after:
            reason = StepFailure.STEP_TOO_FAST
            g = after[0]
        elif anywhere:
            reason = StepFailure.STEP_OUT_OF_ORDER
            g = anywhere[-1]
        else:
            outcomes.append(StepOutcome(step, False, None, None, StepFailure.STEP_NOT_PERFORMED))
            continue
        outcomes.append(StepOutcome(step, False, g.onset_ms, g.peak, reason))
    return outcomes

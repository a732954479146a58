"""One liveness assessment of a selfie clip: observe every frame, then decide.

Split in two so that the costly part can run elsewhere (batched through Triton later):

- :func:`observe` / :func:`observe_clip` (models, CPU-bound): per frame, the face detector
  on a copy scaled to ``DETECT_LONG_SIDE``, 68 landmarks at full resolution, head pose, eye
  aspect ratio, interocular distance, sharpness; the detector runs on every
  ``DETECT_EVERY``-th frame and the landmarks follow the face in between, fitted in the
  previous frame's box, or the one the detector would give (at most ``MAX_TRACKED_FRAMES``
  in a row without a detection, also when the detector misses a turned face); embeddings
  only for ``EMBED_FRAMES`` frames spread over the clip (the reference frame among them)
  plus the frames either side of an abrupt change of face shape (a face swapped between two
  frames), and one more to confirm a lone embedding that reads as another person;
- :func:`decide` (pure): identity continuity, the challenge
  (:func:`models.liveness.challenge.evaluate_challenge`) and the PAD signals
  (:mod:`models.liveness.pad`) into a :class:`LivenessAssessment`.

Reason codes: ``NO_FACE`` (more than ``MAX_NO_FACE_SHARE`` of the frames without a face, or
none at all), ``MULTIPLE_FACES`` (another face in at least ``MIN_MULTI_FACE_FRAMES``
frames), ``FACE_CHANGED`` (at least ``MIN_CHANGED_FRAMES`` embedded frames further than
``FACE_CHANGED_DISTANCE`` from the reference frame: a lone far frame gets a second frame
embedded to confirm it, see :func:`confirmation_frames`), ``CHALLENGE_FAILED`` plus each
failed step's reason, and one code per failed PAD signal (``PAD_CODES``). The session is
live only with no reason at all.

``confidence`` (0-100): from the signals' margins. Each signal's score s with threshold t
maps to an attack-likeness p = s / (2t) below the threshold and 0.5 + (s - t) / (2(1 - t))
above it; confidence = 100 x (1 - max p) when every check passes (so >= 50), and at most
49 otherwise (lowered further by each failed step).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from models.face.compare import ANCHOR_DISTANCE
from models.face.detect import Face, FaceModels
from models.face.geometry import eye_aspect_ratio, head_pose, interocular_distance
from models.liveness import pad
from models.liveness.challenge import (
    TURN_YAW_DEG,
    Challenge,
    StepOutcome,
    evaluate_challenge,
    in_excursion,
    neutral_yaw,
    turn_excursions,
)
from models.liveness.observation import Observation, steady
from models.liveness.video import Clip, Frame

Image = npt.NDArray[np.uint8]

DETECT_LONG_SIDE = 420  # px; faces in a selfie are >= ~120 px there (the detector needs 80)
DETECT_EVERY = 2  # the detector runs on every other frame; the landmarks follow in between
# Frames in a row followed without the detector finding the face (it misses faces turned
# beyond ~30 degrees): a turn lasts well under this; a face gone for longer is lost.
MAX_TRACKED_FRAMES = 12
BOX_SIDE = 1.04  # detector box side / landmarks' height
BOX_RISE = 0.16  # detector box centre above the landmarks' centre / their height
OTHER_FACE_MIN_SCORE = 0.3  # a second detection counts as a person only above this margin
EMBED_FRAMES = 3
EMBED_MAX_YAW_DEG = 20.0
EMBED_MIN_EAR_SHARE = 0.85
MAX_SHAPE_JUMP_EMBEDS = 1
SHAPE_JUMP = 0.12  # aligned landmark change between usable neighbours, share of the IOD
FACE_CHANGED_DISTANCE = ANCHOR_DISTANCE  # dlib: same person below 0.6
# An identity change must show on this many embedded frames: one far embedding alone is
# usually a poor landmark fit; a swapped face reads as another person on every frame.
MIN_CHANGED_FRAMES = 2
# Frames between a lone far frame and the one that confirms it: poor fits come in runs of
# up to ~6 frames on tuning seeds; a swapped face covers ~20 frames or more.
CONFIRM_MIN_GAP = 8
MAX_NO_FACE_SHARE = 0.2
MIN_MULTI_FACE_FRAMES = 2
AUDIT_FRAMES = 5
REFERENCE_MAX_YAW_DEG = 10.0


class Status(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


PAD_CODES: dict[str, str] = {
    "flatness": "FLAT_FACE",
    "naturalMotion": "NO_NATURAL_MOTION",
    "screenMoire": "SCREEN_PATTERN",
    "screenBanding": "SCREEN_FLICKER",
}


@dataclass(frozen=True)
class LivenessAssessment:
    status: Status
    is_live: bool
    confidence: int
    signals: dict[str, pad.Signal]
    steps: list[StepOutcome]
    reasons: list[str]
    reference_frame: int | None
    audit_frames: list[int]
    frames: int
    face_distance: float | None  # largest embedding distance from the reference frame
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "isLive": self.is_live,
            "confidence": self.confidence,
            "signals": {k: v.to_dict() for k, v in self.signals.items()},
            "steps": [s.to_dict() for s in self.steps],
            "reasons": list(self.reasons),
            "referenceFrame": self.reference_frame,
            "auditFrames": list(self.audit_frames),
            "frames": self.frames,
            "faceDistance": None if self.face_distance is None else round(self.face_distance, 4),
            "timingsMs": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }


# --- observation (costly) -----------------------------------------------------------------


def _sharpness(image: Image, box: tuple[int, int, int, int]) -> float:
    x, y, w, h = box
    h_img, w_img = image.shape[:2]
    crop = image[max(0, y) : min(h_img, y + h), max(0, x) : min(w_img, x + w)]
    if crop.size == 0:
        return 0.0
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_32F).var())


def _box_of(landmarks: npt.NDArray[np.float32]) -> tuple[int, int, int, int]:
    """The box dlib's detector would give for these landmarks, to fit the next frame's in.

    The shape predictor was trained on the detector's boxes: square, ``BOX_SIDE`` x the
    landmarks' height (brows to chin: unlike their width, it does not shrink in a turn),
    centred on them and ``BOX_RISE`` x that height higher (measured on generated clips,
    median over ~300 detections). A box of another shape or place (e.g. the landmarks' own
    extent) skews the fit, and the skew feeds back frame after frame.
    """
    x0, y0 = landmarks.min(0)
    x1, y1 = landmarks.max(0)
    height = float(y1 - y0)
    side = max(1.0, BOX_SIDE * height)
    cx = float(x0 + x1) / 2
    cy = float(y0 + y1) / 2 - BOX_RISE * height
    return (round(cx - side / 2), round(cy - side / 2), round(side), round(side))


def _measure(
    image: Image,
    t_ms: float,
    faces: int,
    box: tuple[int, int, int, int],
    landmarks: npt.NDArray[np.float32],
    models: FaceModels | None,
    embed: bool,
) -> Observation:
    h, w = image.shape[:2]
    pose = head_pose(landmarks, (w, h))
    embedding = None
    if embed and models is not None:
        embedding = models.embed(image, Face(box, 1.0, landmarks))
    return Observation(
        t_ms=t_ms,
        faces=faces,
        box=box,
        landmarks=landmarks,
        yaw=pose.yaw,
        pitch=pose.pitch,
        roll=pose.roll,
        ear=eye_aspect_ratio(landmarks),
        iod=interocular_distance(landmarks),
        embedding=embedding,
        sharpness=_sharpness(image, box),
    )


def observe(
    image: Image,
    models: FaceModels,
    *,
    t_ms: float = 0.0,
    embed: bool = False,
    track_box: tuple[int, int, int, int] | None = None,
) -> Observation:
    """One frame's :class:`Observation`.

    With ``track_box`` the detector is skipped and the landmarks are fitted inside that
    box (the face found in an earlier frame); otherwise the detector runs on a copy scaled
    to ``DETECT_LONG_SIDE``. Faces beyond the largest count only above
    ``OTHER_FACE_MIN_SCORE``. Blocking: ~20-40 ms with detection, ~3 ms tracked, +20-40 ms
    with ``embed``.
    """
    if track_box is not None:
        landmarks = models.landmarks(image, track_box)
        return _measure(image, t_ms, 1, _box_of(landmarks), landmarks, models, embed)
    h, w = image.shape[:2]
    scale = min(1.0, DETECT_LONG_SIDE / max(h, w))
    small = image
    if scale < 1.0:
        small = np.asarray(
            cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA),
            np.uint8,
        )
    found = models.detect(small, upsample=0)
    if not found:
        return Observation(t_ms=t_ms, faces=0)
    count = 1 + sum(1 for f in found[1:] if f.score >= OTHER_FACE_MIN_SCORE)
    x, y, bw, bh = found[0].box
    box = (round(x / scale), round(y / scale), round(bw / scale), round(bh / scale))
    landmarks = models.landmarks(image, box)
    return _measure(image, t_ms, count, box, landmarks, models, embed)


def _aligned_change(a: Observation, b: Observation) -> float:
    """Landmark change between two frames after the best similarity, share of the IOD."""
    if a.landmarks is None or b.landmarks is None or not a.iod:
        return 0.0
    m, _ = cv2.estimateAffinePartial2D(b.landmarks, a.landmarks)
    if m is None:
        return math.inf
    mapped = b.landmarks @ m[:, :2].T + m[:, 2]
    return float(np.sqrt(np.mean(np.sum((mapped - a.landmarks) ** 2, axis=1))) / a.iod)


def failed_fits(track: Sequence[Observation]) -> list[bool]:
    """Per frame: inside a turn excursion yet reading (nearly) frontal, i.e. the landmark fit
    failed on the turned face (:func:`models.liveness.challenge.turn_excursions`), so its
    face chip is no face at all. (Frames of a long excursion that do read turned, e.g.
    another face with another rest pose after a swap, are not flagged.)"""
    excursions = turn_excursions(track)
    neutral = neutral_yaw(track)
    return [
        o.yaw is not None
        and in_excursion(o.t_ms, excursions)
        and abs(o.yaw - neutral) < TURN_YAW_DEG
        for o in track
    ]


def _embedding_stretches(track: Sequence[Observation]) -> list[tuple[list[int], list[int]]]:
    """The usable frames cut into ``EMBED_FRAMES`` stretches of time, each with its
    candidates for an embedding: steady (no landmark glitch), eyes-open frames within
    ``EMBED_MAX_YAW_DEG`` of the neutral yaw and not failed fits inside a turn."""
    usable = [i for i, o in enumerate(track) if o.usable]
    if not usable:
        return []
    neutral = neutral_yaw(track)
    ok = [good and not bad for good, bad in zip(steady(track), failed_fits(track), strict=True)]
    out = []
    for part in np.array_split(np.array(usable), min(EMBED_FRAMES, len(usable))):
        frames = [int(i) for i in part]
        # "eyes open" within the stretch: another person's eyes may be narrower or wider
        ears = [float(track[i].ear or 0.0) for i in frames]
        open_ear = float(np.percentile(ears, 75)) if ears else 0.0
        inside = [
            i
            for i in frames
            if ok[i]
            and abs(float(track[i].yaw or 0.0) - neutral) <= EMBED_MAX_YAW_DEG
            and float(track[i].ear or 0.0) >= EMBED_MIN_EAR_SHARE * open_ear
        ]
        out.append((frames, inside))
    return out


def embedding_frames(track: Sequence[Observation]) -> list[int]:
    """Which frames to embed. Candidates (:func:`_embedding_stretches`) are steady, eyes-open,
    near-frontal frames that are no failed fit inside a turn (an embedding of a strongly
    turned or blinking face, or of a failed landmark fit, drifts towards "another person").
    The clip is cut into ``EMBED_FRAMES`` stretches of time and the most frontal candidate
    of each is embedded (so every part of the clip is checked, also one where a different,
    slightly turned face took over; the reference frame stands for its own stretch), plus the
    nearest candidates either side of the ``MAX_SHAPE_JUMP_EMBEDS`` most abrupt face-shape
    changes. Each embedding costs ~0.1 s of CPU: the count is what the identity check costs.
    (:func:`confirmation_frames` adds frames where one of these reads as another person.)"""
    stretches = _embedding_stretches(track)
    if not stretches:
        return []
    neutral = neutral_yaw(track)

    def off(i: int) -> float:
        return abs(float(track[i].yaw or 0.0) - neutral)

    ref = reference_frame(track)
    chosen: set[int] = set()
    if ref is not None:
        chosen.add(ref)
    candidates = [i for _, inside in stretches for i in inside]
    for frames, inside in stretches:
        if inside and (ref is None or ref not in frames):
            chosen.add(min(inside, key=off))  # (the reference stands for its own stretch)
    usable = [i for i, o in enumerate(track) if o.usable]
    jumps = []
    for a, b in itertools.pairwise(usable):
        change = _aligned_change(track[a], track[b])
        if change > SHAPE_JUMP:
            jumps.append((change, a, b))
    for _, a, b in sorted(jumps, reverse=True)[:MAX_SHAPE_JUMP_EMBEDS]:
        before = [i for i in candidates if i <= a]
        after = [i for i in candidates if i >= b]
        if before:
            chosen.add(before[-1])
        if after:
            chosen.add(after[0])
    return sorted(chosen)


def _reference_distances(track: Sequence[Observation], reference: int | None) -> dict[int, float]:
    """Embedding distance of every embedded frame (but the reference) from the reference."""
    if reference is None or track[reference].embedding is None:
        return {}
    ref_vec = track[reference].embedding
    assert ref_vec is not None
    return {
        i: float(np.linalg.norm(o.embedding - ref_vec))
        for i, o in enumerate(track)
        if o.embedding is not None and i != reference
    }


def confirmation_frames(track: Sequence[Observation]) -> list[int]:
    """Frames to embed to confirm (or not) an identity change that one embedded frame alone
    shows: one embedding over ``FACE_CHANGED_DISTANCE`` from the reference is often a poor
    landmark fit on a few frames in a row (a turned or tracked face), while a face swapped
    for the rest (or the start) of the clip reads as another person on every frame after
    (or before) the swap, half the clip, turned or not. For such a lone far frame f: the
    steady frame (no glitch, no failed fit inside a turn; turned or not, as the swapped face
    may rest at another yaw) not yet embedded nearest to f but at least ``CONFIRM_MIN_GAP``
    frames from it (past a run of poor fits), on f's side of the reference (further from the
    reference first, on a tie). Nothing when two or more embedded frames are far already, or
    none is. (Tuning seeds 0-99: 7 genuine sessions had one far frame, each cleared by its
    confirming frame; 98 of 100 face swaps were flagged before and after.)"""
    reference = reference_frame(track)
    distances = _reference_distances(track, reference)
    far = [i for i, d in distances.items() if d > FACE_CHANGED_DISTANCE]
    if len(far) != 1 or reference is None:
        return []
    f = far[0]
    side = 1 if f > reference else -1
    ok = [good and not bad for good, bad in zip(steady(track), failed_fits(track), strict=True)]
    candidates = [
        i
        for i, o in enumerate(track)
        if ok[i]
        and o.embedding is None
        and abs(i - f) >= CONFIRM_MIN_GAP
        and (i - reference) * side > 0
    ]
    if not candidates:
        return []
    return [min(candidates, key=lambda i: (abs(i - f), (f - i) * side))]


def identity_change(
    track: Sequence[Observation], reference: int | None
) -> tuple[float | None, bool]:
    """The largest embedding distance from the reference frame, and whether the face changed:
    at least ``MIN_CHANGED_FRAMES`` embedded frames further than ``FACE_CHANGED_DISTANCE``
    from the reference (one alone is too often a poor landmark fit; see
    :func:`confirmation_frames`, which embeds a second frame to check it)."""
    distances = _reference_distances(track, reference)
    if reference is None or track[reference].embedding is None:
        return None, False
    distance = max(distances.values(), default=0.0)
    far = sum(1 for d in distances.values() if d > FACE_CHANGED_DISTANCE)
    return distance, far >= MIN_CHANGED_FRAMES


def observe_clip(frames: Sequence[Frame], models: FaceModels) -> list[Observation]:
    """Observations of every frame (detect, track, then embed the frames that matter).

    The detector runs on every ``DETECT_EVERY``-th frame (and on any frame after the face
    was lost); in between, and when the detector misses a face it had found (a turn), the
    landmarks are fitted in the previous frame's box (the detector's, or the one
    :func:`_box_of` gives for its landmarks), for at most ``MAX_TRACKED_FRAMES`` frames since
    the detector last saw the face (then the frame has no face). Blocking; a 3 s clip at
    15 fps: ~0.8-1.4 s of CPU (24 detections, 47 landmark fits, 3-7 embeddings).
    """
    out: list[Observation] = []
    since_detected = 0
    for k, frame in enumerate(frames):
        previous = out[-1] if out else None
        can_track = (
            previous is not None
            and previous.faces >= 1
            and previous.landmarks is not None
            and since_detected < MAX_TRACKED_FRAMES
        )
        if can_track and k % DETECT_EVERY != 0:
            assert previous is not None and previous.box is not None
            box = previous.box
            obs = observe(frame.image, models, t_ms=frame.t_ms, track_box=box)
            obs = replace(obs, faces=previous.faces)
            since_detected += 1
        else:
            obs = observe(frame.image, models, t_ms=frame.t_ms)
            if obs.faces >= 1:
                since_detected = 0
            elif can_track:
                # the frontal detector loses turned faces: follow the face from the last frame
                assert previous is not None and previous.box is not None
                box = previous.box
                obs = observe(frame.image, models, t_ms=frame.t_ms, track_box=box)
                obs = replace(obs, faces=previous.faces)
                since_detected += 1
        out.append(obs)
    for pick in (embedding_frames, confirmation_frames):
        for i in pick(out):
            o = out[i]
            assert o.box is not None and o.landmarks is not None
            vector = models.embed(frames[i].image, Face(o.box, 1.0, o.landmarks))
            out[i] = replace(o, embedding=vector)
    return out


# --- decision (pure) ----------------------------------------------------------------------


def reference_frame(track: Sequence[Observation]) -> int | None:
    """The best frame for a face match: near-frontal, eyes open, sharpest (among steady
    frames that are no failed fit inside a turn: see
    :func:`models.liveness.observation.steady` and :func:`failed_fits`)."""
    ok = [good and not bad for good, bad in zip(steady(track), failed_fits(track), strict=True)]
    usable = [i for i, o in enumerate(track) if o.usable and ok[i]] or [
        i for i, o in enumerate(track) if o.usable
    ]
    if not usable:
        return None
    neutral = neutral_yaw(track)
    ears = [float(track[i].ear or 0.0) for i in usable]
    open_ear = float(np.percentile(ears, 75))
    good = [
        i
        for i in usable
        if abs(float(track[i].yaw or 0.0) - neutral) <= REFERENCE_MAX_YAW_DEG
        and float(track[i].ear or 0.0) >= 0.9 * open_ear
    ] or usable
    return max(good, key=lambda i: float(track[i].sharpness or 0.0))


def audit_frames(track: Sequence[Observation], reference: int | None) -> list[int]:
    """Up to ``AUDIT_FRAMES`` frame indices spread over the session (with the reference)."""
    n = len(track)
    if n == 0:
        return []
    picks = {round(x) for x in np.linspace(0, n - 1, AUDIT_FRAMES)}
    if reference is not None:
        picks.add(reference)
    return sorted(picks)[: AUDIT_FRAMES + 1]


def _attack_likeness(s: pad.Signal) -> float:
    t = s.threshold
    if s.score < t:
        return s.score / (2 * t)
    return 0.5 + (s.score - t) / (2 * (1 - t)) if t < 1 else 1.0


def decide(
    track: Sequence[Observation],
    frames_or_features: Sequence[Frame] | Sequence[Image] | pad.TextureFeatures,
    challenge: Challenge,
) -> LivenessAssessment:
    """The assessment from observations and the frames' pixels (or their texture features).

    Pure: no model runs here. ``frames_or_features`` is the frames the track was observed
    on (``Frame`` or plain images, same order) or :func:`pad.texture_features` of them.
    """
    if isinstance(frames_or_features, pad.TextureFeatures):
        features = frames_or_features
    else:
        images = [f.image if isinstance(f, Frame) else f for f in frames_or_features]
        features = pad.texture_features(images, track)
    reasons: list[str] = []
    n = len(track)
    with_face = [o for o in track if o.faces >= 1]
    if not with_face or (n - len(with_face)) > MAX_NO_FACE_SHARE * n:
        reasons.append("NO_FACE")
    if sum(1 for o in track if o.faces >= 2) >= MIN_MULTI_FACE_FRAMES:
        reasons.append("MULTIPLE_FACES")
    reference = reference_frame(track)
    distance, changed = identity_change(track, reference)
    if changed:
        reasons.append("FACE_CHANGED")
    steps = evaluate_challenge(challenge, track)
    failed_steps = [s for s in steps if not s.passed]
    if failed_steps:
        reasons.append("CHALLENGE_FAILED")
        for s in failed_steps:
            assert s.reason is not None
            code = s.reason.value
            if code not in reasons:
                reasons.append(code)
    sigs = pad.signals(track, features)
    for name, sig in sigs.items():
        if not sig.passed:
            reasons.append(PAD_CODES[name])
    live = not reasons
    worst = max((_attack_likeness(s) for s in sigs.values()), default=0.0)
    confidence = round(100 * (1 - worst))
    if not live:
        step_share = 1 - len(failed_steps) / max(1, len(steps))
        confidence = min(confidence, 49, round(49 * step_share) if failed_steps else 49)
    return LivenessAssessment(
        status=Status.SUCCEEDED if live else Status.FAILED,
        is_live=live,
        confidence=int(max(0, min(100, confidence))),
        signals=sigs,
        steps=steps,
        reasons=reasons,
        reference_frame=reference,
        audit_frames=audit_frames(track, reference),
        frames=n,
        face_distance=distance,
    )


def assess(
    frames: Clip | Sequence[Frame], challenge: Challenge, models: FaceModels
) -> LivenessAssessment:
    """Observe and decide in one call (blocking; ~1-3 s for a 3 s clip on one core)."""
    items = list(frames.frames) if isinstance(frames, Clip) else list(frames)
    t0 = time.perf_counter()
    track = observe_clip(items, models)
    t1 = time.perf_counter()
    result = decide(track, items, challenge)
    t2 = time.perf_counter()
    return replace(result, timings_ms={"observe": (t1 - t0) * 1000, "decide": (t2 - t1) * 1000})

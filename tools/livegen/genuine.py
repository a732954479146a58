"""Genuine selfie sessions: a real face photo, posed in 3-D, performing a challenge.

:func:`genuine_session` draws everything from one seed: which real photo (from
:func:`tools.facedata.real_faces`, optionally mirrored), the selfie framing, human-like
timing of each gesture (:func:`choreograph`), idle sway, spontaneous blinks, and the
phone camera (:class:`~tools.livegen.camera.Camera`). Frames are rendered by
:class:`~tools.livegen.head.Head` at ``FPS`` for about 3 s (2.5-4 s: the clip lasts as long
as the gestures take).

Gesture truths (the head model's pose, not a measurement): a turn aims at
``TURN_PEAK_DEG`` degrees of yaw from the CAMERA's axis (TURN_LEFT = yaw > 0, the nose
towards the image's right: the subject's own left in an unmirrored front-camera clip). Some
source photos are not frontal (their subject looks 10-20 degrees to one side), and the head
model takes the photo as its rest pose: a person who already looks that way turns less to
reach the target, and one turning the other way more; the rotation from the rest pose is
kept within ``TURN_RELATIVE_DEG`` (at least a clear turn, at most what the head model
renders well). Before this, a turn of 30-40 degrees was added to the photo's own yaw
(60 degrees from the camera for the most turned photo: no selfie user does that, and the
renders were distorted). A blink closes the lids to
``BLINK_DEPTH``; coming closer shortens the camera distance to ``CLOSER_DISTANCE_SHARE``.
Deterministic for a given seed (same frames, byte for byte, on one machine).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from models.face.detect import FaceModels
from models.face.geometry import head_pose
from models.liveness.challenge import TURNS, Challenge, Step
from models.liveness.video import Frame
from tools.livegen.camera import FPS, FRAME_SIZE, Camera, smooth_noise
from tools.livegen.head import CAMERA_DISTANCE_MM, Head, Pose

Image = npt.NDArray[np.uint8]

TURN_PEAK_DEG = (30.0, 40.0)
TURN_RELATIVE_DEG = (25.0, 40.0)  # bounds of the rotation from the photo's own pose
TURN_RISE_MS = (220.0, 330.0)
TURN_HOLD_MS = (80.0, 220.0)
BLINK_DEPTH = (0.75, 0.95)
BLINK_CLOSE_MS = (70.0, 110.0)
BLINK_HOLD_MS = (60.0, 140.0)
BLINK_OPEN_MS = (110.0, 180.0)
CLOSER_MS = (550.0, 850.0)
CLOSER_DISTANCE_SHARE = (0.66, 0.74)  # of the starting distance: IOD grows 1.35-1.5x
GAP_MS = (200.0, 380.0)
PRE_ROLL_MS = (300.0, 600.0)
POST_ROLL_MS = (200.0, 400.0)
SPONTANEOUS_BLINK_P = 0.3
SWAY_DEG = (0.6, 1.8)
FACE_WIDTH_PX = (175.0, 230.0)  # face box width in the 480 px wide frame
MIN_SOURCE_FACE_PX = 80


@dataclass(frozen=True)
class Session:
    """One generated clip and its ground truth.

    ``kind`` is ``"genuine"`` or the attack's name; ``performed`` is what the clip's
    subject actually did (for an attack imitating gestures, what it imitated);
    ``identities`` has two names when the face changes mid-session; ``truth`` is the
    head model's pose per frame (empty where there is no head model, e.g. a still photo).
    """

    kind: str
    seed: int
    challenge: Challenge
    performed: tuple[Step, ...]
    frames: tuple[Frame, ...]
    identities: tuple[str, ...]
    photo_ids: tuple[str, ...]
    truth: tuple[Pose, ...] = ()
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def is_attack(self) -> bool:
        return self.kind != "genuine"

    @property
    def images(self) -> list[Image]:
        return [f.image for f in self.frames]


@dataclass(frozen=True)
class Photo:
    identity: str
    photo_id: str
    image: Image
    box: tuple[int, int, int, int]  # the face dlib finds in it


@cache
def photos() -> tuple[Photo, ...]:
    """The real photos a session can start from (fetched once into the data cache): those
    whose face is at least ``MIN_SOURCE_FACE_PX`` wide (a selfie framing of a smaller face
    would be a blurry >3x enlargement no phone camera produces)."""
    from tools.facedata import real_faces

    out = []
    for p in real_faces():
        found = face_models().detect(p.image_bgr, upsample=1)
        if found and found[0].box[2] >= MIN_SOURCE_FACE_PX:
            out.append(Photo(p.identity, p.photo_id, p.image_bgr, found[0].box))
    return tuple(out)


@cache
def face_models() -> FaceModels:
    return FaceModels.load()


def identities() -> list[str]:
    return sorted({p.identity for p in photos()})


def pick_photo(rng: np.random.Generator, identity: str | None = None) -> Photo:
    pool = [p for p in photos() if identity is None or p.identity == identity]
    if not pool:
        raise ValueError(f"no photo of {identity!r}")
    return pool[int(rng.integers(len(pool)))]


def selfie_frame(photo: Photo, rng: np.random.Generator) -> tuple[Image, npt.NDArray[np.float32]]:
    """The photo reframed like a selfie (face ~40% of the width), maybe mirrored, and the
    68 landmarks dlib finds in it. Raises ``RuntimeError`` if no face is found."""
    models = face_models()
    x, y, w, h = photo.box
    flip = bool(rng.random() < 0.5)
    width, height = FRAME_SIZE
    s = rng.uniform(*FACE_WIDTH_PX) / w
    cx, cy = x + w / 2, y + h / 2
    tx = width / 2 + rng.uniform(-20, 20)
    ty = height * rng.uniform(0.38, 0.46)
    m = np.array([[s, 0, tx - s * cx], [0, s, ty - s * cy]], np.float32)
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
    img = np.asarray(
        cv2.warpAffine(
            photo.image, m, (width, height), flags=interp, borderMode=cv2.BORDER_REFLECT
        ),
        np.uint8,
    )
    if flip:
        img = np.ascontiguousarray(img[:, ::-1])
    found = models.detect(img, upsample=0) or models.detect(img, upsample=1)
    if not found:
        raise RuntimeError(f"no face in the selfie framing of {photo.photo_id}")
    return np.asarray(img, np.uint8), found[0].landmarks


def rest_yaw(landmarks: npt.NDArray[np.floating]) -> float:
    """The yaw (degrees from the camera's axis) of a selfie framing's face, as the generic
    head-pose model reads it from its 68 landmarks."""
    return float(head_pose(np.asarray(landmarks, np.float64), FRAME_SIZE).yaw)


def _smoothstep(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    x = np.clip(x, 0.0, 1.0)
    return np.asarray(x * x * (3 - 2 * x), np.float64)


def _bump(
    t: npt.NDArray[np.float64], start: float, rise: float, hold: float, fall: float
) -> npt.NDArray[np.float64]:
    up = _smoothstep((t - start) / rise)
    down = 1.0 - _smoothstep((t - start - rise - hold) / fall)
    return np.asarray(np.minimum(up, down), np.float64)


@dataclass(frozen=True)
class Choreography:
    """Per-frame poses of a performance and when each gesture started (ms)."""

    times: tuple[float, ...]
    poses: tuple[Pose, ...]
    onsets: tuple[tuple[Step, float], ...]


def choreograph(
    steps: Sequence[Step],
    rng: np.random.Generator,
    *,
    spontaneous_blinks: bool = True,
    start_yaw: float = 0.0,
) -> Choreography:
    """Human-like timing of ``steps`` performed in order (constants in the module docstring).

    ``start_yaw``: the rest pose's own yaw from the camera's axis (degrees, e.g. of a photo
    whose subject looks aside); turns aim at ``TURN_PEAK_DEG`` from the camera's axis, their
    rotation from the rest pose bounded by ``TURN_RELATIVE_DEG``.
    """

    def u(span: tuple[float, float]) -> float:
        return float(rng.uniform(*span))

    t = u(PRE_ROLL_MS)
    # (what, start ms, rise/duration ms, hold ms, fall ms, amplitude)
    gestures: list[tuple[str, float, float, float, float, float]] = []
    onsets: list[tuple[Step, float]] = []
    for step in steps:
        onsets.append((step, t))
        if step in TURNS:
            sign = 1.0 if step == Step.TURN_LEFT else -1.0
            target, rise, hold, fall = (
                u(TURN_PEAK_DEG),
                u(TURN_RISE_MS),
                u(TURN_HOLD_MS),
                u(TURN_RISE_MS),
            )
            peak = min(max(target - sign * start_yaw, TURN_RELATIVE_DEG[0]), TURN_RELATIVE_DEG[1])
            gestures.append(("yaw", t, rise, hold, fall, sign * peak))
            t += rise + hold + fall
        elif step == Step.BLINK:
            depth, close, hold, reopen = (
                u(BLINK_DEPTH),
                u(BLINK_CLOSE_MS),
                u(BLINK_HOLD_MS),
                u(BLINK_OPEN_MS),
            )
            gestures.append(("closure", t, close, hold, reopen, depth))
            t += close + hold + reopen
        else:
            duration, share = u(CLOSER_MS), u(CLOSER_DISTANCE_SHARE)
            gestures.append(
                ("distance", t, duration, 0.0, 0.0, -(1.0 - share) * CAMERA_DISTANCE_MM)
            )
            t += duration
        t += u(GAP_MS)
    end = t - float(np.mean(GAP_MS)) + u(POST_ROLL_MS)
    n = math.floor(end / 1000.0 * FPS) + 1
    times = np.arange(n) / FPS * 1000.0
    yaw = np.zeros(n)
    closure = np.zeros(n)
    distance = np.full(n, CAMERA_DISTANCE_MM)
    for what, start, rise, hold, fall, amplitude in gestures:
        if what == "yaw":
            yaw += amplitude * _bump(times, start, rise, hold, fall)
        elif what == "closure":
            closure = np.maximum(closure, amplitude * _bump(times, start, rise, hold, fall))
        else:
            distance += amplitude * _smoothstep((times - start) / rise)
    if spontaneous_blinks and rng.random() < SPONTANEOUS_BLINK_P:
        start = float(rng.uniform(0, times[-1]))
        closure = np.maximum(closure, rng.uniform(0.7, 1.0) * _bump(times, start, 70, 50, 120))
    sway = rng.uniform(*SWAY_DEG)
    yaw += smooth_noise(rng, n, sway, 8)
    pitch = smooth_noise(rng, n, sway, 8)
    roll = smooth_noise(rng, n, sway, 10)
    distance += smooth_noise(rng, n, 4.0, 10)
    poses = tuple(
        Pose(float(yaw[k]), float(pitch[k]), float(roll[k]), float(distance[k]), float(closure[k]))
        for k in range(n)
    )
    return Choreography(tuple(float(x) for x in times), poses, tuple(onsets))


def render_performance(head: Head, choreography: Choreography, camera: Camera) -> tuple[Frame, ...]:
    frames = []
    for k, (t, pose) in enumerate(zip(choreography.times, choreography.poses, strict=True)):
        image, _ = head.render(pose)
        frames.append(Frame(t, camera.shoot(image, k)))
    return tuple(frames)


def genuine_session(
    seed: int,
    challenge: Challenge,
    *,
    identity: str | None = None,
    performed: Sequence[Step] | None = None,
    kind: str = "genuine",
) -> Session:
    """A live person (a real photo, posed in 3-D) answering ``challenge``.

    ``performed`` overrides what is performed (the wrong-order attack); ``identity``
    restricts the photo to one person. Blocking, ~1-2 s (rendering ~45 frames).
    """
    rng = np.random.default_rng([seed, 1])
    photo = pick_photo(rng, identity)
    image, landmarks = selfie_frame(photo, rng)
    head = Head(image, landmarks)
    steps = tuple(challenge.steps if performed is None else performed)
    choreo = choreograph(steps, rng, start_yaw=rest_yaw(landmarks))
    camera = Camera(rng, len(choreo.times))
    frames = render_performance(head, choreo, camera)
    return Session(
        kind=kind,
        seed=seed,
        challenge=challenge,
        performed=steps,
        frames=frames,
        identities=(photo.identity,),
        photo_ids=(photo.photo_id,),
        truth=choreo.poses,
        notes={"onsets": [(s.value, round(t, 1)) for s, t in choreo.onsets]},
    )


def render_two(
    first: Photo, second: Photo, steps: Sequence[Step], rng: np.random.Generator
) -> tuple[tuple[Frame, ...], tuple[Pose, ...]]:
    """One performance of ``steps``: ``first``'s face for the first half, then ``second``'s."""
    heads = []
    for photo in (first, second):
        image, landmarks = selfie_frame(photo, rng)
        heads.append(Head(image, landmarks))
    choreo = choreograph(steps, rng, start_yaw=rest_yaw(heads[0].landmarks))
    camera = Camera(rng, len(choreo.times))
    half = choreo.times[-1] / 2
    frames = []
    for k, (t, pose) in enumerate(zip(choreo.times, choreo.poses, strict=True)):
        image, _ = heads[0 if t < half else 1].render(pose)
        frames.append(Frame(t, camera.shoot(image, k)))
    return tuple(frames), choreo.poses

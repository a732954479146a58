"""Presentation attacks on the selfie liveness check, made from the same real photos.

Each attack is a function of a seed and the session's challenge (and, where the attack
replays something, a genuine :class:`~tools.livegen.genuine.Session`) that returns a
:class:`~tools.livegen.genuine.Session` with ``kind`` set to its name (see ``ATTACKS``):

- ``screen_replay``: a genuine clip that answers the challenge correctly (a recording or a
  real-time puppet) played on a phone or monitor and filmed: the picture is resampled onto
  the screen's pixel grid of RGB sub-pixel stripes (so the camera aliases it into moiré),
  with the screen's gamma, colour cast and lower contrast, a visible bezel on one to
  three sides, refresh banding (rolling-shutter flicker: bright rows drifting over time)
  and a tilted screen plane;
- ``print_attack``: the frontal selfie printed with a CMY clustered-dot halftone on toned
  paper, with white margins, then held up and moved as a rigid plane to imitate the
  challenge: turned about its vertical axis for a turn, brought closer, nothing for a blink
  (a photo cannot blink);
- ``still_photo``: the frontal selfie with nothing but camera shake (a photo injected or
  held still in front of the camera);
- ``wrong_order``: a genuine clip performing another permutation of the challenge's steps
  (a recording made for another challenge);
- ``face_swap``: a genuine performance whose face changes to another real identity halfway
  (two people taking turns, or a face swap switched on mid-session).

The attacker's camera is the same simulated phone camera as in genuine sessions.
Deterministic for a given seed. These are simulations of attack artefacts described in the
PAD literature, not recordings of real attacks: a detector tuned on them is tuned on this
simulator.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import cv2
import numpy as np
import numpy.typing as npt

from models.liveness.challenge import Challenge, Step
from models.liveness.video import Frame
from tools.livegen.camera import FRAME_SIZE, Camera
from tools.livegen.genuine import (
    Session,
    choreograph,
    genuine_session,
    identities,
    photos,
    pick_photo,
    render_two,
    selfie_frame,
)
from tools.livegen.head import CAMERA_DISTANCE_MM

Image = npt.NDArray[np.uint8]

# Lens blur and pixel integration of the attacker's camera, in camera pixels (sigma).
OPTICS_SIGMA = 0.5
# --- screens ------------------------------------------------------------------------------
SUBPIXELS = 3  # each screen pixel is drawn as 3x3 render pixels: R, G, B columns
SCREEN_PX_PER_CAMERA_PX = (0.35, 0.9)  # screen pixels per camera pixel (pitch vs camera)
SCREEN_FILL = (0.82, 0.98)  # share of the frame width the lit picture covers
SCREEN_GAMMA = (0.8, 1.25)
SCREEN_CONTRAST = (0.75, 0.92)
BANDING_AMPLITUDE = (0.03, 0.08)
BANDING_PERIOD_ROWS = (18.0, 90.0)
SCREEN_TILT_DEG = (0.0, 12.0)
# --- prints -------------------------------------------------------------------------------
PRINT_SCALE = 2  # the print is rendered at this many dots per selfie pixel
HALFTONE_CELL = (4.0, 7.0)  # halftone cell in print pixels
HALFTONE_ANGLES = (15.0, 75.0, 0.0)  # cyan, magenta, yellow screen angles (degrees)
PAPER_TONE = ((232, 240, 246), (214, 228, 238))  # BGR range of the paper's white
PRINT_FILL = (0.85, 1.05)  # the printed picture's width as a share of the frame width
PRINT_MARGIN = 0.06  # white paper margin around the picture, share of its width
# --- still photos -------------------------------------------------------------------------
STILL_SHAKE_PX = (2.0, 7.0)


def _background(rng: np.random.Generator) -> Image:
    """A blurred room-like backdrop: an enlarged, defocused crop of a real photo."""
    photo = photos()[int(rng.integers(len(photos())))].image
    w, h = FRAME_SIZE
    big = cv2.resize(photo, (w * 2, h * 2), interpolation=cv2.INTER_LINEAR)
    x = int(rng.integers(0, w))
    y = int(rng.integers(0, h))
    crop = big[y : y + h, x : x + w]
    return np.asarray(cv2.GaussianBlur(crop, (0, 0), float(rng.uniform(4, 9))), np.uint8)


def _plane_homography(
    size: tuple[float, float],
    picture_px: float,
    yaw: float,
    pitch: float,
    roll: float,
    distance_share: float,
    centre: tuple[float, float],
) -> npt.NDArray[np.float64]:
    """Homography from a flat sheet (pixel coordinates, ``size`` = (w, h)) to the camera
    frame: the sheet's centre at ``centre`` and ``picture_px`` wide when facing the camera
    at the rest distance, then rotated (degrees) about its centre and moved to
    ``distance_share`` of the rest distance."""
    w, h = size
    focal = float(FRAME_SIZE[0])  # the camera: f = image width (as models.face.geometry)
    rest = focal * w / picture_px  # distance, in sheet pixels, at which it looks picture_px
    y, p, r = (math.radians(a) for a in (yaw, pitch, roll))
    ry = np.array([[math.cos(y), 0, -math.sin(y)], [0, 1, 0], [math.sin(y), 0, math.cos(y)]])
    rx = np.array([[1, 0, 0], [0, math.cos(p), math.sin(p)], [0, -math.sin(p), math.cos(p)]])
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    rot = ry @ rx @ rz
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64)
    xyz = np.concatenate([corners - [w / 2, h / 2], np.zeros((4, 1))], axis=1) @ rot.T
    z = rest * distance_share + xyz[:, 2]
    cx, cy = centre
    proj = np.stack([cx + focal * xyz[:, 0] / z, cy + focal * xyz[:, 1] / z], axis=1)
    return np.asarray(
        cv2.getPerspectiveTransform(corners.astype(np.float32), proj.astype(np.float32)),
        np.float64,
    )


def _composite(sheet: Image, homography: npt.NDArray[np.float64], backdrop: Image) -> Image:
    """The sheet seen through ``homography`` over the backdrop. The sheet is first blurred
    as the camera's lens and pixel area would (``OPTICS_SIGMA`` camera pixels, in sheet
    pixels), so that detail finer than a camera pixel is attenuated before it is sampled,
    as in a real camera, instead of aliasing at full contrast."""
    w, h = FRAME_SIZE
    centre = np.array([[[sheet.shape[1] / 2, sheet.shape[0] / 2]]], np.float64)
    probe = np.concatenate([centre, np.add(centre, (1.0, 0.0)), np.add(centre, (0.0, 1.0))], axis=1)
    mapped = cv2.perspectiveTransform(probe, homography)[0]
    (ax, ay), (bx, by) = mapped[1] - mapped[0], mapped[2] - mapped[0]
    camera_px_per_sheet_px = math.sqrt(abs(float(ax * by - ay * bx)))
    sigma = OPTICS_SIGMA / max(camera_px_per_sheet_px, 1e-3)
    if sigma > 0.3:
        sheet = np.asarray(cv2.GaussianBlur(sheet, (0, 0), sigma), np.uint8)
    warped = cv2.warpPerspective(sheet, homography, (w, h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(
        np.full(sheet.shape[:2], 255, np.uint8), homography, (w, h), flags=cv2.INTER_LINEAR
    )
    a = (mask.astype(np.float32) / 255.0)[..., None]
    return np.asarray(warped * a + backdrop * (1 - a), np.uint8)


# --- screen replay ------------------------------------------------------------------------


def _screen_pixels(
    image: Image, screen_w: int, gamma: float, contrast: float, cast: npt.NDArray[np.float32]
) -> Image:
    """The picture as a screen lights it: resampled to ``screen_w`` pixels, tone-mapped,
    each pixel drawn as R, G, B sub-pixel columns with a dark gap row."""
    h, w = image.shape[:2]
    screen_h = round(screen_w * h / w)
    px = (
        cv2.resize(image, (screen_w, screen_h), interpolation=cv2.INTER_AREA).astype(np.float32)
        / 255.0
    )
    px = (np.power(px, gamma) * contrast + (1 - contrast) * 0.12) * cast
    big = np.repeat(np.repeat(px, SUBPIXELS, axis=0), SUBPIXELS, axis=1)
    mask = np.zeros((SUBPIXELS, SUBPIXELS, 3), np.float32)
    for c, channel in enumerate((2, 1, 0)):  # R, G, B columns in BGR order
        mask[:, c, channel] = 1.0
    mask[SUBPIXELS - 1, :, :] *= 0.35  # the black matrix between pixel rows
    tiled = np.tile(mask, (screen_h, screen_w, 1))
    # sub-pixels are 3x as bright as a full pixel would be to keep the mean luminance
    return np.asarray(np.clip(big * tiled * 3.4 * 255.0, 0, 255), np.uint8)


def screen_replay(genuine: Session, seed: int) -> Session:
    """``genuine`` filmed off a screen (see the module docstring). Blocking, ~2-4 s."""
    rng = np.random.default_rng([seed, 2])
    w, h = FRAME_SIZE
    fill = rng.uniform(*SCREEN_FILL)
    screen_w = round(fill * w * rng.uniform(*SCREEN_PX_PER_CAMERA_PX))
    gamma = rng.uniform(*SCREEN_GAMMA)
    contrast = rng.uniform(*SCREEN_CONTRAST)
    cast = np.array(rng.uniform(0.9, 1.08, 3), np.float32)
    cast[0] = max(cast[0], cast[2])  # screens run blue
    bezel = rng.uniform(0.04, 0.12)
    backdrop = _background(rng)
    tilt = rng.uniform(*SCREEN_TILT_DEG) * rng.choice([-1.0, 1.0])
    tilt_axis = bool(rng.random() < 0.5)
    centre = (w / 2 + rng.uniform(-40, 40), h / 2 + rng.uniform(-40, 40))
    period = rng.uniform(*BANDING_PERIOD_ROWS)
    amplitude = rng.uniform(*BANDING_AMPLITUDE)
    drift = rng.uniform(0.15, 0.45) * rng.choice([-1.0, 1.0])  # band periods per frame
    camera = Camera(rng, len(genuine.frames))
    frames = []
    rows = np.arange(h, dtype=np.float32)[:, None, None]
    for k, frame in enumerate(genuine.frames):
        lit = _screen_pixels(frame.image, screen_w, gamma, contrast, cast)
        lw = lit.shape[1]
        pad = round(bezel * lw)
        device = np.asarray(
            cv2.copyMakeBorder(lit, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(18, 18, 20)),
            np.uint8,
        )
        homography = _plane_homography(
            (device.shape[1], device.shape[0]),
            fill * w * device.shape[1] / lw,
            tilt if tilt_axis else 0.0,
            0.0 if tilt_axis else tilt,
            0.0,
            1.0,
            centre,
        )
        scene = _composite(device, homography, backdrop).astype(np.float32)
        band = 1.0 + amplitude * np.sin(2 * math.pi * (rows / period + drift * k))
        scene = np.clip(scene * band, 0, 255).astype(np.uint8)
        frames.append(Frame(frame.t_ms, camera.shoot(scene, k)))
    return Session(
        kind="screen_replay",
        seed=seed,
        challenge=genuine.challenge,
        performed=genuine.performed,
        frames=tuple(frames),
        identities=genuine.identities,
        photo_ids=genuine.photo_ids,
        truth=genuine.truth,
        notes={
            "screenPixels": screen_w,
            "bezel": round(bezel, 3),
            "bandingPeriod": round(period, 1),
        },
    )


# --- print --------------------------------------------------------------------------------


def halftone(image: Image, cell: float, rng: np.random.Generator) -> Image:
    """A CMY clustered-dot halftone of ``image`` on toned paper (print pixels = image px)."""
    h, w = image.shape[:2]
    f = image.astype(np.float32) / 255.0
    cmy = 1.0 - f[..., ::-1]  # BGR -> RGB -> CMY coverage
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    paper = np.array(rng.uniform(PAPER_TONE[1], PAPER_TONE[0]), np.float32) / 255.0
    # ink colours (BGR reflectance of each ink on white): imperfect, low-gamut pigments
    inks = np.array([[0.95, 0.7, 0.15], [0.55, 0.2, 0.9], [0.15, 0.9, 0.95]], np.float32)
    out = np.ones((h, w, 3), np.float32) * paper
    for channel, angle in enumerate(HALFTONE_ANGLES):
        a = math.radians(angle + rng.uniform(-2, 2))
        u = (xs * math.cos(a) + ys * math.sin(a)) / cell
        v = (-xs * math.sin(a) + ys * math.cos(a)) / cell
        # dot function in [0, 1]: low at cell centres; ink where coverage exceeds it
        spot = 0.5 - 0.25 * (np.cos(2 * math.pi * u) + np.cos(2 * math.pi * v))
        ink = (cmy[..., channel] * 1.05 > spot).astype(np.float32)
        ink = cv2.GaussianBlur(ink, (0, 0), 0.6)  # dot gain
        out *= 1.0 - ink[..., None] * (1.0 - inks[channel])
    texture = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 1.5)
    out *= (1.0 + 0.03 * texture)[..., None]
    return np.clip(out * 255.0, 0, 255).astype(np.uint8)


def print_attack(seed: int, challenge: Challenge, identity: str | None = None) -> Session:
    """A printed selfie moved to imitate ``challenge`` (see the module docstring). ~2-3 s."""
    rng = np.random.default_rng([seed, 3])
    photo = pick_photo(rng, identity)
    image, _ = selfie_frame(photo, rng)
    w, h = FRAME_SIZE
    big = np.asarray(
        cv2.resize(image, (w * PRINT_SCALE, h * PRINT_SCALE), interpolation=cv2.INTER_CUBIC),
        np.uint8,
    )
    printed = halftone(big, rng.uniform(*HALFTONE_CELL), rng)
    margin = int(PRINT_MARGIN * printed.shape[1])
    paper = tuple(int(x) for x in printed[:4, :4].reshape(-1, 3).mean(0))
    sheet = cv2.copyMakeBorder(
        printed, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=paper
    )
    # uneven light on the sheet: a soft gradient
    gy, gx = np.mgrid[0 : sheet.shape[0], 0 : sheet.shape[1]].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    ramp = (gx * math.cos(angle) + gy * math.sin(angle)) / max(sheet.shape)
    light = 1.0 + rng.uniform(0.05, 0.2) * (ramp - ramp.mean())
    sheet = np.clip(sheet * light[..., None], 0, 255).astype(np.uint8)
    fill = rng.uniform(*PRINT_FILL)
    picture_px = fill * w * sheet.shape[1] / printed.shape[1]
    backdrop = _background(rng)
    choreo = choreograph(challenge.steps, rng, spontaneous_blinks=False)
    camera = Camera(rng, len(choreo.times))
    centre0 = (w / 2 + rng.uniform(-20, 20), h / 2 + rng.uniform(-20, 20))
    frames = []
    for k, (t, pose) in enumerate(zip(choreo.times, choreo.poses, strict=True)):
        homography = _plane_homography(
            (sheet.shape[1], sheet.shape[0]),
            picture_px,
            pose.yaw,
            pose.pitch,
            pose.roll,
            pose.distance_mm / CAMERA_DISTANCE_MM,
            centre0,
        )
        scene = _composite(sheet, homography, backdrop)
        frames.append(Frame(t, camera.shoot(scene, k)))
    imitated = tuple(s for s in challenge.steps if s != Step.BLINK)
    return Session(
        kind="print_attack",
        seed=seed,
        challenge=challenge,
        performed=imitated,
        frames=tuple(frames),
        identities=(photo.identity,),
        photo_ids=(photo.photo_id,),
        truth=choreo.poses,
        notes={"fill": round(fill, 3)},
    )


# --- still photo --------------------------------------------------------------------------


def still_photo(seed: int, challenge: Challenge, identity: str | None = None) -> Session:
    """A frontal selfie photo with only camera shake, for as long as a genuine answer."""
    rng = np.random.default_rng([seed, 4])
    photo = pick_photo(rng, identity)
    image, _ = selfie_frame(photo, rng)
    choreo = choreograph(challenge.steps, rng, spontaneous_blinks=False)
    shake = rng.uniform(*STILL_SHAKE_PX)
    camera = Camera(rng, len(choreo.times), shake_px=shake, shake_deg=rng.uniform(0.5, 2.0))
    frames = tuple(Frame(t, camera.shoot(image, k)) for k, t in enumerate(choreo.times))
    return Session(
        kind="still_photo",
        seed=seed,
        challenge=challenge,
        performed=(),
        frames=frames,
        identities=(photo.identity,),
        photo_ids=(photo.photo_id,),
        notes={"shakePx": round(shake, 2)},
    )


# --- wrong order and face swap ------------------------------------------------------------


def other_order(steps: tuple[Step, ...], rng: np.random.Generator) -> tuple[Step, ...]:
    """A different ordering of the same steps (raises ``ValueError`` if there is none)."""
    options = sorted({p for p in itertools.permutations(steps) if p != steps})
    if not options:
        raise ValueError(f"{steps} has no other order")
    return options[int(rng.integers(len(options)))]


def wrong_order(seed: int, challenge: Challenge, identity: str | None = None) -> Session:
    """A live performance of the challenge's steps in another order."""
    rng = np.random.default_rng([seed, 5])
    performed = other_order(challenge.steps, rng)
    return genuine_session(
        seed, challenge, identity=identity, performed=performed, kind="wrong_order"
    )


def face_swap(seed: int, challenge: Challenge, identity: str | None = None) -> Session:
    """A live performance whose face changes to another identity halfway through."""
    rng = np.random.default_rng([seed, 6])
    first = pick_photo(rng, identity)
    others = [i for i in identities() if i != first.identity]
    second = pick_photo(rng, others[int(rng.integers(len(others)))])
    frames, truth = render_two(first, second, challenge.steps, rng)
    return Session(
        kind="face_swap",
        seed=seed,
        challenge=challenge,
        performed=challenge.steps,
        frames=frames,
        identities=(first.identity, second.identity),
        photo_ids=(first.photo_id, second.photo_id),
        truth=truth,
    )


AttackFn = Callable[[int, Challenge], Session]


def _screen(seed: int, challenge: Challenge) -> Session:
    return screen_replay(genuine_session(seed, challenge), seed)


ATTACKS: dict[str, AttackFn] = {
    "screen_replay": _screen,
    "print_attack": print_attack,
    "still_photo": still_photo,
    "wrong_order": wrong_order,
    "face_swap": face_swap,
}

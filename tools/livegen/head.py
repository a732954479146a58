"""A real face photo turned into a posable 3-D head: landmarks lifted to a generic depth map,
re-projected at a new pose, and the photo warped piecewise-affinely to follow.

Model. The 68 landmarks found on the photo are taken as the frontal view of the head. Each
gets a depth from :data:`DEPTH_MM` (a generic adult face: millimetres behind the nose tip,
the anchors of :data:`models.face.geometry.MODEL_POINTS_MM` extended to the jaw line, brows
and eyelids), scaled to the photo by an assumed 63 mm between the eye centres. Rings of extra
points around the face carry the forehead, hair and ears (further back, rotating with the
head) and the neck and shoulders (not rotating); an outer ring and the image border stay
put (the background). A pinhole camera at ``CAMERA_DISTANCE_MM`` makes the frontal
re-projection reproduce the photo exactly, so a pose of (0, 0, 0) at the rest distance is
the identity warp.

A pose (yaw, pitch, roll in degrees, in the :mod:`models.face.geometry` convention: yaw > 0
turns the nose towards the image's right, i.e. the subject's own left), a distance to the
camera and an eyelid closure (0 open .. 1 closed) give new 2-D positions for every control
point; the photo is warped by the affine map of each triangle of a Delaunay triangulation of
the control points, nearer triangles drawn over farther ones (the far cheek goes behind the
nose). Closed eyelids are painted with skin taken from just above each eye and a lash line.

What it is not: no hidden surfaces appear (the far ear is never revealed), lighting does
not change with the pose, hair is a rubber sheet. Good for turns up to ~35 degrees.
Pure numpy/OpenCV; ~15-25 ms per 480x640 frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from scipy.spatial import Delaunay

Image = npt.NDArray[np.uint8]
Points = npt.NDArray[np.float64]

EYE_DISTANCE_MM = 63.0  # adult mean distance between the eye centres
CAMERA_DISTANCE_MM = 400.0  # a selfie at arm's length
NECK_PIVOT_MM = 95.0  # the head turns about a vertical axis this far behind the nose tip
PITCH_PIVOT_MM = (70.0, 90.0)  # ...and nods about an axis this far below (y) and behind (z)

# Depth of each iBUG landmark behind the nose tip, millimetres (generic adult face).
DEPTH_MM: tuple[float, ...] = (
    # jaw line 0-16: the cheek silhouette, from the ears round to the chin
    88, 82, 74, 64, 53, 42, 32, 25, 22, 25, 32, 42, 53, 64, 74, 82, 88,
    # brows 17-26
    40, 31, 25, 21, 20, 20, 21, 25, 31, 40,
    # nose 27-35: bridge to tip, then the base
    22, 15, 8, 0, 17, 14, 13, 14, 17,
    # subject's right eye 36-41, left eye 42-47 (corners, lids)
    32, 27, 26, 27, 28, 29,
    27, 26, 27, 32, 29, 28,
    # outer lips 48-59
    24, 17, 13, 12, 13, 17, 24, 18, 15, 14, 15, 18,
    # inner lips 60-67
    22, 15, 14, 15, 22, 16, 15, 16,
)  # fmt: skip
RIGHT_UPPER_LID, RIGHT_LOWER_LID = (37, 38), (41, 40)
LEFT_UPPER_LID, LEFT_LOWER_LID = (43, 44), (47, 46)
# Rings around the face centre, in units of the face's radius: (radius, depth mm, rotates?)
HEAD_RINGS: tuple[tuple[float, float], ...] = ((1.3, 60.0), (1.65, 110.0))
RING_POINTS = 20
BACKGROUND_RING = 2.4
BORDER_POINTS_PER_SIDE = 6
# Ring points this far below the chin direction (radians from straight down) are neck and
# shoulders: they follow camera distance but do not turn with the head.
NECK_HALF_ANGLE = math.radians(50.0)
LID_SKIN_SHIFT = 1.1  # skin for a closed lid comes from this many eye heights above the eye
LID_COVER = (1.25, 1.25)  # the painted lid covers the eye grown by this (x, y) about its centre
LASH_THICKNESS_SHARE = 4.0  # lash line thickness = eye height / this
LASH_DARKNESS = 0.55  # the lash line is this share as bright as the skin around it


@dataclass(frozen=True)
class Pose:
    """Head pose (degrees), distance to the camera (mm) and eyelid closure 0..1."""

    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    distance_mm: float = CAMERA_DISTANCE_MM
    closure: float = 0.0


def _rotation(yaw: float, pitch: float, roll: float) -> npt.NDArray[np.float64]:
    """Camera-frame rotation (x right, y down, z away) matching models.face.geometry's signs."""
    y, p, r = (math.radians(a) for a in (yaw, pitch, roll))
    cy, sy = math.cos(y), math.sin(y)
    cp, sp = math.cos(p), math.sin(p)
    cr, sr = math.cos(r), math.sin(r)
    ry = np.array([[cy, 0.0, -sy], [0.0, 1.0, 0.0], [sy, 0.0, cy]])
    rx = np.array([[1.0, 0.0, 0.0], [0.0, cp, sp], [0.0, -sp, cp]])
    rz = np.array([[cr, -sr, 0.0], [sr, cr, 0.0], [0.0, 0.0, 1.0]])
    return np.asarray(ry @ rx @ rz, np.float64)


class Head:
    """A posable head made from one photo and its 68 landmarks (see the module docstring)."""

    def __init__(self, image: Image, landmarks: npt.NDArray[np.floating]) -> None:
        self.image = image
        h, w = image.shape[:2]
        lm = np.asarray(landmarks, np.float64)
        self.landmarks = lm
        iod = float(np.linalg.norm(lm[36:42].mean(0) - lm[42:48].mean(0)))
        self.px_per_mm = iod / EYE_DISTANCE_MM
        self.focal = self.px_per_mm * CAMERA_DISTANCE_MM  # px: f * X / D at the nose tip plane
        self.nose = lm[30].copy()
        centre = lm.mean(0)
        radius = float(np.percentile(np.linalg.norm(lm - centre, axis=1), 90))

        points: list[tuple[float, float]] = [(float(x), float(y)) for x, y in lm]
        depths: list[float] = list(DEPTH_MM)
        rotates: list[bool] = [True] * 68
        angles = np.linspace(0.0, 2.0 * math.pi, RING_POINTS, endpoint=False)
        for scale, depth in HEAD_RINGS:
            for a in angles:
                # a = 0 points right, pi/2 points down (image y grows downwards)
                points.append(
                    (
                        centre[0] + scale * radius * math.cos(a),
                        centre[1] + scale * radius * math.sin(a),
                    )
                )
                neck = abs(a - math.pi / 2) < NECK_HALF_ANGLE
                depths.append(depth)
                rotates.append(not neck)
        self.n_moving = len(points)
        for a in angles:
            points.append(
                (
                    centre[0] + BACKGROUND_RING * radius * math.cos(a),
                    centre[1] + BACKGROUND_RING * radius * math.sin(a),
                )
            )
            depths.append(1e4)
            rotates.append(False)
        for k in range(BORDER_POINTS_PER_SIDE + 1):
            f = k / BORDER_POINTS_PER_SIDE
            for x, y in (
                (f * (w - 1), 0.0),
                (f * (w - 1), h - 1.0),
                (0.0, f * (h - 1)),
                (w - 1.0, f * (h - 1)),
            ):
                points.append((x, y))
                depths.append(1e4)
                rotates.append(False)
        src = np.array(points, np.float64)
        # background points far outside the image are irrelevant; keep them (stable topology)
        self.src = src
        self.depth = np.array(depths, np.float64)
        self.rotates = np.array(rotates, bool)
        self.static = self.depth >= 1e4
        self.triangles = np.asarray(Delaunay(src).simplices, np.int64)
        # far to near: drawn in this order so that the near triangles cover the far ones
        self._order = np.argsort(-self.depth[self.triangles].mean(1), kind="stable")
        # 3-D positions (mm, camera frame relative to the nose tip) of the moving points:
        # back-projected so that the frontal pose at the rest distance is the identity.
        z = self.depth
        per_px = (CAMERA_DISTANCE_MM + np.where(self.static, 0.0, z)) / self.focal
        self.xyz = np.stack(
            [(src[:, 0] - self.nose[0]) * per_px, (src[:, 1] - self.nose[1]) * per_px, z], axis=1
        )

    def project(self, pose: Pose) -> Points:
        """2-D image positions of every control point at ``pose`` (the first 68 are landmarks)."""
        xyz = self.xyz.copy()
        lm_closed = self._close_lids(xyz[:68], pose.closure)
        xyz[:68] = lm_closed
        pivot = np.array([0.0, 0.0, NECK_PIVOT_MM])
        pitch_pivot = np.array([0.0, PITCH_PIVOT_MM[0], PITCH_PIVOT_MM[1]])
        moving = ~self.static
        turned = xyz.copy()
        r = self.rotates & moving
        # nod about the neck's pivot, then turn about the neck's vertical axis
        rp = _rotation(0.0, pose.pitch, 0.0)
        turned[r] = (turned[r] - pitch_pivot) @ rp.T + pitch_pivot
        ry = _rotation(pose.yaw, 0.0, pose.roll)
        turned[r] = (turned[r] - pivot) @ ry.T + pivot
        out = self.src.copy()
        d = pose.distance_mm
        z = turned[moving, 2]
        out[moving, 0] = self.nose[0] + self.focal * turned[moving, 0] / (d + z)
        out[moving, 1] = self.nose[1] + self.focal * turned[moving, 1] / (d + z)
        return out

    def _close_lids(self, xyz: Points, closure: float) -> Points:
        if closure <= 0:
            return xyz
        c = min(1.0, closure)
        out = xyz.copy()
        for upper, lower in ((RIGHT_UPPER_LID, RIGHT_LOWER_LID), (LEFT_UPPER_LID, LEFT_LOWER_LID)):
            for u, lo in zip(upper, lower, strict=True):
                meet = 0.8 * out[lo] + 0.2 * out[u]  # the upper lid does most of the moving
                out[u] = out[u] + c * (meet - out[u])
                out[lo] = out[lo] + c * (meet - out[lo])
        return out

    def render(self, pose: Pose) -> tuple[Image, npt.NDArray[np.float32]]:
        """The photo seen at ``pose`` and the true 2-D landmarks (68, 2) in it."""
        dst = self.project(pose)
        image = warp_triangles(self.image, self.src, dst, self.triangles, self._order)
        if pose.closure > 0:
            open_dst = self.project(Pose(pose.yaw, pose.pitch, pose.roll, pose.distance_mm, 0.0))
            image = self._paint_lids(image, open_dst[:68], dst[:68], pose.closure)
        return image, dst[:68].astype(np.float32)

    def _paint_lids(
        self, image: Image, open_lm: Points, closed_lm: Points, closure: float
    ) -> Image:
        """Cover each eye with skin from above it and draw the lash line (alpha = closure)."""
        h, w = image.shape[:2]
        eyes = open_lm[36:48]
        eye_h = max(2.0, float(np.linalg.norm(open_lm[37] - open_lm[41])))
        shift = LID_SKIN_SHIFT * eye_h * 1.6
        margin = int(3 * eye_h + 6)
        x0, y0 = np.clip(np.floor(eyes.min(0)).astype(int) - margin, 0, None)
        x1 = min(w, int(eyes[:, 0].max()) + margin)
        y1 = min(h, int(eyes[:, 1].max()) + margin)
        sy0 = max(0, int(y0 - shift) - 1)
        if x1 <= x0 or y1 <= y0:
            return image
        roi = image[y0:y1, x0:x1].astype(np.float32)
        # skin from `shift` px above: source rows y - shift
        src = image[sy0:y1, x0:x1]
        down = np.array([[1, 0, 0], [0, 1, shift - (y0 - sy0)]], np.float32)
        skin = cv2.warpAffine(src, down, (x1 - x0, y1 - y0), borderMode=cv2.BORDER_REFLECT)
        skin = skin.astype(np.float32)
        rh, rw = roi.shape[:2]
        alpha = np.zeros((rh, rw), np.float32)
        lash = np.zeros((rh, rw), np.uint8)
        offset = np.array([x0, y0], np.float64)
        for eye, (u0, u1) in ((slice(36, 42), RIGHT_UPPER_LID), (slice(42, 48), LEFT_UPPER_LID)):
            poly = open_lm[eye] - offset
            grown = poly.mean(0) + (poly - poly.mean(0)) * np.array(LID_COVER)
            mask = np.zeros((rh, rw), np.uint8)
            cv2.fillConvexPoly(mask, np.round(grown).astype(np.int32), (255,), cv2.LINE_AA)
            blurred = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), max(1.0, eye_h / 3))
            alpha = np.maximum(alpha, blurred)
            c = closed_lm - offset
            line = np.array([c[eye][0], c[u0], c[u1], c[eye][3]])
            thickness = max(1, round(eye_h / LASH_THICKNESS_SHARE))
            cv2.polylines(
                lash, [np.round(line).astype(np.int32)], False, (255,), thickness, cv2.LINE_AA
            )
        lash_f = cv2.GaussianBlur(lash.astype(np.float32) / 255.0, (0, 0), 0.8)
        a = (float(np.clip(closure, 0.0, 1.0)) ** 0.8 * alpha)[..., None]
        out_roi = roi * (1 - a) + skin * a
        out_roi *= 1 - (closure * lash_f * (1 - LASH_DARKNESS))[..., None]
        out = image.copy()
        out[y0:y1, x0:x1] = np.clip(out_roi, 0, 255).astype(np.uint8)
        return out


_GRIDS: dict[tuple[int, int], tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]] = {}


def _grid(h: int, w: int) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    if (h, w) not in _GRIDS:
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        _GRIDS[(h, w)] = (xs, ys)
    return _GRIDS[(h, w)]


def warp_triangles(
    image: Image,
    src: Points,
    dst: Points,
    triangles: npt.NDArray[np.int64],
    order: npt.NDArray[np.int64],
) -> Image:
    """Piecewise-affine warp: each triangle of ``src`` mapped onto the same triangle of ``dst``.

    Triangles are rasterised in ``order`` (later ones cover earlier ones); pixels no
    triangle covers, and degenerate triangles, keep the identity mapping. One
    ``cv2.remap`` (bilinear, reflected border), limited to the box of the triangles that moved.
    """
    h, w = image.shape[:2]
    moved = np.abs(dst - src).max(1) > 1e-3
    active = moved[triangles].any(1)
    if not active.any():
        return image.copy()
    # affine dst -> src of every triangle: [x y 1] @ X = [sx sy], solved in one batch
    d = dst[triangles]
    m = np.concatenate([d, np.ones((len(triangles), 3, 1))], axis=2)
    det = np.linalg.det(m)
    ok = np.abs(det) > 1e-3
    coef = np.zeros((len(triangles) + 1, 6), np.float32)
    coef[:] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
    x = np.linalg.solve(m[ok], src[triangles][ok])  # (k, 3, 2)
    coef[1:][ok] = np.concatenate([x[:, :, 0], x[:, :, 1]], axis=1).astype(np.float32)
    pts = dst[triangles[active]].reshape(-1, 2)
    x0, y0 = np.clip(np.floor(pts.min(0)).astype(int) - 1, 0, None)
    x1 = min(w, int(np.ceil(pts[:, 0].max())) + 2)
    y1 = min(h, int(np.ceil(pts[:, 1].max())) + 2)
    ids = np.zeros((y1 - y0, x1 - x0), np.uint16)
    offset = np.array([x0, y0], np.float64)
    for k in order:
        if not active[k]:
            continue
        poly = np.round((dst[triangles[k]] - offset) * 16).astype(np.int32)
        cv2.fillConvexPoly(ids, poly, (int(k + 1),), cv2.LINE_8, 4)
    xs_full, ys_full = _grid(h, w)
    xs = xs_full[y0:y1, x0:x1]
    ys = ys_full[y0:y1, x0:x1]
    c = coef[ids]
    map_x = c[..., 0] * xs + c[..., 1] * ys + c[..., 2]
    map_y = c[..., 3] * xs + c[..., 4] * ys + c[..., 5]
    out = image.copy()
    out[y0:y1, x0:x1] = cv2.remap(
        image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    )
    return out

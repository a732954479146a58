"""The JSON answer of the Triton ``liveness_check`` model (the adapter only moves bytes).

``check(media, kind, challenge_json, options)`` decodes the end-user's clip,
observes every kept frame (face, landmarks, pose, eyes, embeddings) and
decides (:func:`models.liveness.session.assess`)::

    {"assessment": {...LivenessAssessment.to_dict()...},
     "clip": {...Clip.to_dict()...},
     "referenceImage": "<base64 JPEG>" | null,     # the best frame (frontal, sharp, eyes open)
     "auditImages": [{"frame": i, "tMs": t, "image": "<base64 JPEG>"}, ...]}

or ``{"error": CODE, "message": "..."}`` with a :class:`VideoErrorCode` or
``BAD_REQUEST`` (unknown kind, bad challenge or options JSON).

``kind`` is ``video`` (MP4/WebM/... bytes) or ``frames``: a ZIP of still images
whose names are their timestamps in milliseconds (``000000.jpg``,
``000066.jpg``, ...), bounded in entries and in uncompressed size.
Options: ``{"auditImagesLimit": 0-10}`` (default 4). Blocking, CPU; never
raises on content.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from functools import lru_cache
from typing import Any

import cv2
import numpy as np

from models.face.detect import FaceModels
from models.liveness.challenge import Challenge
from models.liveness.session import assess
from models.liveness.video import (
    MAX_BYTES,
    MAX_DECODED_FRAMES,
    Clip,
    VideoError,
    VideoErrorCode,
    decode_video,
    frames_from_images,
)

DEFAULT_AUDIT_IMAGES = 4
MAX_AUDIT_IMAGES = 10
JPEG_QUALITY = 85
# A frames archive is bounded like a video: entries and bytes once inflated.
MAX_ARCHIVE_BYTES = MAX_BYTES


@lru_cache(maxsize=1)
def default_models() -> FaceModels:
    return FaceModels.load()


def frames_archive(frames: list[tuple[float, bytes]]) -> bytes:
    """The ``frames`` container: (timestamp ms, encoded image) pairs as a ZIP (no compression:
    the images are compressed already)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for i, (t_ms, data) in enumerate(frames):
            z.writestr(f"{round(t_ms):09d}-{i:04d}.img", data)
    return out.getvalue()


def _unpack(archive: bytes) -> Clip:
    try:
        z = zipfile.ZipFile(io.BytesIO(archive))
    except zipfile.BadZipFile:
        raise VideoError(VideoErrorCode.UNDECODABLE_VIDEO, "not a frames archive") from None
    infos = z.infolist()
    if len(infos) > MAX_DECODED_FRAMES:
        raise VideoError(VideoErrorCode.VIDEO_TOO_LONG, f"more than {MAX_DECODED_FRAMES} frames")
    if sum(i.file_size for i in infos) > MAX_ARCHIVE_BYTES:
        raise VideoError(VideoErrorCode.UNDECODABLE_VIDEO, f"over {MAX_ARCHIVE_BYTES} bytes")
    frames = []
    for info in infos:
        try:
            t_ms = float(info.filename.split("-", 1)[0])
        except ValueError:
            raise VideoError(
                VideoErrorCode.UNDECODABLE_VIDEO, f"{info.filename}: no timestamp"
            ) from None
        image = cv2.imdecode(np.frombuffer(z.read(info), np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise VideoError(VideoErrorCode.UNDECODABLE_VIDEO, f"{info.filename}: not an image")
        frames.append((t_ms, image))
    return frames_from_images(frames)


def _jpeg(image: Any) -> str:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    assert ok
    return base64.b64encode(buf.tobytes()).decode()


def check(
    media: bytes,
    kind: str,
    challenge_json: str,
    options: str = "",
    models: FaceModels | None = None,
) -> dict[str, Any]:
    """Assess one session's clip (module docstring); ``models`` default to the process's."""
    try:
        challenge = Challenge.from_dict(json.loads(challenge_json))
        opts = json.loads(options) if options else {}
        limit = int(opts.get("auditImagesLimit", DEFAULT_AUDIT_IMAGES))
    except (ValueError, KeyError, TypeError) as exc:
        return {"error": "BAD_REQUEST", "message": f"challenge or options: {exc}"}
    if not 0 <= limit <= MAX_AUDIT_IMAGES or kind not in ("video", "frames"):
        return {"error": "BAD_REQUEST", "message": "kind or auditImagesLimit out of range"}
    try:
        clip = decode_video(media) if kind == "video" else _unpack(media)
    except VideoError as exc:
        return {"error": exc.code.value, "message": exc.message}
    assessment = assess(clip, challenge, models or default_models())
    frames = clip.frames
    ref = assessment.reference_frame
    return {
        "assessment": assessment.to_dict(),
        "clip": clip.to_dict(),
        "referenceImage": None if ref is None else _jpeg(frames[ref].image),
        "auditImages": [
            {"frame": i, "tMs": round(frames[i].t_ms, 1), "image": _jpeg(frames[i].image)}
            for i in assessment.audit_frames[:limit]
        ],
    }

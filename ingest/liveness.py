"""Liveness sessions: create one with a server-chosen challenge, take the end-user's clip once,
read the results.

Guarantees: a session accepts one upload (a second one is a 409, an expired
session a 410); an accepted upload is stored in object storage and its
``LivenessSubmitted`` event acknowledged by Kafka before the 202, and if the
event cannot be sent the session goes back to ``CREATED`` (the client may
retry) and the stored clip is deleted — nothing accepted is lost, nothing
half-accepted lingers.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from core.db.liveness import TERMINAL, LivenessRepository, NewSession
from core.domain import new_id
from core.errors import (
    Conflict,
    FileTooLarge,
    Gone,
    InvalidRequest,
    NotFound,
    ServiceUnavailable,
    UnsupportedMediaType,
)
from core.events import avro
from core.events.bus import EventPublisher
from core.events.topics import Topics
from core.liveness_view import render_results, render_session
from core.settings import Settings
from core.storage import ObjectStore
from ingest.uploads import ParsedForm, UploadedFile
from models.liveness.challenge import new_challenge
from models.liveness.serve import DEFAULT_AUDIT_IMAGES, MAX_AUDIT_IMAGES, frames_archive

MIN_STEPS, MAX_STEPS, DEFAULT_STEPS = 2, 4, 3
# Containers by their first bytes: MP4/MOV (ISO BMFF ``ftyp`` box at offset 4)
# and WebM/Matroska (the EBML magic).
ISO_BMFF_BRAND = b"ftyp"
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
POLL_S = 0.2


def _video_type(head: bytes) -> tuple[str, str] | None:
    """(media type, extension) of a video container, from its first bytes."""
    if head[4:8] == ISO_BMFF_BRAND:
        return "video/mp4", "mp4"
    if head[:4] == EBML_MAGIC:
        return "video/webm", "webm"
    return None


def _read(f: UploadedFile) -> bytes:
    f.spool.seek(0)
    return f.spool.read()


class LivenessService:
    def __init__(
        self,
        settings: Settings,
        repo: LivenessRepository,
        store: ObjectStore,
        publisher: EventPublisher,
    ) -> None:
        self.settings = settings
        self.repo = repo
        self.store = store
        self.publisher = publisher
        self.topics = Topics(settings.kafka.topic_prefix)

    async def create(self, org: str, body: dict[str, Any]) -> dict[str, Any]:
        """A new session. ``body``: optional ``auditImagesLimit`` (0-10), ``expiresInSeconds``,
        ``steps`` (2-4), ``reference``, ``webhookUrl``. Raises InvalidRequest."""
        cfg = self.settings.liveness
        known = {"auditImagesLimit", "expiresInSeconds", "steps", "reference", "webhookUrl"}
        unknown = sorted(set(body) - known)
        if unknown:
            raise InvalidRequest(f"unknown field(s): {', '.join(unknown)}", field=unknown[0])
        limit = body.get("auditImagesLimit", DEFAULT_AUDIT_IMAGES)
        if type(limit) is not int or not 0 <= limit <= MAX_AUDIT_IMAGES:
            raise InvalidRequest(
                f"auditImagesLimit is an integer from 0 to {MAX_AUDIT_IMAGES}",
                field="auditImagesLimit",
            )
        ttl = body.get("expiresInSeconds", cfg.session_ttl_s)
        if type(ttl) is not int or not 30 <= ttl <= cfg.max_ttl_s:
            raise InvalidRequest(
                f"expiresInSeconds is an integer from 30 to {cfg.max_ttl_s}",
                field="expiresInSeconds",
            )
        steps = body.get("steps", DEFAULT_STEPS)
        if type(steps) is not int or not MIN_STEPS <= steps <= MAX_STEPS:
            raise InvalidRequest(
                f"steps is an integer from {MIN_STEPS} to {MAX_STEPS}", field="steps"
            )
        reference = body.get("reference")
        if reference is not None and (not isinstance(reference, str) or len(reference) > 128):
            raise InvalidRequest(
                "reference is a string of at most 128 characters", field="reference"
            )
        webhook = body.get("webhookUrl")
        if webhook is not None:
            url = urlparse(str(webhook))
            if url.scheme not in ("http", "https") or not url.netloc or len(webhook) > 2048:
                raise InvalidRequest("webhookUrl must be an http(s) URL", field="webhookUrl")
        session = NewSession(
            id=new_id("lvs"),
            organisation_id=org,
            reference=reference,
            challenge=new_challenge(steps=steps).to_dict(),
            audit_images_limit=limit,
            webhook_url=webhook,
            expires_at=datetime.now(UTC) + timedelta(seconds=ttl),
        )
        try:
            row = await self.repo.create(session)
        except Exception as exc:
            raise ServiceUnavailable(f"database unavailable: {type(exc).__name__}") from exc
        return render_session(row)

    async def _session(self, org: str, session_id: str) -> dict[str, Any]:
        row = await self.repo.get(session_id, org)
        if row is None:
            raise NotFound(f"no liveness session {session_id}")
        return row

    def _media(self, form: ParsedForm) -> tuple[bytes, str, str, str]:
        """(bytes, kind, media type, extension) of the upload; raises 4xx errors."""
        cfg = self.settings.liveness
        videos = [f for f in form.files if f.field == "video"]
        frames = [f for f in form.files if f.field == "frames"]
        if bool(videos) == bool(frames) or len(videos) > 1:
            raise InvalidRequest(
                "send one 'video' file (MP4 or WebM) or 'frames' (still images) with "
                "'timestamps' (a JSON list of milliseconds)",
                field="video",
            )
        if videos:
            f = videos[0]
            if f.size == 0:
                raise InvalidRequest("the video is empty", field="video", code="EMPTY_FILE")
            found = _video_type(f.head)
            if found is None:
                raise UnsupportedMediaType("video must be MP4 or WebM", field="video")
            return _read(f), "video", found[0], found[1]
        if len(frames) > cfg.max_frames:
            raise InvalidRequest(f"at most {cfg.max_frames} frames", field="frames")
        try:
            stamps = json.loads(form.fields.get("timestamps", ""))
        except json.JSONDecodeError:
            stamps = None
        if (
            not isinstance(stamps, list)
            or len(stamps) != len(frames)
            or not all(isinstance(t, int | float) and not isinstance(t, bool) for t in stamps)
        ):
            raise InvalidRequest(
                "timestamps must be a JSON list of milliseconds, one per frame",
                field="timestamps",
            )
        pairs = []
        for f, t in zip(frames, stamps, strict=True):
            if not f.head.startswith(IMAGE_SIGNATURES):
                raise UnsupportedMediaType(
                    f"frames[{f.index}] must be JPEG or PNG", field=f"frames[{f.index}]"
                )
            pairs.append((float(t), _read(f)))
        return frames_archive(pairs), "frames", "application/zip", "zip"

    async def upload(
        self, org: str, session_id: str, form: ParsedForm, wait_s: float | None
    ) -> tuple[int, dict[str, Any]]:
        """Take the session's clip (once). Answers 202, or 200 with the results when they
        are ready within ``wait_s`` seconds. Raises NotFound, Gone, Conflict, InvalidRequest,
        UnsupportedMediaType, FileTooLarge, ServiceUnavailable."""
        row = await self._session(org, session_id)
        if row["status"] == "EXPIRED":
            raise Gone(f"liveness session {session_id} expired", code="SESSION_EXPIRED")
        if row["status"] != "CREATED":
            raise Conflict(
                f"liveness session {session_id} already has its upload",
                code="SESSION_ALREADY_USED",
            )
        data, kind, media_type, ext = self._media(form)
        if len(data) > self.settings.liveness.max_clip_bytes:
            raise FileTooLarge(
                f"the clip is over {self.settings.liveness.max_clip_bytes} bytes", field=kind
            )
        key = f"liveness/{org}/{session_id}/clip.{ext}"
        try:
            await asyncio.to_thread(self.store.put_bytes, key, data, media_type)
        except Exception as exc:
            raise ServiceUnavailable(f"object storage unavailable: {type(exc).__name__}") from exc
        started = await self.repo.start(session_id, org, key, media_type)
        if started is None:  # lost a race with another upload, or expired meanwhile
            await asyncio.to_thread(self.store.delete, key)
            row = await self._session(org, session_id)
            if row["status"] == "EXPIRED":
                raise Gone(f"liveness session {session_id} expired", code="SESSION_EXPIRED")
            raise Conflict(
                f"liveness session {session_id} already has its upload",
                code="SESSION_ALREADY_USED",
            )
        event = avro.encode(
            "liveness_submitted",
            {
                "event_id": new_id("evt"),
                "session_id": session_id,
                "organisation_id": org,
                "occurred_at": int(time.time() * 1000),
                "media_key": key,
                "media_kind": kind,
                "challenge_json": json.dumps(started["challenge"]),
                "audit_images_limit": started["audit_images_limit"],
            },
        )
        try:
            await self.publisher.publish(self.topics.liveness_submitted, session_id, event)
        except Exception as exc:
            await self.repo.release(session_id)
            await asyncio.to_thread(self.store.delete, key)
            raise ServiceUnavailable(f"event bus unavailable: {type(exc).__name__}") from exc
        if wait_s:
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline:
                row = await self._session(org, session_id)
                if row["status"] in TERMINAL:
                    return 200, await self._results(row)
                await asyncio.sleep(POLL_S)
        return 202, render_results(started)

    async def _results(self, row: dict[str, Any]) -> dict[str, Any]:
        keys = [k for k in [row.get("reference_image_key"), *row["audit_image_keys"]] if k]
        blobs = await asyncio.gather(*(asyncio.to_thread(self.store.get_bytes, k) for k in keys))
        images = {k: base64.b64encode(b).decode() for k, b in zip(keys, blobs, strict=True)}
        return render_results(row, images)

    async def results(self, org: str, session_id: str) -> dict[str, Any]:
        """Status, confidence, isLive, per-step outcome, signals, reasons, images."""
        return await self._results(await self._session(org, session_id))

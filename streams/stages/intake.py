"""Intake: open each uploaded file, decode it, fix orientation and colour, render PDF pages.

Pure core: :func:`normalise` turns one file's bytes into page images (or a
reason code per page it could not read). Adapter: :class:`IntakeStage` reads
the files from object storage, stores each normalised page as a JPEG, records
the result and hands the verification to the next stage.
"""

from __future__ import annotations

import asyncio
import io
import warnings
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

from core.media import PDF
from streams.runtime import StageContext, StageOutput

Pixels = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class NormalisedPage:
    """One page ready for the models: 8-bit BGR, upright, at most ``max_side`` long."""

    page: int
    image: Pixels | None
    rotation_applied: int = 0
    error: str | None = None


def _fit(img: Pixels, max_side: int) -> Pixels:
    scale = max_side / max(img.shape[:2])
    if scale >= 1.0:
        return img
    return np.asarray(
        cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), np.uint8
    )


def _image(data: bytes, max_side: int) -> list[NormalisedPage]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opened = Image.open(io.BytesIO(data))
            orientation = int(opened.getexif().get(0x0112, 1))
            pil: Image.Image = ImageOps.exif_transpose(opened)
            pil.load()
    except Exception:
        return [NormalisedPage(0, None, error="DOCUMENT_UNREADABLE")]
    rotation = {3: 180, 6: 270, 8: 90}.get(orientation, 0)
    if pil.mode not in ("RGB", "L"):
        # Palette, CMYK, 16-bit and alpha images: flatten onto white, as printed.
        if pil.mode in ("RGBA", "LA", "P"):
            pil = pil.convert("RGBA")
            background = Image.new("RGBA", pil.size, (255, 255, 255, 255))
            pil = Image.alpha_composite(background, pil)
        pil = pil.convert("RGB")
    arr = np.asarray(pil)
    bgr = (
        cv2.cvtColor(arr, cv2.COLOR_GRAY2BGR)
        if arr.ndim == 2
        else cv2.cvtColor(arr, cv2.COLOR_RGB2BGR)
    )
    return [NormalisedPage(0, _fit(np.asarray(bgr, np.uint8), max_side), rotation)]


def _pdf(data: bytes, dpi: int, max_side: int) -> list[NormalisedPage]:
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
    except Exception:
        return [NormalisedPage(0, None, error="DOCUMENT_UNREADABLE")]
    pages: list[NormalisedPage] = []
    try:
        for index in range(len(doc)):
            try:
                bitmap = doc[index].render(scale=dpi / 72)
                rgb = np.asarray(bitmap.to_numpy()[..., :3], np.uint8)
                bgr = rgb if bitmap.mode == "BGR" else rgb[..., ::-1]
                pages.append(NormalisedPage(index, _fit(np.ascontiguousarray(bgr), max_side)))
            except Exception:
                pages.append(NormalisedPage(index, None, error="PAGE_UNREADABLE"))
    finally:
        doc.close()
    return pages


def normalise(data: bytes, media_type: str, *, dpi: int, max_side: int) -> list[NormalisedPage]:
    """Pages of one file. Never raises for bad content: unreadable pages carry a reason code."""
    if media_type == PDF:
        return _pdf(data, dpi, max_side)
    return _image(data, max_side)


def encode_jpeg(img: Pixels) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 92])
    if not ok:  # pragma: no cover - OpenCV encodes any valid BGR array
        raise ValueError("JPEG encoding failed")
    return bytes(buf.tobytes())


def page_key(object_key: str, page: int) -> str:
    """Where the normalised page of an upload is stored."""
    base = object_key.rsplit("/", 1)[0]
    stem = object_key.rsplit("/", 1)[1].split(".", 1)[0]
    return f"{base}/pages/{stem}-p{page:03d}.jpg"


class IntakeStage:
    """Adapter: object storage in and out, one result per verification."""

    name = "intake"
    input_schema = "verification_submitted"

    async def process(self, ctx: StageContext, submission: dict[str, Any]) -> StageOutput:
        vid = submission["verification_id"]
        await ctx.repo.start_processing(vid, self.name)
        pipe = ctx.settings.pipeline
        pages: list[dict[str, Any]] = []
        for f in submission["files"]:
            data = await asyncio.to_thread(ctx.store.get_bytes, f["object_key"])
            normalised = await asyncio.to_thread(
                normalise, data, f["media_type"], dpi=pipe.render_dpi, max_side=pipe.max_side_px
            )
            for p in normalised:
                entry: dict[str, Any] = {
                    "file_position": f["position"],
                    "page": p.page,
                    "role": f["role"],
                    "object_key": None,
                    "width": 0,
                    "height": 0,
                    "rotation_applied": p.rotation_applied,
                    "error": p.error,
                }
                if p.image is not None:
                    key = page_key(f["object_key"], p.page)
                    jpeg = await asyncio.to_thread(encode_jpeg, p.image)
                    await asyncio.to_thread(ctx.store.put_bytes, key, jpeg, "image/jpeg")
                    entry.update(
                        object_key=key, width=int(p.image.shape[1]), height=int(p.image.shape[0])
                    )
                pages.append(entry)
        return StageOutput(
            result={"pages": pages},
            event_fields={"intake": {"pages": pages}},
        )

"""Read the barcodes printed on a document: verification QR codes, payment Code 128, PDF417.

``read_barcodes(image_bgr)`` returns every symbol of :data:`FORMATS` that zxing-cpp
decodes, with its text, its corners in the image's pixels and whether its check
passed. Pure and bounded in time: an image is never searched at more than
:data:`MAX_SIDE` pixels on its long side, and at most :data:`MAX_ATTEMPTS` images
(the picture itself, then, only when that finds nothing, a downscaled and a
binarised copy) are searched.

The payload is returned as printed, untrusted: ``models.extract.barcode`` parses it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp

# Formats found on identity, company and utility documents. Linear retail codes
# (EAN, UPC, ...) are left out: they turn up on packaging in the background of a
# photo, and their short runs of bars are also found by mistake in printed text.
FORMAT_NAMES: tuple[str, ...] = ("QRCode", "PDF417", "Code128", "DataMatrix", "Aztec")
FORMATS = zxingcpp.BarcodeFormats([getattr(zxingcpp.BarcodeFormat, n) for n in FORMAT_NAMES])
# Longest side searched. A phone photo (4000 px) is downscaled to this first: the
# printed codes' modules stay at 2 px or more at this size, and zxing's time
# grows with the pixel count.
MAX_SIDE = 2000
# A copy at this long side is tried when the full image finds nothing: blur and
# JPEG blocking shrink with the image while the modules stay resolvable.
DOWNSCALED_SIDE = 1200
# Below this long side a downscaled copy would lose the modules: not tried.
MIN_SIDE_FOR_DOWNSCALE = 1400
MAX_ATTEMPTS = 3
MAX_TEXT = 4096  # characters kept of one payload; a QR holds at most ~7,000
MIN_SIDE = 16  # an image smaller than this holds no readable symbol

Image = npt.NDArray[Any]


@dataclass(frozen=True)
class Barcode:
    """One decoded symbol.

    ``format`` is the ``zxingcpp.BarcodeFormat`` member name (one of
    :data:`FORMAT_NAMES`); ``text`` the payload, cut to :data:`MAX_TEXT`
    characters; ``quad`` its four corners (top-left, top-right, bottom-right,
    bottom-left of the symbol as printed) in the pixels of the image passed in;
    ``valid`` whether zxing-cpp's error correction and checks passed.
    """

    format: str
    text: str
    quad: list[list[float]]
    valid: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON form, camelCase like the rest of ``DocumentReading``."""
        return {"format": self.format, "text": self.text, "quad": self.quad, "valid": self.valid}


def _grey(image: Image) -> Image | None:
    """A contiguous uint8 greyscale copy, or None for what is not an image."""
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim == 3 and image.shape[2] in (3, 4):
        code = cv2.COLOR_BGR2GRAY if image.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        image = cv2.cvtColor(np.ascontiguousarray(image), code)
    if image.ndim != 2:
        return None
    return np.ascontiguousarray(image)


def _resize(grey: Image, long_side: int) -> tuple[Image, float]:
    """``grey`` shrunk to ``long_side`` (never enlarged) and the factor applied."""
    h, w = grey.shape
    f = long_side / max(h, w)
    if f >= 1:
        return grey, 1.0
    size = (max(1, round(w * f)), max(1, round(h * f)))
    return np.asarray(cv2.resize(grey, size, interpolation=cv2.INTER_AREA)), f


def _binarised(grey: Image) -> Image:
    """A local-mean threshold that survives a shadow across the page.

    zxing's own binariser works on 8 px blocks; an adaptive threshold over a
    wider window, after a light blur, copes better with soft, noisy modules.
    """
    smooth = cv2.GaussianBlur(grey, (0, 0), 1.0)
    return np.asarray(
        cv2.adaptiveThreshold(smooth, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 41, 10)
    )


def _decode(grey: Image, factor: float) -> list[Barcode]:
    # Plain text keeps a PDF417's newlines as they are (the default, HRI, writes "<LF>").
    # No inverted search: documents print dark on light, and it costs a fifth more time.
    found = zxingcpp.read_barcodes(
        grey, formats=FORMATS, text_mode=zxingcpp.TextMode.Plain, try_invert=False
    )
    out: list[Barcode] = []
    for r in found:
        name = r.format.name
        if name not in FORMAT_NAMES:
            continue
        pos = r.position
        corners = (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
        quad = [[round(p.x / factor, 1), round(p.y / factor, 1)] for p in corners]
        out.append(Barcode(name, str(r.text)[:MAX_TEXT], quad, bool(r.valid)))
    return out


def read_barcodes(image_bgr: Image, max_attempts: int = MAX_ATTEMPTS) -> list[Barcode]:
    """Every barcode of :data:`FORMATS` in ``image_bgr`` (BGR, BGRA or grey uint8).

    Quads are in ``image_bgr``'s pixels. The image as given (shrunk to
    :data:`MAX_SIDE` if larger) is searched first; only if that finds nothing, a
    copy downscaled to :data:`DOWNSCALED_SIDE` (when the image is large enough for
    that to mean something), then a binarised copy, up to ``max_attempts`` searches
    in all. The first search that finds anything is returned. An image that is not
    a 2-D or 3-D uint8 array at least :data:`MIN_SIDE` pixels each way gives
    ``[]``; so does an image with no barcode. Raises ``TypeError`` for a non-array.
    """
    if not isinstance(image_bgr, np.ndarray):
        raise TypeError(f"expected a numpy image, not {type(image_bgr).__name__}")
    if image_bgr.dtype != np.uint8 or image_bgr.ndim not in (2, 3):
        return []
    if min(image_bgr.shape[:2]) < MIN_SIDE:
        return []
    grey = _grey(image_bgr)
    if grey is None:
        return []
    full, factor = _resize(grey, MAX_SIDE)
    # Each search: the image it looks at (made only when it is reached).
    searches: list[Callable[[], tuple[Image, float]]] = [lambda: (full, factor)]
    if max(full.shape) >= MIN_SIDE_FOR_DOWNSCALE:
        searches.append(lambda: _scaled(_resize(full, DOWNSCALED_SIDE), factor))
    searches.append(lambda: (_binarised(full), factor))
    for make in searches[: max(1, max_attempts)]:
        found = _decode(*make())
        if found:
            return found
    return []


def _scaled(resized: tuple[Image, float], factor: float) -> tuple[Image, float]:
    return resized[0], resized[1] * factor

"""Every font the generator draws with, resolved in one place.

The fonts come from Debian packages; a missing file is an error that names
the package to install.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

_DEJAVU = ("/usr/share/fonts/truetype/dejavu", "fonts-dejavu-core")
_LIBERATION = ("/usr/share/fonts/truetype/liberation2", "fonts-liberation2")
_FREEFONT = ("/usr/share/fonts/truetype/freefont", "fonts-freefont-ttf")
_URW = ("/usr/share/fonts/opentype/urw-base35", "fonts-urw-base35")
_OCRB = ("/usr/share/fonts/opentype/ocr-b", "fonts-ocr-b")

#: Font key -> (directory, file name, Debian package).
FONTS: dict[str, tuple[str, str, str]] = {
    "dejavu-sans": (_DEJAVU[0], "DejaVuSans.ttf", _DEJAVU[1]),
    "dejavu-sans-bold": (_DEJAVU[0], "DejaVuSans-Bold.ttf", _DEJAVU[1]),
    "dejavu-condensed": (_DEJAVU[0], "DejaVuSansCondensed.ttf", _DEJAVU[1]),
    "dejavu-condensed-bold": (_DEJAVU[0], "DejaVuSansCondensed-Bold.ttf", _DEJAVU[1]),
    "dejavu-serif": (_DEJAVU[0], "DejaVuSerif.ttf", _DEJAVU[1]),
    "dejavu-serif-bold": (_DEJAVU[0], "DejaVuSerif-Bold.ttf", _DEJAVU[1]),
    "dejavu-mono": (_DEJAVU[0], "DejaVuSansMono.ttf", _DEJAVU[1]),
    "liberation-sans": (_LIBERATION[0], "LiberationSans-Regular.ttf", _LIBERATION[1]),
    "liberation-sans-bold": (_LIBERATION[0], "LiberationSans-Bold.ttf", _LIBERATION[1]),
    "liberation-serif": (_LIBERATION[0], "LiberationSerif-Regular.ttf", _LIBERATION[1]),
    "liberation-serif-bold": (_LIBERATION[0], "LiberationSerif-Bold.ttf", _LIBERATION[1]),
    "liberation-mono": (_LIBERATION[0], "LiberationMono-Regular.ttf", _LIBERATION[1]),
    "liberation-mono-bold": (_LIBERATION[0], "LiberationMono-Bold.ttf", _LIBERATION[1]),
    "free-sans": (_FREEFONT[0], "FreeSans.ttf", _FREEFONT[1]),
    "free-sans-bold": (_FREEFONT[0], "FreeSansBold.ttf", _FREEFONT[1]),
    "free-serif": (_FREEFONT[0], "FreeSerif.ttf", _FREEFONT[1]),
    "free-serif-bold": (_FREEFONT[0], "FreeSerifBold.ttf", _FREEFONT[1]),
    "free-mono": (_FREEFONT[0], "FreeMono.ttf", _FREEFONT[1]),
    "nimbus-sans": (_URW[0], "NimbusSans-Regular.otf", _URW[1]),
    "nimbus-sans-bold": (_URW[0], "NimbusSans-Bold.otf", _URW[1]),
    "nimbus-narrow": (_URW[0], "NimbusSansNarrow-Regular.otf", _URW[1]),
    "nimbus-narrow-bold": (_URW[0], "NimbusSansNarrow-Bold.otf", _URW[1]),
    "nimbus-roman": (_URW[0], "NimbusRoman-Regular.otf", _URW[1]),
    "nimbus-roman-bold": (_URW[0], "NimbusRoman-Bold.otf", _URW[1]),
    "c059": (_URW[0], "C059-Roman.otf", _URW[1]),
    "c059-bold": (_URW[0], "C059-Bold.otf", _URW[1]),
    "gothic": (_URW[0], "URWGothic-Book.otf", _URW[1]),
    "gothic-bold": (_URW[0], "URWGothic-Demi.otf", _URW[1]),
    "bookman": (_URW[0], "URWBookman-Light.otf", _URW[1]),
    "bookman-bold": (_URW[0], "URWBookman-Demi.otf", _URW[1]),
    "script": (_URW[0], "Z003-MediumItalic.otf", _URW[1]),
    "ocrb": (_OCRB[0], "OCRB.otf", _OCRB[1]),
}


class MissingFont(RuntimeError):
    """A font file the generator needs is not installed."""


def font_path(key: str) -> Path:
    """The file of font ``key``; :class:`MissingFont` names the package when absent."""
    try:
        directory, name, package = FONTS[key]
    except KeyError:
        raise MissingFont(f"unknown font key {key!r}; known: {sorted(FONTS)}") from None
    path = Path(directory) / name
    if not path.is_file():
        raise MissingFont(f"font {path} is missing: install the Debian package {package}")
    return path


@lru_cache(maxsize=512)
def font(key: str, size: int) -> ImageFont.FreeTypeFont:
    """Font ``key`` at ``size`` pixels (cached)."""
    return ImageFont.truetype(str(font_path(key)), max(6, int(size)))

"""Real face photographs from package registries, for face-model tests and evaluation.

    python -m tools.facedata            # fetch (once) and list what is there

No identity is invented: every photo is a real photograph shipped inside a
PyPI package. Sources (all fetched through ``pip download --no-deps
--no-binary :all:`` into ``<cache>/data/<name>-<version>/``, once; offline
afterwards; never committed):

- ``face_recognition==1.3.0`` sdist, ``tests/test_images/``: Barack Obama in
  three different photographs (``obama.jpg``, ``obama2.jpg``, ``obama3.jpg``),
  Joe Biden in one (``biden.jpg``). ``32bit.png`` is ``obama2.jpg`` again (a
  different encoding) and ``obama_partial_face*.jpg`` are crops of
  ``obama.jpg``: they are variants of those photos, not new photos.
- ``pillow==13.0.0`` sdist, ``Tests/images/hopper.png``: Grace Hopper, one
  128x128 photo (the ~90 other ``hopper*`` files are the same photo in other
  formats; only this one is taken).
- ``scikit-image`` (installed, bundled data): ``astronaut()`` (Eileen Collins,
  one photo). Non-faces for robustness cases: ``chelsea()`` (a cat),
  ``coffee()``; ``camera()`` shows a man whose face is too small and turned
  for a frontal detector (no face is found).

So: 4 identities, 6 distinct photos, only one identity (Obama) with more than
one photo. That is far too few for a biometric accuracy claim; it checks the
anchor and the failure modes, nothing more.

``<cache>`` is ``$BOTSKYC_CACHE_DIR`` or ``~/.cache/botskyc``. Fetching needs
network access to PyPI and takes about a minute (Pillow's sdist is 47 MB and
pip prepares its metadata); it raises ``RuntimeError`` when pip fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]

FACE_RECOGNITION = ("face_recognition", "1.3.0")
PILLOW = ("pillow", "13.0.0")
# (identity, photo id, source package, member path inside the sdist). A photo id
# names one photograph; several files with the same id are variants of it.
SDIST_PHOTOS: tuple[tuple[str, str, tuple[str, str], str], ...] = (
    ("obama", "obama-1", FACE_RECOGNITION, "tests/test_images/obama.jpg"),
    ("obama", "obama-2", FACE_RECOGNITION, "tests/test_images/obama2.jpg"),
    ("obama", "obama-3", FACE_RECOGNITION, "tests/test_images/obama3.jpg"),
    ("biden", "biden-1", FACE_RECOGNITION, "tests/test_images/biden.jpg"),
    ("hopper", "hopper-1", PILLOW, "Tests/images/hopper.png"),
)
SDIST_VARIANTS: tuple[tuple[str, str, tuple[str, str], str], ...] = (
    ("obama", "obama-2", FACE_RECOGNITION, "tests/test_images/32bit.png"),
    ("obama", "obama-1", FACE_RECOGNITION, "tests/test_images/obama_partial_face.jpg"),
    ("obama", "obama-1", FACE_RECOGNITION, "tests/test_images/obama_partial_face2.jpg"),
)
PIP_TIMEOUT_S = 600


@dataclass(frozen=True)
class RealPhoto:
    """One real photograph of ``identity``; ``photo_id`` is shared by variants of one photo."""

    identity: str
    photo_id: str
    image_bgr: Image
    source: str  # "pypi:NAME==VER:PATH" or "skimage.data.NAME"


def cache_root() -> Path:
    return Path(os.environ.get("BOTSKYC_CACHE_DIR", Path.home() / ".cache" / "botskyc")) / "data"


def _package_dir(package: tuple[str, str]) -> Path:
    name, version = package
    return cache_root() / f"{name}-{version}"


def fetch_sdist_members(package: tuple[str, str], members: list[str]) -> Path:
    """Extract ``members`` of the package's sdist into its cache folder, downloading once.

    Blocking: up to ``PIP_TIMEOUT_S`` for pip. Returns the cache folder; raises
    ``RuntimeError`` if pip fails or a member is missing from the sdist.
    """
    target = _package_dir(package)
    if all((target / m).is_file() for m in members):
        return target
    name, version = package
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"{name}=={version}",
                "-d",
                tmp,
            ],
            capture_output=True,
            text=True,
            timeout=PIP_TIMEOUT_S,
            check=False,
        )
        archives = list(Path(tmp).glob("*.tar.gz"))
        if result.returncode != 0 or not archives:
            raise RuntimeError(f"pip download {name}=={version} failed: {result.stderr[-2000:]}")
        staging = Path(tmp) / "x"
        with tarfile.open(archives[0]) as tar:
            prefix = tar.getnames()[0].split("/")[0]
            for member in members:
                try:
                    info = tar.getmember(f"{prefix}/{member}")
                except KeyError as exc:
                    raise RuntimeError(f"{member} is not in {archives[0].name}") from exc
                tar.extract(info, staging, filter="data")
        for member in members:
            dest = target / member
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(staging / prefix / member, dest)
    return target


def _read(path: Path) -> Image:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise RuntimeError(f"cannot decode {path}")
    return np.asarray(image, np.uint8)


def _skimage(name: str) -> Image:
    from skimage import data

    rgb = np.asarray(getattr(data, name)(), np.uint8)
    if rgb.ndim == 2:
        return np.asarray(cv2.cvtColor(rgb, cv2.COLOR_GRAY2BGR), np.uint8)
    return np.asarray(cv2.cvtColor(rgb[..., :3], cv2.COLOR_RGB2BGR), np.uint8)


def _load(entries: tuple[tuple[str, str, tuple[str, str], str], ...]) -> list[RealPhoto]:
    by_package: dict[tuple[str, str], list[str]] = {}
    for _, _, package, member in entries:
        by_package.setdefault(package, []).append(member)
    folders = {p: fetch_sdist_members(p, m) for p, m in by_package.items()}
    return [
        RealPhoto(
            identity, photo_id, _read(folders[pkg] / member), f"pypi:{pkg[0]}=={pkg[1]}:{member}"
        )
        for identity, photo_id, pkg, member in entries
    ]


def real_faces() -> list[RealPhoto]:
    """Every distinct real face photo (one entry per photograph), fetching on first use."""
    photos = _load(SDIST_PHOTOS)
    photos.append(
        RealPhoto("collins", "collins-1", _skimage("astronaut"), "skimage.data.astronaut")
    )
    return photos


def photo_variants() -> list[RealPhoto]:
    """Files in the sources that are re-encodings or crops of a photo in :func:`real_faces`."""
    return _load(SDIST_VARIANTS)


def non_faces() -> dict[str, Image]:
    """Real photographs without a detectable frontal face (a cat, a cup, a distant man)."""
    return {name: _skimage(name) for name in ("chelsea", "coffee", "camera")}


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)
    for photo in [*real_faces(), *photo_variants()]:
        h, w = photo.image_bgr.shape[:2]
        print(f"{photo.identity:10s} {photo.photo_id:10s} {w}x{h:<5d} {photo.source}")
    print(f"cache: {cache_root()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

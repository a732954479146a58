"""Clip decoding: real MP4/WebM files written by OpenCV's FFmpeg, bounded and typed errors."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from models.liveness.video import (
    MAX_FPS,
    MAX_SIDE,
    VideoError,
    VideoErrorCode,
    decode_video,
    frames_from_images,
)
from tools.livegen.camera import encode_mp4


def moving_frames(n: int, size: tuple[int, int] = (480, 640)) -> list[np.ndarray]:
    """A bright square moving over a gradient: frames differ, so codecs keep them all."""
    w, h = size
    base = np.tile(np.linspace(40, 200, w, dtype=np.uint8), (h, 1))
    out = []
    for k in range(n):
        img = cv2.cvtColor(base, cv2.COLOR_GRAY2BGR)
        x = 10 + (k * 7) % (w - 60)
        cv2.rectangle(img, (x, h // 3), (x + 50, h // 3 + 50), (30, 220, 250), -1)
        out.append(img)
    return out


def leftovers() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("botskyc-clip-*"))


@pytest.mark.parametrize("fourcc", ["mp4v", "VP80", "VP90"])
def test_mp4_and_webm_decode_to_at_most_15_fps(fourcc: str) -> None:
    before = leftovers()
    data = encode_mp4(moving_frames(90), fps=30.0, fourcc=fourcc)  # 3 s at 30 fps
    clip = decode_video(data)
    times = [f.t_ms for f in clip.frames]
    assert times[0] == 0.0 and all(b > a for a, b in itertools.pairwise(times))
    assert 40 <= len(clip.frames) <= 46
    assert min(np.diff(times)) >= 0.8 * 1000 / MAX_FPS
    assert 2900 <= clip.duration_ms <= 3100
    assert clip.source_fps == pytest.approx(30.0)
    assert clip.frames[0].image.shape == (640, 480, 3)
    assert clip.to_dict()["frames"] == len(clip.frames)
    assert leftovers() == before  # the temporary file is gone


def test_large_frames_are_downscaled() -> None:
    clip = decode_video(encode_mp4(moving_frames(20, (1280, 720)), fps=10.0))
    assert max(clip.frames[0].image.shape[:2]) == MAX_SIDE
    assert clip.source_size == (1280, 720)
    assert clip.scale == pytest.approx(0.5)


def test_too_long_and_too_short_clips_are_refused() -> None:
    with pytest.raises(VideoError) as long_error:
        decode_video(encode_mp4(moving_frames(56), fps=5.0))  # 11.2 s
    assert long_error.value.code == VideoErrorCode.VIDEO_TOO_LONG
    with pytest.raises(VideoError) as short_error:
        decode_video(encode_mp4(moving_frames(8), fps=15.0))  # 0.53 s
    assert short_error.value.code == VideoErrorCode.VIDEO_TOO_SHORT


@pytest.mark.parametrize("data", [b"", b"\x00" * 5000, b"GIF89a not a video at all" * 50])
def test_bytes_that_are_not_video_are_undecodable(data: bytes) -> None:
    before = leftovers()
    with pytest.raises(VideoError) as error:
        decode_video(data)
    assert error.value.code in {VideoErrorCode.UNDECODABLE_VIDEO, VideoErrorCode.NO_FRAMES}
    assert leftovers() == before


def test_a_truncated_upload_keeps_what_decodes_or_fails_typed() -> None:
    data = encode_mp4(moving_frames(60), fps=20.0)
    try:
        clip = decode_video(data[: len(data) // 2])
    except VideoError as error:  # the MP4 index (moov) may be at the cut-off end
        assert error.code in set(VideoErrorCode)
    else:
        assert len(clip.frames) >= 8


def test_timed_frames_are_subsampled_sorted_and_bounded() -> None:
    rng = np.random.default_rng(0)
    images = moving_frames(75, (320, 240))
    # 30 fps with jittery timestamps, given out of order
    pairs = [(k * 33.3 + float(rng.uniform(-4, 4)), img) for k, img in enumerate(images)]
    pairs.reverse()
    clip = frames_from_images(pairs)
    times = [f.t_ms for f in clip.frames]
    assert times == sorted(times) and times[0] == 0.0
    assert len(clip.frames) <= 2.5 * MAX_FPS + 2
    grey = [(k * 100.0, cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)) for k, img in enumerate(images[:20])]
    assert frames_from_images(grey).frames[0].image.shape == (240, 320, 3)


def test_timed_frame_errors_are_typed() -> None:
    with pytest.raises(VideoError) as empty:
        frames_from_images([])
    assert empty.value.code == VideoErrorCode.NO_FRAMES
    with pytest.raises(VideoError) as not_image:
        frames_from_images([(0.0, np.zeros((4, 4), np.float32))])
    assert not_image.value.code == VideoErrorCode.UNDECODABLE_VIDEO
    with pytest.raises(VideoError) as too_long:
        frames_from_images([(k * 500.0, np.zeros((8, 8, 3), np.uint8)) for k in range(30)])
    assert too_long.value.code == VideoErrorCode.VIDEO_TOO_LONG

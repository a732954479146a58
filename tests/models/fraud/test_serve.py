"""The ``document_forensics`` answer (models.fraud.serve) on generated documents."""

from __future__ import annotations

import base64
import json

import cv2
import numpy as np

from models.doctypes import DocumentType
from models.fraud.edits import load_installed
from models.fraud.serve import analyse, parse_options
from tests.fixtures.fraud import jpeg, sample


def test_options_are_validated() -> None:
    assert parse_options(None) is not None
    assert parse_options(b'{"hash": false}') == {
        "hash": False,
        "heatmaps": True,
        "experimental": False,
        "frameSize": None,
        "portraitBox": None,
        "textBoxes": None,
    }
    for bad in (
        b"not json",
        b'{"typo": 1}',
        b'{"portraitBox": [1, 2, 0, 4]}',
        b'{"frameSize": [10]}',
        b'{"textBoxes": [[1, 2, 3]]}',
        b'{"hash": "yes"}',
    ):
        assert parse_options(bad) is None, bad


def test_garbage_and_bad_options_are_errors_not_exceptions() -> None:
    assert analyse(b"\xff\xd8garbage")["error"] == "UNDECODABLE_IMAGE"
    assert analyse(b"")["error"] == "UNDECODABLE_IMAGE"
    assert analyse(jpeg(np.zeros((20, 20, 3), np.uint8), 90), b"{")["error"] == "BAD_OPTIONS"


def test_a_genuine_document_gets_every_signal_and_a_hash() -> None:
    s = sample(DocumentType.NATIONAL_ID_FRONT, "scan")
    data = jpeg(s.image, 90)
    h, w = s.image.shape[:2]
    # The pipeline's frame is the normalised page: here half the size.
    frame = [w // 2, h // 2]
    out = analyse(data, json.dumps({"frameSize": frame, "portraitBox": [10, 10, 60, 80]}))
    assert out["imageSize"] == [w, h] and out["boxesUsed"] is True
    names = [sig["name"] for sig in out["signals"]]
    assert "error_level" in names and "portrait_substitution" in names
    assert out["documentHash"]["layout"] and out["documentHash"]["ink"]
    portrait = next(sig for sig in out["signals"] if sig["name"] == "portrait_substitution")
    assert portrait["applicable"]


def test_a_frame_of_another_aspect_drops_the_boxes() -> None:
    s = sample(DocumentType.NATIONAL_ID_FRONT, "scan")
    h, w = s.image.shape[:2]
    out = analyse(jpeg(s.image, 90), json.dumps({"frameSize": [h, w], "portraitBox": [1, 1, 9, 9]}))
    assert out["boxesUsed"] is False
    portrait = next(sig for sig in out["signals"] if sig["name"] == "portrait_substitution")
    assert not portrait["applicable"]


def test_a_triggered_signal_brings_its_heat_map() -> None:
    s = sample(DocumentType.NATIONAL_ID_FRONT, "scan")
    # A screen's subpixel grid over the page: the recapture signal's case.
    img = s.image.astype(np.float32)
    grid = np.zeros_like(img)
    grid[:, 0::3, 2] = 60.0
    grid[:, 1::3, 1] = 60.0
    grid[:, 2::3, 0] = 60.0
    shot = np.clip(img * 0.8 + grid, 0, 255).astype(np.uint8)
    out = analyse(jpeg(shot, 95))
    triggered = [sig for sig in out["signals"] if sig["triggered"]]
    assert triggered, [(x["name"], x["score"]) for x in out["signals"]]
    # Recapture is page-wide (a region, no map); the block-level signals bring a map.
    for sig in triggered:
        if sig["heatmap"] is not None:
            png = base64.b64decode(sig["heatmapPng"])
            assert cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED) is not None
    assert all(sig["heatmapPng"] is None for sig in out["signals"] if not sig["triggered"])


def test_experimental_signals_run_only_when_asked() -> None:
    data = jpeg(sample(DocumentType.NATIONAL_ID_FRONT, "scan").image, 90)
    off = {x["name"]: x for x in analyse(data)["signals"]}
    on = {x["name"]: x for x in analyse(data, b'{"experimental": true}')["signals"]}
    assert not off["copy_move"]["applicable"] and on["copy_move"]["applicable"]
    assert off.keys() == on.keys()


def test_a_thread_pool_gives_the_same_answer() -> None:
    from concurrent.futures import ThreadPoolExecutor

    s = sample(DocumentType.PASSPORT, "phone")
    data = jpeg(s.image, 88)
    opts = json.dumps({"experimental": True, "portraitBox": [40, 60, 120, 150]})
    model = load_installed()  # trained by make up, which the test run starts with
    alone = analyse(data, opts, None, model)
    with ThreadPoolExecutor(max_workers=3) as pool:
        shared = analyse(data, opts, pool, model)
    for out in (alone, shared):
        del out["timingsMs"]
    assert shared == alone
    assert len(shared["signals"]) == 10 and shared["documentHash"]
    edits = next(x for x in shared["signals"] if x["name"] == "local_edits")
    assert edits["applicable"]

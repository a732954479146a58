"""The pure parts of ``benchmarks.gpu_check``: inputs as the OCR engine feeds them, exact
search, output comparison, timing, the report; and one guarded run without a GPU."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks import gpu_check


def test_line_input_is_what_the_engine_feeds_the_recogniser() -> None:
    engine = pytest.importorskip("models.ocr.engine")
    x = gpu_check.line_input(4, engine.REC_HEIGHT, engine.REC_MIN_WIDTH, seed=3)
    assert x.shape == (4, 3, 48, 320)
    assert x.dtype == np.float32
    assert x.min() >= -1.0 and x.max() <= 1.0
    # Text is dark on white (-1 and 1 both present); padding on the right is 0, as in
    # the engine's _resize_pad.
    assert (x < -0.5).any() and (x > 0.99).any()
    page = np.full((60, 90, 3), 200, np.uint8)
    page[10:50, 10:80] = 30
    ours = gpu_check.normalise(page)
    theirs = engine._resize_pad(page, 60, 200)[:, :, :90]
    np.testing.assert_allclose(ours, theirs, atol=1e-6)


def test_page_input_shape_and_range() -> None:
    x = gpu_check.page_input(128, 96)
    assert x.shape == (1, 3, 128, 96)
    assert -1.0 <= x.min() < 0 < 1.0 == x.max()


def test_exact_nearest_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    data = gpu_check.unit_vectors(rng, 1000, 16)
    queries = gpu_check.unit_vectors(rng, 20, 16)
    want = np.array([int(np.argmin(((data - q) ** 2).sum(1))) for q in queries])
    np.testing.assert_array_equal(gpu_check.exact_nearest(data, queries, chunk=97), want)


def test_compare_reports_difference_and_agreement() -> None:
    ref = np.zeros((2, 5, 4), np.float32)
    ref[..., 1] = 1.0
    out = ref.copy()
    out[0, 0] = [0.0, 0.0, 0.9, 0.0]  # one step's argmax differs
    r = gpu_check.compare("rec b2", ref, out)
    assert r["max_abs_diff"] == pytest.approx(1.0)
    assert r["agreement"] == pytest.approx(9 / 10)
    det = gpu_check.compare("det 4x4", np.full((1, 1, 4, 4), 0.5), np.full((1, 1, 4, 4), 0.2))
    assert det["agreement"] == 0.0
    assert np.isnan(gpu_check.compare("rec", ref, ref[:1])["max_abs_diff"])


def test_time_calls_stops_at_its_time_cap() -> None:
    calls = []
    times = gpu_check.time_calls(lambda: calls.append(1), runs=5, warmup=2)
    assert len(times) == 5 and len(calls) == 7
    slow = gpu_check.time_calls(lambda: __import__("time").sleep(0.02), 100, 0, max_s=0.05)
    assert 3 <= len(slow) < 100


def test_markdown_lists_every_section() -> None:
    data = {
        "env": {"torch": "2.11"},
        "ocr": [
            {"case": "det 960x960", "backend": "ort CPU", "p50_ms": 50.0, "runs": 3},
            {"case": "det 960x960", "backend": "x", "p50_ms": 1.0, "io_p50_ms": 2.0, "runs": 3},
        ],
        "ocr_correctness": [
            {"case": "det 960x960", "backend": "x", "max_abs_diff": 1e-5, "agreement": 1.0}
        ],
        "face": [{"size": 1000, "build_s": 0.1, "recall_at_1": 1.0}],
        "face_gpu_exact": [{"size": 1000, "device": "H100", "batch": 1, "p50_ms": 0.1}],
        "errors": [{"part": "ocr", "error": "boom"}],
        "notes": ["a note"],
    }
    md = gpu_check.markdown(data)
    for text in ("det 960x960", "1,000", "H100", "ocr: boom", "a note", "**torch**: 2.11"):
        assert text in md
    assert "| 3 | 25.0 |" in md  # CPU p50 over the numpy in/out p50


def test_a_run_without_models_or_gpu_records_errors_and_writes_the_report(
    tmp_path: Path,
) -> None:
    pytest.importorskip("usearch")
    out = tmp_path / "out"
    rc = gpu_check.main(
        [
            "--models",
            str(tmp_path / "none"),
            "--out",
            str(out),
            "--runs",
            "2",
            "--warmup",
            "0",
            "--ocr-cases",
            "cls b8 48x192",
            "--face-sizes",
            "2000",
            "--face-queries",
            "20",
        ]
    )
    assert rc == 0
    report = json.loads((out / "gpu_check.json").read_text())
    assert report["env"]["cpu_count"]
    assert any("cls b8" in e["part"] for e in report["errors"])  # no model file there
    assert report["face"][0]["size"] == 2000
    assert report["face"][0]["recall_at_1"] == 1.0  # below EXACT_BELOW the index is exact
    assert "1:N face search" in (out / "gpu_check.md").read_text()

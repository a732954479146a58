"""Where ONNX Runtime's CUDA provider loses time on the OCR networks: new shapes or every run.

    python3 -m benchmarks.ort_gpu_shapes --models DIR [--out DIR] [--repeats 20]

Made for a lent GPU machine (``benchmarks/device/run.sh shapes`` calls it there, with the
bundle's onnxruntime-gpu and numpy<2): ONNX Runtime and numpy only, no Triton, no project
services. ``--models`` is the folder of the three PP-OCRv4 ONNX files.

Triton's GPU configuration of ``document_ocr`` was slower than its CPU one on an H200
(docs/device/triton-gpu-2026-11-27.md), by hundreds of milliseconds per ONNX Runtime call.
This separates the two usual causes, for each provider setting (CUDA with ONNX Runtime's
default exhaustive cuDNN search, CUDA with the heuristic search, and the CPU for scale):

- **every run**: one input shape run ``--repeats`` times; the first run and the median of
  the others;
- **new shapes**: the recogniser at ten batch widths in turn (a page's lines have ever new
  widths), then the same ten again: the first pass pays whatever a new shape costs, the
  second only the run;
- the same for the angle classifier at batch sizes 1-8 (its width is fixed, its batch is
  not) and the detector at three page sizes.

Inputs are random; only time is measured. Prints a table and writes ``ort_gpu_shapes.json``
to ``--out``. Blocking: about a minute per provider setting on an H200.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

DET = "ch_PP-OCRv4_det_infer.onnx"
CLS = "ch_ppocr_mobile_v2.0_cls_infer.onnx"
REC = "ch_PP-OCRv4_rec_infer.onnx"
REC_WIDTHS = (320, 352, 416, 480, 544, 608, 704, 800, 928, 1056)
CLS_BATCHES = (1, 2, 3, 4, 5, 6, 7, 8)
DET_SIZES = ((800, 1280), (832, 1280), (960, 1280))


def _ms(fn: Any) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def measure(models: Path, providers: list[Any], repeats: int) -> dict[str, Any]:
    """Timings (ms) of the three networks under ``providers``. Blocking."""
    import numpy as np
    import onnxruntime as ort

    rng = np.random.default_rng(0)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    opts.log_severity_level = 3

    def session(name: str) -> Any:
        return ort.InferenceSession(str(models / name), sess_options=opts, providers=providers)

    def runner(sess: Any, shape: tuple[int, ...]) -> Any:
        x = rng.standard_normal(shape).astype(np.float32)
        name = sess.get_inputs()[0].name
        return lambda: sess.run(None, {name: x})

    out: dict[str, Any] = {}
    t = time.perf_counter()
    det, cls, rec = session(DET), session(CLS), session(REC)
    out["load_ms"] = round((time.perf_counter() - t) * 1000, 1)
    out["session_providers"] = rec.get_providers()

    same = runner(rec, (8, 3, 48, 320))
    times = [_ms(same) for _ in range(repeats)]
    out["rec_same_shape"] = {"first": times[0], "median_rest": statistics.median(times[1:])}
    same = runner(cls, (8, 3, 48, 192))
    times = [_ms(same) for _ in range(repeats)]
    out["cls_same_shape"] = {"first": times[0], "median_rest": statistics.median(times[1:])}

    def two_passes(sess: Any, shapes: list[tuple[int, ...]]) -> dict[str, Any]:
        runs = [runner(sess, s) for s in shapes]
        first = [_ms(r) for r in runs]
        second = [_ms(r) for r in runs]
        return {
            "shapes": [list(s) for s in shapes],
            "first_pass": [round(v, 1) for v in first],
            "second_pass": [round(v, 1) for v in second],
            "first_median": statistics.median(first),
            "second_median": statistics.median(second),
        }

    out["rec_new_widths"] = two_passes(rec, [(8, 3, 48, w) for w in REC_WIDTHS])
    out["cls_new_batches"] = two_passes(cls, [(b, 3, 48, 192) for b in CLS_BATCHES])
    out["det_new_sizes"] = two_passes(det, [(1, 3, h, w) for h, w in DET_SIZES])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--models", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=Path())
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--settings", default="cuda_exhaustive,cuda_heuristic,cpu")
    args = ap.parse_args(argv)
    import onnxruntime as ort

    settings: dict[str, list[Any]] = {
        "cuda_exhaustive": [("CUDAExecutionProvider", {}), "CPUExecutionProvider"],
        "cuda_heuristic": [
            ("CUDAExecutionProvider", {"cudnn_conv_algo_search": "HEURISTIC"}),
            "CPUExecutionProvider",
        ],
        "cpu": ["CPUExecutionProvider"],
    }
    report: dict[str, Any] = {"onnxruntime": ort.__version__, "results": {}}
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.settings.split(","):
        try:
            report["results"][name] = measure(args.models, settings[name], args.repeats)
        except Exception as exc:  # recorded, and the next setting runs
            report["results"][name] = {"error": f"{type(exc).__name__}: {exc}"}
        (args.out / "ort_gpu_shapes.json").write_text(json.dumps(report, indent=2))
        print(name, json.dumps(report["results"][name]), flush=True)
    print(
        "\n| setting | rec same shape (first / then) | rec 10 new widths (1st / 2nd pass median) "
        "| cls batches 1-8 (1st / 2nd) | det 3 sizes (1st / 2nd) |"
    )
    print("|---|---|---|---|---|")
    for name, r in report["results"].items():
        if "error" in r:
            print(f"| {name} | {r['error']} | | | |")
            continue
        cells = [
            f"{r['rec_same_shape']['first']:.0f} / {r['rec_same_shape']['median_rest']:.1f}",
            *(
                f"{r[key]['first_median']:.1f} / {r[key]['second_median']:.1f}"
                for key in ("rec_new_widths", "cls_new_batches", "det_new_sizes")
            ),
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(f"python3 -m benchmarks.ort_gpu_shapes --models {args.models} --repeats {args.repeats}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

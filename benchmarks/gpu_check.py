"""One-shot GPU check: the PP-OCRv4 networks on GPU vs CPU, and 1:N face search at 1M.

    python -m benchmarks.gpu_check --models DIR [--out DIR] [--runs 30]
        [--face-sizes 100000,1000000] [--face-queries 300] [--budget-s 330]

Made to run once on a lent GPU machine that has no network (PyTorch, numpy,
onnx, onnxruntime and OpenCV installed there; ``usearch`` and ``onnx2torch``
carried as wheels). Every part is guarded: a failure is recorded in the
report and the next part runs. The report (``gpu_check.json`` and
``gpu_check.md``) is rewritten after every part, so a run cut short still
leaves what it measured.

1. Environment: ``nvidia-smi``, torch / CUDA, onnxruntime and its providers,
   CPU count.
2. OCR (``models.ocr.engine``'s three ONNX files), fed like the engine feeds
   them: pixels scaled to [-1, 1]; a page for the detector (960×960, and the
   engine's own A4 size, long side ``DET_MAX_SIDE`` = 1280 → 1280×896); text
   lines at height 48, width 320 (``REC_MIN_WIDTH``), right-padded with 0,
   for the recogniser; 48×192 crops for the angle classifier. The inputs are
   rendered text (not noise), so that the outputs being compared carry
   signal. Backends: onnxruntime on the machine's CPU (all cores), onnxruntime
   CUDA when its provider is there, and the ONNX graphs converted by
   ``onnx2torch`` on torch CUDA in fp32 and fp16 (BatchNorm kept in fp32: the
   detector's running variances overflow fp16). Per case: p50/p95 over
   ``--runs`` runs after warm-up (``torch.cuda.synchronize`` before each clock
   read), the GPU's time with the input already on the device and the time
   numpy in → numpy out, and the largest absolute difference of the outputs
   from onnxruntime CPU (with the share of equal argmax steps for the
   recogniser and of equal text pixels, prob > 0.3, for the detector).
3. Face search: ``models.fraud.search.FaceIndex`` (usearch HNSW, built with
   all cores) on random unit 128-d vectors, as ``benchmarks.face_search`` does
   (build time, index memory, p50/p95 of ``search(k=10)``, recall@1 on
   re-captured faces), with the exact neighbours found by one matrix product
   (on the GPU when there is one) instead of a scan per query; and the exact
   search itself on the GPU (one query, and a batch) as the alternative to an
   ANN index.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.metadata
import json
import os
import platform
import resource
import subprocess
import sys
import time
import traceback
import types
import warnings
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.common import machine, percentile

DET_MODEL = "ch_PP-OCRv4_det_infer.onnx"
REC_MODEL = "ch_PP-OCRv4_rec_infer.onnx"
CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_infer.onnx"
# (label, model file, batch, height, width): what models.ocr.engine feeds.
OCR_CASES: list[tuple[str, str, int, int, int]] = [
    ("det 960x960", DET_MODEL, 1, 960, 960),
    ("det A4 1280x896", DET_MODEL, 1, 1280, 896),
    ("rec b1 48x320", REC_MODEL, 1, 48, 320),
    ("rec b8 48x320", REC_MODEL, 8, 48, 320),
    ("rec b32 48x320", REC_MODEL, 32, 48, 320),
    ("cls b8 48x192", CLS_MODEL, 8, 48, 192),
]
DET_THRESH = 0.3  # models.ocr.engine.DET_THRESH
FACE_DIM = 128
QUERY_NOISE = 0.05  # as benchmarks.face_search: a close re-capture of an enrolled face
WORDS_TEXT = (
    "REPUBLIQUE FRANCAISE CARTE NATIONALE IDENTITE NOM PRENOM SEXE NE LE A PARIS "
    "PASSPORT SURNAME GIVEN NAMES NATIONALITY DATE OF BIRTH 12.03.1985 EXPIRY 2031 "
    "ADDRESS 221B BAKER STREET LONDON NW1 6XE DRIVING LICENCE CATEGORY B 07/11/2019 "
    "IDFRADUPONT<<<<<<<<<<<<<<<<<<<<<<<< 8806923102858JEAN<<<<<<<<<<8510127M3"
)

Array = npt.NDArray[Any]


# -- report ------------------------------------------------------------------


class Report:
    """The figures and errors so far; rewritten to ``out`` after every part."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.data: dict[str, Any] = {
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "env": {},
            "ocr": [],
            "ocr_correctness": [],
            "face": [],
            "face_gpu_exact": [],
            "errors": [],
            "notes": [],
        }

    def error(self, part: str, exc: BaseException) -> None:
        msg = f"{type(exc).__name__}: {exc}"
        print(f"!! {part}: {msg}", flush=True)
        tb = traceback.format_exc(limit=6)
        self.data["errors"].append({"part": part, "error": msg, "traceback": tb})

    def note(self, text: str) -> None:
        print(f"-- {text}", flush=True)
        self.data["notes"].append(text)

    @contextlib.contextmanager
    def guard(self, part: str) -> Iterator[None]:
        try:
            yield
        except Exception as exc:  # every part is best effort; the report says what failed
            self.error(part, exc)
        finally:
            self.write()

    def write(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        self.data["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        (self.out / "gpu_check.json").write_text(json.dumps(self.data, indent=2, default=str))
        (self.out / "gpu_check.md").write_text(markdown(self.data))


def _f(value: Any, digits: int = 2) -> str:
    if isinstance(value, float):
        return "nan" if value != value else f"{value:.{digits}f}"
    return "" if value is None else str(value)


def markdown(data: dict[str, Any]) -> str:
    """The report as Markdown tables (pure: used by the tests)."""
    lines = ["# GPU check", ""]
    env = data.get("env", {})
    for key in sorted(env):
        lines.append(f"- **{key}**: {env[key]}")
    if data.get("ocr"):
        lines += [
            "",
            "## OCR (PP-OCRv4), ms per call",
            "",
            "| case | backend | p50 | p95 | p50 numpy in/out | p95 numpy in/out | runs "
            "| CPU p50 ÷ this (numpy in/out) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        cpu = {
            r["case"]: r.get("p50_ms")
            for r in data["ocr"]
            if str(r.get("backend", "")).startswith("ort CPU")
        }
        for r in data["ocr"]:
            base, this = cpu.get(r["case"]), r.get("io_p50_ms", r.get("p50_ms"))
            ratio = base / this if base and this else None
            lines.append(
                f"| {r['case']} | {r['backend']} | {_f(r.get('p50_ms'))} | "
                f"{_f(r.get('p95_ms'))} | {_f(r.get('io_p50_ms'))} | "
                f"{_f(r.get('io_p95_ms'))} | {r.get('runs', '')} | {_f(ratio, 1)} |"
            )
    if data.get("ocr_correctness"):
        lines += [
            "",
            "## OCR outputs vs onnxruntime CPU",
            "",
            "| case | backend | max abs diff | agreement |",
            "|---|---|---|---|",
        ]
        for r in data["ocr_correctness"]:
            lines.append(
                f"| {r['case']} | {r['backend']} | {_f(r.get('max_abs_diff'), 6)} | "
                f"{_f(r.get('agreement'), 5)} ({r.get('agreement_of', '')}) |"
            )
    if data.get("face"):
        lines += [
            "",
            "## 1:N face search (FaceIndex, usearch HNSW)",
            "",
            "| stored | build s | index MiB | p50 ms | p95 ms | new face p50/p95 ms "
            "| recall@1 | exact by |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in data["face"]:
            lines.append(
                f"| {r['size']:,} | {_f(r.get('build_s'), 1)} | {_f(r.get('memory_mib'), 0)} | "
                f"{_f(r.get('p50_ms'), 3)} | {_f(r.get('p95_ms'), 3)} | "
                f"{_f(r.get('new_p50_ms'), 3)}/{_f(r.get('new_p95_ms'), 3)} | "
                f"{_f(r.get('recall_at_1'), 3)} | {r.get('exact_by', '')} |"
            )
    if data.get("face_gpu_exact"):
        lines += [
            "",
            "## Exact 1:N search on the accelerator (top-10 by L2)",
            "",
            "| stored | device | batch | p50 ms | p95 ms | per query ms |",
            "|---|---|---|---|---|---|",
        ]
        for r in data["face_gpu_exact"]:
            lines.append(
                f"| {r['size']:,} | {r['device']} | {r['batch']} | {_f(r.get('p50_ms'), 3)} | "
                f"{_f(r.get('p95_ms'), 3)} | {_f(r.get('per_query_ms'), 4)} |"
            )
    for title, key in (("Notes", "notes"), ("Errors", "errors")):
        if data.get(key):
            lines += ["", f"## {title}", ""]
            for item in data[key]:
                text = item if isinstance(item, str) else f"{item['part']}: {item['error']}"
                lines.append(f"- {text}")
    return "\n".join(lines) + "\n"


# -- inputs --------------------------------------------------------------------


def normalise(image: Array) -> npt.NDArray[np.float32]:
    """H×W×3 uint8 → 3×H×W float32 in [-1, 1], as the engine feeds every network."""
    x = (image.astype(np.float32) / 255.0 - 0.5) / 0.5
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def _text(rng: np.random.Generator, n: int) -> str:
    words = WORDS_TEXT.split()
    return " ".join(words[int(i)] for i in rng.integers(0, len(words), size=n))


def page_input(height: int, width: int, seed: int = 0) -> npt.NDArray[np.float32]:
    """1×3×H×W: a white page with lines of dark text, normalised."""
    import cv2

    rng = np.random.default_rng(seed)
    img = np.full((height, width, 3), 255, np.uint8)
    y = 40
    while y < height - 10:
        scale = float(rng.uniform(0.5, 1.0))
        cv2.putText(img, _text(rng, 6), (20, y), cv2.FONT_HERSHEY_SIMPLEX, scale, (20, 20, 20), 2)
        y += int(40 * scale) + 14
    return normalise(img)[None]


def line_input(batch: int, height: int, width: int, seed: int = 0) -> npt.NDArray[np.float32]:
    """batch×3×H×W text-line crops, resized to ``height`` and right-padded with 0 (the engine's
    ``_resize_pad``)."""
    import cv2

    rng = np.random.default_rng(seed)
    out = np.zeros((batch, 3, height, width), np.float32)
    for b in range(batch):
        text = _text(rng, int(rng.integers(1, 4)))
        (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 1.0, 2)
        crop = np.full((th + base + 12, tw + 12, 3), 255, np.uint8)
        cv2.putText(crop, text, (6, th + 6), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (15, 15, 15), 2)
        rw = min(width, int(np.ceil(height * crop.shape[1] / crop.shape[0])))
        resized = cv2.resize(crop, (max(rw, 1), height))
        out[b, :, :, : resized.shape[1]] = normalise(resized)
    return out


def make_input(model: str, batch: int, height: int, width: int) -> npt.NDArray[np.float32]:
    if model == DET_MODEL:
        return np.concatenate([page_input(height, width, seed=i) for i in range(batch)])
    return line_input(batch, height, width)


# -- timing ----------------------------------------------------------------


def time_calls(
    fn: Callable[[], Any],
    runs: int,
    warmup: int,
    sync: Callable[[], None] | None = None,
    max_s: float = 20.0,
) -> list[float]:
    """Milliseconds per call of ``fn`` over ``runs`` calls after ``warmup`` calls.

    Stops early (after at least 3 timed calls) once ``max_s`` seconds are spent.
    """
    start = time.perf_counter()
    for _ in range(warmup):
        fn()
        if time.perf_counter() - start > max_s / 2:
            break
    if sync:
        sync()
    times: list[float] = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        if sync:
            sync()
        times.append((time.perf_counter() - t) * 1000)
        if len(times) >= 3 and time.perf_counter() - start > max_s:
            break
    return times


def summary(times: list[float]) -> dict[str, float]:
    return {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95)}


def compare(case: str, ref: Array, out: Array) -> dict[str, Any]:
    """Max abs difference and argmax / text-pixel agreement of ``out`` against ``ref``."""
    ref = np.asarray(ref, np.float32)
    out = np.asarray(out, np.float32)
    if ref.shape != out.shape:
        return {"max_abs_diff": float("nan"), "shape": [list(ref.shape), list(out.shape)]}
    result: dict[str, Any] = {
        "max_abs_diff": float(np.max(np.abs(ref - out))) if ref.size else 0.0,
        "finite": bool(np.isfinite(out).all()),
    }
    if case.startswith("det"):
        result["agreement"] = float(np.mean((ref > DET_THRESH) == (out > DET_THRESH)))
        result["agreement_of"] = f"pixels prob>{DET_THRESH}"
    else:
        result["agreement"] = float(np.mean(ref.argmax(-1) == out.argmax(-1)))
        result["agreement_of"] = "argmax steps"
    return result


# -- environment ------------------------------------------------------------


def _torch() -> Any:
    return importlib.import_module("torch")


def environment() -> dict[str, Any]:
    env: dict[str, Any] = {
        "machine": machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    try:
        smi = subprocess.run(
            [
                "nvidia-smi",
                "--query-gpu=name,memory.total,driver_version",
                "--format=csv,noheader",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        env["nvidia_smi"] = (smi.stdout or smi.stderr).strip()
    except (OSError, subprocess.SubprocessError) as exc:
        env["nvidia_smi"] = f"unavailable: {exc}"
    for mod in ("torch", "onnxruntime", "onnx", "cv2", "usearch", "onnx2torch"):
        try:
            version = getattr(importlib.import_module(mod), "__version__", None)
            if version is None:
                version = importlib.metadata.version(mod)
            env[mod] = version
        except Exception as exc:  # a missing module is a finding, not a failure
            env[mod] = f"unavailable: {type(exc).__name__}: {exc}"
    with contextlib.suppress(Exception):
        ort = importlib.import_module("onnxruntime")
        env["onnxruntime_providers"] = ort.get_available_providers()
        env["onnxruntime_device"] = ort.get_device()
    with contextlib.suppress(Exception):
        torch = _torch()
        env["torch_cuda_available"] = bool(torch.cuda.is_available())
        env["torch_cuda_version"] = torch.version.cuda
        if torch.cuda.is_available():
            env["torch_device"] = torch.cuda.get_device_name(0)
            env["torch_capability"] = ".".join(map(str, torch.cuda.get_device_capability(0)))
            env["cudnn"] = torch.backends.cudnn.version()
    return env


# -- OCR ----------------------------------------------------------------------


def ort_session(path: Path, providers: list[str], threads: int) -> Any:
    ort = importlib.import_module("onnxruntime")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=opts, providers=providers)


def _stub_torchvision() -> None:
    """onnx2torch imports torchvision for NMS / RoiAlign, which PP-OCR does not use."""
    try:
        importlib.import_module("torchvision")
    except Exception:
        tv = types.ModuleType("torchvision")
        ops = types.ModuleType("torchvision.ops")

        def _missing(*_: Any, **__: Any) -> Any:
            raise RuntimeError("torchvision is not installed")

        ops.roi_align = _missing  # type: ignore[attr-defined]
        ops.nms = _missing  # type: ignore[attr-defined]
        ops.box_convert = _missing  # type: ignore[attr-defined]
        tv.ops = ops  # type: ignore[attr-defined]
        sys.modules["torchvision"] = tv
        sys.modules["torchvision.ops"] = ops


def constants_to_initializers(model: Any) -> int:
    """Turn the graph's tensor ``Constant`` nodes into initializers, in place.

    Paddle2ONNX stores the PP-OCR weights as ``Constant`` nodes; ``onnx2torch``
    reads a Conv's weights from the initializers only. Returns how many moved.
    """
    graph = model.graph
    keep, moved = [], 0
    for node in graph.node:
        value = [a for a in node.attribute if a.name == "value"]
        if node.op_type == "Constant" and len(node.attribute) == 1 and value:
            tensor = value[0].t
            tensor.name = node.output[0]
            graph.initializer.append(tensor)
            moved += 1
        else:
            keep.append(node)
    del graph.node[:]
    graph.node.extend(keep)
    return moved


def declare_conv_ranks(model: Any) -> int:
    """Give Conv outputs whose rank shape inference lost (after a computed Reshape) their rank.

    ``onnx2torch`` picks BatchNorm1d/2d/3d from the rank of the BatchNorm's
    input; PP-OCRv4's recogniser has Conv → BatchNorm pairs behind a Reshape
    whose output shape inference cannot know. A Conv's output has the rank of
    its kernel + 2. Returns how many were declared.
    """
    onnx = importlib.import_module("onnx")
    inferred = onnx.shape_inference.infer_shapes(model)
    known = {
        v.name
        for v in [*inferred.graph.value_info, *inferred.graph.input, *inferred.graph.output]
        if v.type.tensor_type.HasField("shape") and len(v.type.tensor_type.shape.dim) > 0
    }
    declared = 0
    for node in model.graph.node:
        if node.op_type != "Conv" or node.output[0] in known:
            continue
        kernel = [list(a.ints) for a in node.attribute if a.name == "kernel_shape"]
        if not kernel:
            continue
        dims = [f"{node.output[0]}_d{i}" for i in range(len(kernel[0]) + 2)]
        model.graph.value_info.append(
            onnx.helper.make_tensor_value_info(node.output[0], onnx.TensorProto.FLOAT, dims)
        )
        declared += 1
    return declared


def convert_to_torch(path: Path) -> Any:
    """The ONNX graph as a torch module (``onnx2torch``), in eval mode, on the CPU."""
    _stub_torchvision()
    onnx = importlib.import_module("onnx")
    onnx2torch = importlib.import_module("onnx2torch")
    model = onnx.load(str(path))
    constants_to_initializers(model)
    declare_conv_ranks(model)
    return onnx2torch.convert(model).eval()


def to_dtype(net: Any, dtype: Any) -> Any:
    """``net`` cast to ``dtype``, its BatchNorm layers kept in fp32.

    PP-OCRv4's detector has BatchNorm running variances near 1e8, past fp16's
    65504: cast whole, its head's output is garbage. fp16 activations with
    fp32 BatchNorm statistics are what mixed precision does anyway.
    """
    torch = _torch()
    batchnorm = torch.nn.modules.batchnorm._BatchNorm
    for module in net.modules():
        if isinstance(module, batchnorm) and dtype != torch.float32:
            continue  # cast before a .float(), its inf variances would stay inf
        for key, param in module._parameters.items():
            if param is not None and param.is_floating_point():
                module._parameters[key] = torch.nn.Parameter(param.to(dtype), False)
        for key, buf in module._buffers.items():
            if buf is not None and buf.is_floating_point():
                module._buffers[key] = buf.to(dtype)
    return net


class Deadline:
    def __init__(self, budget_s: float) -> None:
        self.start = time.perf_counter()
        self.budget_s = budget_s

    def left(self) -> float:
        return self.budget_s - (time.perf_counter() - self.start)


def run_ocr(args: argparse.Namespace, report: Report, deadline: Deadline) -> None:
    models = Path(args.models)
    cpu_threads = os.cpu_count() or 1
    cpu_label = f"ort CPU ({cpu_threads}-core device CPU)"
    inputs: dict[str, npt.NDArray[np.float32]] = {}
    refs: dict[str, Array] = {}
    cases = [c for c in OCR_CASES if args.ocr_cases is None or c[0] in args.ocr_cases]

    def record(case: str, backend: str, times: list[float], io: list[float] | None) -> None:
        row: dict[str, Any] = {"case": case, "backend": backend, "runs": len(times)}
        row.update(summary(times))
        if io is not None:
            io_sum = summary(io)
            row["io_p50_ms"], row["io_p95_ms"] = io_sum["p50_ms"], io_sum["p95_ms"]
        report.data["ocr"].append(row)
        extra = f"  numpy in/out p50 {row['io_p50_ms']:.2f}" if io is not None else ""
        print(
            f"OCR {case:<16} {backend:<34} p50 {row['p50_ms']:8.2f} ms  "
            f"p95 {row['p95_ms']:8.2f} ms{extra}",
            flush=True,
        )

    # 1. onnxruntime on the CPU: the reference outputs and the CPU's times.
    sessions: dict[str, Any] = {}
    for case, model, batch, h, w in cases:
        with report.guard(f"ocr {case} {cpu_label}"):
            if model not in sessions:
                sessions[model] = ort_session(models / model, ["CPUExecutionProvider"], cpu_threads)
            sess = sessions[model]
            x = inputs[case] = make_input(model, batch, h, w)
            name = sess.get_inputs()[0].name
            refs[case] = sess.run(None, {name: x})[0]
            runs = args.runs if deadline.left() > 120 else max(3, args.runs // 5)
            times = time_calls(partial(sess.run, None, {name: x}), runs, 2)
            record(case, cpu_label, times, None)

    # 2. onnxruntime CUDA, when that provider is there.
    ort = importlib.import_module("onnxruntime")
    if "CUDAExecutionProvider" in ort.get_available_providers():
        cuda_sessions: dict[str, Any] = {}
        for case, model, _, _, _ in cases:
            if case not in inputs:
                continue
            with report.guard(f"ocr {case} ort CUDA"):
                if model not in cuda_sessions:
                    cuda_sessions[model] = ort_session(
                        models / model, ["CUDAExecutionProvider", "CPUExecutionProvider"], 1
                    )
                sess = cuda_sessions[model]
                name = sess.get_inputs()[0].name
                x = inputs[case]
                out = sess.run(None, {name: x})[0]
                times = time_calls(partial(sess.run, None, {name: x}), args.runs, args.warmup)
                record(case, "ort CUDA (numpy in/out)", times, None)
                _record_compare(report, case, "ort CUDA", refs.get(case), out)
    else:
        report.note("onnxruntime has no CUDAExecutionProvider: the GPU runs via onnx2torch")

    # 3. onnx2torch on torch (CUDA when there is one), fp32 and fp16.
    if deadline.left() < 60:
        report.note(f"skipped torch OCR: {deadline.left():.0f} s of budget left")
        return
    torch = _torch()
    cuda = bool(torch.cuda.is_available())
    device = torch.device("cuda" if cuda else "cpu")
    dev_label = "torch CUDA" if cuda else "torch CPU (no CUDA)"
    sync: Callable[[], None] | None = torch.cuda.synchronize if cuda else None
    converted: dict[str, Any] = {}
    for model in dict.fromkeys(m for _, m, *_ in cases):
        with report.guard(f"onnx2torch convert {model}"):
            t = time.perf_counter()
            converted[model] = convert_to_torch(models / model)
            report.note(f"onnx2torch converted {model} in {time.perf_counter() - t:.1f} s")
    dtypes = [("fp32", torch.float32)] + ([("fp16", torch.float16)] if cuda else [])
    for dname, dtype in dtypes:
        for case, model, *_ in cases:
            if case not in inputs or model not in converted:
                continue
            if deadline.left() < 30:
                report.note(f"skipped torch {dname} {case}: budget spent")
                continue
            backend = f"{dev_label} {dname} (onnx2torch)"
            with report.guard(f"ocr {case} {backend}"):
                net = to_dtype(converted[model].to(device=device), dtype)
                x_np = inputs[case]
                x_dev = torch.from_numpy(x_np).to(device=device, dtype=dtype)
                with torch.inference_mode():
                    out = net(x_dev)
                    out = out[0] if isinstance(out, list | tuple) else out
                    out_np = out.float().cpu().numpy()
                    runs = args.runs if cuda else max(3, args.runs // 3)
                    times = time_calls(partial(net, x_dev), runs, args.warmup, sync)

                    def io_call(n: Any = net, x: Array = x_np, dt: Any = dtype) -> Any:
                        y = n(torch.from_numpy(x).to(device=device, dtype=dt))
                        y = y[0] if isinstance(y, list | tuple) else y
                        return y.float().cpu().numpy()

                    io = time_calls(io_call, runs, 1, sync)
                record(case, backend, times, io)
                _record_compare(report, case, f"{dev_label} {dname}", refs.get(case), out_np)
    if cuda:
        report.data["env"]["torch_max_memory_allocated_mib"] = round(
            torch.cuda.max_memory_allocated() / 2**20, 1
        )
    report.note(
        "torch defaults: cudnn.allow_tf32="
        f"{torch.backends.cudnn.allow_tf32}, cudnn.benchmark={torch.backends.cudnn.benchmark}"
    )


def _record_compare(report: Report, case: str, backend: str, ref: Array | None, out: Array) -> None:
    if ref is None:
        return
    row = {"case": case, "backend": backend, **compare(case, ref, out)}
    report.data["ocr_correctness"].append(row)
    print(
        f"    vs ort CPU: max abs diff {row['max_abs_diff']:.2e}, "
        f"agreement {row.get('agreement', float('nan')):.5f} ({row.get('agreement_of', '')})",
        flush=True,
    )


# -- face search -----------------------------------------------------------------


def _rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 1024 / 1024


def unit_vectors(rng: np.random.Generator, n: int, dim: int = FACE_DIM) -> Array:
    v = rng.normal(size=(n, dim)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v


def exact_nearest(data: Array, queries: Array, chunk: int = 65536) -> npt.NDArray[np.int64]:
    """Index of each query's nearest stored vector by L2, on the CPU (BLAS, chunked)."""
    best = np.full(len(queries), np.inf, np.float32)
    arg = np.zeros(len(queries), np.int64)
    for start in range(0, len(data), chunk):
        block = data[start : start + chunk]
        d = (block * block).sum(1)[:, None] - 2 * block @ queries.T  # + |q|² is constant
        i = d.argmin(0)
        v = d[i, np.arange(len(queries))]
        better = v < best
        best[better] = v[better]
        arg[better] = i[better] + start
    return arg


def run_face(size: int, queries: int, rng: np.random.Generator, report: Report, torch: Any) -> None:
    from models.fraud.search import FaceIndex

    data = unit_vectors(rng, size)
    before = _rss_mib()
    index = FaceIndex(dim=FACE_DIM)
    t = time.perf_counter()
    index.rebuild((i, data[i]) for i in range(size))
    build = time.perf_counter() - t
    memory = _rss_mib() - before
    picks = rng.choice(size, queries, replace=False)
    noisy = data[picks] + rng.normal(0, QUERY_NOISE, (queries, FACE_DIM)).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    latencies: list[float] = []
    first: list[int] = []
    for q in range(queries):
        t = time.perf_counter()
        found = index.search(noisy[q], k=10, max_distance=10.0)
        latencies.append((time.perf_counter() - t) * 1000)
        first.append(found[0][0] if found else -1)
    fresh = unit_vectors(rng, queries)
    new_lat: list[float] = []
    for q in range(queries):
        t = time.perf_counter()
        index.search(fresh[q], k=10)
        new_lat.append((time.perf_counter() - t) * 1000)
    cuda = torch is not None and bool(torch.cuda.is_available())
    t = time.perf_counter()
    if cuda:
        exact, gpu_rows = torch_exact(torch, data, noisy)
        torch.cuda.empty_cache()
    else:
        exact, gpu_rows = exact_nearest(data, noisy), []
    exact_s = time.perf_counter() - t
    hits = sum(1 for f, e in zip(first, exact.tolist(), strict=True) if f == e)
    hnsw = getattr(index, "_index", None)
    row = {
        "size": size,
        "queries": queries,
        "build_s": build,
        "build_per_s": size / build if build > 0 else float("nan"),
        "memory_mib": memory,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "new_p50_ms": percentile(new_lat, 50),
        "new_p95_ms": percentile(new_lat, 95),
        "recall_at_1": hits / queries,
        "exact_by": "torch CUDA matmul" if cuda else "numpy BLAS",
        "exact_s": exact_s,
        "hardware_acceleration": str(getattr(hnsw, "hardware_acceleration", "?")),
    }
    report.data["face"].append(row)
    print(
        f"FACE {size:>9,} build {build:6.1f} s ({row['build_per_s']:,.0f}/s)  "
        f"index {memory:6.0f} MiB  p50 {row['p50_ms']:.3f} ms  p95 {row['p95_ms']:.3f} ms  "
        f"new p50/p95 {row['new_p50_ms']:.3f}/{row['new_p95_ms']:.3f} ms  "
        f"recall@1 {row['recall_at_1']:.3f}  (simd {row['hardware_acceleration']})",
        flush=True,
    )
    for r in gpu_rows:
        r["size"] = size
        report.data["face_gpu_exact"].append(r)
        print(
            f"FACE {size:>9,} exact on {r['device']} batch {r['batch']:>4}: "
            f"p50 {r['p50_ms']:.3f} ms  p95 {r['p95_ms']:.3f} ms  "
            f"({r['per_query_ms']:.4f} ms/query)",
            flush=True,
        )
    del index, data


def torch_exact(
    torch: Any, data: Array, queries: Array, device: str = "cuda", runs: int = 30
) -> tuple[npt.NDArray[np.int64], list[dict[str, Any]]]:
    """Exact nearest neighbours with torch on ``device``, and the time of exact top-10 search
    there for one query and for all ``queries`` at once (results copied back to the host)."""
    dev = torch.device(device)
    cuda = dev.type == "cuda"
    stored = torch.from_numpy(data).to(dev)
    norms = (stored * stored).sum(1)
    q_all = torch.from_numpy(np.ascontiguousarray(queries)).to(dev)
    k = min(10, len(data))

    def top(q: Any) -> Any:
        d = norms[:, None] - 2 * (stored @ q.T)  # + |q|² does not change the order
        return torch.topk(d, k, dim=0, largest=False)

    def top_host(q: Any) -> Any:
        return top(q).indices.cpu()

    name = torch.cuda.get_device_name(dev) if cuda else f"torch {device}"
    with torch.inference_mode():
        nearest = top(q_all).indices[0].cpu().numpy().astype(np.int64)
        rows: list[dict[str, Any]] = []
        for batch in dict.fromkeys((1, len(queries))):
            q = q_all[:batch]
            sync = torch.cuda.synchronize if cuda else None
            s = summary(time_calls(partial(top_host, q), runs, 3, sync, max_s=10.0))
            rows.append({"device": name, "batch": batch, **s, "per_query_ms": s["p50_ms"] / batch})
    return nearest, rows


# -- main ------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--models", default=".gpumodels", help="folder with the PP-OCRv4 ONNX files")
    ap.add_argument("--out", default=os.environ.get("OUT") or "out/gpu_check")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument(
        "--ocr-cases",
        type=lambda s: [c.strip() for c in s.split(",") if c.strip()],
        default=None,
        help="comma-separated case labels (default: all of " + "; ".join(c[0] for c in OCR_CASES),
    )
    ap.add_argument("--face-sizes", default="100000,1000000")
    ap.add_argument("--face-queries", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--budget-s", type=float, default=330.0, help="soft limit for the whole run")
    ap.add_argument("--skip-ocr", action="store_true")
    ap.add_argument("--skip-face", action="store_true")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # onnx2torch's Slice indexes with a list (deprecated in torch, still working in 2.11).
    warnings.filterwarnings("ignore", message="Using a non-tuple sequence")
    deadline = Deadline(args.budget_s)
    report = Report(Path(args.out))
    report.data["args"] = vars(args)
    with report.guard("environment"):
        _stub_torchvision()  # before onnx2torch is first imported
        report.data["env"] = environment()
        for key, value in report.data["env"].items():
            print(f"ENV {key}: {value}", flush=True)
    if not args.skip_ocr:
        with report.guard("ocr"):
            run_ocr(args, report, deadline)
    if not args.skip_face:
        torch = None
        with contextlib.suppress(Exception):
            torch = _torch()
        rng = np.random.default_rng(args.seed)
        for size in (int(s) for s in args.face_sizes.split(",") if s):
            # 1M needs about a minute on 16 cores; below that there is no point starting.
            need = 15 + size / 20_000
            if deadline.left() < need:
                report.note(f"skipped face search at {size:,}: {deadline.left():.0f} s left")
                continue
            with report.guard(f"face search {size:,}"):
                run_face(size, args.face_queries, rng, report, torch)
    report.data["elapsed_s"] = round(time.perf_counter() - deadline.start, 1)
    report.write()
    print(f"elapsed {report.data['elapsed_s']} s; report in {report.out}", flush=True)
    print(
        "reproduce: python -m benchmarks.gpu_check "
        + " ".join(a for a in (argv if argv is not None else sys.argv[1:])),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

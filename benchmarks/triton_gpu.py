"""Triton's ``gpu`` configuration of ``document_ocr`` on a GPU, against its CPU one.

    python3 -m benchmarks.triton_gpu --server DIR --pages DIR --out DIR
        [--variants gpu,cpu] [--concurrency 8] [--ready-timeout 240]
        [--request-timeout 120] [--limit N]
    python -m benchmarks.triton_gpu --make-pages DIR [--count 48]  # here: the pages it reads

Made for a lent GPU machine (no network, none of the project's services, a
Python other than the project's): the client side needs only the standard
library. ``benchmarks/device/run.sh`` prepares that machine and calls this;
``benchmarks/device/bundle.sh`` packs what it needs here.

For each variant it starts ``tritonserver`` (``--server``: the ``tritonserver``
folder of the ``nvidia-pytriton`` wheel) on this checkout's ``triton-repo/``
with only ``document_ocr`` loaded (``cpu``: ``config.pbtxt``; any other variant
``NAME``: ``--model-config-name=NAME``, ``triton-repo/document_ocr/configs/NAME.pbtxt``,
so a variant of the GPU configuration is a file copied there on the lent machine),
then, on the JPEG pages in ``--pages`` (every request distinct, so the
response cache cannot answer):

- warm-up on three pages (not timed; CUDA kernels are chosen on first use);
- one request at a time over every page: client latency p50/p95 and Triton's
  own compute time per inference (its statistics, before/after);
- ``--concurrency`` clients at once over the same pages with a byte appended
  after each JPEG's end marker (decoders ignore it; the cache key changes):
  throughput and the mean batch Triton's dynamic batcher formed;
- what was read: the lines' text per page, compared between the variants.

Every part is guarded: a failure is recorded in the report and the next
variant runs. The report (``triton_gpu.json``, ``triton_gpu.md``) is written
to ``--out`` after each variant, so a run cut short keeps what it measured.
Blocking: the whole run takes a few minutes; each request times out after
``--request-timeout`` seconds (:data:`REQUEST_TIMEOUT_S` by default).
"""

from __future__ import annotations

import argparse
import difflib
import http.client
import json
import os
import platform
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks.common import percentile, triton_counters

MODEL = "document_ocr"
REQUEST_TIMEOUT_S = 120.0  # default of --request-timeout
REPO_ROOT = Path(__file__).resolve().parents[1]
# Ports away from the stack's own (infra/services/triton.py uses 8000-8002).
BASE_PORT = 18000


def ports(index: int) -> tuple[int, int, int]:
    """HTTP, gRPC and metrics ports of a run's ``index``-th variant (one server each)."""
    base = BASE_PORT + 100 * index
    return base, base + 1, base + 2


def encode_request(image: bytes) -> tuple[bytes, int]:
    """The body of a KServe v2 ``infer`` request for one image, in Triton's binary extension.

    Returns the body and the length of its JSON header (sent as the
    ``Inference-Header-Content-Length`` header). A BYTES tensor's binary form
    is each element's length (4 bytes, little-endian) followed by its bytes.
    """
    tensor = struct.pack("<I", len(image)) + image
    header = json.dumps(
        {
            "inputs": [
                {
                    "name": "IMAGE",
                    "shape": [1, 1],
                    "datatype": "BYTES",
                    "parameters": {"binary_data_size": len(tensor)},
                }
            ],
            "outputs": [{"name": "READING", "parameters": {"binary_data": False}}],
        }
    ).encode()
    return header + tensor, len(header)


def parse_response(body: bytes) -> dict[str, Any]:
    """The model's READING (a JSON document) from a JSON ``infer`` response.

    Raises ``ValueError`` when the response carries no READING output.
    """
    doc = json.loads(body)
    for out in doc.get("outputs", []):
        if out.get("name") == "READING" and out.get("data"):
            reading: dict[str, Any] = json.loads(out["data"][0])
            return reading
    raise ValueError(f"no READING in response: {body[:200]!r}")


def _request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = REQUEST_TIMEOUT_S,
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def infer(port: int, image: bytes, timeout: float = REQUEST_TIMEOUT_S) -> dict[str, Any]:
    """One ``document_ocr`` request; raises ``RuntimeError`` on a non-200 answer."""
    body, header_len = encode_request(image)
    status, data = _request(
        port,
        "POST",
        f"/v2/models/{MODEL}/infer",
        body,
        {
            "Inference-Header-Content-Length": str(header_len),
            "Content-Type": "application/octet-stream",
        },
    )
    if status != 200:
        raise RuntimeError(f"infer: HTTP {status}: {data[:300]!r}")
    return parse_response(data)


def model_stats(port: int, timeout: float = REQUEST_TIMEOUT_S) -> dict[str, int]:
    """Triton's cumulative counters for the model (inferences, executions, compute ns)."""
    status, data = _request(port, "GET", f"/v2/models/{MODEL}/stats", timeout=timeout)
    if status != 200:
        raise RuntimeError(f"stats: HTTP {status}: {data[:300]!r}")
    return triton_counters(json.loads(data))


def texts(reading: dict[str, Any]) -> list[str]:
    """The text of each line the model read, in its order."""
    return [str(line.get("text", "")) for line in reading.get("lines", [])]


def agreement(a: list[list[str]], b: list[list[str]]) -> dict[str, Any]:
    """How far two variants read the same pages alike.

    ``pages_identical``: share of pages whose line texts are equal, in order;
    ``char_similarity``: mean ``difflib`` ratio of the pages' joined texts.
    """
    n = min(len(a), len(b))
    if n == 0:
        return {"pages": 0, "pages_identical": float("nan"), "char_similarity": float("nan")}
    same = sum(a[i] == b[i] for i in range(n))
    sim = [
        difflib.SequenceMatcher(None, "\n".join(a[i]), "\n".join(b[i])).ratio() for i in range(n)
    ]
    return {"pages": n, "pages_identical": same / n, "char_similarity": statistics.fmean(sim)}


def server_command(server: Path, variant: str, index: int = 0) -> list[str]:
    """``tritonserver``'s command line: the stack's flags (infra/services/triton.py), one model.

    ``cpu`` is ``config.pbtxt``; any other variant names ``configs/<variant>.pbtxt``.
    """
    http_port, grpc_port, metrics_port = ports(index)
    cmd = [
        str(server / "bin" / "tritonserver"),
        f"--model-repository={REPO_ROOT / 'triton-repo'}",
        f"--backend-directory={server / 'backends'}",
        f"--cache-directory={server / 'caches'}",
        "--http-address=127.0.0.1",
        f"--http-port={http_port}",
        f"--grpc-port={grpc_port}",
        f"--metrics-port={metrics_port}",
        "--allow-gpu-metrics=false",
        "--strict-readiness=true",
        "--cache-config=local,size=268435456",
        "--model-control-mode=explicit",
        f"--load-model={MODEL}",
        "--log-info=true",
    ]
    if variant != "cpu":
        cmd.append(f"--model-config-name={variant}")
    return cmd


def wait_ready(port: int, proc: subprocess.Popen[bytes], timeout_s: float) -> float:
    """Seconds until the model is ready; ``RuntimeError`` if the server dies or times out."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout_s:
        if proc.poll() is not None:
            raise RuntimeError(f"tritonserver exited with {proc.returncode}")
        try:
            status, _ = _request(port, "GET", f"/v2/models/{MODEL}/ready")
            if status == 200:
                return time.perf_counter() - t0
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{MODEL} not ready after {timeout_s:.0f} s")


def gpu_memory_mib() -> str:
    """What ``nvidia-smi`` says each process holds on the GPU (empty without one)."""
    if not shutil.which("nvidia-smi"):
        return ""
    out = subprocess.run(
        [
            "nvidia-smi",
            "--query-compute-apps=pid,process_name,used_memory",
            "--format=csv,noheader",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return out.stdout.strip()


def run_variant(
    variant: str,
    server: Path,
    pages: list[bytes],
    concurrency: int,
    log: Path,
    ready_timeout: float,
    index: int = 0,
    request_timeout: float = REQUEST_TIMEOUT_S,
) -> dict[str, Any]:
    """Start the server for ``variant``, measure, stop it; the measurements as a dict."""
    http_port = ports(index)[0]
    result: dict[str, Any] = {"variant": variant, "pages": len(pages)}
    proc: subprocess.Popen[bytes] | None = None
    try:
        with log.open("wb") as log_file:
            proc = subprocess.Popen(
                server_command(server, variant, index), stdout=log_file, stderr=subprocess.STDOUT
            )
        result["ready_s"] = round(wait_ready(http_port, proc, ready_timeout), 1)
        # Warm-up pages differ from the timed ones by a trailing byte, so the
        # timed requests cannot be answered from the response cache.
        for page in pages[:3]:
            t = time.perf_counter()
            infer(http_port, page + b"\x01", request_timeout)
            print(f"  {variant} warm-up: {1000 * (time.perf_counter() - t):.0f} ms", flush=True)
        result["gpu_processes"] = gpu_memory_mib()
        before = model_stats(http_port)
        lat: list[float] = []
        read: list[list[str]] = []
        stages: dict[str, list[float]] = {}
        for page in pages:
            t = time.perf_counter()
            reading = infer(http_port, page, request_timeout)
            lat.append(1000 * (time.perf_counter() - t))
            print(f"  {variant} page {len(lat)}: {lat[-1]:.0f} ms", flush=True)
            if "error" in reading:
                raise RuntimeError(f"model error: {reading['error']}")
            read.append(texts(reading))
            for stage, ms in reading.get("timingsMs", {}).items():
                stages.setdefault(stage, []).append(float(ms))
        after = model_stats(http_port)
        runs = max(1, after["executions"] - before["executions"])
        result["sequential"] = {
            "p50_ms": round(percentile(lat, 50), 1),
            "p95_ms": round(percentile(lat, 95), 1),
            "mean_ms": round(statistics.fmean(lat), 1),
            "server_compute_ms": round(
                (after["compute_ns"] - before["compute_ns"]) / runs / 1e6, 1
            ),
            "cache_hits": after["cache_hits"] - before["cache_hits"],
        }
        # The model's own per-stage times (models/ocr/document.py's timingsMs).
        result["stage_p50_ms"] = {k: round(percentile(v, 50), 1) for k, v in stages.items()}
        result["texts"] = read
        result["lines_per_page"] = round(statistics.fmean(len(t) for t in read), 1)

        altered = [p + b"\x00" for p in pages]
        before = model_stats(http_port)
        t = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(lambda p: infer(http_port, p, request_timeout), altered))
        wall = time.perf_counter() - t
        after = model_stats(http_port)
        result["concurrent"] = {
            "clients": concurrency,
            "pages_per_s": round(len(altered) / wall, 2),
            "mean_batch": round(
                (after["inferences"] - before["inferences"])
                / max(1, after["executions"] - before["executions"]),
                2,
            ),
            "cache_hits": after["cache_hits"] - before["cache_hits"],
        }
        result["gpu_processes_after"] = gpu_memory_mib()
    except Exception as e:  # recorded in the report; the next variant runs
        result["error"] = f"{type(e).__name__}: {e}"
        result["traceback"] = traceback.format_exc()
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    result["log_tail"] = log.read_text(errors="replace")[-4000:] if log.exists() else ""
    return result


def environment() -> dict[str, Any]:
    """The machine, the GPU, and which ONNX Runtime execution providers load here."""
    env: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
    }
    if shutil.which("nvidia-smi"):
        env["nvidia_smi"] = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
    try:
        import onnxruntime as ort

        env["onnxruntime"] = ort.__version__
        env["onnxruntime_providers"] = ort.get_available_providers()
        det = REPO_ROOT / "triton-repo" / MODEL / "1" / "ppocr" / "ch_PP-OCRv4_det_infer.onnx"
        wanted = ("CUDAExecutionProvider", "CPUExecutionProvider")
        session = ort.InferenceSession(
            str(det), providers=[p for p in wanted if p in ort.get_available_providers()]
        )
        env["onnxruntime_session_providers"] = session.get_providers()
    except Exception as e:  # a report of what is there
        env["onnxruntime_error"] = f"{type(e).__name__}: {e}"
    return env


def markdown(report: dict[str, Any]) -> str:
    """The report as Markdown (tables for the figures, then any errors)."""
    lines = ["# document_ocr served by Triton: GPU configuration vs CPU", ""]
    for k, v in report["environment"].items():
        lines.append(f"- **{k}**: {v}")
    lines += [
        "",
        "| variant | ready s | p50 ms | p95 ms | server compute ms | "
        "clients | pages/s | mean batch | lines/page |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["variants"]:
        s = r.get("sequential", {})
        c = r.get("concurrent", {})
        lines.append(
            f"| {r['variant']} | {r.get('ready_s', '')} | {s.get('p50_ms', '')} | "
            f"{s.get('p95_ms', '')} | {s.get('server_compute_ms', '')} | "
            f"{c.get('clients', '')} | {c.get('pages_per_s', '')} | {c.get('mean_batch', '')} | "
            f"{r.get('lines_per_page', '')} |"
        )
    lines += ["", "Model stage p50 (ms, one request at a time):", ""]
    for r in report["variants"]:
        lines.append(f"- {r['variant']}: {r.get('stage_p50_ms', {})}")
    if "agreement" in report:
        a = report["agreement"]
        lines += [
            "",
            f"Text read, {a['between']}, {a['pages']} pages: {a['pages_identical']:.1%} of pages "
            f"identical line by line; mean character similarity {a['char_similarity']:.4f}.",
        ]
    for r in report["variants"]:
        if "error" in r:
            lines += [
                "",
                f"## {r['variant']}: {r['error']}",
                "",
                "```",
                r.get("traceback", ""),
                "```",
            ]
        lines += ["", f"GPU processes ({r['variant']}): {r.get('gpu_processes_after', '')}"]
    return "\n".join(lines) + "\n"


def write(report: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    public = {
        **report,
        "variants": [{k: v for k, v in r.items() if k != "texts"} for r in report["variants"]],
    }
    (out / "triton_gpu.json").write_text(json.dumps(public, indent=2, default=str))
    (out / "triton_gpu.md").write_text(markdown(report))


def make_pages(out: Path, n: int, seed0: int = 7_700_000) -> None:
    """Write ``n`` generated documents as JPEG (every third a phone photo, the rest scans).

    Needs the project's environment (``tools.docgen``): run here, not on the lent machine.
    """
    import cv2

    from models.doctypes import DocumentType
    from tools.docgen import generate

    types = [t for t in DocumentType if t is not DocumentType.UNKNOWN]
    out.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        condition = "phone" if i % 3 == 0 else "scan"
        doc_type = types[i % len(types)]
        sample = generate(seed0 + i, doc_type, i % 2, condition)
        ok, buf = cv2.imencode(".jpg", sample.image, [cv2.IMWRITE_JPEG_QUALITY, 92])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        (out / f"p{i:03d}_{condition}_{doc_type.value}.jpg").write_bytes(buf.tobytes())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--make-pages", type=Path, help="only write --count pages there")
    parser.add_argument("--count", type=int, default=48)
    parser.add_argument("--server", type=Path, help="the tritonserver folder")
    parser.add_argument("--pages", type=Path, help="a folder of JPEG pages")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--variants", default="gpu,cpu")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--ready-timeout", type=float, default=240.0)
    parser.add_argument("--request-timeout", type=float, default=REQUEST_TIMEOUT_S)
    parser.add_argument("--limit", type=int, default=0, help="use only the first N pages")
    args = parser.parse_args(argv)
    if args.make_pages is not None:
        make_pages(args.make_pages, args.count)
        return 0
    if args.server is None or args.pages is None or args.out is None:
        parser.error("--server, --pages and --out are needed (or --make-pages)")

    pages = [p.read_bytes() for p in sorted(args.pages.glob("*.jpg"))][: args.limit or None]
    report: dict[str, Any] = {"environment": environment(), "variants": []}
    print(json.dumps(report["environment"], indent=2), flush=True)
    write(report, args.out)
    for index, variant in enumerate(args.variants.split(",")):
        t = time.perf_counter()
        r = run_variant(
            variant,
            args.server,
            pages,
            args.concurrency,
            args.out / f"{variant}.log",
            args.ready_timeout,
            index,
            args.request_timeout,
        )
        r["wall_s"] = round(time.perf_counter() - t, 1)
        report["variants"].append(r)
        summary = {k: v for k, v in r.items() if k not in ("texts", "log_tail", "traceback")}
        print(json.dumps(summary, indent=2), flush=True)
        if "error" in r:
            print(r.get("traceback", ""), r["log_tail"][-2500:], sep="\n", flush=True)
        done = [v for v in report["variants"] if "texts" in v]
        if len(done) >= 2:
            report["agreement"] = agreement(done[0]["texts"], done[1]["texts"])
            report["agreement"]["between"] = f"{done[0]['variant']} vs {done[1]['variant']}"
        write(report, args.out)
    print(markdown(report), flush=True)
    return 0 if all("error" not in r for r in report["variants"]) else 1


if __name__ == "__main__":
    sys.exit(main())

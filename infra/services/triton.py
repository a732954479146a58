"""Triton Inference Server from the ``nvidia-pytriton`` wheel, in a virtualenv of its own.

The wheel carries the ``tritonserver`` binary and the Python backend. The
venv pins ``numpy<2``: with numpy 2 the backend stub returns empty outputs
without an error. The models in ``triton-repo/`` are thin adapters over the
``models`` package, which they import from this checkout.
"""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path

from core.settings import REPO_ROOT
from infra.services.base import Service


class TritonService(Service):
    """Serves ``triton-repo/`` over HTTP and gRPC."""

    name = "triton"

    @property
    def ports(self) -> tuple[int, ...]:
        t = self.settings.triton
        return (t.http_port, t.grpc_port, t.metrics_port)

    def install(self) -> None:
        self.run_install_script("triton")
        # The OCR models (from PyPI) and the trained classifier, linked into triton-repo/.
        self.run_install_script("models")

    @property
    def venv(self) -> Path:
        return self.cached_path("triton")

    @property
    def server_root(self) -> Path:
        site = next((self.venv / "lib").glob("python3*/site-packages"))
        return site / "pytriton" / "tritonserver"

    def command(self) -> list[str]:
        t = self.settings.triton
        host = self.settings.stack.bind_host
        cmd = [
            str(self.server_root / "bin" / "tritonserver"),
            f"--model-repository={t.model_repository}",
            f"--backend-directory={self.server_root / 'backends'}",
            f"--cache-directory={self.server_root / 'caches'}",
            f"--http-address={host}",
            f"--http-port={t.http_port}",
            f"--grpc-address={host}",
            f"--grpc-port={t.grpc_port}",
            f"--metrics-address={host}",
            f"--metrics-port={t.metrics_port}",
            "--allow-gpu-metrics=false",
            "--strict-readiness=true",
            # Identical requests are answered from this cache (models opt in
            # with response_cache in their config.pbtxt).
            "--cache-config=local,size=268435456",
            "--log-info=true",
        ]
        if t.config_variant:
            cmd.append(f"--model-config-name={t.config_variant}")
        return cmd

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        site = self.server_root.parent.parent
        env["LD_LIBRARY_PATH"] = ":".join(
            p for p in (str(site / "nvidia_pytriton.libs"), env.get("LD_LIBRARY_PATH", "")) if p
        )
        # The Python backend runs the stub with the venv's interpreter.
        env["PATH"] = f"{self.venv / 'bin'}:{env.get('PATH', '')}"
        env["PYTHONPATH"] = str(REPO_ROOT)
        env.pop("PYTHONHOME", None)
        # Two cores: keep numerical libraries from oversubscribing them.
        env.setdefault("OMP_NUM_THREADS", "1")
        env.setdefault("OPENBLAS_NUM_THREADS", "1")
        return env

    def healthy(self) -> bool:
        t = self.settings.triton
        url = f"http://{t.http_url}/v2/health/ready"
        with urllib.request.urlopen(url, timeout=2) as resp:
            return bool(resp.status == 200)

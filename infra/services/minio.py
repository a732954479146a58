"""MinIO object storage, built from source with the Go toolchain (see infra/install.sh)."""

from __future__ import annotations

import os
import urllib.request

from infra.services.base import Service


class MinioService(Service):
    """Single-drive MinIO server; the platform talks to it as any S3 endpoint."""

    name = "minio"

    @property
    def ports(self) -> tuple[int, ...]:
        s = self.settings.storage
        return (s.port, s.console_port)

    def install(self) -> None:
        self.run_install_script("minio")

    def command(self) -> list[str]:
        s = self.settings.storage
        host = self.settings.stack.bind_host
        return [
            str(self.cached_path("minio") / "bin" / "minio"),
            "server",
            str(self.dir / "data"),
            "--address",
            f"{host}:{s.port}",
            "--console-address",
            f"{host}:{s.console_port}",
            "--quiet",
        ]

    def environment(self) -> dict[str, str]:
        s = self.settings.storage
        env = dict(os.environ)
        env.update(
            MINIO_ROOT_USER=s.access_key,
            MINIO_ROOT_PASSWORD=s.secret_key,
            MINIO_BROWSER="on",
            # No phoning home from a sandboxed machine.
            MINIO_UPDATE="off",
            MINIO_CALLHOME_ENABLE="off",
        )
        return env

    def healthy(self) -> bool:
        s = self.settings.storage
        scheme = "https" if s.secure else "http"
        url = f"{scheme}://{s.endpoint}/minio/health/ready"
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 (fixed scheme)
            return bool(resp.status == 200)

    def after_start(self) -> None:
        from core.storage import ObjectStore

        ObjectStore(self.settings.storage).ensure_bucket()

"""The install script: syntax, and the cache layout the launchers rely on."""

from __future__ import annotations

import subprocess

from core.settings import REPO_ROOT

SCRIPT = REPO_ROOT / "infra" / "install.sh"


def test_install_script_parses() -> None:
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)


def test_cache_paths_are_keyed_by_version() -> None:
    out = {
        what: subprocess.run(
            ["bash", str(SCRIPT), "path", what], capture_output=True, text=True, check=True
        ).stdout.strip()
        for what in ("python", "triton", "kafka", "minio")
    }
    versions = (REPO_ROOT / "infra" / "versions.env").read_text()
    kafka_version = next(
        line.split("=", 1)[1] for line in versions.splitlines() if line.startswith("KAFKA_VERSION=")
    )
    assert f"/kafka/{kafka_version}-" in out["kafka"]
    assert "/venvs/triton-py311-" in out["triton"]
    assert "/venvs/project-py311-" in out["python"]
    assert len(set(out.values())) == 4


def test_unknown_step_is_refused() -> None:
    proc = subprocess.run(["bash", str(SCRIPT), "nonsense"], capture_output=True, text=True)
    assert proc.returncode == 2 and "usage" in proc.stderr

"""The install script: syntax, and the cache layout the launchers rely on."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

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


def test_prune_removes_only_stale_entries_this_checkout_does_not_use(tmp_path: Path) -> None:
    env = {**os.environ, "BOTSKYC_CACHE_DIR": str(tmp_path), "BOTSKYC_CACHE_KEEP_DAYS": "14"}

    def path_of(what: str) -> Path:
        out = subprocess.run(
            ["bash", str(SCRIPT), "path", what], capture_output=True, text=True, check=True, env=env
        )
        return Path(out.stdout.strip())

    month_ago = time.time() - 30 * 86400

    def entry(path: Path, mark: str | None, mtime: float | None = None) -> Path:
        path.mkdir(parents=True)
        if mark:
            (path / mark).write_text("x")
            if mtime is not None:
                os.utime(path / mark, (mtime, mtime))
        return path

    current = entry(path_of("python"), ".installed", month_ago)  # in use here: kept
    stale = entry(tmp_path / "venvs" / "project-py311-000000000000", ".installed", month_ago)
    stale_model = entry(tmp_path / "models" / "doctype-000000000000", ".last-used", month_ago)
    stale_edits = entry(tmp_path / "models" / "edits-000000000000", ".last-used", month_ago)
    recent = entry(tmp_path / "venvs" / "triton-py311-000000000000", ".last-used")
    # Marked used lately, though installed long ago: another checkout still runs it.
    revived = entry(tmp_path / "venvs" / "project-py311-111111111111", ".installed", month_ago)
    (revived / ".last-used").write_text("x")
    building = entry(tmp_path / "venvs" / "project-py311-222222222222", None)
    other = entry(tmp_path / "kafka" / "0.0.0-000000000000", ".installed", month_ago)

    proc = subprocess.run(
        ["bash", str(SCRIPT), "prune"], capture_output=True, text=True, env=env, check=True
    )
    assert not stale.exists() and not stale_model.exists() and not stale_edits.exists()
    assert "pruning" in proc.stderr
    for kept in (current, recent, revived, building, other):
        assert kept.exists(), kept

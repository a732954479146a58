"""docker-compose.yml is valid and stays in step with the native stack."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from core.settings import (
    REPO_ROOT,
    ApiSettings,
    KafkaSettings,
    PostgresSettings,
    StorageSettings,
    TritonSettings,
    env_var_names,
)

COMPOSE = REPO_ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text()))


def test_compose_file_is_valid() -> None:
    tool = shutil.which("docker-compose")
    assert tool, "docker-compose (Debian package) is installed by infra/install.sh tools"
    proc = subprocess.run(
        [tool, "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True, cwd=REPO_ROOT
    )
    assert proc.returncode == 0, proc.stderr


def _host_ports(service: dict[str, Any]) -> set[int]:
    return {int(p.split(":")[-2]) for p in service.get("ports", [])}


def _default(cls: type[BaseSettings], name: str) -> Any:
    # Compose describes the default topology, whatever this shell overrides.
    return cls.model_fields[name].default


def test_ports_match_the_default_settings(compose: dict[str, Any]) -> None:
    svc = compose["services"]
    minio_port = int(_default(StorageSettings, "endpoint").rsplit(":", 1)[1])
    assert _host_ports(svc["kafka"]) == {_default(KafkaSettings, "port")}
    assert _host_ports(svc["minio"]) == {minio_port, _default(StorageSettings, "console_port")}
    assert _host_ports(svc["postgres"]) == {_default(PostgresSettings, "port")}
    assert _host_ports(svc["triton"]) == {
        _default(TritonSettings, name) for name in ("http_port", "grpc_port", "metrics_port")
    }
    assert _host_ports(svc["api"]) == {_default(ApiSettings, "port")}
    assert set(svc) >= {"kafka", "minio", "postgres", "triton", "init", "worker", "api"}
    for name in ("kafka", "minio", "postgres", "triton", "api"):
        assert all(p.startswith("127.0.0.1:") for p in svc[name]["ports"]), name


def test_platform_environment_uses_only_real_settings(compose: dict[str, Any]) -> None:
    known = set(env_var_names())
    for name, svc in compose["services"].items():
        env = svc.get("environment") or {}
        used = {k for k in env if k.startswith("BOTSKYC_")}
        assert used <= known, f"{name} sets unknown variables {sorted(used - known)}"


def test_credentials_match_the_defaults(compose: dict[str, Any]) -> None:
    svc = compose["services"]
    assert svc["minio"]["environment"]["MINIO_ROOT_USER"] == _default(StorageSettings, "access_key")
    assert svc["minio"]["environment"]["MINIO_ROOT_PASSWORD"] == _default(
        StorageSettings, "secret_key"
    )
    assert svc["postgres"]["environment"]["POSTGRES_USER"] == _default(PostgresSettings, "user")
    assert svc["postgres"]["environment"]["POSTGRES_DB"] == _default(PostgresSettings, "database")


def test_topics_and_schema_come_from_the_project_code(compose: dict[str, Any]) -> None:
    # The same code creates topics and applies migrations in both setups, so
    # their names, partitions and retention cannot drift.
    cmd = " ".join(compose["services"]["init"]["command"])
    assert "python -m core.events.topics" in cmd
    assert "python -m core.db.migrate" in cmd
    env = compose["services"]["init"]["environment"]
    assert env["BOTSKYC_KAFKA_TOPIC_PREFIX"] == _default(KafkaSettings, "topic_prefix")

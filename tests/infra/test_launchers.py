"""Launchers: idempotent start/stop, and a clear error when a port is taken."""

from __future__ import annotations

import copy
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import PostgresSettings, Settings, StackSettings, StorageSettings
from infra.services import MinioService, PostgresService, ServiceError
from infra.services.kafka import new_cluster_id
from infra.stack import services

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings_in(base: Settings, state_dir: Path) -> Settings:
    """A second, private instance: its own state directory and ports."""
    s = copy.copy(base)
    s.stack = StackSettings(state_dir=state_dir, start_timeout_s=60)
    s.storage = StorageSettings(endpoint=f"127.0.0.1:{free_port()}", console_port=free_port())
    s.postgres = PostgresSettings(port=free_port())
    return s


@pytest.fixture
def private(stack: Settings, tmp_path: Path) -> Iterator[Settings]:
    s = settings_in(stack, tmp_path / "state")
    yield s
    for svc in (MinioService(s), PostgresService(s)):
        svc.stop()
        link = svc.dir
        if link.is_symlink():  # postgres fell back to /var/tmp: remove that too
            shutil.rmtree(link.resolve(), ignore_errors=True)


def test_running_stack_start_is_a_no_op(stack: Settings) -> None:
    for svc in services(stack):
        assert "already running" in svc.start()


@pytest.mark.parametrize("service_type", [MinioService, PostgresService])
def test_start_twice_stop_twice(private: Settings, service_type: type) -> None:
    svc = service_type(private)
    assert "started" in svc.start()
    assert svc.status().healthy
    assert "already running" in svc.start()
    assert "stopped" in svc.stop()
    assert "not running" in svc.stop()
    assert not svc.status().running
    # Data survives a restart (state lives in the state directory).
    assert "started" in svc.start()
    assert svc.status().healthy


def test_taken_port_gives_a_clear_error_naming_the_log(private: Settings) -> None:
    svc = MinioService(private)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", private.storage.port))
        squatter.listen(1)
        with pytest.raises(ServiceError) as err:
            svc.start()
    msg = str(err.value)
    assert f"port {private.storage.port}" in msg and "already in use" in msg
    assert str(svc.log_file) in msg
    assert not svc.status().running


def test_status_of_a_stopped_service(private: Settings) -> None:
    st = PostgresService(private).status()
    assert not st.running and not st.healthy
    assert "stopped" in st.line()


def test_a_kraft_cluster_id_never_looks_like_an_option() -> None:
    ids = [new_cluster_id() for _ in range(2000)]  # ~31 would start with "-" unguarded
    assert all(len(i) == 22 and not i.startswith("-") for i in ids)
    assert len(set(ids)) == len(ids)

"""The platform's own processes, launched like the services: the ingest API and a stream worker."""

from __future__ import annotations

import os
import sys
import urllib.request

from confluent_kafka.admin import AdminClient

from core.settings import REPO_ROOT, to_env
from infra.services.base import Service


class _PlatformProcess(Service):
    """A Python process of this checkout, configured through the environment."""

    module = ""

    def install(self) -> None:
        self.run_install_script("python")

    def command(self) -> list[str]:
        return [sys.executable, "-m", self.module]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(to_env(self.settings))
        env["PYTHONPATH"] = str(REPO_ROOT)
        env["PYTHONUNBUFFERED"] = "1"
        return env


class ApiService(_PlatformProcess):
    """The ingest API (uvicorn)."""

    name = "api"
    module = "ingest"

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.api.port,)

    def healthy(self) -> bool:
        url = f"http://{self.settings.api.host}:{self.settings.api.port}/health/live"
        with urllib.request.urlopen(url, timeout=2) as resp:
            return bool(resp.status == 200)


class WorkerService(_PlatformProcess):
    """One Faust worker running every stage."""

    name = "worker"
    module = "streams.worker"

    @property
    def ports(self) -> tuple[int, ...]:
        return ()

    def healthy(self) -> bool:
        # Ready when the consumer group is stable with at least one member.
        admin = AdminClient({"bootstrap.servers": self.settings.kafka.bootstrap_servers})
        group = self.settings.pipeline.app_id
        desc = admin.describe_consumer_groups([group])[group].result(timeout=2)
        return bool(desc.members) and str(desc.state).endswith("STABLE")

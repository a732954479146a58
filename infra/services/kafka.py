"""Apache Kafka 4 in KRaft mode: one process that is both broker and controller.

The jars come from Maven Central (``infra/kafka/pom.xml``) and run on the
local JDK; no tarball. The log directory is formatted once with
``StorageTool format --standalone``.
"""

from __future__ import annotations

import base64
import os
import subprocess
import uuid
from pathlib import Path

from core.settings import REPO_ROOT
from infra.services.base import Service, ServiceError, port_is_open

LOG4J_CONFIG = REPO_ROOT / "infra" / "kafka" / "log4j2.properties"


def new_cluster_id() -> str:
    """A KRaft cluster id: a random UUID in URL-safe base64 (22 characters) that does not
    start with "-", which the storage tool's argument parser would take for an option
    (one fresh format in 64 failed so; Kafka's own ``Uuid.randomUuid`` redraws too)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


class KafkaService(Service):
    """Single-node KRaft cluster bound to the configured host."""

    name = "kafka"

    @property
    def ports(self) -> tuple[int, ...]:
        k = self.settings.kafka
        return (k.port, k.controller_port)

    @property
    def libs(self) -> Path:
        return self.cached_path("kafka") / "libs"

    def install(self) -> None:
        self.run_install_script("kafka")

    def _java(self, main: str, *args: str, heap_mb: int) -> list[str]:
        java_home = os.environ.get("JAVA_HOME")
        java = str(Path(java_home) / "bin" / "java") if java_home else "java"
        return [
            java,
            f"-Xms{min(256, heap_mb)}m",
            f"-Xmx{heap_mb}m",
            "-XX:+UseG1GC",
            "-XX:MaxDirectMemorySize=256m",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
            f"-Dkafka.logs.dir={self.log_file.parent}",
            "-cp",
            f"{self.libs}/*",
            main,
            *args,
        ]

    @property
    def config_file(self) -> Path:
        return self.dir / "server.properties"

    def prepare(self) -> None:
        k = self.settings.kafka
        host = self.settings.stack.bind_host
        data = self.dir / "data"
        self.config_file.write_text(
            "\n".join(
                [
                    "# Written by infra/services/kafka.py on every start; edit settings instead.",
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.bootstrap.servers={host}:{k.controller_port}",
                    f"listeners=PLAINTEXT://{host}:{k.port},CONTROLLER://{host}:{k.controller_port}",
                    f"advertised.listeners=PLAINTEXT://{k.host}:{k.port}",
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    f"log.dirs={data}",
                    f"num.partitions={k.default_partitions}",
                    # A single node: every internal topic has one replica.
                    "offsets.topic.replication.factor=1",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "default.replication.factor=1",
                    "min.insync.replicas=1",
                    # Topics are created by the project with explicit partitions and retention.
                    "auto.create.topics.enable=false",
                    "group.initial.rebalance.delay.ms=0",
                    "num.network.threads=2",
                    "num.io.threads=4",
                    "log.retention.hours=168",
                    "log.segment.bytes=104857600",
                    "",
                ]
            )
        )
        if not (data / "meta.properties").exists():
            cluster_id = new_cluster_id()
            cmd = self._java(
                "kafka.tools.StorageTool",
                "format",
                "--standalone",
                "-t",
                cluster_id,
                "-c",
                str(self.config_file),
                heap_mb=256,
            )
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            with self.log_file.open("a") as log:
                log.write(proc.stdout + proc.stderr)
            if proc.returncode != 0:
                raise ServiceError(
                    f"kafka: formatting {data} failed; see {self.log_file}:\n{proc.stderr[-3000:]}"
                )

    def command(self) -> list[str]:
        return self._java("kafka.Kafka", str(self.config_file), heap_mb=self.settings.kafka.heap_mb)

    def healthy(self) -> bool:
        k = self.settings.kafka
        if not port_is_open(k.host, k.port):
            return False
        # An open port is not a ready broker: ask for cluster metadata.
        from confluent_kafka.admin import AdminClient

        admin = AdminClient({"bootstrap.servers": k.bootstrap_servers, "socket.timeout.ms": 2000})
        meta = admin.list_topics(timeout=2)
        return len(meta.brokers) > 0 and meta.controller_id is not None and meta.controller_id >= 0

    def after_start(self) -> None:
        from core.events.topics import ensure_topics

        ensure_topics(self.settings)

"""One launcher per service; :mod:`infra.stack` drives them together."""

from infra.services.base import Service, ServiceError, ServiceStatus
from infra.services.kafka import KafkaService
from infra.services.minio import MinioService
from infra.services.platform import ApiService, WorkerService
from infra.services.postgres import PostgresService
from infra.services.triton import TritonService

__all__ = [
    "ApiService",
    "KafkaService",
    "MinioService",
    "PostgresService",
    "Service",
    "ServiceError",
    "ServiceStatus",
    "TritonService",
    "WorkerService",
]

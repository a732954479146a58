"""One typed settings object, read once from the environment, split by concern.

Every tunable of the platform lives here; nothing else reads ``os.environ``.
Each concern is its own class with its own prefix (``BOTSKYC_KAFKA_…``,
``BOTSKYC_S3_…``), so a reader sees at a glance which variables exist.
The README's configuration table is checked against these classes by a test.

``get_settings()`` is cached: the environment is read on first use and a
malformed value raises :class:`SettingsError` at once, naming the variable.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(RuntimeError):
    """The environment holds a value the platform cannot run with."""


def _config(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, extra="ignore", frozen=True)


class StackSettings(BaseSettings):
    """Where the local services keep their data and how they are bound."""

    model_config = _config("BOTSKYC_")

    environment: Literal["development", "test", "production"] = Field(
        "development", description="Deployment mode; production forbids loopback webhooks etc."
    )
    state_dir: Path = Field(
        REPO_ROOT / ".state", description="Data and logs of this checkout's services."
    )
    cache_dir: Path = Field(
        Path.home() / ".cache" / "botskyc",
        description="Builds shared by every checkout (MinIO binary, Kafka jars, venvs).",
    )
    # Read by infra/install.sh (bash); declared here so that it is typed and documented.
    cache_keep_days: int = Field(
        14,
        ge=0,
        description="Cached venvs and trained classifiers unused this long are pruned (days).",
    )
    bind_host: str = Field("127.0.0.1", description="Address every local service binds to.")
    start_timeout_s: float = Field(
        120.0, gt=0, description="How long a launcher waits for a service to become healthy."
    )


class KafkaSettings(BaseSettings):
    """The Kafka broker (KRaft, combined broker and controller)."""

    model_config = _config("BOTSKYC_KAFKA_")

    host: str = Field("127.0.0.1", description="Broker host clients connect to.")
    port: int = Field(9092, ge=1, le=65535, description="Broker (PLAINTEXT) port.")
    controller_port: int = Field(9093, ge=1, le=65535, description="KRaft controller port.")
    heap_mb: int = Field(512, ge=128, description="JVM heap of the local broker, in MiB.")
    topic_prefix: str = Field("botskyc", description="Prefix of every topic the project owns.")
    default_partitions: int = Field(6, ge=1, description="Partitions of the pipeline topics.")

    @property
    def bootstrap_servers(self) -> str:
        """``host:port`` for client configuration."""
        return f"{self.host}:{self.port}"


class StorageSettings(BaseSettings):
    """S3-compatible object storage (MinIO locally; AWS S3 or Ceph by configuration)."""

    model_config = _config("BOTSKYC_S3_")

    endpoint: str = Field("127.0.0.1:9000", description="host:port of the S3 API.")
    console_port: int = Field(9001, ge=1, le=65535, description="Local MinIO console port.")
    access_key: str = Field("botskyc", description="Access key id.")
    secret_key: str = Field("botskyc-dev-secret", min_length=8, description="Secret key.")
    secure: bool = Field(False, description="Use HTTPS to reach the endpoint.")
    region: str = Field("us-east-1", description="Bucket region.")
    bucket: str = Field("botskyc-documents", description="Bucket for uploaded documents.")

    @property
    def port(self) -> int:
        """Port part of the endpoint."""
        return int(self.endpoint.rsplit(":", 1)[1]) if ":" in self.endpoint else 443


class PostgresSettings(BaseSettings):
    """The PostgreSQL database."""

    model_config = _config("BOTSKYC_PG_")

    host: str = Field("127.0.0.1", description="Database host.")
    port: int = Field(5432, ge=1, le=65535, description="Database port.")
    user: str = Field("botskyc", description="Role the platform connects as.")
    password: str = Field("botskyc-dev", description="Password of that role.")
    database: str = Field("botskyc", description="Database name.")
    pool_max: int = Field(10, ge=1, description="Connections per process pool.")

    def dsn(self, database: str | None = None) -> str:
        """libpq connection string, optionally for another database on the same server."""
        return (
            f"host={self.host} port={self.port} user={self.user} "
            f"password={self.password} dbname={database or self.database}"
        )


class TritonSettings(BaseSettings):
    """Triton Inference Server."""

    model_config = _config("BOTSKYC_TRITON_")

    host: str = Field("127.0.0.1", description="Triton host.")
    http_port: int = Field(8000, ge=1, le=65535, description="HTTP/REST port.")
    grpc_port: int = Field(8001, ge=1, le=65535, description="gRPC port.")
    metrics_port: int = Field(8002, ge=1, le=65535, description="Prometheus metrics port.")
    model_repository: Path = Field(
        REPO_ROOT / "triton-repo", description="Model repository served by the local Triton."
    )
    request_timeout_s: float = Field(
        30.0, gt=0, description="Timeout of one inference call (OCR of a page: about 1 s)."
    )
    config_variant: str = Field(
        "",
        pattern=r"^[a-z0-9_-]*$",
        description=(
            "Model configuration variant (`gpu` selects `configs/gpu.pbtxt`, "
            "`cpu_fixed_shapes` the GPU configuration's reading on a CPU); empty: CPU."
        ),
    )

    @property
    def http_url(self) -> str:
        """``host:port`` for ``tritonclient.http``."""
        return f"{self.host}:{self.http_port}"


class ApiSettings(BaseSettings):
    """The ingest API: where it listens, upload limits, the synchronous flow."""

    model_config = _config("BOTSKYC_API_")

    host: str = Field("127.0.0.1", description="Address the API binds to.")
    port: int = Field(8080, ge=1, le=65535, description="API port.")
    workers: int = Field(1, ge=1, description="API processes (uvicorn workers).")
    max_files: int = Field(10, ge=1, le=50, description="Files per verification request.")
    max_file_bytes: int = Field(
        15 * 1024 * 1024, ge=1024, description="Largest accepted file, in bytes (413 above)."
    )
    max_pixels: int = Field(
        40_000_000, ge=10_000, description="Largest image in pixels (decompression bombs: 422)."
    )
    max_pdf_pages: int = Field(20, ge=1, description="Most pages in one PDF (422 above).")
    sync_wait_s: float = Field(
        10.0, gt=0, le=30, description="Default deadline of the synchronous flow, in seconds."
    )
    sync_wait_max_s: float = Field(
        30.0, gt=0, le=30, description="Largest deadline a client may ask for with Prefer: wait=N."
    )
    max_batch_items: int = Field(50, ge=1, description="Verifications in one batch request.")
    max_batch_files: int = Field(100, ge=1, description="Files in one batch request.")
    shed_max_lag: int = Field(
        20000,
        ge=1,
        description="Submissions waiting for the pipeline above which new ones get 503.",
    )
    shed_max_queue_ms: float = Field(
        5000.0, gt=0, description="Average Triton queue time above which submissions get 503."
    )
    shed_check_s: float = Field(2.0, gt=0, description="How often the API re-reads its load.")


class PipelineSettings(BaseSettings):
    """The stream processors: consumer group, retries, image normalisation."""

    model_config = _config("BOTSKYC_PIPELINE_")

    app_id: str = Field("botskyc-pipeline", description="Faust app id (the consumer group).")
    inprocess_attempts: int = Field(
        3, ge=1, description="Attempts inside the worker before a transient error goes to retry."
    )
    retry_attempts: int = Field(
        8, ge=0, description="Trips through the delayed-retry topic before the dead-letter topic."
    )
    retry_initial_s: float = Field(1.0, gt=0, description="First delayed-retry wait, in seconds.")
    retry_max_s: float = Field(60.0, gt=0, description="Longest delayed-retry wait, in seconds.")
    stage_timeout_s: float = Field(
        30.0, gt=0, description="Longest one stage may take on one event (then: retry)."
    )
    render_dpi: int = Field(150, ge=50, le=600, description="Resolution PDF pages are rendered at.")
    max_side_px: int = Field(
        2400, ge=256, description="Normalised images are scaled down to this longest side."
    )


DEV_SIGNING_KEY = "botskyc-development-signing-key-change-me-0000"


class AuthSettings(BaseSettings):
    """API credentials: OAuth2 access tokens and API keys."""

    model_config = _config("BOTSKYC_AUTH_")

    signing_key: str = Field(
        DEV_SIGNING_KEY,
        min_length=32,
        description="HMAC key signing access tokens (HS256); must be set in production.",
    )
    token_ttl_s: int = Field(3600, ge=60, description="Lifetime of an access token, in seconds.")
    issuer: str = Field("botskyc", description="`iss` of issued access tokens.")
    key_cache_s: float = Field(
        10.0,
        ge=0,
        description="How long an API process trusts a looked-up API key (revocation lag).",
    )


class WebhookSettings(BaseSettings):
    """Webhook delivery."""

    model_config = _config("BOTSKYC_WEBHOOK_")

    timeout_s: float = Field(5.0, gt=0, description="Timeout of one delivery attempt.")
    retry_schedule_s: str = Field(
        "5,300,1800,7200,18000,36000,36000",
        description="Waits between delivery attempts after the first, comma-separated seconds "
        "(default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — about 27 h in all).",
    )
    disable_after: int = Field(
        5, ge=1, description="Dead-lettered deliveries in a row that disable a subscription."
    )
    allow_private: bool = Field(
        False, description="Allow loopback/private webhook URLs (development and tests only)."
    )

    @property
    def schedule(self) -> list[float]:
        """The retry schedule as numbers."""
        return [float(x) for x in self.retry_schedule_s.split(",") if x.strip()]


class LivenessSettings(BaseSettings):
    """Liveness sessions."""

    model_config = _config("BOTSKYC_LIVENESS_")

    session_ttl_s: int = Field(
        600, ge=30, le=3600, description="Default lifetime of a session before its upload."
    )
    max_ttl_s: int = Field(3600, ge=30, description="Longest lifetime a client may ask for.")
    max_clip_bytes: int = Field(
        50 * 1024 * 1024, ge=1024, description="Largest clip (or sum of frames) accepted."
    )
    max_frames: int = Field(
        150, ge=8, description="Most still frames in one upload (instead of a video)."
    )


class FraudSettings(BaseSettings):
    """The fraud stage: repeat-fraud search and velocity windows.

    Weights and bands of the risk score are not here: they are per
    organisation, versioned, in the database (``PUT /api/v1/kyc/risk-policy``).
    """

    model_config = _config("BOTSKYC_FRAUD_")

    velocity_window_s: int = Field(
        24 * 3600, ge=60, description="Window in which verifications are counted for velocity."
    )
    velocity_max_per_reference: int = Field(
        5,
        ge=1,
        description="Verifications of one client reference within the window before "
        "VELOCITY_EXCEEDED.",
    )
    velocity_max_per_document: int = Field(
        3, ge=1, description="Verifications of one document number within the window."
    )
    velocity_max_per_device: int = Field(
        10, ge=1, description="Verifications of one client-given metadata.deviceId in the window."
    )
    velocity_max_per_ip: int = Field(
        20, ge=1, description="Verifications of one client-given metadata.ipAddress in the window."
    )
    reuse_candidates: int = Field(
        5, ge=1, le=100, description="Shortlisted stored pages compared in full for reuse."
    )
    index_sync_s: float = Field(
        2.0,
        ge=0,
        description="Face and page mirrors catch up from PostgreSQL at most this often (s).",
    )


class TelemetrySettings(BaseSettings):
    """Tracing."""

    model_config = _config("BOTSKYC_TELEMETRY_")

    console: bool = Field(False, description="Print finished spans to stderr (development).")


class Settings:
    """All settings, one attribute per concern. Build it with :func:`get_settings`."""

    def __init__(self) -> None:
        self.stack = StackSettings()
        self.kafka = KafkaSettings()
        self.storage = StorageSettings()
        self.postgres = PostgresSettings()
        self.triton = TritonSettings()
        self.api = ApiSettings()
        self.pipeline = PipelineSettings()
        self.telemetry = TelemetrySettings()
        self.auth = AuthSettings()
        self.webhooks = WebhookSettings()
        self.liveness = LivenessSettings()
        self.fraud = FraudSettings()
        if self.stack.environment == "production" and self.webhooks.allow_private:
            raise SettingsError("BOTSKYC_WEBHOOK_ALLOW_PRIVATE must not be set in production")
        if self.stack.environment == "production" and self.auth.signing_key == DEV_SIGNING_KEY:
            raise SettingsError(
                "BOTSKYC_AUTH_SIGNING_KEY must be set in production (the default is public)"
            )


SETTINGS_CLASSES: tuple[type[BaseSettings], ...] = (
    StackSettings,
    KafkaSettings,
    StorageSettings,
    PostgresSettings,
    TritonSettings,
    ApiSettings,
    PipelineSettings,
    TelemetrySettings,
    AuthSettings,
    WebhookSettings,
    LivenessSettings,
    FraudSettings,
)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the environment once and return the settings.

    Raises:
        SettingsError: a variable is malformed; the message names it.
    """
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"])
            problems.append(f"{exc.title} {field}: {err['msg']} (got {err.get('input')!r})")
        raise SettingsError(
            "invalid botsKYC configuration: " + "; ".join(problems) + " — see README, Configuration"
        ) from None


def env_var_names() -> dict[str, str]:
    """Every environment variable the settings read, with its description."""
    out: dict[str, str] = {}
    for cls in SETTINGS_CLASSES:
        prefix = str(cls.model_config.get("env_prefix", ""))
        for name, field in cls.model_fields.items():
            out[(prefix + name).upper()] = field.description or ""
    return out


def configuration_table() -> str:
    """The README's configuration table (Markdown), generated from the classes."""
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for cls in SETTINGS_CLASSES:
        prefix = str(cls.model_config.get("env_prefix", ""))
        for name, field in cls.model_fields.items():
            default = field.default
            shown = str(default).replace(str(REPO_ROOT), "<checkout>")
            shown = shown.replace(str(Path.home()), "~")
            rows.append(f"| `{(prefix + name).upper()}` | `{shown}` | {field.description} |")
    return "\n".join(rows)


def to_env(settings: Settings) -> dict[str, str]:
    """The environment that reproduces ``settings`` in a child process."""
    env: dict[str, str] = {}
    for concern in vars(settings).values():
        if not isinstance(concern, BaseSettings):
            continue
        prefix = str(concern.model_config.get("env_prefix", ""))
        for name in type(concern).model_fields:
            env[(prefix + name).upper()] = str(getattr(concern, name))
    return env


if __name__ == "__main__":
    print(configuration_table())

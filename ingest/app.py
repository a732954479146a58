"""The Litestar application factory."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from litestar import Litestar
from litestar.openapi import OpenAPIConfig

from core.auth import AuthRepository, RateLimiter
from core.db.batches import BatchRepository
from core.db.liveness import LivenessRepository
from core.db.pool import open_pool
from core.db.verifications import VerificationRepository
from core.events.bus import CompletionWaiter, EventPublisher
from core.events.topics import PIPELINE_STAGES, Topics
from core.inference import TritonGateway
from core.settings import Settings, get_settings
from core.storage import ObjectStore
from core.telemetry import setup_tracing
from ingest.auth import CredentialCache, auth_middleware_factory, token
from ingest.batches import BatchService, relay_submissions
from ingest.errors import EXCEPTION_HANDLERS
from ingest.liveness import LivenessService
from ingest.load import LoadMonitor
from ingest.routes import batches, face, health, liveness, risk, verifications, verify, webhooks
from ingest.service import VerificationService
from ingest.ws import StatusFeed, ws

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the API. Connections open at start-up and close at shutdown."""
    settings = settings or get_settings()
    setup_tracing("botskyc-ingest", settings.telemetry)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        state = app.state
        async with AsyncExitStack() as stack:
            state.settings = settings
            state.pool = await open_pool(settings.postgres)
            stack.push_async_callback(state.pool.close)
            state.store = ObjectStore(settings.storage)
            state.publisher = EventPublisher(settings.kafka)
            await state.publisher.start()
            stack.push_async_callback(state.publisher.stop)
            state.waiter = CompletionWaiter(
                settings.kafka, Topics(settings.kafka.topic_prefix).public
            )
            await state.waiter.start()
            stack.push_async_callback(state.waiter.stop)
            state.status_feed = StatusFeed(
                settings.kafka, Topics(settings.kafka.topic_prefix), list(PIPELINE_STAGES)
            )
            await state.status_feed.start()
            stack.push_async_callback(state.status_feed.stop)
            state.triton = TritonGateway(settings.triton)
            state.load = LoadMonitor(settings, state.triton)
            await state.load.start()
            stack.push_async_callback(state.load.stop)
            state.auth_repo = AuthRepository(state.pool)
            state.rate_limiter = RateLimiter(state.pool)
            state.credential_cache = CredentialCache(settings.auth.key_cache_s)
            state.batch_repo = BatchRepository(state.pool)
            state.verification_service = VerificationService(
                settings,
                VerificationRepository(state.pool),
                state.store,
                state.publisher,
                state.waiter,
            )
            state.batch_service = BatchService(state.verification_service, state.batch_repo)
            state.liveness_service = LivenessService(
                settings, LivenessRepository(state.pool), state.store, state.publisher
            )
            relay = asyncio.create_task(
                relay_submissions(state.batch_repo, state.verification_service)
            )
            stack.callback(relay.cancel)
            yield

    api = settings.api
    # Bodies are streamed by the upload parser, which enforces per-file limits;
    # this is only the outer bound.
    max_body = api.max_files * api.max_file_bytes + 1024 * 1024
    return Litestar(
        route_handlers=[
            token,
            verify.verify,
            verify.extract,
            face.compare,
            verifications.get_verification,
            verifications.get_fraud_heatmap,
            verifications.list_verifications,
            health.live,
            health.ready,
            *webhooks.ROUTES,
            *batches.ROUTES,
            *liveness.ROUTES,
            *risk.ROUTES,
            ws,
        ],
        lifespan=[lifespan],
        middleware=[auth_middleware_factory],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        request_max_body_size=max_body,
        openapi_config=OpenAPIConfig(
            title="botsKYC API",
            version="1.0.0",
            path="/openapi",
            description="Identity verification: documents, liveness, extraction, fraud.",
        ),
    )

"""Liveness and readiness."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Response, get
from litestar.datastructures import State


@get(["/health/live"], tags=["health"], summary="The process is up")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@get(
    ["/health", "/health/ready"],
    tags=["health"],
    summary="Ready only when Kafka, MinIO, PostgreSQL and Triton answer",
)
async def ready(state: State) -> Response[dict[str, Any]]:
    checks: dict[str, bool] = {}

    async def pg() -> bool:
        async with state.pool.connection() as conn:
            await conn.execute("SELECT 1")
        return True

    async def s3() -> bool:
        return bool(await asyncio.to_thread(state.store.client.bucket_exists, state.store.bucket))

    async def kafka() -> bool:
        return bool(
            state.waiter.ready.is_set()
            and await state.publisher.producer.client.fetch_all_metadata()
        )

    async def triton() -> bool:
        return bool(await asyncio.to_thread(state.triton.ready))

    probes = {"postgres": pg, "objectStorage": s3, "kafka": kafka, "triton": triton}

    async def run(name: str) -> None:
        try:
            checks[name] = await asyncio.wait_for(probes[name](), 2.0)
        except Exception:
            checks[name] = False

    await asyncio.gather(*(run(n) for n in probes))
    ok = all(checks.values())
    return Response(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503
    )

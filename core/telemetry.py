"""Tracing with OpenTelemetry: one trace from the HTTP request through every stage.

The W3C ``traceparent`` travels inside every event (the ``traceparent`` field
of the Avro records), so a stage's span is a child of the span that produced
its input, across processes and Kafka. Spans are exported to stderr when
``BOTSKYC_TELEMETRY_CONSOLE=true``; otherwise they are created (ids propagate)
and dropped — wire an exporter of your collector here.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.trace import Span

from core.settings import TelemetrySettings

_configured = False


def setup_tracing(service: str, settings: TelemetrySettings) -> None:
    """Install the tracer provider once per process (later calls are no-ops)."""
    global _configured
    if _configured:
        return
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if settings.console:
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter(out=sys.stderr)))
    trace.set_tracer_provider(provider)
    _configured = True


def tracer() -> trace.Tracer:
    return trace.get_tracer("botskyc")


@contextmanager
def span(
    name: str, traceparent: str = "", headers: Mapping[str, str] | None = None, **attributes: str
) -> Iterator[Span]:
    """A span that continues the trace of ``traceparent`` (or of W3C ``headers``)."""
    carrier = dict(headers or {})
    if traceparent:
        carrier["traceparent"] = traceparent
    ctx = propagate.extract(carrier)
    with tracer().start_as_current_span(name, context=ctx, attributes=attributes) as current:
        yield current


def current_traceparent() -> str:
    """The W3C traceparent of the current span ('' when there is none)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent", "")

"""Traces and metrics of the service's edges: HTTP requests, chat turns, store operations,
reminder passes and voice notes, on OpenTelemetry.

This is the only module that imports OpenTelemetry. The composition root builds one
``Telemetry`` from the settings and hands it to the parts that measure; everything else stays
plain. Exported over OTLP/HTTP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set, to Azure Monitor
when ``APPLICATIONINSIGHTS_CONNECTION_STRING`` is set (its exporter is imported only then), and
always as Prometheus text for ``/metrics``.

Privacy: attributes are drawn from small fixed sets (a route template, a channel, a command
name, a status, an engine, an error's type): never a path with its ids, a query string, what a
user typed, a task title, a user id, a name or a token. Exceptions are recorded by type only:
their messages can carry ids or text.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from bot.language.parser import PHRASES, Command, TooLong, parse
from bot.messages import IncomingMessage
from bot.voice.engines import learns_voices, transcribe_with

log = logging.getLogger("avanochi.telemetry")

SERVICE_NAME = "avanochi"
# The command names a turn may be labelled with; a button's payload is the client's to
# craft, so anything else is "other" (bounded cardinality, and no text smuggled in).
COMMANDS = frozenset(PHRASES.values())
CHANNEL_NAME = re.compile(r"[a-z][a-z0-9_]{0,19}")


@dataclass
class Outcome:
    """What a measured piece of work sets before it ends (default: it went well)."""

    value: str = "ok"


class Telemetry:
    """One tracer and one meter with the instruments below; ``shutdown`` flushes the exporters."""

    def __init__(
        self,
        *,
        span_exporters: Sequence[SpanExporter] = (),
        metric_readers: Sequence[MetricReader] = (),
        batch: bool = True,
        prometheus: bool = True,
    ) -> None:
        resource = Resource.create({"service.name": SERVICE_NAME})
        self._tracer_provider = TracerProvider(resource=resource)
        for exporter in span_exporters:
            # Batched in production (a thread exports); tests' in-memory exporters see spans at once.
            processor = BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
            self._tracer_provider.add_span_processor(processor)
        readers = list(metric_readers)
        self._registry: Any = None
        if prometheus:
            # A registry of our own, not prometheus_client's global one: two apps in one process
            # (the tests) must not collide, and nothing else's metrics leak into /metrics.
            from opentelemetry.exporter.prometheus import PrometheusMetricReader
            from prometheus_client import CollectorRegistry

            self._registry = CollectorRegistry(auto_describe=True)
            readers.append(PrometheusMetricReader(registry=self._registry, disable_target_info=True))
        self._meter_provider = MeterProvider(resource=resource, metric_readers=readers)
        self._tracer = self._tracer_provider.get_tracer(SERVICE_NAME)
        meter = self._meter_provider.get_meter(SERVICE_NAME)

        self._http_duration = meter.create_histogram(
            "http.server.request.duration", unit="s", description="HTTP requests served, by route template"
        )
        self._turns = meter.create_counter("avanochi.turns", description="Chat turns, by channel, command, outcome")
        self._turn_duration = meter.create_histogram("avanochi.turn.duration", unit="s", description="Chat turn time")
        self._store_ops = meter.create_counter("avanochi.store.operations", description="Document store calls")
        self._store_duration = meter.create_histogram(
            "avanochi.store.duration", unit="s", description="Document store call time"
        )
        self._store_charge = meter.create_counter(
            "avanochi.store.request_charge", unit="RU", description="Cosmos DB request units charged"
        )
        self._reminders = {
            what: meter.create_counter(f"avanochi.reminders.{what}", description=f"Reminders {what}")
            for what in ("due", "sent", "retried", "dropped", "paused")
        }
        self._reminder_duration = meter.create_histogram(
            "avanochi.reminders.pass.duration", unit="s", description="Reminder pass time"
        )
        self._voice_notes = meter.create_counter("avanochi.voice.notes", description="Voice notes transcribed")
        self._voice_audio = meter.create_histogram(
            "avanochi.voice.audio.duration", unit="s", description="Length of the voice notes heard"
        )
        self._voice_latency = meter.create_histogram(
            "avanochi.voice.latency", unit="s", description="Time the speech engine took per note"
        )

    @classmethod
    def from_settings(cls, otlp_endpoint: str | None, azure_connection_string: str | None) -> Telemetry:
        span_exporters: list[SpanExporter] = []
        metric_readers: list[MetricReader] = []
        if otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            base = otlp_endpoint.rstrip("/")
            span_exporters.append(OTLPSpanExporter(endpoint=f"{base}/v1/traces"))
            metric_readers.append(PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=f"{base}/v1/metrics")))
        if azure_connection_string:
            # Imported only when configured: the Azure exporter and its dependencies cost nothing otherwise.
            from azure.monitor.opentelemetry.exporter import AzureMonitorMetricExporter, AzureMonitorTraceExporter

            span_exporters.append(AzureMonitorTraceExporter(connection_string=azure_connection_string))
            metric_readers.append(
                PeriodicExportingMetricReader(AzureMonitorMetricExporter(connection_string=azure_connection_string))
            )
        return cls(span_exporters=span_exporters, metric_readers=metric_readers)

    async def shutdown(self) -> None:
        """Flush and stop the exporters. In a thread: an exporter blocks on its HTTP call, and the
        receiver may be served by this very event loop."""
        await asyncio.to_thread(self._shutdown)

    def _shutdown(self) -> None:
        self._tracer_provider.shutdown()
        self._meter_provider.shutdown()

    # -- what is measured ----------------------------------------------------------------------

    @contextmanager
    def _span(self, name: str, attributes: Mapping[str, str], kind: SpanKind = SpanKind.INTERNAL) -> Iterator[Span]:
        with self._tracer.start_as_current_span(
            name, kind=kind, attributes=dict(attributes), record_exception=False, set_status_on_exception=False
        ) as span:
            try:
                yield span
            except BaseException as error:
                span.set_status(Status(StatusCode.ERROR, type(error).__name__))
                span.set_attribute("error.type", type(error).__name__)
                raise

    @contextmanager
    def request(self, method: str, route: str) -> Iterator[Callable[[int], None]]:
        """An HTTP request on its route template; call the yielded function with the status."""
        method = method if method in HTTP_METHODS else "_OTHER"
        attributes = {"http.request.method": method, "http.route": route}
        status = [500]
        started = time.perf_counter()
        with self._span(f"{method} {route}", attributes, SpanKind.SERVER) as span:
            try:
                yield lambda code: status.__setitem__(0, code)
            finally:
                span.set_attribute("http.response.status_code", status[0])
                if status[0] >= 500:
                    span.set_status(Status(StatusCode.ERROR))
                self._http_duration.record(
                    time.perf_counter() - started, {**attributes, "http.response.status_code": status[0]}
                )

    @contextmanager
    def turn(self, message: IncomingMessage) -> Iterator[Outcome]:
        """A chat turn; the yielded outcome says how it ended (ok, error, failed, dropped)."""
        attributes = {"avanochi.channel": channel_label(message.channel), "avanochi.command": command_label(message)}
        outcome = Outcome()
        started = time.perf_counter()
        try:
            with self._span("turn", attributes) as span:
                try:
                    yield outcome
                except BaseException:
                    outcome.value = "failed"
                    raise
                finally:
                    span.set_attribute("avanochi.outcome", outcome.value)
        finally:
            measured = {**attributes, "avanochi.outcome": outcome.value}
            self._turns.add(1, measured)
            self._turn_duration.record(time.perf_counter() - started, measured)

    @contextmanager
    def store_operation(self, store: str, operation: str) -> Iterator[None]:
        attributes = {"db.system": store, "db.operation.name": operation}
        outcome = "ok"
        started = time.perf_counter()
        try:
            with self._span(f"store {operation}", attributes, SpanKind.CLIENT):
                yield
        except BaseException as error:
            outcome = type(error).__name__
            raise
        finally:
            measured = {**attributes, "avanochi.outcome": outcome}
            self._store_ops.add(1, measured)
            self._store_duration.record(time.perf_counter() - started, measured)

    def cosmos_response(self, headers: Mapping[str, str]) -> None:
        """One Cosmos DB HTTP response (every attempt, a retried one too): its request charge."""
        try:
            charge = float(headers.get("x-ms-request-charge") or 0)
        except ValueError:
            return
        if charge <= 0:
            return
        self._store_charge.add(charge, {"db.system": "cosmos"})
        from opentelemetry import trace  # the current span is the store operation's

        span = trace.get_current_span()
        if span.is_recording():
            span.set_attribute("azure.cosmosdb.request_charge", charge)

    @contextmanager
    def reminder_pass(self) -> Iterator[dict[str, int]]:
        """A reminder pass, its store calls inside its span; it fills in the yielded counts
        (due, sent, retried, dropped, paused) before it ends."""
        counts: dict[str, int] = {}
        started = time.perf_counter()
        with self._span("reminders pass", {}) as span:
            yield counts
            span.set_attributes({f"avanochi.reminders.{what}": int(counts.get(what, 0)) for what in self._reminders})
        for what, counter in self._reminders.items():
            if counts.get(what):
                counter.add(counts[what])
        self._reminder_duration.record(time.perf_counter() - started)

    @contextmanager
    def voice(self, engine: str, audio_seconds: float) -> Iterator[Outcome]:
        attributes = {"avanochi.voice.engine": engine}
        outcome = Outcome()
        started = time.perf_counter()
        try:
            with self._span("voice transcribe", {**attributes}) as span:
                span.set_attribute("avanochi.voice.audio_seconds", round(audio_seconds, 3))
                try:
                    yield outcome
                except BaseException as error:
                    outcome.value = type(error).__name__
                    raise
                finally:
                    span.set_attribute("avanochi.outcome", outcome.value)
        finally:
            measured = {**attributes, "avanochi.outcome": outcome.value}
            self._voice_notes.add(1, measured)
            self._voice_audio.record(audio_seconds, attributes)
            self._voice_latency.record(time.perf_counter() - started, measured)

    # -- Prometheus ------------------------------------------------------------------------------

    def prometheus_text(self) -> tuple[bytes, str]:
        """The metrics in Prometheus' text format, and its content type."""
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        if self._registry is None:
            return b"", CONTENT_TYPE_LATEST
        return generate_latest(self._registry), CONTENT_TYPE_LATEST


HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def channel_label(channel: str) -> str:
    return channel if CHANNEL_NAME.fullmatch(channel or "") else "other"


def command_label(message: IncomingMessage) -> str:
    """The command a message asks for, as a label from a fixed set: never its words."""
    action = message.action
    if action:
        name = str(action.get("command", ""))
        if name == "run":  # a "did you mean" button carries the words
            name = _parsed(str(action.get("text", "")))
        return name if name in COMMANDS else "other"
    if not message.text.strip() and message.attachments:
        return "voice"
    return _parsed(message.text)


def _parsed(text: str) -> str:
    command = parse(text)
    if isinstance(command, Command):
        return command.name if command.name in COMMANDS else "other"
    return "too_long" if isinstance(command, TooLong) else "not_understood"


class MeasuredStore:
    """A document store whose every call is counted, timed and traced; the repositories get this
    one, the rest of the app the store itself. A Cosmos DB store also reports each response's
    request charge (its ``on_response`` hook)."""

    def __init__(self, store: Any, telemetry: Telemetry) -> None:
        self._store = store
        self._telemetry = telemetry
        if hasattr(store, "on_response"):
            store.on_response = telemetry.cosmos_response

    def __getattr__(self, name: str) -> Any:  # name, operations, and anything a store adds
        return getattr(self._store, name)

    def _measure(self, operation: str) -> Any:
        return self._telemetry.store_operation(self._store.name, operation)

    async def open(self) -> None:
        await self._store.open()

    async def close(self) -> None:
        await self._store.close()

    async def read(self, user_id: str, doc_id: str) -> Any:
        with self._measure("read"):
            return await self._store.read(user_id, doc_id)

    async def read_many(self, user_id: str, doc_ids: list[str]) -> Any:
        with self._measure("read_many"):
            return await self._store.read_many(user_id, doc_ids)

    async def create(self, doc: Any) -> Any:
        with self._measure("create"):
            return await self._store.create(doc)

    async def replace(self, doc: Any, etag: str | None) -> Any:
        with self._measure("replace"):
            return await self._store.replace(doc, etag)

    async def upsert(self, doc: Any) -> Any:
        with self._measure("upsert"):
            return await self._store.upsert(doc)

    async def delete(self, user_id: str, doc_id: str, etag: str | None = None) -> None:
        with self._measure("delete"):
            await self._store.delete(user_id, doc_id, etag)

    async def query(self, query: Any) -> Any:
        with self._measure("query"):
            return await self._store.query(query)

    async def count(self, query: Any) -> int:
        with self._measure("count"):
            return int(await self._store.count(query))

    async def delete_partition(self, user_id: str) -> int:
        with self._measure("delete_partition"):
            return int(await self._store.delete_partition(user_id))


class MeasuredSpeech:
    """A speech engine whose notes are measured: audio length, time taken, engine, outcome."""

    def __init__(self, engine: Any, telemetry: Telemetry) -> None:
        self._engine = engine
        self._telemetry = telemetry
        self.name = str(engine.name)

    @property
    def learns_voices(self) -> bool:
        """Whether a learned voice is worth handing over (voice learning itself uses the engine)."""
        return learns_voices(self._engine)

    async def transcribe(
        self, pcm: bytes, sample_rate: int = 16000, hints: Sequence[str] = (), voice: str | None = None
    ) -> Any:
        seconds = len(pcm) / 2 / sample_rate  # 16-bit mono samples
        with self._telemetry.voice(self.name, seconds) as outcome:
            transcript = await transcribe_with(self._engine, pcm, sample_rate, hints, voice)
            if not transcript.text:
                outcome.value = "nothing_heard"
            return transcript

    async def warm_up(self) -> None:
        await self._engine.warm_up()

    async def close(self) -> None:
        await self._engine.close()

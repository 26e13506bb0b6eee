"""Traces and metrics, read from in-memory exporters, from a local OTLP/HTTP receiver and from
GET /metrics: Slack turns, REST calls, store operations on both stores, reminder passes, voice
notes; and never a word of user content in any attribute."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from bot.reminders.engine import ReminderEngine
from bot.runtime.telemetry import MeasuredStore, Telemetry
from domain.clock import FakeClock
from domain.services import Services
from persistence.repositories import Repositories
from tests.fake_slack import slack_world
from tests.integration.conftest import ADMIN_TOKEN, serving
from tests.reminder_doubles import RecordingNotifier

VOICE = Path(__file__).resolve().parent.parent / "fixtures" / "voice"


@dataclass
class Recorded:
    """A Telemetry whose spans and metrics stay in memory for the test to read."""

    telemetry: Telemetry
    spans: InMemorySpanExporter
    reader: InMemoryMetricReader

    def finished(self, name: str | None = None) -> list[ReadableSpan]:
        return [span for span in self.spans.get_finished_spans() if name is None or span.name == name]

    def points(self, metric: str) -> list[Any]:
        """The data points of one metric (each with ``attributes`` and a value, sum or count)."""
        found: list[Any] = []
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for each in scope.metrics:
                    if each.name == metric:
                        found.extend(each.data.data_points)
        return found

    def total(self, metric: str, **attributes: Any) -> float:
        """A counter's sum, or a histogram's count of samples, over the points with ``attributes``."""
        found = 0.0
        for point in self.points(metric):
            if all(point.attributes.get(key) == value for key, value in attributes.items()):
                found += point.value if hasattr(point, "value") else point.count
        return found

    def every_attribute_value(self) -> Iterator[str]:
        for span in self.finished():
            yield span.name
            for value in (span.attributes or {}).values():
                yield str(value)
            for event in span.events:
                yield event.name
                yield from (str(value) for value in (event.attributes or {}).values())
            if span.status.description:
                yield span.status.description
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else ():
            yield from (str(value) for value in resource.resource.attributes.values())
            for scope in resource.scope_metrics:
                for each in scope.metrics:
                    for point in each.data.data_points:
                        yield from (str(value) for value in (point.attributes or {}).values())


def attrs(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def recorded() -> Recorded:
    spans, reader = InMemorySpanExporter(), InMemoryMetricReader()
    return Recorded(Telemetry(span_exporters=[spans], metric_readers=[reader], batch=False), spans, reader)


async def test_a_slack_turn_is_traced_and_counted_by_channel_command_and_outcome(store):
    seen = recorded()
    async with slack_world(store, telemetry=seen.telemetry) as slack:
        await slack.workspace.say("add buy milk")
        await slack.workspace.say("frobnicate the widgets")
    turns = seen.finished("turn")
    assert {(attrs(span)["avanochi.channel"], attrs(span)["avanochi.command"]) for span in turns} >= {
        ("slack", "add"),
        ("slack", "not_understood"),
    }
    assert all(attrs(span)["avanochi.outcome"] == "ok" for span in turns)
    assert seen.total("avanochi.turns", **{"avanochi.channel": "slack", "avanochi.command": "add"}) == 1
    latency = seen.points("avanochi.turn.duration")
    assert latency and all(point.sum > 0 for point in latency)
    # The turn's store calls are its children, in its trace.
    add = next(span for span in turns if attrs(span)["avanochi.command"] == "add")
    children = [span for span in seen.finished() if span.parent and span.parent.span_id == add.context.span_id]
    assert any(span.name.startswith("store ") for span in children)


async def test_a_rest_call_is_traced_by_its_route_template_never_its_path_or_query(store):
    seen = recorded()
    async with serving(store, telemetry=seen.telemetry) as api:
        task = await api.json("POST", "/api/tasks", 201, json={"user_id": "rest-user", "title": "x"})
        await api.json("GET", f"/api/tasks/{task['id']}?user_id=rest-user", 200)
        await api.json("GET", "/api/tasks/no-such-task?user_id=rest-user", 404)
        await api.call("GET", "/nowhere/at/all")
    requests = {
        (
            attrs(span)["http.request.method"],
            attrs(span)["http.route"],
            attrs(span)["http.response.status_code"],
        )
        for span in seen.finished()
        if "http.route" in (span.attributes or {})
    }
    assert ("GET", "/api/tasks/{id}", 200) in requests
    assert ("GET", "/api/tasks/{id}", 404) in requests
    assert ("POST", "/api/tasks", 201) in requests
    assert ("GET", "unmatched", 404) in requests
    values = list(seen.every_attribute_value())
    assert not any(task["id"] in value or "no-such-task" in value or "rest-user" in value for value in values)
    assert seen.total("http.server.request.duration", **{"http.route": "/api/tasks/{id}"}) == 2


async def test_store_operations_are_counted_and_timed_with_the_cosmos_request_charge(store):
    seen = recorded()
    async with serving(store, telemetry=seen.telemetry) as api:
        await api.json("POST", "/api/tasks", 201, json={"user_id": "store-user", "title": "x"})
        await api.json("GET", "/api/tasks?user_id=store-user", 200)
    system = {"db.system": store.name}
    assert seen.total("avanochi.store.operations", **system) >= 2
    assert seen.total("avanochi.store.operations", **system, **{"db.operation.name": "query"}) >= 1
    assert seen.points("avanochi.store.duration")
    store_spans = [span for span in seen.finished() if span.name.startswith("store ")]
    assert store_spans and all(attrs(span)["db.system"] == store.name for span in store_spans)
    charged = seen.total("avanochi.store.request_charge")
    if store.name == "cosmos":  # read from each response's x-ms-request-charge header
        assert charged > 0
        assert any(attrs(span).get("azure.cosmosdb.request_charge", 0) > 0 for span in store_spans)
    else:
        assert charged == 0


def utc(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=UTC)


async def test_a_reminder_pass_counts_due_sent_retried_dropped_and_paused(store):
    seen = recorded()
    clock = FakeClock(utc(13))
    services = Services.build(Repositories(MeasuredStore(store, seen.telemetry)), clock)  # as the app wires it
    user = "msteams:00000000-0000-4000-8000-0000000000a1:00000000-0000-4000-8000-0000000000b1"
    await services.users.ensure(user, "Kim")
    await services.users.update_user(user, timezone="America/New_York")
    await services.conversations.remember_address(user, "msteams", {"conversation": {"id": "c1"}})
    clock.set(utc(14))
    await services.work_sessions.start_session(user)
    clock.set(utc(15, 31))
    engine = ReminderEngine(services, {"msteams": RecordingNotifier("msteams")}, measure=seen.telemetry.reminder_pass)
    summary = await engine.run()
    assert summary.sent == 2
    assert seen.total("avanochi.reminders.due") == summary.due_schedules == 1
    assert seen.total("avanochi.reminders.sent") == 2
    assert seen.total("avanochi.reminders.pass.duration") == 1
    (span,) = seen.finished("reminders pass")
    assert attrs(span)["avanochi.reminders.sent"] == 2 and attrs(span)["avanochi.reminders.paused"] == 0
    # The pass's store calls (finding due schedules, claiming nudges) are traced inside it.
    inside = [each for each in seen.finished() if each.parent and each.parent.span_id == span.context.span_id]
    assert any(each.name == "store query" for each in inside)


async def test_a_voice_note_reports_audio_length_latency_and_engine(store):
    seen = recorded()
    data = (VOICE / "voice-message.ogg").read_bytes()  # "add task call the bank"
    async with slack_world(store, telemetry=seen.telemetry) as slack:
        body = await slack.rest.json(
            "POST",
            "/api/voice?user_id=slack:T0TEAM:U1&filename=voice-message.ogg",
            200,
            data=data,
            headers={"Content-Type": "audio/ogg"},
        )
    engine = body["engine"]
    (span,) = seen.finished("voice transcribe")
    assert attrs(span)["avanochi.voice.engine"] == engine and attrs(span)["avanochi.outcome"] == "ok"
    assert 1 < attrs(span)["avanochi.voice.audio_seconds"] < 10
    (audio,) = seen.points("avanochi.voice.audio.duration")
    assert audio.attributes["avanochi.voice.engine"] == engine and 1 < audio.sum < 10
    (latency,) = seen.points("avanochi.voice.latency")
    assert latency.count == 1 and latency.sum > 0
    assert seen.total("avanochi.voice.notes", **{"avanochi.voice.engine": engine}) == 1


async def test_no_user_content_reaches_any_span_or_metric_attribute(store):
    seen = recorded()
    secrets = ["Quuxlebert", "Zanzibarre", "U9SECRETIVE", "Flibbertigibbet", "Snorkelwax", ADMIN_TOKEN]
    async with slack_world(store, telemetry=seen.telemetry) as slack:
        slack.api.add_user("U9SECRETIVE", "Quuxlebert Zanzibarre", "Europe/Madrid")
        workspace = slack.workspace
        await workspace.say("add Flibbertigibbet report by friday", user="U9SECRETIVE")
        await workspace.say("done Flibbertigibbet", user="U9SECRETIVE")
        await workspace.say("Snorkelwax is what I think", user="U9SECRETIVE")
        await workspace.say("add Snorkelwax", user="U9SECRETIVE", via="command")
        token = (await slack.rest.json("POST", "/api/tokens", 201, json={"user_id": "slack:T0TEAM:U9SECRETIVE"}))[
            "token"
        ]
        secrets.append(token)
        await slack.rest.json("GET", "/api/tasks?status=Snorkelwax", 400, token=token)
        await slack.rest.json("POST", "/api/tasks", 201, token=token, json={"title": "Flibbertigibbet two"})
    values = list(seen.every_attribute_value())
    assert seen.finished("turn") and len(values) > 50
    leaked = {secret for secret in secrets for value in values if secret.lower() in value.lower()}
    assert not leaked


async def test_metrics_need_the_admin_token_and_show_the_turn_counter(store):
    async with slack_world(store) as slack:
        await slack.workspace.say("add buy milk")
        rest = slack.rest
        assert (await rest.call("GET", "/metrics", token=None)).status == 401
        personal = (await rest.json("POST", "/api/tokens", 201, json={"user_id": "slack:T0TEAM:U1"}))["token"]
        assert (await rest.call("GET", "/metrics", token=personal)).status == 403
        assert (await rest.call("GET", "/metrics", token="not-the-admin-token-at-all")).status == 403
        response = await rest.call("GET", "/metrics")
        assert response.status == 200 and response.content_type == "text/plain"
        text = await response.text()
    assert 'avanochi_turns_total{avanochi_channel="slack",avanochi_command="add",avanochi_outcome="ok"' in text
    assert "http_server_request_duration_seconds_bucket" in text
    assert "Ada" not in text and "milk" not in text


class OtlpReceiver:
    """A collector's OTLP/HTTP endpoint on loopback: it decodes what it is sent."""

    def __init__(self) -> None:
        self.traces: list[ExportTraceServiceRequest] = []
        self.metrics: list[ExportMetricsServiceRequest] = []
        app = web.Application()
        app.router.add_post("/v1/traces", self._traces)
        app.router.add_post("/v1/metrics", self._metrics)
        self.server = TestServer(app, host="127.0.0.1")

    async def _traces(self, request: web.Request) -> web.Response:
        assert request.content_type == "application/x-protobuf"
        self.traces.append(ExportTraceServiceRequest.FromString(await request.read()))
        return web.Response(body=b"", content_type="application/x-protobuf")

    async def _metrics(self, request: web.Request) -> web.Response:
        self.metrics.append(ExportMetricsServiceRequest.FromString(await request.read()))
        return web.Response(body=b"", content_type="application/x-protobuf")

    def span_names(self) -> set[str]:
        return {
            span.name
            for request in self.traces
            for resource in request.resource_spans
            for scope in resource.scope_spans
            for span in scope.spans
        }

    def metric_names(self) -> set[str]:
        return {
            metric.name
            for request in self.metrics
            for resource in request.resource_metrics
            for scope in resource.scope_metrics
            for metric in scope.metrics
        }


async def test_traces_and_metrics_reach_an_otlp_collector_when_its_endpoint_is_set(store):
    receiver = OtlpReceiver()
    await receiver.server.start_server()
    try:
        endpoint = str(receiver.server.make_url("")).rstrip("/")
        async with serving(store, OTEL_EXPORTER_OTLP_ENDPOINT=endpoint) as api:
            await api.json("POST", "/api/tasks", 201, json={"user_id": "otlp-user", "title": "x"})
        # Closing the app flushed both exporters.
    finally:
        await receiver.server.close()
    assert "POST /api/tasks" in receiver.span_names()
    assert any(name.startswith("store ") for name in receiver.span_names())
    assert {"http.server.request.duration", "avanochi.store.operations"} <= receiver.metric_names()


AZURE_CHECK = """
import sys
from app import bootstrap
from settings import CredentialManager, Settings

def load(**values):
    return Settings.load(CredentialManager({"AVANOCHI_DB_PATH": ":memory:", **values}, env_file=None))

bootstrap(load())
assert "azure.monitor.opentelemetry.exporter" not in sys.modules, "loaded without its setting"
container = bootstrap(load(APPLICATIONINSIGHTS_CONNECTION_STRING="InstrumentationKey=%s;IngestionEndpoint=%s"))
assert "azure.monitor.opentelemetry.exporter" in sys.modules, "not loaded with its setting"
print("ok")
"""


def test_the_azure_monitor_exporter_loads_only_when_its_connection_string_is_set():
    # A fresh interpreter: this one may have loaded the exporter already.
    code = AZURE_CHECK % ("00000000-0000-4000-8000-000000000000", "http://127.0.0.1:9/")
    env = {**os.environ, "APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL": "true"}
    env.pop("APPLICATIONINSIGHTS_CONNECTION_STRING", None)
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]

"""Avanochi's composition root: settings -> store -> services -> turn pipeline -> channels; and the CLI.

python app.py            serve HTTP on HOST:PORT (default 0.0.0.0:3978)
python app.py chat       talk to the bot in this terminal (same dialogs, same store)
python app.py teams-manifest [--output PATH] [--site-url URL]   the Teams app package (zip)
python app.py import --from-json FILE | --from-cosmos [--user-map FILE] [--dry-run]   the original's data
python app.py rebuild-rollups [--user ID]   recount the figures stats read from the documents
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from aiohttp import web
from pythonjsonlogger.json import JsonFormatter

from api import (
    errors,
    focus,
    health,
    metrics,
    openapi,
    probes,
    reminders,
    stats,
    tasks,
    timesheets,
    tokens,
    voice,
    work_sessions,
)
from api.auth import auth_middleware
from api.body import MAX_BODY_BYTES, body_limit_middleware
from api.cors import cors_middleware
from api.rate_limit import address_rate_limit_middleware, user_rate_limit_middleware
from api.request_log import request_log_middleware
from api.shutdown import SHUTDOWN_KEY, Shutdown, serve
from bot.dialogs.router import Dialogs
from bot.messages import Reply
from bot.narrator import build_narrator
from bot.reminders.engine import Notifier, ReminderEngine
from bot.runtime.pace import ChatPace
from bot.runtime.pipeline import TurnPipeline
from bot.runtime.telemetry import MeasuredSpeech, MeasuredStore, Telemetry
from bot.status import FocusStatusService, StatusProvider
from bot.voice.engines import SpeechToText, build_speech_to_text
from bot.voice.learning import VoiceLearning
from bot.voice.queue import SpeechQueue
from domain.clock import Clock, SystemClock
from domain.services import Services
from persistence.focus_status import FocusStatusRecords
from persistence.port import DocumentStore, StoreError
from persistence.repositories import Repositories
from persistence.slack_installations import TokenCipher
from persistence.voice_profiles import VoiceProfiles
from settings import CredentialManager, Settings
from web import dashboard
from web.credentials import WebPasses, sign_in_link, web_pass_repository

VERSION = "0.1.0"
STORE_KEY = web.AppKey("store", DocumentStore)
SERVICES_KEY = web.AppKey("services", Services)
ENGINE_KEY = web.AppKey("reminder_engine", ReminderEngine)


def build_store(settings: Settings) -> DocumentStore:
    if settings.uses_cosmos:
        from persistence.cosmos_store import CosmosDocumentStore  # imported only when used

        return CosmosDocumentStore(
            settings.cosmos_uri,
            settings.cosmos_key,
            settings.cosmos_database,
            settings.cosmos_container,
            verify_tls=settings.cosmos_verify_tls,
        )
    from persistence.sqlite_store import SqliteDocumentStore

    return SqliteDocumentStore(settings.db_path, synchronous=settings.sqlite_synchronous)


def build_focus_status(settings: Settings, store: DocumentStore, clock: Clock) -> FocusStatusService:
    """The platforms the settings allow a focus status on: Slack when it installs through OAuth
    (user tokens come from that flow), Teams when Microsoft Graph credentials are given. Each is
    imported only when used: the terminal chat loads neither without them."""
    providers: list[StatusProvider] = []
    if settings.slack_enabled and settings.slack_oauth and settings.secret_key:
        from bot.adapters.slack.status import CONSENT_PATH, SlackStatus

        providers.append(SlackStatus(settings.slack_api_url, settings.public_url + CONSENT_PATH))
    if settings.graph_enabled:
        from bot.adapters.teams.presence import GraphPresence

        providers.append(
            GraphPresence(
                settings.graph_tenant_id or "",
                settings.graph_client_id or "",
                settings.graph_client_secret or "",
                settings.graph_authority_url,
                settings.graph_api_url,
            )
        )
    cipher = TokenCipher(settings.secret_key) if settings.secret_key else None
    return FocusStatusService(FocusStatusRecords(store, cipher), providers, clock)


@dataclass
class Container:
    """The application's parts, built once by ``bootstrap`` for serve, chat and the tests."""

    settings: Settings
    store: DocumentStore
    services: Services
    speech: SpeechToText
    speech_queue: SpeechQueue
    dialogs: Dialogs
    pipeline: TurnPipeline
    owns_store: bool  # built here from the settings, so opened and closed here too
    telemetry: Telemetry
    web_passes: WebPasses  # the dashboard's sign-in links and browser sessions
    focus_status: FocusStatusService  # Slack status / Teams presence while a user focuses
    voice_learning: VoiceLearning  # learns each user's voice from their notes

    async def open(self) -> None:
        if self.owns_store:
            await self.store.open()

    async def close(self, drain_timeout: float = 15.0) -> None:
        # The turns already taken finish before the store closes.
        await self.pipeline.drain(timeout=drain_timeout)
        await self.focus_status.close()  # the status changes the last turns asked for
        await self.voice_learning.drain()  # before the engine it learns with stops
        await self.speech.close()
        if self.owns_store:
            await self.store.close()
        await self.telemetry.shutdown()  # last: it flushes what the closing parts measured


CONTAINER_KEY = web.AppKey("container", Container)


def bootstrap(
    settings: Settings,
    *,
    store: DocumentStore | None = None,
    clock: Clock | None = None,
    speech: SpeechToText | None = None,
    telemetry: Telemetry | None = None,
) -> Container:
    """Settings -> store -> services -> dialogs -> turn pipeline, with real defaults; tests pass
    their own (already open) store, clock, speech engine or telemetry."""
    owns_store = store is None
    store = store or build_store(settings)
    telemetry = telemetry or Telemetry.from_settings(
        settings.otlp_endpoint, settings.applicationinsights_connection_string
    )
    repos = Repositories(MeasuredStore(store, telemetry))
    clock = clock or SystemClock()
    focus_status = build_focus_status(settings, store, clock)
    services = Services.build(
        repos, clock, token_lifetime=timedelta(days=settings.token_days), focus_watcher=focus_status
    )
    web_passes = WebPasses(web_pass_repository(repos), services.clock)
    speech = speech or build_speech_to_text(settings.azure_speech_key, settings.azure_speech_region)
    narrator = build_narrator(
        settings.azure_openai_endpoint, settings.azure_openai_key, settings.azure_openai_deployment
    )
    speech_queue = SpeechQueue(
        MeasuredSpeech(speech, telemetry), settings.voice_queue
    )  # chat and REST notes share its room
    voice_learning = VoiceLearning(speech, VoiceProfiles(store))  # each user's notes teach it their voice
    dialogs = Dialogs(
        services,
        speech_queue,
        narrator,
        dashboard_link=sign_in_link(web_passes, settings.public_url),
        focus_status=focus_status,
        voice_learning=voice_learning,
    )
    pipeline = TurnPipeline(dialogs, services, ChatPace(settings.rate_limit_chat), telemetry=telemetry)
    return Container(
        settings,
        store,
        services,
        speech,
        speech_queue,
        dialogs,
        pipeline,
        owns_store,
        telemetry,
        web_passes,
        focus_status,
        voice_learning,
    )


# How a chat platform joins the app: it serves its routes on ``app`` and returns the notifier
# that sends its reminders (None when the platform is off).
ChannelRegistration = Callable[[web.Application, Container], Notifier | None]


def chat_channels() -> list[ChannelRegistration]:
    """The chat platforms served over HTTP: a new platform is its package plus one line here."""
    from bot.adapters import slack, teams  # imported here: `chat` never loads the platforms' SDKs

    return [teams.register, slack.register]


def build_app(
    settings: Settings,
    *,
    store: DocumentStore | None = None,
    clock: Clock | None = None,
    speech: SpeechToText | None = None,
    warm_speech: bool = False,
    channels: Sequence[ChannelRegistration] = (),
    telemetry: Telemetry | None = None,
) -> web.Application:
    """The whole service as an aiohttp app. Tests pass their own (already open) store, clock or
    speech engine, and may add ``channels`` of their own; a store built here is opened and
    closed with the app."""
    container = bootstrap(settings, store=store, clock=clock, speech=speech, telemetry=telemetry)
    store, services = container.store, container.services
    shutdown = Shutdown(settings.shutdown_grace)
    # In order: the address budget and the body limit come before anything reads a body or
    # looks a token up; the user budget needs the caller the auth middleware names.
    app = web.Application(
        middlewares=[
            metrics.telemetry_middleware(container.telemetry),  # outermost: it sees the status sent
            request_log_middleware,
            # Before auth: a preflight carries no token. Before the drain: a browser sees its 503.
            cors_middleware(settings.cors_allowed_origins),
            shutdown.middleware,
            errors.error_middleware,
            address_rate_limit_middleware(settings.rate_limit_ip, settings.trusted_proxies),
            body_limit_middleware,
            auth_middleware(services.tokens, settings.admin_token),
            user_rate_limit_middleware(settings.rate_limit_user),
        ],
        client_max_size=MAX_BODY_BYTES,  # raised per route by body_limit_middleware (Slack, Teams, voice)
    )
    app[CONTAINER_KEY] = container
    app[STORE_KEY] = store
    app[SERVICES_KEY] = services
    app[SHUTDOWN_KEY] = shutdown

    async def start(_: web.Application) -> None:
        await container.open()

    async def stop(_: web.Application) -> None:
        await container.close(drain_timeout=shutdown.remaining())

    app.on_startup.append(start)
    app.on_cleanup.append(stop)  # after the cleanup contexts (the reminder loop): the store closes last

    app.on_response_prepare.append(hide_server_software)
    health.register(app, store)
    probes.register(app, store, shutdown)
    tasks.register(app, services)
    timesheets.register(app, services)  # before work_sessions: its /{id} would take "export"
    work_sessions.register(app, services)
    stats.register(app, services)
    focus.register(app, services)
    tokens.register(app, services)
    openapi.register(app, VERSION)
    metrics.register(app, container.telemetry, settings.admin_token)
    from bot.adapters.teams.sso import teams_token_validator  # here: `chat` never loads the platforms' SDKs

    dashboard.register(app, container, teams_tab=teams_token_validator(settings))

    if warm_speech:
        app.on_startup.append(warm_up(container.speech))
    voice.register(app, container.dialogs, container.speech_queue)
    notifiers = {}
    for register in (*chat_channels(), *channels):
        notifier = register(app, container)
        if notifier is not None:
            notifiers[notifier.channel] = notifier
    # Acknowledged turns finish before anything closes, within the grace period.
    shutdown.wait_for(lambda: container.pipeline.drain(timeout=settings.shutdown_grace))
    app.on_shutdown.append(shutdown.drain)

    container.focus_status.tell = tell_through(services, notifiers)
    engine = ReminderEngine(
        services,
        notifiers,
        per_second={"slack": settings.slack_workspace_rate, "msteams": settings.teams_tenant_rate},
        measure=container.telemetry.reminder_pass,
        sweeps=[container.focus_status.sweep],
    )
    app[ENGINE_KEY] = engine
    reminders.register(app, engine)
    if settings.reminder_interval > 0:
        loop = ReminderLoop(engine, settings.reminder_interval)
        shutdown.wait_for(loop.finish)
        app.cleanup_ctx.append(loop.context)
    return app


def tell_through(services: Services, notifiers: dict[str, Notifier]):
    """One message to a user on the channel they used last, through the reminders' notifiers."""

    async def tell(user_id: str, reply: Reply) -> None:
        channel = user_id.split(":", 1)[0]
        notifier = notifiers.get(channel)
        address = await services.conversations.address(user_id, channel) if notifier else None
        if notifier is not None and address is not None:
            await notifier.deliver(address, [reply])

    return tell


async def hide_server_software(_: web.Request, response: web.StreamResponse) -> None:
    """aiohttp announces "Python/3.x aiohttp/3.x" on every response, telling a scanner which
    known bugs to try; say only what answers."""
    response.headers["Server"] = "avanochi"


def _report_warm_up(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logging.getLogger("avanochi.voice").warning("speech engine failed to warm up", exc_info=task.exception())


def warm_up(speech: SpeechToText):
    """Load the speech engine in the background at start-up (when serving)."""

    async def start(_: web.Application) -> None:
        task = asyncio.create_task(speech.warm_up())
        task.add_done_callback(_report_warm_up)

    return start


class ReminderLoop:
    """The in-process trigger: a reminder pass every ``interval`` seconds while the app runs. At
    shutdown no new pass starts and the one under way may finish (a half-done pass would send
    some nudges twice after a restart)."""

    def __init__(self, engine: ReminderEngine, interval: float) -> None:
        self._engine = engine
        self._interval = interval
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._log = logging.getLogger("avanochi.reminders")

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._interval)
            if self._stopping.is_set():
                return
            try:
                summary = await self._engine.run()
                if summary.due_schedules:
                    self._log.info(
                        "reminder pass",
                        extra={"due": summary.due_schedules, "sent": summary.sent, "retried": summary.retried},
                    )
            except Exception:  # keep the loop alive; the next pass retries
                self._log.exception("reminder pass failed")

    async def finish(self) -> None:
        """Start no new pass; return when the one under way (if any) is done."""
        self._stopping.set()
        if self._task is not None:
            await asyncio.wait({self._task})  # not cancelled if this wait is: the grace decides

    async def context(self, app: web.Application):
        self._task = asyncio.create_task(self._loop())
        yield
        self._stopping.set()
        self._task.cancel()  # past the grace period, or never drained: a pass still running stops
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


QUIET_LIBRARIES = (
    "aiohttp.access",
    "aiohttp.client",
    "aiosqlite",
    "azure",
    "urllib3",
    "msal",
    "microsoft_agents",
    "slack_bolt",
    "slack_sdk",
    "dateparser",
)
# Logs every activity its models refuse at ERROR, with the refused values (what a user typed);
# the Teams endpoint answers those with a 400 of its own.
SILENT_LOGGERS = ("microsoft_agents.activity.activity",)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonFormatter("{asctime}{levelname}{name}{message}", style="{", rename_fields={"asctime": "time"})
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    # DEBUG is for our own loggers only. Libraries log what users typed at DEBUG (aiosqlite
    # every statement with its parameters, the Slack SDK and Bolt request bodies, the Agents SDK
    # its connector calls), and Bolt copies the root's level onto its loggers when it is built;
    # so the root never goes below INFO.
    numeric = logging.getLevelNamesMapping()[level]
    root.setLevel(max(numeric, logging.INFO))
    logging.getLogger("avanochi").setLevel(numeric)
    # These log statements, bodies or headers at INFO too; keep them to warnings.
    for noisy in QUIET_LIBRARIES:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    for silent in SILENT_LOGGERS:
        logging.getLogger(silent).setLevel(logging.CRITICAL + 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="app.py", description="Avanochi bot and REST API")
    parser.add_argument(
        "command", nargs="?", default="serve", choices=["serve", "chat", "teams-manifest", "import", "rebuild-rollups"]
    )
    parser.add_argument(
        "--output", default="build/avanochi-teams.zip", help="where teams-manifest writes the Teams app package"
    )
    parser.add_argument(
        "--site-url", default=None, help="your public https URL, for the Teams manifest's developer links"
    )
    add_import_arguments(parser)
    args = parser.parse_args(argv)
    settings = Settings.load(CredentialManager())
    configure_logging(settings.log_level)
    if args.command == "serve":
        app = build_app(settings, warm_speech=True)
        logging.getLogger("avanochi").info(
            "starting", extra={"host": settings.host, "port": settings.port, "store": app[STORE_KEY].name}
        )
        try:
            asyncio.run(serve(app, settings.host, settings.port))
        except StoreError as problem:  # a misconfigured store (an unreachable one starts anyway)
            raise SystemExit(f"Avanochi cannot start: {problem}") from None
    elif args.command == "chat":
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C while a reply is on its way: just leave
            asyncio.run(run_console(settings))
    elif args.command == "teams-manifest":
        from bot.adapters.teams.manifest import ManifestNotBuilt, write_package

        extra = {"site_url": args.site_url} if args.site_url else {}
        try:
            print(write_package(settings, args.output, **extra))
        except ManifestNotBuilt as problem:  # a setting to fix, not a bug: one line, no traceback
            raise SystemExit(f"teams-manifest: {problem}") from None
    elif args.command == "import":
        sys.exit(asyncio.run(run_import(settings, args)))
    elif args.command == "rebuild-rollups":
        sys.exit(asyncio.run(run_rebuild(settings, args.user)))


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_argument_group("import (the original Avanochi's documents) and rebuild-rollups")
    source.add_argument("--from-json", metavar="FILE", help="an export: a JSON array, JSON Lines or lists by kind")
    source.add_argument("--from-cosmos", action="store_true", help="read the original's Cosmos DB container")
    source.add_argument("--source-uri", default=os.environ.get("IMPORT_COSMOS_DB_URI"), help="its account URI")
    source.add_argument(
        "--source-database", default=os.environ.get("IMPORT_COSMOS_DB_DATABASE", "avanochi"), help="its database"
    )
    source.add_argument(
        "--source-container", default=os.environ.get("IMPORT_COSMOS_DB_CONTAINER", "items"), help="its container"
    )
    source.add_argument(
        "--source-insecure", action="store_true", help="skip TLS verification (the local Cosmos DB emulator)"
    )
    source.add_argument("--user-map", metavar="FILE", help='JSON {"original user id": "slack:T..:U.. or msteams:..."}')
    source.add_argument("--dry-run", action="store_true", help="say what would be imported; write nothing")
    source.add_argument("--user", help="rebuild-rollups: only this user (default: everyone)")


async def run_import(settings: Settings, args: argparse.Namespace) -> int:
    """Import into the configured store; the account key of the source comes from
    IMPORT_COSMOS_DB_PRIMARY_KEY, never the command line (it would sit in the shell history)."""
    from domain.services.importing import Importer
    from persistence.original import documents_from_cosmos, documents_from_json, entities_from

    if bool(args.from_json) == bool(args.from_cosmos):
        print("Say where from: --from-json FILE or --from-cosmos.", file=sys.stderr)
        return 2
    key = os.environ.get("IMPORT_COSMOS_DB_PRIMARY_KEY", "")
    if args.from_cosmos and not (args.source_uri and key):
        print("Set IMPORT_COSMOS_DB_URI (or --source-uri) and IMPORT_COSMOS_DB_PRIMARY_KEY.", file=sys.stderr)
        return 2
    try:
        user_map = load_user_map(args.user_map)
        documents = (
            documents_from_cosmos(
                args.source_uri,
                key,
                args.source_database,
                args.source_container,
                verify_tls=not args.source_insecure,
            )
            if args.from_cosmos
            else documents_from_json(Path(args.from_json))
        )
    except (OSError, ValueError) as error:
        print(f"Cannot read the import: {error}", file=sys.stderr)
        return 2
    store = build_store(settings)
    await store.open()
    try:
        report = await Importer(Repositories(store)).run(entities_from(documents, user_map), dry_run=args.dry_run)
    finally:
        await store.close()
    print("\n".join(report.lines()))
    return 0


def load_user_map(path: str | None) -> dict[str, str]:
    if not path:
        return {}
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise ValueError("the user map must be a JSON object of original id to Avanochi user id")
    return data


async def run_rebuild(settings: Settings, user: str | None) -> int:
    from domain.services.rollup_rebuild import RollupRebuild

    store = build_store(settings)
    await store.open()
    try:
        rebuild = RollupRebuild(Repositories(store))
        users = [user] if user else await rebuild.users()
        for user_id in users:
            await rebuild.rebuild(user_id)
    finally:
        await store.close()
    print(f"rebuilt the roll-ups of {len(users)} {'user' if len(users) == 1 else 'users'}")
    return 0


async def run_console(settings: Settings) -> None:
    from bot.adapters.console import ConsoleChannel, ConsoleNotifier, Reminders, chat, os_user, terminal

    container = bootstrap(settings)
    await container.open()
    user = os_user()
    history = None if settings.console_history.lower() == "off" else Path(settings.console_history).expanduser()
    lines, screen = terminal(history)
    console = ConsoleChannel(screen, Path(settings.console_files).expanduser(), user.name)
    # The same engine as the server's, with this terminal its only way to the user.
    engine = ReminderEngine(container.services, {"console": ConsoleNotifier(console)})
    try:
        await chat(container.pipeline, lines, console, user, reminders=Reminders(engine, settings.reminder_interval))
    finally:
        await container.close()


if __name__ == "__main__":
    main()

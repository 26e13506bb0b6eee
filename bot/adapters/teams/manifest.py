"""Builds the Microsoft Teams app package (manifest.json v1.29 + icons, zipped) for `python app.py teams-manifest`.

Upload the zip in Teams (Apps > Manage your apps > Upload an app) or the Developer Portal. The bot id
is MicrosoftAppId; everything else is fixed here so that a package built twice is the same package.
"""

from __future__ import annotations

import io
import json
import re
import struct
import uuid
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

MANIFEST_VERSION = "1.29"
MANIFEST_SCHEMA = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.29/MicrosoftTeams.schema.json"
ICON_FOLDER = Path(__file__).resolve().parent / "icons"
ICONS = {"color.png": (192, 192), "outline.png": (32, 32)}
ACCENT_COLOR = "#2BB3A3"
DEFAULT_SITE = "https://avanochi.example.com"  # replace with the deployment's public site
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# The Teams app id is derived from the bot id: stable across builds (re-uploads update the same
# app) yet distinct from the bot registration's id.
APP_ID_NAMESPACE = uuid.UUID("5b0f6c1e-6f7a-4c38-9f65-2f1c3a7d8e10")

PERSONAL_COMMANDS = [
    ("help", "What I understand"),
    ("add", "Add a task: add Write the report due friday 5pm !high"),
    ("tasks", "Your open tasks, with Done buttons (tasks today|week|done|all)"),
    ("done", "Finish a task by number or words: done 2"),
    ("start", "Clock in (start [note]); stop clocks out, status shows where you are"),
    ("stop", "Clock out"),
    ("focus", "A focus session: focus 25 on 2 (focus stop | interrupted | focus cancel)"),
    ("water", "Log water: water, water 500ml, water 2 glasses (also: break, lunch)"),
    ("stats", "How it went: stats today|week|month|all"),
    ("token", "A personal token for the REST API (personal chat only)"),
]
# What a team or group chat is for comes first; older clients show at most ten commands, so the
# personal-chat habits (water, stop, token) are left to the personal list.
TEAM_COMMANDS = [
    ("team pulse", "Start this channel's opt-in weekly pulse, or see it: averages only, never below five people"),
    ("share with team", "share with team on|off: count in this team's pulse, or stop at once"),
    ("kudos", "kudos @someone for ...: thank a teammate who said 'kudos on' (kudos on|off for yourself)"),
]
EVERYDAY_IN_A_GROUP = ("help", "add", "tasks", "done", "start", "focus", "stats")
SHARED_COMMANDS = TEAM_COMMANDS + [command for command in PERSONAL_COMMANDS if command[0] in EVERYDAY_IN_A_GROUP]


class ManifestNotBuilt(ValueError):
    """A setting or an icon keeps the Teams app package from being built; the text says which."""


def application_id_uri(site: str, app_id: str) -> str:
    """api://{host}/{app id}: the resource Teams asks Entra ID for a tab token for (webApplicationInfo),
    which the app registration exposes; the tab's sign-in accepts tokens for it."""
    return f"api://{urlsplit(site).netloc}/{app_id}"


def teams_app_id(bot_id: str) -> str:
    return str(uuid.uuid5(APP_ID_NAMESPACE, bot_id.lower()))


def build_manifest(settings, *, app_version: str = "1.0.0", site_url: str = DEFAULT_SITE) -> dict[str, Any]:
    bot_id = (settings.microsoft_app_id or "").strip()
    if not GUID.match(bot_id):
        raise ManifestNotBuilt(
            "Set MicrosoftAppId to the bot's Azure app registration id (a GUID) to build the Teams app package"
        )
    site = site_url.rstrip("/")
    host = urlsplit(site).hostname
    if not site.startswith("https://") or not host:
        raise ManifestNotBuilt(f"The site URL must be https://..., not {site_url!r}")
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": app_version,
        "id": teams_app_id(bot_id),
        "developer": {
            "name": "Avanochi",
            "websiteUrl": site,
            "privacyUrl": f"{site}/privacy",
            "termsOfUseUrl": f"{site}/terms",
        },
        "name": {"short": "Avanochi", "full": "Avanochi - your work and well-being companion"},
        "description": {
            "short": "Tasks, work sessions, focus and healthy breaks, with a pet that grows",
            "full": (
                "Avanochi keeps your tasks, clocks your work sessions in and out, runs focus (pomodoro) "
                "sessions and logs water, breaks and lunch. It nudges you to hydrate, take a break and "
                "wrap up the day inside your working hours, and shows your stats. Its pet levels up "
                "with your finished work. Say 'help' in a chat with Avanochi to start; 'export my data' "
                "and 'delete my data' are always there."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT_COLOR,
        "bots": [
            {
                "botId": bot_id,
                # Personal chat is home (tokens, exports, reminders); in teams and group chats it
                # answers @mentions and keeps anything personal for the 1:1 chat.
                "scopes": ["personal", "team", "groupChat"],
                "supportsFiles": True,  # the data export is sent through the file consent card
                "isNotificationOnly": False,
                "commandLists": [
                    {"scopes": ["personal"], "commands": _commands(PERSONAL_COMMANDS)},
                    {"scopes": ["team", "groupChat"], "commands": _commands(SHARED_COMMANDS)},
                ],
            }
        ],
        # The personal dashboard as the app's tab; its page lets only Teams frame it (CSP frame-ancestors).
        "staticTabs": [
            {
                "entityId": "dashboard",
                "name": "Dashboard",
                "contentUrl": f"{site}/me",
                "websiteUrl": f"{site}/me",
                "scopes": ["personal"],
            }
        ],
        "validDomains": [host],
        # Single sign-on in the tab: Teams asks Entra ID for a token for this app on the user's behalf.
        "webApplicationInfo": {"id": bot_id, "resource": application_id_uri(site, bot_id)},
    }


def _commands(commands: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"title": title, "description": description} for title, description in commands]


def build_package(settings, **options: Any) -> bytes:
    """The app package: manifest.json and both icons at the root of a zip."""
    manifest = build_manifest(settings, **options)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        for name, size in ICONS.items():
            data = (ICON_FOLDER / name).read_bytes()
            # Teams refuses the whole package for a wrongly sized icon, with a vague error.
            if png_size(data) != size:
                raise ManifestNotBuilt(f"{name} must be a {size[0]}x{size[1]} PNG")
            package.writestr(name, data)
    return buffer.getvalue()


def write_package(settings, path: str | Path, **options: Any) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(build_package(settings, **options))
    return target


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk; (0, 0) when it is not a PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return (0, 0)
    return struct.unpack(">II", data[16:24])

"""Settings, in one module of their own: the CredentialManager (from the seed) reads the environment
and a .env file, and Settings.load checks every value once, at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import overload
from urllib.parse import urlsplit

from dotenv import dotenv_values
from limits import parse as parse_rate_limit

# Entra ID's OpenID metadata for tokens of any organisation ("common"); its issuer names the tenant.
ENTRA_OPENID_METADATA_URL = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"

# The admin token may act for anyone: it must be too long to guess (32 characters of
# token_urlsafe hold 192 bits).
MIN_ADMIN_TOKEN_LENGTH = 32


class CredentialManager:
    """Looks settings up in an explicit mapping (tests), else the environment, else .env."""

    def __init__(self, values: Mapping[str, str] | None = None, env_file: str | None = ".env") -> None:
        file_values = dotenv_values(env_file) if env_file and os.path.exists(env_file) else {}
        self._values: dict[str, str] = {k: v for k, v in file_values.items() if v is not None}
        self._values.update(os.environ if values is None else values)

    @overload
    def get(self, key: str) -> str | None: ...

    @overload
    def get(self, key: str, default: str) -> str: ...

    @overload
    def get(self, key: str, default: str | None) -> str | None: ...

    def get(self, key: str, default: str | None = None) -> str | None:
        value = self._values.get(key)
        return value if value not in (None, "") else default

    def get_bool(self, key: str, default: bool) -> bool:
        value = self.get(key)
        if value is None:
            return default
        return value.strip().lower() in ("1", "true", "yes", "on")

    def get_cosmos_credentials(self) -> dict[str, str]:
        return {
            "uri": self.get("COSMOS_DB_URI", ""),
            "primary_key": self.get("COSMOS_DB_PRIMARY_KEY", ""),
            "database_name": self.get("COSMOS_DB_DATABASE", "avanochi"),
            "container_name": self.get("COSMOS_DB_CONTAINER", "items"),
        }


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    log_level: str
    db_path: str
    cosmos_uri: str
    cosmos_key: str = field(repr=False)  # secrets never show in a repr or a log line
    cosmos_database: str
    cosmos_container: str
    cosmos_verify_tls: bool
    admin_token: str | None = field(repr=False)
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_api_url: str = "https://slack.com/api/"
    # The app-level token (xapp-...): Slack is reached over Socket Mode, no public URL needed.
    slack_app_token: str | None = field(default=None, repr=False)
    slack_socket_ping: float = 10.0  # seconds between Socket Mode pings (a dead socket is noticed after it)
    # OAuth v2 installation into many workspaces; their bot tokens are sealed with secret_key (Fernet).
    slack_client_id: str | None = None
    slack_client_secret: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    microsoft_app_id: str | None = None
    microsoft_app_password: str | None = field(default=None, repr=False)
    microsoft_app_type: str = "MultiTenant"
    microsoft_app_tenant_id: str | None = None
    # Microsoft Graph with the app's own credentials (client credentials): Teams presence
    # "Focusing" during focus sessions of the users who allow it, in this one tenant.
    graph_tenant_id: str | None = None
    graph_client_id: str | None = None
    graph_client_secret: str | None = field(default=None, repr=False)
    graph_authority_url: str = "https://login.microsoftonline.com"
    graph_api_url: str = "https://graph.microsoft.com/v1.0/"
    # Serve the unauthenticated Bot Framework Emulator mode even when HOST is not a loopback
    # address (without an app id Teams is otherwise off there).
    teams_emulator: bool = False
    reminder_interval: float = 30.0  # seconds between in-process reminder passes; 0 disables
    # Proactive messages per second per Slack workspace / Teams tenant, shared by all instances.
    slack_workspace_rate: int = 10
    teams_tenant_rate: int = 50
    token_days: int = 90  # how long a personal REST token works
    azure_speech_key: str | None = field(default=None, repr=False)
    azure_speech_region: str | None = None
    azure_openai_endpoint: str | None = None
    azure_openai_key: str | None = field(default=None, repr=False)
    azure_openai_deployment: str | None = None
    voice_queue: int = 4  # voice notes in work at once (downloading, decoding, transcribing)
    # Request budgets ("count/period", the ``limits`` library's notation), per process.
    rate_limit_user: str = "120/minute"  # REST requests of one personal token's user
    rate_limit_ip: str = "600/minute"  # HTTP requests from one client address
    rate_limit_chat: str = "30/minute"  # chat turns of one user, on every channel
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-For is believed
    sqlite_synchronous: str = "FULL"  # PRAGMA synchronous of the SQLite store: FULL or NORMAL
    # The terminal chat: where it saves pictures (charts, the pet) and exports, and the file that
    # keeps the lines typed ("off": kept for the session only).
    console_files: str = "~/.avanochi/files"
    console_history: str = "~/.avanochi/history"
    # Seconds a SIGTERM leaves the turns and the reminder pass under way to finish before exit.
    shutdown_grace: float = 20.0
    cors_allowed_origins: tuple[str, ...] = ()  # browser origins that may call the REST API
    otlp_endpoint: str | None = None  # an OTLP/HTTP collector's base URL: traces and metrics go there
    applicationinsights_connection_string: str | None = field(default=None, repr=False)  # Azure Monitor
    # Where people reach this app (https://avanochi.example.com): the base of dashboard sign-in links.
    public_url: str = ""
    # Where the Teams tab's single sign-on finds Entra ID's signing keys (OpenID metadata).
    teams_sso_metadata_url: str = ENTRA_OPENID_METADATA_URL

    @property
    def slack_enabled(self) -> bool:
        # Socket Mode needs no signing secret: Slack's requests come over a socket the app opened.
        tokens = self.slack_bot_token or self.slack_oauth
        return bool(tokens and (self.slack_signing_secret or self.slack_app_token))

    @property
    def slack_oauth(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def slack_socket_mode(self) -> bool:
        return self.slack_enabled and bool(self.slack_app_token)

    @property
    def graph_enabled(self) -> bool:
        return bool(self.graph_tenant_id and self.graph_client_id and self.graph_client_secret)

    @property
    def uses_cosmos(self) -> bool:
        return bool(self.cosmos_uri and self.cosmos_key)

    @classmethod
    def load(cls, credentials: CredentialManager) -> Settings:
        cosmos = credentials.get_cosmos_credentials()
        port = credentials.get("PORT", "3978")
        try:
            port_number = int(port)
        except ValueError:
            raise SystemExit(f"PORT must be a number, not {port!r}") from None
        log_level = (credentials.get("LOG_LEVEL", "INFO") or "INFO").upper()
        if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise SystemExit(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {log_level!r}")
        admin_token = credentials.get("AVANOCHI_ADMIN_TOKEN")
        if admin_token is not None and len(admin_token) < MIN_ADMIN_TOKEN_LENGTH:
            raise SystemExit(
                f"AVANOCHI_ADMIN_TOKEN must be at least {MIN_ADMIN_TOKEN_LENGTH} characters long "
                f"(it has {len(admin_token)}); make one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return cls(
            host=credentials.get("HOST", "0.0.0.0"),
            port=port_number,
            log_level=log_level,
            db_path=credentials.get("AVANOCHI_DB_PATH", "./data/avanochi.sqlite3"),
            cosmos_uri=cosmos["uri"],
            cosmos_key=cosmos["primary_key"],
            cosmos_database=cosmos["database_name"],
            cosmos_container=cosmos["container_name"],
            cosmos_verify_tls=credentials.get_bool("COSMOS_DB_VERIFY_TLS", True),
            admin_token=admin_token,
            slack_bot_token=credentials.get("SLACK_BOT_TOKEN"),
            slack_signing_secret=credentials.get("SLACK_SIGNING_SECRET"),
            slack_api_url=credentials.get("SLACK_API_URL", "https://slack.com/api/"),
            slack_app_token=_slack_app_token(credentials.get("SLACK_APP_TOKEN")),
            slack_client_id=credentials.get("SLACK_CLIENT_ID"),
            slack_client_secret=credentials.get("SLACK_CLIENT_SECRET"),
            secret_key=_secret_key(credentials),
            microsoft_app_id=credentials.get("MicrosoftAppId"),
            microsoft_app_password=credentials.get("MicrosoftAppPassword"),
            microsoft_app_type=credentials.get("MicrosoftAppType", "MultiTenant"),
            microsoft_app_tenant_id=credentials.get("MicrosoftAppTenantId"),
            graph_tenant_id=_graph_credentials(credentials),
            graph_client_id=credentials.get("GRAPH_CLIENT_ID"),
            graph_client_secret=credentials.get("GRAPH_CLIENT_SECRET"),
            graph_authority_url=_http_url(credentials, "GRAPH_AUTHORITY_URL", "https://login.microsoftonline.com"),
            graph_api_url=_http_url(credentials, "GRAPH_API_URL", "https://graph.microsoft.com/v1.0/"),
            teams_emulator=credentials.get_bool("AVANOCHI_TEAMS_EMULATOR", False),
            reminder_interval=_seconds(credentials.get("AVANOCHI_REMINDER_INTERVAL", "30")),
            slack_workspace_rate=_count(credentials, "AVANOCHI_SLACK_WORKSPACE_RATE", "10", low=1, high=10_000),
            teams_tenant_rate=_count(credentials, "AVANOCHI_TEAMS_TENANT_RATE", "50", low=1, high=10_000),
            # No "0 means never": a mistyped setting must stop the start, not make tokens immortal.
            token_days=_count(credentials, "AVANOCHI_TOKEN_DAYS", "90", low=1, high=3650),
            azure_speech_key=credentials.get("AZURE_SPEECH_KEY"),
            azure_speech_region=credentials.get("AZURE_SPEECH_REGION"),
            azure_openai_endpoint=credentials.get("AZURE_OPENAI_ENDPOINT"),
            azure_openai_key=credentials.get("AZURE_OPENAI_API_KEY"),
            azure_openai_deployment=credentials.get("AZURE_OPENAI_DEPLOYMENT"),
            voice_queue=_count(credentials, "AVANOCHI_VOICE_QUEUE", "4", low=1, high=1000),
            rate_limit_user=_rate_limit(credentials, "AVANOCHI_RATE_LIMIT_USER", "120/minute"),
            rate_limit_ip=_rate_limit(credentials, "AVANOCHI_RATE_LIMIT_IP", "600/minute"),
            rate_limit_chat=_rate_limit(credentials, "AVANOCHI_RATE_LIMIT_CHAT", "30/minute"),
            trusted_proxies=_count(credentials, "AVANOCHI_TRUSTED_PROXIES", "0", low=0, high=10),
            sqlite_synchronous=_synchronous(credentials.get("AVANOCHI_SQLITE_SYNCHRONOUS", "FULL")),
            console_files=credentials.get("AVANOCHI_CONSOLE_FILES", "~/.avanochi/files"),
            console_history=credentials.get("AVANOCHI_CONSOLE_HISTORY", "~/.avanochi/history"),
            shutdown_grace=_count(credentials, "AVANOCHI_SHUTDOWN_GRACE_SECONDS", "20", low=0, high=3600),
            cors_allowed_origins=_origins(credentials.get("CORS_ALLOWED_ORIGINS", "")),
            otlp_endpoint=credentials.get("OTEL_EXPORTER_OTLP_ENDPOINT"),
            applicationinsights_connection_string=credentials.get("APPLICATIONINSIGHTS_CONNECTION_STRING"),
            public_url=_public_url(credentials.get("AVANOCHI_PUBLIC_URL"), port_number),
            teams_sso_metadata_url=_metadata_url(
                credentials.get("AVANOCHI_TEAMS_SSO_METADATA_URL", ENTRA_OPENID_METADATA_URL)
            ),
        )


def _public_url(text: str | None, port: int) -> str:
    """AVANOCHI_PUBLIC_URL: scheme://host[:port][/path] people open; a laptop run's own port otherwise."""
    if text is None:
        return f"http://localhost:{port}"
    parts = urlsplit(text.strip())
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.query or parts.fragment:
        raise SystemExit(f"AVANOCHI_PUBLIC_URL must be an http(s) URL like https://avanochi.example.com, not {text!r}")
    return text.strip().rstrip("/")


def _metadata_url(text: str) -> str:
    """AVANOCHI_TEAMS_SSO_METADATA_URL: whoever serves it decides which tokens sign people in, so
    https (plain http only on this machine, for a local test issuer)."""
    parts = urlsplit(text.strip())
    local = parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1", "::1")
    if not parts.hostname or not (parts.scheme == "https" or local):
        raise SystemExit(f"AVANOCHI_TEAMS_SSO_METADATA_URL must be an https URL of OpenID metadata, not {text!r}")
    return text.strip()


def _graph_credentials(credentials: CredentialManager) -> str | None:
    """GRAPH_TENANT_ID, once GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET are known to come with it."""
    names = ("GRAPH_TENANT_ID", "GRAPH_CLIENT_ID", "GRAPH_CLIENT_SECRET")
    given = [name for name in names if credentials.get(name)]
    if given and len(given) < len(names):
        raise SystemExit(f"{', '.join(names[:-1])} and {names[-1]} go together (Teams presence through Graph)")
    return credentials.get("GRAPH_TENANT_ID")


def _http_url(credentials: CredentialManager, name: str, default: str) -> str:
    text = credentials.get(name, default).strip()
    parts = urlsplit(text)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise SystemExit(f"{name} must be an http(s) URL, not {text!r}")
    return text


def _slack_app_token(text: str | None) -> str | None:
    if text is not None and not text.strip().startswith("xapp-"):
        # A bot token (xoxb-) here is the usual slip; Slack would refuse it at every reconnect.
        raise SystemExit(
            "SLACK_APP_TOKEN must be the app-level token (it starts with xapp-; Basic Information > "
            "App-Level Tokens, scope connections:write), not a bot or user token"
        )
    return text.strip() if text else None


def _secret_key(credentials: CredentialManager) -> str | None:
    """AVANOCHI_SECRET_KEY, a Fernet key; Slack OAuth refuses to start without one, since the
    tokens it stores would otherwise lie in the database in the clear."""
    key = credentials.get("AVANOCHI_SECRET_KEY")
    client_id, client_secret = credentials.get("SLACK_CLIENT_ID"), credentials.get("SLACK_CLIENT_SECRET")
    make_one = (
        "make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
    )
    if bool(client_id) != bool(client_secret):
        raise SystemExit("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together (Basic Information > App Credentials)")
    if key is None:
        if client_id:
            raise SystemExit(
                f"Slack OAuth (SLACK_CLIENT_ID) needs AVANOCHI_SECRET_KEY to seal the bot tokens; {make_one}"
            )
        return None
    from cryptography.fernet import Fernet  # imported only when a key is set

    try:
        Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise SystemExit(f"AVANOCHI_SECRET_KEY must be a Fernet key (32 bytes, url-safe base64); {make_one}") from None
    return key


def _seconds(text: str | None) -> float:
    try:
        value = float(text or 0)
    except ValueError:
        raise SystemExit(f"AVANOCHI_REMINDER_INTERVAL must be a number of seconds, not {text!r}") from None
    return max(value, 0.0)


def _count(credentials: CredentialManager, name: str, default: str, *, low: int, high: int) -> int:
    text = credentials.get(name, default)
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise SystemExit(f"{name} must be a whole number from {low} to {high}, not {text!r}")
    return value


def _rate_limit(credentials: CredentialManager, name: str, default: str) -> str:
    text = credentials.get(name, default) or default
    try:
        item = None if any(mark in text for mark in ";,|") else parse_rate_limit(text)  # one limit only
    except ValueError:
        item = None
    if item is None or item.amount < 1:
        raise SystemExit(
            f"{name} must be a count per period such as '120/minute' or '10/second' "
            f"(second, minute, hour or day), not {text!r}"
        )
    return text


def _synchronous(text: str | None) -> str:
    mode = (text or "FULL").strip().upper()
    if mode not in ("FULL", "NORMAL"):
        raise SystemExit(f"AVANOCHI_SQLITE_SYNCHRONOUS must be FULL or NORMAL, not {text!r}")
    return mode


DEFAULT_PORTS = {"http": 80, "https": 443}


def _origins(text: str | None) -> tuple[str, ...]:
    """CORS_ALLOWED_ORIGINS: a comma list of origins, each as a browser sends it in ``Origin``."""
    origins: list[str] = []
    for item in (text or "").split(","):
        item = item.strip()
        if item:
            origins.append(_origin(item))
    return tuple(dict.fromkeys(origins))


def _origin(text: str) -> str:
    problem = (
        f"CORS_ALLOWED_ORIGINS must list origins such as https://app.example.com "
        f"(scheme://host[:port], no path, no wildcard), not {text!r}"
    )
    try:
        parts = urlsplit(text.removesuffix("/"))
        port = parts.port
    except ValueError:
        raise SystemExit(problem) from None
    scheme = parts.scheme.lower()
    if (
        scheme not in DEFAULT_PORTS
        or not parts.hostname
        or "*" in parts.netloc
        or parts.username is not None
        or parts.path
        or parts.query
        or parts.fragment
        or "?" in text
        or "#" in text
    ):
        raise SystemExit(problem)
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 literal keeps its brackets in an origin
        host = f"[{host}]"
    # Browsers leave the scheme's default port out of the Origin header.
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != DEFAULT_PORTS[scheme] else "")

"""Downloading what users send (voice notes) without leaking a token or truncating a file.

Every channel fetches attachments through a ``FileSource``: it names the only origins the
platform's files may come from and the credentials those origins get. A URL elsewhere is
refused before any connection is made, because the URL comes from the event payload, which
a user can shape (Slack's remote files point anywhere). Redirects are never followed: a
redirect would carry the request, and with it the token, to a host nobody checked. Bodies
are read to their end under a size cap: ``StreamReader.read(n)`` returns only what has
arrived so far, which silently truncated slow downloads and chunked uploads.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp

from bot.messages import Attachment
from domain.errors import ValidationError

log = logging.getLogger("avanochi.downloads")
CHUNK = 64 * 1024
TIMEOUT = aiohttp.ClientTimeout(total=30)
DEFAULT_PORTS = {"http": 80, "https": 443}


class FileRefused(ValidationError):
    """The attachment points somewhere this channel's files never live: nothing was fetched."""

    def __init__(self) -> None:
        super().__init__("I can't open that file: I only read files shared with me directly in this chat.")


class FileTooLarge(ValidationError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"That file is too big for me: I take files up to {limit // (1024 * 1024)} MB.")


class DownloadFailed(Exception):
    """The file server failed us (an error status, a redirect, a timeout): the caller says so."""


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: int

    @classmethod
    def of(cls, url: str | None) -> Origin | None:
        """The origin of an absolute http(s) URL, or None for anything else (data:, relative, junk).
        Strict on purpose: a URL that URL parsers might read differently (user info, backslashes,
        spaces or control characters) has none."""
        if not url or any(char in "@\\" or ord(char) <= 0x20 or ord(char) == 0x7F for char in url):
            return None
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:  # a port that is not a number, brackets that don't close
            return None
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
            return None
        return cls(scheme, parts.hostname.lower().rstrip("."), port or DEFAULT_PORTS[scheme])

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(self.host)


def is_loopback_host(host: str | None) -> bool:
    """localhost or a loopback IP (127.0.0.0/8, ::1), with or without IPv6 brackets."""
    name = (host or "").strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class FileSource:
    """Where one platform's files may be fetched from, and the headers (its token) they get.

    ``origins`` are exact (scheme, host, port) matches; ``https_host_suffixes`` admit any https
    host under a platform domain (Teams files live on each tenant's SharePoint host);
    ``loopback`` admits local servers (the Bot Framework Emulator, tests)."""

    origins: frozenset[Origin] = frozenset()
    https_host_suffixes: tuple[str, ...] = ()
    loopback: bool = False
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)

    def allows(self, url: str) -> bool:
        origin = Origin.of(url)
        if origin is None:
            return False
        if origin in self.origins or (self.loopback and origin.is_loopback):
            return True
        return (
            origin.scheme == "https"
            and origin.port == 443
            and any(origin.host.endswith(suffix) for suffix in self.https_host_suffixes)
        )

    async def fetch(self, attachment: Attachment, limit: int) -> bytes:
        """The file's bytes. ``FileRefused`` for a URL outside this source, ``FileTooLarge`` past
        ``limit`` bytes, ``DownloadFailed`` when its server fails us."""
        if not self.allows(attachment.url):
            log.warning(
                "attachment refused: not a file host of this channel",
                extra={"host": (Origin.of(attachment.url) or Origin("", "", 0)).host},
            )
            raise FileRefused()
        try:
            async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
                async with session.get(attachment.url, headers=dict(self.headers), allow_redirects=False) as response:
                    if response.status != 200:  # a redirect included: it is not followed
                        log.warning("attachment download refused", extra={"status": response.status})
                        raise DownloadFailed(f"status {response.status}")
                    if (response.content_length or 0) > limit:
                        raise FileTooLarge(limit)  # refused without reading it
                    data = await read_capped(response.content, limit)
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning("attachment download failed", extra={"reason": type(error).__name__})
            raise DownloadFailed(type(error).__name__) from error
        if len(data) > limit:
            raise FileTooLarge(limit)
        return data


async def read_capped(stream: aiohttp.StreamReader, limit: int) -> bytes:
    """The whole body, or its first ``limit + 1`` bytes when it is larger than ``limit``."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in stream.iter_chunked(CHUNK):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(chunks)[: limit + 1]

"""Request budgets for the HTTP surface: per client address for everyone, per user for personal tokens.

Past a budget the answer is 429 with ``Retry-After`` (``Busy``, mapped in api/errors.py). The
counts live in this process's memory (the ``limits`` library, fixed windows): several instances
behind a load balancer each keep their own, so a client spread over N instances gets up to N
budgets. That still bounds the work each instance does, which is the point.

Slack and Teams call from a few shared platform addresses on behalf of every user, so their routes
are not budgeted per address: a 429 there would lose real users' messages (Slack even switches
off an app whose events keep failing). What they do count is requests the route refuses (a bad
signature or token, 401/403): an address that keeps sending forgeries is refused outright for
the rest of its window, while the platforms' own traffic never spends anything. Chat turns have
their own per-user budget once the platform is verified (bot/runtime/pace.py).
"""

from __future__ import annotations

import ipaddress
import math
import time

from aiohttp import web
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import FixedWindowRateLimiter

from api.auth import CALLER
from domain.errors import Busy
from domain.wording import plural

# Load balancer probes come often from one address; throttling them would take the instance out.
UNLIMITED_PATHS = frozenset({"/healthz", "/livez", "/readyz", "/api/health"})
PLATFORM_PATHS = frozenset({"/slack/events", "/api/messages"})
REFUSED = frozenset({401, 403})


class Budget:
    """``limit`` (e.g. "120/minute") for each key, counted in fixed windows."""

    def __init__(self, limit: str, scope: str) -> None:
        self._item: RateLimitItem = parse(limit)
        self._scope = scope
        self._limiter = FixedWindowRateLimiter(MemoryStorage())

    async def spend(self, key: str) -> int | None:
        """Count one request of ``key``; None while within budget, else the seconds to wait."""
        if await self._limiter.hit(self._item, self._scope, key):
            return None
        return await self._wait(key)

    async def spent(self, key: str) -> int | None:
        """The seconds to wait when ``key`` has nothing left, without counting anything; else None."""
        if await self._limiter.test(self._item, self._scope, key):
            return None
        return await self._wait(key)

    async def _wait(self, key: str) -> int:
        reset, _ = await self._limiter.get_window_stats(self._item, self._scope, key)
        return max(1, math.ceil(reset - time.time()))


def client_address(request: web.Request, trusted_proxies: int) -> str:
    """Who is calling, as a budget key. Behind ``trusted_proxies`` reverse proxies the caller is
    the X-Forwarded-For entry that many places from the right (each proxy appends what it saw;
    entries further left are the client's to invent). IPv6 callers are keyed by their /64, which
    one subscriber usually holds whole."""
    address = request.remote or ""
    if trusted_proxies:
        hops = [
            hop.strip()
            for value in request.headers.getall("X-Forwarded-For", [])
            for hop in value.split(",")
            if hop.strip()
        ]
        if len(hops) >= trusted_proxies:
            address = hops[-trusted_proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _too_many(wait: int) -> Busy:
    return Busy(f"Too many requests; please try again in {plural(wait, 'second')}.", retry_after=wait)


def address_rate_limit_middleware(limit: str, trusted_proxies: int):
    """Outermost budget: before the body is read or a token is looked up."""
    requests, refusals = Budget(limit, "address"), Budget(limit, "address-refused")

    @web.middleware
    async def middleware(request: web.Request, handler):
        if request.path in UNLIMITED_PATHS:
            return await handler(request)
        address = client_address(request, trusted_proxies)
        if request.path not in PLATFORM_PATHS:
            wait = await requests.spend(address)
            if wait is not None:
                raise _too_many(wait)
            return await handler(request)
        wait = await refusals.spent(address)
        if wait is not None:
            raise _too_many(wait)
        response = await handler(request)
        if response.status in REFUSED:
            await refusals.spend(address)
        return response

    return middleware


def user_rate_limit_middleware(limit: str):
    """Per-user budget of personal tokens; runs after the auth middleware has named the caller.
    The admin token (an operator's scripts, the reminder timer) has none of its own."""
    budget = Budget(limit, "user")

    @web.middleware
    async def middleware(request: web.Request, handler):
        who = request.get(CALLER)
        if who is not None and not who.admin and who.user_id:
            wait = await budget.spend(who.user_id)
            if wait is not None:
                raise _too_many(wait)
        return await handler(request)

    return middleware

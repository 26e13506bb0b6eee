"""Bot Framework authentication both ways: the channel's JWT on every POST /api/messages (checked
here), and the token the bot shows the Bot Connector (MSAL, from the MicrosoftApp* settings).

The inbound check is ours rather than the Agents SDK's JwtTokenValidator, which picks its signing
keys from the token's own unverified issuer, never checks that the key is endorsed for the channel
nor that the token was issued for the activity's serviceUrl, and answers a token without a key id
with a 500. This one does what the Bot Framework specifies for channel tokens: keys from the
channel's OpenID metadata (refreshed daily, and at most hourly when an unknown key id shows up),
RS256, issuer https://api.botframework.com, audience the bot's app id, five minutes of clock skew,
the key endorsed for the activity's channelId, and the serviceurl claim equal to its serviceUrl.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt
from microsoft_agents.hosting.core import AccessTokenProviderBase, AgentAuthConfiguration, AuthTypes, ClaimsIdentity

log = logging.getLogger("avanochi.teams")

CHANNEL_OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
CHANNEL_TOKEN_ISSUER = "https://api.botframework.com"
CLOCK_SKEW = 300  # seconds, as the Bot Framework allows
KEYS_MAX_AGE = 24 * 3600  # seconds before the signing keys are fetched again
UNKNOWN_KEY_REFETCH = 3600  # an unknown key id refetches the keys at most this often (a forged kid costs nothing)
FAILED_FETCH_RETRY = 30  # seconds before keys that could not be fetched are tried again
FETCH_TIMEOUT = aiohttp.ClientTimeout(total=10)
MULTI_TENANT_AUTHORITY = "botframework.com"  # the tenant of a legacy multi-tenant bot registration


class Unauthorized(Exception):
    """The request carries no valid channel token (a 401); the message says why, for the log only."""


class TeamsSettingsError(ValueError):
    """MicrosoftAppType asks for a setting that is missing."""


@dataclass(frozen=True)
class _Key:
    key: Any
    endorsements: tuple[str, ...] | None


class SigningKeys:
    """An OpenID issuer's RS256 signing keys, from its metadata's jwks_uri: fetched again daily, and
    at most hourly when an unknown key id shows up. Shared by the channel token check and the
    Teams tab's single sign-on, which trust different issuers the same way."""

    def __init__(self, metadata_url: str, label: str = "Bot Framework") -> None:
        self._metadata_url = metadata_url
        self._label = label  # whose keys, for the log
        self._keys: dict[str, _Key] = {}
        self.issuer: str | None = None  # the metadata's issuer (Entra's holds a {tenantid} placeholder)
        self._fetched_at = float("-inf")
        self._tried_at = float("-inf")
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> _Key:
        if kid not in self._keys or time.monotonic() - self._fetched_at > KEYS_MAX_AGE:
            async with self._lock:  # one fetch at a time; the requests waiting for it then use it
                now = time.monotonic()
                stale = now - self._fetched_at > KEYS_MAX_AGE
                wanted = stale or (kid not in self._keys and now - self._fetched_at > UNKNOWN_KEY_REFETCH)
                if wanted and now - self._tried_at > FAILED_FETCH_RETRY:
                    self._tried_at = now
                    await self._refresh()
        key = self._keys.get(kid)
        if key is None:
            raise Unauthorized("unknown signing key")
        return key

    async def _refresh(self) -> None:
        try:
            async with aiohttp.ClientSession(timeout=FETCH_TIMEOUT) as session:
                async with session.get(self._metadata_url) as answer:
                    answer.raise_for_status()
                    metadata = await answer.json(content_type=None)
                    jwks_uri = metadata["jwks_uri"]
                async with session.get(jwks_uri) as answer:
                    answer.raise_for_status()
                    keys = (await answer.json(content_type=None))["keys"]
        except (TimeoutError, aiohttp.ClientError, ValueError, KeyError, TypeError) as error:
            log.warning(f"{self._label} signing keys not fetched", extra={"reason": type(error).__name__})
            return  # the keys we had stay; an unknown key is refused
        fresh: dict[str, _Key] = {}
        for data in keys if isinstance(keys, list) else []:
            try:
                endorsements = data.get("endorsements")
                fresh[data["kid"]] = _Key(
                    jwt.PyJWK(data, "RS256").key, tuple(endorsements) if isinstance(endorsements, list) else None
                )
            except (jwt.PyJWTError, KeyError, TypeError, AttributeError):
                continue  # a key of another kind (or broken) signs nothing we accept
        self._keys = fresh
        issuer = metadata.get("issuer") if isinstance(metadata, dict) else None
        self.issuer = issuer if isinstance(issuer, str) else None
        self._fetched_at = time.monotonic()


def rs256_header(token: str) -> tuple[str, dict[str, Any]]:
    """The key id and the unverified claims of what claims to be an RS256 JWT; Unauthorized for
    anything else. Checked before any key is fetched, so that junk costs no request to the issuer."""
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise Unauthorized("not a JWT") from None
    if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
        raise Unauthorized("unexpected token header")
    return header["kid"], unverified


class ChannelTokenValidator:
    """Checks the Authorization header of a channel -> bot request."""

    def __init__(
        self, app_id: str, metadata_url: str = CHANNEL_OPENID_METADATA_URL, issuer: str = CHANNEL_TOKEN_ISSUER
    ) -> None:
        self._app_id = app_id
        self._issuer = issuer
        self._keys = SigningKeys(metadata_url)

    async def validate(self, authorization: str | None, channel_id: Any, service_url: str | None) -> ClaimsIdentity:
        """The identity for the turn; raises Unauthorized for anything but a valid channel token."""
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or any(char.isspace() for char in token):
            raise Unauthorized("no bearer token")
        kid, unverified = rs256_header(token)
        if unverified.get("iss") != self._issuer:
            raise Unauthorized("unknown issuer")
        key = await self._keys.key(kid)
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self._app_id,
                issuer=self._issuer,
                leeway=CLOCK_SKEW,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise Unauthorized(type(error).__name__) from None
        # An activity with no channelId asserts nothing to endorse (the access rules refuse it next).
        if channel_id and key.endorsements is not None and channel_id not in key.endorsements:
            raise Unauthorized("key not endorsed for this channel")
        if claims.get("serviceurl") != service_url:
            raise Unauthorized("token issued for another serviceUrl")
        # Only what the turn needs: the SDK reads extra claims (ver, appid) as a call from another
        # bot and would then ask for a token for that bot instead of the Bot Connector.
        return ClaimsIdentity(
            {"aud": self._app_id, "iss": self._issuer, "serviceurl": service_url}, authentication_type="Bearer"
        )


@dataclass(frozen=True)
class BotFrameworkAuthentication:
    """How turns are authenticated: with an app id, the channel token check and the bot's own
    outbound token; without one (the Emulator), neither."""

    app_id: str | None
    validator: ChannelTokenValidator | None
    tokens: AccessTokenProviderBase | None

    async def identify(self, authorization: str | None, channel_id: Any, service_url: str | None) -> ClaimsIdentity:
        if self.validator is None:
            # Empty claims: the SDK sends no token to the connector (the Emulator needs none).
            return ClaimsIdentity()
        return await self.validator.validate(authorization, channel_id, service_url)

    def proactive_identity(self) -> ClaimsIdentity:
        """Who a reminder is sent as: the bot itself, or nobody in particular for the Emulator."""
        return ClaimsIdentity({"aud": self.app_id, "appid": self.app_id}) if self.app_id else ClaimsIdentity()


def bot_framework_authentication(
    settings,
    *,
    channel_openid_metadata_url: str | None = None,
    channel_token_issuer: str | None = None,
    token_provider: AccessTokenProviderBase | None = None,
) -> BotFrameworkAuthentication:
    """Authentication from the settings: the public Azure cloud by default. The keyword arguments
    are switches for private clouds (and for tests, which point the token check at a local OpenID
    issuer and hand the connector a fixed token instead of asking Azure AD)."""
    app_id = settings.microsoft_app_id or None
    if not app_id:
        return BotFrameworkAuthentication(None, None, None)
    validator = ChannelTokenValidator(
        app_id, channel_openid_metadata_url or CHANNEL_OPENID_METADATA_URL, channel_token_issuer or CHANNEL_TOKEN_ISSUER
    )
    return BotFrameworkAuthentication(app_id, validator, token_provider or msal_token_provider(settings))


def msal_token_provider(settings) -> AccessTokenProviderBase:
    """The bot's token for the Bot Connector, by MicrosoftAppType as the Bot Framework reads it:
    MultiTenant (the default) and SingleTenant use MicrosoftAppPassword, UserAssignedMSI the
    managed identity whose client id is MicrosoftAppId. MSAL caches the token in-process."""
    from microsoft_agents.authentication.msal import MsalAuth  # imported here: only an app id needs MSAL

    kind = (settings.microsoft_app_type or "MultiTenant").lower()
    tenant = settings.microsoft_app_tenant_id
    if kind in ("singletenant", "userassignedmsi") and not tenant:
        raise TeamsSettingsError(f"MicrosoftAppType={settings.microsoft_app_type} needs MicrosoftAppTenantId")
    if kind == "singletenant" and not settings.microsoft_app_password:
        raise TeamsSettingsError("MicrosoftAppType=SingleTenant needs MicrosoftAppPassword")
    if kind == "userassignedmsi":
        configuration = AgentAuthConfiguration(
            auth_type=AuthTypes.user_managed_identity, client_id=settings.microsoft_app_id, tenant_id=tenant
        )
    else:
        configuration = AgentAuthConfiguration(
            auth_type=AuthTypes.client_secret,
            client_id=settings.microsoft_app_id,
            client_secret=settings.microsoft_app_password,
            tenant_id=tenant if kind == "singletenant" else MULTI_TENANT_AUTHORITY,
        )
    return MsalAuth(configuration)

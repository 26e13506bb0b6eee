"""Teams single sign-on for the app's personal tab: the Entra ID access token Teams hands the tab
(``authentication.getAuthToken()``) turned into the Teams user id the chat uses for that person.

The token is checked the way the Bot Framework's channel tokens are (auth.py's SigningKeys: keys
from the issuer's OpenID metadata, cached), against Entra ID v2 rules: RS256, issuer
https://login.microsoftonline.com/{tid}/v2.0 (the metadata's issuer template), audience the app's
application ID URI api://{host}/{MicrosoftAppId} or the app id itself, five minutes of clock skew,
the access_as_user scope, and the tenant when the bot is a single-tenant one. What a token is
refused for is said plainly: the person who reads it is the operator fixing the app registration.
"""

from __future__ import annotations

from typing import Any

import jwt

from bot.adapters.teams.activities import teams_user_key
from bot.adapters.teams.auth import CLOCK_SKEW, SigningKeys, Unauthorized, rs256_header
from bot.adapters.teams.manifest import application_id_uri
from domain.errors import DomainError

ENTRA_ISSUER_TEMPLATE = "https://login.microsoftonline.com/{tenantid}/v2.0"
SCOPE = "access_as_user"
MAX_TOKEN_LENGTH = 16_000  # Entra access tokens are a few kilobytes
SINGLE_TENANT_TYPES = ("singletenant", "userassignedmsi")


class SignInRefused(DomainError):
    """A tab token that signs nobody in; ``reason`` is a short code, the message says why."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class TeamsTokenValidator:
    def __init__(self, app_id: str, public_url: str, metadata_url: str, tenant: str | None = None) -> None:
        self._audiences = [application_id_uri(public_url, app_id), app_id]
        self._tenant = tenant
        self._keys = SigningKeys(metadata_url, "Entra ID")

    async def user_id(self, token: str) -> str:
        """The Teams user id of the token's person (who may never have talked to the bot)."""
        if not token:
            raise SignInRefused("malformed", "No Teams sign-in token was sent.")
        if len(token) > MAX_TOKEN_LENGTH:
            raise SignInRefused("malformed", "That is too long for a Teams sign-in token.")
        try:
            kid, unverified = rs256_header(token)
        except Unauthorized:
            raise SignInRefused("malformed", "That is not a Teams sign-in token.") from None
        tenant = unverified.get("tid")
        if not isinstance(tenant, str) or not tenant:
            raise SignInRefused("wrong_issuer", "The token names no tenant (tid).")
        try:
            key = await self._keys.key(kid)
        except Unauthorized:
            raise SignInRefused("bad_signature", "The token is not signed by a key of Microsoft Entra ID.") from None
        claims = self._decode(token, key.key, self._issuer(tenant))
        if self._tenant and claims.get("tid") != self._tenant:
            raise SignInRefused("wrong_tenant", "This app serves one organisation only, and it is not yours.")
        if SCOPE not in str(claims.get("scp", "")).split():
            raise SignInRefused("missing_scope", f"The token does not grant the {SCOPE} scope.")
        person = claims.get("oid")
        if not isinstance(person, str) or not person:
            raise SignInRefused("malformed", "The token names no user (oid).")
        return teams_user_key(tenant, person)

    def _issuer(self, tenant: str) -> str:
        template = self._keys.issuer or ENTRA_ISSUER_TEMPLATE
        return template.replace("{tenantid}", tenant)

    def _decode(self, token: str, key: Any, issuer: str) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self._audiences,
                issuer=issuer,
                leeway=CLOCK_SKEW,
                options={"require": ["exp", "nbf", "iss", "aud", "tid", "oid"]},
            )
        except jwt.InvalidSignatureError:
            raise SignInRefused("bad_signature", "The token's signature does not verify.") from None
        except jwt.ExpiredSignatureError:
            raise SignInRefused("expired", "The token has expired; open the tab again.") from None
        except jwt.ImmatureSignatureError:
            raise SignInRefused("not_yet_valid", "The token is not valid yet; check this server's clock.") from None
        except jwt.InvalidAudienceError:
            raise SignInRefused(
                "wrong_audience", f"The token was issued for another app, not {self._audiences[0]}."
            ) from None
        except jwt.InvalidIssuerError:
            raise SignInRefused(
                "wrong_issuer",
                "The token comes from another issuer (an Entra ID v1 token? Set accessTokenAcceptedVersion "
                "to 2 in the app registration's manifest).",
            ) from None
        except jwt.PyJWTError as error:
            raise SignInRefused("malformed", f"The token is not acceptable: {error}.") from None


def teams_token_validator(settings) -> TeamsTokenValidator | None:
    """The tab's token check from the settings; None when Teams has no app id (nothing to sign in to)."""
    app_id = (settings.microsoft_app_id or "").strip()
    if not app_id:
        return None
    kind = (settings.microsoft_app_type or "MultiTenant").lower()
    tenant = settings.microsoft_app_tenant_id if kind in SINGLE_TENANT_TYPES else None
    return TeamsTokenValidator(app_id, settings.public_url, settings.teams_sso_metadata_url, tenant)

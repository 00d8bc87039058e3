"""Login with OpenID Connect: authorization code + PKCE (S256) as a confidential client, with authlib.

The provider's endpoints come from its discovery document. The ID token is verified with the
provider's published keys (issuer, audience = this client, expiry, nonce) before a session opens.
Access tokens are refreshed on the server with the refresh token when they expire; the service's
own token (client credentials) serves the subscribable calendar, which calendar apps call without
any session (see ``calendario``).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError
import jwt

from services.web.config import WebSettings

MARGEN = 30  # seconds before expiry at which a token counts as expired


class IngresoFallido(Exception):
    """The login could not be completed (the reason is for the log, the page says it in Spanish)."""


class Proveedor:
    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        self._config: dict[str, Any] | None = None
        self._claves: jwt.PyJWKClient | None = None
        self._propio: dict[str, Any] = {}

    @property
    def retorno(self) -> str:
        return self.settings.url_publica.rstrip("/") + "/entrar/retorno"

    def _cliente(self, **extra: Any) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(self.settings.oidc_cliente, self.settings.oidc_secreto.get_secret_value(),
                                 scope=self.settings.oidc_alcance, redirect_uri=self.retorno,
                                 code_challenge_method="S256", timeout=10, **extra)

    async def configuracion(self) -> dict[str, Any]:
        if self._config is None:
            async with httpx.AsyncClient(timeout=10) as http:
                r = await http.get(self.settings.oidc_emisor.rstrip("/") + "/.well-known/openid-configuration")
                r.raise_for_status()
                self._config = r.json()
        return self._config

    async def _clave(self, id_token: str) -> Any:
        if self._claves is None:
            self._claves = jwt.PyJWKClient((await self.configuracion())["jwks_uri"], cache_keys=True, timeout=10)
        return await asyncio.to_thread(self._claves.get_signing_key_from_jwt, id_token)

    async def url_de_ingreso(self) -> tuple[str, str, str, str]:
        """(authorization URL, state, PKCE verifier, nonce)."""
        config = await self.configuracion()
        verificador, nonce = generate_token(64), generate_token(32)
        async with self._cliente() as cliente:
            url, estado = cliente.create_authorization_url(config["authorization_endpoint"],
                                                           code_verifier=verificador, nonce=nonce)
        return url, estado, verificador, nonce

    async def canjear(self, codigo: str, verificador: str, nonce: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """Exchange the code (with the PKCE verifier): answers (verified ID token claims, tokens)."""
        config = await self.configuracion()
        try:
            async with self._cliente() as cliente:
                tokens = dict(await cliente.fetch_token(config["token_endpoint"], code=codigo,
                                                        code_verifier=verificador))
        except (OAuthError, httpx.HTTPError) as exc:
            raise IngresoFallido(f"canje del código: {exc}") from None
        claims = await self._verificar_id(tokens.get("id_token", ""), nonce)
        return claims, _guardables(tokens)

    async def _verificar_id(self, id_token: str, nonce: str) -> dict[str, Any]:
        """OpenID Connect Core §3.1.3.7: signature, issuer, audience, expiry and the nonce of this login."""
        try:
            clave = await self._clave(id_token)
            claims = jwt.decode(id_token, clave.key, algorithms=["RS256", "ES256"], audience=self.settings.oidc_cliente,
                                issuer=self.settings.oidc_emisor, leeway=30, options={"require": ["exp", "sub", "iss"]})
        except (jwt.PyJWTError, OSError) as exc:
            raise IngresoFallido(f"ID token no válido: {exc}") from None
        if claims.get("nonce") != nonce:
            raise IngresoFallido("ID token con otro nonce")
        return claims

    @staticmethod
    def en_vigor(tokens: dict[str, Any]) -> bool:
        return bool(tokens.get("access_token")) and tokens.get("expires_at", 0) > time.time() + MARGEN

    async def vigente(self, tokens: dict[str, Any]) -> dict[str, Any] | None:
        """Tokens with an access token in force: the same, or refreshed; None if they cannot be."""
        if self.en_vigor(tokens):
            return tokens
        if not tokens.get("refresh_token"):
            return None
        config = await self.configuracion()
        try:
            async with self._cliente() as cliente:
                nuevos = dict(await cliente.refresh_token(config["token_endpoint"],
                                                          refresh_token=tokens["refresh_token"]))
        except (OAuthError, httpx.HTTPError):
            return None
        return _guardables({**nuevos, "refresh_token": nuevos.get("refresh_token") or tokens["refresh_token"]})

    async def token_propio(self) -> str:
        """The web service's own access token (client credentials), cached until it expires."""
        if self._propio.get("expires_at", 0) <= time.time() + MARGEN:
            config = await self.configuracion()
            async with self._cliente() as cliente:
                self._propio = _guardables(dict(await cliente.fetch_token(config["token_endpoint"],
                                                                          grant_type="client_credentials")))
        return str(self._propio["access_token"])


def _guardables(tokens: dict[str, Any]) -> dict[str, Any]:
    expira = tokens.get("expires_at") or time.time() + float(tokens.get("expires_in", 300))
    return {"access_token": tokens["access_token"], "refresh_token": tokens.get("refresh_token"),
            "expires_at": float(expira)}

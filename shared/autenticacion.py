"""Who is calling: OpenID Connect bearer tokens (JWT), verified properly.

The signature is checked with the provider's keys (its JWKS, fetched and cached; an unknown key id
fetches the set again, so a rotated key is picked up), only with the algorithms allowed (never
``none``), and the token must come from the configured issuer, for this audience, and be in force
(``exp``, ``nbf``, with a small leeway). Its claims give the actor: ``sub`` (the user: for an
acompañante, a docente or a directivo, his id in Acompaña), ``rol``, and the territory he acts in
(``dre``, ``ugel``, ``ie``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt
from jwt import PyJWKClient

from shared.autorizacion import TODOS as ROLES  # the roles a token may carry, declared once
from shared.telemetry import Actor


class TokenInvalido(Exception):
    """The request's token cannot be trusted; the message says why, in Spanish (HTTP 401)."""


@dataclass
class Verificador:
    emisor: str
    audiencia: str
    jwks_url: str
    algoritmos: tuple[str, ...] = ("RS256", "ES256")
    margen: int = 30
    enfriamiento: float = 30.0

    def __post_init__(self) -> None:
        if not self.algoritmos or any(a.lower() == "none" or a.startswith("HS") for a in self.algoritmos):
            raise ValueError("solo algoritmos asimétricos: la clave de verificación es pública (RS*, ES*, PS*, EdDSA)")
        self._claves = PyJWKClient(self.jwks_url, cache_keys=True, lifespan=300, timeout=5,
                                   cooldown_duration=self.enfriamiento)

    def actor(self, token: str) -> Actor:
        try:
            cabecera = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise TokenInvalido("El token no es un JWT válido.") from None
        if cabecera.get("alg") not in self.algoritmos:
            raise TokenInvalido(f"Algoritmo de firma no admitido: {cabecera.get('alg')!r}.")
        try:
            clave = self._claves.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError:
            raise TokenInvalido("No se pudieron obtener las claves del emisor para verificar el token.") from None
        except jwt.PyJWKClientError:
            raise TokenInvalido("El token está firmado con una clave que el emisor no publica.") from None
        try:
            claims: dict[str, Any] = jwt.decode(
                token, clave.key, algorithms=list(self.algoritmos), audience=self.audiencia, issuer=self.emisor,
                leeway=self.margen, options={"require": ["exp", "iat", "iss", "aud", "sub"]})
        except jwt.ExpiredSignatureError:
            raise TokenInvalido("El token venció.") from None
        except jwt.InvalidAudienceError:
            raise TokenInvalido("El token no es para Acompaña (audiencia).") from None
        except jwt.InvalidIssuerError:
            raise TokenInvalido("El token no lo emitió el proveedor de identidad de Acompaña.") from None
        except jwt.ImmatureSignatureError:
            raise TokenInvalido("El token aún no está vigente.") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenInvalido(f"Al token le falta el dato {exc.claim!r}.") from None
        except jwt.InvalidTokenError:
            raise TokenInvalido("La firma del token no es válida.") from None
        rol = claims.get("rol", "")
        if rol not in ROLES:
            raise TokenInvalido(f"Rol desconocido en el token: {rol!r}.")
        return Actor(usuario=str(claims["sub"])[:100], rol=rol, dre=claims.get("dre"), ugel=claims.get("ugel"),
                     ie=claims.get("ie"))

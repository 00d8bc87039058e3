"""Who is calling: OpenID Connect bearer tokens (JWT), verified properly.

The signature is checked with the provider's keys (its JWKS, from the configured URL only: a token's
``jku`` / ``x5u`` / ``jwk`` headers are never followed), only with the algorithms allowed (never
``none``), and the token must come from the configured issuer, for this audience, and be in force
(``exp`` and ``sub`` required, ``nbf`` honoured, with a small leeway).

The keys (``ClavesDelEmisor``) are fetched and cached; an unknown key id fetches the set again, so a
rotated key is picked up, but the set is read at most once per cooldown whatever asks (a flood of
made-up ``kid`` values costs one read, not one each). While the provider cannot be reached the last
keys it published keep verifying; with no keys at all (unreachable since start) a request is answered
503 with ``Retry-After`` (``EmisorNoDisponible``), not 401, and verification resumes by itself when
the provider answers again. Its claims give the actor: ``sub`` (the user: for an
acompañante, a docente or a directivo, his id in Acompaña), ``rol``, and the territory he acts in
(``dre``, ``ugel``, ``ie``).

A device sends the same token with every request until it expires, so a verified token is remembered
(``TokensVerificados``: by the SHA-256 of the token, never the token itself; bounded; each entry until the
token's ``exp`` plus the leeway, as ``jwt.decode`` would accept it). Remembering changes nothing a
verification would decide: a bearer token is not revocable before its ``exp`` here (there is no
introspection), and the one thing that withdraws a valid token, its key leaving the provider's published
set, is checked on every use: an entry counts only while the key that verified it is still the key the
provider publishes under that ``kid`` (read again every ``vida`` seconds, as for any token).
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from jwt import PyJWK, PyJWKClient, PyJWKSet

from shared.autorizacion import TODOS as ROLES  # the roles a token may carry, declared once
from shared.telemetry import Actor


log = logging.getLogger(__name__)


class TokenInvalido(Exception):
    """The request's token cannot be trusted; the message says why, in Spanish (HTTP 401)."""


class EmisorNoDisponible(Exception):
    """No key of the provider is known yet and it cannot be reached: nobody can be verified (HTTP 503)."""

    def __init__(self, reintentar_en: int) -> None:
        super().__init__("No se puede verificar el token: el proveedor de identidad no responde. "
                         f"Reintente en {reintentar_en} s.")
        self.reintentar_en = reintentar_en


class ClavesDelEmisor:
    """The provider's signing keys by ``kid``: read from its JWKS when unknown or older than ``vida``,
    at most once every ``enfriamiento`` seconds; the last ones read stay in use while it is unreachable.

    A known ``kid`` is answered from memory at once: when the set is older than ``vida`` it is read again
    in the background. An unknown ``kid`` waits for the read (its own, or the one under way). The lock
    only decides who reads; no request waits on it for the provider."""

    def __init__(self, url: str, vida: float = 300, enfriamiento: float = 30.0, espera: float = 5) -> None:
        self._cliente = PyJWKClient(url, cache_jwk_set=False, timeout=espera)
        self.vida, self.enfriamiento, self.espera = vida, enfriamiento, espera
        self._claves: dict[str, PyJWK] = {}
        self._leidas: float | None = None  # when the set was last read
        self._intento = -math.inf  # when it was last asked for, answered or not
        self._en_curso: threading.Event | None = None  # set when the read under way ends
        self._lock = threading.Lock()
        self.lecturas = 0  # reads of the JWKS attempted (observable by the tests and metrics)

    def clave(self, kid: str | None) -> PyJWK:
        ahora = time.monotonic()
        conocida = self._claves.get(kid) if kid is not None else None
        if conocida is not None:
            vencidas = self._leidas is None or ahora - self._leidas > self.vida
            if vencidas and self._turno(ahora):
                threading.Thread(target=self._leer, args=(ahora,), name="jwks", daemon=True).start()
            return conocida
        if self._turno(ahora):
            self._leer(ahora)
        elif (en_curso := self._en_curso) is not None:
            en_curso.wait(self.espera + 1.0)  # another request is reading the set: its answer may have the kid
        if kid in self._claves:
            return self._claves[kid]
        if self._leidas is None:
            raise EmisorNoDisponible(max(1, math.ceil(self.enfriamiento - (time.monotonic() - self._intento))))
        raise TokenInvalido("El token está firmado con una clave que el emisor no publica.")

    def conoce(self, kid: str) -> bool:
        """Whether ``kid`` is one of the keys read from the provider (from memory: never reads the set)."""
        return kid in self._claves

    def publicada(self, kid: str) -> PyJWK | None:
        """The key the provider publishes under ``kid``, from memory; when the set is older than ``vida`` it
        is read again in the background, as for any known key (the answer then may change)."""
        conocida = self._claves.get(kid)
        if conocida is not None:
            ahora = time.monotonic()
            if (self._leidas is None or ahora - self._leidas > self.vida) and self._turno(ahora):
                threading.Thread(target=self._leer, args=(ahora,), name="jwks", daemon=True).start()
        return conocida

    def _turno(self, ahora: float) -> bool:
        """Whether this caller reads the set now (none under way, and the cooldown passed)."""
        with self._lock:
            if self._en_curso is not None or ahora - self._intento < self.enfriamiento:
                return False
            self._intento, self._en_curso = ahora, threading.Event()
            self.lecturas += 1
            return True

    def _leer(self, ahora: float) -> None:
        try:
            conjunto = PyJWKSet.from_dict(self._cliente.fetch_data())
        except jwt.PyJWTError as exc:  # unreachable, or not a key set: keep what was read before
            log.warning("no se pudo leer el JWKS del emisor (%s); siguen las %d claves conocidas", exc,
                        len(self._claves))
        else:
            self._claves = {k.key_id: k for k in conjunto.keys if k.key_id and k.public_key_use in ("sig", None)}
            self._leidas = ahora
        finally:
            with self._lock:
                en_curso, self._en_curso = self._en_curso, None
            if en_curso is not None:
                en_curso.set()


class TokensVerificados:
    """Actors of tokens already verified, by the token's SHA-256, each until its token stops being in force.

    At most ``maximo`` entries: when full, the expired ones go, then the oldest. Reads take no lock."""

    def __init__(self, maximo: int = 20_000) -> None:
        self.maximo = maximo
        self._entradas: dict[bytes, tuple[Actor, float, str, PyJWK]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def huella(token: str) -> bytes:
        return hashlib.sha256(token.encode()).digest()

    def buscar(self, huella: bytes, claves: ClavesDelEmisor) -> Actor | None:
        """The actor of a remembered token still in force whose key the provider still publishes, or None."""
        entrada = self._entradas.get(huella)
        if entrada is None:
            return None
        actor, hasta, kid, clave = entrada
        if time.time() >= hasta or claves.publicada(kid) is not clave:
            self._entradas.pop(huella, None)  # expired, or its key withdrawn or replaced: verify it again
            return None
        return actor

    def recordar(self, huella: bytes, actor: Actor, hasta: float, kid: str, clave: PyJWK) -> None:
        with self._lock:
            if len(self._entradas) >= self.maximo:
                ahora = time.time()
                for vencida in [h for h, e in self._entradas.items() if e[1] <= ahora]:
                    del self._entradas[vencida]
                while len(self._entradas) >= self.maximo:
                    del self._entradas[next(iter(self._entradas))]
            self._entradas[huella] = (actor, hasta, kid, clave)

    def __len__(self) -> int:
        return len(self._entradas)


@dataclass
class Verificador:
    emisor: str
    audiencia: str
    jwks_url: str
    algoritmos: tuple[str, ...] = ("RS256", "ES256")
    margen: int = 30
    enfriamiento: float = 30.0
    vida: float = 300.0  # seconds a read key set is trusted before it is read again
    verificados: TokensVerificados = field(default_factory=TokensVerificados)

    def __post_init__(self) -> None:
        if not self.algoritmos or any(a.lower() == "none" or a.startswith("HS") for a in self.algoritmos):
            raise ValueError("solo algoritmos asimétricos: la clave de verificación es pública (RS*, ES*, PS*, EdDSA)")
        self._claves = ClavesDelEmisor(self.jwks_url, vida=self.vida, enfriamiento=self.enfriamiento)

    def recordado(self, token: str) -> Actor | None:
        """The actor of ``token`` when it was verified before and nothing since makes it fail (from memory:
        no signature check, no read of the provider's keys; an old key set is re-read in the background)."""
        return self.verificados.buscar(TokensVerificados.huella(token), self._claves)

    def clave_conocida(self, token: str) -> bool:
        """Whether ``token`` names an allowed algorithm and a key already read from the provider: checking
        its signature then costs no read of the provider's keys (nothing is verified here)."""
        try:
            cabecera = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            return False
        kid = cabecera.get("kid")
        return cabecera.get("alg") in self.algoritmos and isinstance(kid, str) and self._claves.conoce(kid)

    def actor(self, token: str) -> Actor:
        try:
            cabecera = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:  # not a JWT, or a header PyJWT refuses (a kid that is not a string)
            raise TokenInvalido("El token no es un JWT válido.") from None
        if cabecera.get("alg") not in self.algoritmos:
            raise TokenInvalido(f"Algoritmo de firma no admitido: {cabecera.get('alg')!r}.")
        if not isinstance(cabecera.get("kid"), str):
            raise TokenInvalido("El token no dice con qué clave se firmó (kid).")
        huella = TokensVerificados.huella(token)
        if (actor := self.verificados.buscar(huella, self._claves)) is not None:
            return actor
        clave = self._claves.clave(cabecera["kid"])
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
        actor = Actor(usuario=str(claims["sub"])[:100], rol=rol, dre=claims.get("dre"), ugel=claims.get("ugel"),
                      ie=claims.get("ie"))
        if isinstance(claims["exp"], (int, float)):
            self.verificados.recordar(huella, actor, claims["exp"] + self.margen, cabecera["kid"], clave)
        return actor

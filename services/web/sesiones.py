"""Server-side sessions: the tokens stay here, the browser holds only an opaque id in an HttpOnly cookie.

A session is stored under the SHA-256 of its cookie value (a leaked table does not give usable cookies),
with the user's tokens, his claims, the CSRF token of his forms and its expiry (``WEB_SESION_DIAS``, 14
days by default: a coach's field trip without signal). Revoking it on the server (``revocar``, the logout,
or ``revocar_de`` for all of a user's) ends it at once. The same store keeps the pending logins (the PKCE
verifier and nonce of each ``state``, ten minutes) and the hashes of the calendar secrets.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Float, MetaData, String, Table, create_engine, delete, select, update

metadata = MetaData()
sesion = Table(
    "web_sesion", metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("usuario", String(100), nullable=False, index=True),
    Column("rol", String(40), nullable=False),
    Column("claims", JSON, nullable=False),
    Column("tokens", JSON, nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("creada", Float, nullable=False),
    Column("expira", Float, nullable=False),
    Column("revocada", Boolean, nullable=False, default=False),
)
ingreso = Table(
    "web_ingreso", metadata,
    Column("estado", String(64), primary_key=True),
    Column("verificador", String(128), nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("destino", String(500), nullable=False),
    Column("creado", Float, nullable=False),
)
calendario = Table(
    "web_calendario", metadata,
    Column("secreto_hash", String(64), primary_key=True),
    Column("usuario", String(100), nullable=False, index=True),
    Column("creado", Float, nullable=False),
)
INGRESO_SEGUNDOS = 600


def huella(valor: str) -> str:
    return hashlib.sha256(valor.encode()).hexdigest()


@dataclass(frozen=True)
class Sesion:
    usuario: str
    rol: str
    claims: dict[str, Any]
    tokens: dict[str, Any]
    csrf: str
    expira: float

    @property
    def nombre(self) -> str:
        return str(self.claims.get("name") or "")


class Sesiones:
    def __init__(self, url: str, dias: float) -> None:
        if url.startswith(("postgresql://", "postgres://")):  # the URI CloudNativePG gives: psycopg 3 is the driver
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        self.engine = create_engine(url, pool_pre_ping=True)
        metadata.create_all(self.engine)
        self.segundos = dias * 86400

    def close(self) -> None:
        self.engine.dispose()

    # --- sessions ----------------------------------------------------------------------------------

    def crear(self, claims: dict[str, Any], tokens: dict[str, Any]) -> str:
        """A new session; answers the cookie value (never stored as such)."""
        valor = secrets.token_urlsafe(32)
        ahora = time.time()
        with self.engine.begin() as conn:
            conn.execute(sesion.insert().values(
                id_hash=huella(valor), usuario=str(claims["sub"]), rol=str(claims.get("rol", "")), claims=claims,
                tokens=tokens, csrf=secrets.token_urlsafe(32), creada=ahora, expira=ahora + self.segundos,
                revocada=False))
        return valor

    def leer(self, valor: str | None) -> Sesion | None:
        if not valor:
            return None
        with self.engine.connect() as conn:
            fila = conn.execute(select(sesion).where(sesion.c.id_hash == huella(valor))).first()
        if fila is None or fila.revocada or fila.expira < time.time():
            return None
        return Sesion(fila.usuario, fila.rol, dict(fila.claims), dict(fila.tokens), fila.csrf, fila.expira)

    def guardar_tokens(self, valor: str, tokens: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(sesion).where(sesion.c.id_hash == huella(valor)).values(tokens=tokens))

    def revocar(self, valor: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(sesion).where(sesion.c.id_hash == huella(valor)).values(revocada=True, tokens={}))

    def revocar_de(self, usuario: str) -> int:
        """End every session of a user (a lost phone): answers how many were open."""
        with self.engine.begin() as conn:
            return conn.execute(update(sesion).where((sesion.c.usuario == usuario) & (sesion.c.revocada.is_(False)))
                                .values(revocada=True, tokens={})).rowcount

    # --- pending logins ----------------------------------------------------------------------------

    def iniciar_ingreso(self, estado: str, verificador: str, nonce: str, destino: str) -> None:
        ahora = time.time()
        with self.engine.begin() as conn:
            conn.execute(delete(ingreso).where(ingreso.c.creado < ahora - INGRESO_SEGUNDOS))
            conn.execute(ingreso.insert().values(estado=estado, verificador=verificador, nonce=nonce,
                                                 destino=destino, creado=ahora))

    def tomar_ingreso(self, estado: str) -> dict[str, Any] | None:
        """The pending login of this ``state``, once: a replayed callback finds nothing."""
        with self.engine.begin() as conn:
            fila = conn.execute(select(ingreso).where(ingreso.c.estado == estado)).first()
            if fila is None:
                return None
            conn.execute(delete(ingreso).where(ingreso.c.estado == estado))
        if fila.creado < time.time() - INGRESO_SEGUNDOS:
            return None
        return {"verificador": fila.verificador, "nonce": fila.nonce, "destino": fila.destino}

    # --- calendar secrets --------------------------------------------------------------------------

    def nuevo_calendario(self, usuario: str) -> str:
        """A new secret calendar address for the user; the previous one stops working."""
        secreto = secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(delete(calendario).where(calendario.c.usuario == usuario))
            conn.execute(calendario.insert().values(secreto_hash=huella(secreto), usuario=usuario, creado=time.time()))
        return secreto

    def revocar_calendario(self, usuario: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(calendario).where(calendario.c.usuario == usuario))

    def tiene_calendario(self, usuario: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(calendario.c.usuario).where(calendario.c.usuario == usuario)).first() is not None

    def dueno_de_calendario(self, secreto: str) -> str | None:
        with self.engine.connect() as conn:
            fila = conn.execute(select(calendario.c.usuario).where(calendario.c.secreto_hash == huella(secreto))).first()
        return None if fila is None else fila.usuario

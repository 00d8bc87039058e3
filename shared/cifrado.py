"""Crypto-shredding of personal data (Ley 29733): each person's data encrypted with a key of his own.

A stored event never changes (it is the audit history), so a person's data cannot be deleted from
it. It is stored encrypted instead, with a data key of that person (the *subject*: e.g.
``docente:<id>``) kept outside the event store, in a ``Llavero``: erasing that key leaves every event
in place, readable as a fact, and the person unreadable in the store, in its copies and backups, and
in any read model rebuilt from it.

- Each value: AES-256-GCM with a random 96-bit nonce; the associated data is the subject and the
  field's name, so a value copied into another person's record or another field does not decrypt.
  Stored as text: ``cif1:<base64url(nonce || ciphertext)>``.
- Each data key (32 random bytes) is kept wrapped with a master key (KEK, ``<S>_CLAVES_KEK``, base64
  of 32 bytes; the default is a fixed development key, never for production). A copy of the key
  table without the KEK reveals nothing; the KEK belongs in a secret store or KMS.
- ``LlaveroSQL`` keeps the keys in their own database: ``<S>_CLAVES_URL`` (a SQLAlchemy URL), by
  default a SQLite file next to the store (``<servicio>-claves.sqlite``) or, on PostgreSQL, the schema
  ``<esquema>_claves`` of the same database. Never the event store's tables.
- Erasing a key keeps its row without key material, with when and why (``suprimida_en``, ``motivo``):
  the erasure itself is auditable, and no key is ever created again for that subject.
- ``descifrar`` of a value whose key was erased gives ``MARCA``; values stored before encryption
  existed (plain text) are returned as they are.
- ``cifrar_bytes`` / ``descifrar_bytes``: the same for an attachment's content (the object store keeps only
  ciphertext; the content's hash is the associated data).
- ``cifrar_campos(..., determinista=True)``: free text an aggregate compares (a re-sent observation, a
  commitment sent again from an offline device must be recognised as the same record) is encrypted with
  AES-SIV (RFC 5297) under a key derived from the subject's (HKDF-SHA256): the same text of the same
  subject and field gives the same ciphertext, so equality still holds in the write model, and nothing
  but that equality is revealed. Stored as ``cifd1:<base64url(siv || ciphertext)>``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    LargeBinary,
    MetaData,
    String,
    Table,
    select,
    text,
    update,
)

from shared.engines import abrir, insert_de, nombre
from shared.settings import ServiceSettings

MARCA = "[dato suprimido]"
PREFIJO = "cif1:"
PREFIJO_DETERMINISTA = "cifd1:"  # AES-SIV: equal texts give equal ciphertexts (see the module's note)
PREFIJO_BYTES = b"acompana-cif1\x00"  # an encrypted attachment's content (nonce and ciphertext follow)
KEK_DESARROLLO = hashlib.sha256(b"acompana: KEK de desarrollo, nunca en produccion").digest()
_LOTE = 500


class LlaveSuprimida(Exception):
    """The subject's key was erased (a cancellation): nothing personal is written for him again."""


class Llavero(Protocol):
    """Where data keys live. A KMS-backed implementation only needs these three operations."""

    def llaves(self, sujetos: Iterable[str], crear: bool = False) -> dict[str, bytes | None]:
        """Each subject's key; with ``crear``, one is made for those that have none. None: erased (or absent)."""

    def suprimir(self, sujeto: str, motivo: str) -> bool:
        """Erase the subject's key for ever, recording when and why. False when it was erased already."""

    def suprimida(self, sujeto: str) -> dict[str, Any] | None:
        """When and why the subject's key was erased (None: it was not)."""

    def close(self) -> None: ...


def url_llavero(settings: ServiceSettings) -> tuple[str, str | None]:
    """The key store's SQLAlchemy URL and PostgreSQL schema, from ``<S>_CLAVES_URL`` or next to the store."""
    if settings.claves_url:
        return settings.claves_url, settings.claves_esquema or None
    if settings.is_postgres:
        return settings.views_url(), settings.claves_esquema or f"{settings.views_schema}_claves"
    ruta = settings.sqlite_path("-claves")
    ruta.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{ruta}", None


class LlaveroSQL:
    """Data keys in their own SQL database (SQLite file or PostgreSQL schema), wrapped with the KEK."""

    def __init__(self, url: str, esquema: str | None = None, kek: bytes = KEK_DESARROLLO,
                 cache_segundos: float = 60.0) -> None:
        if len(kek) != 32:
            raise ValueError("la KEK debe tener 32 bytes (AES-256)")
        self._kek = AESGCM(kek)
        # On SQLite an erased key is overwritten with zeros in the file, and no write-ahead log keeps old pages.
        self.engine: Engine = abrir(url, ["secure_delete=ON", "journal_mode=DELETE", "busy_timeout=10000"])
        self.sqlite = self.engine.dialect.name == "sqlite"
        self._insert = insert_de(self.engine)
        self.tabla = Table(
            "llave", MetaData(schema=esquema),
            Column("sujeto", String(200), primary_key=True),
            Column("llave", LargeBinary),  # the wrapped data key; NULL once erased
            Column("creada_en", DateTime(timezone=True), nullable=False),
            Column("suprimida_en", DateTime(timezone=True)),
            Column("motivo", String(500)),
        )
        with self.engine.begin() as conn:
            if esquema:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{esquema}"'))
        self.tabla.metadata.create_all(self.engine)
        # Unwrapped keys are remembered a short while (bulk imports, projections); an erasure drops
        # its own at once, other processes' copies expire after ``cache_segundos``.
        self._cache: dict[str, tuple[bytes, float]] = {}
        self._cache_segundos = cache_segundos
        self._lock = threading.Lock()

    def close(self) -> None:
        self.engine.dispose()

    def _envolver(self, sujeto: str, llave: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._kek.encrypt(nonce, llave, sujeto.encode())

    def _desenvolver(self, sujeto: str, envuelta: bytes) -> bytes:
        return self._kek.decrypt(envuelta[:12], envuelta[12:], sujeto.encode())

    def llaves(self, sujetos: Iterable[str], crear: bool = False) -> dict[str, bytes | None]:
        pedidos = list(dict.fromkeys(sujetos))
        ahora = time.monotonic()
        with self._lock:
            resultado: dict[str, bytes | None] = {
                s: c[0] for s in pedidos if (c := self._cache.get(s)) and c[1] > ahora}
        faltan = [s for s in pedidos if s not in resultado]
        for i in range(0, len(faltan), _LOTE):
            resultado.update(self._leer_o_crear(faltan[i:i + _LOTE], crear))
        return resultado

    def _leer_o_crear(self, sujetos: list[str], crear: bool) -> dict[str, bytes | None]:
        t = self.tabla
        encontradas = self._leer(sujetos)
        nuevas = [s for s in sujetos if s not in encontradas]
        if crear and nuevas:
            ahora = datetime.now(UTC)
            with self.engine.begin() as conn:
                conn.execute(self._insert(t).on_conflict_do_nothing(), [
                    {"sujeto": s, "llave": self._envolver(s, AESGCM.generate_key(256)), "creada_en": ahora}
                    for s in nuevas])
            encontradas.update(self._leer(nuevas))  # another writer may have won: its key is the key
        return {s: encontradas.get(s) for s in sujetos}

    def _leer(self, sujetos: list[str]) -> dict[str, bytes | None]:
        t = self.tabla
        with self.engine.connect() as conn:
            filas = conn.execute(select(t.c.sujeto, t.c.llave).where(t.c.sujeto.in_(sujetos))).all()
        leidas: dict[str, bytes | None] = {}
        vence = time.monotonic() + self._cache_segundos
        with self._lock:
            for f in filas:
                llave = self._desenvolver(f.sujeto, f.llave) if f.llave is not None else None
                leidas[f.sujeto] = llave
                if llave is not None:
                    self._cache[f.sujeto] = (llave, vence)
            if len(self._cache) > 100_000:
                self._cache.clear()
        return leidas

    def suprimir(self, sujeto: str, motivo: str) -> bool:
        t = self.tabla
        with self._lock:
            self._cache.pop(sujeto, None)
        ahora = datetime.now(UTC)
        with self.engine.begin() as conn:
            hecho = conn.execute(update(t).where(t.c.sujeto == sujeto, t.c.suprimida_en.is_(None))
                                 .values(llave=None, suprimida_en=ahora, motivo=motivo[:500])).rowcount
            if not hecho:  # no key yet, or erased already: a tombstone so that none is ever made
                hecho = conn.execute(self._insert(t).on_conflict_do_nothing(), {
                    "sujeto": sujeto, "llave": None, "creada_en": ahora, "suprimida_en": ahora,
                    "motivo": motivo[:500]}).rowcount
        if hecho and not self.sqlite:
            # The old row version (the wrapped key) stays in the table file until a vacuum.
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f"VACUUM {nombre(t)}"))
        return bool(hecho)

    def suprimida(self, sujeto: str) -> dict[str, Any] | None:
        t = self.tabla
        with self.engine.connect() as conn:
            f = conn.execute(select(t.c.suprimida_en, t.c.motivo).where(
                t.c.sujeto == sujeto, t.c.suprimida_en.is_not(None))).first()
        return {"suprimida_en": f.suprimida_en.isoformat(), "motivo": f.motivo} if f else None


def llavero_de(settings: ServiceSettings) -> LlaveroSQL:
    url, esquema = url_llavero(settings)
    kek = base64.b64decode(settings.claves_kek.get_secret_value()) if settings.claves_kek.get_secret_value() \
        else KEK_DESARROLLO
    return LlaveroSQL(url, esquema, kek, settings.claves_cache_segundos)


class Cifrador:
    """Encrypts and decrypts one person's fields with his data key (``sujeto``: ``docente:<id>``...)."""

    def __init__(self, llavero: Llavero) -> None:
        self.llavero = llavero

    @staticmethod
    def cifrado(valor: Any) -> bool:
        return isinstance(valor, str) and valor.startswith((PREFIJO, PREFIJO_DETERMINISTA))

    def cifrar_campos(self, sujeto: str, datos: dict[str, Any], campos: Iterable[str],
                      llave: bytes | None = None, determinista: bool = False) -> dict[str, Any]:
        """``datos`` with each of ``campos`` encrypted (None stays None). Raises LlaveSuprimida.
        ``determinista``: the same value gives the same ciphertext (AES-SIV), for what a write model compares."""
        if llave is None:
            llave = self.llavero.llaves([sujeto], crear=True)[sujeto]
        if llave is None:
            raise LlaveSuprimida(sujeto)
        aes = AESGCM(llave)
        siv = AESSIV(_llave_siv(llave)) if determinista else None
        cifrados = dict(datos)
        for campo in campos:
            if datos.get(campo) is not None and not self.cifrado(datos[campo]):
                claro = json.dumps(datos[campo], ensure_ascii=False, sort_keys=True).encode()
                if siv is not None:
                    cifrados[campo] = PREFIJO_DETERMINISTA + base64.urlsafe_b64encode(
                        siv.encrypt(claro, [_asociado(sujeto, campo)])).decode()
                    continue
                nonce = os.urandom(12)
                cifrados[campo] = PREFIJO + base64.urlsafe_b64encode(
                    nonce + aes.encrypt(nonce, claro, _asociado(sujeto, campo))).decode()
        return cifrados

    def descifrar_campos(self, sujeto: str, datos: dict[str, Any], campos: Iterable[str]) -> dict[str, Any]:
        """``datos`` readable: each encrypted field decrypted, or ``MARCA`` when the key was erased."""
        campos = [c for c in campos if self.cifrado(datos.get(c))]
        if not campos:
            return dict(datos)
        llave = self.llavero.llaves([sujeto])[sujeto]
        claros = dict(datos)
        for campo in campos:
            claros[campo] = _descifrar(llave, sujeto, campo, datos[campo])
        return claros


    def cifrar_bytes(self, sujeto: str, datos: bytes, contexto: str) -> bytes:
        """``datos`` (an attachment's content) encrypted with the subject's key, bound to ``contexto`` (its
        hash). Raises LlaveSuprimida."""
        llave = self.llavero.llaves([sujeto], crear=True)[sujeto]
        if llave is None:
            raise LlaveSuprimida(sujeto)
        nonce = os.urandom(12)
        return PREFIJO_BYTES + nonce + AESGCM(llave).encrypt(nonce, datos, _asociado(sujeto, contexto))

    def descifrar_bytes(self, sujeto: str, datos: bytes, contexto: str) -> bytes | None:
        """The content back; None when the key was erased or the bytes are not this subject's. Content stored
        before encryption existed (no prefix) is returned as it is."""
        if not datos.startswith(PREFIJO_BYTES):
            return datos
        llave = self.llavero.llaves([sujeto])[sujeto]
        if llave is None:
            return None
        crudo = datos[len(PREFIJO_BYTES):]
        try:
            return AESGCM(llave).decrypt(crudo[:12], crudo[12:], _asociado(sujeto, contexto))
        except InvalidTag:
            return None


def _asociado(sujeto: str, campo: str) -> bytes:
    return f"{sujeto}\x1f{campo}".encode()


def _llave_siv(llave: bytes) -> bytes:
    """AES-SIV's 512-bit key, derived from the subject's data key (erased with it)."""
    return HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=b"acompana-siv").derive(llave)


def _descifrar(llave: bytes | None, sujeto: str, campo: str, valor: str) -> Any:
    if llave is None:
        return MARCA
    try:
        if valor.startswith(PREFIJO_DETERMINISTA):
            crudo = base64.urlsafe_b64decode(valor.removeprefix(PREFIJO_DETERMINISTA))
            return json.loads(AESSIV(_llave_siv(llave)).decrypt(crudo, [_asociado(sujeto, campo)]))
        crudo = base64.urlsafe_b64decode(valor.removeprefix(PREFIJO))
        return json.loads(AESGCM(llave).decrypt(crudo[:12], crudo[12:], _asociado(sujeto, campo)))
    except InvalidTag:
        return MARCA  # not this subject's value (copied from another record) or altered

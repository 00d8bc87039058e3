"""Attachments: photos, scanned actas and documents, stored by the SHA-256 of their content.

The content is checked before anything is stored: its size against the limit, and its type
from its first bytes (``filetype``), never from the file's name, so a renamed executable is
refused. It is kept in the JetStream object store encrypted with the key of its owner (the visit's
docente, or the GIA/RTC: ``shared.cifrado``), under a hash of its hash and its owner (``objeto``:
the same content twice for one owner is stored once), and read back only after it is decrypted and
its hash checked again. Erasing the docente's key (a cancellation) leaves its bytes unreadable even
before the purge removes them. Contents stored before encryption existed stay under their bare hash,
in clear, and are read as they are. The event that records an attachment carries the hash and the
object's name, never the content.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Awaitable
from dataclasses import dataclass

import filetype
from nats.js import JetStreamContext
from nats.js.errors import ObjectNotFoundError

from shared.eventstore import DomainError

PERMITIDOS = {
    "image/jpeg": "foto JPEG", "image/png": "imagen PNG", "image/webp": "imagen WEBP", "image/heic": "foto HEIC",
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "documento Word (.docx)",
    "application/vnd.oasis.opendocument.text": "documento OpenDocument (.odt)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "hoja Excel (.xlsx)",
    "application/vnd.oasis.opendocument.spreadsheet": "hoja OpenDocument (.ods)",
}


class AdjuntoInvalido(DomainError):
    """Content whose type is not admitted (HTTP 422)."""


class AdjuntoDemasiadoGrande(DomainError):
    """Content over the size limit (HTTP 413)."""


class AdjuntoNoDisponible(Exception):
    """The object store does not answer (HTTP 503): nothing was recorded."""


class AdjuntoAlterado(Exception):
    """Stored content whose hash no longer matches its reference."""


@dataclass(frozen=True)
class Contenido:
    datos: bytes
    sha256: str
    tipo: str

    @property
    def bytes(self) -> int:
        return len(self.datos)


def examinar(datos: bytes, maximo: int) -> Contenido:
    """The content's hash and type, or the reason it is refused."""
    if len(datos) > maximo:
        raise AdjuntoDemasiadoGrande(f"El archivo pesa {len(datos):,} bytes; el máximo es {maximo:,} bytes.")
    if not datos:
        raise AdjuntoInvalido("El archivo está vacío.")
    tipo = filetype.guess_mime(datos)
    if tipo not in PERMITIDOS:
        visto = f"es {tipo}" if tipo else "no es de un tipo reconocible"
        raise AdjuntoInvalido(f"Por su contenido, el archivo {visto}; se admiten: {', '.join(sorted(set(PERMITIDOS.values())))}.")
    return Contenido(datos=datos, sha256=hashlib.sha256(datos).hexdigest(), tipo=tipo)


class AlmacenAdjuntos:
    """The JetStream object store bucket of attachments (declared by ``shared.streams``)."""

    def __init__(self, js: Callable[[], JetStreamContext | None], bucket: str) -> None:
        self._js = js
        self.bucket = bucket

    async def _store(self):  # noqa: ANN202
        js = self._js()
        if js is None:
            raise AdjuntoNoDisponible("El almacén de adjuntos no está disponible; vuelva a intentarlo.")
        try:
            return await js.object_store(self.bucket)
        except Exception as exc:
            raise AdjuntoNoDisponible(f"El almacén de adjuntos no está disponible ({exc!r}); vuelva a intentarlo.") from exc

    async def guardar(self, objeto: str, datos: bytes) -> None:
        """Store ``datos`` (the encrypted content) as ``objeto`` (``objeto_de``), unless it is there already."""
        store = await self._store()
        try:
            await store.get_info(objeto)
            return  # the same content is already there
        except ObjectNotFoundError:
            pass
        try:
            await store.put(objeto, datos)
        except Exception as exc:
            raise AdjuntoNoDisponible(f"No se pudo guardar el adjunto ({exc!r}); vuelva a intentarlo.") from exc

    async def borrar(self, sha256: str) -> bool:
        """Delete a content from the bucket; False when it was not there."""
        store = await self._store()
        try:
            await store.delete(sha256)
            return True
        except ObjectNotFoundError:
            return False

    async def leer(self, objeto: str, sha256: str, descifrar: Callable[[bytes], Awaitable[bytes | None]]) -> bytes:
        """The content of ``objeto``, decrypted (``descifrar``) and checked against its hash."""
        store = await self._store()
        try:
            guardado = (await store.get(objeto)).data or b""
        except ObjectNotFoundError:
            raise AdjuntoAlterado(f"El adjunto {sha256} no está en el almacén.") from None
        datos = await descifrar(guardado)
        if datos is None or hashlib.sha256(datos).hexdigest() != sha256:
            raise AdjuntoAlterado(f"El contenido guardado del adjunto {sha256} no coincide con su huella.")
        return datos


def objeto_de(sha256: str, sujeto: str) -> str:
    """The object's name of a content encrypted for ``sujeto``: a hash of its content's hash and its owner
    (64 characters, like a bare hash; one object per content and owner)."""
    return hashlib.sha256(f"{sha256}\x1f{sujeto}".encode()).hexdigest()

"""Attachments in the read model: each kept as its event has it (file name and description encrypted, read as
``MARCA`` once the key is erased); a docente's cancellation blanks those already projected and leaves the content
of his attachments for the purge (``adjunto_por_purgar``), once (docs/datos-personales.md).

What the purge has done is its own record (``adjunto_purgado``), not a row of the read model: a rebuild gives
``adjunto_por_purgar`` again as the events leave it, and the purge does not take out again what it took out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from services.evidencias import domainmodel as dm
from services.evidencias.adjuntos import objeto_de
from services.evidencias.lectura.base import Base, cuando
from services.evidencias.tablas import adjunto, adjunto_por_purgar, adjunto_purgado
from shared.cifrado import MARCA
from shared.unidad import UnidadDeTrabajo
from shared.views import Tablas


class Adjuntos(Base):
    def _adjunto(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        """The attachment as the event has it (file name and description encrypted)."""
        de = self._de(u, t, e)
        a = {**e.adjunto.como_dict(), "registrado_en": cuando(e)}
        cancelado_ya = de["docente_id"] is not None and self._cancelado(u, t, de["docente_id"])
        if cancelado_ya:  # attached while his cancellation was being recorded
            a = _suprimido(a)
        self._guardar(u, t, de["tipo"], de["clave"], lambda r: r["adjuntos"].append(a))
        if cancelado_ya:
            self._por_purgar(u, t, _objetos(de["docente_id"], [e.adjunto.sha256]))
        else:
            u.insertar(t.adjunto, {"propietario_tipo": de["tipo"], "propietario_id": de["clave"],
                                   "sha256": e.adjunto.sha256, "docente_id": de["docente_id"]})

    def _cancelados(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        """His evidence references already projected become ``MARCA`` (his key is erased next), and the
        content of his attachments is left for the purge (once: this runs once per cancellation)."""
        def suprimir(r: dict[str, Any]) -> None:
            r["adjuntos"] = [_suprimido(a) for a in r["adjuntos"]]
        docente, a, v = self._docente(u, t, e), t.adjunto, t.visita
        u.insertar(t.cancelado, {"docente_id": docente})
        for visita_id in u.execute(select(v.c.visita_id).where(v.c.docente_id == docente)).scalars().all():
            self._guardar(u, t, "visita", visita_id, suprimir)
        hashes = u.execute(select(a.c.sha256).distinct().where(a.c.docente_id == docente)).scalars().all()
        self._por_purgar(u, t, _objetos(docente, hashes))
        u.execute(delete(a).where(a.c.docente_id == docente))

    def adjuntos_por_purgar(self) -> list[tuple[str, bool]]:
        """The contents of cancelled docentes' attachments not purged yet, each with whether it may leave the
        bucket: not when the same content is attached elsewhere (another docente's visit, a GIA or RTC)."""
        en_uso = select(adjunto.c.sha256).where(adjunto.c.sha256 == adjunto_por_purgar.c.sha256).exists()
        p = adjunto_purgado.c.sha256
        hecho = select(p).where(p == adjunto_por_purgar.c.sha256).exists()
        return [(f.sha256, not f.en_uso) for f in self.filas(select(adjunto_por_purgar.c.sha256,
                                                                    en_uso.label("en_uso")).where(~hecho))]

    def purgado(self, sha256: str) -> None:
        """The content left the bucket, or is kept because it is attached elsewhere: nothing more to do."""
        with self.store.engine.begin() as conn:
            self.escribir(conn, adjunto_purgado, {"sha256": sha256}, "sha256", actualizar=False)


def _suprimido(a: dict[str, Any]) -> dict[str, Any]:
    """An attachment of a cancelled docente: ``MARCA`` for its file name and description (what decrypting
    them gives once his key is erased, whether it was a name or an empty text)."""
    return {**a, **{k: MARCA for k in dm.ConAdjuntos.personales if a.get(k) is not None}}

def _objetos(docente: str, hashes: Any) -> list[str]:
    """What leaves the bucket for a docente's contents: each encrypted object of his (``objeto_de``) and, for
    contents stored before encryption existed, the bare hash (kept if attached elsewhere)."""
    return [n for h in hashes for n in (h, objeto_de(h, dm.sujeto_docente(docente)))]
